package cloudwatch

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

// FuzzHandle fuzzes the whole SNS endpoint. With signed false the body is
// posted as it is: the envelope decoding, type checks and signature
// refusals. With signed true a body that decodes to a JSON object is first
// made into a message that passes verification — the allowed topic, the
// test certificate, a fresh Timestamp, signed with the test key — so the
// fuzzer reaches what follows it: the alarm in Message, the subscription
// URLs. (FuzzParseAlarm fuzzes the alarm parser alone.) Seeds are under
// testdata/fuzz/FuzzHandle/. Properties: nothing panics; a refusal is a
// *httpx.Error with a fixed message that never repeats the body; an
// accepted Notification queues one well-formed alert.
func FuzzHandle(f *testing.F) {
	p := keys(f)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cert.pem" {
			_, _ = w.Write(p.leafPEM)
			return
		}
		w.WriteHeader(http.StatusOK) // a SubscribeURL
	}))
	f.Cleanup(srv.Close)
	router := &recorder{}
	a, err := New(Options{
		TopicARNs: []string{testTopic}, CertHost: regexp.MustCompile(`^127\.0\.0\.1$`),
		HTTPClient: srv.Client(), Router: router, Now: func() time.Time { return t0 },
	})
	require.NoError(f, err)
	certURL := srv.URL + "/cert.pem"
	f.Fuzz(func(t *testing.T, body []byte, signed bool) {
		var msg map[string]any
		if signed && json.Unmarshal(body, &msg) == nil && msg != nil {
			msg["TopicArn"], msg["SigningCertURL"] = testTopic, certURL
			msg["Timestamp"] = t0.Add(-time.Minute).Format(time.RFC3339)
			if s, ok := msg["SubscribeURL"].(string); ok && s != "" {
				msg["SubscribeURL"] = srv.URL + "/?Action=ConfirmSubscription"
			}
			sign(msg, "2", p.leafKey)
			body, err = json.Marshal(msg)
			require.NoError(t, err)
		}
		req := httptest.NewRequest(http.MethodPost, "/alerts/cloudwatch", bytes.NewReader(body))
		req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
		w := httptest.NewRecorder()
		before := len(router.Events())
		err := a.Handle(w, req)
		queued := router.Events()[before:]
		if err != nil {
			var rerr *httpx.Error
			require.True(t, errors.As(err, &rerr), "refusal %v is not a *httpx.Error", err)
			require.Contains(t, []int{http.StatusBadRequest, http.StatusForbidden, http.StatusBadGateway, http.StatusServiceUnavailable}, rerr.Status, err.Error())
			require.Less(t, len(rerr.Msg), 100, "a refusal's message is one of the fixed ones")
			require.Empty(t, queued, "a refused message queued an alert")
			return
		}
		require.Equal(t, http.StatusOK, w.Code)
		var e envelope
		require.NoError(t, json.Unmarshal(body, &e))
		if e.Type != typeNotification {
			require.Empty(t, queued)
			return
		}
		require.Len(t, queued, 1)
		ev := queued[0]
		require.Equal(t, bot.EventAlert, ev.Kind)
		require.Equal(t, "sns:"+e.MessageID, ev.ID)
		require.NotNil(t, ev.Alert)
		require.NotEmpty(t, ev.Alert.DedupKey)
		require.NotEmpty(t, ev.Alert.Title)
		require.False(t, ev.At.IsZero())
	})
}
