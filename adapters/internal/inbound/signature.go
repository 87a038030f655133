package inbound

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/warroomhq/warroom/internal/httpx"
)

// Refusals every integration's webhook answers with besides its
// signature's; none carries a secret or the body.
var (
	ErrMalformedWebhook = &httpx.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: "malformed webhook payload"}
	ErrStaleWebhook     = &httpx.Error{Status: http.StatusForbidden, Code: "forbidden", Msg: "delivery is too old (replayed?)"}
)

// Signature is how an integration signs its webhook deliveries: in
// Header, "<Scheme>=<hex HMAC-SHA256 of the raw body>", one value or
// several separated by commas while a secret is rotated (PagerDuty's
// "v1=…,v1=…"; GitHub's and Jira's single "sha256=…"). A delivery is
// authentic when any value of the scheme matches; values of other schemes
// (the scheme's name compared exactly, as the senders write it) are
// skipped.
type Signature struct {
	Header, Scheme string
	// Missing, Malformed and Wrong are the refusals of a delivery without
	// the header (401), with an unreadable one (400) and with none that
	// matches (403).
	Missing, Malformed, Wrong *httpx.Error
}

// NewSignature is the signature scheme of header.
func NewSignature(header, scheme string) Signature {
	return Signature{
		Header: header, Scheme: scheme,
		Missing:   &httpx.Error{Status: http.StatusUnauthorized, Code: "unauthorized", Msg: "missing " + header + " header"},
		Malformed: &httpx.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: "malformed " + header + " header"},
		Wrong:     &httpx.Error{Status: http.StatusForbidden, Code: "forbidden", Msg: "no valid signature"},
	}
}

// DeliveryID names a signed delivery by its body, for the router's
// de-duplication: a redelivery has the same body, and, unlike a delivery
// header the signature does not cover, the name cannot be changed to slip
// a captured delivery past it.
func DeliveryID(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:16])
}

func hmacSHA256(body []byte, secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

// Sign is the header value the sender puts on body under secret.
func (s Signature) Sign(body []byte, secret string) string {
	return s.Scheme + "=" + hex.EncodeToString(hmacSHA256(body, secret))
}

// Verify checks header against body under secret, every value in
// constant time (so the time taken does not tell which matched): nil, or
// Missing, Malformed or Wrong.
func (s Signature) Verify(body []byte, header, secret string) error {
	header = strings.TrimSpace(header)
	if header == "" {
		return s.Missing
	}
	want := hmacSHA256(body, secret)
	seen, ok := 0, false
	for _, part := range strings.Split(header, ",") {
		scheme, value, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found {
			return s.Malformed
		}
		if scheme != s.Scheme {
			continue
		}
		got, err := hex.DecodeString(value)
		if err != nil || len(got) != sha256.Size {
			return s.Malformed
		}
		seen++
		if hmac.Equal(got, want) {
			ok = true
		}
	}
	switch {
	case seen == 0:
		return s.Malformed
	case !ok:
		return s.Wrong
	}
	return nil
}
