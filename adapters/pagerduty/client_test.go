package pagerduty_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/pagerduty"
	"github.com/warroomhq/warroom/adapters/pagerduty/fakepagerduty"
	"github.com/warroomhq/warroom/bot"
)

const routingKey = "R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY12"

func newClient(t *testing.T, fake *fakepagerduty.Server, slept *[]time.Duration) *pagerduty.Client {
	t.Helper()
	c, err := pagerduty.New(pagerduty.Options{RoutingKey: routingKey, BaseURL: fake.URL,
		Sleep: func(_ context.Context, d time.Duration) error { *slept = append(*slept, d); return nil }})
	require.NoError(t, err)
	return c
}

func page() bot.Page {
	inc := &bot.Incident{ID: 42, Title: "Checkout is down", Priority: bot.P1}
	return bot.PageOf(inc, "https://warroom.example.com/incidents/42")
}

// TestTriggerBody: a trigger carries the routing key, the dedup key, the
// summary, the severity of the priority and the incident's details.
func TestTriggerBody(t *testing.T) {
	fake := fakepagerduty.New(t)
	var slept []time.Duration
	c := newClient(t, fake, &slept)
	require.NoError(t, c.Trigger(context.Background(), page()))
	evs := fake.Events()
	require.Len(t, evs, 1)
	ev := evs[0]
	require.Equal(t, routingKey, ev.RoutingKey)
	require.Equal(t, "trigger", ev.EventAction)
	require.Equal(t, "warroom-INC-42", ev.DedupKey)
	require.Equal(t, "INC-42 P1: Checkout is down", ev.Payload.Summary)
	require.Equal(t, "critical", ev.Payload.Severity)
	require.Equal(t, "warroom", ev.Payload.Source)
	require.Equal(t, map[string]string{"incident": "INC-42", "title": "Checkout is down", "priority": "P1",
		"url": "https://warroom.example.com/incidents/42"}, ev.Payload.CustomDetails)
	require.Equal(t, "https://warroom.example.com/incidents/42", ev.ClientURL)

	require.NoError(t, c.Acknowledge(context.Background(), page()))
	require.NoError(t, c.Resolve(context.Background(), page()))
	evs = fake.Events()
	require.Len(t, evs, 3)
	for i, want := range []string{"trigger", "acknowledge", "resolve"} {
		require.Equal(t, want, evs[i].EventAction)
		require.Equal(t, "warroom-INC-42", evs[i].DedupKey)
	}
	require.Nil(t, evs[1].Payload, "acknowledge carries no payload")
	require.Empty(t, slept)
}

// TestSeverity: P1 critical, P2 error, P3 warning, P4 info.
func TestSeverity(t *testing.T) {
	for p, want := range map[bot.Priority]string{bot.P1: "critical", bot.P2: "error", bot.P3: "warning", bot.P4: "info"} {
		require.Equal(t, want, pagerduty.Severity(p))
	}
}

// TestPrivateSummary: a private incident's page names it, never its title.
func TestPrivateSummary(t *testing.T) {
	fake := fakepagerduty.New(t)
	var slept []time.Duration
	c := newClient(t, fake, &slept)
	inc := &bot.Incident{ID: 7, Title: "Customer data leaked", Priority: bot.P1, Private: true}
	require.NoError(t, c.Trigger(context.Background(), bot.PageOf(inc, "")))
	ev := fake.Events()[0]
	require.Equal(t, "Private incident INC-7 (P1)", ev.Payload.Summary)
	require.NotContains(t, ev.Payload.CustomDetails, "title")
	for _, v := range ev.Payload.CustomDetails {
		require.NotContains(t, v, "leaked")
	}
}

// TestRetries: a 429 waits its Retry-After and pages once; a 500 is
// retried; a 400 is final and names PagerDuty's reason, not the key.
func TestRetries(t *testing.T) {
	fake := fakepagerduty.New(t)
	var slept []time.Duration
	c := newClient(t, fake, &slept)
	fake.Fail(429)
	require.NoError(t, c.Trigger(context.Background(), page()))
	require.Equal(t, 2, fake.Attempts())
	require.Len(t, fake.Events(), 1, "paged once")
	require.Equal(t, []time.Duration{time.Second}, slept)

	slept = nil
	fake.Fail(500)
	require.NoError(t, c.Resolve(context.Background(), page()))
	require.Equal(t, []time.Duration{30 * time.Second}, slept, "PagerDuty's suggested 30 s without Retry-After")

	slept = nil
	fake.Fail(429, 429, 429, 429)
	err := c.Trigger(context.Background(), page())
	require.Error(t, err)
	require.Len(t, slept, 3, "three retries, as PagerDuty suggests")

	slept = nil
	fake.Fail(400)
	err = c.Trigger(context.Background(), page())
	var pe *bot.PageError
	require.True(t, errors.As(err, &pe))
	require.Empty(t, slept, "a 400 is not retried")
	require.NotContains(t, err.Error(), routingKey)
}

// TestInvalidEvent: the fake refuses what the API refuses, and the
// client reports it as a PageError without the routing key.
func TestInvalidEvent(t *testing.T) {
	fake := fakepagerduty.New(t)
	var slept []time.Duration
	c := newClient(t, fake, &slept)
	p := page()
	p.Summary = ""
	err := c.Trigger(context.Background(), p)
	var pe *bot.PageError
	require.True(t, errors.As(err, &pe))
	require.Contains(t, pe.Reason, "payload.summary")
	require.NotContains(t, err.Error(), routingKey)
	require.Empty(t, fake.Events())

	p = page()
	p.Key = strings.Repeat("k", 256)
	require.Error(t, c.Trigger(context.Background(), p))
	require.Zero(t, fake.Attempts()-1, "a key over 255 is refused before it is sent")
}

// TestNew: a routing key is required; an error never shows it.
func TestNew(t *testing.T) {
	_, err := pagerduty.New(pagerduty.Options{})
	require.Error(t, err)
	_, err = pagerduty.New(pagerduty.Options{RoutingKey: routingKey, BaseURL: "ftp://x"})
	require.Error(t, err)
	require.NotContains(t, err.Error(), routingKey)
}
