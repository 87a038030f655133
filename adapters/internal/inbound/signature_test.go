package inbound

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSignature: any value of the scheme that is the body's HMAC under
// the secret passes (several during a rotation); a missing header is 401,
// an unreadable one 400, none matching 403, whatever the order.
func TestSignature(t *testing.T) {
	s := NewSignature("X-Test-Signature", "v1")
	body := []byte(`{"a":1}`)
	good := s.Sign(body, "secret")
	other := s.Sign(body, "old-secret")
	for header, want := range map[string]error{
		good:                           nil,
		other + "," + good:             nil,
		good + ", " + other:            nil,
		"V1=" + good[3:]:               s.Malformed,
		"v2=abc," + good:               nil,
		"":                             s.Missing,
		"   ":                          s.Missing,
		"v1":                           s.Malformed,
		"v1=zz":                        s.Malformed,
		"v1=abcd":                      s.Malformed,
		"v2=" + good[3:]:               s.Malformed,
		other:                          s.Wrong,
		s.Sign([]byte(`{}`), "secret"): s.Wrong,
	} {
		err := s.Verify(body, header, "secret")
		if want == nil {
			require.NoError(t, err, header)
		} else {
			require.Equal(t, want, err, header)
		}
	}
}
