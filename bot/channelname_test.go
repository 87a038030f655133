package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDatedName(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	day := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	long := strings.Repeat("checkout ", 20)
	japanese := strings.Repeat("決済サービスで障害が発生しています", 10)
	for _, tc := range []struct {
		name string
		spec ChannelSpec
		max  int
		want string
	}{
		{"words", ChannelSpec{Prefix: "inc", ID: 42, Title: "Checkout is failing", Date: day}, 80, "inc-20261125-42-checkout-is-failing"},
		{"punctuation runs are one dash", ChannelSpec{Prefix: "inc", ID: 1, Title: "  API: 5xx -- (EU)!  ", Date: day}, 80, "inc-20261125-1-api-5xx-eu"},
		{"drill prefix", ChannelSpec{Prefix: "drill", ID: 3, Title: "API TLS", Date: day}, 80, "drill-20261125-3-api-tls"},
		{"the day is the date's own", ChannelSpec{Prefix: "inc", ID: 7, Title: "x", Date: time.Date(2026, 11, 25, 23, 30, 0, 0, time.UTC).In(tokyo)}, 80, "inc-20261126-7-x"},
		{"Japanese title: no slug", ChannelSpec{Prefix: "inc", ID: 42, Title: "決済が失敗しています", Date: day}, 80, "inc-20261125-42"},
		{"long Japanese title at Slack's 80", ChannelSpec{Prefix: "inc", ID: 42, Title: japanese, Date: day}, 80, "inc-20261125-42"},
		{"Japanese with ASCII words", ChannelSpec{Prefix: "inc", ID: 42, Title: "決済 API が 500 を返す", Date: day}, 80, "inc-20261125-42-api-500"},
		{"long title cut at 80, even mid-word", ChannelSpec{Prefix: "inc", ID: 42, Title: long, Date: day}, 80,
			"inc-20261125-42-" + strings.Repeat("checkout-", 7) + "c"},
		{"no trailing dash at the cut", ChannelSpec{Prefix: "inc", ID: 42, Title: "abcdefgh ijk", Date: day}, 25, "inc-20261125-42-abcdefgh"},
		{"no room for a slug", ChannelSpec{Prefix: "inc", ID: 42, Title: "Checkout", Date: day}, 16, "inc-20261125-42"},
		{"prefix longer than max", ChannelSpec{Prefix: strings.Repeat("p", 90), ID: 1, Title: "Checkout", Date: day}, 80, strings.Repeat("p", 90) + "-20261125-1"},
		{"empty title", ChannelSpec{Prefix: "inc", ID: 5, Date: day}, 50, "inc-20261125-5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.spec.DatedName(tc.max)
			require.Equal(t, tc.want, got)
			if len(tc.spec.Prefix) < tc.max-20 {
				require.LessOrEqual(t, len(got), tc.max)
			}
		})
	}
}
