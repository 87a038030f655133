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
// time, with the timestamp within five minutes of now. It returns the
// verified MAC, the bytes the signature stands for. slack-go's
// SecretsVerifier has no injectable clock, so Slack's published example
// could not be tested through it.
//
// The version prefix is taken only as Slack sends it, "v0=" in lower case;
// the hex after it in any case, since hex.DecodeString reads both. So
// several spellings of the header carry one MAC: anything keyed on the
// signature (the replay guard) must key on the MAC, not on the header.
func verify(h http.Header, body []byte, secret string, now time.Time) ([]byte, error) {
	sig, ts := h.Get("X-Slack-Signature"), h.Get("X-Slack-Request-Timestamp")
	if sig == "" || ts == "" {
		return nil, errNoSignature
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, errBadTimestamp
	}
	if d := now.Sub(time.Unix(sec, 0)); d > maxSkew || d < -maxSkew {
		return nil, errStale
	}
	got, ok := strings.CutPrefix(sig, "v0=")
	if !ok {
		return nil, errBadSignature
	}
	gotMAC, err := hex.DecodeString(got)
	if err != nil {
		return nil, errBadSignature
	}
	if !hmac.Equal(gotMAC, sign(secret, ts, body)) {
		return nil, errBadSignature
	}
	return gotMAC, nil
}

// replayKey names a verified request for the replay guard: the MAC in
// lower-case hex, whichever case the header spelt it in.
func replayKey(mac []byte) string { return "slack-sig:" + hex.EncodeToString(mac) }

func sign(secret, ts string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return mac.Sum(nil)
}
