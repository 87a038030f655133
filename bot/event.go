package bot

import "time"

// EventKind says what happened on a platform.
type EventKind string

// Event kinds.
const (
	EventCommand       EventKind = "command"        // a typed command (/incident ..., @Warroom ...)
	EventAction        EventKind = "action"         // a button or select was clicked
	EventForm          EventKind = "form"           // a form was submitted
	EventMessage       EventKind = "message"        // a person posted in a channel
	EventMessageEdit   EventKind = "message_edit"   // a message was edited
	EventMessageDelete EventKind = "message_delete" // a message was deleted
	EventReaction      EventKind = "reaction"       // a reaction was added to a message
	EventUnreact       EventKind = "unreact"        // a reaction was removed from a message
	EventPin           EventKind = "pin"            // a message was pinned
	EventUnpin         EventKind = "unpin"          // a message was unpinned
	EventAlert         EventKind = "alert"          // a monitoring alert arrived
	EventJoin          EventKind = "join"           // a person joined a channel (or was added to it)
	EventLeave         EventKind = "leave"          // a person left a channel (or was removed from it)
)

// Reaction is what a reaction to a message means to Warroom. Each adapter
// maps its platform's own reactions (Slack's emoji names, Teams' reaction
// types) onto it, so that handlers never read a platform's vocabulary.
type Reaction string

// ReactionKey marks the message reacted to as a key event of its
// incident: the timeline flags it (removing the reaction unflags it) and
// the postmortem lists it.
const ReactionKey Reaction = "key"

// channelEvent reports whether events of kind k are recorded on the
// timeline of the channel they happened in (and kept in its order).
func (k EventKind) channelEvent() bool {
	switch k {
	case EventMessage, EventMessageEdit, EventMessageDelete, EventReaction, EventUnreact, EventPin, EventUnpin,
		EventJoin, EventLeave:
		return true
	}
	return false
}

// Event is one inbound happening, already verified and parsed by an adapter.
type Event struct {
	// ID is the platform's delivery ID, used to drop duplicate deliveries;
	// empty when the platform has none.
	ID       string
	Kind     EventKind
	Platform string
	// UserPlatform is the platform User's ID belongs to when it is not
	// Platform: a browser signed in as a Slack person acts through the web
	// platform ("web") as that Slack person ("slack"). Empty means
	// Platform. Home reads it.
	UserPlatform string
	// At is when it happened on the platform (zero: when received).
	At      time.Time
	User    User
	Channel string
	// Text is the command line for EventCommand (without "/incident" or the
	// bot mention), and the message text for messages and edits.
	Text string
	// Ref is the platform reference of the message concerned: the new
	// message, or the original one for edits, deletions, reactions and pins.
	Ref string
	// Thread is the reference of the thread root when the message is a reply.
	Thread string
	// Action is the clicked button's command name and Value its arguments
	// (for EventAction). Option is the chosen select option, if any.
	Action string
	Value  string
	Option string
	// Form carries a submitted form (EventForm).
	Form *FormSubmission
	// Alert carries a monitoring alert (EventAlert).
	Alert *Alert
	// Reaction is the reaction's own name on its platform (EventReaction,
	// EventUnreact): Slack's emoji name, Teams' reaction type. Handlers
	// keep it on the timeline without reading it, so that two reactions on
	// one message are two flags; Meaning says what it means.
	Reaction string
	// Meaning is what the reaction means to Warroom, as its adapter mapped
	// it; "" for a reaction that means nothing to Warroom.
	Meaning Reaction
	// Origin is the message the person acted on, when they started from
	// one (a message shortcut or message action): "declare" then opens its
	// form pre-filled from it.
	Origin *Origin
	// Locale is the person's language when the platform tells ("ja", "en").
	Locale string
	// TZ is the person's time zone when the platform tells, an IANA name
	// such as "Asia/Tokyo" (Slack's users.info tz).
	TZ string
	// Reply carries whatever the adapter needs to answer this event later
	// (a response URL, a trigger ID); the core never looks inside. It is
	// not part of the event's JSON: the platform's ReplyCodec carries it
	// through the Overflow.
	Reply any `json:"-"`
	// Answer, when set, is the slot of an adapter waiting to put the
	// event's first reply in its acknowledgement (see Answer). It lives
	// only in this process: an event stored and handled elsewhere loses
	// it, and its reply goes the usual way.
	Answer *Answer `json:"-"`
	// Done, when set, is called once the event has been fully handled. An
	// event with a Done never waits in the Overflow.
	Done func(error) `json:"-"`
}

// FormSubmission is a submitted Form.
type FormSubmission struct {
	ID     string
	Meta   string
	Values map[string][]string
	// Origin is the Form's Origin, carried back by the platform.
	Origin *Origin
}

// Origin is a message someone started from, as the platform showed it:
// Slack's "Declare from message" shortcut, Teams' message action. Adapters
// fill what their platform tells, as plain text (markup and HTML
// removed); handlers decide what becomes of it.
type Origin struct {
	// Channel and Ref locate the message on its platform.
	Channel string
	Ref     string
	// Author wrote the message (a person, or a bot's ID and name).
	Author User
	Text   string
	// Link opens the message; empty when the platform gave none.
	Link string
}

// Value returns the first value of input id, or "".
func (f *FormSubmission) Value(id string) string {
	if f == nil || len(f.Values[id]) == 0 {
		return ""
	}
	return f.Values[id][0]
}

// Alert is one notification from a monitoring source, normalized: a group
// of alerts that share a dedup key (Alertmanager's groupKey, a CloudWatch
// alarm, a webhook's dedup_key). One key is one problem, so one incident.
type Alert struct {
	// Source is the adapter's name: "alertmanager", "cloudwatch",
	// "grafana", "datadog", "mackerel", "webhook", "sentry", "azure".
	Source string
	// SourceName is the source as people read it ("Alertmanager",
	// "CloudWatch"), set by the adapter; alerts stored before it existed
	// have none, and SourceDisplay falls back to Source.
	SourceName string `json:",omitempty"`
	// DedupKey identifies the problem within its source.
	DedupKey string
	// Status is firing while any item fires.
	Status      AlertStatus
	Title       string
	Description string
	// Priority is what the source itself says (a webhook's "priority", a
	// severity label), zero when it says nothing; routing rules may
	// override it.
	Priority Priority
	// Labels are the labels common to the group; rules match on them.
	// CloudWatch fills alarm_name, namespace, metric_name and region.
	Labels      map[string]string
	Annotations map[string]string
	Links       []Link
	StartsAt    time.Time
	// Items are the individual alerts of the group, each with a stable
	// fingerprint, so that a repeated notification changes nothing and a
	// new or recovered alert is recorded once.
	Items []AlertItem
}

// SourceDisplay is the alert's source as people read it: SourceName, or
// Source for an alert that has none.
func (a *Alert) SourceDisplay() string {
	if a.SourceName != "" {
		return a.SourceName
	}
	return a.Source
}

// AlertItem is one alert of a group.
type AlertItem struct {
	Fingerprint string
	Status      AlertStatus
	// Summary says what fires, in one line (for the timeline).
	Summary  string
	Labels   map[string]string
	StartsAt time.Time
	EndsAt   time.Time
	URL      string
}

// AlertStatus is whether the alert fires or has recovered.
type AlertStatus string

// Alert statuses.
const (
	AlertFiring   AlertStatus = "firing"
	AlertResolved AlertStatus = "resolved"
)

// Link is a titled URL.
type Link struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Home is the platform the person behind the event is a user of: the
// platform their User.ID belongs to, which the audience rule and the
// incident's members are judged by.
func (e *Event) Home() string {
	if e.UserPlatform != "" {
		return e.UserPlatform
	}
	return e.Platform
}

// Via is the platform the person acted through when it is not their own
// ("web"), "" when they acted on their own platform.
func (e *Event) Via() string {
	if e.UserPlatform == "" || e.UserPlatform == e.Platform {
		return ""
	}
	return e.Platform
}
