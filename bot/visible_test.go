package bot

import (
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

func TestVisible(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "DB is down (P1) <@U1>", "DB is down (P1) <@U1>"},
		{"japanese", "決済が失敗しています", "決済が失敗しています"},
		{"lines and tabs kept", "a\n\tb", "a\n\tb"},
		{"crlf", "a\r\nb\rc", "a\nbc"},
		{"right-to-left override", "invoice_\u202Efdp.exe", "invoice_fdp.exe"},
		{"every bidi control", "\u061Ca\u200Eb\u200Fc\u202Ad\u202Be\u202Cf\u202Dg\u202Eh\u2066i\u2067j\u2068k\u2069", "abcdefghijk"},
		{"zero-width", "pay\u200Bpal\u200Cx\u200Dy\u2060z\uFEFF", "paypalxyz"},
		{"soft hyphen and tags", "a\u00ADb\U000E0041\U000E0042", "ab"},
		{"terminal escape", "\x1b[2J\x1b]0;owned\x07ok", "[2J]0;ownedok"},
		{"C1 and DEL", "a\u0085b\u009bc\x7fd", "abcd"},
		{"nul", "a\x00b", "ab"},
		{"line separators", "one\u2028two\u2029three", "one two three"},
		{"emoji zwj kept", "👩\u200D💻 ❤️\u200D🔥 🏳️\u200D🌈 👨🏽\u200D💻", "👩\u200D💻 ❤️\u200D🔥 🏳️\u200D🌈 👨🏽\u200D💻"},
		{"zwj beside letters dropped", "a\u200D💻 💻\u200Da \u200D💻 💻\u200D", "a💻 💻a 💻 💻"},
		{"subdivision flag", "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", "🏴"},
		{"invalid utf-8", "a\xffb", "a\uFFFDb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Visible(tc.in)
			require.Equal(t, tc.want, got)
			require.Equal(t, got, Visible(got), "idempotent")
		})
	}
}

// Every control and format character of the Basic Multilingual Plane and
// the tags block, alone or between letters, is dropped (but for line feed
// and tab), and no other character is touched.
func TestVisibleDropsEveryInvisible(t *testing.T) {
	for r := rune(0); r <= 0xE007F; r++ {
		if r == 0xFFFF+1 {
			r = 0xE0000
		}
		s := "a" + string(r) + "b"
		got := Visible(s)
		switch {
		case r == '\n' || r == '\t':
			require.Equal(t, s, got, "%U", r)
		case r == '\u2028' || r == '\u2029':
			require.Equal(t, "a b", got, "%U", r)
		case unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r):
			require.Equal(t, "ab", got, "%U", r)
		case r >= 0xD800 && r <= 0xDFFF: // surrogates are no runes of a string
		default:
			require.Equal(t, s, got, "%U", r)
		}
	}
}

func BenchmarkVisible(b *testing.B) {
	ascii := "INC-42 | P1 (critical) | investigating | Commander: Alice | Checkout is failing"
	ja := "INC-42 | P1（緊急）| 調査中 | 指揮者: アリス | 決済が失敗しています"
	b.Run("ascii", func(b *testing.B) {
		for b.Loop() {
			_ = Visible(ascii)
		}
	})
	b.Run("japanese", func(b *testing.B) {
		for b.Loop() {
			_ = Visible(ja)
		}
	})
}
