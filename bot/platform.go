package bot

import (
	"context"
	"time"
)

// Platform is what a chat adapter does for the core. Each method takes the
// caller's context and returns once the platform has answered. A platform
// that cannot do something returns ErrUnsupported and the handler carries
// on without it. Implementations rate-limit and retry themselves (429,
// Retry-After); an error returned here is final for this call.
type Platform interface {
	// Name is the platform's short name ("slack", "teams", "console"); it is
	// also the Event.Platform of events the adapter produces.
	Name() string
	// CreateChannel creates a conversation for an incident, named by the
	// adapter from the spec's parts by its platform's rules (and unique);
	// the returned Channel carries the name actually used. With
	// spec.NoWait it fails with ErrPaced rather than wait for a rate limit.
	CreateChannel(ctx context.Context, spec ChannelSpec) (Channel, error)
	// Invite adds users to a channel; users already there are not an error.
	Invite(ctx context.Context, channelID string, userIDs []string) error
	// Post sends msg to a channel and returns its reference.
	Post(ctx context.Context, channelID string, msg Message) (MessageRef, error)
	// Update replaces a posted message in place.
	Update(ctx context.Context, ref MessageRef, msg Message) error
	// SetTopic sets a channel's topic (or description).
	SetTopic(ctx context.Context, channelID, topic string) error
	// Pin pins a posted message; pinning it twice is not an error.
	Pin(ctx context.Context, ref MessageRef) error
	// Archive closes a channel for good where the platform allows it.
	Archive(ctx context.Context, channelID string) error
	// OpenForm shows form to the person who triggered ev.
	OpenForm(ctx context.Context, ev *Event, form Form) error
	// Reply answers the person who triggered ev so that only they see it.
	// When ev carries an open Answer slot, a platform that offered it fills
	// it (ev.Answer.Fill) instead of sending, once.
	Reply(ctx context.Context, ev *Event, msg Message) error
}

// ChannelSpec describes the channel to create for an incident. It carries
// what the channel's name is made of, never a name: each adapter builds
// the name its platform allows (characters, length, uniqueness) from these
// parts, and nothing reads an incident back out of a name.
type ChannelSpec struct {
	// Prefix starts the name: the configured channel prefix ("inc"), or
	// "drill" for a practice incident.
	Prefix string
	// ID is the incident's number; FormatID gives its key, "INC-42".
	ID int64
	// Title is the incident's title, as typed; it is also the channel's
	// description or topic where the platform has one.
	Title string
	// Date is when the incident was declared, in Warroom's time zone: its
	// day goes in names such as DatedName's.
	Date    time.Time
	Private bool

	// NoWait asks for the channel now or not at all: when the platform's
	// rate limit has no room, CreateChannel fails at once with an error
	// wrapping ErrPaced instead of waiting for it. Platforms that pace
	// nothing ignore it.
	NoWait bool
}

// Enricher is implemented by platforms that learn more about an event
// after acknowledging it (a user's display name and language, say). The
// router calls Enrich on its worker, before any handler sees the event, so
// the slow lookup never delays the platform's acknowledgement.
type Enricher interface {
	Enrich(ctx context.Context, ev *Event)
}

// Roster is implemented by platforms on which the people of an incident's
// conversation are not something Warroom can follow through events, and
// must be asked of the platform (Teams: every member of the restricted
// channel whose threads hold private incidents). Implementations cache
// their answers briefly: the audience rule asks for every private
// incident it shows.
type Roster interface {
	// InConversation reports whether the user with userID may read the
	// conversation channelID (a channel, or a thread of one).
	InConversation(ctx context.Context, channelID, userID string) (bool, error)
}

// Directory is implemented by platforms that can look people up, so that
// handlers accept a person by name and refuse one who does not exist. A
// platform without a directory (or one whose lookup is not allowed)
// returns ErrUnsupported, and handlers take mentions as they come.
type Directory interface {
	// FindUsers returns the people whose display name or real name is
	// name, compared case-insensitively and in full (no prefixes), at
	// most a few dozen. None is an empty list, not an error.
	FindUsers(ctx context.Context, name string) ([]User, error)
	// LookupUser returns the person with platform user ID id, with their
	// display name, or an error wrapping ErrNotFound when there is none.
	LookupUser(ctx context.Context, id string) (User, error)
}
