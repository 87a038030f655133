package faketeams

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// channel is a channel of the team.
type channel struct {
	id, displayName, description, membershipType string
	viaGraph                                     bool
	created                                      time.Time
	threads                                      []string // root message ids, oldest first
	members                                      []Member // SetMembers: the channel's own members, as Graph lists them
}

func (c *channel) webURL() string {
	return "https://teams.microsoft.com/l/channel/" + url.QueryEscape(c.id) + "/" + url.QueryEscape(c.displayName) +
		"?groupId=" + TeamID + "&tenantId=" + TenantID
}

// chat is a personal (1:1) or group chat.
type chat struct {
	id, kind string // kind "personal" or "groupChat"
	userID   string // the user of a personal chat
}

// message is a message in a channel thread or chat, by a user or the bot.
type message struct {
	id        string
	convID    string // "<channel>;messageid=<root>" in a channel, the chat id otherwise
	channelID string // "" in a chat
	rootID    string // the thread's root id in a channel
	replyToID string
	fromID    string
	fromName  string
	byBot     bool
	text      string
	format    string
	attach    []Attachment
	mentions  []Mention
	updates   int
	deleted   bool
	body      map[string]any
	// html is the body Teams shows for the message (SetMessageHTML), ""
	// for its text as typed.
	html string
}

// Attachment is an attachment of a message the bot posted.
type Attachment struct {
	ContentType string
	Content     json.RawMessage
}

// Mention is a user (or the bot) mentioned in a message.
type Mention struct {
	// ID is the Teams user id ("29:...") or, in a card, possibly the user's
	// AAD object id.
	ID string
	// Name is the display name as written between <at> and </at>.
	Name string
}

// Markup is the mention as it appears in message text: "<at>Name</at>".
func (m Mention) Markup() string { return "<at>" + m.Name + "</at>" }

// BotMention is the bot as users @mention it.
func BotMention() Mention { return Mention{ID: BotID, Name: BotName} }

// Activity is the current state of a message the bot posted.
type Activity struct {
	// ID is the message id the Bot Connector answered (Unix ms digits).
	ID string
	// ConversationID is the conversation the message lives in:
	// "<channel>;messageid=<root>" for a channel post or reply, the chat id
	// for a personal or group chat.
	ConversationID string
	// ChannelID is the channel, "" in a chat.
	ChannelID string
	// ReplyToID is the replyToId the bot sent, if any.
	ReplyToID string
	// Text and TextFormat are the message text and its textFormat.
	Text, TextFormat string
	// Attachments are the attachments, contents as sent.
	Attachments []Attachment
	// Mentions are the mentions Teams renders: entities whose text occurs in
	// the message text, or in the card for msteams.entities of a card.
	Mentions []Mention
	// Updates counts updates: PUTs, and cards replaced by an invoke response.
	Updates int
	// Deleted reports whether the bot deleted the message.
	Deleted bool
	// Body is the last activity JSON the bot sent for the message.
	Body map[string]any
}

// Card returns the content of the message's first Adaptive Card, or nil.
func (a Activity) Card() map[string]any {
	for _, at := range a.Attachments {
		if at.ContentType == adaptiveCardType {
			var m map[string]any
			if json.Unmarshal(at.Content, &m) == nil {
				return m
			}
		}
	}
	return nil
}

// ActionTitles returns the titles of the card's actions, in the order a user
// sees them (nested ActionSets and ShowCards included).
func (a Activity) ActionTitles() []string {
	var out []string
	walkActions(a.Card(), func(act map[string]any) bool {
		t, _ := act["title"].(string)
		out = append(out, t)
		return false
	})
	return out
}

func (m *message) activity() Activity {
	return Activity{
		ID: m.id, ConversationID: m.convID, ChannelID: m.channelID, ReplyToID: m.replyToID,
		Text: m.text, TextFormat: m.format, Attachments: slices.Clone(m.attach),
		Mentions: slices.Clone(m.mentions), Updates: m.updates, Deleted: m.deleted, Body: m.body,
	}
}

// Activities returns what the bot posted in a conversation, oldest first,
// in its current state (deleted ones included, marked Deleted). A bare
// channel id returns the bot's messages in every thread of the channel; a
// "<channel>;messageid=<root>" id those of one thread; a chat id those of
// the chat.
func (s *Server) Activities(conversationID string) []Activity {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Activity
	for _, id := range s.msgOrder {
		m := s.messages[id]
		if !m.byBot {
			continue
		}
		if m.convID == conversationID || m.channelID != "" && m.channelID == conversationID {
			out = append(out, m.activity())
		}
	}
	return out
}

// Activity returns the bot's message with the given id.
func (s *Server) Activity(id string) (Activity, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[id]
	if !ok || !m.byBot {
		return Activity{}, false
	}
	return m.activity(), true
}

// WaitActivities waits until the bot has at least n messages in the
// conversation (as Activities counts them) and returns them; it fails the
// test after timeout.
func (s *Server) WaitActivities(conversationID string, n int, timeout time.Duration) []Activity {
	s.t.Helper()
	var got []Activity
	ok := s.changes.WaitFor(timeout, func() bool {
		got = got[:0]
		for _, id := range s.msgOrder {
			m := s.messages[id]
			if m.byBot && (m.convID == conversationID || m.channelID != "" && m.channelID == conversationID) {
				got = append(got, m.activity())
			}
		}
		return len(got) >= n
	})
	if !ok {
		s.t.Fatalf("faketeams: waited %s for %d bot message(s) in %s, got %d; calls: %s", timeout, n, conversationID, len(got), s.callSummary())
	}
	return got
}

// ChannelState is a channel of the team.
type ChannelState struct {
	ID, DisplayName, Description string
	// MembershipType is "standard" or "private".
	MembershipType string
	WebURL         string
	// ViaGraph reports whether the channel was made through Graph.
	ViaGraph bool
	// Threads are the ids of the threads' root messages, oldest first.
	Threads []string
}

// Channels returns the team's channels in creation order, General first.
func (s *Server) Channels() []ChannelState {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ChannelState
	for _, id := range s.chanOrder {
		c := s.channels[id]
		out = append(out, ChannelState{ID: c.id, DisplayName: c.displayName, Description: c.description,
			MembershipType: c.membershipType, WebURL: c.webURL(), ViaGraph: c.viaGraph, Threads: slices.Clone(c.threads)})
	}
	return out
}

// ChannelByName returns the channel with the given display name
// (case-insensitive).
func (s *Server) ChannelByName(name string) (ChannelState, bool) {
	for _, c := range s.Channels() {
		if strings.EqualFold(c.DisplayName, name) {
			return c, true
		}
	}
	return ChannelState{}, false
}

// DenyGraph withdraws the app's Graph permissions (no Channel.Create, no
// RSC Channel.Create.Group consent): Graph then answers 403 Forbidden
// "Missing role permissions on the request" to every call.
func (s *Server) DenyGraph() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.graphDenied = true
}

// Channel creates a standard channel as a team member would in the Teams
// client (outside Graph, no bot call recorded) and returns its id,
// "19:<32 hex>@thread.tacv2". Channel names are unique in a team.
func (s *Server) Channel(name string) string {
	s.t.Helper()
	return s.userChannel(name, "standard")
}

// PrivateChannel creates a private channel. Bots cannot be added to private
// channels: the Bot Connector answers 403 BotNotInConversationRoster to
// anything posted there.
func (s *Server) PrivateChannel(name string) string {
	s.t.Helper()
	return s.userChannel(name, "private")
}

func (s *Server) userChannel(name, membership string) string {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.channelNamedLocked(name) != nil {
		s.t.Fatalf("faketeams: the team already has a channel named %q", name)
	}
	c := &channel{id: s.newChannelIDLocked(), displayName: name, membershipType: membership}
	s.addChannelLocked(c)
	return c.id
}

func (s *Server) channelNamedLocked(name string) *channel {
	for _, c := range s.channels {
		if strings.EqualFold(c.displayName, name) {
			return c
		}
	}
	return nil
}

func (s *Server) newChannelIDLocked() string {
	s.seq++
	sum := sha256.Sum256(fmt.Appendf(nil, "%p/%d/%d", s, s.seq, time.Now().UnixNano()))
	return "19:" + hex.EncodeToString(sum[:16]) + "@thread.tacv2"
}

func (s *Server) addChannelLocked(c *channel) {
	c.created = time.Now()
	s.channels[c.id] = c
	s.chanOrder = append(s.chanOrder, c.id)
	s.changes.NotifyLocked()
}

// GroupChat starts a group chat the bot is a member of and returns its id,
// "19:<hex>@thread.v2".
func (s *Server) GroupChat() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	sum := sha256.Sum256(fmt.Appendf(nil, "chat/%p/%d", s, s.seq))
	id := "19:" + hex.EncodeToString(sum[:16]) + "@thread.v2"
	s.chats[id] = &chat{id: id, kind: "groupChat"}
	return id
}

// PersonalConversationID is the id of the 1:1 chat between userID and the
// bot, "a:1...", the same every time for a user.
func PersonalConversationID(userID string) string {
	sum := sha256.Sum256([]byte(AppID + "/" + userID))
	return "a:1" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// UserID is a stable Teams user id for a display name, "29:1...", for
// building activities.
func UserID(name string) string {
	sum := sha256.Sum256([]byte("user/" + name))
	return "29:1" + base64.RawURLEncoding.EncodeToString(sum[:24])
}

// AADObjectID is the stable AAD object id the fake gives a user id.
func AADObjectID(userID string) string {
	sum := sha256.Sum256([]byte("aad/" + userID))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// convRef is a resolved conversation id.
type convRef struct {
	id      string // as given
	channel *channel
	rootID  string // thread root, "" for a bare channel id
	chat    *chat
}

// threadConvID is the conversation id of a thread.
func threadConvID(channelID, rootID string) string { return channelID + ";messageid=" + rootID }

// resolveLocked finds the conversation an id names; found is false when
// nothing by that id exists.
func (s *Server) resolveLocked(id string) (ref convRef, found bool) {
	ref.id = id
	if c, ok := s.chats[id]; ok {
		ref.chat = c
		return ref, true
	}
	if strings.HasPrefix(id, "a:") {
		return ref, false
	}
	chID, root, _ := strings.Cut(id, ";")
	if root != "" {
		var ok bool
		if root, ok = strings.CutPrefix(root, "messageid="); !ok {
			return ref, false
		}
	}
	c, ok := s.channels[chID]
	if !ok {
		return ref, false
	}
	ref.channel, ref.rootID = c, root
	if root != "" && !slices.Contains(c.threads, root) {
		return ref, false
	}
	return ref, true
}
