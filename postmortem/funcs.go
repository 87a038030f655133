package postmortem

import (
	"strings"
	"text/template"
	"time"

	"github.com/warroomhq/warroom/bot"
)

// funcs are the functions templates may use, in lang:
//
//	t KEY [NAME VALUE]...  the catalog's text
//	time T                 "2006-01-02 15:04:05 JST" in the configured zone; "—" if zero
//	clock T                "15:04:05" in the configured zone; "—" if zero
//	duration SECONDS       "1h 05m", "4m", "12s" (in lang: "1時間05分")
//	status S, priority P, role R, kind K   their labels
//	describe ENTRY         what a timeline entry records, in words, on one line, escaped
//	md TEXT                TEXT escaped for Markdown (mdEscape), its line breaks kept
//	oneline TEXT           TEXT escaped, its line breaks and runs of spaces as one space
//	cell TEXT              oneline; fit for a Markdown table cell
//
// The template is Markdown source and text/template escapes nothing, so
// every value that came from people (titles, descriptions, summaries,
// messages, names, channel names) must pass through md, oneline or cell:
// printed as it is, it could add HTML, links, images or headings to the
// draft. The default templates do so.
func (r *Renderer) funcs(lang bot.Lang) template.FuncMap {
	return template.FuncMap{
		"t":        func(key string, args ...string) string { return bot.T(lang, key, args...) },
		"time":     func(t time.Time) string { return r.stamp(t, "2006-01-02 15:04:05 MST") },
		"clock":    func(t time.Time) string { return r.stamp(t, "15:04:05") },
		"duration": func(sec int64) string { return bot.Duration(lang, time.Duration(sec)*time.Second) },
		"status":   func(st bot.Status) string { return st.Label(lang) },
		"priority": func(p string) string { return r.priority(lang, p) },
		"role":     func(role bot.Role) string { return mdLine(role.Label(lang)) },
		"kind":     func(k bot.EntryKind) string { return bot.T(lang, "kind."+string(k)) },
		"describe": func(e *Entry) string { return r.describe(lang, e) },
		"md":       mdEscape,
		"oneline":  mdLine,
		"cell":     mdLine, // mdEscape escapes every |
	}
}

func (r *Renderer) stamp(t time.Time, layout string) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(r.cfg.Location).Format(layout)
}

func (r *Renderer) priority(lang bot.Lang, v string) string {
	p, _ := bot.ParsePriority(v)
	if !p.Valid() {
		return bot.T(lang, "priority.unset")
	}
	if name := strings.TrimSpace(r.cfg.PriorityNames[p]); name != "" {
		return p.String() + " (" + name + ")"
	}
	return bot.T(lang, "priority."+p.String())
}

// describe says what a timeline entry records, on one line, escaped for
// Markdown: what came from people or from an alert passes mdLine, the
// catalog's words do not need to. A corrected or backdated entry says so.
func (r *Renderer) describe(lang bot.Lang, e *Entry) string {
	out := r.what(lang, e)
	if e.Corrected {
		out += bot.T(lang, "postmortem.corrected")
	}
	if !e.AddedAt.IsZero() {
		out += bot.T(lang, "postmortem.added", "time", r.stamp(e.AddedAt, "2006-01-02 15:04:05 MST"))
	}
	return out
}

// what is describe without the marks of curation.
func (r *Renderer) what(lang bot.Lang, e *Entry) string {
	t := bot.Translator(lang)
	d := e.Data
	withText := func(what string) string {
		if text := mdLine(e.Text); text != "" {
			return what + ": " + text
		}
		return what
	}
	switch e.Kind {
	case bot.KindStatus:
		return withText(bot.Status(d["from"]).Label(lang) + " → " + bot.Status(d["to"]).Label(lang))
	case bot.KindPriority:
		return r.priority(lang, d["from"]) + " → " + r.priority(lang, d["to"])
	case bot.KindRole:
		who := d["user_name"]
		if who == "" {
			who = d["user_id"]
		}
		role := mdLine(bot.Role(d["role"]).Label(lang))
		if prev := d["previous"]; prev != "" {
			return t.T("postmortem.handover", "role", role, "user", mdLine(who), "previous", mdLine(prev))
		}
		return role + ": " + mdLine(who)
	case bot.KindAlert:
		return withText(mdLine(bot.AlertStatus(d["status"]).Label(lang)))
	case bot.KindEdit:
		text := t.T("postmortem.quote", "text", mdLine(e.Text))
		if e.Deleted {
			text = t.T("postmortem.deleted")
		}
		return r.message(lang, e.Refers) + " → " + text
	case bot.KindDelete:
		return r.message(lang, e.Refers)
	case bot.KindFlag:
		what := r.message(lang, e.Refers)
		switch {
		case d["flag"] == "off" || (d["flag"] == "" && !e.Key):
			return what + ": " + t.T("postmortem.unflagged")
		case e.Refers == nil:
			return what
		case e.Refers.Deleted:
			return what + ": " + t.T("postmortem.deleted")
		}
		return what + ": " + t.T("postmortem.quote", "text", mdLine(e.Refers.Text))
	case bot.KindMessage, bot.KindNote, bot.KindUpdate:
		if e.Deleted {
			return t.T("postmortem.deleted")
		}
		if e.Edited {
			return mdLine(e.Text) + t.T("postmortem.edited")
		}
		if from := DescribeOrigin(lang, d); from != "" {
			return withText(from)
		}
	}
	return mdLine(e.Text)
}

// message names the message an entry refers to by when it was posted.
func (r *Renderer) message(lang bot.Lang, ref *Ref) string {
	if ref == nil {
		return bot.T(lang, "postmortem.unknown_message")
	}
	return bot.T(lang, "postmortem.message_at", "time", r.stamp(ref.At, "15:04:05"))
}

// sample has one of everything, so that running a template on
// it reaches what the template names outside conditions it does not meet.
func sample() *Data {
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	u := User{ID: "U1", Name: "alice"}
	sec := int64(60)
	ref := &Ref{At: t, Author: u, Text: "text"}
	return &Data{
		ID: 1, Key: "INC-1", Title: "title", Description: "description", Status: bot.StatusResolved, Priority: "P1",
		Source: "manual", Channel: "inc-1", ChannelURL: "https://chat.example/C1", DeclaredBy: u,
		CreatedAt: t, AckedAt: t, ResolvedAt: t, ClosedAt: t, GeneratedAt: t, DurationSeconds: sec,
		TimeToAcknowledgeSeconds: &sec, TimeToResolveSeconds: &sec,
		PriorityHistory: []Priority{{At: t, From: "P2", To: "P1", By: u}},
		Roles:           []Role{{Role: bot.RoleCommander, User: u, Since: t, Until: t, By: u}},
		Summary:         "summary",
		Impact:          []Update{{At: t, By: u, Status: bot.StatusIdentified, Text: "text"}},
		KeyEvents:       []KeyEvent{{At: t, Author: u, Kind: bot.KindMessage, Text: "text", FlaggedBy: &u, Ref: "m1"}},
		Timeline: []Entry{{ID: "1-0", At: t, Kind: bot.KindFlag, Author: u, Key: true, RefersTo: "m1", Refers: ref,
			Data: map[string]string{"flag": "on"}}},
		FollowUps: []FollowUp{{N: 1, Text: "text", Owner: u, Due: "2026-01-09", Overdue: true,
			State: bot.FollowUpOpen, CreatedBy: u, CreatedAt: t}},
	}
}

// DescribeOrigin says which chat message an incident was declared from,
// when it was ("" otherwise).
func DescribeOrigin(lang bot.Lang, d map[string]string) string {
	if d["origin"] != "message" {
		return ""
	}
	if link := d["origin_link"]; link != "" {
		return bot.T(lang, "origin.from_message_at", "user", d["origin_author"], "link", link)
	}
	return bot.T(lang, "origin.from_message", "user", d["origin_author"])
}
