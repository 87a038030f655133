package teams

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
	"github.com/infracloudio/msbotbuilder-go/core"
	"github.com/infracloudio/msbotbuilder-go/schema"
	"github.com/stretchr/testify/require"
)

const (
	authAppID      = "6f1c0b4e-0000-4000-8000-00000000a11d"
	authServiceURL = "https://smba.trafficmanager.net/emea/"
)

// Test keys are generated once per test binary: RSA generation is slow.
var (
	authKeysOnce sync.Once
	authKeyMain  *rsa.PrivateKey // published as "kid-main", endorsed for msteams
	authKeyOther *rsa.PrivateKey // never published under its own kid
	authKeyWeb   *rsa.PrivateKey // published as "kid-web", endorsed for webchat only
)

func authKeys(t *testing.T) {
	t.Helper()
	authKeysOnce.Do(func() {
		gen := func() *rsa.PrivateKey {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			return k
		}
		authKeyMain, authKeyOther, authKeyWeb = gen(), gen(), gen()
	})
}

// authClock is a settable clock shared by the validator and the tests.
type authClock struct {
	mu sync.Mutex
	t  time.Time
}

func newAuthClock() *authClock {
	return &authClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *authClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *authClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// publishedKey is one entry of the fake JWKS document.
type publishedKey struct {
	kid          string
	key          *rsa.PrivateKey
	endorsements []string
	x5cOnly      bool // publish the certificate instead of n/e
}

// keyServer is a fake Bot Framework OpenID metadata and JWKS endpoint.
type keyServer struct {
	*httptest.Server
	metadataHits atomic.Int32
	jwksHits     atomic.Int32
	down         atomic.Bool // answer 503 to everything
	gate         chan struct{}

	mu   sync.Mutex
	keys []publishedKey
}

func newKeyServer(t *testing.T, keys ...publishedKey) *keyServer {
	t.Helper()
	authKeys(t)
	if len(keys) == 0 {
		keys = []publishedKey{
			{kid: "kid-main", key: authKeyMain, endorsements: []string{"msteams", "skype"}},
			{kid: "kid-web", key: authKeyWeb, endorsements: []string{"webchat"}},
		}
	}
	ks := &keyServer{keys: keys}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/.well-known/openidconfiguration", func(w http.ResponseWriter, r *http.Request) {
		ks.metadataHits.Add(1)
		if ks.gate != nil {
			<-ks.gate
		}
		if ks.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		writeJSON(w, map[string]any{
			"issuer":                                "https://api.botframework.com",
			"authorization_endpoint":                "https://invalid.botframework.com",
			"jwks_uri":                              ks.URL + "/v1/.well-known/keys",
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
		})
	})
	mux.HandleFunc("GET /v1/.well-known/keys", func(w http.ResponseWriter, r *http.Request) {
		ks.jwksHits.Add(1)
		if ks.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		ks.mu.Lock()
		defer ks.mu.Unlock()
		var out []map[string]any
		for _, k := range ks.keys {
			out = append(out, jwkJSON(t, k))
		}
		// A key of another type must be skipped, not break the set.
		out = append(out, map[string]any{"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"})
		writeJSON(w, map[string]any{"keys": out})
	})
	ks.Server = httptest.NewServer(mux)
	t.Cleanup(ks.Close)
	return ks
}

func (ks *keyServer) metadataURL() string { return ks.URL + "/v1/.well-known/openidconfiguration" }

func (ks *keyServer) publish(k publishedKey) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.keys = append(ks.keys, k)
}

func jwkJSON(t *testing.T, k publishedKey) map[string]any {
	pub := &k.key.PublicKey
	m := map[string]any{"kty": "RSA", "use": "sig", "kid": k.kid, "endorsements": k.endorsements}
	if !k.x5cOnly {
		m["n"] = base64.RawURLEncoding.EncodeToString(pub.N.Bytes())
		m["e"] = base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
		return m
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<33, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, k.key)
	if err != nil {
		panic(err)
	}
	m["x5c"] = []string{base64.StdEncoding.EncodeToString(der)}
	return m
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// validClaims are the claims the Bot Connector sends, valid at now.
func validClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"serviceurl": authServiceURL,
		"nbf":        now.Add(-time.Minute).Unix(),
		"exp":        now.Add(time.Hour).Unix(),
		"iss":        "https://api.botframework.com",
		"aud":        authAppID,
	}
}

// signToken signs claims with key under kid using method (RS256 when nil).
func signToken(t *testing.T, method jwt.SigningMethod, key any, kid any, claims jwt.MapClaims) string {
	t.Helper()
	if method == nil {
		method = jwt.SigningMethodRS256
	}
	tok := jwt.NewWithClaims(method, claims)
	if kid != nil {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

type authFixture struct {
	ks    *keyServer
	clock *authClock
	v     *Validator
}

func newAuthFixture(t *testing.T, refresh time.Duration, keys ...publishedKey) *authFixture {
	t.Helper()
	f := &authFixture{ks: newKeyServer(t, keys...), clock: newAuthClock()}
	v, err := NewValidator(ValidatorOptions{
		AppID:       authAppID,
		MetadataURL: f.ks.metadataURL(),
		Refresh:     refresh,
		Now:         f.clock.Now,
	})
	require.NoError(t, err)
	f.v = v
	return f
}

func (f *authFixture) token(t *testing.T, mutate func(jwt.MapClaims)) string {
	c := validClaims(f.clock.Now())
	if mutate != nil {
		mutate(c)
	}
	return signToken(t, nil, authKeyMain, "kid-main", c)
}

func TestValidatorCases(t *testing.T) {
	f := newAuthFixture(t, 0)
	now := f.clock.Now()
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(&authKeyMain.PublicKey))})
	with := func(k string, v any) func(jwt.MapClaims) { return func(c jwt.MapClaims) { c[k] = v } }
	without := func(k string) func(jwt.MapClaims) { return func(c jwt.MapClaims) { delete(c, k) } }
	bearer := func(s string) string { return "Bearer " + s }

	tests := []struct {
		name       string
		header     string
		serviceURL string // default authServiceURL
		channelID  string // default msteams
		want       error  // nil: accepted
	}{
		{name: "valid", header: bearer(f.token(t, nil))},
		{name: "lower-case scheme", header: "bearer " + f.token(t, nil)},
		{name: "audience array", header: bearer(f.token(t, with("aud", []string{"other", authAppID})))},
		{name: "serviceUrl spelling, case and trailing slash", header: bearer(f.token(t, func(c jwt.MapClaims) {
			delete(c, "serviceurl")
			c["serviceUrl"] = "HTTPS://smba.trafficmanager.net/EMEA"
		}))},
		{name: "expired within skew", header: bearer(f.token(t, with("exp", now.Add(-4*time.Minute).Unix())))},
		{name: "nbf within skew", header: bearer(f.token(t, with("nbf", now.Add(4*time.Minute).Unix())))},

		{name: "wrong audience", header: bearer(f.token(t, with("aud", "someone-else"))), want: ErrForbidden},
		{name: "audience array without us", header: bearer(f.token(t, with("aud", []string{"a", "b"}))), want: ErrForbidden},
		{name: "audience a number", header: bearer(f.token(t, with("aud", 42))), want: ErrForbidden},
		{name: "no audience", header: bearer(f.token(t, without("aud"))), want: ErrForbidden},
		{name: "wrong issuer", header: bearer(f.token(t, with("iss", "https://sts.windows.net/x/"))), want: ErrForbidden},
		{name: "issuer an object", header: bearer(f.token(t, with("iss", map[string]any{"a": 1}))), want: ErrForbidden},
		{name: "missing serviceurl", header: bearer(f.token(t, without("serviceurl"))), want: ErrForbidden},
		{name: "serviceurl a number", header: bearer(f.token(t, with("serviceurl", 7))), want: ErrForbidden},
		{name: "serviceurl mismatch", header: bearer(f.token(t, nil)), serviceURL: "https://evil.example.com/", want: ErrForbidden},
		{name: "empty activity serviceUrl", header: bearer(f.token(t, nil)), serviceURL: "-", want: ErrForbidden},
		{name: "channel not endorsed", header: bearer(f.token(t, nil)), channelID: "webchat", want: ErrForbidden},
		{name: "no channel", header: bearer(f.token(t, nil)), channelID: "-", want: ErrForbidden},
		{name: "key not endorsed for msteams", header: bearer(signToken(t, nil, authKeyWeb, "kid-web", validClaims(now))), want: ErrForbidden},

		{name: "expired beyond skew", header: bearer(f.token(t, with("exp", now.Add(-6*time.Minute).Unix()))), want: ErrBadToken},
		{name: "nbf in future", header: bearer(f.token(t, with("nbf", now.Add(6*time.Minute).Unix()))), want: ErrBadToken},
		{name: "no exp", header: bearer(f.token(t, without("exp"))), want: ErrBadToken},
		{name: "exp a string", header: bearer(f.token(t, with("exp", "tomorrow"))), want: ErrBadToken},
		{name: "bad signature (other key)", header: bearer(signToken(t, nil, authKeyOther, "kid-main", validClaims(now))), want: ErrBadToken},
		{name: "unknown kid", header: bearer(signToken(t, nil, authKeyOther, "kid-unknown", validClaims(now))), want: ErrBadToken},
		{name: "no kid", header: bearer(signToken(t, nil, authKeyMain, nil, validClaims(now))), want: ErrBadToken},
		{name: "kid a number", header: bearer(signToken(t, nil, authKeyMain, 12, validClaims(now))), want: ErrBadToken},
		{name: "alg none", header: bearer(signToken(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "kid-main", validClaims(now))), want: ErrBadToken},
		{name: "HS256 with the public key as secret", header: bearer(signToken(t, jwt.SigningMethodHS256, pubPEM, "kid-main", validClaims(now))), want: ErrBadToken},
		{name: "RS512", header: bearer(signToken(t, jwt.SigningMethodRS512, authKeyMain, "kid-main", validClaims(now))), want: ErrBadToken},
		{name: "PS256", header: bearer(signToken(t, jwt.SigningMethodPS256, authKeyMain, "kid-main", validClaims(now))), want: ErrBadToken},
		{name: "garbage token", header: "Bearer garbage", want: ErrBadToken},
		{name: "three garbage segments", header: "Bearer a.b.c", want: ErrBadToken},
		{name: "header not JSON", header: "Bearer " + b64("not json") + "." + b64("{}") + ".x", want: ErrBadToken},
		{name: "claims an array", header: "Bearer " + b64(`{"alg":"RS256","kid":"kid-main"}`) + "." + b64("[1,2]") + ".x", want: ErrBadToken},
		{name: "oversized token", header: "Bearer " + strings.Repeat("a", 20000), want: ErrBadToken},

		{name: "missing header", header: "", want: ErrMissingToken},
		{name: "Basic scheme", header: "Basic x", want: ErrMissingToken},
		{name: "Bearer without token", header: "Bearer   ", want: ErrMissingToken},
		{name: "token without scheme", header: f.token(t, nil), want: ErrMissingToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			serviceURL, channelID := tc.serviceURL, tc.channelID
			switch serviceURL {
			case "":
				serviceURL = authServiceURL
			case "-":
				serviceURL = ""
			}
			switch channelID {
			case "":
				channelID = "msteams"
			case "-":
				channelID = ""
			}
			claims, err := f.v.Validate(context.Background(), tc.header, serviceURL, channelID)
			if tc.want == nil {
				require.NoError(t, err)
				require.Equal(t, authAppID, claims.AppID)
				require.Equal(t, "https://api.botframework.com", claims.Issuer)
				require.Equal(t, "kid-main", claims.KeyID)
				require.True(t, sameServiceURL(claims.ServiceURL, authServiceURL))
				require.False(t, claims.ExpiresAt.IsZero())
				return
			}
			require.ErrorIs(t, err, tc.want)
			for _, other := range []error{ErrMissingToken, ErrBadToken, ErrForbidden, ErrKeysUnavailable} {
				if other != tc.want {
					require.NotErrorIs(t, err, other)
				}
			}
			require.Nil(t, claims)
			// The error never carries the token or its signature.
			tok := strings.TrimSpace(strings.TrimPrefix(tc.header, "Bearer"))
			if parts := strings.Split(tok, "."); len(parts) == 3 && len(parts[2]) > 8 {
				require.NotContains(t, err.Error(), parts[2])
				require.NotContains(t, err.Error(), parts[1])
			}
		})
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestValidatorX5cKey(t *testing.T) {
	authKeys(t)
	f := newAuthFixture(t, 0, publishedKey{kid: "kid-main", key: authKeyMain, endorsements: []string{"msteams"}, x5cOnly: true})
	_, err := f.v.Validate(context.Background(), "Bearer "+f.token(t, nil), authServiceURL, "msteams")
	require.NoError(t, err)
}

func TestValidatorCachesMetadata(t *testing.T) {
	f := newAuthFixture(t, 0)
	ctx := context.Background()
	for range 5 {
		_, err := f.v.Validate(ctx, "Bearer "+f.token(t, nil), authServiceURL, "msteams")
		require.NoError(t, err)
		f.clock.Advance(time.Hour)
	}
	require.EqualValues(t, 1, f.ks.metadataHits.Load())
	require.EqualValues(t, 1, f.ks.jwksHits.Load())

	// Past the default 24h refresh the keys are fetched again, once.
	f.clock.Advance(20 * time.Hour)
	for range 3 {
		_, err := f.v.Validate(ctx, "Bearer "+f.token(t, nil), authServiceURL, "msteams")
		require.NoError(t, err)
	}
	require.EqualValues(t, 2, f.ks.metadataHits.Load())
	require.EqualValues(t, 2, f.ks.jwksHits.Load())
}

func TestValidatorUnknownKidRefetchesOnce(t *testing.T) {
	f := newAuthFixture(t, 0)
	ctx := context.Background()
	_, err := f.v.Validate(ctx, "Bearer "+f.token(t, nil), authServiceURL, "msteams")
	require.NoError(t, err)
	require.EqualValues(t, 1, f.ks.jwksHits.Load())

	rotated := func() string { return signToken(t, nil, authKeyOther, "kid-new", validClaims(f.clock.Now())) }
	_, err = f.v.Validate(ctx, "Bearer "+rotated(), authServiceURL, "msteams")
	require.ErrorIs(t, err, ErrBadToken)
	require.EqualValues(t, 1, f.ks.jwksHits.Load(), "keys fetched just now are not fetched again")

	f.clock.Advance(61 * time.Second)
	_, err = f.v.Validate(ctx, "Bearer "+rotated(), authServiceURL, "msteams")
	require.ErrorIs(t, err, ErrBadToken)
	require.EqualValues(t, 2, f.ks.jwksHits.Load(), "an unknown kid refetches the keys")

	for range 5 {
		_, err = f.v.Validate(ctx, "Bearer "+rotated(), authServiceURL, "msteams")
		require.ErrorIs(t, err, ErrBadToken)
	}
	require.EqualValues(t, 2, f.ks.jwksHits.Load(), "refetches are limited to one a minute")

	// Microsoft rotates the keys; a minute later the new kid is picked up.
	f.ks.publish(publishedKey{kid: "kid-new", key: authKeyOther, endorsements: []string{"msteams"}})
	f.clock.Advance(61 * time.Second)
	claims, err := f.v.Validate(ctx, "Bearer "+rotated(), authServiceURL, "msteams")
	require.NoError(t, err)
	require.Equal(t, "kid-new", claims.KeyID)
	require.EqualValues(t, 3, f.ks.jwksHits.Load())
}

func TestValidatorKeepsKeysWhenMetadataDown(t *testing.T) {
	f := newAuthFixture(t, 0)
	ctx := context.Background()
	_, err := f.v.Validate(ctx, "Bearer "+f.token(t, nil), authServiceURL, "msteams")
	require.NoError(t, err)

	f.ks.down.Store(true)
	f.clock.Advance(25 * time.Hour) // cache stale: a refresh is attempted and fails
	for range 3 {
		_, err = f.v.Validate(ctx, "Bearer "+f.token(t, nil), authServiceURL, "msteams")
		require.NoError(t, err, "cached keys keep working")
	}
	require.EqualValues(t, 2, f.ks.metadataHits.Load(), "a failed refresh is retried at most once a minute")

	_, err = f.v.Validate(ctx, "Bearer "+signToken(t, nil, authKeyOther, "kid-x", validClaims(f.clock.Now())), authServiceURL, "msteams")
	require.ErrorIs(t, err, ErrBadToken)

	// Back up: the next refresh replaces the keys.
	f.ks.down.Store(false)
	f.clock.Advance(2 * time.Minute)
	_, err = f.v.Validate(ctx, "Bearer "+f.token(t, nil), authServiceURL, "msteams")
	require.NoError(t, err)
	require.EqualValues(t, 2, f.ks.jwksHits.Load())
}

func TestValidatorKeysUnavailable(t *testing.T) {
	f := newAuthFixture(t, 0)
	f.ks.down.Store(true)
	ctx := context.Background()
	for range 2 {
		_, err := f.v.Validate(ctx, "Bearer "+f.token(t, nil), authServiceURL, "msteams")
		require.ErrorIs(t, err, ErrKeysUnavailable)
		require.NotErrorIs(t, err, ErrBadToken)
	}
	require.EqualValues(t, 2, f.ks.metadataHits.Load(), "with nothing cached every request tries")

	f.ks.down.Store(false)
	_, err := f.v.Validate(ctx, "Bearer "+f.token(t, nil), authServiceURL, "msteams")
	require.NoError(t, err)
}

func TestValidatorBadDocuments(t *testing.T) {
	authKeys(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	tests := []struct {
		name     string
		metadata string
		jwks     string
	}{
		{name: "metadata not JSON", metadata: "<html>"},
		{name: "no jwks_uri", metadata: `{"issuer":"x"}`},
		{name: "jwks_uri relative", metadata: `{"jwks_uri":"/keys"}`},
		{name: "jwks not JSON", jwks: "nope"},
		{name: "no keys", jwks: `{"keys":[]}`},
		{name: "keys malformed", jwks: `{"keys":[{"kty":"RSA","kid":"kid-main","n":"!!","e":"AQAB"},{"kty":"RSA","kid":"k2","n":"AQAB","e":"AQAB"},{"kty":"RSA","kid":"k3","n":"AQAB","e":"AAAAAAAB"},{"kty":"RSA","kid":"k4","x5c":["bm90IGEgY2VydA=="]},{"kty":"RSA","kid":"k5"},{"kid":7},"str",null]}`},
		{name: "key too small", jwks: fmt.Sprintf(`{"keys":[%s]}`, must(json.Marshal(jwkJSON(t, publishedKey{kid: "kid-main", key: small, endorsements: []string{"msteams"}}))))},
		{name: "endorsements not strings", jwks: `{"keys":[{"kty":"RSA","kid":"kid-main","n":"AQAB","e":"AQAB","endorsements":[1]}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.URL.Path == "/meta" && tc.metadata != "":
					_, _ = w.Write([]byte(tc.metadata))
				case r.URL.Path == "/meta":
					writeJSON(w, map[string]any{"jwks_uri": srv.URL + "/keys"})
				default:
					_, _ = w.Write([]byte(tc.jwks))
				}
			}))
			defer srv.Close()
			clock := newAuthClock()
			v, err := NewValidator(ValidatorOptions{AppID: authAppID, MetadataURL: srv.URL + "/meta", Now: clock.Now})
			require.NoError(t, err)
			tok := signToken(t, nil, authKeyMain, "kid-main", validClaims(clock.Now()))
			_, err = v.Validate(context.Background(), "Bearer "+tok, authServiceURL, "msteams")
			require.ErrorIs(t, err, ErrKeysUnavailable)
		})
	}
}

func TestValidatorSharesOneFetch(t *testing.T) {
	f := newAuthFixture(t, 0)
	f.ks.gate = make(chan struct{})
	tok := "Bearer " + f.token(t, nil)

	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			_, err := f.v.Validate(context.Background(), tok, authServiceURL, "msteams")
			errs <- err
		})
	}
	// A caller that gives up while the fetch runs gets its context's error.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := f.v.Validate(ctx, tok, authServiceURL, "msteams")
	require.ErrorIs(t, err, context.DeadlineExceeded)

	close(f.ks.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.EqualValues(t, 1, f.ks.metadataHits.Load())
	require.EqualValues(t, 1, f.ks.jwksHits.Load())
}

func TestValidatorConcurrentRefresh(t *testing.T) {
	f := newAuthFixture(t, time.Minute)
	start := f.clock.Now()
	claims := validClaims(start)
	claims["exp"] = start.Add(10000 * time.Hour).Unix() // the clock races ahead
	good := "Bearer " + signToken(t, nil, authKeyMain, "kid-main", claims)
	unknown := "Bearer " + signToken(t, nil, authKeyOther, "kid-nope", claims)

	stop := make(chan struct{})
	var ticker sync.WaitGroup
	ticker.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				f.clock.Advance(61 * time.Second) // every tick makes the cache stale
			}
		}
	})

	var wg sync.WaitGroup
	var failures atomic.Int32
	for i := range 50 {
		wg.Go(func() {
			for j := range 40 {
				if (i+j)%10 == 0 {
					if _, err := f.v.Validate(context.Background(), unknown, authServiceURL, "msteams"); !errors.Is(err, ErrBadToken) {
						failures.Add(1)
					}
					continue
				}
				if _, err := f.v.Validate(context.Background(), good, authServiceURL, "msteams"); err != nil {
					failures.Add(1)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	ticker.Wait()
	require.Zero(t, failures.Load())
	require.Greater(t, f.ks.jwksHits.Load(), int32(1), "keys were refreshed while validating")
}

func TestAuthenticateRequestThroughBotFrameworkAdapter(t *testing.T) {
	f := newAuthFixture(t, 0)
	adapter := &core.BotFrameworkAdapter{
		AdapterSetting: core.AdapterSetting{AppID: authAppID},
		TokenValidator: f.v,
		Client:         nil,
	}
	activity := `{"type":"message","id":"1700000000000","channelId":"msteams","serviceUrl":"` + authServiceURL + `",` +
		`"from":{"id":"29:abc","name":"Alice"},"conversation":{"id":"19:x@thread.tacv2"},"recipient":{"id":"28:` + authAppID + `"},"text":"<at>Warroom</at> help"}`

	tests := []struct {
		name   string
		header string
		want   error
	}{
		{name: "valid token", header: "Bearer " + f.token(t, nil)},
		{name: "bad signature", header: "Bearer " + signToken(t, nil, authKeyOther, "kid-main", validClaims(f.clock.Now())), want: ErrBadToken},
		{name: "other service URL", header: "Bearer " + f.token(t, func(c jwt.MapClaims) { c["serviceurl"] = "https://evil.example/" }), want: ErrForbidden},
		{name: "aud array without serviceurl", header: "Bearer " + f.token(t, func(c jwt.MapClaims) {
			c["aud"] = []string{authAppID}
			delete(c, "serviceurl")
		}), want: ErrForbidden},
		{name: "Basic", header: "Basic Zm9vOmJhcg==", want: ErrMissingToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/teams/messages", strings.NewReader(activity))
			req.Header.Set("Authorization", tc.header)
			act, err := adapter.ParseRequest(context.Background(), req)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
				return
			}
			require.NoError(t, err)
			require.Equal(t, "1700000000000", act.ID)
			require.Equal(t, "msteams", act.ChannelID)
		})
	}
}

func TestIdentityNeverPanics(t *testing.T) {
	f := newAuthFixture(t, 0)
	tok := f.token(t, func(c jwt.MapClaims) { c["aud"] = []string{authAppID} })
	id, err := f.v.AuthenticateRequest(context.Background(),
		schema.Activity{ServiceURL: authServiceURL, ChannelID: "msteams"}, "Bearer "+tok, nil, "")
	require.NoError(t, err)
	require.True(t, id.IsAuthenticated())
	require.Equal(t, authServiceURL, id.GetClaimValue("serviceurl"))
	require.Equal(t, "", id.GetClaimValue("aud"), "an array claim is not a string")
	require.Equal(t, "", id.GetClaimValue("missing"))
	require.Equal(t, "kid-main", id.(Identity).Claims.KeyID)
}

func TestNewValidatorOptions(t *testing.T) {
	tests := []struct {
		name string
		opts ValidatorOptions
		ok   bool
	}{
		{name: "defaults", opts: ValidatorOptions{AppID: authAppID}, ok: true},
		{name: "no app ID", opts: ValidatorOptions{}},
		{name: "relative metadata URL", opts: ValidatorOptions{AppID: authAppID, MetadataURL: "/x"}},
		{name: "negative refresh", opts: ValidatorOptions{AppID: authAppID, Refresh: -time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := NewValidator(tc.opts)
			if !tc.ok {
				require.Error(t, err)
				require.Nil(t, v)
				return
			}
			require.NoError(t, err)
			require.Equal(t, DefaultMetadataURL, v.metadataURL)
			require.Equal(t, DefaultIssuer, v.issuer)
			require.Equal(t, 24*time.Hour, v.refresh)
			require.Equal(t, 10*time.Second, v.client.Timeout)
		})
	}
}

// clip keeps quoted attacker text to 100 bytes and never splits a
// character, so a log line or error stays valid UTF-8.
func TestClipQuotedText(t *testing.T) {
	require.Equal(t, "kid-1", clip("kid-1"))
	ascii := strings.Repeat("a", 150)
	require.Equal(t, strings.Repeat("a", 100)+"…", clip(ascii))
	ja := strings.Repeat("鍵", 50) // 150 bytes; 100 is not a rune boundary
	got := clip(ja)
	require.Equal(t, strings.Repeat("鍵", 33)+"…", got)
	require.True(t, utf8.ValidString(got))
}
