package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// fakeSlack is the smallest Slack Web API Warroom can run against: every
// method it calls answers ok:true, conversations.create hands out new
// channel IDs and chat.postMessage increasing timestamps; response_url
// posts are accepted. It keeps no state but counters, so it costs the
// machine as little as possible while Warroom is measured. (The package
// adapters/slack/fakeslack is the faithful fake, but it needs a
// testing.TB.)
type fakeSlack struct {
	srv *http.Server
	url string

	ts      atomic.Int64
	channel atomic.Int64

	mu      sync.Mutex
	calls   map[string]int
	created []time.Time // when each conversations.create was answered
}

// Identities the fake reports; SLACK_TEAM_ID must match teamID.
const (
	teamID    = "T0BENCH"
	botUserID = "UBOT"
	botID     = "BBOT"
	botToken  = "xoxb-bench-token"
	userID    = "U0BENCH"
)

func startFakeSlack() (*fakeSlack, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &fakeSlack{url: "http://" + ln.Addr().String(), calls: map[string]int{}}
	f.ts.Store(time.Now().UnixMicro())
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/{method}", f.api)
	mux.HandleFunc("POST /response/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		f.count("response_url")
		w.WriteHeader(http.StatusOK)
	})
	f.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = f.srv.Serve(ln) }()
	return f, nil
}

func (f *fakeSlack) close() { _ = f.srv.Close() }

func (f *fakeSlack) apiURL() string { return f.url + "/api/" }

func (f *fakeSlack) count(method string) {
	f.mu.Lock()
	f.calls[method]++
	if method == "conversations.create" {
		f.created = append(f.created, time.Now())
	}
	f.mu.Unlock()
}

// snapshot returns the calls so far by method and the answer times of
// conversations.create.
func (f *fakeSlack) snapshot() (map[string]int, []time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	calls := make(map[string]int, len(f.calls))
	for k, v := range f.calls {
		calls[k] = v
	}
	return calls, append([]time.Time(nil), f.created...)
}

func (f *fakeSlack) nextTS() string {
	us := f.ts.Add(1)
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}

func (f *fakeSlack) api(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	params := map[string]string{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		for k, v := range body {
			if s, ok := v.(string); ok {
				params[k] = s
			}
		}
	} else if err := r.ParseForm(); err == nil {
		for k := range r.Form {
			params[k] = r.Form.Get(k)
		}
	}
	f.count(method)
	ch := params["channel"]
	channelJSON := func(id, name string) map[string]any {
		return map[string]any{"id": id, "name": name, "is_channel": true, "is_member": true, "created": time.Now().Unix()}
	}
	var res map[string]any
	switch method {
	case "auth.test":
		res = map[string]any{"url": "https://bench.slack.com/", "team": "Bench", "user": "warroom",
			"team_id": teamID, "user_id": botUserID, "bot_id": botID}
	case "conversations.create":
		id := fmt.Sprintf("C%08d", f.channel.Add(1))
		res = map[string]any{"channel": channelJSON(id, params["name"])}
	case "conversations.invite", "conversations.setTopic", "conversations.join", "conversations.info":
		res = map[string]any{"channel": channelJSON(ch, "incident")}
	case "chat.postMessage":
		res = map[string]any{"channel": ch, "ts": f.nextTS()}
	case "chat.update":
		res = map[string]any{"channel": ch, "ts": params["ts"], "text": params["text"]}
	case "chat.postEphemeral":
		res = map[string]any{"message_ts": f.nextTS()}
	case "users.info":
		id := params["user"]
		res = map[string]any{"user": map[string]any{"id": id, "name": "bench", "real_name": "Bench User", "locale": "en-US",
			"profile": map[string]any{"display_name": "bench", "real_name": "Bench User"}}}
	case "views.open":
		res = map[string]any{"view": map[string]any{"id": "V0BENCH"}}
	case "pins.add", "conversations.archive":
		res = map[string]any{}
	default:
		res = map[string]any{"ok": false, "error": "unknown_method"}
	}
	if _, set := res["ok"]; !set {
		res["ok"] = true
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(res)
}
