package e2e

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
	"github.com/warroomhq/warroom/adapters/teams/faketeams"
)

// TestBadInput posts bad input to every endpoint of one `warroom serve`
// with Slack, Teams, the alert sources and the API token configured:
// malformed JSON (or form), a body in the wrong format for its content
// type, an empty body, bodies over the 1 MiB limit (with a Content-Length
// and chunked), a 900 KB field, invalid UTF-8 and unknown event types.
// Every request is authenticated the way its sender does it (Slack's
// signature, a Bot Framework token, the alert bearer tokens, the API
// token), so what answers is the parsing, not the authentication — except
// CloudWatch, whose SNS signatures a test cannot make: its rows are
// refused before the signature check where the body says so (400), else by
// it (403).
//
// Each row expects a 4xx with {"error":{"code","message"}}, a message that
// does not repeat the 900 KB field, and no change in Redis, except where
// the protocol requires 200 ("ack" rows):
//
//   - Slack acknowledges every verified slash command, interaction and
//     event callback with 200, also for what it ignores (unknown event
//     types, an unknown command); errors reach the person as a message
//     (an unknown command, a 900 KB title or incident id are answered
//     through the response_url, which the row waits for), and an event
//     refused with a 4xx would only be delivered again.
//   - The Bot Framework expects 200 for activities a bot ignores (unknown
//     activity types), and a channel message is only chat.
//
// Alertmanager and Grafana notifications are written by the sender's
// templates, so a 900 KB title or summary is clipped (to 200 and 300
// characters), not refused: refusing would lose the alert, and the sender
// would retry it forever. Those two rows expect 200 and run last, apart
// from the Redis comparison; the stored alert's title is checked instead.
//
// Redis is compared by the set of keys under the test's prefix with each
// key's type and size, before and after each row. Keys under "seen:" are
// left out: "seen:slack-sig:<signature>" is the replay guard of verified
// Slack commands and interactions, written before the body is parsed so a
// captured request cannot be replayed, and "seen:<event id>" the router's
// de-duplication of acknowledged deliveries.
func TestBadInput(t *testing.T) {
	sl := fakeslack.New(t)
	sl.AddUser("U0ALICE", "alice", "Alice", "en-US")
	general := sl.AddChannel("general", false, "U0ALICE")
	tm := faketeams.New(t, faketeams.WithoutRateLimits())
	const (
		apiToken = "s3cret-token"
		amToken  = "am-token"
		gfToken  = "grafana-token"
		whToken  = "webhook-token"
		ddToken  = "datadog-token"
		mkPath   = "/alerts/mackerel?token=mackerel-0123456789abcdef0123456789"
		seSecret = "sentry-client-secret"
		azToken  = "azure-token-0123456789"
		topic    = "arn:aws:sns:us-east-1:123456789012:warroom-alarms"
	)
	getenv := testEnv(t, map[string]string{
		"SLACK_BOT_TOKEN": fakeslack.BotToken, "SLACK_SIGNING_SECRET": fakeslack.SigningSecret,
		"SLACK_API_URL": sl.APIURL(), "SLACK_TEAM_ID": fakeslack.TeamID,
		"MICROSOFT_APP_ID": faketeams.AppID, "MICROSOFT_APP_PASSWORD": faketeams.AppPassword,
		"MICROSOFT_APP_TENANT_ID": faketeams.TenantID, "MICROSOFT_LOGIN_URL": tm.LoginURL(),
		"MICROSOFT_GRAPH_URL": tm.GraphURL(), "TEAMS_OPENID_METADATA_URL": tm.MetadataURL(),
		"TEAMS_SERVICE_URL": tm.ServiceURL(), "TEAMS_TEAM_ID": faketeams.TeamID,
		"WARROOM_API_TOKEN": apiToken, "WARROOM_ALERTMANAGER_TOKEN": amToken,
		"WARROOM_GRAFANA_TOKEN": gfToken, "WARROOM_WEBHOOK_TOKEN": whToken,
		"WARROOM_SNS_TOPIC_ARNS": topic, "WARROOM_ALERT_PLATFORM": "slack",
		"WARROOM_DATADOG_TOKEN": ddToken, "WARROOM_MACKEREL_TOKEN": "mackerel-0123456789abcdef0123456789",
		"WARROOM_SENTRY_CLIENT_SECRET": seSecret, "WARROOM_AZURE_MONITOR_TOKEN": azToken,
	})
	base, stop := startServe(t, getenv)
	defer stop()

	opts, err := redis.ParseURL(getenv("REDIS_URL"))
	require.NoError(t, err)
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	prefix := getenv("WARROOM_REDIS_PREFIX")

	// Each request is signed at another second of the five-minute window:
	// two identical bodies (two empty ones) signed within one second would
	// share a signature, and the second is refused as a replay.
	var signed int
	slackSign := func(r *http.Request, body []byte) {
		signed++
		fakeslack.Sign(r, body, fakeslack.SigningSecret, time.Now().Add(-time.Duration(signed)*time.Second))
	}
	teamsToken := func(r *http.Request, _ []byte) { r.Header.Set("Authorization", "Bearer "+tm.Token()) }
	bearer := func(tok string) func(*http.Request, []byte) {
		return func(r *http.Request, _ []byte) { r.Header.Set("Authorization", "Bearer "+tok) }
	}
	none := func(*http.Request, []byte) {}
	sentrySign := func(r *http.Request, body []byte) {
		mac := hmac.New(sha256.New, []byte(seSecret))
		mac.Write(body)
		r.Header.Set("Sentry-Hook-Resource", "metric_alert")
		r.Header.Set("Sentry-Hook-Signature", hex.EncodeToString(mac.Sum(nil)))
	}
	azurePath := "/alerts/azure?token=" + azToken

	// Alice's name and locale are cached by a first command, so that the
	// commands below, acknowledged and answered, change nothing in Redis.
	status, _, ack := post(t, base+"/slack/commands", []byte(sl.SlashCommandForm("U0ALICE", general, "help").Encode()), formType, false, slackSign)
	require.Equal(t, http.StatusOK, status)
	if !answeredInAck(ack) {
		sl.WaitResponses(1, 10*time.Second)
	}
	require.Eventually(t, func() bool { return len(keys(t, rdb, prefix+"*user*")) > 0 },
		10*time.Second, 20*time.Millisecond, "the user cache is filled")

	huge := strings.Repeat("x", 900<<10)
	over := make([]byte, maxBody+1)
	for i := range over {
		over[i] = ' '
	}
	form := func(text string) []byte {
		return []byte(sl.SlashCommandForm("U0ALICE", general, text).Encode())
	}
	interaction := func(payload string) []byte {
		return []byte(fakeslack.InteractionForm([]byte(payload)).Encode())
	}
	click := func(value string) []byte {
		b, err := json.Marshal(map[string]any{
			"type": "block_actions", "team": map[string]string{"id": fakeslack.TeamID},
			"user": map[string]string{"id": "U0ALICE", "name": "alice"}, "channel": map[string]string{"id": general},
			"response_url": sl.ResponseURL(), "trigger_id": "1.2.x",
			"actions": []map[string]string{{"action_id": "wr.timeline.0", "block_id": "b1", "type": "button", "value": value}},
		})
		require.NoError(t, err)
		return interaction(string(b))
	}
	event := func(inner string) []byte {
		return []byte(`{"type":"event_callback","team_id":"` + fakeslack.TeamID + `","api_app_id":"` + fakeslack.AppID +
			`","event_id":"Ev` + fmt.Sprint(time.Now().UnixNano()) + `","event_time":1732500000,"event":` + inner + `}`)
	}
	activity := func(edit func(map[string]any)) []byte {
		var a map[string]any
		require.NoError(t, json.Unmarshal(tm.MessageActivity(faketeams.TeamThreadID, faketeams.UserID("bob"), "Bob", "hello"), &a))
		edit(a)
		b, err := json.Marshal(a)
		require.NoError(t, err)
		return b
	}
	// Bob's name is cached by a first activity, as Alice's is above, so
	// that the activities below change nothing in Redis.
	status, _, _ = post(t, base+"/teams/messages", activity(func(map[string]any) {}), "application/json", false, teamsToken)
	require.Equal(t, http.StatusOK, status)
	require.Len(t, keys(t, rdb, prefix+"user:teams:*"), 1, "the Teams user cache is filled")
	// amBody is a notification of one alert; summary is the group's.
	amBody := func(summary, alertname string) []byte {
		b, err := json.Marshal(map[string]any{
			"version": "4", "groupKey": "{}:{alertname=\"x\"}", "status": "firing", "receiver": "warroom",
			"groupLabels": map[string]string{"alertname": alertname}, "commonLabels": map[string]string{"alertname": alertname, "severity": "critical"},
			"commonAnnotations": map[string]string{"summary": summary}, "externalURL": "http://am.example.com",
			"alerts": []map[string]any{{"status": "firing", "labels": map[string]string{"alertname": alertname, "severity": "critical"},
				"annotations": map[string]string{"description": "d"}, "startsAt": "2026-05-11T08:14:30Z", "fingerprint": "f1"}},
		})
		require.NoError(t, err)
		return b
	}
	gfBody := func(title, alertname string) []byte {
		var m map[string]any
		require.NoError(t, json.Unmarshal(amBody("s", alertname), &m))
		m["version"], m["title"], m["orgId"] = "1", title, 1
		b, err := json.Marshal(m)
		require.NoError(t, err)
		return b
	}
	// invalid puts bytes that are not UTF-8 into a JSON string (the JSON
	// encoder would have replaced them).
	invalid := func(b []byte) []byte { return bytes.Replace(b, []byte("BAD"), []byte("\xff\xfe\xc0\x80"), 1) }
	sns := func(typ, message string) []byte {
		b, err := json.Marshal(map[string]any{
			"Type": typ, "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e", "TopicArn": topic, "Message": message,
			// A stale Timestamp is refused before any certificate is fetched.
			"Timestamp": "2020-01-01T00:00:00Z", "SignatureVersion": "1", "Signature": "RVhBTVBMRQ==",
			"SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem",
		})
		require.NoError(t, err)
		return b
	}

	type row struct {
		name, path, ctype string
		auth              func(*http.Request, []byte)
		body              []byte
		chunked           bool
		status            int
		code              string // "" for an ack
		replies           int    // response_url posts the row waits for
		clipped           bool   // accepted with the field clipped; runs last
	}
	jsonType := "application/json"
	var rows []row
	// Every endpoint refuses a body over 1 MiB before reading it, or while
	// reading it when it comes chunked.
	for _, ep := range []struct {
		path  string
		auth  func(*http.Request, []byte)
		ctype string
	}{
		{"/slack/commands", slackSign, formType}, {"/slack/events", slackSign, jsonType},
		{"/slack/interactions", slackSign, formType}, {"/teams/messages", teamsToken, jsonType},
		{"/alerts/alertmanager", bearer(amToken), jsonType}, {"/alerts/grafana", bearer(gfToken), jsonType},
		{"/alerts/cloudwatch", none, "text/plain; charset=UTF-8"}, {"/alerts/webhook", bearer(whToken), jsonType},
		{"/alerts/sentry", sentrySign, jsonType}, {azurePath, none, jsonType},
		{"/api/incidents", bearer(apiToken), jsonType},
		{"/alerts/datadog", bearer(ddToken), jsonType}, {mkPath, none, jsonType},
	} {
		rows = append(rows,
			row{name: "over 1 MiB", path: ep.path, ctype: ep.ctype, auth: ep.auth, body: over, status: 413, code: "too_large"},
			row{name: "over 1 MiB chunked", path: ep.path, ctype: ep.ctype, auth: ep.auth, body: over, chunked: true, status: 413, code: "too_large"})
	}
	rows = append(rows,
		// Slack slash commands (a signed form).
		row{name: "malformed form", path: "/slack/commands", body: []byte("team_id=T0001&user_id=U0ALICE&text=%zz"), status: 400, code: "bad_request"},
		row{name: "JSON instead of a form", path: "/slack/commands", ctype: jsonType, body: []byte(`{"team_id":"` + fakeslack.TeamID + `","user_id":"U0ALICE","text":"declare x"}`), status: 400, code: "bad_request"},
		row{name: "empty body", path: "/slack/commands", body: nil, status: 400, code: "bad_request"},
		row{name: "900 KB title (ack, answered too long)", path: "/slack/commands", body: form("declare " + huge), status: 200, replies: 1},
		row{name: "invalid UTF-8", path: "/slack/commands", body: invalid(form("declare BAD")), status: 400, code: "bad_request"},
		row{name: "unknown command (ack, answered)", path: "/slack/commands", body: form("frobnicate"), status: 200, replies: 1},
		// Slack interactions (a signed form whose payload is JSON).
		row{name: "malformed JSON", path: "/slack/interactions", body: interaction(`{"type":"block_actions",`), status: 400, code: "bad_request"},
		row{name: "JSON instead of a form", path: "/slack/interactions", ctype: jsonType, body: []byte(`{"type":"block_actions"}`), status: 400, code: "bad_request"},
		row{name: "empty body", path: "/slack/interactions", body: nil, status: 400, code: "bad_request"},
		row{name: "900 KB incident id (ack, answered)", path: "/slack/interactions", body: click("INC-" + huge), status: 200, replies: 1},
		row{name: "invalid UTF-8", path: "/slack/interactions", body: invalid(click("INC-1BAD")), status: 400, code: "bad_request"},
		row{name: "unknown interaction type (ack)", path: "/slack/interactions", body: interaction(`{"type":"bogus_type","team":{"id":"` + fakeslack.TeamID + `"}}`), status: 200},
		// Slack events (signed JSON).
		row{name: "malformed JSON", path: "/slack/events", body: []byte(`{"type":"event_callback","event":{`), status: 400, code: "bad_request"},
		row{name: "a form instead of JSON", path: "/slack/events", ctype: formType, body: []byte("type=event_callback&team_id=T0001"), status: 400, code: "bad_request"},
		row{name: "empty body", path: "/slack/events", body: nil, status: 400, code: "bad_request"},
		row{name: "900 KB message outside incidents (ack)", path: "/slack/events", body: event(`{"type":"message","user":"U0ALICE","text":"` + huge + `","ts":"1732500000.000200","channel":"` + general + `"}`), status: 200},
		row{name: "invalid UTF-8", path: "/slack/events", body: invalid(event(`{"type":"message","user":"U0ALICE","text":"BAD","ts":"1732500000.000300","channel":"` + general + `"}`)), status: 400, code: "bad_request"},
		row{name: "unknown event type (ack)", path: "/slack/events", body: event(`{"type":"bogus_event","user":"U0ALICE"}`), status: 200},
		row{name: "unknown envelope type (ack)", path: "/slack/events", body: []byte(`{"type":"bogus_callback","team_id":"` + fakeslack.TeamID + `"}`), status: 200},
		// Teams activities (a valid Bot Framework token).
		row{name: "malformed JSON", path: "/teams/messages", body: []byte(`{"type":"message","text":`), status: 400, code: "bad_request"},
		row{name: "a form instead of JSON", path: "/teams/messages", ctype: formType, body: []byte("type=message&text=hi"), status: 400, code: "bad_request"},
		row{name: "empty body", path: "/teams/messages", body: nil, status: 400, code: "bad_request"},
		row{name: "900 KB message outside incidents (ack)", path: "/teams/messages", body: activity(func(a map[string]any) { a["text"] = huge }), status: 200},
		row{name: "invalid UTF-8", path: "/teams/messages", body: invalid(activity(func(a map[string]any) { a["text"] = "BAD" })), status: 400, code: "bad_request"},
		row{name: "unknown activity type (ack)", path: "/teams/messages", body: activity(func(a map[string]any) { a["type"] = "bogusActivity" }), status: 200},
		// Alertmanager.
		row{name: "malformed JSON", path: "/alerts/alertmanager", body: []byte(`{"version":"4","alerts":[`), status: 400, code: "bad_request"},
		row{name: "a form instead of JSON", path: "/alerts/alertmanager", ctype: formType, body: []byte("version=4&status=firing"), status: 400, code: "bad_request"},
		row{name: "empty body", path: "/alerts/alertmanager", body: nil, status: 400, code: "bad_request"},
		row{name: "invalid UTF-8", path: "/alerts/alertmanager", body: invalid(amBody("s", "BAD")), status: 400, code: "bad_request"},
		row{name: "unknown payload version", path: "/alerts/alertmanager", body: bytes.Replace(amBody("s", "x"), []byte(`"version":"4"`), []byte(`"version":"99"`), 1), status: 400, code: "bad_request"},
		row{name: "900 KB summary (clipped)", path: "/alerts/alertmanager", body: amBody(huge, "BadInputHuge"), status: 200, clipped: true},
		// Sentry (signed JSON) and Azure Monitor (a token in the URL).
		row{name: "malformed JSON", path: "/alerts/sentry", auth: sentrySign, body: []byte(`{"action":"critical",`), status: 400, code: "bad_request"},
		row{name: "empty body", path: "/alerts/sentry", auth: sentrySign, body: nil, status: 400, code: "bad_request"},
		row{name: "invalid UTF-8", path: "/alerts/sentry", auth: sentrySign, body: invalid([]byte(`{"action":"critical BAD","data":{}}`)), status: 400, code: "bad_request"},
		row{name: "unsigned", path: "/alerts/sentry", body: []byte(`{"action":"critical","data":{}}`), status: 401, code: "unauthorized"},
		row{name: "malformed JSON", path: azurePath, body: []byte(`{"schemaId":`), status: 400, code: "bad_request"},
		row{name: "invalid UTF-8", path: azurePath, body: invalid([]byte(`{"schemaId":"azureMonitorCommonAlertSchema BAD"}`)), status: 400, code: "bad_request"},
		row{name: "another schema", path: azurePath, body: []byte(`{"schemaId":"Microsoft.Insights/activityLogs","data":{}}`), status: 400, code: "bad_request"},
		row{name: "no token", path: "/alerts/azure", body: []byte(`{"schemaId":"azureMonitorCommonAlertSchema"}`), status: 401, code: "unauthorized"},
		// Grafana.
		row{name: "malformed JSON", path: "/alerts/grafana", body: []byte(`{"version":"1",`), status: 400, code: "bad_request"},
		row{name: "a form instead of JSON", path: "/alerts/grafana", ctype: formType, body: []byte("version=1&status=firing"), status: 400, code: "bad_request"},
		row{name: "empty body", path: "/alerts/grafana", body: nil, status: 400, code: "bad_request"},
		row{name: "invalid UTF-8", path: "/alerts/grafana", body: invalid(gfBody("t", "BAD")), status: 400, code: "bad_request"},
		row{name: "unknown payload version", path: "/alerts/grafana", body: bytes.Replace(gfBody("t", "x"), []byte(`"version":"1"`), []byte(`"version":"99"`), 1), status: 400, code: "bad_request"},
		row{name: "900 KB title (clipped)", path: "/alerts/grafana", body: gfBody(huge, "BadInputHugeGrafana"), status: 200, clipped: true},
		// CloudWatch (SNS, whose signatures a test cannot make).
		row{name: "malformed JSON", path: "/alerts/cloudwatch", body: []byte(`{"Type":"Notification",`), status: 400, code: "bad_request"},
		row{name: "a form instead of JSON", path: "/alerts/cloudwatch", ctype: formType, body: []byte("Type=Notification&MessageId=1"), status: 400, code: "bad_request"},
		row{name: "empty body", path: "/alerts/cloudwatch", body: nil, status: 400, code: "bad_request"},
		row{name: "900 KB alarm name (signature)", path: "/alerts/cloudwatch", body: sns("Notification", `{"AlarmName":"`+huge+`","AWSAccountId":"1","NewStateValue":"ALARM"}`), status: 403, code: "forbidden"},
		row{name: "invalid UTF-8", path: "/alerts/cloudwatch", body: invalid(sns("Notification", "BAD")), status: 400, code: "bad_request"},
		row{name: "unknown message type", path: "/alerts/cloudwatch", body: sns("BogusType", "{}"), status: 400, code: "bad_request"},
		// The generic webhook.
		row{name: "malformed JSON", path: "/alerts/webhook", body: []byte(`{"title":"x",`), status: 400, code: "bad_request"},
		row{name: "a form instead of JSON", path: "/alerts/webhook", ctype: formType, body: []byte("title=x&dedup_key=y"), status: 400, code: "bad_request"},
		row{name: "empty body", path: "/alerts/webhook", body: nil, status: 400, code: "bad_request"},
		row{name: "900 KB title", path: "/alerts/webhook", body: []byte(`{"title":"` + huge + `","dedup_key":"k"}`), status: 400, code: "bad_request"},
		row{name: "invalid UTF-8", path: "/alerts/webhook", body: invalid([]byte(`{"title":"BAD","dedup_key":"k"}`)), status: 400, code: "bad_request"},
		row{name: "unknown status", path: "/alerts/webhook", body: []byte(`{"title":"t","dedup_key":"k","status":"exploded"}`), status: 400, code: "bad_request"},
		row{name: "unknown field", path: "/alerts/webhook", body: []byte(`{"title":"t","dedup_key":"k","` + strings.Repeat("f", 1000) + `":1}`), status: 400, code: "bad_request"},
		// Datadog and Mackerel.
		row{name: "malformed JSON", path: "/alerts/datadog", body: []byte(`{"title":"x",`), status: 400, code: "bad_request"},
		row{name: "encoded as form", path: "/alerts/datadog", ctype: formType, body: []byte("title=x&aggreg_key=y"), status: 400, code: "bad_request"},
		row{name: "invalid UTF-8", path: "/alerts/datadog", body: invalid([]byte(`{"title":"BAD","aggreg_key":"k"}`)), status: 400, code: "bad_request"},
		row{name: "wrong token", path: "/alerts/datadog", auth: bearer("nope"), body: []byte(`{"title":"t","aggreg_key":"k"}`), status: 401, code: "unauthorized"},
		row{name: "malformed JSON", path: mkPath, body: []byte(`{"alert":{"id":`), status: 400, code: "bad_request"},
		row{name: "invalid UTF-8", path: mkPath, body: invalid([]byte(`{"alert":{"id":"BAD"}}`)), status: 400, code: "bad_request"},
		row{name: "no alert", path: mkPath, body: []byte(`{"event":"alert"}`), status: 400, code: "bad_request"},
		row{name: "wrong token", path: "/alerts/mackerel?token=nope", body: []byte(`{"alert":{"id":"k"}}`), status: 401, code: "unauthorized"},
	)
	for i := range rows {
		if rows[i].ctype == "" {
			switch {
			case strings.HasPrefix(rows[i].path, "/slack/commands"), strings.HasPrefix(rows[i].path, "/slack/interactions"):
				rows[i].ctype = formType
			default:
				rows[i].ctype = jsonType
			}
		}
		if rows[i].auth == nil {
			switch p := rows[i].path; {
			case strings.HasPrefix(p, "/slack/"):
				rows[i].auth = slackSign
			case p == "/teams/messages":
				rows[i].auth = teamsToken
			case p == "/alerts/alertmanager":
				rows[i].auth = bearer(amToken)
			case p == "/alerts/grafana":
				rows[i].auth = bearer(gfToken)
			case p == "/alerts/webhook":
				rows[i].auth = bearer(whToken)
			case p == "/alerts/datadog":
				rows[i].auth = bearer(ddToken)
			default:
				rows[i].auth = none
			}
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return !rows[i].clipped && rows[j].clipped })

	for _, rw := range rows {
		t.Run(rw.path+" "+rw.name, func(t *testing.T) {
			before := redisState(t, rdb, prefix)
			replies := len(sl.Responses())
			status, ctype, body := post(t, base+rw.path, rw.body, rw.ctype, rw.chunked, rw.auth)
			require.Equal(t, rw.status, status, "body: %.300s", body)
			require.Less(t, len(body), 4096, "the answer repeats the input: %.300s", body)
			if rw.code != "" {
				requireJSONError(t, ctype, body, rw.code)
			}
			want := rw.replies
			if want > 0 && answeredInAck(body) {
				want-- // the first reply came in the acknowledgement
			}
			if want > 0 {
				if !assert.Eventually(t, func() bool { return len(sl.Responses()) >= replies+want },
					5*time.Second, 10*time.Millisecond, "the person is answered") {
					for _, c := range sl.Calls() {
						t.Logf("call %s %d %.200v", c.Method, c.Status, c.Params)
					}
					t.FailNow()
				}
				got := sl.Responses()
				answer, _ := json.Marshal(got[len(got)-1].Body)
				require.Less(t, len(answer), 8192, "the answer repeats the input: %.300s", answer)
			}
			if rw.clipped {
				return
			}
			time.Sleep(50 * time.Millisecond) // let anything queued run
			require.Equal(t, before, redisState(t, rdb, prefix), "Redis changed")
		})
	}

	// The clipped alerts were accepted; nothing stored holds the 900 KB field.
	var list struct {
		Incidents []struct {
			Title string `json:"title"`
		} `json:"incidents"`
	}
	require.Equal(t, http.StatusOK, getJSON(t, base+"/api/incidents", apiToken, &list))
	for _, inc := range list.Incidents {
		require.LessOrEqual(t, len([]rune(inc.Title)), 200, "stored title too long")
	}
	require.Eventually(t, func() bool {
		for _, k := range keys(t, rdb, prefix+"*") {
			if n, _ := rdb.MemoryUsage(context.Background(), k).Result(); n > 100<<10 {
				t.Logf("key %s holds %d bytes", k, n)
				return false
			}
		}
		return true
	}, 5*time.Second, 100*time.Millisecond, "no key holds the 900 KB field")
}

// TestBadInputAPI sends bad query parameters, paths and methods to the
// read-only API's routes, with the right token: each is a 4xx with a JSON
// error whose message does not repeat a 900 KB parameter, and Redis does
// not change. (A request body is never read by a GET route; a body over
// the limit is refused all the same, in TestBadInput.)
func TestBadInputAPI(t *testing.T) {
	const token = "s3cret-token"
	getenv := testEnv(t, map[string]string{"WARROOM_API_TOKEN": token})
	base, stop := startServe(t, getenv)
	defer stop()
	opts, err := redis.ParseURL(getenv("REDIS_URL"))
	require.NoError(t, err)
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	prefix := getenv("WARROOM_REDIS_PREFIX")

	huge := strings.Repeat("x", 900<<10)
	for _, tc := range []struct {
		name, method, path, token string
		body                      []byte
		status                    int
		code                      string
	}{
		{"no token", "GET", "/api/incidents", "", nil, 401, "unauthorized"},
		{"wrong token", "GET", "/api/incidents", "nope", nil, 401, "unauthorized"},
		{"unknown status", "GET", "/api/incidents?status=bogus", token, nil, 400, "bad_request"},
		{"limit zero", "GET", "/api/incidents?limit=0", token, nil, 400, "bad_request"},
		{"limit not a number", "GET", "/api/incidents?limit=ten", token, nil, 400, "bad_request"},
		{"900 KB status", "GET", "/api/incidents?status=" + huge, token, nil, 400, "bad_request"},
		{"invalid UTF-8 status", "GET", "/api/incidents?status=%FF%FE", token, nil, 400, "bad_request"},
		{"bad incident id", "GET", "/api/incidents/abc", token, nil, 400, "bad_request"},
		{"invalid UTF-8 id", "GET", "/api/incidents/%FF%FE", token, nil, 400, "bad_request"},
		{"900 KB id", "GET", "/api/incidents/" + huge, token, nil, 400, "bad_request"},
		{"negative id", "GET", "/api/incidents/INC--1", token, nil, 400, "bad_request"},
		{"overflowing id", "GET", "/api/incidents/99999999999999999999", token, nil, 400, "bad_request"},
		{"no such incident", "GET", "/api/incidents/424242", token, nil, 404, "not_found"},
		{"timeline after", "GET", "/api/incidents/1/timeline?after=yesterday", token, nil, 400, "bad_request"},
		{"timeline limit", "GET", "/api/incidents/1/timeline?limit=-1", token, nil, 400, "bad_request"},
		{"timeline 900 KB after", "GET", "/api/incidents/1/timeline?after=" + huge, token, nil, 400, "bad_request"},
		{"postmortem lang", "GET", "/api/incidents/1/postmortem.md?lang=klingon", token, nil, 400, "bad_request"},
		{"postmortem 900 KB lang", "GET", "/api/incidents/1/postmortem.md?lang=" + huge, token, nil, 400, "bad_request"},
		{"stats days", "GET", "/api/stats?days=5", token, nil, 400, "bad_request"},
		{"stats 900 KB days", "GET", "/api/stats?days=" + huge, token, nil, 400, "bad_request"},
		{"unknown route", "GET", "/api/bogus", token, nil, 404, "not_found"},
		{"POST malformed JSON", "POST", "/api/incidents", token, []byte(`{"title":`), 405, "method_not_allowed"},
		{"DELETE", "DELETE", "/api/incidents/1", token, nil, 405, "method_not_allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := redisState(t, rdb, prefix)
			req, err := http.NewRequest(tc.method, base+tc.path, bytes.NewReader(tc.body))
			require.NoError(t, err)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			require.Equal(t, tc.status, res.StatusCode, "body: %.300s", body)
			require.Less(t, len(body), 1024, "the error repeats the input: %.300s", body)
			requireJSONError(t, res.Header.Get("Content-Type"), body, tc.code)
			require.Equal(t, before, redisState(t, rdb, prefix), "Redis changed")
		})
	}
}

const formType = "application/x-www-form-urlencoded"

// post sends body to u with content type ctype, authenticated by auth,
// chunked (no Content-Length) when asked.
func post(t *testing.T, u string, body []byte, ctype string, chunked bool, auth func(*http.Request, []byte)) (status int, contentType string, resBody []byte) {
	t.Helper()
	var rd io.Reader = bytes.NewReader(body)
	if chunked {
		rd = io.MultiReader(rd) // hides the length
	}
	req, err := http.NewRequest(http.MethodPost, u, rd)
	require.NoError(t, err)
	if chunked {
		req.ContentLength = -1
	}
	req.Header.Set("Content-Type", ctype)
	auth(req, body)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, res.Header.Get("Content-Type"), b
}

// answeredInAck reports whether a slash command's acknowledgement carries
// the command's reply (a rendered message has blocks; the "Declaring…"
// notice and the busy message have none).
func answeredInAck(ack []byte) bool { return bytes.Contains(ack, []byte(`"blocks"`)) }

// requireJSONError checks body is {"error":{"code":code,"message":"..."}}.
func requireJSONError(t *testing.T, contentType string, body []byte, code string) {
	t.Helper()
	require.Equal(t, "application/json; charset=utf-8", contentType, "body: %.300s", body)
	var e struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &e), "body: %.300s", body)
	require.NotNil(t, e.Error, "body: %.300s", body)
	require.Equal(t, code, e.Error.Code, "body: %.300s", body)
	require.NotEmpty(t, e.Error.Message)
}

// keys lists the keys matching pattern.
func keys(t *testing.T, rdb *redis.Client, pattern string) []string {
	t.Helper()
	var out []string
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, pattern, 1000).Iterator()
	for iter.Next(ctx) {
		out = append(out, iter.Val())
	}
	require.NoError(t, iter.Err())
	sort.Strings(out)
	return out
}

// redisState describes every key under prefix but the "seen:" ones (see
// TestBadInput) by its type and size.
func redisState(t *testing.T, rdb *redis.Client, prefix string) map[string]string {
	t.Helper()
	ctx := context.Background()
	state := map[string]string{}
	for _, k := range keys(t, rdb, prefix+"*") {
		// Delivery marks are what a refused request may leave; leases and
		// liveness keys are the background loops' (reminders, recovery),
		// taken and renewed on their own clock, whatever the requests.
		if name := strings.TrimPrefix(k, prefix); strings.HasPrefix(name, "seen:") ||
			strings.HasPrefix(name, "lease:") || strings.HasPrefix(name, "alive:") {
			continue
		}
		typ, err := rdb.Type(ctx, k).Result()
		require.NoError(t, err)
		var n int64
		switch typ {
		case "string":
			n, err = rdb.StrLen(ctx, k).Result()
		case "list":
			n, err = rdb.LLen(ctx, k).Result()
		case "set":
			n, err = rdb.SCard(ctx, k).Result()
		case "zset":
			n, err = rdb.ZCard(ctx, k).Result()
		case "hash":
			n, err = rdb.HLen(ctx, k).Result()
		case "stream":
			n, err = rdb.XLen(ctx, k).Result()
		case "none":
			continue // expired between SCAN and TYPE
		}
		require.NoError(t, err)
		state[strings.TrimPrefix(k, prefix)] = fmt.Sprintf("%s/%d", typ, n)
	}
	return state
}
