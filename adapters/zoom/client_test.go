package zoom_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/warroomhq/warroom/adapters/zoom"
	"github.com/warroomhq/warroom/adapters/zoom/fakezoom"
	"github.com/warroomhq/warroom/bot"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// client is a Zoom client on fake, with a clock, retrying without
// waiting, logging into logs; the waits it asked for are in waits.
func client(t *testing.T, fake *fakezoom.Server, secret string, clk *clock, logs *bytes.Buffer, waits *[]time.Duration) *zoom.Client {
	t.Helper()
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.AddSync(logs), zap.DebugLevel)
	c, err := zoom.New(zoom.Options{AccountID: fakezoom.AccountID, ClientID: fakezoom.ClientID, ClientSecret: secret,
		APIURL: fake.URL, OAuthURL: fake.URL, Now: clk.now, Log: zap.New(core),
		Sleep: func(_ context.Context, d time.Duration) error { *waits = append(*waits, d); return nil }})
	require.NoError(t, err)
	return c
}

// TestCreateCall: a meeting is created with the incident's topic, as an
// instant meeting responders may join before the host; the token is
// fetched once and reused, fetched again once near its expiry and after
// a 401; a 429 is retried after Retry-After and creates one meeting.
func TestCreateCall(t *testing.T) {
	fake := fakezoom.New(t)
	clk := &clock{t: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
	var logs bytes.Buffer
	var waits []time.Duration
	c := client(t, fake, fakezoom.ClientSecret, clk, &logs, &waits)
	ctx := context.Background()

	call, err := c.CreateCall(ctx, bot.CallSpec{Incident: "INC-42", Topic: "INC-42: Checkout down"})
	require.NoError(t, err)
	require.Equal(t, "85746065433", call.ID)
	require.Equal(t, fakezoom.JoinURL(fake.URL, 85746065433), call.JoinURL)
	require.Contains(t, call.JoinURL, "pwd=")
	m := fake.Meetings()
	require.Len(t, m, 1)
	require.Equal(t, "INC-42: Checkout down", m[0].Topic)
	require.Equal(t, 1, m[0].Type, "an instant meeting")
	require.True(t, m[0].Settings.JoinBeforeHost)
	require.False(t, m[0].Settings.WaitingRoom)

	_, err = c.CreateCall(ctx, bot.CallSpec{Incident: "INC-43", Topic: "INC-43: x"})
	require.NoError(t, err)
	require.Equal(t, 1, fake.Tokens(), "the token is reused")

	clk.t = clk.t.Add(56 * time.Minute)
	_, err = c.CreateCall(ctx, bot.CallSpec{Incident: "INC-44", Topic: "INC-44: x"})
	require.NoError(t, err)
	require.Equal(t, 2, fake.Tokens(), "a token about to expire is replaced")

	fake.Expire()
	_, err = c.CreateCall(ctx, bot.CallSpec{Incident: "INC-45", Topic: "INC-45: x"})
	require.NoError(t, err)
	require.Equal(t, 3, fake.Tokens(), "a 401 fetches a new token")

	fake.Fail(429)
	before := len(fake.Meetings())
	_, err = c.CreateCall(ctx, bot.CallSpec{Incident: "INC-46", Topic: "INC-46: x"})
	require.NoError(t, err)
	require.Len(t, fake.Meetings(), before+1, "one meeting after the 429")
	require.Equal(t, []time.Duration{time.Second}, waits, "Retry-After is honoured")

	for _, secret := range []string{fakezoom.ClientSecret, "eyJ.fake-token", "pwd=", "zak="} {
		require.NotContains(t, logs.String(), secret)
	}
}

// TestCreateCallRefused: what Zoom refuses for good is a *bot.CallError
// people can read, with no secret in it; 5xx are retried, then given up.
func TestCreateCallRefused(t *testing.T) {
	for _, tt := range []struct {
		name     string
		secret   string
		fail     []int
		want     string
		attempts int
	}{
		{"bad credentials", "wr0ng-s3cret", nil, "invalid app credentials (401: Invalid client_id or client_secret)", 0},
		{"invalid body", fakezoom.ClientSecret, []int{400}, "HTTP 400: Bad Request (code 400)", 1},
		{"5xx retried", fakezoom.ClientSecret, []int{503, 503, 503, 503}, "", 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := fakezoom.New(t)
			var logs bytes.Buffer
			var waits []time.Duration
			c := client(t, fake, tt.secret, &clock{t: time.Now()}, &logs, &waits)
			fake.Fail(tt.fail...)
			_, err := c.CreateCall(context.Background(), bot.CallSpec{Incident: "INC-1", Topic: "INC-1: x"})
			require.Error(t, err)
			var ce *bot.CallError
			if tt.want != "" {
				require.True(t, errors.As(err, &ce), err)
				require.Equal(t, tt.want, ce.Reason)
			} else {
				require.False(t, errors.As(err, &ce), "an outage is no refusal")
			}
			require.Equal(t, tt.attempts, fake.Attempts())
			require.Empty(t, fake.Meetings())
			for _, s := range []string{tt.secret, fakezoom.AccountID} {
				require.NotContains(t, err.Error(), s)
				require.NotContains(t, logs.String(), s)
			}
		})
	}
}

// TestNew: missing credentials or a bad URL are refused without a secret.
func TestNew(t *testing.T) {
	_, err := zoom.New(zoom.Options{AccountID: "a", ClientID: "b"})
	require.EqualError(t, err, "zoom: the account ID, client ID and client secret are required")
	_, err = zoom.New(zoom.Options{AccountID: "a", ClientID: "b", ClientSecret: "s3cret", APIURL: "api.zoom.us"})
	require.EqualError(t, err, "zoom: the API URL must be http(s)")
}
