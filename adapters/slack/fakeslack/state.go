package fakeslack

import (
	"fmt"
	"slices"
	"time"
)

// tsBase is the first message timestamp's seconds; timestamps then grow by
// 100µs per message, so they are unique, increasing and deterministic.
const tsBase = 1732500000

type channel struct {
	id, name   string
	private    bool
	archived   bool
	created    int64
	creator    string
	topic      topic
	members    []string
	pins       []string
	msgs       []*message
	ephemerals []EphemeralState
}

type topic struct {
	value, creator string
	lastSet        int64
}

type message struct {
	ts, threadTS string
	user, botID  string
	text, blocks string
	edits        int
	replyCount   int
	editedTS     string
}

type user struct {
	id, name, displayName, realName, locale string
	isBot, deleted                          bool
	// tz is the IANA zone users.info gives (default Europe/London, as
	// Slack gives a new workspace's people); tzLabel and tzOffset go with it.
	tz, tzLabel string
	tzOffset    int
}

type view struct {
	id, callbackID, privateMetadata, hash string
	raw                                   map[string]any
}

func (c *channel) isMember(userID string) bool { return slices.Contains(c.members, userID) }

func (c *channel) message(ts string) *message {
	for _, m := range c.msgs {
		if m.ts == ts {
			return m
		}
	}
	return nil
}

// ChannelState is a snapshot of a channel, for assertions.
type ChannelState struct {
	ID         string
	Name       string
	IsPrivate  bool
	IsArchived bool
	Creator    string
	Topic      string
	// Members are user IDs in the order they joined; the creator comes first.
	Members []string
	// Pins are pinned message timestamps in the order they were pinned.
	Pins []string
	// Messages are the channel's messages, thread replies included, in the
	// order they were posted; edits update them in place.
	Messages []MessageState
	// Ephemerals are the ephemeral messages posted to the channel.
	Ephemerals []EphemeralState
}

// MessageState is a message as the channel holds it now.
type MessageState struct {
	TS       string
	ThreadTS string // parent's ts for a thread reply, "" otherwise
	User     string
	BotID    string // BotID for the bot's own messages, "" for users'
	Text     string
	// Blocks is the raw JSON array of blocks, "" when the message has none.
	Blocks string
	// Edits counts the times the message was changed (chat.update, or a
	// replace_original post to a response_url).
	Edits int
	// ReplyCount counts the thread replies to this message.
	ReplyCount int
}

// EphemeralState is an ephemeral message, seen by User only.
type EphemeralState struct {
	TS       string
	User     string
	ThreadTS string
	Text     string
	Blocks   string
}

// Message finds a message by its ts.
func (c ChannelState) Message(ts string) (MessageState, bool) {
	for _, m := range c.Messages {
		if m.TS == ts {
			return m, true
		}
	}
	return MessageState{}, false
}

func (c *channel) state() ChannelState {
	st := ChannelState{
		ID: c.id, Name: c.name, IsPrivate: c.private, IsArchived: c.archived,
		Creator: c.creator, Topic: c.topic.value,
		Members:    slices.Clone(c.members),
		Pins:       slices.Clone(c.pins),
		Ephemerals: slices.Clone(c.ephemerals),
	}
	for _, m := range c.msgs {
		st.Messages = append(st.Messages, MessageState{
			TS: m.ts, ThreadTS: m.threadTS, User: m.user, BotID: m.botID,
			Text: m.text, Blocks: m.blocks, Edits: m.edits, ReplyCount: m.replyCount,
		})
	}
	return st
}

// Channel returns the channel with the given ID.
func (s *Server) Channel(id string) (ChannelState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, found := s.channels[id]
	if !found {
		return ChannelState{}, false
	}
	return c.state(), true
}

// ChannelByName returns the channel with the given name, archived or not.
func (s *Server) ChannelByName(name string) (ChannelState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.channelByNameLocked(name); c != nil {
		return c.state(), true
	}
	return ChannelState{}, false
}

func (s *Server) channelByNameLocked(name string) *channel {
	for _, id := range s.chanOrder {
		if c := s.channels[id]; c.name == name {
			return c
		}
	}
	return nil
}

// AddUser adds a workspace member, for users.info, conversations.invite and
// the payload builders. Its real_name is displayName, or name when
// displayName is empty; locale is e.g. "en-US" (users.info returns it when
// asked with include_locale=true, as slack-go's GetUserInfo does).
func (s *Server) AddUser(id, name, displayName, locale string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	real := displayName
	if real == "" {
		real = name
	}
	s.users[id] = &user{id: id, name: name, displayName: displayName, realName: real, locale: locale}
}

// SetTimeZone sets the time zone users.info answers for user id: an IANA
// name, Slack's label for it and its offset in seconds ("America/New_York",
// "Eastern Standard Time", -18000).
func (s *Server) SetTimeZone(id, tz, label string, offset int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[id]; u != nil {
		u.tz, u.tzLabel, u.tzOffset = tz, label, offset
	}
}

// SetRealName gives user id a real name apart from its display name, as
// people who set both have ("Carol" shown, "Carol Tanaka" real).
func (s *Server) SetRealName(id, realName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[id]; u != nil {
		u.realName = realName
	}
}

// DeactivateUser marks user id deactivated: users.list and users.info
// still return them, with "deleted": true, as Slack does.
func (s *Server) DeactivateUser(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[id]; u != nil {
		u.deleted = true
	}
}

// AddChannel creates a channel as a user would, outside the app: the bot is
// a member only if BotUserID is among members. It returns the channel ID.
// The name is taken as given, without conversations.create's checks.
func (s *Server) AddChannel(name string, private bool, members ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	creator := ""
	if len(members) > 0 {
		creator = members[0]
	}
	return s.newChannelLocked(name, private, creator, members).id
}

// AddMessage posts a message to channel as userID (a person, not the bot)
// without going through the Web API, and returns its ts. The test fails if
// the channel does not exist.
func (s *Server) AddMessage(channelID, userID, text string) string {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channelID]
	if c == nil {
		s.t.Fatalf("fakeslack: AddMessage: no channel %s", channelID)
		return ""
	}
	m := &message{ts: s.nextTSLocked(), user: userID, text: text}
	c.msgs = append(c.msgs, m)
	return m.ts
}

func (s *Server) newChannelLocked(name string, private bool, creator string, members []string) *channel {
	s.seq.channel++
	c := &channel{
		id:      fmt.Sprintf("C%04d", s.seq.channel),
		name:    name,
		private: private,
		created: time.Now().Unix(),
		creator: creator,
	}
	for _, m := range members {
		if !c.isMember(m) {
			c.members = append(c.members, m)
		}
	}
	s.channels[c.id] = c
	s.chanOrder = append(s.chanOrder, c.id)
	return c
}

func (s *Server) nextTSLocked() string {
	s.seq.ts++
	micros := s.seq.ts * 100
	return fmt.Sprintf("%d.%06d", tsBase+micros/1_000_000, micros%1_000_000)
}

// channelJSON renders c the way conversations.* methods return it, as seen
// by the bot.
func (c *channel) json() map[string]any {
	return map[string]any{
		"id":                    c.id,
		"name":                  c.name,
		"is_channel":            true,
		"is_group":              false,
		"is_im":                 false,
		"is_mpim":               false,
		"is_private":            c.private,
		"created":               c.created,
		"is_archived":           c.archived,
		"is_general":            false,
		"unlinked":              0,
		"name_normalized":       c.name,
		"is_shared":             false,
		"is_org_shared":         false,
		"is_ext_shared":         false,
		"is_pending_ext_shared": false,
		"pending_shared":        []string{},
		"context_team_id":       TeamID,
		"updated":               c.created * 1000,
		"parent_conversation":   nil,
		"creator":               c.creator,
		"is_member":             c.isMember(BotUserID),
		"topic":                 map[string]any{"value": c.topic.value, "creator": c.topic.creator, "last_set": c.topic.lastSet},
		"purpose":               map[string]any{"value": "", "creator": "", "last_set": 0},
		"previous_names":        []string{},
	}
}
