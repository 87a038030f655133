package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/warroomhq/warroom/store"
)

// The floor is the fastest a Go process could answer the same requests:
// verify the Slack signature (HMAC-SHA256 of "v0:ts:body", constant time),
// decode the form or JSON, do one XADD, answer 200. `go run ./bench` runs
// it as a child process of its own binary (`bench floor`), so its memory
// and start-up time are measured the same way as Warroom's and it does not
// share a Go runtime with the load generator.

// Environment of the floor process.
const (
	envFloorAddr   = "FLOOR_ADDR"
	envFloorRedis  = "FLOOR_REDIS_URL"
	envFloorPrefix = "FLOOR_PREFIX"
	envFloorSecret = "FLOOR_SIGNING_SECRET"
	envFloorToken  = "FLOOR_ALERT_TOKEN"
)

func runFloor() error {
	ctx := context.Background()
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	rdb, err := store.Dial(dctx, os.Getenv(envFloorRedis))
	cancel()
	if err != nil {
		return err
	}
	f := &floor{rdb: rdb, prefix: os.Getenv(envFloorPrefix), secret: []byte(os.Getenv(envFloorSecret)),
		token: []byte("Bearer " + os.Getenv(envFloorToken))}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /slack/commands", f.commands)
	mux.HandleFunc("POST /slack/events", f.events)
	mux.HandleFunc("POST /alerts/alertmanager", f.alerts)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := rdb.Ping(r.Context()).Err(); err != nil {
			http.Error(w, "redis", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("GET /postmortem", f.postmortem)
	ln, err := net.Listen("tcp", os.Getenv(envFloorAddr))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

type floor struct {
	rdb    redis.UniversalClient
	prefix string
	secret []byte
	token  []byte
}

// verified reads the body and checks its Slack signature and timestamp.
func (f *floor) verified(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return nil, false
	}
	ts := r.Header.Get("X-Slack-Request-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		http.Error(w, "stale", http.StatusUnauthorized)
		return nil, false
	}
	got, err := hex.DecodeString(strings.TrimPrefix(r.Header.Get("X-Slack-Signature"), "v0="))
	if err != nil || !hmac.Equal(got, slackSign(f.secret, ts, body)) {
		http.Error(w, "signature", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

func (f *floor) commands(w http.ResponseWriter, r *http.Request) {
	body, ok := f.verified(w, r)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "form", http.StatusBadRequest)
		return
	}
	f.xadd(w, r, "commands", map[string]any{"user": form.Get("user_id"), "channel": form.Get("channel_id"), "text": form.Get("text")})
}

func (f *floor) events(w http.ResponseWriter, r *http.Request) {
	body, ok := f.verified(w, r)
	if !ok {
		return
	}
	var cb struct {
		Type    string `json:"type"`
		EventID string `json:"event_id"`
		Event   struct {
			Type    string `json:"type"`
			User    string `json:"user"`
			Text    string `json:"text"`
			TS      string `json:"ts"`
			Channel string `json:"channel"`
		} `json:"event"`
	}
	if err := json.Unmarshal(body, &cb); err != nil {
		http.Error(w, "json", http.StatusBadRequest)
		return
	}
	f.xadd(w, r, "events", map[string]any{"kind": "message", "author_id": cb.Event.User, "text": cb.Event.Text, "ref": cb.Event.TS})
}

func (f *floor) alerts(w http.ResponseWriter, r *http.Request) {
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), f.token) != 1 {
		http.Error(w, "token", http.StatusUnauthorized)
		return
	}
	var msg struct {
		GroupKey string `json:"groupKey"`
		Alerts   []struct {
			Status      string            `json:"status"`
			Labels      map[string]string `json:"labels"`
			Fingerprint string            `json:"fingerprint"`
		} `json:"alerts"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&msg); err != nil || len(msg.Alerts) == 0 {
		http.Error(w, "json", http.StatusBadRequest)
		return
	}
	a := msg.Alerts[0]
	f.xadd(w, r, "alerts", map[string]any{"group": msg.GroupKey, "status": a.Status, "fingerprint": a.Fingerprint})
}

func (f *floor) xadd(w http.ResponseWriter, r *http.Request, stream string, values map[string]any) {
	if err := f.rdb.XAdd(r.Context(), &redis.XAddArgs{Stream: f.prefix + stream, Values: values}).Err(); err != nil {
		http.Error(w, "redis", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// postmortem is the floor of a postmortem: read a whole timeline stream
// (?key=) and write one Markdown line per entry.
func (f *floor) postmortem(w http.ResponseWriter, r *http.Request) {
	msgs, err := f.rdb.XRange(r.Context(), r.URL.Query().Get("key"), "-", "+").Result()
	if err != nil {
		http.Error(w, "redis", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# Postmortem\n\n## Timeline\n\n")
	for _, m := range msgs {
		fmt.Fprintf(bw, "- %v %v: %v\n", m.Values["at"], m.Values["author_name"], m.Values["text"])
	}
	_ = bw.Flush()
}

// slackSign is Slack's v0 request signature, also used by the load
// generator to sign its requests.
func slackSign(secret []byte, ts string, body []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return mac.Sum(nil)
}
