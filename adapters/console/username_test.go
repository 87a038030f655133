package console

import (
	"regexp"
	"testing"
)

// parseUserName accepts exactly what the regexp it replaced accepted.
func TestParseUserNameMatchesTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._-]{0,39}$`)
	for _, s := range []string{"", "a", "alice", "@bob", " carol ", "山田", "yamada.taro", "_x", ".x", "-x", "x_", "x-y.z",
		"a b", "a@b", "١٢٣", "Ⅻ", "a\xffb", "\ufffd", "ab\u0301", "x" + string(make([]byte, 0)),
		"abcdefghijabcdefghijabcdefghijabcdefghij", "abcdefghijabcdefghijabcdefghijabcdefghijk", "ｱｲｳ", "😀"} {
		trimmed, ok := parseUserName(s)
		if want := re.MatchString(trimmed); ok != want {
			t.Errorf("parseUserName(%q) = %v, the regexp says %v", s, ok, want)
		}
	}
}

func FuzzParseUserName(f *testing.F) {
	re := regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._-]{0,39}$`)
	f.Add("alice")
	f.Add("山田.太郎")
	f.Fuzz(func(t *testing.T, s string) {
		trimmed, ok := parseUserName(s)
		if want := re.MatchString(trimmed); ok != want {
			t.Errorf("parseUserName(%q) = %v, the regexp says %v", s, ok, want)
		}
	})
}
