package zoom

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/internal/outbound"
	"github.com/warroomhq/warroom/bot"
)

// Name is the integration's name: its configuration section and the last
// element of its (unused) webhook route.
const Name = "zoom"

// DisplayName is Zoom as people read it.
const DisplayName = "Zoom"

// Default bases of Zoom's REST API and of its OAuth server.
const (
	DefaultAPIURL   = "https://api.zoom.us"
	DefaultOAuthURL = "https://zoom.us"
)

const (
	defaultRetries = 3
	defaultBackoff = 2 * time.Second
	// maxRetryAfter caps a Retry-After Zoom sends.
	maxRetryAfter = time.Minute
	// tokenMargin is how long before its expiry a token is fetched anew,
	// so that a call never starts with a token about to lapse.
	tokenMargin = 5 * time.Minute
	// meetingDuration is the scheduled length in minutes: an instant
	// meeting takes none, but a scheduled one does (UNCONFIRMED whether
	// Zoom requires it for type 1).
	meetingDuration = 60
)

// Meeting types (Zoom's "type"): 1 is an instant meeting, which starts
// now and needs no start_time. UNCONFIRMED: whether an instant meeting's
// join link stays usable after the host leaves; Warroom does not reuse a
// meeting past its incident anyway.
const typeInstant = 1

// Options configures a Client.
type Options struct {
	// AccountID, ClientID and ClientSecret are the Server-to-Server OAuth
	// app's credentials. Required; ClientSecret is a secret.
	AccountID, ClientID, ClientSecret string
	// APIURL and OAuthURL are the bases of the REST API and of the OAuth
	// server (DefaultAPIURL, DefaultOAuthURL when empty).
	APIURL, OAuthURL string
	// HTTPClient, Retries, Backoff, Now, Sleep and Log are the outbound
	// settings (outbound.Options); Retries 0 means 3.
	HTTPClient *http.Client
	Retries    int
	Backoff    time.Duration
	Now        func() time.Time
	Sleep      func(ctx context.Context, d time.Duration) error
	Log        *zap.Logger
}

// Client creates Zoom meetings.
type Client struct {
	account, basic   string
	apiURL, oauthURL string
	out              outbound.Options

	mu      sync.Mutex
	token   string
	expires time.Time
}

var _ bot.CallProvider = (*Client)(nil)

// New checks opts and builds the client; it talks to no network.
func New(opts Options) (*Client, error) {
	if opts.AccountID == "" || opts.ClientID == "" || opts.ClientSecret == "" {
		return nil, errors.New("zoom: the account ID, client ID and client secret are required")
	}
	api, err := base(opts.APIURL, DefaultAPIURL)
	if err != nil {
		return nil, fmt.Errorf("zoom: the API URL %w", err)
	}
	oauth, err := base(opts.OAuthURL, DefaultOAuthURL)
	if err != nil {
		return nil, fmt.Errorf("zoom: the OAuth URL %w", err)
	}
	if opts.Retries == 0 {
		opts.Retries = defaultRetries
	}
	out := outbound.Options{HTTP: opts.HTTPClient, Retries: opts.Retries, Backoff: opts.Backoff, Now: opts.Now, Sleep: opts.Sleep, Log: opts.Log}.
		WithDefaults(outbound.Defaults{Backoff: defaultBackoff})
	out.Log = out.Log.Named(Name)
	basic := base64.StdEncoding.EncodeToString([]byte(opts.ClientID + ":" + opts.ClientSecret))
	return &Client{account: opts.AccountID, basic: basic, apiURL: api, oauthURL: oauth, out: out}, nil
}

// base is raw without its trailing slash, or def when empty.
func base(raw, def string) (string, error) {
	b := strings.TrimRight(raw, "/")
	if b == "" {
		return def, nil
	}
	if !strings.HasPrefix(b, "https://") && !strings.HasPrefix(b, "http://") {
		return "", errors.New("must be http(s)")
	}
	return b, nil
}

// Name implements bot.CallProvider.
func (c *Client) Name() string { return DisplayName }

// Token is the OAuth server's answer.
type Token struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
}

// MeetingRequest is the body of POST /v2/users/me/meetings.
type MeetingRequest struct {
	Topic    string          `json:"topic"`
	Type     int             `json:"type"`
	Duration int             `json:"duration,omitempty"`
	Agenda   string          `json:"agenda,omitempty"`
	Settings MeetingSettings `json:"settings"`
}

// MeetingSettings are the meeting's settings Warroom sets: responders
// join without waiting for the host, who is the app's owner and is
// usually not among them.
type MeetingSettings struct {
	JoinBeforeHost bool `json:"join_before_host"`
	// JBHTime 0 lets participants join any time before the host.
	JBHTime       int  `json:"jbh_time"`
	WaitingRoom   bool `json:"waiting_room"`
	MuteUponEntry bool `json:"mute_upon_entry"`
}

// Meeting is the part of Zoom's 201 answer Warroom reads. StartURL (the
// host's key) is decoded by the fake only; the client drops it.
type Meeting struct {
	ID       int64  `json:"id"`
	Topic    string `json:"topic"`
	JoinURL  string `json:"join_url"`
	StartURL string `json:"start_url,omitempty"`
	Password string `json:"password,omitempty"`
}

// apiError is Zoom's error body: {"code":124,"message":"Invalid access
// token."} from the API, {"reason":"…","error":"invalid_client"} from the
// OAuth server.
type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Reason  string `json:"reason"`
	Error   string `json:"error"`
}

// CreateCall implements bot.CallProvider: an instant meeting named
// spec.Topic that responders may join before the host.
func (c *Client) CreateCall(ctx context.Context, spec bot.CallSpec) (bot.Call, error) {
	body, err := json.Marshal(MeetingRequest{Topic: spec.Topic, Type: typeInstant, Duration: meetingDuration,
		Agenda:   "Warroom " + spec.Incident,
		Settings: MeetingSettings{JoinBeforeHost: true, MuteUponEntry: true}})
	if err != nil {
		return bot.Call{}, fmt.Errorf("zoom meeting %s: %w", spec.Incident, err)
	}
	var m Meeting
	refreshed := false
	for attempt := 0; ; attempt++ {
		wait, err := c.createOnce(ctx, body, &m)
		if errors.Is(err, errBadToken) && !refreshed {
			// A token revoked or expired early: fetch another once.
			refreshed = true
			c.forget()
			attempt--
			continue
		}
		if err == nil {
			break
		}
		if errors.Is(err, errBadToken) {
			// A fresh token refused too: the app lacks the scope or was
			// deactivated.
			return bot.Call{}, &bot.CallError{Reason: "the access token was refused (401), even a new one: check the app is activated with the meeting:write:admin scope"}
		}
		if wait < 0 || attempt >= c.out.Retries {
			return bot.Call{}, fmt.Errorf("zoom meeting %s: %w", spec.Incident, err)
		}
		c.out.Log.Info("retrying meeting", zap.String("incident", spec.Incident),
			zap.Int("attempt", attempt+1), zap.Duration("wait", wait), zap.Error(err))
		if err := c.out.Sleep(ctx, wait); err != nil {
			return bot.Call{}, fmt.Errorf("zoom meeting %s: %w", spec.Incident, err)
		}
	}
	if m.JoinURL == "" || m.ID == 0 {
		return bot.Call{}, &bot.CallError{Reason: "its answer had no meeting link"}
	}
	return bot.Call{ID: strconv.FormatInt(m.ID, 10), JoinURL: m.JoinURL}, nil
}

// Errors a retry may fix; errBadToken is a 401 of the API, fixed by
// another token.
var (
	errRateLimited = errors.New("rate limited by Zoom (429)")
	errUnavailable = errors.New("zoom is unavailable")
	errBadToken    = errors.New("zoom refused the access token (401)")
)

// createOnce makes one attempt at creating the meeting into m. It returns
// the wait before a retry, or a negative one when the error is final.
func (c *Client) createOnce(ctx context.Context, body []byte, m *Meeting) (time.Duration, error) {
	token, wait, err := c.accessToken(ctx)
	if err != nil {
		return wait, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.apiURL+"/v2/users/me/meetings", bytes.NewReader(body))
	if err != nil {
		return -1, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	status, raw, hdr, wait, err := c.do(req)
	if err != nil {
		return wait, err
	}
	switch {
	case status == http.StatusCreated || status == http.StatusOK:
		if err := json.Unmarshal(raw, m); err != nil {
			return -1, &bot.CallError{Reason: "its answer could not be read"}
		}
		return 0, nil
	case status == http.StatusUnauthorized:
		return -1, errBadToken
	}
	if w, err := c.transient(status, hdr); err != nil {
		return w, err
	}
	return -1, refusal(status, raw)
}

// accessToken is the cached token, or a new one when it is about to
// expire. It returns the wait before a retry, or a negative one when the
// error is final.
func (c *Client) accessToken(ctx context.Context) (string, time.Duration, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.out.Now()
	if c.token != "" && now.Before(c.expires) {
		return c.token, 0, nil
	}
	q := url.Values{"grant_type": {"account_credentials"}, "account_id": {c.account}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.oauthURL+"/oauth/token?"+q.Encode(), nil)
	if err != nil {
		return "", -1, err
	}
	req.Header.Set("Authorization", "Basic "+c.basic)
	status, raw, hdr, wait, err := c.do(req)
	if err != nil {
		return "", wait, err
	}
	if status != http.StatusOK {
		if w, err := c.transient(status, hdr); err != nil {
			return "", w, err
		}
		if status == http.StatusBadRequest || status == http.StatusUnauthorized || status == http.StatusForbidden {
			return "", -1, &bot.CallError{Reason: fmt.Sprintf("invalid app credentials (%d: %s)", status, oauthReason(raw))}
		}
		return "", -1, refusal(status, raw)
	}
	var t Token
	if err := json.Unmarshal(raw, &t); err != nil || t.AccessToken == "" {
		return "", -1, &bot.CallError{Reason: "its token answer could not be read"}
	}
	life := time.Duration(t.ExpiresIn) * time.Second
	if life <= 0 {
		life = time.Hour
	}
	c.token, c.expires = t.AccessToken, now.Add(life-min(tokenMargin, life/2))
	return c.token, 0, nil
}

// forget drops the cached token.
func (c *Client) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.token = ""
}

// do sends req and reads the answer; a transport error is retried after
// the backoff and never names the URL (the token request's holds the
// account ID).
func (c *Client) do(req *http.Request) (int, []byte, http.Header, time.Duration, error) {
	resp, err := c.out.HTTP.Do(req)
	if err != nil {
		if req.Context().Err() != nil {
			return 0, nil, nil, -1, req.Context().Err()
		}
		return 0, nil, nil, c.out.Backoff, outbound.WithoutURL(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, raw, resp.Header, 0, nil
}

// transient is the wait and error of a 429 or 5xx, which a retry may
// fix; a nil error for any other status.
func (c *Client) transient(status int, hdr http.Header) (time.Duration, error) {
	switch {
	case status == http.StatusTooManyRequests:
		return c.retryAfter(hdr.Get("Retry-After")), errRateLimited
	case status >= 500:
		return c.retryAfter(hdr.Get("Retry-After")), fmt.Errorf("%w (%d)", errUnavailable, status)
	}
	return 0, nil
}

// oauthReason is the OAuth server's reason, which never echoes the
// credentials ("Invalid client_id or client_secret").
func oauthReason(raw []byte) string {
	var a apiError
	_ = json.Unmarshal(raw, &a)
	r := strings.TrimSpace(a.Reason)
	if r == "" {
		r = strings.TrimSpace(a.Error)
	}
	if r == "" {
		r = "no reason given"
	}
	return bot.Truncate(r, 200)
}

// refusal is the final error of a 4xx answer, in words people may read
// after "Zoom refused it: ": Zoom's own code and message (they never echo
// a credential).
func refusal(status int, raw []byte) error {
	var a apiError
	_ = json.Unmarshal(raw, &a)
	msg := strings.TrimSpace(a.Message)
	if msg == "" {
		msg = http.StatusText(status)
	}
	if a.Code != 0 {
		msg = fmt.Sprintf("%s (code %d)", msg, a.Code)
	}
	return &bot.CallError{Reason: fmt.Sprintf("HTTP %d: %s", status, bot.Truncate(msg, 300))}
}

// retryAfter is the wait a Retry-After asks for (seconds), capped, or the
// backoff when it says nothing usable.
func (c *Client) retryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return min(time.Duration(n)*time.Second, maxRetryAfter)
	}
	return c.out.Backoff
}
