package github

import (
	"bytes"
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
const Name = "github"

// DisplayName is GitHub as people read it.
const DisplayName = "GitHub"

// DefaultAPIURL is github.com's REST API; GitHub Enterprise Server's is
// "https://<host>/api/v3".
const DefaultAPIURL = "https://api.github.com"

// APIVersion is the REST API version Warroom asks for in
// X-GitHub-Api-Version. UNCONFIRMED by PROTOCOLS-2: 2022-11-28 is the
// version GitHub documents as current for this API.
const APIVersion = "2022-11-28"

// maxTitle is the longest title Warroom sends (GitHub takes 256
// characters).
const maxTitle = 256

const (
	defaultRetries = 3
	defaultBackoff = 5 * time.Second
	maxWait        = 2 * time.Minute
)

// Options configures a Client.
type Options struct {
	// APIURL is the REST API's base (DefaultAPIURL when empty).
	APIURL string
	// Token is a fine-grained token or a classic PAT, sent as a bearer
	// token. Required; a secret.
	Token string
	// Repository is "owner/repo", where issues are filed. Required.
	Repository string
	// HTTPClient, Retries, Backoff, Sleep, Now and Log are the outbound
	// settings (outbound.Options); Retries 0 means 3, Backoff 0 means 5 s.
	HTTPClient *http.Client
	Retries    int
	Backoff    time.Duration
	Sleep      func(ctx context.Context, d time.Duration) error
	Now        func() time.Time
	Log        *zap.Logger
}

// Client files issues in one repository through GitHub's REST API.
type Client struct {
	api, token, repo string
	out              outbound.Options
}

var _ bot.Tracker = (*Client)(nil)

// repository is what "owner/repo" looks like.
var repository = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)

// ValidRepository reports whether s is "owner/repo".
func ValidRepository(s string) bool {
	return repository.MatchString(s) && !strings.HasSuffix(s, "/.") && !strings.HasSuffix(s, "/..")
}

// New checks opts and builds the client; it talks to no network.
func New(opts Options) (*Client, error) {
	api := strings.TrimRight(opts.APIURL, "/")
	if api == "" {
		api = DefaultAPIURL
	}
	u, err := url.Parse(api)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, errors.New("github: the API URL must be an http(s) URL without user information")
	}
	switch {
	case opts.Token == "":
		return nil, errors.New("github: a token is required")
	case !ValidRepository(opts.Repository):
		return nil, errors.New("github: the repository must be \"owner/repo\"")
	}
	if opts.Retries == 0 {
		opts.Retries = defaultRetries
	}
	out := outbound.Options{HTTP: opts.HTTPClient, Retries: opts.Retries, Backoff: opts.Backoff, Sleep: opts.Sleep, Now: opts.Now, Log: opts.Log}.
		WithDefaults(outbound.Defaults{Backoff: defaultBackoff})
	out.Log = out.Log.Named(Name)
	return &Client{api: api, token: opts.Token, repo: opts.Repository, out: out}, nil
}

// Name implements bot.Tracker.
func (c *Client) Name() string { return DisplayName }

// CreateRequest is the body of POST /repos/{owner}/{repo}/issues.
type CreateRequest struct {
	Title  string   `json:"title"`
	Body   string   `json:"body"`
	Labels []string `json:"labels,omitempty"`
}

// Created is GitHub's 201 answer, as far as Warroom reads it.
type Created struct {
	Number  int    `json:"number"`
	HTMLURL string `json:"html_url"`
}

// APIError is GitHub's error answer: {"message": "Validation Failed",
// "errors": [{"resource": "Issue", "field": "title", "code":
// "missing_field"}], "documentation_url": "..."}.
type APIError struct {
	Message string `json:"message"`
	Errors  []struct {
		Resource string `json:"resource,omitempty"`
		Field    string `json:"field,omitempty"`
		Code     string `json:"code,omitempty"`
		Message  string `json:"message,omitempty"`
	} `json:"errors,omitempty"`
	DocumentationURL string `json:"documentation_url,omitempty"`
}

// Body is the create request Client sends for issue.
func (c *Client) Body(issue bot.Issue) CreateRequest {
	labels := make([]string, 0, len(issue.Labels))
	for _, l := range issue.Labels {
		if l = strings.TrimSpace(l); l != "" {
			labels = append(labels, bot.Truncate(l, 50))
		}
	}
	// A title is plain text (GitHub does not render it as Markdown or
	// notify its mentions); it is one line.
	return CreateRequest{Title: bot.Truncate(strings.Join(strings.Fields(issue.Summary), " "), maxTitle),
		Body: Body(issue.Paragraphs, issue.Link), Labels: labels}
}

// Key is the issue's key as Warroom records it: "owner/repo#12", as
// GitHub writes a reference across repositories.
func Key(repo string, number int) string { return repo + "#" + strconv.Itoa(number) }

// Create implements bot.Tracker: it files issue, waiting out rate limits
// and 5xx answers as GitHub asks, and returns its key and page.
func (c *Client) Create(ctx context.Context, issue bot.Issue) (bot.IssueRef, error) {
	body, err := json.Marshal(c.Body(issue))
	if err != nil {
		return bot.IssueRef{}, fmt.Errorf("github create issue: %w", err)
	}
	created, err := outbound.Retry(ctx, c.out, "issue creation", func() (Created, time.Duration, error) { return c.attempt(ctx, body) })
	if err != nil {
		return bot.IssueRef{}, fmt.Errorf("github create issue: %w", err)
	}
	return bot.IssueRef{Tracker: DisplayName, Key: Key(c.repo, created.Number), URL: created.HTMLURL}, nil
}

var (
	errRateLimited = errors.New("rate limited by GitHub")
	errUnavailable = errors.New("github is unavailable")
)

// attempt makes one request: the created issue, or the wait before a
// retry (negative when the error is final).
func (c *Client) attempt(ctx context.Context, body []byte) (Created, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.api+"/repos/"+c.repo+"/issues", bytes.NewReader(body))
	if err != nil {
		return Created{}, -1, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", APIVersion)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.out.HTTP.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Created{}, -1, ctx.Err()
		}
		return Created{}, c.out.Backoff, outbound.WithoutURL(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var apiErr APIError
	if resp.StatusCode != http.StatusCreated {
		_ = json.Unmarshal(raw, &apiErr)
	}
	switch status := resp.StatusCode; {
	case status == http.StatusCreated:
		var created Created
		if err := json.Unmarshal(raw, &created); err != nil || created.Number <= 0 {
			return Created{}, -1, &bot.TrackerError{Reason: "GitHub answered without an issue number"}
		}
		return created, 0, nil
	case status == http.StatusTooManyRequests || (status == http.StatusForbidden && rateLimited(resp.Header)):
		return Created{}, c.wait(resp.Header), fmt.Errorf("%w (%d)", errRateLimited, status)
	case status >= 500:
		return Created{}, c.wait(resp.Header), fmt.Errorf("%w (%d)", errUnavailable, status)
	default:
		return Created{}, -1, refusal(status, apiErr)
	}
}

// rateLimited reports whether a 403 is a rate limit (primary: no request
// left; secondary: GitHub says when to come back) rather than a refusal.
func rateLimited(h http.Header) bool {
	return h.Get("Retry-After") != "" || h.Get("X-Ratelimit-Remaining") == "0"
}

// wait is how long GitHub asks Warroom to wait: Retry-After's seconds,
// else until x-ratelimit-reset when no request is left, else the backoff;
// at most maxWait.
func (c *Client) wait(h http.Header) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && n >= 0 {
		return min(time.Duration(n)*time.Second, maxWait)
	}
	if h.Get("X-Ratelimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-Ratelimit-Reset")), 10, 64); err == nil {
			return min(max(time.Unix(reset, 0).Sub(c.out.Now()), time.Second), maxWait)
		}
	}
	return c.out.Backoff
}

// refusal is the final error of a 4xx answer in words people may read:
// GitHub's own message and field errors (they name fields and codes,
// never the token).
func refusal(status int, e APIError) error {
	switch status {
	case http.StatusUnauthorized:
		return &bot.TrackerError{Reason: "GitHub refused the token (401 Bad credentials)"}
	case http.StatusForbidden:
		return &bot.TrackerError{Reason: "GitHub's token may not create issues in this repository (403)"}
	case http.StatusNotFound:
		return &bot.TrackerError{Reason: "GitHub found no such repository, or the token cannot see it (404)"}
	case http.StatusGone:
		return &bot.TrackerError{Reason: "the repository has issues turned off (410)"}
	}
	parts := []string{}
	if e.Message != "" {
		parts = append(parts, e.Message)
	}
	for _, fe := range e.Errors {
		p := strings.TrimSpace(strings.Join([]string{fe.Field, fe.Code, fe.Message}, " "))
		if p != "" {
			parts = append(parts, p)
		}
	}
	reason := strings.Join(parts, "; ")
	if reason == "" {
		reason = http.StatusText(status)
	}
	return &bot.TrackerError{Reason: fmt.Sprintf("GitHub refused the issue (%d): %s", status, bot.Truncate(reason, 300))}
}
