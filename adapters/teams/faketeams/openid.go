package faketeams

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Issuer is the iss of tokens the Bot Connector sends to bots.
const Issuer = "https://api.botframework.com"

// signingKey is an RSA key with its self-signed certificate, as the Bot
// Framework publishes them (kid, x5t, n, e, x5c, endorsements).
type signingKey struct {
	kid          string
	priv         *rsa.PrivateKey
	certDER      []byte
	endorsements []string
}

func (k *signingKey) jwk() map[string]any {
	thumb := sha1.Sum(k.certDER)
	return map[string]any{
		"kty":          "RSA",
		"use":          "sig",
		"kid":          k.kid,
		"x5t":          base64.RawURLEncoding.EncodeToString(thumb[:]),
		"n":            base64.RawURLEncoding.EncodeToString(k.priv.N.Bytes()),
		"e":            base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.priv.E)).Bytes()),
		"x5c":          []string{base64.StdEncoding.EncodeToString(k.certDER)},
		"endorsements": k.endorsements,
	}
}

func newSigningKey(endorsements ...string) *signingKey {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("faketeams: generate RSA key: " + err.Error())
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "api.botframework.com"},
		NotBefore:    time.Now().Add(-24 * time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		panic("faketeams: self-sign certificate: " + err.Error())
	}
	thumb := sha1.Sum(der)
	return &signingKey{kid: base64.RawURLEncoding.EncodeToString(thumb[:]), priv: priv, certDER: der, endorsements: endorsements}
}

// Keys are expensive to make, and immutable, so every Server of the test
// binary starts with the same three.
var baseKeys = sync.OnceValue(func() [3]*signingKey {
	return [3]*signingKey{
		newSigningKey("msteams", "skype", "webchat", "directline", "emulator"), // current
		newSigningKey("webchat", "directline"),                                 // published, not for Teams
		newSigningKey("msteams"),                                               // never published
	}
})

// keySet is what the fake publishes and signs with.
type keySet struct {
	current    *signingKey
	unendorsed *signingKey
	unknown    *signingKey
	published  []*signingKey
}

func newKeySet() *keySet {
	k := baseKeys()
	return &keySet{current: k[0], unendorsed: k[1], unknown: k[2], published: []*signingKey{k[0], k[1]}}
}

// RotateKey publishes a new Teams-endorsed key, signs later tokens with it
// and stops publishing the previous one, as the Bot Framework rotates its
// keys. A validator that cached the old key set must fetch the keys again
// when it meets the new kid.
func (s *Server) RotateKey() {
	k := newSigningKey("msteams", "skype", "webchat", "directline", "emulator")
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.keys.current
	s.keys.current = k
	pub := []*signingKey{k}
	for _, p := range s.keys.published {
		if p != old {
			pub = append(pub, p)
		}
	}
	s.keys.published = pub
}

// serveMetadata answers the OpenID metadata document, as at
// https://login.botframework.com/v1/.well-known/openidconfiguration.
func (s *Server) serveMetadata(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f := s.takeFaultLocked("openid.metadata")
	s.mu.Unlock()
	a := ok(200, map[string]any{
		"issuer":                                Issuer,
		"authorization_endpoint":                "https://invalid.botframework.com",
		"jwks_uri":                              s.URL() + "/botframework/v1/.well-known/keys",
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
	})
	if f != nil {
		a = answer{status: f.status, retryAfter: f.retryAfter}
	}
	s.record(w, r, "openid.metadata", nil, "", a)
}

// serveKeys answers the JWKS the metadata points at.
func (s *Server) serveKeys(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f := s.takeFaultLocked("openid.keys")
	var keys []map[string]any
	for _, k := range s.keys.published {
		keys = append(keys, k.jwk())
	}
	s.mu.Unlock()
	a := ok(200, map[string]any{"keys": keys})
	if f != nil {
		a = answer{status: f.status, retryAfter: f.retryAfter}
	}
	s.record(w, r, "openid.keys", nil, "", a)
}

// TokenOption changes a token made by Token.
type TokenOption func(*tokenSpec)

type tokenSpec struct {
	claims jwt.MapClaims
	key    func(*keySet) *signingKey
	kid    *string
	method jwt.SigningMethod
}

// WithAudience sets aud (default AppID).
func WithAudience(aud string) TokenOption { return func(t *tokenSpec) { t.claims["aud"] = aud } }

// WithIssuer sets iss (default Issuer).
func WithIssuer(iss string) TokenOption { return func(t *tokenSpec) { t.claims["iss"] = iss } }

// WithExpiry sets exp (default an hour from now).
func WithExpiry(exp time.Time) TokenOption {
	return func(t *tokenSpec) { t.claims["exp"] = exp.Unix() }
}

// WithNotBefore sets nbf (default five minutes ago).
func WithNotBefore(nbf time.Time) TokenOption {
	return func(t *tokenSpec) { t.claims["nbf"] = nbf.Unix() }
}

// WithServiceURL sets the serviceurl claim (default ServiceURL()); "" leaves
// the claim out, which makes msbotbuilder-go's validator panic.
func WithServiceURL(u string) TokenOption {
	return func(t *tokenSpec) {
		if u == "" {
			delete(t.claims, "serviceurl")
			return
		}
		t.claims["serviceurl"] = u
	}
}

// WithClaim sets any claim to v (an []string aud, say), or removes it when v
// is nil.
func WithClaim(name string, v any) TokenOption {
	return func(t *tokenSpec) {
		if v == nil {
			delete(t.claims, name)
			return
		}
		t.claims[name] = v
	}
}

// WithOtherKey signs with a key that is not published, keeping the kid of
// the current published key: the signature does not verify.
// Add WithKID to present an unknown kid as well.
func WithOtherKey() TokenOption {
	return func(t *tokenSpec) { t.key = func(k *keySet) *signingKey { return k.unknown } }
}

// WithUnendorsedKey signs with a published key whose endorsements lack
// "msteams" (and uses its kid): valid for other channels, not for Teams.
func WithUnendorsedKey() TokenOption {
	return func(t *tokenSpec) {
		t.key = func(k *keySet) *signingKey { return k.unendorsed }
	}
}

// WithKID sets the kid header; "" leaves it out.
func WithKID(kid string) TokenOption { return func(t *tokenSpec) { t.kid = &kid } }

// WithSigningMethod signs with m instead of RS256 (jwt.SigningMethodNone with
// jwt.UnsafeAllowNoneSignatureType makes an unsigned token; HS256 uses the
// published key's modulus as the secret, the classic algorithm-confusion
// attack).
func WithSigningMethod(m jwt.SigningMethod) TokenOption {
	return func(t *tokenSpec) { t.method = m }
}

// Token returns a bearer token as the Bot Connector signs them for requests
// to the bot: RS256 with the current published key (its kid in the header),
// claims iss Issuer, aud AppID, serviceurl ServiceURL(), nbf five minutes ago
// and exp in an hour. Options make the bad tokens a validator must refuse.
func (s *Server) Token(opts ...TokenOption) string {
	s.t.Helper()
	now := time.Now()
	spec := &tokenSpec{
		claims: jwt.MapClaims{
			"iss":        Issuer,
			"aud":        AppID,
			"serviceurl": s.ServiceURL(),
			"nbf":        now.Add(-5 * time.Minute).Unix(),
			"exp":        now.Add(time.Hour).Unix(),
		},
		key:    func(k *keySet) *signingKey { return k.current },
		method: jwt.SigningMethodRS256,
	}
	for _, o := range opts {
		o(spec)
	}
	s.mu.Lock()
	key, current, unknown := spec.key(s.keys), s.keys.current, s.keys.unknown
	s.mu.Unlock()

	tok := jwt.NewWithClaims(spec.method, spec.claims)
	kid := key.kid
	if key == unknown {
		kid = current.kid // a forged signature under a kid the bot trusts
	}
	if spec.kid != nil {
		kid = *spec.kid
	}
	if kid != "" {
		tok.Header["kid"] = kid
	}
	var signKey any = key.priv
	switch spec.method.Alg() {
	case "none":
		signKey = jwt.UnsafeAllowNoneSignatureType
	case "HS256", "HS384", "HS512":
		signKey = current.priv.N.Bytes()
	}
	signed, err := tok.SignedString(signKey)
	if err != nil {
		s.t.Fatalf("faketeams: sign token: %v", err)
	}
	return signed
}
