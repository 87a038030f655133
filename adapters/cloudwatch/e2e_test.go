package cloudwatch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/internal/httpx"
	"github.com/warroomhq/warroom/store"
	"github.com/warroomhq/warroom/store/storetest"
)

// e2e is the whole path of a CloudWatch alarm: SNS posts to the adapter
// served over HTTP, the adapter verifies the signature against the fake
// SNS's certificate and queues the alert on a real router, whose real
// handlers open and update incidents in a real store and talk to a
// recording chat platform.
type e2e struct {
	t   *testing.T
	h   *harness // pki, fake SNS, fixtures, and the adapter under test
	st  *store.Store
	r   *bot.Router
	p   *bottest.Platform
	srv *httptest.Server
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	e := &e2e{t: t, st: storetest.New(t), p: bottest.New("test")}
	e.r = bot.NewRouter(bot.Options{})
	t.Cleanup(func() { _ = e.r.Close(context.Background()) })
	_, err := handlers.New(e.st, e.r, handlers.Options{AlertPlatform: "test"})
	require.NoError(t, err)
	e.r.Register(e.p)
	// CertHost matches the fake SNS's TLS server and HTTPClient trusts it.
	e.h = newHarness(t, func(o *Options) { o.Router = e.r })
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := e.h.a.Handle(w, r)
		if err == nil {
			return
		}
		// As main's adapterHandler does.
		var he interface {
			HTTPStatus() int
			ErrorCode() string
		}
		if errors.As(err, &he) {
			httpx.WriteError(w, he.HTTPStatus(), he.ErrorCode(), err.Error())
			return
		}
		httpx.WriteError(w, http.StatusInternalServerError, "internal", "internal error")
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// post delivers msg to POST /alerts/cloudwatch as SNS does and returns the
// status and body.
func (e *e2e) post(msg map[string]any) (int, string) {
	e.t.Helper()
	b, err := json.Marshal(msg)
	require.NoError(e.t, err)
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/alerts/cloudwatch", bytes.NewReader(b))
	require.NoError(e.t, err)
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	req.Header.Set("User-Agent", "Amazon Simple Notification Service Agent")
	req.Header.Set(headerType, msg["Type"].(string))
	resp, err := e.srv.Client().Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return resp.StatusCode, string(body)
}

func (e *e2e) incidents() ([]*bot.Incident, error) {
	return e.st.List(context.Background(), store.ListQuery{Limit: 100})
}

func (e *e2e) timeline(id int64) ([]bot.TimelineEntry, error) {
	return e.st.Timeline(context.Background(), id, store.TimelineQuery{})
}

// alertStates are the statuses of the alert entries on id's timeline, in
// order.
func (e *e2e) alertStates(id int64) ([]string, error) {
	entries, err := e.timeline(id)
	var out []string
	for _, en := range entries {
		if en.Kind == bot.KindAlert {
			out = append(out, en.Data["status"])
		}
	}
	return out, err
}

// looksResolved are the recovery notices posted to channel.
func (e *e2e) looksResolved(channel string) []bottest.Call {
	var out []bottest.Call
	for _, c := range e.p.Calls("Post") {
		if c.Channel == channel && strings.Contains(c.Msg.Text, "Looks resolved") {
			out = append(out, c)
		}
	}
	return out
}

// withMessage rewrites the alarm JSON inside an SNS message, as one
// replacement per old/new pair.
func withMessage(t *testing.T, msg map[string]any, oldnew ...string) {
	t.Helper()
	m := msg["Message"].(string)
	for i := 0; i < len(oldnew); i += 2 {
		require.Contains(t, m, oldnew[i], "fixture changed")
		m = strings.ReplaceAll(m, oldnew[i], oldnew[i+1])
	}
	msg["Message"] = m
}

// TestE2EAlarmLifecycle proves the Done-when line: a signed SNS
// CloudWatch ALARM opens an incident; OK records recovery; a tampered
// message is refused.
func TestE2EAlarmLifecycle(t *testing.T) {
	const (
		alarmName = "web-1 NetworkOut high"
		arn       = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-1 NetworkOut high"
		otherARN  = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:db-1 CPU high"
		rdsARN    = "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:rds-main FreeStorageSpace low"
	)
	ctx := context.Background()
	e := newE2E(t)
	key := e.h.pki.leafKey

	// 1. A signed ALARM is accepted and opens one incident in triage.
	alarm := e.h.load(t, "alarm.json")
	sign(alarm, "2", key)
	status, body := e.post(alarm)
	require.Equal(t, http.StatusOK, status, body)
	require.JSONEq(t, `{"status":"accepted","alerts":1}`, body)

	var inc *bot.Incident
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		incs, err := e.incidents()
		require.NoError(c, err)
		require.Len(c, incs, 1)
		states, err := e.alertStates(incs[0].ID)
		require.NoError(c, err)
		require.Equal(c, []string{"firing"}, states)
		inc = incs[0]
	}, 10*time.Second, 10*time.Millisecond, "the ALARM opens an incident")
	require.Equal(t, bot.StatusTriage, inc.Status)
	require.Equal(t, alarmName, inc.Title)
	require.Equal(t, "alert:cloudwatch", inc.Source)
	require.Equal(t, bot.P3, inc.Priority, "no rule, no priority: P3")
	require.Equal(t, "test", inc.Platform)
	require.Equal(t, bot.User{ID: "alert:cloudwatch", Name: "CloudWatch"}, inc.DeclaredBy)
	require.NotEmpty(t, inc.Channel.ID)
	creates := e.p.Calls("CreateChannel")
	require.Len(t, creates, 1)
	require.Equal(t, inc.Channel.ID, creates[0].Channel)
	id, err := e.st.AlertIncident(ctx, Name, arn)
	require.NoError(t, err)
	require.Equal(t, inc.ID, id, "the alarm's ARN is bound to the incident")

	entries, err := e.timeline(inc.ID)
	require.NoError(t, err)
	var fired *bot.TimelineEntry
	for i := range entries {
		if entries[i].Kind == bot.KindAlert {
			fired = &entries[i]
		}
	}
	require.NotNil(t, fired)
	require.Equal(t, "firing", fired.Data["status"])
	require.Equal(t, Name, fired.Data["source"])
	require.Equal(t, arn, fired.Data["fingerprint"])
	require.Contains(t, fired.Data["url"], "alarmsV2:alarm/web-1%20NetworkOut%20high")
	require.Contains(t, fired.Text, "Threshold Crossed")
	require.Equal(t, "CloudWatch", fired.Author.Name)

	// 2. SNS retries the same delivery (same MessageId): still one
	// incident and no second alert entry. The router has no Seen, so the
	// retry does reach the handlers; the store records no change. Alerts
	// with one dedup key share a router queue, so once the OK below is
	// recorded, the retry was handled before it.
	status, body = e.post(alarm)
	require.Equal(t, http.StatusOK, status, body)

	// 3. A signed OK records the recovery and offers to resolve.
	ok := e.h.load(t, "ok.json")
	sign(ok, "1", key) // SNS still signs most topics with SHA1
	status, body = e.post(ok)
	require.Equal(t, http.StatusOK, status, body)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		states, err := e.alertStates(inc.ID)
		require.NoError(c, err)
		require.Equal(c, []string{"firing", "resolved"}, states, "the retry added nothing")
		require.Len(c, e.looksResolved(inc.Channel.ID), 1)
	}, 10*time.Second, 10*time.Millisecond, "the OK is recorded")
	notice := e.looksResolved(inc.Channel.ID)[0].Msg
	require.Contains(t, notice.Text, "CloudWatch reports every alert of "+inc.Key()+" recovered")
	require.Equal(t, "resolve", notice.Buttons[0].Command)
	require.Equal(t, inc.Key(), notice.Buttons[0].Args)
	incs, err := e.incidents()
	require.NoError(t, err)
	require.Len(t, incs, 1)
	require.Equal(t, bot.StatusTriage, incs[0].Status, "recovery does not resolve by itself")

	// 4. An ALARM of another alarm, signed and then tampered with, is
	// refused with a 403 naming the signature: nothing is opened or
	// recorded.
	before, err := e.timeline(inc.ID)
	require.NoError(t, err)
	posts := len(e.p.Calls("Post"))
	tampered := e.h.load(t, "alarm.json")
	tampered["MessageId"] = "3f1d0c9e-7a52-5b8e-a1c4-0d9e8f7a6b5c"
	sign(tampered, "2", key)
	withMessage(t, tampered, "web-1 NetworkOut high", "db-1 CPU high", "i-0123456789abcdef0", "i-0fedcba9876543210")
	status, body = e.post(tampered)
	require.Equal(t, http.StatusForbidden, status, body)
	require.JSONEq(t, `{"error":{"code":"forbidden","message":"SNS message refused: `+checkSignature+`"}}`, body)
	// Refused before dispatch, so nothing can be on its way.
	incs, err = e.incidents()
	require.NoError(t, err)
	require.Len(t, incs, 1)
	after, err := e.timeline(inc.ID)
	require.NoError(t, err)
	require.Equal(t, before, after)
	require.Len(t, e.p.Calls("Post"), posts)
	require.Len(t, e.p.Calls("CreateChannel"), 1)

	// 5. INSUFFICIENT_DATA for the same alarm is recorded on its incident,
	// and opens nothing; for an alarm with no incident it opens nothing
	// either.
	insufficient := e.h.load(t, "alarm.json")
	insufficient["MessageId"] = "7b2e4d61-90af-5c3b-8e17-2a6f4c9d0e83"
	insufficient["Subject"] = `INSUFFICIENT_DATA: "web-1 NetworkOut high" in US East (N. Virginia)`
	insufficient["Timestamp"] = "2026-03-14T09:52:03.000Z"
	withMessage(t, insufficient,
		`"OldStateValue":"INSUFFICIENT_DATA"`, `"OldStateValue":"OK"`,
		`"NewStateValue":"ALARM"`, `"NewStateValue":"INSUFFICIENT_DATA"`,
		`"StateChangeTime":"2026-03-14T09:26:50.123+0000"`, `"StateChangeTime":"2026-03-14T09:52:00.000+0000"`)
	sign(insufficient, "2", key)
	status, body = e.post(insufficient)
	require.Equal(t, http.StatusOK, status, body)
	rds := e.h.load(t, "insufficient.json")
	sign(rds, "2", key)
	status, body = e.post(rds)
	require.Equal(t, http.StatusOK, status, body)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		states, err := e.alertStates(inc.ID)
		require.NoError(c, err)
		require.Equal(c, []string{"firing", "resolved", "insufficient_data"}, states)
	}, 10*time.Second, 10*time.Millisecond, "INSUFFICIENT_DATA is recorded")

	// Closing the router waits for every queued alert, so what follows is
	// the final state.
	require.NoError(t, e.r.Close(ctx))
	incs, err = e.incidents()
	require.NoError(t, err)
	require.Len(t, incs, 1, "exactly one incident for the whole story")
	require.Equal(t, inc.ID, incs[0].ID)
	require.Equal(t, bot.StatusTriage, incs[0].Status)
	require.Len(t, e.p.Calls("CreateChannel"), 1)
	require.Len(t, e.looksResolved(inc.Channel.ID), 1, "INSUFFICIENT_DATA is not a recovery")
	states, err := e.alertStates(inc.ID)
	require.NoError(t, err)
	require.Equal(t, []string{"firing", "resolved", "insufficient_data"}, states)
	for _, k := range []string{otherARN, rdsARN} {
		id, err := e.st.AlertIncident(ctx, Name, k)
		require.NoError(t, err)
		require.Zero(t, id, "nothing bound to %s", k)
	}
}
