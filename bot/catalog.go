package bot

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Lang is a language Warroom speaks to people in.
type Lang string

// Supported languages.
const (
	English  Lang = "en"
	Japanese Lang = "ja"
)

// Langs lists the supported languages.
var Langs = []Lang{English, Japanese}

var catalogs = map[Lang]map[string]string{
	English:  catalogEN,
	Japanese: catalogJA,
}

// ParseLang maps a platform locale ("ja", "ja-JP", "en_US") to a supported
// language.
func ParseLang(locale string) (Lang, bool) {
	l := strings.ToLower(strings.TrimSpace(locale))
	switch {
	case l == "":
		return "", false
	case strings.HasPrefix(l, "ja"):
		return Japanese, true
	case strings.HasPrefix(l, "en"):
		return English, true
	}
	return "", false
}

// T returns the text for key in lang with "{name}" placeholders filled from
// args, given as name/value pairs. A key missing in lang falls back to
// English, and a key missing everywhere returns the key itself, so a
// mistake shows up in chat rather than as an empty message (a test keeps
// both catalogs complete).
func T(lang Lang, key string, args ...string) string {
	s, ok := catalogs[lang][key]
	if !ok {
		if s, ok = catalogEN[key]; !ok {
			return key
		}
	}
	if len(args) < 2 || !strings.Contains(s, "{") {
		return s
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+args[i]+"}", args[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// Has reports whether key exists in the English catalog.
func Has(key string) bool {
	_, ok := catalogEN[key]
	return ok
}

// CatalogKeys returns lang's keys, sorted; for tests and tooling.
func CatalogKeys(lang Lang) []string {
	keys := make([]string, 0, len(catalogs[lang]))
	for k := range catalogs[lang] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Translator binds T to one language.
type Translator Lang

// T is bot.T in the translator's language.
func (l Translator) T(key string, args ...string) string { return T(Lang(l), key, args...) }

// Duration says how long d is for people in lang, rounded to the second
// and to the minute past an hour: "1h 05m", "4m", "12s"; "1時間05分",
// "4分", "12秒". A negative d is 0.
func Duration(lang Lang, d time.Duration) string {
	sec := int64(max(d, 0).Round(time.Second) / time.Second)
	switch {
	case sec >= 3600:
		return T(lang, "duration.hours", "h", strconv.FormatInt(sec/3600, 10), "m", fmt.Sprintf("%02d", sec/60%60))
	case sec >= 60:
		return T(lang, "duration.minutes", "m", strconv.FormatInt(sec/60, 10))
	}
	return T(lang, "duration.seconds", "s", strconv.FormatInt(sec, 10))
}

// Label is the status as people read it in lang ("調査中").
func (s Status) Label(lang Lang) string { return T(lang, "status."+string(s)) }

// Label is the role as people read it in lang; a configured role the
// catalog does not know shows as its name.
func (r Role) Label(lang Lang) string {
	if key := "role." + string(r); Has(key) {
		return T(lang, key)
	}
	return string(r)
}

// Label is the alert status as people read it in lang ("firing",
// "recovered"), or as the source said it when the catalog does not know
// it.
func (s AlertStatus) Label(lang Lang) string {
	if key := "alert.state." + string(s); Has(key) {
		return T(lang, key)
	}
	return string(s)
}
