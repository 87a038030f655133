package bot

import (
	"context"
	"time"
)

// CallProvider starts a video meeting for an incident through an outside
// service (Zoom), so that every responder has the same link to join.
//
// CreateCall makes one new meeting each time it is called: the handlers
// make sure it is called once per incident (they claim the call on the
// incident first). It returns once the service created the meeting; an
// error that is a *CallError says why it was refused in words a person can
// read (never a secret). Implementations retry what the service asks them
// to (rate limits, its own outages) within the caller's context.
//
// The join URL a provider returns may carry the meeting's password (Zoom's
// "pwd=" parameter): it is a credential, shown only to the incident's
// audience and never written to a log line.
type CallProvider interface {
	// Name is the service as people read it ("Zoom").
	Name() string
	CreateCall(ctx context.Context, spec CallSpec) (Call, error)
}

// CallSpec is what Warroom tells the provider about the meeting.
type CallSpec struct {
	// Incident is the incident's key, "INC-42".
	Incident string
	// Topic is the meeting's name. For a private incident it names the
	// incident only (CallTopic): its title stays inside Warroom.
	Topic string
	// Drill marks a practice incident's meeting.
	Drill bool
}

// Call is a meeting the provider created.
type Call struct {
	// ID is the provider's meeting ID.
	ID string
	// JoinURL is where responders join; a credential (see CallProvider).
	JoinURL string
}

// CallError is a meeting the provider refused for good (bad credentials,
// a missing scope): retrying would be refused again. Reason is safe to
// show people.
type CallError struct {
	Reason string
}

func (e *CallError) Error() string { return "call refused: " + e.Reason }

// maxCallTopic is the longest topic Warroom sends; Zoom keeps 200
// characters.
const maxCallTopic = 200

// CallTopic is the meeting topic of inc: "INC-42: <title>", or, for a
// private incident, "Private incident INC-42" so that the title does not
// leave Warroom; a drill's says so.
func CallTopic(inc *Incident) string {
	topic := inc.Key() + ": " + inc.Title
	if inc.Private {
		topic = "Private incident " + inc.Key()
	}
	if inc.Drill {
		topic = "[Drill] " + topic
	}
	return Truncate(topic, maxCallTopic)
}

// CallSpecOf is inc's meeting as Warroom asks for it.
func CallSpecOf(inc *Incident) CallSpec {
	return CallSpec{Incident: inc.Key(), Topic: CallTopic(inc), Drill: inc.Drill}
}

// CallClaimTTL is how long a claim to start an incident's call (Incident.
// CallClaimedAt) holds: a replica that died while creating the meeting
// leaves a claim that another may take over after it.
const CallClaimTTL = 10 * time.Minute
