package backlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/internal/outbound"
	"github.com/warroomhq/warroom/bot"
)

// Name is the integration's name: its configuration section, the last
// element of its webhook's route and the platform its webhook's events
// come from.
const Name = "backlog"

// DisplayName is Backlog as people read it.
const DisplayName = "Backlog"

// DefaultPriorityID is Backlog's default "Normal" (中) priority
// (UNCONFIRMED by PROTOCOLS-2 beyond the sample responses).
const DefaultPriorityID = 3

// ClosedStatusID is the id of Backlog's default "Closed" (完了) status
// (UNCONFIRMED by PROTOCOLS-2: the samples show a change from 1 to 4).
const ClosedStatusID = 4

// maxSummary is the longest summary Warroom sends (UNCONFIRMED: Backlog
// documents no limit; 255 is what its web form takes).
const maxSummary = 255

const (
	defaultRetries = 3
	defaultBackoff = 5 * time.Second
	maxWait        = 2 * time.Minute
)

// Options configures a Client.
type Options struct {
	// BaseURL is the space, "https://acme.backlog.jp" or
	// "https://acme.backlog.com". Required.
	BaseURL string
	// APIKey is a Backlog user's API key, sent as the apiKey query
	// parameter. Required; a secret.
	APIKey string
	// ProjectID, IssueTypeID are where and as what issues are filed.
	// Required.
	ProjectID, IssueTypeID int
	// PriorityID is the issues' priority (DefaultPriorityID when 0).
	PriorityID int
	// HTTPClient, Retries, Backoff, Sleep, Now and Log are the outbound
	// settings (outbound.Options); Retries 0 means 3, Backoff 0 means 5 s.
	HTTPClient *http.Client
	Retries    int
	Backoff    time.Duration
	Sleep      func(ctx context.Context, d time.Duration) error
	Now        func() time.Time
	Log        *zap.Logger
}

// Client files issues in one Backlog project and reads them back.
type Client struct {
	base, key               string
	project, kind, priority int
	out                     outbound.Options
}

var _ bot.Tracker = (*Client)(nil)

// issueKey is what a Backlog issue key looks like: "OPS-12".
var issueKey = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,24}-[1-9][0-9]{0,9}$`)

// ValidKey reports whether s is an issue key such as "OPS-12".
func ValidKey(s string) bool { return issueKey.MatchString(s) }

// New checks opts and builds the client; it talks to no network.
func New(opts Options) (*Client, error) {
	base := strings.TrimRight(opts.BaseURL, "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return nil, errors.New("backlog: the space URL must be an http(s) URL without user information or query")
	}
	switch {
	case opts.APIKey == "":
		return nil, errors.New("backlog: an API key is required")
	case opts.ProjectID <= 0:
		return nil, errors.New("backlog: a project id is required")
	case opts.IssueTypeID <= 0:
		return nil, errors.New("backlog: an issue type id is required")
	}
	if opts.PriorityID <= 0 {
		opts.PriorityID = DefaultPriorityID
	}
	if opts.Retries == 0 {
		opts.Retries = defaultRetries
	}
	out := outbound.Options{HTTP: opts.HTTPClient, Retries: opts.Retries, Backoff: opts.Backoff, Sleep: opts.Sleep, Now: opts.Now, Log: opts.Log}.
		WithDefaults(outbound.Defaults{Backoff: defaultBackoff})
	out.Log = out.Log.Named(Name)
	return &Client{base: base, key: opts.APIKey, project: opts.ProjectID, kind: opts.IssueTypeID, priority: opts.PriorityID, out: out}, nil
}

// Name implements bot.Tracker.
func (c *Client) Name() string { return DisplayName }

// Form is the form-encoded body of POST /api/v2/issues for issue.
func (c *Client) Form(issue bot.Issue) url.Values {
	return url.Values{
		"projectId":   {strconv.Itoa(c.project)},
		"summary":     {bot.Truncate(strings.Join(strings.Fields(issue.Summary), " "), maxSummary)},
		"issueTypeId": {strconv.Itoa(c.kind)},
		"priorityId":  {strconv.Itoa(c.priority)},
		"description": {Description(issue.Paragraphs, issue.Link)},
	}
}

// Status is an issue's status as Backlog answers it.
type Status struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// Closed reports whether s is Backlog's Closed status: id 4, or named
// 完了 or Closed (UNCONFIRMED: the default statuses' ids and names).
func (s Status) Closed() bool {
	return s.ID == ClosedStatusID || s.Name == "完了" || strings.EqualFold(s.Name, "closed")
}

// IssueJSON is an issue as Backlog answers it, as far as Warroom reads it.
type IssueJSON struct {
	ID       int64  `json:"id"`
	IssueKey string `json:"issueKey"`
	Status   Status `json:"status"`
}

// APIError is Backlog's error answer: {"errors": [{"message": "...",
// "code": 7, "moreInfo": ""}]}.
type APIError struct {
	Errors []struct {
		Message  string `json:"message"`
		Code     int    `json:"code"`
		MoreInfo string `json:"moreInfo"`
	} `json:"errors"`
}

// IssueURL is the issue's page for people.
func (c *Client) IssueURL(key string) string { return c.base + "/view/" + key }

// Create implements bot.Tracker: it files issue, waiting out rate limits
// and 5xx answers, and returns its key and page.
func (c *Client) Create(ctx context.Context, issue bot.Issue) (bot.IssueRef, error) {
	body := c.Form(issue).Encode()
	got, err := outbound.Retry(ctx, c.out, "issue creation", func() (IssueJSON, time.Duration, error) {
		return c.do(ctx, http.MethodPost, "/api/v2/issues", body, http.StatusCreated)
	})
	if err != nil {
		return bot.IssueRef{}, fmt.Errorf("backlog create issue: %w", err)
	}
	return bot.IssueRef{Tracker: DisplayName, Key: got.IssueKey, URL: c.IssueURL(got.IssueKey)}, nil
}

// Issue reads the issue key once, without retrying: the webhook asks
// while Backlog waits for its answer.
func (c *Client) Issue(ctx context.Context, key string) (IssueJSON, error) {
	if !ValidKey(key) {
		return IssueJSON{}, errors.New("backlog get issue: not an issue key")
	}
	got, _, err := c.do(ctx, http.MethodGet, "/api/v2/issues/"+key, "", http.StatusOK)
	if err != nil {
		return IssueJSON{}, fmt.Errorf("backlog get issue: %w", err)
	}
	return got, nil
}

var (
	errRateLimited = errors.New("rate limited by Backlog")
	errUnavailable = errors.New("backlog is unavailable")
)

// do makes one request: the issue answered, or the wait before a retry
// (negative when the error is final). The URL carries the API key, so
// no error names it.
func (c *Client) do(ctx context.Context, method, path, form string, want int) (IssueJSON, time.Duration, error) {
	var body io.Reader
	if form != "" {
		body = strings.NewReader(form)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path+"?"+url.Values{"apiKey": {c.key}}.Encode(), body)
	if err != nil {
		return IssueJSON{}, -1, errors.New("cannot build the request")
	}
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.out.HTTP.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return IssueJSON{}, -1, ctx.Err()
		}
		return IssueJSON{}, c.out.Backoff, outbound.WithoutURL(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch status := resp.StatusCode; {
	case status == want:
		var got IssueJSON
		if err := json.Unmarshal(raw, &got); err != nil || !ValidKey(got.IssueKey) {
			return IssueJSON{}, -1, &bot.TrackerError{Reason: "Backlog answered without an issue key"}
		}
		return got, 0, nil
	case status == http.StatusTooManyRequests:
		return IssueJSON{}, c.wait(resp.Header), fmt.Errorf("%w (%d)", errRateLimited, status)
	case status >= 500:
		return IssueJSON{}, c.wait(resp.Header), fmt.Errorf("%w (%d)", errUnavailable, status)
	default:
		var apiErr APIError
		_ = json.Unmarshal(raw, &apiErr)
		return IssueJSON{}, -1, refusal(status, apiErr)
	}
}

// wait is Retry-After's seconds, else the backoff; at most maxWait.
func (c *Client) wait(h http.Header) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && n >= 0 {
		return min(time.Duration(n)*time.Second, maxWait)
	}
	return c.out.Backoff
}

// refusal is the final error of a 4xx answer in words people may read:
// Backlog's own messages (they name parameters, never the key).
func refusal(status int, e APIError) error {
	if status == http.StatusUnauthorized {
		return &bot.TrackerError{Reason: "Backlog refused the API key (401)"}
	}
	parts := []string{}
	for _, m := range e.Errors {
		if p := strings.TrimSpace(m.Message); p != "" {
			parts = append(parts, p)
		}
	}
	reason := strings.Join(parts, "; ")
	if reason == "" {
		reason = http.StatusText(status)
	}
	return &bot.TrackerError{Reason: fmt.Sprintf("Backlog refused the issue (%d): %s", status, bot.Truncate(reason, 300))}
}
