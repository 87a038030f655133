package bot

import (
	"strings"
	"time"
)

// ComponentState is how a component of the public status page stands.
// The states are ordered: a higher one is worse.
type ComponentState int

// The four states, best first.
const (
	Operational ComponentState = iota
	Degraded
	PartialOutage
	MajorOutage
)

var componentStateNames = []string{"operational", "degraded", "partial_outage", "major_outage"}

// String is the state's machine name, as the JSON summary and a chat
// override (`components Checkout=partial`) spell it.
func (s ComponentState) String() string {
	if s < Operational || s > MajorOutage {
		return componentStateNames[0]
	}
	return componentStateNames[s]
}

// Label is the state's name for people, in lang.
func (s ComponentState) Label(lang Lang) string { return T(lang, "status_page.state."+s.String()) }

// componentStateAliases are the short words an override may use.
var componentStateAliases = map[string]ComponentState{
	"operational": Operational, "ok": Operational, "up": Operational,
	"degraded": Degraded, "slow": Degraded,
	"partial": PartialOutage, "partial_outage": PartialOutage, "partial-outage": PartialOutage,
	"major": MajorOutage, "major_outage": MajorOutage, "major-outage": MajorOutage, "down": MajorOutage,
}

// ParseComponentState accepts a state's name or a short word for it
// (degraded, partial, major, ...), in any case.
func ParseComponentState(s string) (ComponentState, bool) {
	st, ok := componentStateAliases[strings.ToLower(strings.TrimSpace(s))]
	return st, ok
}

// StateFor is the state a customer-facing incident of priority p gives
// its components when nobody chose one: a P1 (the whole service is down
// or unusable for most customers) is a major outage, a P2 (a significant
// part is broken) a partial outage, and a P3 or P4 (slower, or a minor
// feature) is degraded: it still works, and saying "outage" would alarm
// customers more than the truth. An unset priority counts as degraded.
func StateFor(p Priority) ComponentState {
	switch p {
	case P1:
		return MajorOutage
	case P2:
		return PartialOutage
	}
	return Degraded
}

// CustomerFacing reports whether the incident is shown on the public
// status page: it affects at least one component.
func (i *Incident) CustomerFacing() bool { return len(i.Components) > 0 }

// ComponentState is the state incident i gives component c: the state
// chosen for it, else the one its priority implies.
func (i *Incident) ComponentState(c string) ComponentState {
	if v, ok := i.ComponentStates[c]; ok {
		if st, ok := ParseComponentState(v); ok {
			return st
		}
	}
	return StateFor(i.Priority)
}

// PublicText is the text of a public update in each language it was
// written in. An update written as "ja: … / en: …" has both; one written
// plainly has the same text under "" (shown to every visitor).
type PublicText map[Lang]string

// ParsePublicText reads a public update's text. When every part between
// " / " begins with a language code ("ja:" or "en:"), each part is that
// language's text; otherwise the whole text is one text for everyone.
func ParsePublicText(text string) PublicText {
	text = strings.TrimSpace(text)
	out := PublicText{}
	for _, part := range strings.Split(text, " / ") {
		code, rest, ok := strings.Cut(strings.TrimSpace(part), ":")
		l, known := ParseLang(strings.ToLower(strings.TrimSpace(code)))
		if !ok || !known || strings.TrimSpace(rest) == "" || len(code) > 3 {
			return PublicText{"": text}
		}
		out[l] = strings.TrimSpace(rest)
	}
	return out
}

// In is the text for a visitor reading lang: that language's, else the
// plain text, else any other language's.
func (p PublicText) In(lang Lang) string {
	if t, ok := p[lang]; ok {
		return t
	}
	if t, ok := p[""]; ok {
		return t
	}
	for _, l := range []Lang{English, Japanese} {
		if t, ok := p[l]; ok {
			return t
		}
	}
	return ""
}

// StatusPage is what the public status page shows: nothing in it names a
// person or holds an internal word (handlers.StatusPage builds it from
// customer-facing incidents only).
type StatusPage struct {
	// Components are the configured components, in configured order.
	Components []ComponentStatus
	// Ongoing are the open customer-facing incidents, newest first.
	Ongoing []PublicIncident
	// History are the customer-facing incidents of the last HistoryDays
	// days that have been resolved, newest first.
	History []PublicIncident
	// Days is the per-component history, oldest day first.
	Days []StatusDay
	// UpdatedAt is the time of the newest change the page shows (the
	// page's Atom <updated>), or the zero time when there is none.
	UpdatedAt time.Time
}

// HistoryDays is how many days of history the status page shows.
const HistoryDays = 90

// ComponentStatus is one component and its state now.
type ComponentStatus struct {
	Name  string
	State ComponentState
}

// PublicIncident is a customer-facing incident as the public may see it:
// no title, no names, no internal update. Number is 0 unless the status
// page is configured to show incident numbers.
type PublicIncident struct {
	// Ref identifies it on the page and in the feed without revealing its
	// number: a digest of the deployment and the incident.
	Ref        string
	Number     int64
	Components []string
	State      ComponentState
	StartedAt  time.Time
	ResolvedAt time.Time
	Updates    []PublicUpdate
}

// PublicUpdate is one customer-facing update.
type PublicUpdate struct {
	At   time.Time
	Text PublicText
}

// StatusDay is one day of the history: the worst state each component was
// in on it, in component order.
type StatusDay struct {
	Date   time.Time
	States []ComponentState
}
