package fakeslack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"
)

// SigningSecret is the signing secret of Slack's published example (the
// request-verification docs), to sign requests an adapter under test checks.
const SigningSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// Sign sets X-Slack-Request-Timestamp and X-Slack-Signature on req the way
// Slack signs its requests: "v0=" + hex(HMAC-SHA256(secret, "v0:<ts>:<body>"))
// with ts = now in Unix seconds. body must be the exact bytes req sends.
func Sign(req *http.Request, body []byte, secret string, now time.Time) {
	ts := strconv.FormatInt(now.Unix(), 10)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", Signature(secret, ts, body))
}

// Signature returns Slack's v0 signature of body sent at timestamp ts.
func Signature(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}
