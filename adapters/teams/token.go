package teams

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
	"sync"
	"time"

	"github.com/warroomhq/warroom/adapters/internal/outbound"
)

// Scopes for Tokens.Token.
const (
	ScopeConnector = "https://api.botframework.com/.default"
	ScopeGraph     = "https://graph.microsoft.com/.default"
)

// DefaultLoginURL is the Microsoft identity platform (MICROSOFT_LOGIN_URL).
const DefaultLoginURL = "https://login.microsoftonline.com"

const (
	tokenEarly    = 2 * time.Minute // renew this long before a token expires
	maxTokenReply = 1 << 20
	// loginTimeout bounds a call to Microsoft's login or OpenID metadata
	// when Tokens or a Validator is built without an HTTP client (the
	// Adapter always gives them its own).
	loginTimeout = 10 * time.Second
)

// TokenOptions configures Tokens. AppID, AppPassword and TenantID are required.
type TokenOptions struct {
	AppID, AppPassword, TenantID string
	LoginURL                     string       // MICROSOFT_LOGIN_URL; default DefaultLoginURL
	HTTPClient                   *http.Client // default: a client with a loginTimeout
	Now                          func() time.Time
}

// Tokens gets OAuth client-credentials tokens for the bot's single-tenant
// app registration, from LoginURL/TenantID/oauth2/v2.0/token, one scope at a
// time (ScopeConnector for the Bot Connector, ScopeGraph for Microsoft
// Graph). A token is cached until shortly before it expires. Tokens is safe
// for concurrent use, and at most one request per scope is in flight.
type Tokens struct {
	appID, secret string
	tokenURL      string
	client        *http.Client
	now           func() time.Time

	mu     sync.Mutex
	scopes map[string]*scopeToken
}

// scopeToken is the cache of one scope. sem (capacity 1) is held while
// fetching, so that concurrent callers wait for one fetch and honour their
// contexts while they wait.
type scopeToken struct {
	sem     chan struct{}
	token   string // guarded by sem
	renewAt time.Time
}

// NewTokens returns Tokens for the app; it fetches nothing until asked.
func NewTokens(opts TokenOptions) (*Tokens, error) {
	switch {
	case strings.TrimSpace(opts.AppID) == "":
		return nil, errors.New("teams tokens: app ID is required")
	case opts.AppPassword == "":
		return nil, errors.New("teams tokens: app password is required")
	case !validTenant(opts.TenantID):
		return nil, fmt.Errorf("teams tokens: tenant ID %q is missing or not a tenant ID or domain", opts.TenantID)
	}
	login := opts.LoginURL
	if login == "" {
		login = DefaultLoginURL
	}
	if err := checkHTTPURL(login); err != nil {
		return nil, fmt.Errorf("teams tokens: login URL: %w", err)
	}
	out := outbound.Options{HTTP: opts.HTTPClient, Now: opts.Now}.WithDefaults(outbound.Defaults{Timeout: loginTimeout})
	return &Tokens{
		appID:    opts.AppID,
		secret:   opts.AppPassword,
		tokenURL: strings.TrimRight(login, "/") + "/" + opts.TenantID + "/oauth2/v2.0/token",
		client:   out.HTTP,
		now:      out.Now,
		scopes:   map[string]*scopeToken{},
	}, nil
}

var tenantRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]*$`)

func validTenant(s string) bool { return len(s) <= 256 && tenantRE.MatchString(s) }

// Token returns an access token for scope, from the cache when it has more
// than about two minutes left. Errors name the HTTP status and the OAuth
// error code (such as invalid_client), never the secret or a token.
func (t *Tokens) Token(ctx context.Context, scope string) (string, error) {
	if scope == "" {
		return "", errors.New("teams token: empty scope")
	}
	st := t.scope(scope)
	select {
	case st.sem <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("teams token for %s: %w", scope, ctx.Err())
	}
	defer func() { <-st.sem }()

	if st.token != "" && t.now().Before(st.renewAt) {
		return st.token, nil
	}
	tok, lifetime, err := t.fetch(ctx, scope)
	if err != nil {
		return "", fmt.Errorf("teams token for %s: %w", scope, err)
	}
	early := min(tokenEarly, lifetime/2)
	st.token, st.renewAt = tok, t.now().Add(lifetime-early)
	return tok, nil
}

func (t *Tokens) scope(scope string) *scopeToken {
	t.mu.Lock()
	defer t.mu.Unlock()
	st, ok := t.scopes[scope]
	if !ok {
		st = &scopeToken{sem: make(chan struct{}, 1)}
		t.scopes[scope] = st
	}
	return st
}

// tokenReply is the token endpoint's answer. Success:
// {"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0…"}
// Failure (HTTP 400/401): {"error":"invalid_client","error_description":
// "AADSTS7000215: Invalid client secret provided. …","error_codes":[7000215],…}
type tokenReply struct {
	AccessToken string          `json:"access_token"`
	TokenType   string          `json:"token_type"`
	ExpiresIn   json.RawMessage `json:"expires_in"` // a number (v2.0) or a string (v1.0)
	Error       string          `json:"error"`
	Description string          `json:"error_description"`
}

var aadstsRE = regexp.MustCompile(`AADSTS\d+`)

func (t *Tokens) fetch(ctx context.Context, scope string) (string, time.Duration, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {t.appID},
		"client_secret": {t.secret},
		"scope":         {scope},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		// *url.Error names the URL, which holds no secret: the form is the body.
		return "", 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenReply))
	if err != nil {
		return "", 0, fmt.Errorf("POST %s: HTTP %d: read: %w", t.tokenURL, resp.StatusCode, err)
	}
	var r tokenReply
	decodeErr := json.Unmarshal(body, &r)
	if resp.StatusCode != http.StatusOK || r.Error != "" {
		return "", 0, t.replyError(resp.StatusCode, r)
	}
	if decodeErr != nil {
		return "", 0, fmt.Errorf("POST %s: HTTP %d: undecodable reply", t.tokenURL, resp.StatusCode)
	}
	if r.AccessToken == "" {
		return "", 0, fmt.Errorf("POST %s: HTTP %d: reply has no access_token", t.tokenURL, resp.StatusCode)
	}
	if r.TokenType != "" && !strings.EqualFold(r.TokenType, "Bearer") {
		return "", 0, fmt.Errorf("POST %s: token type %q is not Bearer", t.tokenURL, clip(r.TokenType))
	}
	secs, err := strconv.ParseInt(strings.Trim(string(r.ExpiresIn), `"`), 10, 64)
	if err != nil || secs <= 0 {
		return "", 0, fmt.Errorf("POST %s: reply has no usable expires_in", t.tokenURL)
	}
	return r.AccessToken, time.Duration(secs) * time.Second, nil
}

// TokenError is a refusal by the token endpoint. Its text names the status,
// the OAuth error code and the AADSTS code only: error descriptions are free
// text and are kept out of errors and logs.
type TokenError struct {
	URL    string
	Status int    // HTTP status
	Code   string // OAuth "error", such as invalid_client or unauthorized_client
	AADSTS string // such as AADSTS7000215 (invalid secret), when the description has one
}

func (e *TokenError) Error() string {
	msg := fmt.Sprintf("POST %s: HTTP %d", e.URL, e.Status)
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.AADSTS != "" {
		msg += " (" + e.AADSTS + ")"
	}
	return msg
}

func (t *Tokens) replyError(status int, r tokenReply) error {
	return &TokenError{
		URL:    t.tokenURL,
		Status: status,
		Code:   clip(strings.ReplaceAll(r.Error, t.secret, "[redacted]")),
		AADSTS: aadstsRE.FindString(r.Description),
	}
}
