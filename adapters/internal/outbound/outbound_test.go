package outbound

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

// TestWithDefaults: every field left zero gets its default, every field
// set is kept, and a negative retry count means no retries.
func TestWithDefaults(t *testing.T) {
	got := Options{}.WithDefaults(Defaults{Backoff: 300 * time.Millisecond})
	require.NotNil(t, got.HTTP)
	require.Equal(t, DefaultTimeout, got.HTTP.Timeout)
	require.Equal(t, DefaultRetries, got.Retries)
	require.Equal(t, 300*time.Millisecond, got.Backoff)
	require.WithinDuration(t, time.Now(), got.Now(), time.Minute)
	require.NotNil(t, got.Sleep)
	require.NotNil(t, got.Log)

	got = Options{}.WithDefaults(Defaults{Timeout: 10 * time.Second})
	require.Equal(t, 10*time.Second, got.HTTP.Timeout, "an adapter's own timeout")

	hc := &http.Client{Timeout: time.Second}
	t0 := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	slept := time.Duration(0)
	log := zap.NewExample()
	set := Options{
		HTTP: hc, Retries: 2, Backoff: 5 * time.Millisecond, Now: func() time.Time { return t0 },
		Sleep: func(_ context.Context, d time.Duration) error { slept = d; return nil }, Log: log,
	}.WithDefaults(Defaults{Timeout: time.Minute, Backoff: time.Hour})
	require.Same(t, hc, set.HTTP)
	require.Equal(t, time.Second, set.HTTP.Timeout, "the caller's client is not changed")
	require.Equal(t, 2, set.Retries)
	require.Equal(t, 5*time.Millisecond, set.Backoff)
	require.Equal(t, t0, set.Now())
	require.NoError(t, set.Sleep(context.Background(), 7*time.Second))
	require.Equal(t, 7*time.Second, slept)
	require.Same(t, log, set.Log)

	require.Equal(t, 0, Options{Retries: -1}.WithDefaults(Defaults{}).Retries, "negative: never retry")
	require.Equal(t, 300*time.Millisecond, Options{Backoff: -time.Second}.WithDefaults(Defaults{Backoff: 300 * time.Millisecond}).Backoff)
}

// TestSleep: Sleep takes its time, and a context that ends stops it at
// once with the context's error.
func TestSleep(t *testing.T) {
	start := time.Now()
	require.NoError(t, Sleep(context.Background(), 20*time.Millisecond))
	require.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond)

	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	start = time.Now()
	err := Sleep(ctx, time.Hour)
	require.ErrorIs(t, err, context.Canceled)
	require.Less(t, time.Since(start), 10*time.Second)

	require.ErrorIs(t, Sleep(ctx, 0), context.Canceled, "a done context is reported even without a wait")
	require.NoError(t, Sleep(context.Background(), 0))
}

// TestWithoutURL: the URL an http.Client names in its errors is dropped,
// the cause is kept, and other errors pass unchanged.
func TestWithoutURL(t *testing.T) {
	cause := errors.New("connection refused")
	err := &url.Error{Op: "Post", URL: "https://hooks.slack.com/commands/T1/123/s3cret", Err: cause}
	got := WithoutURL(err)
	require.Equal(t, cause, got)
	require.NotContains(t, got.Error(), "s3cret")

	other := errors.New("decode answer")
	require.Equal(t, other, WithoutURL(other))
	require.NoError(t, WithoutURL(nil))
}

// TestRetry: try runs again after the wait it asks for, until it
// succeeds, says its error is final, or the retries are spent; a context
// ended during a wait stops it.
func TestRetry(t *testing.T) {
	var waits []time.Duration
	o := Options{Retries: 2, Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}.WithDefaults(Defaults{})
	tries := 0
	v, err := Retry(context.Background(), o, "test", func() (int, time.Duration, error) {
		tries++
		if tries < 3 {
			return 0, time.Duration(tries) * time.Second, errors.New("429")
		}
		return 42, 0, nil
	})
	require.NoError(t, err)
	require.Equal(t, 42, v)
	require.Equal(t, []time.Duration{time.Second, 2 * time.Second}, waits)

	tries, waits = 0, nil
	_, err = Retry(context.Background(), o, "test", func() (int, time.Duration, error) { tries++; return 0, time.Second, errors.New("503") })
	require.EqualError(t, err, "503")
	require.Equal(t, 3, tries, "one try and two retries")

	tries = 0
	_, err = Retry(context.Background(), o, "test", func() (int, time.Duration, error) { tries++; return 0, -1, errors.New("400") })
	require.EqualError(t, err, "400")
	require.Equal(t, 1, tries, "a final error is not retried")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o.Sleep = Sleep
	_, err = Retry(ctx, o, "test", func() (int, time.Duration, error) { return 0, time.Hour, errors.New("429") })
	require.ErrorIs(t, err, context.Canceled)
}
