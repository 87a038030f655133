// Package postmortem turns an incident's record and timeline into its
// postmortem draft: pure functions of what they are given, that touch
// neither Redis nor a platform. handlers reads the incident, its
// follow-ups and its timeline from the store and hands them here.
//
// The timeline comes as a sequence (Seq) that is read twice, never held:
// a first pass learns the fate of every message (edited, deleted,
// flagged), the priority and role history, the status updates and the
// key events, which the draft shows before the timeline and which are
// few; the second renders the timeline entry by entry while the template
// writes to its writer. The first pass needs only the timeline's notable
// part (RenderFrom), which a store that indexes it gives without reading
// the timeline, so that the timeline is then read once. What stays in
// memory is one small record per message the first pass saw (its place,
// when, by whom, its latest text and fate), never the timeline's entries
// nor the document. The sequence must give the same entries each time, in
// the timeline's reading order (bot.InOrder): an edit, a deletion or a
// flag after the message it concerns. handlers gives the curated timeline
// (bot.Curation.Entries): what responders hid
// is not in it, and corrected and backdated entries are marked.
package postmortem

import (
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/warroomhq/warroom/bot"
)

// Seq is a timeline in reading order; an error ends it and fails the
// draft. It is read more than once (see the package comment).
type Seq = iter.Seq2[bot.TimelineEntry, error]

// Entries is the sequence of a timeline held in a slice.
func Entries(entries []bot.TimelineEntry) Seq {
	return func(yield func(bot.TimelineEntry, error) bool) {
		for _, e := range entries {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// Header is what a draft says besides the timeline: the incident's record,
// its follow-ups (by number), and when the draft is made.
type Header struct {
	Incident  *bot.Incident
	FollowUps []bot.FollowUp
	Now       time.Time
}

// Data is what a postmortem draft is made of: the incident's
// record and its timeline, arranged for a blameless review. It is the data
// of the postmortem templates and, as JSON, what `warroom export --format
// json` writes. Times are UTC (templates show them in the configured
// location); lists are never null. The text of a message that was later
// deleted is left out everywhere (Deleted says so): people delete messages
// for a reason, such as a pasted secret, and a draft is shared widely.
type Data struct {
	ID          int64      `json:"id"`
	Key         string     `json:"key"` // "INC-42"
	Title       string     `json:"title"`
	Description string     `json:"description,omitempty"`
	Status      bot.Status `json:"status"`
	Priority    string     `json:"priority,omitempty"` // "P1".."P4", "" when unset
	Source      string     `json:"source,omitempty"`
	Channel     string     `json:"channel,omitempty"` // the channel's name
	ChannelURL  string     `json:"channel_url,omitempty"`
	DeclaredBy  User       `json:"declared_by"`
	CreatedAt   time.Time  `json:"created_at"`
	AckedAt     time.Time  `json:"acked_at,omitzero"`
	ResolvedAt  time.Time  `json:"resolved_at,omitzero"`
	ClosedAt    time.Time  `json:"closed_at,omitzero"`
	GeneratedAt time.Time  `json:"generated_at"`
	// Ongoing is true while the incident is not resolved: DurationSeconds
	// then runs to GeneratedAt.
	Ongoing         bool  `json:"ongoing"`
	DurationSeconds int64 `json:"duration_seconds"`
	// TimeToAcknowledgeSeconds and TimeToResolveSeconds run from creation;
	// nil (null) until the incident was acknowledged or resolved.
	TimeToAcknowledgeSeconds *int64 `json:"time_to_acknowledge_seconds"`
	TimeToResolveSeconds     *int64 `json:"time_to_resolve_seconds"`
	// PriorityHistory starts with the priority given at declaration.
	PriorityHistory []Priority `json:"priority_history"`
	// Roles are the tenures of each role, hand-overs included, in the
	// configured order of roles and then by time.
	Roles []Role `json:"roles"`
	// Summary is what resolve said.
	Summary string `json:"summary"`
	// Impact are the status updates, in order: `update`s and status
	// changes that came with a text.
	Impact []Update `json:"impact"`
	// KeyEvents are notes and the messages still flagged (pinned or marked
	// with a reaction), in timeline order.
	KeyEvents []KeyEvent `json:"key_events"`
	// Timeline is every entry, oldest first.
	Timeline []Entry `json:"timeline"`
	// FollowUps are the incident's follow-ups, by number.
	FollowUps []FollowUp `json:"follow_ups"`
}

// FollowUp is one follow-up action. Due is its due day
// (YYYY-MM-DD in the configured zone), empty when none was given; Overdue
// says it is open past that day at GeneratedAt.
type FollowUp struct {
	N          int       `json:"n"`
	Text       string    `json:"text"`
	Owner      User      `json:"owner"`
	Due        string    `json:"due,omitempty"`
	Overdue    bool      `json:"overdue,omitempty"`
	State      string    `json:"state"` // open, done, verified
	CreatedBy  User      `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	DoneAt     time.Time `json:"done_at,omitzero"`
	VerifiedAt time.Time `json:"verified_at,omitzero"`
}

// User is a person; Name is the display name (the ID when the
// platform gave none).
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Priority is one change of priority; From is empty for the
// priority given at declaration.
type Priority struct {
	At   time.Time `json:"at"`
	From string    `json:"from,omitempty"`
	To   string    `json:"to"`
	By   User      `json:"by"`
}

// Role is one person's tenure of a role. Since is zero when the
// timeline does not say; Until is zero while they still hold it.
type Role struct {
	Role  bot.Role  `json:"role"`
	User  User      `json:"user"`
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
	By    User      `json:"assigned_by"`
}

// Update is one status update; Status is the status the
// incident was in (or moved to) with it.
type Update struct {
	At     time.Time  `json:"at"`
	By     User       `json:"by"`
	Status bot.Status `json:"status"`
	Text   string     `json:"text"`
}

// KeyEvent is a note or a flagged message. Text is the message's
// latest text (empty when Deleted). Missing marks a flagged message that is
// not on the timeline (posted before the incident channel was recorded, or
// by a bot); At and FlaggedBy are then those of the flag.
type KeyEvent struct {
	At        time.Time     `json:"at"`
	Author    User          `json:"author"`
	Kind      bot.EntryKind `json:"kind"`
	Text      string        `json:"text"`
	Edited    bool          `json:"edited,omitempty"`
	Deleted   bool          `json:"deleted,omitempty"`
	Missing   bool          `json:"missing,omitempty"`
	FlaggedBy *User         `json:"flagged_by,omitempty"`
	Ref       string        `json:"ref,omitempty"`
}

// Entry is one timeline entry. For a message, Edited and Deleted
// say what happened to it later; for an edit, a deletion or a flag, Refers
// is the message concerned (nil when it is not on the timeline) and
// Deleted says it was deleted since. Text is empty whenever the message
// concerned was deleted.
type Entry struct {
	ID       string            `json:"id"`
	At       time.Time         `json:"at"`
	Kind     bot.EntryKind     `json:"kind"`
	Author   User              `json:"author"`
	Text     string            `json:"text"`
	Key      bool              `json:"key,omitempty"`
	Ref      string            `json:"ref,omitempty"`
	RefersTo string            `json:"refers_to,omitempty"`
	Edited   bool              `json:"edited,omitempty"`
	Deleted  bool              `json:"deleted,omitempty"`
	Refers   *Ref              `json:"refers,omitempty"`
	Data     map[string]string `json:"data,omitempty"`
	// Corrected says a responder corrected the entry's text or time
	// (bot.KindCorrection); Text and At are the corrected ones.
	Corrected bool `json:"corrected,omitempty"`
	// AddedAt is when a backdated entry was added; At is the time it
	// states, where the timeline shows it. Zero for the rest.
	AddedAt time.Time `json:"added_at,omitzero"`
}

// Ref is the message an edit, deletion or flag refers to: when
// it was posted, by whom, and its latest text (empty when deleted).
type Ref struct {
	At      time.Time `json:"at"`
	Author  User      `json:"author"`
	Text    string    `json:"text"`
	Deleted bool      `json:"deleted,omitempty"`
}

func user(u bot.User) User { return User{ID: u.ID, Name: u.Display()} }

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// ElapsedSeconds is whole seconds from start to end, nil (null in JSON)
// when either is unset; never negative, though replicas' clocks may
// disagree. The API reports its durations with it too.
func ElapsedSeconds(start, end time.Time) *int64 {
	if start.IsZero() || end.IsZero() {
		return nil
	}
	v := int64(max(end.Sub(start), 0).Round(time.Second) / time.Second)
	return &v
}

// message is what became of one recorded message.
type message struct {
	pos     int // its place in the timeline
	id      string
	at      time.Time
	author  bot.User
	key     bool
	text    string // the latest text
	edited  bool
	deleted bool
}

// candidate is an entry that is a key event when it is marked key or, for
// a message or a note, when it is still flagged at the end of the
// timeline: the entries marked key, the notes, and the messages whose Ref
// an earlier message already has (the first is in index.messages).
type candidate struct {
	pos    int
	at     time.Time
	author bot.User
	kind   bot.EntryKind
	text   string
	ref    string
	key    bool
}

func (m *message) ref() *Ref {
	r := &Ref{At: m.at.UTC(), Author: user(m.author), Text: m.text, Deleted: m.deleted}
	if m.deleted {
		r.Text = ""
	}
	return r
}

// flag is one flag on a message: who set it and whether it still holds.
type flag struct {
	on  bool
	by  bot.User
	at  time.Time
	pos int // the place of the entry that set it
}

// index is what the draft needs to know about the timeline's messages:
// their fate, the flags on them, and the possible key events. It is
// learnt in the first pass.
type index struct {
	messages map[string]*message // by Ref, the first message with it
	notes    map[string]bool     // refs of notes, already key events
	// candidates are the possible key events index.messages does not
	// hold, in timeline order.
	candidates []candidate
	// flags holds, by the flagged Ref, each way of flagging it ("pin",
	// "reaction:star") with its last state, so that unpinning a message
	// that also has a star leaves it flagged.
	flags map[string]map[string]*flag
	// flagged lists flagged refs in the order first flagged.
	flagged []string
	// entries is how many entries the timeline has.
	entries int
}

func newIndex() *index {
	return &index{messages: map[string]*message{}, notes: map[string]bool{}, flags: map[string]map[string]*flag{}}
}

// add learns entry e, at place pos of the timeline.
func (x *index) add(pos int, e *bot.TimelineEntry) {
	first := false
	switch e.Kind {
	case bot.KindMessage:
		if _, dup := x.messages[e.Ref]; e.Ref != "" && !dup {
			x.messages[e.Ref] = &message{pos: pos, id: e.ID, at: e.At, author: e.Author, key: e.Key, text: e.Text}
			first = true
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
		x.flag(pos, e)
		return
	}
	mayBeFlagged := e.Ref != "" && (e.Kind == bot.KindNote || (e.Kind == bot.KindMessage && !first))
	if e.Key || mayBeFlagged {
		x.candidates = append(x.candidates, candidate{pos: pos, at: e.At, author: e.Author, kind: e.Kind, text: e.Text, ref: e.Ref, key: e.Key})
	}
}

func (x *index) flag(pos int, e *bot.TimelineEntry) {
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
		ways = map[string]*flag{}
		x.flags[e.RefersTo] = ways
		x.flagged = append(x.flagged, e.RefersTo)
	}
	f := ways[way]
	if f == nil {
		f = &flag{}
		ways[way] = f
	}
	if on && !f.on {
		f.by, f.at, f.pos = e.Author, e.At, pos
	}
	f.on = on
}

// flaggedBy returns the earliest flag still on ref, if any; of flags set
// at the same time, the one set first on the timeline.
func (x *index) flaggedBy(ref string) (*flag, bool) {
	var first *flag
	for _, f := range x.flags[ref] {
		if f.on && (first == nil || f.at.Before(first.at) || (f.at.Equal(first.at) && f.pos < first.pos)) {
			first = f
		}
	}
	return first, first != nil
}

// gather makes the draft but its timeline (Data.Timeline is left nil) in
// one pass over entries, and returns it with the index the timeline's
// entries need (entry).
func (r *Renderer) gather(h Header, entries Seq) (*Data, *index, error) {
	inc, now := h.Incident, h.Now
	d := &Data{
		ID: inc.ID, Key: inc.Key(), Title: inc.Title, Description: inc.Description,
		Status: inc.Status, Priority: inc.Priority.String(), Source: inc.Source,
		Channel: inc.Channel.Name, ChannelURL: inc.Channel.URL, DeclaredBy: user(inc.DeclaredBy),
		CreatedAt: utc(inc.CreatedAt), AckedAt: utc(inc.AckedAt), ResolvedAt: utc(inc.ResolvedAt),
		ClosedAt: utc(inc.ClosedAt), GeneratedAt: utc(now), Summary: inc.Summary,
		TimeToAcknowledgeSeconds: ElapsedSeconds(inc.CreatedAt, inc.AckedAt),
		TimeToResolveSeconds:     ElapsedSeconds(inc.CreatedAt, inc.ResolvedAt),
		PriorityHistory:          []Priority{}, Roles: []Role{}, Impact: []Update{},
	}
	end := inc.ResolvedAt
	if end.IsZero() {
		end, d.Ongoing = now, true
	}
	if v := ElapsedSeconds(inc.CreatedAt, end); v != nil {
		d.DurationSeconds = *v
	}
	d.FollowUps = r.followUps(h.FollowUps, now)

	x := newIndex()
	current := map[bot.Role]int{} // role → index in d.Roles of its open tenure
	// The updates before the first status change are in the status it
	// changed from, known when it comes (or the incident's, if none does).
	initial, initialKnown := inc.Status, false
	var status bot.Status
	changed, pending := false, 0
	pos := 0
	for e, err := range entries {
		if err != nil {
			return nil, nil, err
		}
		x.add(pos, &e)
		pos++
		switch {
		case e.Kind == bot.KindDeclared && e.Data["priority"] != "":
			d.PriorityHistory = append(d.PriorityHistory, Priority{At: e.At.UTC(), To: e.Data["priority"], By: user(e.Author)})
		case e.Kind == bot.KindPriority:
			d.PriorityHistory = append(d.PriorityHistory, Priority{At: e.At.UTC(), From: e.Data["from"], To: e.Data["to"], By: user(e.Author)})
		case e.Kind == bot.KindRole && e.Data["role"] != "":
			role := bot.Role(e.Data["role"])
			if i, ok := current[role]; ok {
				d.Roles[i].Until = e.At.UTC()
			}
			u := bot.User{ID: e.Data["user_id"], Name: e.Data["user_name"]}
			current[role] = len(d.Roles)
			d.Roles = append(d.Roles, Role{Role: role, User: user(u), Since: e.At.UTC(), By: user(e.Author)})
		case e.Kind == bot.KindStatus:
			if from := e.Data["from"]; from != "" && !initialKnown {
				initial, initialKnown = bot.Status(from), true
			}
			status, changed = bot.Status(e.Data["to"]), true
			if e.Text != "" && status.Open() {
				d.Impact = append(d.Impact, Update{At: e.At.UTC(), By: user(e.Author), Status: status, Text: e.Text})
			}
		case e.Kind == bot.KindUpdate:
			d.Impact = append(d.Impact, Update{At: e.At.UTC(), By: user(e.Author), Status: status, Text: e.Text})
			if !changed {
				pending++
			}
		}
	}
	x.entries = pos
	for i := range pending {
		d.Impact[i].Status = initial
	}
	d.Roles = currentRoles(d.Roles, current, inc, r.cfg.Roles)
	d.KeyEvents = x.keyEvents()
	return d, x, nil
}

// currentRoles completes the role tenures the timeline shows with the
// incident's current holders. A current holder the timeline does not show
// taking the role got it by acknowledging the incident (ack makes whoever
// acknowledges an unled incident its commander). They come in the order
// of roles, then by time.
func currentRoles(out []Role, current map[bot.Role]int, inc *bot.Incident, roles []bot.Role) []Role {
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
		out = append(out, Role{Role: r, User: user(u), Since: since})
	}
	order := func(r bot.Role) int {
		if i := slices.Index(roles, r); i >= 0 {
			return i
		}
		return len(roles)
	}
	slices.SortStableFunc(out, func(a, b Role) int {
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

// keyEvents are the notes and other entries marked key, and the messages
// (and notes) still flagged, in timeline order; flagged messages that are
// not on the timeline come where they were flagged.
func (x *index) keyEvents() []KeyEvent {
	type placed struct {
		pos int
		ev  KeyEvent
	}
	var found []placed
	add := func(c candidate) {
		flag, flagged := x.flaggedBy(c.ref)
		flagged = flagged && c.ref != "" && (c.kind == bot.KindMessage || c.kind == bot.KindNote)
		if !c.key && !flagged {
			return
		}
		ev := KeyEvent{At: c.at.UTC(), Author: user(c.author), Kind: c.kind, Text: c.text, Ref: c.ref}
		if m := x.messages[c.ref]; c.kind == bot.KindMessage && m != nil {
			ev.Text, ev.Edited, ev.Deleted = m.text, m.edited, m.deleted
			if m.deleted {
				ev.Text = ""
			}
		}
		if flagged && !c.key {
			by := user(flag.by)
			ev.FlaggedBy = &by
		}
		found = append(found, placed{c.pos, ev})
	}
	for _, c := range x.candidates {
		add(c)
	}
	for _, ref := range x.flagged {
		if m := x.messages[ref]; m != nil && !m.key { // a key one is a candidate
			add(candidate{pos: m.pos, at: m.at, author: m.author, kind: bot.KindMessage, ref: ref})
		}
	}
	slices.SortFunc(found, func(a, b placed) int { return a.pos - b.pos })
	out := make([]KeyEvent, 0, len(found))
	for _, p := range found {
		out = append(out, p.ev)
	}
	for _, ref := range x.flagged {
		flag, on := x.flaggedBy(ref)
		if !on || x.messages[ref] != nil || x.notes[ref] {
			continue
		}
		by := user(flag.by)
		out = append(out, KeyEvent{At: flag.at.UTC(), Kind: bot.KindMessage, Missing: true, FlaggedBy: &by, Ref: ref})
	}
	slices.SortStableFunc(out, func(a, b KeyEvent) int { return a.At.Compare(b.At) })
	return out
}

// entry is e as the draft's timeline shows it, with what became of the
// message concerned.
func (x *index) entry(e *bot.TimelineEntry) Entry {
	pe := Entry{
		ID: e.ID, At: e.At.UTC(), Kind: e.Kind, Author: user(e.Author), Text: e.Text,
		Key: e.Key, Ref: e.Ref, RefersTo: e.RefersTo, Data: e.Data,
		Corrected: e.Data[bot.DataCorrected] == "1",
	}
	if v := e.Data[bot.DataAddedAt]; v != "" {
		if added, err := time.Parse(time.RFC3339Nano, v); err == nil {
			pe.AddedAt = added.UTC()
		}
	}
	switch e.Kind {
	case bot.KindMessage:
		if m := x.messages[e.Ref]; m != nil && m.id == e.ID {
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
	return pe
}

// timeline is the second pass: the draft's timeline, entry by entry. The
// first error of entries is left in *err and ends it.
func (x *index) timeline(entries Seq, err *error) iter.Seq[*Entry] {
	return func(yield func(*Entry) bool) {
		for e, e2 := range entries {
			if e2 != nil {
				*err = e2
				return
			}
			pe := x.entry(&e)
			if !yield(&pe) {
				return
			}
		}
	}
}
