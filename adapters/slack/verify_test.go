package slack

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Slack's published example from "Verifying requests from Slack".
const (
	docSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	docTS     = "1531420618"
	docBody   = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	docSig    = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

func TestVerify(t *testing.T) {
	docNow := time.Unix(1531420618, 0).Add(30 * time.Second)
	header := func(sig, ts string) http.Header {
		h := http.Header{}
		if sig != "" {
			h.Set("X-Slack-Signature", sig)
		}
		if ts != "" {
			h.Set("X-Slack-Request-Timestamp", ts)
		}
		return h
	}
	for _, tc := range []struct {
		name   string
		h      http.Header
		body   string
		secret string
		now    time.Time
		want   error
	}{
		{"slack's example", header(docSig, docTS), docBody, docSecret, docNow, nil},
		{"tampered body", header(docSig, docTS), docBody + "&x=1", docSecret, docNow, errBadSignature},
		{"wrong secret", header(docSig, docTS), docBody, "0000000000000000abcd99yyyzzz85a5", docNow, errBadSignature},
		{"stale", header(docSig, docTS), docBody, docSecret, docNow.Add(6 * time.Minute), errStale},
		{"future", header(docSig, docTS), docBody, docSecret, docNow.Add(-7 * time.Minute), errStale},
		{"no signature", header("", docTS), docBody, docSecret, docNow, errNoSignature},
		{"no timestamp", header(docSig, ""), docBody, docSecret, docNow, errNoSignature},
		{"bad timestamp", header(docSig, "soon"), docBody, docSecret, docNow, errBadTimestamp},
		{"v1 prefix", header("v1="+docSig[3:], docTS), docBody, docSecret, docNow, errBadSignature},
		{"not hex", header("v0=zz", docTS), docBody, docSecret, docNow, errBadSignature},
		{"truncated", header(docSig[:20], docTS), docBody, docSecret, docNow, errBadSignature},
		{"upper-case prefix", header("V0="+docSig[3:], docTS), docBody, docSecret, docNow, errBadSignature},
		{"upper-case hex", header("v0="+strings.ToUpper(docSig[3:]), docTS), docBody, docSecret, docNow, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mac, err := verify(tc.h, []byte(tc.body), tc.secret, tc.now)
			require.ErrorIs(t, err, tc.want)
			if err != nil {
				require.Nil(t, mac)
				require.NotContains(t, err.Error(), tc.secret)
				return
			}
			// Every accepted spelling names the one MAC, in lower case.
			require.Equal(t, "slack-sig:"+docSig[3:], replayKey(mac))
		})
	}
}
