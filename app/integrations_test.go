package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/pagerduty"
	"github.com/warroomhq/warroom/adapters/pagerduty/fakepagerduty"
	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
)

const (
	pdRoutingKey = "R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY12"
	pdSecret     = "pd-webhook-s3cret"
)

// servePaging runs serve with Slack (on a fake), the generic webhook
// alert source, PagerDuty's Events API on a fake and the extra
// variables, and returns its base URL and the fakes.
func servePaging(t *testing.T, extra map[string]string) (string, *fakeslack.Server, *fakepagerduty.Server) {
	t.Helper()
	sl := fakeslack.New(t)
	pd := fakepagerduty.New(t)
	env := map[string]string{
		"WARROOM_ADDR": "127.0.0.1:0", "WARROOM_REDIS_EMBEDDED": "true", "WARROOM_API_OPEN": "true",
		"SLACK_BOT_TOKEN": fakeslack.BotToken, "SLACK_SIGNING_SECRET": fakeslack.SigningSecret,
		"SLACK_API_URL": sl.APIURL(), "SLACK_TEAM_ID": fakeslack.TeamID,
		"WARROOM_WEBHOOK_TOKEN": "webhook-t0ken", "WARROOM_PUBLIC_URL": "https://warroom.example.com",
		"WARROOM_PAGERDUTY_ROUTING_KEY": pdRoutingKey, "WARROOM_PAGERDUTY_API_URL": pd.URL,
	}
	for k, v := range extra {
		env[k] = v
	}
	cfg, err := LoadServeConfig("", func(k string) string { return env[k] })
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	addr, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- Serve(ctx, cfg, zap.NewNop(), Options{OnListen: func(a string) { addr <- a }})
	}()
	t.Cleanup(func() { cancel(); require.NoError(t, <-done) })
	select {
	case a := <-addr:
		return "http://" + a, sl, pd
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not start")
	}
	return "", nil, nil
}

// pdDelivery is a Webhooks v3 delivery of eventType for the page key.
func pdDelivery(id, eventType, key string) string {
	b, _ := json.Marshal(map[string]any{"event": map[string]any{
		"id": id, "event_type": eventType, "resource_type": "incident", "occurred_at": time.Now().UTC().Format(time.RFC3339Nano),
		"agent": map[string]any{"id": "PLH1HKV", "summary": "Aiko Tanaka", "type": "user_reference"},
		"data":  map[string]any{"id": "PGR0VU2", "type": "incident", "incident_key": key, "status": "acknowledged"},
	}})
	return string(b)
}

// incidentStatus reads an incident's status through the API.
func incidentStatus(t *testing.T, base, key string) string {
	t.Helper()
	a := call(t, http.MethodGet, base+"/api/incidents/"+key, nil, nil)
	require.Equal(t, http.StatusOK, a.status, a.body)
	var inc struct {
		Status string `json:"status"`
	}
	require.NoError(t, json.Unmarshal([]byte(a.body), &inc))
	return inc.Status
}

// TestServePagesPagerDuty: through serve, a P1 alert's incident on Slack
// pages PagerDuty (a P3 does not); PagerDuty's signed acknowledgement
// acks it and the Slack channel hears it, while forged, replayed and
// foreign deliveries change nothing.
func TestServePagesPagerDuty(t *testing.T) {
	base, sl, pd := servePaging(t, map[string]string{"WARROOM_PAGERDUTY_WEBHOOK_SECRET": pdSecret})
	alert := func(key, priority string) {
		a := call(t, http.MethodPost, base+"/alerts/webhook",
			strings.NewReader(`{"title":"Checkout down","dedup_key":"`+key+`","status":"firing","priority":"`+priority+`"}`),
			http.Header{"Authorization": {"Bearer webhook-t0ken"}, "Content-Type": {"application/json"}})
		require.Equal(t, http.StatusOK, a.status, a.body)
	}
	alert("checkout", "P1")
	require.Eventually(t, func() bool { return len(pd.Events()) == 1 }, 15*time.Second, 10*time.Millisecond)
	ev := pd.Events()[0]
	require.Equal(t, "trigger", ev.EventAction)
	require.Equal(t, "warroom-INC-1", ev.DedupKey)
	require.Equal(t, "critical", ev.Payload.Severity)
	require.Equal(t, "https://warroom.example.com/incidents/INC-1", ev.Payload.CustomDetails["url"])
	require.Equal(t, "triage", incidentStatus(t, base, "INC-1"))

	alert("reports", "P3")
	require.Eventually(t, func() bool {
		return call(t, http.MethodGet, base+"/api/incidents/INC-2", nil, nil).status == http.StatusOK
	},
		15*time.Second, 10*time.Millisecond)

	hook := func(body, sig string) answer {
		h := http.Header{"Content-Type": {"application/json"}}
		if sig != "" {
			h.Set(pagerduty.SignatureHeader, sig)
		}
		return call(t, http.MethodPost, base+"/integrations/pagerduty", strings.NewReader(body), h)
	}
	ack := pdDelivery("01ACK", "incident.acknowledged", "warroom-INC-1")
	for name, sig := range map[string]string{
		"forged":       "v1=" + strings.Repeat("0", 64),
		"wrong secret": pagerduty.Sign([]byte(ack), "not-the-secret"),
	} {
		a := hook(ack, sig)
		require.Equal(t, http.StatusForbidden, a.status, name)
		require.Equal(t, "forbidden", a.code, name)
	}
	a := hook(ack, "v1=nothex")
	require.Equal(t, http.StatusBadRequest, a.status)
	require.Equal(t, "bad_request", a.code)
	foreign := pdDelivery("01OTHER", "incident.acknowledged", "3b6e1a0d9f")
	a = hook(foreign, pagerduty.Sign([]byte(foreign), pdSecret))
	require.Equal(t, http.StatusOK, a.status)
	require.Contains(t, a.body, "ignored")
	require.Equal(t, "triage", incidentStatus(t, base, "INC-1"), "refused deliveries change nothing")

	a = hook(ack, pagerduty.Sign([]byte(ack), pdSecret))
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Eventually(t, func() bool { return incidentStatus(t, base, "INC-1") == "investigating" }, 15*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool {
		for _, c := range sl.Calls("chat.postMessage") {
			if strings.Contains(c.Params["text"]+c.Params["blocks"], "acknowledged in PagerDuty by Aiko Tanaka") {
				return true
			}
		}
		return false
	}, 15*time.Second, 10*time.Millisecond)
	require.Len(t, pd.Events(), 1, "only the P1 paged, and PagerDuty's own ack is not sent back")
}

// TestServePagerDutyWebhookNotConfigured: without a webhook secret the
// endpoint is a JSON 404, as an alert source that is not set up.
func TestServePagerDutyWebhookNotConfigured(t *testing.T) {
	base, _, _ := servePaging(t, nil)
	a := call(t, http.MethodPost, base+"/integrations/pagerduty", strings.NewReader("{}"), nil)
	require.Equal(t, http.StatusNotFound, a.status)
	require.Equal(t, "not_found", a.code)
	require.Equal(t, "application/json; charset=utf-8", a.ctype)
}

// TestServeSlackDeclarePageRefused: a P1 declared with /incident on
// Slack is declared even though PagerDuty refuses the page (400): the
// incident channel is told why, without the routing key; a second
// incident pages, and resolving it resolves its page.
func TestServeSlackDeclarePageRefused(t *testing.T) {
	base, sl, pd := servePaging(t, nil)
	sl.AddUser("U0ALICE", "alice", "Alice", "en-US")
	general := sl.AddChannel("general", false, "U0ALICE")
	slash := func(channel, line string) {
		body := []byte(sl.SlashCommandForm("U0ALICE", channel, line).Encode())
		req, err := http.NewRequest(http.MethodPost, base+"/slack/commands", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		fakeslack.Sign(req, body, fakeslack.SigningSecret, time.Now())
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
	}
	said := func(channel, text string) bool {
		for _, c := range sl.Calls("chat.postMessage") {
			if c.Params["channel"] == channel && strings.Contains(c.Params["text"]+c.Params["blocks"], text) {
				return true
			}
		}
		return false
	}
	pd.Fail(400)
	slash(general, "declare DB is down P1")
	channel := sl.WaitCalls("pins.add", 1, 10*time.Second)[0].Params["channel"]
	require.Eventually(t, func() bool { return said(channel, "Paging on-call through PagerDuty failed for INC-1") }, 15*time.Second, 10*time.Millisecond)
	for _, c := range sl.Calls("chat.postMessage") {
		require.NotContains(t, c.Params["text"]+c.Params["blocks"], pdRoutingKey)
	}
	require.Equal(t, "investigating", incidentStatus(t, base, "INC-1"))
	require.Empty(t, pd.Events())

	slash(general, "declare Payments are down P1")
	second := sl.WaitCalls("pins.add", 2, 10*time.Second)[1].Params["channel"]
	require.Eventually(t, func() bool { return said(second, "Paged on-call through PagerDuty for INC-2") }, 15*time.Second, 10*time.Millisecond)
	slash(second, "resolve failover done")
	require.Eventually(t, func() bool { return len(pd.Events()) == 2 }, 15*time.Second, 10*time.Millisecond)
	evs := pd.Events()
	require.Equal(t, []string{"trigger", "resolve"}, []string{evs[0].EventAction, evs[1].EventAction})
	require.Equal(t, "warroom-INC-2", evs[1].DedupKey)
}
