package teams

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/infracloudio/msbotbuilder-go/connector/auth"
	"github.com/infracloudio/msbotbuilder-go/schema"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/internal/outbound"
	"github.com/warroomhq/warroom/bot"
)

// Defaults for ValidatorOptions.
const (
	DefaultMetadataURL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
	DefaultIssuer      = "https://api.botframework.com"
)

// Errors returned by Validator.Validate. Wrapped errors add detail but never
// the token itself.
var (
	// ErrMissingToken means there was no usable "Bearer <jwt>" header: answer 401.
	ErrMissingToken = errors.New("teams auth: missing bearer token")
	// ErrBadToken means the token is malformed, expired, not yet valid, signed
	// with an unknown key or a disallowed algorithm, or its signature does not
	// verify: answer 401.
	ErrBadToken = errors.New("teams auth: invalid token")
	// ErrForbidden means the signature is good but the token is not for this
	// bot or this activity (issuer, audience, serviceUrl, endorsement): answer 403.
	ErrForbidden = errors.New("teams auth: token not accepted for this bot or activity")
	// ErrKeysUnavailable means no signing keys could be fetched yet, so no
	// token can be checked: answer 503 so that the Bot Connector retries.
	ErrKeysUnavailable = errors.New("teams auth: signing keys unavailable")
)

const (
	clockSkew       = 5 * time.Minute
	minRefetch      = time.Minute // at most one refetch a minute, unless nothing is cached
	fetchTimeout    = 30 * time.Second
	maxDocumentSize = 1 << 20
	maxTokenSize    = 16 << 10
	minRSABits      = 2048
	signingAlg      = "RS256"
)

// ValidatorOptions configures a Validator. Only AppID is required.
type ValidatorOptions struct {
	AppID       string        // MICROSOFT_APP_ID: the audience tokens must carry
	MetadataURL string        // OpenID metadata; default DefaultMetadataURL
	Issuer      string        // default DefaultIssuer
	HTTPClient  *http.Client  // default: a client with a loginTimeout
	Refresh     time.Duration // how long metadata and keys are cached; default 24h
	Now         func() time.Time
	Log         *zap.Logger
}

// Validator checks the Authorization header of inbound Bot Framework
// requests. It implements msbotbuilder-go's auth.TokenValidator, so it can be
// injected into core.BotFrameworkAdapter, and can be used directly through
// Validate. It is safe for concurrent use.
//
// Signing keys come from the jwks_uri of the OpenID metadata and are cached
// for Refresh. A stale cache is refetched by one caller while the others wait;
// a token naming an unknown key triggers one refetch (at most once a minute).
// When a refetch fails the old keys keep being used.
type Validator struct {
	appID       string
	metadataURL string
	issuer      string
	client      *http.Client
	refresh     time.Duration
	now         func() time.Time
	log         *zap.Logger
	parser      *jwt.Parser

	mu       sync.RWMutex
	keys     *keySet    // nil until the first successful fetch
	lastTry  time.Time  // start of the last fetch, for rate limiting
	inflight *fetchCall // the running fetch, shared by concurrent callers
}

var _ auth.TokenValidator = (*Validator)(nil)

// Claims are the checked claims of an accepted token.
type Claims struct {
	Issuer     string
	AppID      string // the audience that matched ValidatorOptions.AppID
	ServiceURL string
	KeyID      string
	ExpiresAt  time.Time
	Raw        map[string]any // every claim as decoded from the token
}

// keySet is one fetch of the metadata and its keys; it is never modified.
type keySet struct {
	keys    map[string]signingKey
	algs    []string // id_token_signing_alg_values_supported; empty = not stated
	fetched time.Time
}

type signingKey struct {
	pub          *rsa.PublicKey
	endorsements []string
}

type fetchCall struct {
	done chan struct{}
	err  error
}

// NewValidator returns a Validator for the bot with opts.AppID. It fetches
// nothing until the first token arrives.
func NewValidator(opts ValidatorOptions) (*Validator, error) {
	if strings.TrimSpace(opts.AppID) == "" {
		return nil, errors.New("teams validator: app ID is required")
	}
	out := outbound.Options{HTTP: opts.HTTPClient, Now: opts.Now, Log: opts.Log}.WithDefaults(outbound.Defaults{Timeout: loginTimeout})
	v := &Validator{
		appID:       opts.AppID,
		metadataURL: opts.MetadataURL,
		issuer:      opts.Issuer,
		client:      out.HTTP,
		refresh:     opts.Refresh,
		now:         out.Now,
		log:         out.Log.Named("auth"),
	}
	if v.metadataURL == "" {
		v.metadataURL = DefaultMetadataURL
	}
	if err := checkHTTPURL(v.metadataURL); err != nil {
		return nil, fmt.Errorf("teams validator: metadata URL: %w", err)
	}
	if v.issuer == "" {
		v.issuer = DefaultIssuer
	}
	if v.refresh < 0 {
		return nil, fmt.Errorf("teams validator: negative refresh %s", v.refresh)
	}
	if v.refresh == 0 {
		v.refresh = 24 * time.Hour
	}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{signingAlg}),
		jwt.WithLeeway(clockSkew),
		jwt.WithTimeFunc(func() time.Time { return v.now() }),
		jwt.WithExpirationRequired(),
	)
	return v, nil
}

// Validate returns the token's claims when authHeader ("Bearer <jwt>") is
// valid for an activity with serviceURL and channelID (Teams: "msteams"):
// an RS256 signature by a key from the metadata's jwks_uri whose endorsements
// include channelID, iss equal to the issuer, aud equal to the App ID (a string
// or an array), exp and nbf within 5 minutes of skew, and a "serviceurl" (or
// "serviceUrl") claim equal to serviceURL, compared without case and ignoring a
// trailing slash.
//
// Errors wrap ErrMissingToken, ErrBadToken, ErrForbidden or
// ErrKeysUnavailable (or the context's error) and never contain the token.
func (v *Validator) Validate(ctx context.Context, authHeader, serviceURL, channelID string) (*Claims, error) {
	raw, err := bearerToken(authHeader)
	if err != nil {
		return nil, err
	}

	var key signingKey
	var kid string
	keyfunc := func(t *jwt.Token) (any, error) {
		kid, _ = t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("token header has no kid")
		}
		k, err := v.key(ctx, kid, t.Method.Alg())
		if err != nil {
			return nil, err
		}
		key = k
		return k.pub, nil
	}
	tok, err := v.parser.Parse(raw, keyfunc)
	if err != nil {
		switch {
		case errors.Is(err, ErrKeysUnavailable):
			return nil, ErrKeysUnavailable
		case ctx.Err() != nil:
			return nil, fmt.Errorf("teams auth: %w", ctx.Err())
		}
		return nil, fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	mc, ok := tok.Claims.(jwt.MapClaims)
	if !ok || !tok.Valid {
		return nil, fmt.Errorf("%w: unexpected claims", ErrBadToken)
	}
	return v.checkClaims(mc, key, kid, serviceURL, channelID)
}

// checkClaims applies the checks that make a correctly signed token
// forbidden rather than invalid.
func (v *Validator) checkClaims(mc jwt.MapClaims, key signingKey, kid, serviceURL, channelID string) (*Claims, error) {
	iss, _ := mc["iss"].(string)
	if iss != v.issuer {
		return nil, fmt.Errorf("%w: issuer %q is not %q", ErrForbidden, clip(iss), v.issuer)
	}
	aud, err := mc.GetAudience()
	if err != nil || !slices.Contains([]string(aud), v.appID) {
		return nil, fmt.Errorf("%w: audience is not this bot's app ID", ErrForbidden)
	}
	if channelID == "" || !slices.Contains(key.endorsements, channelID) {
		return nil, fmt.Errorf("%w: signing key is not endorsed for channel %q", ErrForbidden, clip(channelID))
	}
	claimURL, ok := mc["serviceurl"].(string)
	if !ok {
		claimURL, _ = mc["serviceUrl"].(string)
	}
	if claimURL == "" {
		return nil, fmt.Errorf("%w: token has no serviceurl claim", ErrForbidden)
	}
	if !sameServiceURL(claimURL, serviceURL) {
		return nil, fmt.Errorf("%w: serviceurl claim %q does not match the activity's %q", ErrForbidden, clip(claimURL), clip(serviceURL))
	}
	c := &Claims{
		Issuer:     iss,
		AppID:      v.appID,
		ServiceURL: claimURL,
		KeyID:      kid,
		Raw:        mc,
	}
	if exp, err := mc.GetExpirationTime(); err == nil && exp != nil {
		c.ExpiresAt = exp.Time
	}
	return c, nil
}

// AuthenticateRequest adapts Validate to msbotbuilder-go's auth.TokenValidator.
// The credentials and channel service are ignored: the Validator's own
// options decide. On success the identity is an Identity, whose
// GetClaimValue cannot panic (the library's DefaultClaimIdentity does on a
// missing or non-string claim).
func (v *Validator) AuthenticateRequest(ctx context.Context, activity schema.Activity, authHeader string, _ auth.CredentialProvider, _ string) (auth.ClaimsIdentity, error) {
	c, err := v.Validate(ctx, authHeader, activity.ServiceURL, activity.ChannelID)
	if err != nil {
		return nil, err
	}
	return Identity{Claims: *c}, nil
}

// Identity is the auth.ClaimsIdentity of an accepted token.
type Identity struct {
	Claims Claims
}

var _ auth.ClaimsIdentity = Identity{}

// GetClaimValue returns the claim's value when it is a string, else "".
func (id Identity) GetClaimValue(name string) string {
	s, _ := id.Claims.Raw[name].(string)
	return s
}

// IsAuthenticated reports true: an Identity exists only for accepted tokens.
func (id Identity) IsAuthenticated() bool { return true }

// bearerToken extracts the JWT from an Authorization header value.
func bearerToken(header string) (string, error) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", ErrMissingToken
	}
	tok = strings.TrimSpace(tok)
	switch {
	case tok == "":
		return "", ErrMissingToken
	case len(tok) > maxTokenSize:
		return "", fmt.Errorf("%w: token longer than %d bytes", ErrBadToken, maxTokenSize)
	}
	return tok, nil
}

func sameServiceURL(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(b, "/"))
}

// clip bounds attacker-supplied text quoted in errors and logs to 100
// bytes (and the ellipsis), cut on a rune boundary.
func clip(s string) string {
	if cut := bot.CutBytes(s, 100); cut != s {
		return cut + bot.Ellipsis
	}
	return s
}

// key returns the signing key kid for a token signed with alg, fetching the
// metadata when nothing is cached, the cache is stale, or kid is unknown.
func (v *Validator) key(ctx context.Context, kid, alg string) (signingKey, error) {
	set := v.cachedKeys()
	if set == nil || v.now().Sub(set.fetched) >= v.refresh {
		var err error
		if set, err = v.refetch(ctx, set == nil); set == nil {
			if ctx.Err() != nil {
				return signingKey{}, ctx.Err()
			}
			return signingKey{}, fmt.Errorf("%w: %v", ErrKeysUnavailable, err)
		}
	}
	k, ok := set.keys[kid]
	if !ok {
		// Keys rotate: a new kid may be published before our cache expires.
		set, _ = v.refetch(ctx, false)
		if set != nil {
			k, ok = set.keys[kid]
		}
	}
	if !ok {
		return signingKey{}, fmt.Errorf("unknown signing key %q", clip(kid))
	}
	if len(set.algs) > 0 && !slices.Contains(set.algs, alg) {
		return signingKey{}, fmt.Errorf("algorithm %q is not in the metadata's list", clip(alg))
	}
	return k, nil
}

func (v *Validator) cachedKeys() *keySet {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.keys
}

// refetch fetches the metadata and keys unless a fetch started less than a
// minute ago (always when force). Concurrent callers share one fetch. It
// returns the key set to use, which is the old one when fetching fails or is
// skipped, and nil only when there has never been a successful fetch.
func (v *Validator) refetch(ctx context.Context, force bool) (*keySet, error) {
	v.mu.Lock()
	call := v.inflight
	if call == nil {
		if !force && v.now().Sub(v.lastTry) < minRefetch {
			set := v.keys
			v.mu.Unlock()
			return set, nil
		}
		call = &fetchCall{done: make(chan struct{})}
		v.inflight = call
		v.lastTry = v.now()
		// The fetch outlives a caller that gives up: others may be waiting.
		go v.runFetch(context.WithoutCancel(ctx), call)
	}
	v.mu.Unlock()

	select {
	case <-call.done:
		return v.cachedKeys(), call.err
	case <-ctx.Done():
		return v.cachedKeys(), ctx.Err()
	}
}

func (v *Validator) runFetch(ctx context.Context, call *fetchCall) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	set, err := v.fetchKeys(ctx)

	v.mu.Lock()
	if err == nil {
		v.keys = set
	}
	haveOld := v.keys != nil
	v.inflight = nil
	v.mu.Unlock()

	call.err = err
	close(call.done)

	switch {
	case err != nil && haveOld:
		v.log.Warn("refresh of Bot Framework signing keys failed; keeping the cached keys", zap.Error(err))
	case err != nil:
		v.log.Error("fetch of Bot Framework signing keys failed", zap.Error(err))
	default:
		v.log.Info("fetched Bot Framework signing keys", zap.Int("keys", len(set.keys)))
	}
}

// openIDMetadata is the part of the OpenID configuration document we use.
// Example: {"issuer":"https://api.botframework.com",
// "jwks_uri":"https://login.botframework.com/v1/.well-known/keys",
// "id_token_signing_alg_values_supported":["RS256"], ...}
type openIDMetadata struct {
	JWKSURI string   `json:"jwks_uri"`
	Algs    []string `json:"id_token_signing_alg_values_supported"`
}

// jwk is one key of a JWKS document. Example:
// {"kty":"RSA","use":"sig","kid":"abc","n":"0vx7…","e":"AQAB",
// "x5c":["MIIDB…"],"endorsements":["msteams","webchat"]}
type jwk struct {
	Kty          string   `json:"kty"`
	Use          string   `json:"use"`
	Kid          string   `json:"kid"`
	N            string   `json:"n"`
	E            string   `json:"e"`
	X5c          []string `json:"x5c"`
	Endorsements []string `json:"endorsements"`
}

func (v *Validator) fetchKeys(ctx context.Context) (*keySet, error) {
	var md openIDMetadata
	if err := v.getJSON(ctx, v.metadataURL, &md); err != nil {
		return nil, fmt.Errorf("openid metadata: %w", err)
	}
	if err := checkHTTPURL(md.JWKSURI); err != nil {
		return nil, fmt.Errorf("openid metadata: jwks_uri: %w", err)
	}
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := v.getJSON(ctx, md.JWKSURI, &doc); err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	set := &keySet{keys: make(map[string]signingKey, len(doc.Keys)), algs: md.Algs, fetched: v.now()}
	for i, raw := range doc.Keys {
		var k jwk
		if err := json.Unmarshal(raw, &k); err != nil {
			v.log.Warn("skipping undecodable signing key", zap.Int("index", i), zap.Error(err))
			continue
		}
		if k.Kty != "RSA" || k.Kid == "" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		pub, err := k.rsaKey()
		if err != nil {
			v.log.Warn("skipping signing key", zap.String("kid", clip(k.Kid)), zap.Error(err))
			continue
		}
		set.keys[k.Kid] = signingKey{pub: pub, endorsements: k.Endorsements}
	}
	if len(set.keys) == 0 {
		return nil, fmt.Errorf("signing keys: no usable RSA key among %d", len(doc.Keys))
	}
	return set, nil
}

func (v *Validator) getJSON(ctx context.Context, u string, dst any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := v.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDocumentSize))
		return fmt.Errorf("GET %s: HTTP %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxDocumentSize)).Decode(dst); err != nil {
		return fmt.Errorf("GET %s: decode: %w", u, err)
	}
	return nil
}

// rsaKey returns the key from n and e, or else from the first x5c certificate.
func (k jwk) rsaKey() (*rsa.PublicKey, error) {
	var pub *rsa.PublicKey
	switch {
	case k.N != "" && k.E != "":
		n, err := decodeB64URL(k.N)
		if err != nil {
			return nil, fmt.Errorf("modulus: %w", err)
		}
		e, err := decodeB64URL(k.E)
		if err != nil {
			return nil, fmt.Errorf("exponent: %w", err)
		}
		if len(e) == 0 || len(e) > 4 {
			return nil, errors.New("exponent out of range")
		}
		exp := new(big.Int).SetBytes(e).Int64()
		pub = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp)}
	case len(k.X5c) > 0:
		der, err := base64.StdEncoding.DecodeString(k.X5c[0])
		if err != nil {
			return nil, fmt.Errorf("x5c: %w", err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("x5c: %w", err)
		}
		p, ok := cert.PublicKey.(*rsa.PublicKey)
		if !ok {
			return nil, errors.New("x5c: not an RSA key")
		}
		pub = p
	default:
		return nil, errors.New("neither n/e nor x5c")
	}
	if pub.N.BitLen() < minRSABits {
		return nil, fmt.Errorf("modulus of %d bits is too small", pub.N.BitLen())
	}
	if pub.E < 3 || pub.E%2 == 0 {
		return nil, fmt.Errorf("bad exponent %d", pub.E)
	}
	return pub, nil
}

func decodeB64URL(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", clip(s))
	}
	return nil
}
