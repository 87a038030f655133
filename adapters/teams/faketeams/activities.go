package faketeams

import (
	"encoding/json"
	"html"
	"slices"
	"strconv"
	"strings"
	"time"
)

// wireActivity is an activity as Teams posts it to a bot. Field set and
// shapes follow the msteams-docs examples (conversation-messages.md,
// channel-and-group-conversations.md, subscribe-to-conversation-events.md,
// Work-with-Universal-Actions-for-Adaptive-Cards.md).
type wireActivity struct {
	Type             string           `json:"type"`
	ID               string           `json:"id"`
	Timestamp        string           `json:"timestamp"`
	LocalTimestamp   string           `json:"localTimestamp,omitempty"`
	LocalTimezone    string           `json:"localTimezone,omitempty"`
	ServiceURL       string           `json:"serviceUrl"`
	ChannelID        string           `json:"channelId"`
	From             wireAccount      `json:"from"`
	Conversation     wireConversation `json:"conversation"`
	Recipient        wireAccount      `json:"recipient"`
	TextFormat       string           `json:"textFormat,omitempty"`
	Text             string           `json:"text,omitempty"`
	Attachments      []any            `json:"attachments,omitempty"`
	Entities         []any            `json:"entities,omitempty"`
	ChannelData      map[string]any   `json:"channelData"`
	ReplyToID        string           `json:"replyToId,omitempty"`
	Name             string           `json:"name,omitempty"`
	Value            any              `json:"value,omitempty"`
	ReactionsAdded   []map[string]any `json:"reactionsAdded,omitempty"`
	ReactionsRemoved []map[string]any `json:"reactionsRemoved,omitempty"`
	MembersAdded     []wireAccount    `json:"membersAdded,omitempty"`
	Locale           string           `json:"locale,omitempty"`
}

type wireAccount struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	AADObjectID string `json:"aadObjectId,omitempty"`
}

type wireConversation struct {
	IsGroup          bool   `json:"isGroup,omitempty"`
	ConversationType string `json:"conversationType"`
	TenantID         string `json:"tenantId"`
	ID               string `json:"id"`
}

// where is the place an inbound activity happens.
type where struct {
	channel *channel
	chat    *chat
}

// placeLocked resolves a channel id or chat id for a builder, failing the
// test for anything Teams would not deliver from.
func (s *Server) placeLocked(id string) where {
	s.t.Helper()
	if c, ok := s.chats[id]; ok {
		return where{chat: c}
	}
	c, ok := s.channels[id]
	if !ok {
		s.t.Fatalf("faketeams: no channel or chat %q (make one with Channel, GroupChat or PersonalActivity)", id)
	}
	if c.membershipType == "private" {
		s.t.Fatalf("faketeams: bots cannot be in private channel %q, so Teams delivers nothing from it", c.displayName)
	}
	return where{channel: c}
}

// envelopeLocked fills what every activity in a place carries.
func (s *Server) envelopeLocked(typ, id string, w where, convID, fromID, fromName string) *wireActivity {
	now := time.Now()
	a := &wireActivity{
		Type:           typ,
		ID:             id,
		Timestamp:      now.UTC().Format("2006-01-02T15:04:05.000Z"),
		LocalTimestamp: now.In(time.FixedZone("", -7*3600)).Format("2006-01-02T15:04:05.000-07:00"),
		LocalTimezone:  "America/Los_Angeles",
		ServiceURL:     s.ServiceURL(),
		ChannelID:      "msteams",
		From:           wireAccount{ID: fromID, Name: fromName, AADObjectID: AADObjectID(fromID)},
		Recipient:      wireAccount{ID: BotID, Name: BotName},
		ChannelData:    map[string]any{"tenant": map[string]any{"id": TenantID}},
		Locale:         "en-US",
	}
	a.Conversation = wireConversation{TenantID: TenantID, ID: convID}
	switch {
	case w.channel != nil:
		a.Conversation.IsGroup = true
		a.Conversation.ConversationType = "channel"
		a.ChannelData["teamsChannelId"] = w.channel.id
		a.ChannelData["teamsTeamId"] = TeamThreadID
		a.ChannelData["channel"] = map[string]any{"id": w.channel.id}
		a.ChannelData["team"] = map[string]any{"id": TeamThreadID, "aadGroupId": TeamID}
	case w.chat.kind == "groupChat":
		a.Conversation.IsGroup = true
		a.Conversation.ConversationType = "groupChat"
	default:
		a.Conversation.ConversationType = "personal"
	}
	return a
}

var clientInfo = map[string]any{"type": "clientInfo", "locale": "en-US", "country": "US", "platform": "Web", "timezone": "America/Los_Angeles"}

// textMessageLocked builds a user's text message and stores it.
func (s *Server) textMessageLocked(w where, rootID, fromID, fromName, text string, mentions []Mention) []byte {
	s.t.Helper()
	entities := []any{}
	for _, m := range mentions {
		if !strings.Contains(text, m.Markup()) {
			s.t.Fatalf("faketeams: text %q lacks %s; Teams always has the markup of each mention in the text", text, m.Markup())
		}
		entities = append(entities, map[string]any{
			"type": "mention", "text": m.Markup(), "mentioned": map[string]any{"id": m.ID, "name": m.Name},
		})
	}
	entities = append(entities, clientInfo)

	m := &message{id: s.nextIDLocked(), fromID: fromID, fromName: fromName, text: text, format: "plain", mentions: mentions}
	switch {
	case w.chat != nil:
		m.convID = w.chat.id
	case rootID == "":
		m.channelID, m.rootID, m.convID = w.channel.id, m.id, threadConvID(w.channel.id, m.id)
		w.channel.threads = append(w.channel.threads, m.id)
	default:
		m.channelID, m.rootID, m.convID, m.replyToID = w.channel.id, rootID, threadConvID(w.channel.id, rootID), rootID
	}
	s.messages[m.id] = m
	s.msgOrder = append(s.msgOrder, m.id)
	s.changes.NotifyLocked()

	a := s.envelopeLocked("message", m.id, w, m.convID, fromID, fromName)
	a.TextFormat, a.Text, a.ReplyToID = "plain", text, m.replyToID
	a.Attachments = []any{map[string]any{"contentType": "text/html", "content": htmlOf(text, mentions)}}
	a.Entities = entities
	return mustJSON(a)
}

// htmlOf renders text as the text/html attachment Teams adds to a message.
func htmlOf(text string, mentions []Mention) string {
	out := html.EscapeString(text)
	for i, m := range mentions {
		out = strings.Replace(out, html.EscapeString(m.Markup()),
			`<span itemscope="" itemtype="http://schema.skype.com/Mention" itemid="`+strconv.Itoa(i)+`">`+html.EscapeString(m.Name)+`</span>`, 1)
	}
	return "<p>" + out + "</p>"
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("faketeams: marshal activity: " + err.Error())
	}
	return b
}

// MessageActivity is a user posting text in a channel (a new thread) or in a
// chat (a group chat or a personal chat id). Each mention must appear in text
// as m.Markup(); to address the bot, start with BotMention().Markup() and pass
// BotMention(). The activity carries conversation.id
// "<channel>;messageid=<its own id>", channelData.team{id TeamThreadID,
// aadGroupId TeamID}, channelData.channel.id, tenant, the mention entities
// plus a clientInfo entity, and a text/html attachment rendering the text.
func (s *Server) MessageActivity(channelID, fromID, fromName, text string, mentions ...Mention) []byte {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.textMessageLocked(s.placeLocked(channelID), "", fromID, fromName, text, mentions)
}

// ReplyActivity is a user replying in the thread whose root is rootID:
// conversation.id "<channel>;messageid=<rootID>", replyToId rootID.
func (s *Server) ReplyActivity(channelID, rootID, fromID, fromName, text string, mentions ...Mention) []byte {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.placeLocked(channelID)
	if w.channel == nil || !slices.Contains(w.channel.threads, rootID) {
		s.t.Fatalf("faketeams: %q has no thread %q", channelID, rootID)
	}
	return s.textMessageLocked(w, rootID, fromID, fromName, text, mentions)
}

// PersonalActivity is a user writing to the bot in their 1:1 chat,
// conversation.id PersonalConversationID(fromID), conversationType
// "personal"; channelData has only the tenant.
func (s *Server) PersonalActivity(fromID, fromName, text string, mentions ...Mention) []byte {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	id := PersonalConversationID(fromID)
	if s.chats[id] == nil {
		s.chats[id] = &chat{id: id, kind: "personal", userID: fromID}
	}
	return s.textMessageLocked(where{chat: s.chats[id]}, "", fromID, fromName, text, mentions)
}

// messageLocked finds a message for a builder, failing the test if Teams
// could not refer to it.
func (s *Server) messageLocked(place, id string) (*message, where) {
	s.t.Helper()
	w := s.placeLocked(place)
	m, ok := s.messages[id]
	if !ok || (w.channel != nil && m.channelID != w.channel.id) || (w.chat != nil && m.convID != w.chat.id) {
		s.t.Fatalf("faketeams: no message %q in %q", id, place)
	}
	if m.deleted {
		s.t.Fatalf("faketeams: message %q was deleted", id)
	}
	return m, w
}

// EditActivity is the author editing a message: type messageUpdate,
// channelData.eventType "editMessage", the message's id and conversation,
// and the new text.
func (s *Server) EditActivity(channelID, messageID, fromID, fromName, newText string) []byte {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	m, w := s.messageLocked(channelID, messageID)
	if m.byBot || m.fromID != fromID {
		s.t.Fatalf("faketeams: only the author of message %q can edit it", messageID)
	}
	m.text = newText
	a := s.envelopeLocked("messageUpdate", m.id, w, m.convID, fromID, fromName)
	a.TextFormat, a.Text, a.ReplyToID = "plain", newText, m.replyToID
	a.Attachments = []any{map[string]any{"contentType": "text/html", "content": htmlOf(newText, nil)}}
	a.Entities = []any{clientInfo}
	a.ChannelData["eventType"] = "editMessage"
	return mustJSON(a)
}

// DeleteActivity is a user deleting a message: type messageDelete,
// channelData.eventType "softDeleteMessage", the message's id and
// conversation, no text.
func (s *Server) DeleteActivity(channelID, messageID, fromID string) []byte {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	m, w := s.messageLocked(channelID, messageID)
	m.deleted = true
	a := s.envelopeLocked("messageDelete", m.id, w, m.convID, fromID, "")
	a.ReplyToID = m.replyToID
	a.ChannelData["eventType"] = "softDeleteMessage"
	return mustJSON(a)
}

// ReactionActivity is a user adding (or removing) a reaction to a message:
// type messageReaction, reactionsAdded (or reactionsRemoved)
// [{"type": reaction}], replyToId messageID, a fresh id of its own. Teams'
// classic reaction types are "like", "heart", "laugh", "surprised", "sad"
// and "angry"; newer clients send other values for other emoji. Teams is only
// documented to deliver reactions to the bot's own messages.
func (s *Server) ReactionActivity(channelID, messageID, fromID, reaction string, added bool) []byte {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	m, w := s.messageLocked(channelID, messageID)
	a := s.envelopeLocked("messageReaction", s.nextIDLocked(), w, m.convID, fromID, "")
	a.ReplyToID = messageID
	r := []map[string]any{{"type": reaction}}
	if added {
		a.ReactionsAdded = r
	} else {
		a.ReactionsRemoved = r
	}
	return mustJSON(a)
}

// InvokeActivity is a user clicking an Action.Execute button on the bot's
// card replyToID: type invoke, name "adaptiveCard/action", value
// {"action":{"type":"Action.Execute","verb":verb,"data":data},"trigger":"manual"}.
// The bot must answer it in the HTTP response (see Deliver). Prefer Click,
// which reads verb and data off the posted card.
func (s *Server) InvokeActivity(channelID, replyToID, fromID, fromName, verb string, data map[string]any) []byte {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.invokeLocked(channelID, replyToID, fromID, fromName, map[string]any{"type": "Action.Execute", "verb": verb, "data": data})
}

func (s *Server) invokeLocked(channelID, replyToID, fromID, fromName string, action map[string]any) []byte {
	s.t.Helper()
	m, w := s.messageLocked(channelID, replyToID)
	if !m.byBot {
		s.t.Fatalf("faketeams: message %q is a user's; only the bot's cards have buttons", replyToID)
	}
	if action["data"] == nil {
		action["data"] = map[string]any{}
	}
	a := s.envelopeLocked("invoke", "f:"+newGUID(), w, m.convID, fromID, fromName)
	a.Name = "adaptiveCard/action"
	a.ReplyToID = replyToID
	a.Value = map[string]any{"action": action, "trigger": "manual"}
	a.Entities = []any{clientInfo}
	a.ChannelData["source"] = map[string]any{"name": "message"}
	return mustJSON(a)
}

// SubmitActivity is a user clicking an Action.Submit button (or an old
// client's fallback) on the bot's card replyToID: a message activity with no
// text, value = data (merged with the card's inputs) and replyToId. Prefer
// ClickLegacy, which reads data off the posted card.
func (s *Server) SubmitActivity(channelID, replyToID, fromID, fromName string, data map[string]any) []byte {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.submitLocked(channelID, replyToID, fromID, fromName, data)
}

func (s *Server) submitLocked(channelID, replyToID, fromID, fromName string, data map[string]any) []byte {
	s.t.Helper()
	m, w := s.messageLocked(channelID, replyToID)
	if !m.byBot {
		s.t.Fatalf("faketeams: message %q is a user's; only the bot's cards have buttons", replyToID)
	}
	if data == nil {
		data = map[string]any{}
	}
	a := s.envelopeLocked("message", s.nextIDLocked(), w, m.convID, fromID, fromName)
	a.TextFormat = "plain"
	a.ReplyToID = replyToID
	a.Value = data
	a.Entities = []any{clientInfo}
	a.ChannelData["source"] = map[string]any{"name": "message"}
	return mustJSON(a)
}

// InstallActivity is the bot being added to the team by fromID: type
// conversationUpdate, channelData.eventType "teamMemberAdded" with
// team{id, name, aadGroupId}, membersAdded [{id BotID}], conversation the
// General channel. It is how a bot learns the serviceUrl and the team's
// group id.
func (s *Server) InstallActivity(fromID, fromName string) []byte {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	w := where{channel: s.channels[TeamThreadID]}
	a := s.envelopeLocked("conversationUpdate", "f:"+newGUID(), w, TeamThreadID, fromID, fromName)
	a.Locale = ""
	a.MembersAdded = []wireAccount{{ID: BotID}}
	a.ChannelData["eventType"] = "teamMemberAdded"
	a.ChannelData["team"] = map[string]any{"id": TeamThreadID, "name": TeamName, "aadGroupId": TeamID}
	return mustJSON(a)
}
