package github_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/github"
	"github.com/warroomhq/warroom/adapters/github/fakegithub"
	"github.com/warroomhq/warroom/bot"
)

const token = "github_pat_11AAAA0000secret"

func client(t *testing.T, fake *fakegithub.Server, tok string) (*github.Client, *[]time.Duration) {
	t.Helper()
	var waits []time.Duration
	c, err := github.New(github.Options{APIURL: fake.URL + "/api/v3", Token: tok, Repository: "acme/ops",
		Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }})
	require.NoError(t, err)
	return c, &waits
}

func newFake(t *testing.T) *fakegithub.Server {
	// The fake serves under /api/v3 as GitHub Enterprise Server does.
	fake := fakegithub.New(t, token, "acme/ops")
	inner := fake.Config.Handler
	fake.Config.Handler = http.StripPrefix("/api/v3", inner)
	return fake
}

// TestCreateBody: the request is GitHub's (path under the configured
// base, bearer token, media type and API version), the labels are
// "warroom" and the incident's key, what people typed cannot add markup
// or mentions, and a private incident's title is not sent.
func TestCreateBody(t *testing.T) {
	fake := newFake(t)
	c, _ := client(t, fake, token)
	inc := &bot.Incident{ID: 42, Title: "Checkout <b>down</b>", Private: true}
	f := &bot.FollowUp{N: 3, Text: "Page @oncall-team about <img src=x> **now**", Owner: bot.User{ID: "U1", Name: "@alice [x](http://evil)"}}
	ref, err := c.Create(context.Background(), bot.IssueOf(inc, f, "https://warroom.example.com/incidents/INC-42", ""))
	require.NoError(t, err)
	require.Equal(t, bot.IssueRef{Tracker: "GitHub", Key: "acme/ops#1", URL: "https://github.com/acme/ops/issues/1"}, ref)

	rs := fake.Requests()
	require.Len(t, rs, 1)
	require.Equal(t, "/repos/acme/ops/issues", rs[0].Path, "under /api/v3, which the fake strips")
	require.Equal(t, "Bearer "+token, rs[0].Header.Get("Authorization"))
	require.Equal(t, "application/vnd.github+json", rs[0].Header.Get("Accept"))
	require.Equal(t, github.APIVersion, rs[0].Header.Get("X-GitHub-Api-Version"))
	var body github.CreateRequest
	require.NoError(t, json.Unmarshal(rs[0].Body, &body))
	require.Equal(t, "Page @oncall-team about <img src=x> **now**", body.Title, "a title is plain text")
	require.Equal(t, []string{"warroom", "INC-42"}, body.Labels)
	require.NotContains(t, body.Body, "Checkout", "a private incident's title stays in Warroom")
	require.Contains(t, body.Body, "private incident INC\\-42")
	for _, raw := range []string{"@alice", "[x](", "<img", "<b>"} {
		require.NotContains(t, body.Body, raw)
	}
	require.Contains(t, body.Body, "\\@\u200balice")
	require.True(t, strings.HasSuffix(body.Body, "\n\n<https://warroom.example.com/incidents/INC-42>"), body.Body)
}

// TestEscape: every character that could start markup is escaped, and
// nothing else changes.
func TestEscape(t *testing.T) {
	require.Equal(t, `\*\*x\*\* \_y\_ \<script\> \@`+"\u200b"+`bob \#`+"\u200b"+`12 \[a\]\(b\) \`+"`"+`c\`+"`", github.Escape("**x** _y_ <script>\n@bob #12 [a](b) `c`"))
	require.Equal(t, "日本語 ok", github.Escape("日本語 ok"))
}

// TestRateLimitedThenFiled: a 429, a secondary rate limit (403 with
// Retry-After) and a primary one (x-ratelimit-remaining 0) are waited
// out, then the issue is filed once.
func TestRateLimitedThenFiled(t *testing.T) {
	fake := newFake(t)
	c, waits := client(t, fake, token)
	fake.Fail(http.StatusTooManyRequests, fakegithub.SecondaryRateLimit, fakegithub.PrimaryRateLimit)
	ref, err := c.Create(context.Background(), bot.Issue{Summary: "Add a canary", Labels: []string{"warroom"}})
	require.NoError(t, err)
	require.Equal(t, "acme/ops#1", ref.Key)
	require.Len(t, fake.Issues(), 1)
	require.Len(t, fake.Requests(), 4)
	require.Equal(t, []time.Duration{time.Second, time.Second}, (*waits)[:2])
	require.Len(t, *waits, 3)
	require.LessOrEqual(t, (*waits)[2], 2*time.Minute)
}

// TestRefusals: 401, 404, 410, 422 and a 403 that is no rate limit are
// final at once, with a reason people may read and never the token.
func TestRefusals(t *testing.T) {
	for status, want := range map[int]string{
		http.StatusNotFound:            "no such repository",
		http.StatusGone:                "issues turned off",
		http.StatusUnprocessableEntity: "Validation Failed; labels invalid",
		http.StatusForbidden:           "may not create issues",
	} {
		fake := newFake(t)
		c, waits := client(t, fake, token)
		fake.Fail(status)
		_, err := c.Create(context.Background(), bot.Issue{Summary: "x"})
		var te *bot.TrackerError
		require.True(t, errors.As(err, &te), "%d: %v", status, err)
		require.Contains(t, te.Reason, want)
		require.Empty(t, *waits, "%d is not retried", status)
		require.Len(t, fake.Requests(), 1)
	}
	fake := newFake(t)
	c, _ := client(t, fake, "wrong-token-value")
	_, err := c.Create(context.Background(), bot.Issue{Summary: "x"})
	var te *bot.TrackerError
	require.True(t, errors.As(err, &te))
	require.Contains(t, te.Reason, "Bad credentials")
	require.NotContains(t, err.Error(), "wrong-token-value")
}

// TestUnavailable: GitHub down through every retry is not a refusal.
func TestUnavailable(t *testing.T) {
	fake := newFake(t)
	c, waits := client(t, fake, token)
	fake.Fail(502, 502, 502, 502)
	_, err := c.Create(context.Background(), bot.Issue{Summary: "x"})
	require.Error(t, err)
	var te *bot.TrackerError
	require.False(t, errors.As(err, &te))
	require.Len(t, *waits, 3)
	require.Empty(t, fake.Issues())
}

func TestNewChecks(t *testing.T) {
	for _, o := range []github.Options{
		{Token: "", Repository: "acme/ops"},
		{Token: "t", Repository: "acme"},
		{Token: "t", Repository: "acme/ops", APIURL: "https://user:pw@ghe.example.com/api/v3"},
	} {
		_, err := github.New(o)
		require.Error(t, err)
		require.NotContains(t, err.Error(), "pw")
	}
}
