package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/postmortem"
	"github.com/warroomhq/warroom/store"
)

const (
	defaultTimeline = 20
	maxTimeline     = 200
)

// timeline handles "timeline [n]": the last n entries of the curated view
// (CuratedTimeline: an edit that overtook its message shown after it,
// corrections applied, backdated entries at their time, hidden ones
// marked), oldest first, each with the ref that names it in "timeline
// edit|hide|unhide <ref>" (curate).
func (s *Service) timeline(ctx context.Context, req *bot.Request) error {
	switch verb := strings.ToLower(req.Command.Arg(0)); verb {
	case "edit", "correct", "hide", "unhide":
		if verb == "correct" {
			verb = "edit"
		}
		_, rest := cutWord(req.Command.Text)
		return s.curate(ctx, req, verb, rest)
	}
	n := defaultTimeline
	if a := req.Command.Arg(0); a != "" {
		v, err := strconv.Atoi(a)
		if err != nil || v < 1 || v > maxTimeline {
			return bot.Errorf(bot.CodeBadNumber, "value", a, "max", strconv.Itoa(maxTimeline))
		}
		n = v
	}
	inc := req.Incident
	page, err := s.CuratedTimeline(ctx, inc.ID, store.TimelineQuery{Last: n})
	if err != nil {
		return err
	}
	entries := page.Entries
	total, err := s.store.TimelineLen(ctx, inc.ID)
	if err != nil {
		return err
	}
	lines := make([]string, 0, len(entries))
	for _, e := range entries {
		lines = append(lines, s.curatedLine(req.Lang, s.zone(req), e))
	}
	msg := bot.Message{
		Title:   req.T("timeline.title", "id", inc.Key(), "title", inc.Title),
		Text:    strings.Join(lines, "\n"),
		Context: req.T("timeline.count", "shown", strconv.Itoa(len(entries)), "total", strconv.FormatInt(total, 10)),
	}
	return req.Reply(ctx, msg)
}

// timelineLine renders one entry as
// "2026-11-25 10:42:07 JST  alice  [status] investigating → resolved: text".
func (s *Service) timelineLine(lang bot.Lang, loc *time.Location, e bot.TimelineEntry) string {
	what := s.describe(lang, e)
	mark := ""
	if e.Key {
		mark = "★ "
	}
	stamp := e.At.In(loc).Format("2006-01-02 15:04:05 MST")
	return fmt.Sprintf("%s  %s%s  [%s] %s", stamp, mark, e.Author.Display(), bot.T(lang, "kind."+string(e.Kind)), what)
}

// curatedLine is timelineLine with what curation did to the entry and
// the ref that names it first: "#mipq3x1a  2026-12-03 14:05:00 JST  alice  [note] deploy started (added …)".
func (s *Service) curatedLine(lang bot.Lang, loc *time.Location, e bot.CuratedEntry) string {
	line := s.timelineLine(lang, loc, e.TimelineEntry)
	if e.Backdated() {
		if added, err := time.Parse(time.RFC3339Nano, e.Data[bot.DataAddedAt]); err == nil {
			line += " " + bot.T(lang, "timeline.added", "time", clockIn(loc, added))
		}
	}
	if e.Corrected() {
		line += " " + bot.T(lang, "timeline.corrected")
	}
	if e.Hidden {
		line += " " + bot.T(lang, "timeline.hidden")
	}
	return "#" + bot.ShortRef(e.ID) + "  " + line
}

// describe says what an entry records, in words.
func (s *Service) describe(lang bot.Lang, e bot.TimelineEntry) string {
	d := e.Data
	var what string
	switch e.Kind {
	case bot.KindStatus:
		what = bot.Status(d["from"]).Label(lang) + " → " + bot.Status(d["to"]).Label(lang)
	case bot.KindPriority:
		from, _ := bot.ParsePriority(d["from"])
		to, _ := bot.ParsePriority(d["to"])
		what = s.priorityLabel(lang, from) + " → " + s.priorityLabel(lang, to)
	case bot.KindRole:
		who := d["user_name"]
		if who == "" {
			who = d["user_id"]
		}
		what = bot.Role(d["role"]).Label(lang) + ": " + who
	case bot.KindEdit, bot.KindDelete, bot.KindFlag:
		what = "(" + e.RefersTo + ")"
	case bot.KindMember:
		who := d["user_name"]
		if who == "" {
			who = d["user_id"]
		}
		what = bot.T(lang, "member.entry", "user", who)
	case bot.KindAccess:
		what = bot.T(lang, "access.entry", "command", d["command"])
	case bot.KindAlert:
		what = bot.AlertStatus(d["status"]).Label(lang)
	case bot.KindNote:
		what = postmortem.DescribeOrigin(lang, d)
	}
	return withVia(lang, d["via"], joinWhat(what, e.Text))
}

func joinWhat(what, text string) string {
	switch {
	case what == "":
		return text
	case text == "":
		return what
	}
	return what + ": " + text
}

// withVia ends text with where it was done from ("(from the web)") when
// via names a platform other than the person's own that the catalog has
// words for.
func withVia(lang bot.Lang, via, text string) string {
	if via == "" || !bot.Has("via."+via) {
		return text
	}
	return text + " " + bot.T(lang, "via."+via)
}

// summary handles "summary": the incident at a glance.
func (s *Service) summary(ctx context.Context, req *bot.Request) error {
	inc := req.Incident
	msg := s.cardIn(ctx, inc, req.Lang, s.zone(req))
	end := s.opts.Now()
	if !inc.ResolvedAt.IsZero() {
		end = inc.ResolvedAt
	}
	msg.Fields = append(msg.Fields, bot.Field{Label: req.T("field.duration"), Value: bot.Duration(req.Lang, end.Sub(inc.CreatedAt))})
	if !inc.AckedAt.IsZero() {
		msg.Fields = append(msg.Fields, bot.Field{Label: req.T("field.tta"), Value: bot.Duration(req.Lang, inc.AckedAt.Sub(inc.CreatedAt))})
	}
	msg.Fields = append(msg.Fields, bot.Field{Label: req.T("field.channel"), Value: channelOf(req.Lang, inc)})
	if !inc.LastUpdate.IsZero() {
		msg.Fields = append(msg.Fields, bot.Field{Label: req.T("field.last_update"), Value: clockIn(s.zone(req), inc.LastUpdate)})
	}
	return req.Reply(ctx, msg)
}

// list handles "list [all]": open incidents, or the most recent ones.
func (s *Service) list(ctx context.Context, req *bot.Request) error {
	all := strings.EqualFold(req.Command.Arg(0), "all")
	incs, err := s.store.List(ctx, store.ListQuery{Open: !all, Limit: 25, Keep: s.seesFunc(ctx, req)})
	if err != nil {
		return err
	}
	key := "list.open"
	if all {
		key = "list.all"
	}
	if len(incs) == 0 {
		return req.Reply(ctx, bot.Message{Text: req.T(key + ".none")})
	}
	lines := make([]string, 0, len(incs))
	for _, inc := range incs {
		title := inc.Title
		if inc.Drill {
			title = req.T("drill.marker") + " " + title
		}
		lines = append(lines, req.T("list.line", "id", inc.Key(), "priority", s.priorityLabel(req.Lang, inc.Priority),
			"status", inc.Status.Label(req.Lang), "title", title, "commander", holder(req.Lang, inc, bot.RoleCommander),
			"channel", channelOf(req.Lang, inc), "age", bot.Duration(req.Lang, s.opts.Now().Sub(inc.CreatedAt))))
	}
	return req.Reply(ctx, bot.Message{Title: req.T(key), Text: strings.Join(lines, "\n")})
}
