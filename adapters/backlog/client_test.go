package backlog_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/backlog"
	"github.com/warroomhq/warroom/adapters/backlog/fakebacklog"
	"github.com/warroomhq/warroom/bot"
)

const apiKey = "bl-API-key-0123456789secret"

func client(t *testing.T, fake *fakebacklog.Server, key string) (*backlog.Client, *[]time.Duration) {
	t.Helper()
	var waits []time.Duration
	c, err := backlog.New(backlog.Options{BaseURL: fake.URL, APIKey: key, ProjectID: 92, IssueTypeID: 7,
		Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }})
	require.NoError(t, err)
	return c, &waits
}

// TestCreateForm: the request is Backlog's (form-encoded POST
// /api/v2/issues with the apiKey in the query, project, issue type and
// the default priority), what people typed cannot add markup or
// mentions, and a private incident's title is not sent.
func TestCreateForm(t *testing.T) {
	fake := fakebacklog.New(t, apiKey, "OPS")
	c, _ := client(t, fake, apiKey)
	inc := &bot.Incident{ID: 42, Title: "Checkout <b>down</b>", Private: true}
	f := &bot.FollowUp{N: 3, Text: "Page @oncall-team about <img src=x> **now**", Owner: bot.User{ID: "U1", Name: "@alice [x](http://evil)"}}
	ref, err := c.Create(context.Background(), bot.IssueOf(inc, f, "https://warroom.example.com/incidents/INC-42", ""))
	require.NoError(t, err)
	require.Equal(t, bot.IssueRef{Tracker: "Backlog", Key: "OPS-12", URL: fake.URL + "/view/OPS-12"}, ref)

	rs := fake.Requests()
	require.Len(t, rs, 1)
	require.Equal(t, "/api/v2/issues", rs[0].Path)
	require.Equal(t, apiKey, rs[0].APIKey)
	require.Equal(t, "application/x-www-form-urlencoded", rs[0].Header.Get("Content-Type"))
	is := fake.Issues()
	require.Len(t, is, 1)
	form := is[0].Form
	require.Equal(t, "92", form.Get("projectId"))
	require.Equal(t, "7", form.Get("issueTypeId"))
	require.Equal(t, "3", form.Get("priorityId"))
	require.Equal(t, "Page @oncall-team about <img src=x> **now**", form.Get("summary"), "a summary is plain text")
	d := form.Get("description")
	require.NotContains(t, d, "Checkout", "a private incident's title stays in Warroom")
	require.Contains(t, d, "private incident INC\\-42")
	for _, raw := range []string{"@alice", "[x](", "<img", "<b>", "**"} {
		require.NotContains(t, d, raw)
	}
	require.Contains(t, d, "@\u200balice")
	require.True(t, strings.HasSuffix(d, "\n\nhttps://warroom.example.com/incidents/INC-42"), d)
}

// TestEscape: every character that could start markup is escaped, and
// nothing else changes.
func TestEscape(t *testing.T) {
	require.Equal(t, `\*\*x\*\* \_y\_ \<script\> @`+"\u200b"+`bob \#12 \[a\]\(b\)`, backlog.Escape("**x** _y_ <script>\n@bob #12 [a](b)"))
	require.Equal(t, "日本語 ok", backlog.Escape("日本語 ok"))
}

// TestRateLimitedThenFiled: a 429 and a 503 are waited out (Retry-After,
// then the backoff), then the issue is filed once.
func TestRateLimitedThenFiled(t *testing.T) {
	fake := fakebacklog.New(t, apiKey, "OPS")
	c, waits := client(t, fake, apiKey)
	fake.Fail(http.StatusTooManyRequests, http.StatusServiceUnavailable)
	ref, err := c.Create(context.Background(), bot.Issue{Summary: "Add a canary"})
	require.NoError(t, err)
	require.Equal(t, "OPS-12", ref.Key)
	require.Equal(t, []time.Duration{time.Second, 5 * time.Second}, *waits)
	require.Len(t, fake.Issues(), 1)
	require.Len(t, fake.Requests(), 3)
}

// TestRefusals: 400 and 401 are final, with a reason people may read
// that never carries the API key or the URL.
func TestRefusals(t *testing.T) {
	fake := fakebacklog.New(t, apiKey, "OPS")
	c, waits := client(t, fake, apiKey)
	fake.Fail(http.StatusBadRequest)
	_, err := c.Create(context.Background(), bot.Issue{Summary: "x"})
	var te *bot.TrackerError
	require.True(t, errors.As(err, &te), err)
	require.Equal(t, "Backlog refused the issue (400): No such issue type. (key:issueTypeId, value:999)", te.Reason)

	wrong, _ := client(t, fake, "not-the-key")
	_, err = wrong.Create(context.Background(), bot.Issue{Summary: "x"})
	require.True(t, errors.As(err, &te), err)
	require.Equal(t, "Backlog refused the API key (401)", te.Reason)
	require.Empty(t, *waits)
	require.Empty(t, fake.Issues())

	// Unreachable: the error names neither the URL nor the key.
	fake.Close()
	c, _ = client(t, fake, apiKey)
	_, err = c.Create(context.Background(), bot.Issue{Summary: "x"})
	require.Error(t, err)
	require.NotContains(t, err.Error(), apiKey)
	require.NotContains(t, err.Error(), "apiKey")
}

// TestIssue: an issue is read back with its status; Closed is id 4 or
// the name 完了 or Closed.
func TestIssue(t *testing.T) {
	fake := fakebacklog.New(t, apiKey, "OPS")
	c, _ := client(t, fake, apiKey)
	fake.SetStatus("OPS-7", fakebacklog.Closed)
	got, err := c.Issue(context.Background(), "OPS-7")
	require.NoError(t, err)
	require.True(t, got.Status.Closed())
	_, err = c.Issue(context.Background(), "OPS-8")
	require.Error(t, err)
	_, err = c.Issue(context.Background(), "../x")
	require.Error(t, err)
	require.True(t, backlog.Status{ID: 9, Name: "Closed"}.Closed())
	require.False(t, fakebacklog.Open.Closed())
	require.False(t, backlog.Status{ID: 3, Name: "処理済み"}.Closed())
}

// TestNew: what the client cannot work without is refused.
func TestNew(t *testing.T) {
	for _, o := range []backlog.Options{
		{APIKey: "k", ProjectID: 1, IssueTypeID: 1},
		{BaseURL: "https://u:p@acme.backlog.jp", APIKey: "k", ProjectID: 1, IssueTypeID: 1},
		{BaseURL: "https://acme.backlog.jp", ProjectID: 1, IssueTypeID: 1},
		{BaseURL: "https://acme.backlog.jp", APIKey: "k", IssueTypeID: 1},
		{BaseURL: "https://acme.backlog.jp", APIKey: "k", ProjectID: 1},
	} {
		_, err := backlog.New(o)
		require.Error(t, err)
	}
}
