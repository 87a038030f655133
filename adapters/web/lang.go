package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/warroomhq/warroom/bot"
)

// langCookie remembers the language chosen on a page.
const langCookie = "warroom_lang"

// lang is the language of r: the one chosen on the page (?lang=, which
// is then remembered in a cookie), else the one remembered, else the
// browser's Accept-Language, else the viewer's chat language, else the
// deployment's.
func (s *Server) lang(w http.ResponseWriter, r *http.Request, v *bot.Viewer) bot.Lang {
	if l, ok := parseLang(r.URL.Query().Get("lang")); ok {
		if w != nil {
			http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
		}
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := parseLang(c.Value); ok {
			return l
		}
	}
	if l, ok := acceptLanguage(r.Header.Get("Accept-Language")); ok {
		return l
	}
	if v != nil {
		if l, ok := parseLang(string(v.Lang)); ok {
			return l
		}
	}
	return s.opts.Lang
}

// parseLang accepts exactly the codes of the supported languages.
func parseLang(s string) (bot.Lang, bool) {
	switch l := bot.Lang(s); l {
	case bot.English, bot.Japanese:
		return l, true
	}
	return "", false
}

// acceptLanguage picks the supported language the browser prefers most
// (RFC 9110 §12.5.4: "ja-JP,ja;q=0.9,en;q=0.8").
func acceptLanguage(header string) (bot.Lang, bool) {
	type choice struct {
		lang bot.Lang
		q    float64
	}
	var choices []choice
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		if l, ok := bot.ParseLang(tag); ok && q > 0 {
			choices = append(choices, choice{l, q})
		}
	}
	if len(choices) == 0 {
		return "", false
	}
	sort.SliceStable(choices, func(i, j int) bool { return choices[i].q > choices[j].q })
	return choices[0].lang, true
}

// langLinks are the page's language switch: r's URL with ?lang= set.
func langLinks(r *http.Request, current bot.Lang) []langLink {
	var out []langLink
	for _, l := range bot.Langs {
		q := url.Values{}
		for k, v := range r.URL.Query() {
			q[k] = v
		}
		q.Set("lang", string(l))
		u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		out = append(out, langLink{Code: string(l), Label: bot.T(l, "web.lang."+string(l)), URL: u.String(), Current: l == current})
	}
	return out
}

// langLink is one entry of the language switch.
type langLink struct {
	Code, Label, URL string
	Current          bool
}
