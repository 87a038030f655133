package inbound

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBearerOK(t *testing.T) {
	for _, tc := range []struct {
		header string
		ok     bool
	}{
		{"Bearer s3cret", true}, {"bearer s3cret", true}, {"Bearer  s3cret", true},
		{"Bearer s3cre", false}, {"Basic s3cret", false}, {"s3cret", false}, {"", false},
	} {
		r := httptest.NewRequest("POST", "/", nil)
		r.Header.Set("Authorization", tc.header)
		require.Equal(t, tc.ok, BearerOK(r, "s3cret"), tc.header)
	}
	r := httptest.NewRequest("POST", "/", nil)
	require.False(t, BearerOK(r, ""), "an empty token never matches")
}

func TestHMACOK(t *testing.T) {
	body := []byte(`{"title":"x"}`)
	mac := hmac.New(sha256.New, []byte("k"))
	mac.Write(body)
	sig := hex.EncodeToString(mac.Sum(nil))
	require.True(t, HMACOK(body, sig, "", "k"))
	require.True(t, HMACOK(body, "sha256="+sig, "", "k"))
	require.False(t, HMACOK(body, sig, "", "other"))
	require.False(t, HMACOK(append(body, ' '), sig, "", "k"))
	require.False(t, HMACOK(body, "zz", "", "k"))
	require.False(t, HMACOK(body, sig, "1700000000", "k"), "a timestamp changes what is signed")
	mac = hmac.New(sha256.New, []byte("k"))
	mac.Write([]byte("1700000000:"))
	mac.Write(body)
	require.True(t, HMACOK(body, hex.EncodeToString(mac.Sum(nil)), "1700000000", "k"))
}
