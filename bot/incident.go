package bot

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Status is where an incident stands in its lifecycle.
type Status string

// The lifecycle. An alert opens an incident in StatusTriage; a person
// declaring one starts at StatusInvestigating. StatusDeclined ends a triage
// that was a false alarm; StatusClosed means the postmortem is done.
const (
	StatusTriage        Status = "triage"
	StatusInvestigating Status = "investigating"
	StatusIdentified    Status = "identified"
	StatusMonitoring    Status = "monitoring"
	StatusResolved      Status = "resolved"
	StatusClosed        Status = "closed"
	StatusDeclined      Status = "declined"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{
	StatusTriage, StatusInvestigating, StatusIdentified, StatusMonitoring,
	StatusResolved, StatusClosed, StatusDeclined,
}

// transitions is the lifecycle graph: from → the statuses it may move to.
var transitions = map[Status][]Status{
	StatusTriage:        {StatusInvestigating, StatusIdentified, StatusMonitoring, StatusResolved, StatusDeclined},
	StatusInvestigating: {StatusIdentified, StatusMonitoring, StatusResolved},
	StatusIdentified:    {StatusInvestigating, StatusMonitoring, StatusResolved},
	StatusMonitoring:    {StatusInvestigating, StatusIdentified, StatusResolved},
	StatusResolved:      {StatusClosed, StatusInvestigating},
	StatusClosed:        {StatusInvestigating},
	StatusDeclined:      {StatusInvestigating},
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// Open reports whether an incident in status s still needs responders:
// every status before resolved.
func (s Status) Open() bool {
	switch s {
	case StatusTriage, StatusInvestigating, StatusIdentified, StatusMonitoring:
		return true
	}
	return false
}

// Next lists the statuses s may move to.
func (s Status) Next() []Status { return transitions[s] }

// CanMove returns nil when the lifecycle allows s → to, and otherwise a
// coded *Error (CodeBadTransition, or CodeSameStatus when nothing would
// change) that names the allowed next statuses.
func (s Status) CanMove(to Status) error {
	if s == to {
		e := Errorf(CodeSameStatus, "status", string(to))
		e.Statuses = []string{"status"}
		return e
	}
	for _, n := range transitions[s] {
		if n == to {
			return nil
		}
	}
	next := make([]string, 0, len(transitions[s]))
	for _, n := range transitions[s] {
		next = append(next, string(n))
	}
	e := Errorf(CodeBadTransition, "from", string(s), "to", string(to), "allowed", strings.Join(next, ", "))
	e.Statuses = []string{"from", "to", "allowed"}
	return e
}

// ParseStatus accepts a status name in any case.
func ParseStatus(s string) (Status, bool) {
	st := Status(strings.ToLower(strings.TrimSpace(s)))
	return st, st.Valid()
}

// Priority is an incident's urgency, P1 (worst) to P4. Zero means unset.
type Priority int

// The four priorities.
const (
	P1 Priority = 1
	P2 Priority = 2
	P3 Priority = 3
	P4 Priority = 4
)

// Priorities lists P1..P4.
var Priorities = []Priority{P1, P2, P3, P4}

// Valid reports whether p is one of P1..P4.
func (p Priority) Valid() bool { return p >= P1 && p <= P4 }

// String renders "P1".."P4", or "" when unset.
func (p Priority) String() string {
	if !p.Valid() {
		return ""
	}
	return "P" + strconv.Itoa(int(p))
}

var priorityAliases = map[string]Priority{
	"critical": P1, "high": P2, "medium": P3, "low": P4,
	"crit": P1, "med": P3,
}

// ParsePriority accepts P1..P4, SEV1..SEV4 (also "sev-1"), a bare 1..4, and
// the words critical, high, medium and low, in any case.
func ParsePriority(s string) (Priority, bool) {
	v := strings.ToLower(strings.TrimSpace(s))
	if p, ok := priorityAliases[v]; ok {
		return p, true
	}
	for _, prefix := range []string{"sev-", "sev", "p"} {
		if strings.HasPrefix(v, prefix) {
			v = strings.TrimPrefix(v, prefix)
			break
		}
	}
	if len(v) != 1 {
		return 0, false
	}
	p := Priority(v[0] - '0')
	return p, p.Valid()
}

// Role is a responsibility in an incident. The four built-in roles always
// exist; configuration may add more.
type Role string

// The built-in roles.
const (
	RoleCommander      Role = "commander"
	RoleCommunications Role = "communications"
	RoleScribe         Role = "scribe"
	RoleOperations     Role = "operations"
)

// BuiltinRoles lists the roles every deployment has, in display order.
var BuiltinRoles = []Role{RoleCommander, RoleCommunications, RoleScribe, RoleOperations}

var roleAliases = map[string]Role{
	"ic": RoleCommander, "lead": RoleCommander, "incident-commander": RoleCommander,
	"comms": RoleCommunications, "communication": RoleCommunications,
	"ops": RoleOperations, "operator": RoleOperations,
	"notes": RoleScribe, "note-taker": RoleScribe,
}

// ParseRole resolves name (or a common alias such as "ic", "comms", "ops")
// against the known roles.
func ParseRole(name string, known []Role) (Role, bool) {
	v := strings.ToLower(strings.TrimSpace(name))
	if r, ok := roleAliases[v]; ok {
		v = string(r)
	}
	for _, r := range known {
		if string(r) == v {
			return r, true
		}
	}
	return "", false
}

// User is a person (or the bot) as a platform knows them.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Profile is what a platform tells of a person, kept in the users cache:
// display name, language ("ja-JP") and time zone (an IANA name).
type Profile struct {
	Name, Locale, TZ string
}

// IsZero reports whether u names nobody.
func (u User) IsZero() bool { return u.ID == "" }

// Display is the name to show people: the name when known, else the ID.
func (u User) Display() string {
	if u.Name != "" {
		return u.Name
	}
	return u.ID
}

// MessageRef identifies one posted message on a platform.
type MessageRef struct {
	ChannelID string `json:"channel_id"`
	ID        string `json:"id"`
}

// IsZero reports whether r refers to nothing.
func (r MessageRef) IsZero() bool { return r.ID == "" }

// Channel is a conversation on a platform.
type Channel struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	URL  string `json:"url,omitempty"`
}

// Incident is the record of one incident. The store owns its persistence;
// every change to it is also written to its timeline.
type Incident struct {
	ID          int64             `json:"id"`
	Title       string            `json:"title"`
	Description string            `json:"description,omitempty"`
	Status      Status            `json:"status"`
	Priority    Priority          `json:"priority,omitempty"`
	Summary     string            `json:"summary,omitempty"`
	Platform    string            `json:"platform"`
	Channel     Channel           `json:"channel"`
	Card        MessageRef        `json:"card"`
	Roles       map[Role]User     `json:"roles,omitempty"`
	DeclaredBy  User              `json:"declared_by"`
	Source      string            `json:"source,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	// Links are the alert's dashboards, runbooks and sources.
	Links []Link `json:"links,omitempty"`
	// Announce, when set, is the channel that receives this incident's
	// announcements instead of the platform's default (set by an alert
	// routing rule).
	Announce   string    `json:"announce_channel,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	AckedAt    time.Time `json:"acked_at,omitzero"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	ClosedAt   time.Time `json:"closed_at,omitzero"`
	UpdatedAt  time.Time `json:"updated_at"`
	LastUpdate time.Time `json:"last_update_at,omitzero"`
	// PostmortemAt is when the last postmortem draft was made; close
	// requires one for P1 and P2 unless forced.
	PostmortemAt time.Time `json:"postmortem_at,omitzero"`
	// PostmortemReviewedAt is when someone (PostmortemReviewedBy) said the
	// team reviewed the draft (`postmortem reviewed`); close requires it
	// for P1 and P2 unless forced.
	PostmortemReviewedAt time.Time `json:"postmortem_reviewed_at,omitzero"`
	PostmortemReviewedBy User      `json:"postmortem_reviewed_by,omitzero"`
	// PostmortemPublishedAt is when someone (PostmortemPublishedBy)
	// published the reviewed postmortem to the library (`postmortem
	// publish`, or the web's Publish button).
	PostmortemPublishedAt time.Time `json:"postmortem_published_at,omitzero"`
	PostmortemPublishedBy User      `json:"postmortem_published_by,omitzero"`
	// Drill marks a practice incident: it is left out of stats, metrics
	// and search unless asked for.
	Drill bool `json:"drill,omitempty"`
	// Private incidents exist only for their audience (Admits, and the
	// handlers' audience rule): for everyone else they are not found.
	// Privacy is chosen at declaration and never changes.
	Private bool `json:"private,omitempty"`
	// Paged says a page of the people on call (bot.Pager) was triggered
	// for the incident and not yet resolved.
	Paged bool `json:"paged,omitempty"`
	// CallURL is the join link of the incident's video meeting
	// (bot.CallProvider), CallID the provider's meeting ID and CallName the
	// provider ("Zoom"). The link may carry the meeting's password: it is
	// shown only to the incident's audience and never logged.
	CallURL  string `json:"call_url,omitempty"`
	CallID   string `json:"call_id,omitempty"`
	CallName string `json:"call_name,omitempty"`
	// CallClaimedAt is when a replica claimed the creation of the call, so
	// that two replicas or retries never create two meetings; zero when
	// nobody is creating one (see CallClaimTTL).
	CallClaimedAt time.Time `json:"call_claimed_at,omitzero"`
	// Members are the user IDs, on the incident's platform, of the people
	// of a private incident: those Warroom invited, added, gave a role or
	// a follow-up, or saw join its channel, until they leave. Role holders
	// belong to the audience whether or not they are listed. Public
	// incidents keep no members.
	Members []string `json:"members,omitempty"`
	// Components are the status page components this incident affects;
	// with any it is customer-facing (CustomerFacing) and shown, without
	// names or internal words, on the public status page.
	Components []string `json:"components,omitempty"`
	// ComponentStates are the states chosen for some of Components
	// (a ComponentState's name); the others follow the priority (StateFor).
	ComponentStates map[string]string `json:"component_states,omitempty"`
}

// Admits reports whether the person with userID on platform belongs to the
// incident's audience as its record knows it: anyone for a public incident;
// for a private one, its members and role holders on its own platform.
// Admins, and people the platform itself vouches for, are the handlers'
// business.
func (i *Incident) Admits(platform, userID string) bool {
	if !i.Private {
		return true
	}
	if userID == "" || platform != i.Platform {
		return false
	}
	return slices.Contains(i.Members, userID) || i.HoldsRole(userID)
}

// HoldsRole reports whether the person with userID holds any role.
func (i *Incident) HoldsRole(userID string) bool {
	for _, u := range i.Roles {
		if userID != "" && u.ID == userID {
			return true
		}
	}
	return false
}

// AddMembers lists userIDs among a private incident's members and reports
// whether any was new; a public incident keeps no members.
func (i *Incident) AddMembers(userIDs ...string) bool {
	if !i.Private {
		return false
	}
	changed := false
	for _, id := range userIDs {
		if id != "" && !slices.Contains(i.Members, id) {
			i.Members = append(i.Members, id)
			changed = true
		}
	}
	return changed
}

// RemoveMember takes userID off the members and reports whether it was
// there.
func (i *Incident) RemoveMember(userID string) bool {
	n := len(i.Members)
	i.Members = slices.DeleteFunc(i.Members, func(id string) bool { return id == userID })
	return len(i.Members) != n
}

// Key is the incident's human identifier, "INC-42".
func (i *Incident) Key() string { return FormatID(i.ID) }

// Holder returns who holds role r, if anyone.
func (i *Incident) Holder(r Role) (User, bool) {
	u, ok := i.Roles[r]
	return u, ok && !u.IsZero()
}

// FormatID renders an incident number as "INC-42".
func FormatID(id int64) string { return fmt.Sprintf("INC-%d", id) }

// ParseID accepts "INC-42", "inc-42", "#42" or "42".
func ParseID(s string) (int64, bool) {
	v := strings.TrimSpace(s)
	if len(v) > 4 && strings.EqualFold(v[:4], "INC-") {
		v = v[4:]
	} else {
		v = strings.TrimPrefix(v, "#")
	}
	if v == "" || v[0] == '+' || v[0] == '-' {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}
