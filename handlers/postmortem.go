package handlers

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// postmortemChatMax bounds the draft posted in chat, in runes; the full
// draft is served by the API and written by `warroom export`.
const postmortemChatMax = 3500

//go:embed templates/postmortem.*.md.tmpl
var defaultTemplates embed.FS

// PostmortemData is what a postmortem draft is made of: the incident's
// record and its timeline, arranged for a blameless review. It is the data
// of the postmortem templates and, as JSON, what `warroom export --format
// json` writes. Times are UTC (templates show them in the configured
// location); lists are never null. The text of a message that was later
// deleted is left out everywhere (Deleted says so): people delete messages
// for a reason, such as a pasted secret, and a draft is shared widely.
type PostmortemData struct {
	ID          int64          `json:"id"`
	Key         string         `json:"key"` // "INC-42"
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	Status      bot.Status     `json:"status"`
	Priority    string         `json:"priority,omitempty"` // "P1".."P4", "" when unset
	Source      string         `json:"source,omitempty"`
	Channel     string         `json:"channel,omitempty"` // the channel's name
	ChannelURL  string         `json:"channel_url,omitempty"`
	DeclaredBy  PostmortemUser `json:"declared_by"`
	CreatedAt   time.Time      `json:"created_at"`
	AckedAt     time.Time      `json:"acked_at,omitzero"`
	ResolvedAt  time.Time      `json:"resolved_at,omitzero"`
	ClosedAt    time.Time      `json:"closed_at,omitzero"`
	GeneratedAt time.Time      `json:"generated_at"`
	// Ongoing is true while the incident is not resolved: DurationSeconds
	// then runs to GeneratedAt.
	Ongoing         bool  `json:"ongoing"`
	DurationSeconds int64 `json:"duration_seconds"`
	// TimeToAcknowledgeSeconds and TimeToResolveSeconds run from creation;
	// nil (null) until the incident was acknowledged or resolved.
	TimeToAcknowledgeSeconds *int64 `json:"time_to_acknowledge_seconds"`
	TimeToResolveSeconds     *int64 `json:"time_to_resolve_seconds"`
	// PriorityHistory starts with the priority given at declaration.
	PriorityHistory []PostmortemPriority `json:"priority_history"`
	// Roles are the tenures of each role, hand-overs included, in the
	// configured order of roles and then by time.
	Roles []PostmortemRole `json:"roles"`
	// Summary is what resolve said.
	Summary string `json:"summary"`
	// Impact are the status updates, in order: `update`s and status
	// changes that came with a text.
	Impact []PostmortemUpdate `json:"impact"`
	// KeyEvents are notes and the messages still flagged (pinned or marked
	// with a reaction), in timeline order.
	KeyEvents []PostmortemKeyEvent `json:"key_events"`
	// Timeline is every entry, oldest first.
	Timeline []PostmortemEntry `json:"timeline"`
	// FollowUps are the incident's follow-ups, by number.
	FollowUps []PostmortemFollowUp `json:"follow_ups"`
}

// PostmortemFollowUp is one follow-up action. Due is its due day
// (YYYY-MM-DD in the configured zone), empty when none was given; Overdue
// says it is open past that day at GeneratedAt.
type PostmortemFollowUp struct {
	N          int            `json:"n"`
	Text       string         `json:"text"`
	Owner      PostmortemUser `json:"owner"`
	Due        string         `json:"due,omitempty"`
	Overdue    bool           `json:"overdue,omitempty"`
	State      string         `json:"state"` // open, done, verified
	CreatedBy  PostmortemUser `json:"created_by"`
	CreatedAt  time.Time      `json:"created_at"`
	DoneAt     time.Time      `json:"done_at,omitzero"`
	VerifiedAt time.Time      `json:"verified_at,omitzero"`
}

// PostmortemUser is a person; Name is the display name (the ID when the
// platform gave none).
type PostmortemUser struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// PostmortemPriority is one change of priority; From is empty for the
// priority given at declaration.
type PostmortemPriority struct {
	At   time.Time      `json:"at"`
	From string         `json:"from,omitempty"`
	To   string         `json:"to"`
	By   PostmortemUser `json:"by"`
}

// PostmortemRole is one person's tenure of a role. Since is zero when the
// timeline does not say; Until is zero while they still hold it.
type PostmortemRole struct {
	Role  bot.Role       `json:"role"`
	User  PostmortemUser `json:"user"`
	Since time.Time      `json:"since,omitzero"`
	Until time.Time      `json:"until,omitzero"`
	By    PostmortemUser `json:"assigned_by"`
}

// PostmortemUpdate is one status update; Status is the status the
// incident was in (or moved to) with it.
type PostmortemUpdate struct {
	At     time.Time      `json:"at"`
	By     PostmortemUser `json:"by"`
	Status bot.Status     `json:"status"`
	Text   string         `json:"text"`
}

// PostmortemKeyEvent is a note or a flagged message. Text is the message's
// latest text (empty when Deleted). Missing marks a flagged message that is
// not on the timeline (posted before the incident channel was recorded, or
// by a bot); At and FlaggedBy are then those of the flag.
type PostmortemKeyEvent struct {
	At        time.Time       `json:"at"`
	Author    PostmortemUser  `json:"author"`
	Kind      bot.EntryKind   `json:"kind"`
	Text      string          `json:"text"`
	Edited    bool            `json:"edited,omitempty"`
	Deleted   bool            `json:"deleted,omitempty"`
	Missing   bool            `json:"missing,omitempty"`
	FlaggedBy *PostmortemUser `json:"flagged_by,omitempty"`
	Ref       string          `json:"ref,omitempty"`
}

// PostmortemEntry is one timeline entry. For a message, Edited and Deleted
// say what happened to it later; for an edit, a deletion or a flag, Refers
// is the message concerned (nil when it is not on the timeline) and
// Deleted says it was deleted since. Text is empty whenever the message
// concerned was deleted.
type PostmortemEntry struct {
	ID       string            `json:"id"`
	At       time.Time         `json:"at"`
	Kind     bot.EntryKind     `json:"kind"`
	Author   PostmortemUser    `json:"author"`
	Text     string            `json:"text"`
	Key      bool              `json:"key,omitempty"`
	Ref      string            `json:"ref,omitempty"`
	RefersTo string            `json:"refers_to,omitempty"`
	Edited   bool              `json:"edited,omitempty"`
	Deleted  bool              `json:"deleted,omitempty"`
	Refers   *PostmortemRef    `json:"refers,omitempty"`
	Data     map[string]string `json:"data,omitempty"`
}

// PostmortemRef is the message an edit, deletion or flag refers to: when
// it was posted, by whom, and its latest text (empty when deleted).
type PostmortemRef struct {
	At      time.Time      `json:"at"`
	Author  PostmortemUser `json:"author"`
	Text    string         `json:"text"`
	Deleted bool           `json:"deleted,omitempty"`
}

// Postmortem renders the incident's postmortem draft as Markdown in lang
// (an unknown or empty lang: Options.Lang, else English), with the
// configured template. It changes nothing: recording that a postmortem
// was made is the postmortem command's job. An unknown incident is an
// error wrapping bot.ErrNotFound.
func (s *Service) Postmortem(ctx context.Context, id int64, lang bot.Lang) (string, error) {
	data, err := s.PostmortemData(ctx, id)
	if err != nil {
		return "", err
	}
	return s.renderPostmortem(data, lang)
}

// PostmortemData gathers the postmortem of an incident from its record and
// its whole timeline, in reading order (bot.InOrder: an edit or a deletion
// that arrived before its message counts, and is listed, after it). An unknown incident is an error wrapping
// bot.ErrNotFound.
func (s *Service) PostmortemData(ctx context.Context, id int64) (*PostmortemData, error) {
	inc, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("postmortem of %s: %w", bot.FormatID(id), err)
	}
	entries, err := s.store.Timeline(ctx, id, store.TimelineQuery{InOrder: true})
	if err != nil {
		return nil, fmt.Errorf("postmortem of %s: %w", bot.FormatID(id), err)
	}
	fs, err := s.store.FollowUps(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("postmortem of %s: %w", bot.FormatID(id), err)
	}
	now := s.opts.Now()
	d := s.postmortemData(inc, entries, now)
	d.FollowUps = s.pmFollowUps(fs, now)
	return d, nil
}

// pmFollowUps arranges the incident's follow-ups for the postmortem.
func (s *Service) pmFollowUps(fs []bot.FollowUp, now time.Time) []PostmortemFollowUp {
	out := make([]PostmortemFollowUp, 0, len(fs))
	for i := range fs {
		f := &fs[i]
		pf := PostmortemFollowUp{N: f.N, Text: f.Text, Owner: pmUser(f.Owner), State: f.State,
			Overdue: f.Overdue(now, s.opts.Location), CreatedBy: pmUser(f.CreatedBy),
			CreatedAt: utc(f.CreatedAt), DoneAt: utc(f.DoneAt), VerifiedAt: utc(f.VerifiedAt)}
		if !f.Due.IsZero() {
			pf.Due = s.date(f.Due)
		}
		out = append(out, pf)
	}
	return out
}

// postmortemCommand handles "postmortem": it posts the draft in the
// incident channel (cut to fit chat, with where the full text is) and
// notes on the incident that a postmortem was made. Run from another
// channel, the draft is posted in the incident channel only and the
// requester is told where it is. "postmortem reviewed" marks the draft
// reviewed, which close asks of a P1 or P2.
func (s *Service) postmortemCommand(ctx context.Context, req *bot.Request) error {
	switch strings.ToLower(req.Command.Arg(0)) {
	case "":
	case "reviewed", "review", "done", "レビュー済み":
		if len(req.Command.Args) != 1 {
			return req.Usage()
		}
		return s.postmortemReviewed(ctx, req)
	default:
		return req.Usage()
	}
	md, err := s.Postmortem(ctx, req.Incident.ID, req.Lang)
	if err != nil {
		return err
	}
	inc, err := s.store.Update(ctx, req.Incident.ID, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		inc.PostmortemAt = s.opts.Now()
		return nil, nil
	})
	if err != nil {
		return err
	}
	req.Incident = inc
	link := s.postmortemURL(inc.ID, req.Lang)
	notice := "\n\n" + req.T("postmortem.truncated", "url", link, "id", inc.Key())
	msg := bot.Message{
		Text:    capRunes(md, notice, postmortemChatMax),
		Context: req.T("postmortem.context", "id", inc.Key(), "url", link),
	}
	if inc.Channel.ID != "" && inc.Platform == req.Platform.Name() && req.Event.Channel != inc.Channel.ID {
		// From elsewhere: the draft goes where the team works on it, and
		// the requester gets a pointer rather than a second copy.
		posted := msg
		if inc.Drill {
			posted.Text = req.T("drill.marker") + " · " + posted.Text
		}
		_, err := req.Platform.Post(ctx, inc.Channel.ID, posted)
		if err == nil {
			return req.Reply(ctx, bot.Message{Text: req.T("postmortem.posted", "id", inc.Key(),
				"channel", channelOf(req.Lang, inc), "url", link)})
		}
		req.Log.Warn("post postmortem to incident channel", zap.Int64("incident", inc.ID), zap.Error(err))
		return req.Reply(ctx, msg)
	}
	s.tell(ctx, req, inc, msg)
	return nil
}

// postmortemReviewed handles "postmortem reviewed": the draft was read and
// completed together. Who and when go on the incident and its timeline;
// it needs a draft, and is said once.
func (s *Service) postmortemReviewed(ctx context.Context, req *bot.Request) error {
	_, err := s.change(ctx, req, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		switch {
		case inc.PostmortemAt.IsZero():
			return nil, bot.Errorf(bot.CodeNoDraft, "id", inc.Key())
		case !inc.PostmortemReviewedAt.IsZero():
			return nil, bot.Errorf(bot.CodeAlreadyReviewed, "id", inc.Key(),
				"user", inc.PostmortemReviewedBy.Display(), "time", s.clock(inc.PostmortemReviewedAt))
		}
		inc.PostmortemReviewedAt, inc.PostmortemReviewedBy = s.opts.Now(), req.Event.User
		e := s.entry(req, bot.KindPostmortem, bot.T(s.lang(), "postmortem.entry.reviewed"))
		e.Data = map[string]string{"action": "reviewed"}
		return []bot.TimelineEntry{e}, nil
	}, func(inc *bot.Incident, lang bot.Lang) string {
		return bot.T(lang, "postmortem.reviewed", "id", inc.Key(), "user", req.Event.User.Display())
	})
	return err
}

// postmortemURL is where the API serves the draft in lang.
func (s *Service) postmortemURL(id int64, lang bot.Lang) string {
	return strings.TrimRight(s.opts.PublicURL, "/") + "/api/incidents/" + bot.FormatID(id) +
		"/postmortem.md?lang=" + url.QueryEscape(string(lang))
}

// capRunes returns text when it has at most limit runes, else as much of
// its beginning as fits, cut at a line end when one is near, followed by
// notice, in limit runes in all.
func capRunes(text, notice string, limit int) string {
	if utf8.RuneCountInString(text) <= limit {
		return text
	}
	keep := max(limit-utf8.RuneCountInString(notice), 0)
	cut := string([]rune(text)[:keep])
	if i := strings.LastIndexByte(cut, '\n'); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, "\n ") + notice
}

// needsPostmortem says why close must refuse inc without --force: it
// could close now, it is P1 or P2, and its postmortem was not drafted
// (CodeNeedsPostmortem) or not marked reviewed (CodeNeedsReview). A draft
// nobody read is not a postmortem. "" when it may close.
func (s *Service) needsPostmortem(inc *bot.Incident) string {
	if s.opts.PostmortemOptional || inc.Status.CanMove(bot.StatusClosed) != nil ||
		!inc.Priority.Valid() || inc.Priority > bot.P2 {
		return ""
	}
	switch {
	case inc.PostmortemAt.IsZero():
		return bot.CodeNeedsPostmortem
	case inc.PostmortemReviewedAt.IsZero():
		return bot.CodeNeedsReview
	}
	return ""
}

// closeForce reads "close --force [text]" (or "force"): whether it is
// forced, and the text that remains.
func closeForce(text string) (string, bool) {
	word, rest, _ := strings.Cut(strings.TrimSpace(text), " ")
	switch strings.ToLower(word) {
	case "--force", "force", "-f":
		return strings.TrimSpace(rest), true
	}
	return text, false
}

// loadPostmortemTemplates parses the postmortem template of each language:
// the file Options.PostmortemTemplate for all of them when set, else the
// embedded defaults. Each is also run once on sample data, so that most
// mistakes (a field that does not exist, a wrong argument) fail here, at
// start, and not when a team asks for its postmortem.
func (s *Service) loadPostmortemTemplates() error {
	s.postmortem = make(map[bot.Lang]*template.Template, len(bot.Langs))
	var custom []byte
	if path := s.opts.PostmortemTemplate; path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("postmortem template %s: %w", path, err)
		}
		custom = b
	}
	sample := samplePostmortem()
	for _, lang := range bot.Langs {
		name, src := s.opts.PostmortemTemplate, custom
		if custom == nil {
			name = "templates/postmortem." + string(lang) + ".md.tmpl"
			b, err := defaultTemplates.ReadFile(name)
			if err != nil {
				return fmt.Errorf("postmortem template %s: %w", name, err)
			}
			src = b
		}
		t, err := template.New(filepath.Base(name)).Funcs(s.postmortemFuncs(lang)).Parse(string(src))
		if err != nil {
			return fmt.Errorf("postmortem template %s: %w", name, err)
		}
		if err := t.Execute(io.Discard, sample); err != nil {
			return fmt.Errorf("postmortem template %s: %w", name, err)
		}
		s.postmortem[lang] = t
	}
	return nil
}

// renderPostmortem runs the template of lang on data.
func (s *Service) renderPostmortem(data *PostmortemData, lang bot.Lang) (string, error) {
	t, ok := s.postmortem[lang]
	if !ok {
		t = s.postmortem[s.lang()]
	}
	if t == nil {
		t = s.postmortem[bot.English]
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("postmortem of %s: %w", data.Key, err)
	}
	return b.String(), nil
}

// postmortemFuncs are the functions templates may use, in lang:
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
func (s *Service) postmortemFuncs(lang bot.Lang) template.FuncMap {
	return template.FuncMap{
		"t":        func(key string, args ...string) string { return bot.T(lang, key, args...) },
		"time":     func(t time.Time) string { return s.stamp(t, "2006-01-02 15:04:05 MST") },
		"clock":    func(t time.Time) string { return s.stamp(t, "15:04:05") },
		"duration": func(sec int64) string { return bot.Duration(lang, time.Duration(sec)*time.Second) },
		"status":   func(st bot.Status) string { return statusLabel(lang, st) },
		"priority": func(p string) string { return s.pmPriority(lang, p) },
		"role":     func(r bot.Role) string { return mdLine(roleLabel(lang, r)) },
		"kind":     func(k bot.EntryKind) string { return bot.T(lang, "kind."+string(k)) },
		"describe": func(e PostmortemEntry) string { return s.pmDescribe(lang, e) },
		"md":       mdEscape,
		"oneline":  mdLine,
		"cell":     mdLine, // mdEscape escapes every |
	}
}

func (s *Service) stamp(t time.Time, layout string) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(s.opts.Location).Format(layout)
}

func (s *Service) pmPriority(lang bot.Lang, v string) string {
	p, _ := bot.ParsePriority(v)
	return s.priorityLabel(lang, p)
}

// oneline is text with its line breaks and runs of spaces as one space.
func oneline(text string) string { return strings.Join(strings.Fields(text), " ") }

// mdLine is text on one line (oneline), escaped for Markdown (mdEscape).
func mdLine(text string) string { return mdEscape(oneline(text)) }

// mdEscape makes text from chat show in Markdown as the text it is, never
// as structure: the draft is pasted into wikis that render Markdown, and
// many of them render HTML in it too. In every line, invisible characters
// dropped (bot.Visible) and blanks around it trimmed (no indented code,
// no hard line break):
//
//   - <, > and & become &lt;, &gt; and &amp;: no HTML element, no comment,
//     no autolink <…>, no entity, no block quote;
//   - \ ` * [ ] | ~ are escaped with a backslash: no code span or fence,
//     no emphasis, no link or image ("[x](javascript:…)" and
//     "![](http://host/pixel.png)" show as typed, their URL in view), no
//     footnote, no table cell, no strikethrough;
//   - _ likewise, except between two letters or digits, where CommonMark
//     never reads it as emphasis (snake_case stays readable);
//   - at the line's start, the marker that would open a block is escaped
//     (blockMarker): no heading, list item, thematic break or setext
//     underline; and so is a run of # ending the line after a blank, which
//     would close an ATX heading.
//
// A bare http(s) URL stays as it is: GitHub-flavoured Markdown links it,
// and the link then shows its own URL. Line breaks are kept: lines of one
// paragraph stay one paragraph, and a blank line still separates two.
func mdEscape(text string) string {
	lines := strings.Split(bot.Visible(text), "\n")
	for i, l := range lines {
		lines[i] = mdEscapeLine(strings.Trim(l, " \t"))
	}
	return strings.Join(lines, "\n")
}

// mdEscapeLine escapes one trimmed line; see mdEscape.
func mdEscapeLine(l string) string {
	var b strings.Builder
	b.Grow(len(l) + len(l)/8)
	marker, closing := blockMarker(l), closingHashes(l)
	for i, r := range l {
		switch {
		case r == '<':
			b.WriteString("&lt;")
			continue
		case r == '>':
			b.WriteString("&gt;")
			continue
		case r == '&':
			b.WriteString("&amp;")
			continue
		case strings.ContainsRune("\\`*[]|~", r),
			r == '_' && !intraword(l, i),
			i == marker, i == closing:
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// blockMarker is the offset of the character that makes the trimmed line
// l open a block, or -1: the # of "# heading", the - or + of "- item", the
// . or ) of "1. item", the : of ": definition", and the first character
// of a line of only -, = and : (a thematic break, a setext underline or a
// table's delimiter row, blanks between them allowed).
// The other block openers (* _ > ` ~ < and |) are escaped wherever they are.
func blockMarker(l string) int {
	if l == "" {
		return -1
	}
	if strings.Trim(l, "-:= \t") == "" {
		// A thematic break, a setext underline, or a table's delimiter
		// row ("---:", ":-:"), which turns the line above into a table.
		return 0
	}
	blankOrEnd := func(rest string) bool { return rest == "" || rest[0] == ' ' || rest[0] == '\t' }
	switch c := l[0]; {
	case c == '#':
		if blankOrEnd(strings.TrimLeft(l, "#")) {
			return 0
		}
	case c == '-' || c == '+' || c == '=':
		if blankOrEnd(l[1:]) || strings.Trim(l, string(c)+" \t") == "" {
			return 0
		}
	case c == ':': // a definition, where definition lists are read
		if blankOrEnd(l[1:]) {
			return 0
		}
	case c >= '0' && c <= '9':
		rest := strings.TrimLeft(l, "0123456789")
		if rest != "" && (rest[0] == '.' || rest[0] == ')') && blankOrEnd(rest[1:]) {
			return len(l) - len(rest)
		}
	}
	return -1
}

// closingHashes is the offset of the run of # ending l after a space or a
// tab, which closes an ATX heading; -1 when there is none.
func closingHashes(l string) int {
	i := len(strings.TrimRight(l, "#"))
	if i == len(l) || i == 0 || (l[i-1] != ' ' && l[i-1] != '\t') {
		return -1
	}
	return i
}

// intraword reports whether the byte at i sits between two letters or
// digits.
func intraword(l string, i int) bool {
	prev, _ := utf8.DecodeLastRuneInString(l[:i])
	next, size := utf8.DecodeRuneInString(l[i+1:])
	return i > 0 && size > 0 && isAlnum(prev) && isAlnum(next)
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// pmDescribe says what a timeline entry records, on one line, escaped for
// Markdown: what came from people or from an alert passes mdLine, the
// catalog's words do not need to.
func (s *Service) pmDescribe(lang bot.Lang, e PostmortemEntry) string {
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
		return withText(statusLabel(lang, bot.Status(d["from"])) + " → " + statusLabel(lang, bot.Status(d["to"])))
	case bot.KindPriority:
		return s.pmPriority(lang, d["from"]) + " → " + s.pmPriority(lang, d["to"])
	case bot.KindRole:
		who := d["user_name"]
		if who == "" {
			who = d["user_id"]
		}
		role := mdLine(roleLabel(lang, bot.Role(d["role"])))
		if prev := d["previous"]; prev != "" {
			return t.T("postmortem.handover", "role", role, "user", mdLine(who), "previous", mdLine(prev))
		}
		return role + ": " + mdLine(who)
	case bot.KindAlert:
		return withText(mdLine(alertState(lang, d["status"])))
	case bot.KindEdit:
		text := t.T("postmortem.quote", "text", mdLine(e.Text))
		if e.Deleted {
			text = t.T("postmortem.deleted")
		}
		return s.pmMessage(lang, e.Refers) + " → " + text
	case bot.KindDelete:
		return s.pmMessage(lang, e.Refers)
	case bot.KindFlag:
		what := s.pmMessage(lang, e.Refers)
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
		if from := describeOrigin(lang, d); from != "" {
			return withText(from)
		}
	}
	return mdLine(e.Text)
}

// pmMessage names the message an entry refers to by when it was posted.
func (s *Service) pmMessage(lang bot.Lang, r *PostmortemRef) string {
	if r == nil {
		return bot.T(lang, "postmortem.unknown_message")
	}
	return bot.T(lang, "postmortem.message_at", "time", s.stamp(r.At, "15:04:05"))
}

func pmUser(u bot.User) PostmortemUser { return PostmortemUser{ID: u.ID, Name: u.Display()} }

// pmMessageState is what became of one recorded message.
type pmMessageState struct {
	entry   bot.TimelineEntry
	text    string // the latest text
	edited  bool
	deleted bool
}

func (m *pmMessageState) ref() *PostmortemRef {
	r := &PostmortemRef{At: m.entry.At.UTC(), Author: pmUser(m.entry.Author), Text: m.text, Deleted: m.deleted}
	if m.deleted {
		r.Text = ""
	}
	return r
}

// pmFlag is one flag on a message: who set it and whether it still holds.
type pmFlag struct {
	on bool
	by bot.User
	at time.Time
}

// pmIndex is what the postmortem needs to know about the timeline's
// messages: their fate, and the flags on them.
type pmIndex struct {
	messages map[string]*pmMessageState // by Ref
	notes    map[string]bool            // refs of notes, already key events
	// flags holds, by the flagged Ref, each way of flagging it ("pin",
	// "reaction:star") with its last state, so that unpinning a message
	// that also has a star leaves it flagged.
	flags map[string]map[string]*pmFlag
	// flagged lists flagged refs in the order first flagged.
	flagged []string
}

func newPMIndex(entries []bot.TimelineEntry) *pmIndex {
	x := &pmIndex{messages: map[string]*pmMessageState{}, notes: map[string]bool{}, flags: map[string]map[string]*pmFlag{}}
	for _, e := range entries {
		switch e.Kind {
		case bot.KindMessage:
			if _, dup := x.messages[e.Ref]; e.Ref != "" && !dup {
				x.messages[e.Ref] = &pmMessageState{entry: e, text: e.Text}
			}
		case bot.KindNote:
			if e.Ref != "" {
				x.notes[e.Ref] = true
			}
		case bot.KindEdit:
			if m := x.messages[e.RefersTo]; m != nil {
				m.text, m.edited = e.Text, true
			}
		case bot.KindDelete:
			if m := x.messages[e.RefersTo]; m != nil {
				m.deleted = true
			}
		case bot.KindFlag:
			x.flag(e)
		}
	}
	return x
}

func (x *pmIndex) flag(e bot.TimelineEntry) {
	if e.RefersTo == "" {
		return
	}
	way := e.Data["by"]
	if r := e.Data["reaction"]; r != "" {
		way += ":" + r
	}
	on := e.Data["flag"] == "on" || (e.Data["flag"] == "" && e.Key)
	ways := x.flags[e.RefersTo]
	if ways == nil {
		ways = map[string]*pmFlag{}
		x.flags[e.RefersTo] = ways
		x.flagged = append(x.flagged, e.RefersTo)
	}
	f := ways[way]
	if f == nil {
		f = &pmFlag{}
		ways[way] = f
	}
	if on && !f.on {
		f.by, f.at = e.Author, e.At
	}
	f.on = on
}

// flaggedBy returns the earliest flag still on ref, if any.
func (x *pmIndex) flaggedBy(ref string) (*pmFlag, bool) {
	var first *pmFlag
	for _, f := range x.flags[ref] {
		if f.on && (first == nil || f.at.Before(first.at)) {
			first = f
		}
	}
	return first, first != nil
}

// postmortemData arranges inc and its timeline for the postmortem.
func (s *Service) postmortemData(inc *bot.Incident, entries []bot.TimelineEntry, now time.Time) *PostmortemData {
	d := &PostmortemData{
		ID: inc.ID, Key: inc.Key(), Title: inc.Title, Description: inc.Description,
		Status: inc.Status, Priority: inc.Priority.String(), Source: inc.Source,
		Channel: inc.Channel.Name, ChannelURL: inc.Channel.URL, DeclaredBy: pmUser(inc.DeclaredBy),
		CreatedAt: utc(inc.CreatedAt), AckedAt: utc(inc.AckedAt), ResolvedAt: utc(inc.ResolvedAt),
		ClosedAt: utc(inc.ClosedAt), GeneratedAt: utc(now), Summary: inc.Summary,
		TimeToAcknowledgeSeconds: ElapsedSeconds(inc.CreatedAt, inc.AckedAt),
		TimeToResolveSeconds:     ElapsedSeconds(inc.CreatedAt, inc.ResolvedAt),
	}
	end := inc.ResolvedAt
	if end.IsZero() {
		end, d.Ongoing = now, true
	}
	if v := ElapsedSeconds(inc.CreatedAt, end); v != nil {
		d.DurationSeconds = *v
	}
	x := newPMIndex(entries)
	d.PriorityHistory = pmPriorities(entries)
	d.Roles = s.pmRoles(inc, entries)
	d.Impact = pmImpact(inc, entries)
	d.KeyEvents = x.keyEvents(entries)
	d.Timeline = x.timeline(entries)
	d.FollowUps = []PostmortemFollowUp{}
	return d
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

func pmPriorities(entries []bot.TimelineEntry) []PostmortemPriority {
	out := []PostmortemPriority{}
	for _, e := range entries {
		switch {
		case e.Kind == bot.KindDeclared && e.Data["priority"] != "":
			out = append(out, PostmortemPriority{At: e.At.UTC(), To: e.Data["priority"], By: pmUser(e.Author)})
		case e.Kind == bot.KindPriority:
			out = append(out, PostmortemPriority{At: e.At.UTC(), From: e.Data["from"], To: e.Data["to"], By: pmUser(e.Author)})
		}
	}
	return out
}

// pmRoles lists who held which role when. A current holder the timeline
// does not show taking the role got it by acknowledging the incident (ack
// makes whoever acknowledges an unled incident its commander).
func (s *Service) pmRoles(inc *bot.Incident, entries []bot.TimelineEntry) []PostmortemRole {
	out := []PostmortemRole{}
	current := map[bot.Role]int{} // role → index in out of its open tenure
	for _, e := range entries {
		if e.Kind != bot.KindRole || e.Data["role"] == "" {
			continue
		}
		r := bot.Role(e.Data["role"])
		if i, ok := current[r]; ok {
			out[i].Until = e.At.UTC()
		}
		u := bot.User{ID: e.Data["user_id"], Name: e.Data["user_name"]}
		current[r] = len(out)
		out = append(out, PostmortemRole{Role: r, User: pmUser(u), Since: e.At.UTC(), By: pmUser(e.Author)})
	}
	for r, u := range inc.Roles {
		if u.IsZero() {
			continue
		}
		i, ok := current[r]
		if ok && out[i].User.ID == u.ID {
			continue
		}
		var since time.Time
		if r == bot.RoleCommander {
			since = utc(inc.AckedAt)
		}
		if ok && !since.IsZero() {
			out[i].Until = since
		}
		out = append(out, PostmortemRole{Role: r, User: pmUser(u), Since: since})
	}
	order := func(r bot.Role) int {
		if i := slices.Index(s.opts.Roles, r); i >= 0 {
			return i
		}
		return len(s.opts.Roles)
	}
	slices.SortStableFunc(out, func(a, b PostmortemRole) int {
		if c := order(a.Role) - order(b.Role); c != 0 {
			return c
		}
		if c := strings.Compare(string(a.Role), string(b.Role)); c != 0 {
			return c
		}
		return a.Since.Compare(b.Since)
	})
	return out
}

// pmImpact lists the status updates: updates, and the status changes to
// an open status that came with a text.
func pmImpact(inc *bot.Incident, entries []bot.TimelineEntry) []PostmortemUpdate {
	status := inc.Status
	for _, e := range entries {
		if e.Kind == bot.KindStatus && e.Data["from"] != "" {
			status = bot.Status(e.Data["from"])
			break
		}
	}
	out := []PostmortemUpdate{}
	for _, e := range entries {
		switch e.Kind {
		case bot.KindStatus:
			status = bot.Status(e.Data["to"])
			if e.Text == "" || !status.Open() {
				continue
			}
		case bot.KindUpdate:
		default:
			continue
		}
		out = append(out, PostmortemUpdate{At: e.At.UTC(), By: pmUser(e.Author), Status: status, Text: e.Text})
	}
	return out
}

// keyEvents lists the notes and the messages still flagged, in timeline
// order; flagged messages that are not on the timeline come where they
// were flagged.
func (x *pmIndex) keyEvents(entries []bot.TimelineEntry) []PostmortemKeyEvent {
	out := []PostmortemKeyEvent{}
	for _, e := range entries {
		if e.Kind == bot.KindFlag {
			continue
		}
		flag, flagged := x.flaggedBy(e.Ref)
		flagged = flagged && e.Ref != "" && (e.Kind == bot.KindMessage || e.Kind == bot.KindNote)
		if !e.Key && !flagged {
			continue
		}
		ev := PostmortemKeyEvent{At: e.At.UTC(), Author: pmUser(e.Author), Kind: e.Kind, Text: e.Text, Ref: e.Ref}
		if m := x.messages[e.Ref]; e.Kind == bot.KindMessage && m != nil {
			ev.Text, ev.Edited, ev.Deleted = m.text, m.edited, m.deleted
			if m.deleted {
				ev.Text = ""
			}
		}
		if flagged && !e.Key {
			by := pmUser(flag.by)
			ev.FlaggedBy = &by
		}
		out = append(out, ev)
	}
	for _, ref := range x.flagged {
		flag, on := x.flaggedBy(ref)
		if !on || x.messages[ref] != nil || x.notes[ref] {
			continue
		}
		by := pmUser(flag.by)
		out = append(out, PostmortemKeyEvent{At: flag.at.UTC(), Kind: bot.KindMessage, Missing: true, FlaggedBy: &by, Ref: ref})
	}
	slices.SortStableFunc(out, func(a, b PostmortemKeyEvent) int { return a.At.Compare(b.At) })
	return out
}

// timeline lists every entry with what became of the messages concerned.
func (x *pmIndex) timeline(entries []bot.TimelineEntry) []PostmortemEntry {
	out := make([]PostmortemEntry, 0, len(entries))
	for _, e := range entries {
		pe := PostmortemEntry{
			ID: e.ID, At: e.At.UTC(), Kind: e.Kind, Author: pmUser(e.Author), Text: e.Text,
			Key: e.Key, Ref: e.Ref, RefersTo: e.RefersTo, Data: e.Data,
		}
		switch e.Kind {
		case bot.KindMessage:
			if m := x.messages[e.Ref]; m != nil && m.entry.ID == e.ID {
				pe.Edited, pe.Deleted = m.edited, m.deleted
			}
		case bot.KindEdit, bot.KindDelete, bot.KindFlag:
			if m := x.messages[e.RefersTo]; m != nil {
				pe.Refers = m.ref()
				pe.Deleted = m.deleted
			}
		}
		if pe.Deleted {
			pe.Text = ""
		}
		out = append(out, pe)
	}
	return out
}

// samplePostmortem has one of everything, so that running a template on
// it reaches what the template names outside conditions it does not meet.
func samplePostmortem() *PostmortemData {
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	u := PostmortemUser{ID: "U1", Name: "alice"}
	sec := int64(60)
	ref := &PostmortemRef{At: t, Author: u, Text: "text"}
	return &PostmortemData{
		ID: 1, Key: "INC-1", Title: "title", Description: "description", Status: bot.StatusResolved, Priority: "P1",
		Source: "manual", Channel: "inc-1", ChannelURL: "https://chat.example/C1", DeclaredBy: u,
		CreatedAt: t, AckedAt: t, ResolvedAt: t, ClosedAt: t, GeneratedAt: t, DurationSeconds: sec,
		TimeToAcknowledgeSeconds: &sec, TimeToResolveSeconds: &sec,
		PriorityHistory: []PostmortemPriority{{At: t, From: "P2", To: "P1", By: u}},
		Roles:           []PostmortemRole{{Role: bot.RoleCommander, User: u, Since: t, Until: t, By: u}},
		Summary:         "summary",
		Impact:          []PostmortemUpdate{{At: t, By: u, Status: bot.StatusIdentified, Text: "text"}},
		KeyEvents:       []PostmortemKeyEvent{{At: t, Author: u, Kind: bot.KindMessage, Text: "text", FlaggedBy: &u, Ref: "m1"}},
		Timeline: []PostmortemEntry{{ID: "1-0", At: t, Kind: bot.KindFlag, Author: u, Key: true, RefersTo: "m1", Refers: ref,
			Data: map[string]string{"flag": "on"}}},
		FollowUps: []PostmortemFollowUp{{N: 1, Text: "text", Owner: u, Due: "2026-01-09", Overdue: true,
			State: bot.FollowUpOpen, CreatedBy: u, CreatedAt: t}},
	}
}

// ElapsedSeconds is whole seconds from start to end, nil when either is
// unset; never negative, though replicas' clocks may disagree.
func ElapsedSeconds(start, end time.Time) *int64 {
	if start.IsZero() || end.IsZero() {
		return nil
	}
	v := int64(max(end.Sub(start), 0).Round(time.Second) / time.Second)
	return &v
}
