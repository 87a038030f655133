package handlers

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pmezard/go-difflib/difflib"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/postmortem"
	"github.com/warroomhq/warroom/store"
)

// The postmortem as a document: the draft generated from the curated
// timeline, edited (each save a version with who, when and a diff),
// reviewed, published to the library. Every read passes the audience
// rule; every change is the person's, checked by the policy's
// "postmortem" action like the chat command.

const (
	// maxPostmortem bounds a saved postmortem, in runes.
	maxPostmortem = 100000
	// maxTag bounds a tag, in runes, and maxTags the free tags.
	maxTag  = 40
	maxTags = 10
	// libraryScan bounds how many published postmortems one library
	// query reads.
	libraryScan = 1000
	// excerptRunes is how much of a postmortem the library shows.
	excerptRunes = 240
)

// PostmortemDoc reads incident id's postmortem document for v: the latest
// version, or before any save the draft generated in lang from the
// curated timeline (version 0), with every version newest first and the
// tags. A private incident outside v's audience is an error wrapping
// bot.ErrNotFound.
func (s *Service) PostmortemDoc(ctx context.Context, v bot.Viewer, id int64, lang bot.Lang) (bot.PostmortemDoc, error) {
	inc, err := s.Incident(ctx, v, id)
	if err != nil {
		return bot.PostmortemDoc{}, err
	}
	versions, err := s.store.PostmortemVersions(ctx, id)
	if err != nil {
		return bot.PostmortemDoc{}, err
	}
	tags, err := s.store.PostmortemTags(ctx, id)
	if err != nil {
		return bot.PostmortemDoc{}, err
	}
	doc := bot.PostmortemDoc{Incident: inc, Tags: tags}
	if len(versions) == 0 {
		md, err := s.Postmortem(ctx, id, lang)
		if err != nil {
			return bot.PostmortemDoc{}, err
		}
		doc.Current = bot.PostmortemVersion{Text: md}
		return doc, nil
	}
	doc.Current = versions[len(versions)-1]
	slices.Reverse(versions)
	doc.Versions = versions
	return doc, nil
}

// WritePostmortemDoc writes the document PostmortemDoc reads to w: its
// latest version, or else the generated draft, streamed as it is
// rendered (WritePostmortem), never held whole. Nothing is written
// before the viewer is known to see the incident and, for a draft, its
// timeline was read once; an error after that leaves w holding the
// document's beginning.
func (s *Service) WritePostmortemDoc(ctx context.Context, v bot.Viewer, id int64, lang bot.Lang, w io.Writer) error {
	if _, err := s.Incident(ctx, v, id); err != nil {
		return err
	}
	versions, err := s.store.PostmortemVersions(ctx, id)
	if err != nil {
		return err
	}
	if len(versions) == 0 {
		return s.WritePostmortem(ctx, w, id, lang)
	}
	_, err = io.WriteString(w, versions[len(versions)-1].Text)
	return err
}

// SavePostmortem saves text as the next version of incident id's
// postmortem, by v, based on version base (what v's editor started
// from; 0: the generated draft). When base is no longer the latest
// nothing is written and the error is a *bot.PostmortemConflict holding
// the diff from base to the latest. Text the same as the latest is
// refused (CodeUnchangedPostmortem), as is an empty or too long one. The
// first save makes the incident's draft (state draft) and says so on its
// timeline; a save after publishing indexes the new text for search.
func (s *Service) SavePostmortem(ctx context.Context, v bot.Viewer, id int64, base int, text string, lang bot.Lang) (bot.PostmortemVersion, error) {
	req, err := s.pmRequest(ctx, v, id)
	if err != nil {
		return bot.PostmortemVersion{}, err
	}
	text = normalizeDoc(text)
	switch {
	case strings.TrimSpace(text) == "":
		return bot.PostmortemVersion{}, bot.Errorf(bot.CodeEmptyPostmortem, "id", req.Incident.Key())
	case utf8.RuneCountInString(text) > maxPostmortem:
		return bot.PostmortemVersion{}, bot.Errorf(bot.CodeTooLong, "field", bot.T(lang, "pmdoc.field.text"), "max", strconv.Itoa(maxPostmortem))
	case base < 0:
		return bot.PostmortemVersion{}, bot.Errorf(bot.CodeBadNumber, "value", strconv.Itoa(base), "max", "∞")
	}
	versions, err := s.store.PostmortemVersions(ctx, id)
	if err != nil {
		return bot.PostmortemVersion{}, err
	}
	if base != len(versions) {
		return bot.PostmortemVersion{}, s.pmConflict(ctx, id, base, versions, lang)
	}
	prev := bot.PostmortemVersion{}
	if base > 0 {
		prev = versions[base-1]
	} else if prev.Text, err = s.Postmortem(ctx, id, lang); err != nil {
		return bot.PostmortemVersion{}, err
	}
	if prev.Text == text && base > 0 {
		return bot.PostmortemVersion{}, bot.Errorf(bot.CodeUnchangedPostmortem, "id", req.Incident.Key(), "version", strconv.Itoa(base))
	}
	saved, err := s.store.SavePostmortemVersion(ctx, id, base, bot.PostmortemVersion{Text: text, By: v.User,
		At: s.opts.Now(), Diff: unifiedDiff(prev.Text, text, versionName(lang, base), versionName(lang, base+1))})
	if errors.Is(err, store.ErrStaleVersion) {
		// Another save landed between the read and the write.
		if versions, err = s.store.PostmortemVersions(ctx, id); err != nil {
			return bot.PostmortemVersion{}, err
		}
		return bot.PostmortemVersion{}, s.pmConflict(ctx, id, base, versions, lang)
	}
	if err != nil {
		return bot.PostmortemVersion{}, err
	}
	if req.Incident.PostmortemAt.IsZero() {
		s.pmDrafted(ctx, req, saved)
	}
	if !req.Incident.PostmortemPublishedAt.IsZero() {
		s.index(ctx, id, store.FieldPostmortem, text)
	}
	return saved, nil
}

// pmDrafted records that the first version of a postmortem was saved:
// the incident has a draft now (what `postmortem reviewed` asks for),
// and the timeline says who made it and when.
func (s *Service) pmDrafted(ctx context.Context, req *bot.Request, saved bot.PostmortemVersion) {
	_, err := s.store.Update(ctx, req.Incident.ID, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		if !inc.PostmortemAt.IsZero() {
			return nil, nil
		}
		inc.PostmortemAt = saved.At
		e := s.entry(req, bot.KindPostmortem, bot.T(s.lang(), "pmdoc.entry.saved", "version", strconv.Itoa(saved.N)))
		e.Data = map[string]string{"action": "saved", "version": strconv.Itoa(saved.N), "via": Web}
		return []bot.TimelineEntry{e}, nil
	})
	if err != nil {
		s.log.Warn("mark postmortem drafted", zap.Int64("incident", req.Incident.ID), zap.Error(err))
	}
}

// Web is the platform name of the browser (adapters/web.Name).
const Web = "web"

// pmConflict is the refusal of a save based on version base when the
// latest of versions is another: the diff from base to the latest.
func (s *Service) pmConflict(ctx context.Context, id int64, base int, versions []bot.PostmortemVersion, lang bot.Lang) error {
	if base > len(versions) {
		return bot.Errorf(bot.CodeBadNumber, "value", strconv.Itoa(base), "max", strconv.Itoa(len(versions)))
	}
	from := ""
	if base > 0 {
		from = versions[base-1].Text
	} else {
		md, err := s.Postmortem(ctx, id, lang)
		if err != nil {
			return err
		}
		from = md
	}
	cur := versions[len(versions)-1]
	return &bot.PostmortemConflict{Base: base, Current: cur.N, By: cur.By, At: cur.At,
		Diff: unifiedDiff(from, cur.Text, versionName(lang, base), versionName(lang, cur.N))}
}

// pmRequest is v's request on incident id for a change of its
// postmortem: the audience rule first (an incident v may not see is not
// found), then the policy's "postmortem" action.
func (s *Service) pmRequest(ctx context.Context, v bot.Viewer, id int64) (*bot.Request, error) {
	inc, err := s.Incident(ctx, v, id)
	if err != nil {
		return nil, err
	}
	req := s.viewer(v)
	req.Event.Platform = Web
	req.Event.UserPlatform = v.Platform
	req.Incident = inc
	if err := s.Authorize(ctx, req, "postmortem"); err != nil {
		return nil, err
	}
	return req, nil
}

// SetPostmortemTags replaces the tags of incident id's postmortem, by v:
// service and cause category (one each) and free tags. Each is trimmed,
// at most maxTag runes; duplicates of free tags are dropped.
func (s *Service) SetPostmortemTags(ctx context.Context, v bot.Viewer, id int64, tags bot.PostmortemTags) error {
	if _, err := s.pmRequest(ctx, v, id); err != nil {
		return err
	}
	clean := bot.PostmortemTags{Service: cleanTag(tags.Service), Cause: cleanTag(tags.Cause)}
	for _, t := range append([]string{tags.Service, tags.Cause}, tags.Free...) {
		if utf8.RuneCountInString(strings.TrimSpace(t)) > maxTag {
			return bot.Errorf(bot.CodeBadTag, "tag", bot.Truncate(t, maxTag), "max", strconv.Itoa(maxTag))
		}
	}
	for _, t := range tags.Free {
		if t = cleanTag(t); t != "" && !slices.Contains(clean.Free, t) {
			clean.Free = append(clean.Free, t)
		}
	}
	if len(clean.Free) > maxTags {
		return bot.Errorf(bot.CodeBadTag, "tag", clean.Free[maxTags], "max", strconv.Itoa(maxTag))
	}
	return s.store.SetPostmortemTags(ctx, id, clean)
}

// SplitTags reads free tags as typed: separated by commas (ASCII, or
// Japanese 、 and ，).
func SplitTags(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '、' || r == '，' })
}

func cleanTag(t string) string { return strings.Join(strings.Fields(bot.Visible(t)), " ") }

// RenderPostmortem renders postmortem Markdown as sanitised HTML
// (postmortem.HTML): the document page and its live preview.
func (s *Service) RenderPostmortem(md string) (string, error) {
	if utf8.RuneCountInString(md) > maxPostmortem {
		return "", bot.Errorf(bot.CodeTooLong, "field", "Markdown", "max", strconv.Itoa(maxPostmortem))
	}
	return postmortem.HTML(md)
}

// Library is the published postmortems v may see that q selects: with
// text, those the search index finds (best first; the published text is
// indexed), else most recently published first.
func (s *Service) Library(ctx context.Context, v bot.Viewer, q bot.LibraryQuery) ([]bot.LibraryItem, error) {
	published, err := s.store.Published(ctx, libraryScan)
	if err != nil {
		return nil, err
	}
	ids := published
	if text := strings.TrimSpace(q.Text); text != "" {
		if utf8.RuneCountInString(text) > maxQuery {
			return nil, bot.Errorf(bot.CodeTooLong, "field", bot.T(v.Lang, "search.query"), "max", strconv.Itoa(maxQuery))
		}
		hits, err := s.store.Search(ctx, text, libraryScan)
		if err != nil {
			return nil, err
		}
		ids = ids[:0:0]
		for _, h := range hits {
			if slices.Contains(published, h.ID) {
				ids = append(ids, h.ID)
			}
		}
	}
	sees := s.seesFunc(ctx, s.viewer(v))
	var out []bot.LibraryItem
	for _, id := range ids {
		item, ok, err := s.libraryItem(ctx, id, q, sees)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, item)
		}
	}
	return out, nil
}

// libraryItem reads published postmortem id when q selects it and sees
// admits it.
func (s *Service) libraryItem(ctx context.Context, id int64, q bot.LibraryQuery, sees func(*bot.Incident) bool) (bot.LibraryItem, bool, error) {
	inc, err := s.store.Get(ctx, id)
	if errors.Is(err, bot.ErrNotFound) {
		return bot.LibraryItem{}, false, nil
	}
	if err != nil {
		return bot.LibraryItem{}, false, err
	}
	at := inc.PostmortemPublishedAt
	if at.IsZero() || (q.Priority.Valid() && inc.Priority != q.Priority) ||
		(!q.Since.IsZero() && at.Before(q.Since)) || (!q.Until.IsZero() && !at.Before(q.Until)) || !sees(inc) {
		return bot.LibraryItem{}, false, nil
	}
	tags, err := s.store.PostmortemTags(ctx, id)
	if err != nil {
		return bot.LibraryItem{}, false, err
	}
	if !tagMatch(q.Service, tags.Service) || !tagMatch(q.Cause, tags.Cause) ||
		(q.Tag != "" && !slices.ContainsFunc(tags.Free, func(t string) bool { return tagMatch(q.Tag, t) })) {
		return bot.LibraryItem{}, false, nil
	}
	latest, _, err := s.store.LatestPostmortem(ctx, id)
	if err != nil {
		return bot.LibraryItem{}, false, err
	}
	return bot.LibraryItem{Incident: inc, Tags: tags, Excerpt: excerpt(latest.Text)}, true, nil
}

func tagMatch(want, got string) bool {
	return want == "" || strings.EqualFold(strings.TrimSpace(want), got)
}

// excerpt is the beginning of a postmortem's prose, on one line, cut to
// excerptRunes. Prose is what people wrote: not headings, tables, rules or
// list items, nor the generated draft's guidance, a whole line in italics
// (every draft opens with the same one, which would make every library
// item look alike). A postmortem with no such prose shows its guidance and
// lists instead.
func excerpt(md string) string {
	if ex := excerptOf(md, true); ex != "" {
		return ex
	}
	return excerptOf(md, false)
}

func excerptOf(md string, proseOnly bool) string {
	var parts []string
	n := 0
	for line := range strings.SplitSeq(md, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "|") || strings.Trim(line, "-*_ ") == "" {
			continue
		}
		if proseOnly && (listItem(line) || guidance(line)) {
			continue
		}
		if listItem(line) {
			line = strings.TrimSpace(strings.TrimLeft(line, "-*+"))
		}
		line = unemphasize(line)
		parts = append(parts, line)
		if n += utf8.RuneCountInString(line); n > excerptRunes {
			break
		}
	}
	return bot.Truncate(strings.Join(parts, " "), excerptRunes)
}

// listItem reports whether line is an item of a Markdown list.
func listItem(line string) bool {
	if strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* ") || strings.HasPrefix(line, "+ ") {
		return true
	}
	digits := len(line) - len(strings.TrimLeft(line, "0123456789"))
	return digits > 0 && (strings.HasPrefix(line[digits:], ". ") || strings.HasPrefix(line[digits:], ") "))
}

// guidance reports whether line is wholly in italics (one _ or * around
// it, not the ** or __ of bold): how the generated draft gives guidance.
func guidance(line string) bool {
	for _, m := range []string{"_", "*"} {
		if len(line) > 2 && strings.HasPrefix(line, m) && strings.HasSuffix(line, m) &&
			!strings.HasPrefix(line, m+m) {
			return true
		}
	}
	return false
}

// unemphasize is line without the emphasis marks around the whole of it
// (the generated draft puts its guidance in italics), which the library's
// excerpt, plain text, would otherwise show as they are.
func unemphasize(line string) string {
	for _, m := range []string{"**", "__", "_", "*"} {
		if len(line) > 2*len(m) && strings.HasPrefix(line, m) && strings.HasSuffix(line, m) {
			return strings.TrimSpace(line[len(m) : len(line)-len(m)])
		}
	}
	return line
}

// postmortemPublish handles "postmortem publish": the reviewed postmortem
// goes to the library, with who and when on the incident and its
// timeline; its text is indexed for search. Before any save in the
// browser, the generated draft is saved as version 1 and published.
func (s *Service) postmortemPublish(ctx context.Context, req *bot.Request) error {
	inc := req.Incident
	switch {
	case !inc.PostmortemPublishedAt.IsZero():
		return bot.Errorf(bot.CodeAlreadyPublished, "id", inc.Key(),
			"user", inc.PostmortemPublishedBy.Display(), "time", s.clock(inc.PostmortemPublishedAt))
	case inc.PostmortemReviewedAt.IsZero():
		return bot.Errorf(bot.CodeNotReviewed, "id", inc.Key())
	}
	latest, ok, err := s.store.LatestPostmortem(ctx, inc.ID)
	if err != nil {
		return err
	}
	if !ok {
		md, err := s.Postmortem(ctx, inc.ID, s.lang())
		if err != nil {
			return err
		}
		latest, err = s.store.SavePostmortemVersion(ctx, inc.ID, 0, bot.PostmortemVersion{Text: md, By: req.Event.User, At: s.opts.Now()})
		if errors.Is(err, store.ErrStaleVersion) {
			latest, _, err = s.store.LatestPostmortem(ctx, inc.ID)
		}
		if err != nil {
			return err
		}
	}
	link := s.documentURL(inc.ID)
	inc, err = s.change(ctx, req, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		if !inc.PostmortemPublishedAt.IsZero() {
			return nil, bot.Errorf(bot.CodeAlreadyPublished, "id", inc.Key(),
				"user", inc.PostmortemPublishedBy.Display(), "time", s.clock(inc.PostmortemPublishedAt))
		}
		inc.PostmortemPublishedAt, inc.PostmortemPublishedBy = s.opts.Now(), req.Event.User
		e := s.entry(req, bot.KindPostmortem, bot.T(s.lang(), "pmdoc.entry.published", "version", strconv.Itoa(latest.N)))
		e.Data = map[string]string{"action": "published", "version": strconv.Itoa(latest.N)}
		return []bot.TimelineEntry{e}, nil
	}, func(inc *bot.Incident, lang bot.Lang) string {
		return bot.T(lang, "pmdoc.published", "id", inc.Key(), "user", req.Event.User.Display(), "url", link)
	})
	if err != nil {
		return err
	}
	if err := s.store.AddPublished(ctx, inc.ID, inc.PostmortemPublishedAt); err != nil {
		return err
	}
	s.index(ctx, inc.ID, store.FieldPostmortem, latest.Text)
	return nil
}

// documentURL is the postmortem's document page under the public URL (a
// path alone without one).
func (s *Service) documentURL(id int64) string {
	return strings.TrimRight(s.opts.PublicURL, "/") + "/incidents/" + bot.FormatID(id) + "/postmortem"
}

// unifiedDiff is the line diff from a to b, named from and to.
func unifiedDiff(a, b, from, to string) string {
	d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{A: difflib.SplitLines(a), B: difflib.SplitLines(b),
		FromFile: from, ToFile: to, Context: 2})
	if err != nil {
		return "" // writing to a strings.Builder does not fail
	}
	return d
}

// versionName names version n in a diff: "v3", or the draft for 0.
func versionName(lang bot.Lang, n int) string {
	if n == 0 {
		return bot.T(lang, "pmdoc.version.draft")
	}
	return "v" + strconv.Itoa(n)
}

// normalizeDoc makes a textarea's text the document's: LF line ends
// (browsers post CRLF), no trailing blanks on lines, one final newline.
func normalizeDoc(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n") + "\n"
}
