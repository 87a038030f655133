package bot

import (
	"regexp"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// TestCatalogsComplete fails when a key is missing in either language or
// the two texts of a key use different placeholders.
func TestCatalogsComplete(t *testing.T) {
	en, ja := CatalogKeys(English), CatalogKeys(Japanese)
	require.Equal(t, en, ja, "ja and en catalogs must have the same keys")
	for _, k := range en {
		require.NotEmpty(t, catalogEN[k], k)
		require.NotEmpty(t, catalogJA[k], k)
		require.Equal(t, placeholders(catalogEN[k]), placeholders(catalogJA[k]), "placeholders of %q", k)
	}
}

func placeholders(s string) []string {
	found := placeholder.FindAllString(s, -1)
	set := map[string]bool{}
	for _, f := range found {
		set[f] = true
	}
	out := make([]string, 0, len(set))
	for f := range set {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

func TestErrorCodesHaveText(t *testing.T) {
	for _, code := range []string{CodeUnknownCommand, CodeUsage, CodeBadPriority, CodeBadStatus, CodeBadRole,
		CodeBadTransition, CodeSameStatus, CodeNotFound, CodeNoIncident, CodeForbidden, CodeUnavailable, CodeBusy,
		CodeInternal, CodeAlreadyAcked, CodeSamePriority, CodeBadNumber, CodeTooLong, CodeChannelFailed,
		CodeNeedsTitle, CodeUnknownUser, CodeAlreadyHolds, CodeNoSuchCommand} {
		require.True(t, Has("err."+code), code)
	}
}

func TestT(t *testing.T) {
	require.Equal(t, "There is no incident INC-9. `list` shows the open ones.", T(English, "err.not_found", "id", "INC-9"))
	require.Equal(t, "インシデント INC-9 は存在しません。`list` で対応中のインシデントを表示します。", T(Japanese, "err.not_found", "id", "INC-9"))
	require.Equal(t, "no.such.key", T(Japanese, "no.such.key"))
	require.Equal(t, T(English, "help.title"), T(Lang("fr"), "help.title"))
}

func TestParseLang(t *testing.T) {
	for in, want := range map[string]Lang{"ja": Japanese, "ja-JP": Japanese, "en_US": English, "EN": English} {
		got, ok := ParseLang(in)
		require.True(t, ok, in)
		require.Equal(t, want, got, in)
	}
	_, ok := ParseLang("fr")
	require.False(t, ok)
}
