package jira

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
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
const Name = "jira"

// DisplayName is Jira as people read it.
const DisplayName = "Jira"

// maxSummary is the longest summary Jira takes (255 characters, one line).
const maxSummary = 255

const (
	defaultRetries = 3
	defaultBackoff = 5 * time.Second
	maxRetryAfter  = 2 * time.Minute
)

// Options configures a Client.
type Options struct {
	// BaseURL is the Jira Cloud site, "https://acme.atlassian.net".
	// Required.
	BaseURL string
	// Email and APIToken authenticate (basic auth). Required; the token is
	// a secret.
	Email, APIToken string
	// Project is the project key issues are filed in. Required.
	Project string
	// IssueType is the issue type's name (default "Task").
	IssueType string
	// HTTPClient, Retries, Backoff, Sleep and Log are the outbound settings
	// (outbound.Options); Retries 0 means 3, Backoff 0 means 5 s.
	HTTPClient *http.Client
	Retries    int
	Backoff    time.Duration
	Sleep      func(ctx context.Context, d time.Duration) error
	Log        *zap.Logger
}

// Client files issues through Jira Cloud's REST v3.
type Client struct {
	site, email, token, project, issueType string
	out                                    outbound.Options
}

var _ bot.Tracker = (*Client)(nil)

// New checks opts and builds the client; it talks to no network.
func New(opts Options) (*Client, error) {
	site := strings.TrimRight(opts.BaseURL, "/")
	u, err := url.Parse(site)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, errors.New("jira: the site URL must be an http(s) URL without user information")
	}
	switch {
	case opts.Email == "" || opts.APIToken == "":
		return nil, errors.New("jira: an email and an API token are required")
	case opts.Project == "":
		return nil, errors.New("jira: a project key is required")
	}
	if opts.IssueType == "" {
		opts.IssueType = "Task"
	}
	if opts.Retries == 0 {
		opts.Retries = defaultRetries
	}
	out := outbound.Options{HTTP: opts.HTTPClient, Retries: opts.Retries, Backoff: opts.Backoff, Sleep: opts.Sleep, Log: opts.Log}.
		WithDefaults(outbound.Defaults{Backoff: defaultBackoff})
	out.Log = out.Log.Named(Name)
	return &Client{site: site, email: opts.Email, token: opts.APIToken, project: opts.Project, issueType: opts.IssueType, out: out}, nil
}

// Name implements bot.Tracker.
func (c *Client) Name() string { return DisplayName }

// CreateRequest is the body of POST /rest/api/3/issue.
type CreateRequest struct {
	Fields Fields `json:"fields"`
}

// Fields are the fields Warroom sets.
type Fields struct {
	Project     Key      `json:"project"`
	IssueType   Named    `json:"issuetype"`
	Summary     string   `json:"summary"`
	Description ADF      `json:"description"`
	Labels      []string `json:"labels,omitempty"`
}

// Key names a project by its key; Named an issue type by its name.
type (
	Key struct {
		Key string `json:"key"`
	}
	Named struct {
		Name string `json:"name"`
	}
)

// Created is Jira's 201 answer.
type Created struct {
	ID   string `json:"id"`
	Key  string `json:"key"`
	Self string `json:"self"`
}

// ErrorCollection is Jira's 4xx answer.
type ErrorCollection struct {
	ErrorMessages []string          `json:"errorMessages"`
	Errors        map[string]string `json:"errors"`
}

// Body is the create request Client sends for issue.
func (c *Client) Body(issue bot.Issue) CreateRequest {
	labels := make([]string, 0, len(issue.Labels))
	for _, l := range issue.Labels {
		// A Jira label is one word.
		if l = strings.Join(strings.Fields(l), "_"); l != "" {
			labels = append(labels, l)
		}
	}
	return CreateRequest{Fields: Fields{
		Project: Key{Key: c.project}, IssueType: Named{Name: c.issueType},
		Summary:     bot.Truncate(strings.Join(strings.Fields(issue.Summary), " "), maxSummary),
		Description: Doc(issue.Paragraphs, issue.Link), Labels: labels,
	}}
}

// Create implements bot.Tracker: it files issue, retrying 429, 5xx and
// transport errors, and returns its key and browse URL.
func (c *Client) Create(ctx context.Context, issue bot.Issue) (bot.IssueRef, error) {
	body, err := json.Marshal(c.Body(issue))
	if err != nil {
		return bot.IssueRef{}, fmt.Errorf("jira create issue: %w", err)
	}
	created, err := outbound.Retry(ctx, c.out, "issue creation", func() (Created, time.Duration, error) { return c.post(ctx, body) })
	if err != nil {
		return bot.IssueRef{}, fmt.Errorf("jira create issue: %w", err)
	}
	return bot.IssueRef{Tracker: DisplayName, Key: created.Key, URL: c.site + "/browse/" + url.PathEscape(created.Key)}, nil
}

var (
	errRateLimited = errors.New("rate limited by Jira (429)")
	errUnavailable = errors.New("jira is unavailable")
)

// post makes one attempt: the created issue, or the wait before a retry
// (negative when the error is final).
func (c *Client) post(ctx context.Context, body []byte) (Created, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.site+"/rest/api/3/issue", bytes.NewReader(body))
	if err != nil {
		return Created{}, -1, err
	}
	req.SetBasicAuth(c.email, c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.out.HTTP.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Created{}, -1, ctx.Err()
		}
		return Created{}, c.out.Backoff, outbound.WithoutURL(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	status := resp.StatusCode
	if status == http.StatusTooManyRequests || status >= 500 {
		wait := c.out.Backoff
		if n, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && n >= 0 {
			wait = min(time.Duration(n)*time.Second, maxRetryAfter)
		}
		if status == http.StatusTooManyRequests {
			return Created{}, wait, errRateLimited
		}
		return Created{}, wait, fmt.Errorf("%w (%d)", errUnavailable, status)
	}
	if status == http.StatusCreated || status == http.StatusOK {
		var created Created
		if err := json.Unmarshal(raw, &created); err != nil || created.Key == "" {
			return Created{}, -1, &bot.TrackerError{Reason: "Jira answered without an issue key"}
		}
		return created, 0, nil
	}
	var ec ErrorCollection
	_ = json.Unmarshal(raw, &ec)
	return Created{}, -1, refusal(status, ec)
}

// refusal is the final error of a 4xx answer in words people may read:
// Jira's own field errors (they name fields and values, never the token).
func refusal(status int, ec ErrorCollection) error {
	switch status {
	case http.StatusUnauthorized:
		return &bot.TrackerError{Reason: "Jira refused the email and API token (401)"}
	case http.StatusForbidden:
		return &bot.TrackerError{Reason: "Jira's account may not create issues in this project (403)"}
	case http.StatusNotFound:
		return &bot.TrackerError{Reason: "Jira found no such site or project (404)"}
	}
	parts := append([]string(nil), ec.ErrorMessages...)
	fields := make([]string, 0, len(ec.Errors))
	for f := range ec.Errors {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		parts = append(parts, f+": "+ec.Errors[f])
	}
	reason := strings.Join(parts, "; ")
	if reason == "" {
		reason = http.StatusText(status)
	}
	return &bot.TrackerError{Reason: fmt.Sprintf("Jira refused the issue (%d): %s", status, bot.Truncate(reason, 300))}
}
