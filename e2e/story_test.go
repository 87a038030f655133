package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
	"github.com/warroomhq/warroom/adapters/teams/faketeams"
	"github.com/warroomhq/warroom/app"
)

const story = `/incident declare Checkout is failing P2
the payment provider returns 502s
/user bob
!1
/incident priority sev1
/incident role ops me
/incident status identified bad deploy 4f2a
rolling back 4f2a now
/incident update Rollback in progress; errors dropping
/incident resolve rolled back 4f2a
/incident timeline
/incident priority P9
/incident status monitoring
/incident close
/incident note the 4f2a deploy skipped the canary
/incident followup add Add a canary step to every deploy @alice due 2026-12-31
/incident postmortem
/incident close
/incident postmortem reviewed
/incident close
/incident status monitoring
/incident INC-999 resolve
/incident frobnicate
`

// TestConsoleStoryThenAPI pipes a whole incident through `warroom console`,
// then serves the same Redis and reads the timeline over the API.
func TestConsoleStoryThenAPI(t *testing.T) {
	getenv := testEnv(t, map[string]string{"WARROOM_API_TOKEN": "s3cret-token"})
	got, err := runConsole(t, getenv, app.Terminal{User: "alice"}, story)
	require.NoError(t, err)

	inOrder(t, got,
		"Warroom created #inc-",                         // channel created, and we are in it
		"Commander: alice",                              // the declarer leads
		"[M4] alice: the payment provider returns 502s", // a message in the channel
		"bob takes over as Commander of INC-1 from alice",
		"bob set INC-1 to *P1 (critical)*",
		"bob is now Operations of INC-1",
		"bob set INC-1 to *identified*: bad deploy 4f2a",
		"📣 Update on INC-1 (identified, P1 (critical)) from bob: Rollback in progress; errors dropping",
		"bob set INC-1 to *resolved*: rolled back 4f2a",
		"Timeline of INC-1: Checkout is failing",
	)
	// The timeline lists every one of those, in order, with authors and times.
	tl := got[strings.Index(got, "Timeline of INC-1"):]
	stamp := `#[0-9a-z.]+  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC  ` // each line starts with the entry's ref
	lines := []string{
		stamp + `alice  \[declared\] Checkout is failing`,
		stamp + `alice  \[role\] Commander: alice`,
		stamp + `alice  \[message\] the payment provider returns 502s`,
		stamp + `bob  \[role\] Commander: bob`,
		stamp + `bob  \[priority\] P2 \(high\) → P1 \(critical\)`,
		stamp + `bob  \[role\] Operations: bob`,
		stamp + `bob  \[status\] investigating → identified: bad deploy 4f2a`,
		stamp + `bob  \[message\] rolling back 4f2a now`,
		stamp + `bob  \[update\] Rollback in progress; errors dropping`,
		stamp + `bob  \[status\] identified → resolved: rolled back 4f2a`,
		`showing 10 of 10 entries`,
	}
	require.Regexp(t, regexp.MustCompile(`(?s)`+strings.Join(lines, `\n\s*`)), tl)

	// Bad input: clear answers, nothing changed.
	inOrder(t, got,
		"`P9` is not a priority",
		"so it needs a reviewed postmortem before it closes",
		"Postmortem",
		"its postmortem draft has not been reviewed yet",
		"bob marked the postmortem of INC-1 reviewed",
		"bob set INC-1 to *closed*",
		"An incident that is closed cannot become monitoring",
		"There is no incident INC-999",
		"I don't know the command `frobnicate`",
	)
	require.NotContains(t, got, "panic")

	// Serve the same Redis: the API returns the same entries.
	base, stop := startServe(t, getenv)
	defer stop()
	var body struct {
		Incident string `json:"incident"`
		Entries  []struct {
			At     time.Time `json:"at"`
			Kind   string    `json:"kind"`
			Author string    `json:"author"`
			Text   string    `json:"text"`
		} `json:"entries"`
	}
	status := getJSON(t, base+"/api/incidents/1/timeline", "s3cret-token", &body)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "INC-1", body.Incident)
	var kinds []string
	for _, e := range body.Entries {
		require.False(t, e.At.IsZero())
		kinds = append(kinds, e.Kind+":"+e.Author+":"+e.Text)
	}
	require.Equal(t, []string{
		"declared:alice:Checkout is failing", "role:alice:", "message:alice:the payment provider returns 502s",
		"role:bob:", "priority:bob:", "role:bob:", "status:bob:bad deploy 4f2a", "message:bob:rolling back 4f2a now",
		"update:bob:Rollback in progress; errors dropping", "status:bob:rolled back 4f2a",
		"note:bob:the 4f2a deploy skipped the canary",
		"followup:bob:#1 Add a canary step to every deploy (owner: alice, due 2026-12-31)", "postmortem:bob:Postmortem draft reviewed", "status:bob:",
	}, kinds, "the timeline with the close at the end")

	var inc map[string]any
	require.Equal(t, http.StatusOK, getJSON(t, base+"/api/incidents/INC-1", "s3cret-token", &inc))
	require.Equal(t, "closed", inc["status"])
	require.Equal(t, "P1", inc["priority"])
	require.Equal(t, http.StatusUnauthorized, getJSON(t, base+"/api/incidents", "wrong", &inc))

	// The same draft from the API and from `warroom export`.
	req, err := http.NewRequest(http.MethodGet, base+"/api/incidents/INC-1/postmortem.md", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer s3cret-token")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	apiMD, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	md, err := export(t, getenv, "INC-1", "md")
	require.NoError(t, err)
	// Equal but for when each was made (the two may straddle a second).
	made := regexp.MustCompile(`record on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC`)
	require.Equal(t, made.ReplaceAllString(string(apiMD), "record on <t>"), made.ReplaceAllString(md, "record on <t>"))
	require.Regexp(t, made, md)
	require.Contains(t, md, "Checkout is failing")
	require.Contains(t, md, "Rollback in progress; errors dropping")
	keyEvents, timeline := strings.Index(md, "the 4f2a deploy skipped the canary"), strings.Index(md, "the payment provider returns 502s")
	require.True(t, keyEvents >= 0 && timeline > keyEvents, "the note leads, as a key event, before the timeline")
	require.Contains(t, md, "Add a canary step to every deploy", "follow-ups are in the draft")
	require.Contains(t, md, "2026-12-31")
	js, err := export(t, getenv, "INC-1", "json")
	require.NoError(t, err)
	var data map[string]any
	require.NoError(t, json.Unmarshal([]byte(js), &data))
	require.Equal(t, "INC-1", data["key"])
	_, err = export(t, getenv, "INC-99", "md")
	require.Error(t, err, "no such incident")
}

func TestServeEndpoints(t *testing.T) {
	base, stop := startServe(t, testEnv(t, nil))
	defer stop()

	var health map[string]string
	require.Equal(t, http.StatusOK, getJSON(t, base+"/healthz", "", &health))
	require.Equal(t, http.StatusOK, getJSON(t, base+"/readyz", "", &health))

	res, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, m := range []string{"warroom_incidents_open", "warroom_incidents_opened_total", "warroom_incidents_resolved_total", "go_goroutines"} {
		require.Contains(t, string(metrics), m)
	}

	big := bytes.NewReader(make([]byte, 2<<20))
	res, err = http.Post(base+"/api/incidents", "application/json", big)
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
	require.JSONEq(t, `{"error":{"code":"too_large","message":"request body is larger than 1 MiB"}}`, string(b))

	// Chunked, with no Content-Length: refused all the same.
	req, err := http.NewRequest(http.MethodPost, base+"/api/incidents", io.MultiReader(bytes.NewReader(make([]byte, 2<<20))))
	require.NoError(t, err)
	req.ContentLength = -1
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)

	var list struct {
		Incidents []any `json:"incidents"`
	}
	require.Equal(t, http.StatusOK, getJSON(t, base+"/api/incidents", "", &list), "no token configured: open API")
	require.Empty(t, list.Incidents)
}

// TestHealthcheck: the probe `warroom healthcheck` runs answers for a
// serving Warroom on the configured port, and fails where none listens.
func TestHealthcheck(t *testing.T) {
	base, stop := startServe(t, testEnv(t, nil))
	defer stop()
	port := base[strings.LastIndex(base, ":")+1:]
	require.NoError(t, app.Healthcheck(context.Background(), ":"+port))
	require.Error(t, app.Healthcheck(context.Background(), ":1"))
}

// TestServeSlack runs `warroom serve` against a fake Slack: the route
// table, the adapter's wiring and the de-duplication through Redis.
func TestServeSlack(t *testing.T) {
	fake := fakeslack.New(t)
	fake.AddUser("U0ALICE", "alice", "Alice", "en-US")
	general := fake.AddChannel("general", false, "U0ALICE")
	getenv := testEnv(t, map[string]string{
		"SLACK_BOT_TOKEN": fakeslack.BotToken, "SLACK_SIGNING_SECRET": fakeslack.SigningSecret,
		"SLACK_API_URL": fake.APIURL(), "SLACK_TEAM_ID": fakeslack.TeamID,
	})
	base, stop := startServe(t, getenv)
	defer stop()
	post := func(path string, body []byte, ctype string) int {
		req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", ctype)
		fakeslack.Sign(req, body, fakeslack.SigningSecret, time.Now())
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	form := fake.SlashCommandForm("U0ALICE", general, "declare DB is down P1")
	require.Equal(t, http.StatusOK, post("/slack/commands", []byte(form.Encode()), "application/x-www-form-urlencoded"))
	pins := fake.WaitCalls("pins.add", 1, 10*time.Second)
	channel := pins[0].Params["channel"]

	msg := fake.EventCallback("", fake.MessageEvent(fakeslack.Message{Channel: channel, User: "U0ALICE", Text: "failing over"}))
	require.Equal(t, http.StatusOK, post("/slack/events", msg, "application/json"))
	time.Sleep(1100 * time.Millisecond) // a retry comes later, with a new signature
	require.Equal(t, http.StatusOK, post("/slack/events", msg, "application/json"))

	unsigned, err := http.Post(base+"/slack/events", "application/json", bytes.NewReader(msg))
	require.NoError(t, err)
	var e map[string]map[string]string
	require.NoError(t, json.NewDecoder(unsigned.Body).Decode(&e))
	unsigned.Body.Close()
	require.Equal(t, http.StatusUnauthorized, unsigned.StatusCode)
	require.Equal(t, "unauthorized", e["error"]["code"])

	var body struct {
		Entries []struct{ Kind, Author, Text string } `json:"entries"`
	}
	require.Eventually(t, func() bool {
		getJSON(t, base+"/api/incidents/1/timeline", "", &body)
		return len(body.Entries) >= 3
	}, 10*time.Second, 50*time.Millisecond)
	time.Sleep(200 * time.Millisecond)
	getJSON(t, base+"/api/incidents/1/timeline", "", &body)
	require.Len(t, body.Entries, 3, "declared, commander, one message: the retry had no effect")
	require.Equal(t, "Alice", body.Entries[2].Author)
	require.Equal(t, "failing over", body.Entries[2].Text)
}

// TestServeSlackAndTeams runs one `warroom serve` with both Slack and
// Teams: each incident lives on the platform it was declared on.
func TestServeSlackAndTeams(t *testing.T) {
	sl := fakeslack.New(t)
	sl.AddUser("U0ALICE", "alice", "Alice", "en-US")
	general := sl.AddChannel("general", false, "U0ALICE")
	tm := faketeams.New(t, faketeams.WithoutRateLimits())
	getenv := testEnv(t, map[string]string{
		"SLACK_BOT_TOKEN": fakeslack.BotToken, "SLACK_SIGNING_SECRET": fakeslack.SigningSecret, "SLACK_API_URL": sl.APIURL(),
		"MICROSOFT_APP_ID": faketeams.AppID, "MICROSOFT_APP_PASSWORD": faketeams.AppPassword,
		"MICROSOFT_APP_TENANT_ID": faketeams.TenantID, "MICROSOFT_LOGIN_URL": tm.LoginURL(),
		"MICROSOFT_GRAPH_URL": tm.GraphURL(), "TEAMS_OPENID_METADATA_URL": tm.MetadataURL(),
		"TEAMS_SERVICE_URL": tm.ServiceURL(), "TEAMS_TEAM_ID": faketeams.TeamID,
	})
	base, stop := startServe(t, getenv)
	defer stop()

	form := sl.SlashCommandForm("U0ALICE", general, "declare Slack side P2")
	body := []byte(form.Encode())
	req, err := http.NewRequest(http.MethodPost, base+"/slack/commands", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	fakeslack.Sign(req, body, fakeslack.SigningSecret, time.Now())
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	sl.WaitCalls("pins.add", 1, 10*time.Second)

	msg := tm.MessageActivity(faketeams.TeamThreadID, faketeams.UserID("bob"), "Bob",
		faketeams.BotMention().Markup()+" declare Teams side P1", faketeams.BotMention())
	require.Equal(t, http.StatusOK, tm.Deliver(base+"/teams/messages", msg).Status)
	tm.WaitCalls("graph.channels", 1, 10*time.Second)

	var list struct {
		Incidents []struct {
			Title    string `json:"title"`
			Platform string `json:"platform"`
		} `json:"incidents"`
	}
	require.Eventually(t, func() bool {
		getJSON(t, base+"/api/incidents", "", &list)
		return len(list.Incidents) == 2
	}, 10*time.Second, 50*time.Millisecond)
	got := map[string]string{}
	for _, inc := range list.Incidents {
		got[inc.Title] = inc.Platform
	}
	require.Equal(t, map[string]string{"Slack side": "slack", "Teams side": "teams"}, got)
	require.Equal(t, http.StatusUnauthorized, tm.Deliver(base+"/teams/messages", msg, faketeams.WithOtherKey()).Status)
}

// TestConsoleReminders: the console runs the reminders on its own clock,
// --speed times faster than real time, so a P2 asking for an update every
// 2s (console time) is reminded while the script waits 5s of console time
// (half a real second at --speed 10), and --lang ja speaks Japanese.
func TestConsoleReminders(t *testing.T) {
	cfgFile := filepath.Join(t.TempDir(), "warroom.yml")
	require.NoError(t, os.WriteFile(cfgFile, []byte("priorities:\n  P2: {update_every: 2s}\nreminders:\n  every: 1s\n"), 0o600))
	script := "/incident declare Checkout is failing P2\n/wait 5s\n"
	for _, tc := range []struct{ lang, want, wait string }{
		{"en", "no status update for", "Waiting 5s on the console's clock"},
		{"ja", "のあいだ状況報告がありません", "コンソールの時計で 5秒 待ちます"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			start := time.Now()
			getenv := testEnv(t, map[string]string{"WARROOM_ADDR": "127.0.0.1:0", "WARROOM_CONFIG": cfgFile})
			out, err := runConsole(t, getenv, app.Terminal{User: "alice", Speed: 10, Lang: tc.lang}, script)
			require.NoError(t, err)
			require.Less(t, time.Since(start), 5*time.Second, "5s of console time is half a second")
			inOrder(t, out, tc.wait, "⏰ INC-1", tc.want)
		})
	}
}
