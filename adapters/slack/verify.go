package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Signature failures, one per check, so logs say which check failed. None
// of them carries the secret or the signature.
var (
	errNoSignature  = errors.New("missing X-Slack-Signature or X-Slack-Request-Timestamp")
	errBadTimestamp = errors.New("malformed X-Slack-Request-Timestamp")
	errStale        = errors.New("request timestamp outside the 5-minute window")
	errBadSignature = errors.New("signature mismatch")
)

// maxSkew is Slack's replay window, in both directions.
const maxSkew = 5 * time.Minute

// verify checks a request's v0 signature: HMAC-SHA256 over
// "v0:<timestamp>:<body>" with the signing secret, compared in constant
// time, with the timestamp within five minutes of now. slack-go's
// SecretsVerifier has no injectable clock, so Slack's published example
// could not be tested through it.
func verify(h http.Header, body []byte, secret string, now time.Time) error {
	sig, ts := h.Get("X-Slack-Signature"), h.Get("X-Slack-Request-Timestamp")
	if sig == "" || ts == "" {
		return errNoSignature
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errBadTimestamp
	}
	if d := now.Sub(time.Unix(sec, 0)); d > maxSkew || d < -maxSkew {
		return errStale
	}
	got, ok := strings.CutPrefix(sig, "v0=")
	if !ok {
		return errBadSignature
	}
	gotMAC, err := hex.DecodeString(got)
	if err != nil {
		return errBadSignature
	}
	if !hmac.Equal(gotMAC, sign(secret, ts, body)) {
		return errBadSignature
	}
	return nil
}

func sign(secret, ts string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return mac.Sum(nil)
}
