package web

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// The incident page's timeline: a page of the curated timeline (kind
// filter, key events, corrections with their history, hidden and
// backdated entries marked), the live stream's fragments, and the
// curation forms, which become the same chat commands as typed in the
// incident's channel.

// filterKinds are the kinds the timeline can be filtered by, in the
// filter's order.
var filterKinds = []bot.EntryKind{bot.KindMessage, bot.KindNote, bot.KindFlag, bot.KindStatus, bot.KindPriority,
	bot.KindRole, bot.KindUpdate, bot.KindAlert, bot.KindFollowup, bot.KindEdit, bot.KindDelete, bot.KindMember,
	bot.KindChannel, bot.KindDeclared, bot.KindAccess, bot.KindPostmortem, bot.KindPublicUpdate, bot.KindComponents, bot.KindPage, bot.KindCall}

// parseKinds keeps the known kinds of raw, once each.
func parseKinds(raw []string) []bot.EntryKind {
	var out []bot.EntryKind
	for _, k := range raw {
		kind := bot.EntryKind(k)
		if slices.Contains(filterKinds, kind) && !slices.Contains(out, kind) {
			out = append(out, kind)
		}
	}
	return out
}

// timelineView is the timeline part of the incident page.
type timelineView struct {
	L                  bot.Translator
	Key, Action, CSRF  string
	Kinds              []kindOption
	Filtered           bool
	Entries            []entryView
	Total              string
	OlderURL, NewerURL string
	NewestURL, AllURL  string
	Live               bool
	LiveURL, After     string
	CanCurate          bool
}

type kindOption struct {
	Value, Label string
	Checked      bool
}

// entryView is one entry, as the page and the live stream render it.
type entryView struct {
	L                bot.Translator
	ID, Ref          string
	At, Author, Kind string
	KindClass, Text  string
	Key, Hidden      bool
	Backdated        bool
	AddedAt          string
	Versions         []versionView
	Action, CSRF     string
	Curatable        bool
	AtValue          string
}

type versionView struct{ At, Text string }

// timelineQuery reads the timeline's query parameters: the cursors and
// the kinds.
func timelineQuery(vals url.Values) bot.TimelinePageQuery {
	q := bot.TimelinePageQuery{Limit: timelinePage, Kinds: parseKinds(vals["kind"])}
	if a := vals.Get("after"); validStreamID(a) {
		q.After = a
	} else if b := vals.Get("before"); validStreamID(b) {
		q.Before = b
	}
	return q
}

// timelineURL is the incident page's URL with the kinds and the cursor.
func timelineURL(key string, kinds []bot.EntryKind, cursor, value string) string {
	q := url.Values{}
	for _, k := range kinds {
		q.Add("kind", string(k))
	}
	if cursor != "" {
		q.Set(cursor, value)
	}
	u := "/incidents/" + key
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u + "#timeline"
}

func (s *Server) timelineView(lang bot.Lang, sess *session, inc *bot.Incident, q bot.TimelinePageQuery, page bot.TimelinePage) *timelineView {
	l := bot.Translator(lang)
	key := inc.Key()
	tv := &timelineView{L: l, Key: key, Action: "/incidents/" + key + "/timeline", CSRF: sess.CSRF,
		Filtered: len(q.Kinds) > 0, CanCurate: s.opts.Router != nil,
		AllURL: timelineURL(key, nil, "", ""), NewestURL: timelineURL(key, q.Kinds, "", "")}
	for _, k := range filterKinds {
		tv.Kinds = append(tv.Kinds, kindOption{Value: string(k), Label: l.T("kind." + string(k)), Checked: slices.Contains(q.Kinds, k)})
	}
	for _, e := range page.Entries {
		tv.Entries = append(tv.Entries, s.entryView(lang, sess, inc.ID, e))
	}
	if page.Older {
		tv.OlderURL = timelineURL(key, q.Kinds, "before", page.Prev)
	}
	if page.Newer {
		tv.NewerURL = timelineURL(key, q.Kinds, "after", page.Next)
	}
	tv.Total = l.T("web.timeline.total", "shown", strconv.Itoa(len(page.Entries)), "total", strconv.FormatInt(page.Total, 10))
	if s.live != nil && !page.Newer && page.Tail != "" {
		tv.Live, tv.After = true, page.Tail
		lq := url.Values{}
		for _, k := range q.Kinds {
			lq.Add("kind", string(k))
		}
		lq.Set("after", page.Tail)
		tv.LiveURL = "/incidents/" + key + "/events?" + lq.Encode()
	}
	return tv
}

// entryView is e as the page shows it.
func (s *Server) entryView(lang bot.Lang, sess *session, incidentID int64, e bot.CuratedEntry) entryView {
	l := bot.Translator(lang)
	ev := entryView{L: l, ID: e.ID, Ref: bot.ShortRef(e.ID), At: s.clock(e.At), Author: bot.Visible(e.Author.Display()),
		Kind: l.T("kind." + string(e.Kind)), KindClass: "kind-" + string(e.Kind),
		Text: bot.Visible(s.opts.Incidents.Describe(lang, e.TimelineEntry)), Key: e.Key || e.Kind == bot.KindFlag,
		Hidden: e.Hidden, Backdated: e.Backdated(), Action: "/incidents/" + bot.FormatID(incidentID) + "/timeline",
		CSRF: sess.CSRF, Curatable: s.opts.Router != nil && e.ID != "" && !e.Curates(),
		AtValue: e.At.In(s.opts.Location).Format("2006-01-02 15:04")}
	if ev.Backdated {
		if t, err := time.Parse(time.RFC3339Nano, e.Data[bot.DataAddedAt]); err == nil {
			ev.AddedAt = s.clock(t)
		}
	}
	for _, v := range e.Versions {
		ev.Versions = append(ev.Versions, versionView{At: s.clock(v.At), Text: bot.Visible(s.opts.Incidents.Describe(lang, v))})
	}
	return ev
}

// fragment renders one entry as the page's list item.
func (s *Server) fragment(ev entryView) ([]byte, error) {
	var buf bytes.Buffer
	if err := s.fragments.ExecuteTemplate(&buf, "entry", ev); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func parseFragments() (*template.Template, error) {
	return template.New("timeline.html").ParseFS(templateFS, "templates/timeline.html")
}

// atRe is a time a curation form may give: "14:05", or a date and a time.
var atRe = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}[ T])?\d{1,2}:\d{2}$`)

// curate serves POST /incidents/{id}/timeline: a curation form, turned
// into the chat command that does the same (op "note": "note --at <at>
// <text>"; "edit": "timeline edit #ref [--at <at>] [text]"; "hide" and
// "unhide": "timeline hide|unhide #ref"), run through the router for the
// signed-in person. Bad input changes nothing and says why.
func (s *Server) curate(w http.ResponseWriter, r *http.Request, sess *session) {
	if !s.checkCSRF(w, r, sess) {
		return
	}
	raw := r.PathValue("id")
	id, ok := bot.ParseID(raw)
	if !ok || strings.HasPrefix(raw, "#") || s.opts.Router == nil {
		s.notFound(w, r, sess)
		return
	}
	if !s.stillSees(w, r, sess, id) {
		return
	}
	text := strings.TrimSpace(r.PostFormValue("text"))
	at := strings.Join(strings.Fields(r.PostFormValue("at")), " ")
	if at != "" && !atRe.MatchString(at) {
		s.refuse(w, r, sess, http.StatusBadRequest, bot.Errorf(bot.CodeBadTime, "value", at))
		return
	}
	ref := ""
	if op := r.PostFormValue("op"); op != "note" {
		sid, ok := bot.ParseEntryRef(r.PostFormValue("ref"))
		if !ok {
			s.refuse(w, r, sess, http.StatusBadRequest, bot.Errorf(bot.CodeNoEntry, "id", bot.FormatID(id), "ref", r.PostFormValue("ref")))
			return
		}
		ref = "#" + bot.ShortRef(sid)
	}
	var line string
	switch r.PostFormValue("op") {
	case "note":
		if at == "" || text == "" {
			s.refuse(w, r, sess, http.StatusBadRequest, bot.Errorf(bot.CodeUsage, "usage", "note --at <HH:MM> <text>"))
			return
		}
		line = "note --at " + at + " " + text
	case "edit":
		line = "timeline edit " + ref
		if at != "" {
			line += " --at " + at
		}
		if text != "" {
			line += " " + text
		}
	case "hide", "unhide":
		line = "timeline " + r.PostFormValue("op") + " " + ref
	default:
		s.notFound(w, r, sess)
		return
	}
	if err := s.runLine(r, sess, id, line); err != nil {
		var be *bot.Error
		switch {
		case errors.As(err, &be):
			s.refuse(w, r, sess, http.StatusBadRequest, be)
		case errors.Is(err, bot.ErrNotFound):
			s.notFoundIncident(w, r, sess, id)
		default:
			s.fail(w, r, &sess.Viewer, err)
		}
		return
	}
	back := "/incidents/" + bot.FormatID(id)
	if b := r.PostFormValue("back"); strings.HasPrefix(b, back) && !strings.HasPrefix(b, "//") {
		back = b
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// runLine runs a curation's command line through the router as the
// signed-in person, the incident named first ("INC-42 note --at 14:05
// …"), as the person would type it in chat; the web platform takes the
// answer. A refusal is the router's error.
func (s *Server) runLine(r *http.Request, sess *session, id int64, line string) error {
	lang := s.lang(nil, r, &sess.Viewer)
	ev := bot.Event{Kind: bot.EventCommand, Platform: Name, UserPlatform: sess.Platform, User: sess.User,
		Locale: string(lang), At: s.opts.Now(), Text: bot.FormatID(id) + " " + line, Reply: &replies{}}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), actionTimeout)
	defer cancel()
	err := s.opts.Router.Serve(ctx, ev)
	s.log.Info("curation", zap.Int64("incident", id), zap.String("platform", sess.Platform),
		zap.String("user_id", sess.User.ID), zap.Bool("refused", err != nil))
	return err
}

// refuse answers a form that changed nothing with what was wrong, in the
// person's language.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, sess *session, status int, e *bot.Error) {
	v := s.signedInView(r, sess, "web.curate.refused")
	v.Body = messageView{Text: e.Text(v.Lang)}
	s.render(w, r, status, "message", v)
}
