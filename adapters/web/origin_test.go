package web

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOriginOf(t *testing.T) {
	for raw, want := range map[string]string{
		"https://warroom.example.com":       "https://warroom.example.com",
		"https://Warroom.Example.com:443/x": "https://warroom.example.com",
		"http://127.0.0.1:8080":             "http://127.0.0.1:8080",
		"http://warroom.example.com:80/":    "http://warroom.example.com",
		"https://warroom.example.com:8443":  "https://warroom.example.com:8443",
		"https://[2001:db8::1]:443":         "https://[2001:db8::1]",
	} {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		require.Equal(t, want, originOf(u), raw)
	}
}
