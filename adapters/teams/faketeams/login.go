package faketeams

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"
)

// The scopes a client-credentials token can be asked for.
const (
	// ConnectorScope gets a token for the Bot Connector.
	ConnectorScope = "https://api.botframework.com/.default"
	// GraphScope gets a token for Microsoft Graph.
	GraphScope = "https://graph.microsoft.com/.default"
)

// TokenLifetime is the expires_in the token endpoint answers, as Entra ID
// does for app-only tokens (3599 s).
const TokenLifetime = 3599 * time.Second

// accessToken is an issued bearer token.
type accessToken struct {
	resource string // "connector" or "graph"
	expires  time.Time
}

// ExpireTokens makes every access token issued so far expired: the Bot
// Connector and Graph then refuse them with 401, as they refuse a token past
// its exp, until the client fetches a new one.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tok := range s.tokens {
		tok.expires = time.Now().Add(-time.Second)
	}
}

// IssuedTokens counts the access tokens issued so far for resource
// ("connector" or "graph"), to check that a client caches them.
func (s *Server) IssuedTokens(resource string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, tok := range s.tokens {
		if tok.resource == resource {
			n++
		}
	}
	return n
}

// resourceOfLocked reports what the request's bearer token is good for, and
// why it is not good at all ("" reason when it is valid).
func (s *Server) resourceOfLocked(r *http.Request) (resource, reason string) {
	h := r.Header.Get("Authorization")
	scheme, tok, found := strings.Cut(h, " ")
	if h == "" || !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", "missing"
	}
	at, known := s.tokens[strings.TrimSpace(tok)]
	if !known {
		return "", "unknown"
	}
	if time.Now().After(at.expires) {
		return at.resource, "expired"
	}
	return at.resource, ""
}

// serveToken answers POST {LoginURL}/{tenant}/oauth2/v2.0/token, the Entra ID
// v2 client-credentials grant.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	form := map[string]any{}
	a := s.token(r, form)
	s.record(w, r, "login", form, "", a)
}

func (s *Server) token(r *http.Request, form map[string]any) answer {
	tenant := r.PathValue("tenant")
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/x-www-form-urlencoded" {
		if err := r.ParseForm(); err != nil {
			return aadError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
		}
	}
	for k := range r.PostForm {
		form[k] = r.PostForm.Get(k)
	}
	clientID, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if u, p, basic := r.BasicAuth(); basic {
		clientID, secret = u, p
	}
	scope := r.PostForm.Get("scope")

	switch {
	case tenant == "botframework.com" || tenant == "common" || tenant == "organizations":
		// A single-tenant app does not exist in the Bot Framework's tenant;
		// this is what msbotbuilder-go's hard-coded URL gets today.
		return aadError(400, "unauthorized_client", 700016, fmt.Sprintf(
			"Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", clientID, tenant))
	case tenant != TenantID:
		return aadError(400, "invalid_request", 90002, fmt.Sprintf(
			"Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant))
	case r.PostForm.Get("grant_type") == "":
		return aadError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
	case r.PostForm.Get("grant_type") != "client_credentials":
		return aadError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '"+r.PostForm.Get("grant_type")+"'.")
	case clientID == "":
		return aadError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
	case clientID != AppID:
		return aadError(400, "unauthorized_client", 700016, fmt.Sprintf(
			"Application with identifier '%s' was not found in the directory '%s'.", clientID, TenantID))
	case secret == "":
		return aadError(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	case secret != AppPassword:
		return aadError(401, "invalid_client", 7000215, fmt.Sprintf(
			"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", AppID))
	case scope == "":
		return aadError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.")
	case !strings.HasSuffix(scope, "/.default") || strings.Contains(scope, " "):
		return aadError(400, "invalid_scope", 1002012, fmt.Sprintf(
			"The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", scope))
	}
	var resource string
	switch scope {
	case ConnectorScope:
		resource = "connector"
	case GraphScope:
		resource = "graph"
	default:
		return aadError(400, "invalid_resource", 500011, fmt.Sprintf(
			"The resource principal named %s was not found in the tenant named %s.", strings.TrimSuffix(scope, "/.default"), TenantID))
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.takeFaultLocked("login"); f != nil {
		return faultAnswer(f, "login")
	}
	tok := resource + "." + randomString(48)
	s.tokens[tok] = &accessToken{resource: resource, expires: time.Now().Add(TokenLifetime)}
	return ok(200, map[string]any{
		"token_type":     "Bearer",
		"expires_in":     int(TokenLifetime.Seconds()),
		"ext_expires_in": int(TokenLifetime.Seconds()),
		"access_token":   tok,
	})
}

// aadError is an Entra ID OAuth error answer.
func aadError(status int, code string, aadsts int, msg string) answer {
	now := time.Now().UTC()
	trace := newGUID()
	return answer{status: status, code: code, body: map[string]any{
		"error": code,
		"error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s",
			aadsts, msg, trace, newGUID(), now.Format("2006-01-02 15:04:05Z")),
		"error_codes":    []int{aadsts},
		"timestamp":      now.Format("2006-01-02 15:04:05Z"),
		"trace_id":       trace,
		"correlation_id": newGUID(),
		"error_uri":      fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", aadsts),
	}}
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

func newGUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
