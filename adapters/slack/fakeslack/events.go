package fakeslack

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// VerificationToken is the legacy verification token carried in the "token"
// field of events and interaction payloads. Verify requests with the signing
// secret instead; this only fills the field.
const VerificationToken = "fakeslack-verification-token"

// eventTSBase keeps event timestamps apart from those the Server gives to
// messages posted through the Web API.
const eventTSBase = 1732600000

// NewEventID returns a fresh Events API event_id, e.g. "Ev00000001".
func (s *Server) NewEventID() string { return fmt.Sprintf("Ev%08d", s.eventSeq.Add(1)) }

// NewTS returns a fresh, increasing message timestamp, e.g.
// "1732600000.000100", for events that stand for messages users post.
func (s *Server) NewTS() string {
	micros := s.eventSeq.Add(1) * 100
	return fmt.Sprintf("%d.%06d", eventTSBase+micros/1_000_000, micros%1_000_000)
}

// EventCallback wraps inner in the event_callback envelope Slack delivers
// to the Events API (over HTTP, and as the payload of an events_api Socket
// Mode envelope). An empty eventID gets a fresh one.
//
//	{"token":"...","team_id":"T0001","api_app_id":"A0001","event":{...},
//	 "type":"event_callback","event_id":"Ev00000001","event_time":1732600000,
//	 "authorizations":[{"team_id":"T0001","user_id":"UBOT","is_bot":true,...}],
//	 "is_ext_shared_channel":false,"event_context":"4-..."}
func (s *Server) EventCallback(eventID string, inner map[string]any) []byte {
	if eventID == "" {
		eventID = s.NewEventID()
	}
	eventTime := time.Now().Unix()
	if ts, err := strconv.ParseFloat(str(inner["event_ts"]), 64); err == nil {
		eventTime = int64(ts)
	}
	body, err := json.Marshal(map[string]any{
		"token":                 VerificationToken,
		"team_id":               TeamID,
		"context_team_id":       TeamID,
		"context_enterprise_id": nil,
		"api_app_id":            AppID,
		"event":                 inner,
		"type":                  "event_callback",
		"event_id":              eventID,
		"event_time":            eventTime,
		"authorizations": []map[string]any{{
			"enterprise_id": nil, "team_id": TeamID, "user_id": BotUserID,
			"is_bot": true, "is_enterprise_install": false,
		}},
		"is_ext_shared_channel": false,
		"event_context":         "4-" + eventID,
	})
	if err != nil {
		panic(fmt.Sprintf("fakeslack: EventCallback: %v", err)) // inner holds an unmarshalable value: a bug in the test
	}
	return body
}

// Message describes a message for the event builders.
type Message struct {
	Channel string
	// ChannelType is "channel" (the default), "group" (private channel),
	// "im" or "mpim".
	ChannelType string
	User        string
	Text        string
	// TS is the message's ts; empty gets a fresh one.
	TS string
	// ThreadTS is the parent's ts for a thread reply.
	ThreadTS string
	// Blocks is the message's raw JSON blocks; empty gives a user's message
	// the rich_text block Slack derives from its text, and a bot's none.
	Blocks json.RawMessage
}

// fill gives m its defaults: a public channel, a fresh ts.
func (s *Server) fill(m Message) Message {
	if m.ChannelType == "" {
		m.ChannelType = "channel"
	}
	if m.TS == "" {
		m.TS = s.NewTS()
	}
	return m
}

// richText is the block Slack's clients attach to a plain-text message.
func richText(text string) json.RawMessage {
	b, _ := json.Marshal([]map[string]any{{
		"type":     "rich_text",
		"block_id": "rt" + strconv.Itoa(len(text)),
		"elements": []map[string]any{{
			"type":     "rich_text_section",
			"elements": []map[string]any{{"type": "text", "text": text}},
		}},
	}})
	return b
}

func clientMsgID(ts string) string {
	digits := strings.ReplaceAll(ts, ".", "")
	return fmt.Sprintf("00000000-0000-4000-8000-%012s", digits[max(0, len(digits)-12):])
}

// userMessage is a user's message as it appears inside events.
func userMessage(m Message) map[string]any {
	blocks := m.Blocks
	if len(blocks) == 0 {
		blocks = richText(m.Text)
	}
	out := map[string]any{
		"type":          "message",
		"user":          m.User,
		"text":          m.Text,
		"ts":            m.TS,
		"client_msg_id": clientMsgID(m.TS),
		"team":          TeamID,
		"blocks":        blocks,
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	return out
}

// MessageEvent is a "message" event for a message a user posted
// (message.channels, message.groups, ...).
func (s *Server) MessageEvent(m Message) map[string]any {
	m = s.fill(m)
	ev := userMessage(m)
	ev["channel"] = m.Channel
	ev["channel_type"] = m.ChannelType
	ev["event_ts"] = m.TS
	return ev
}

// BotMessageEvent is the "message" event Slack sends for a message the bot
// itself posted: bot_id BotID, user BotUserID (or m.User), no subtype.
// Adapters must ignore these.
func (s *Server) BotMessageEvent(m Message) map[string]any {
	m = s.fill(m)
	if m.User == "" {
		m.User = BotUserID
	}
	ev := map[string]any{
		"type":         "message",
		"user":         m.User,
		"bot_id":       BotID,
		"app_id":       AppID,
		"text":         m.Text,
		"ts":           m.TS,
		"team":         TeamID,
		"channel":      m.Channel,
		"channel_type": m.ChannelType,
		"event_ts":     m.TS,
		"bot_profile": map[string]any{
			"id": BotID, "app_id": AppID, "user_id": BotUserID, "name": BotName,
			"deleted": false, "team_id": TeamID,
		},
	}
	if len(m.Blocks) > 0 {
		ev["blocks"] = m.Blocks
	}
	if m.ThreadTS != "" {
		ev["thread_ts"] = m.ThreadTS
	}
	return ev
}

// MessageChangedEvent is the "message_changed" event for an edit of the
// message m.TS (now reading m.Text) whose text was previousText.
func (s *Server) MessageChangedEvent(m Message, previousText string) map[string]any {
	m = s.fill(m)
	evTS := s.NewTS()
	msg := userMessage(m)
	msg["edited"] = map[string]any{"user": m.User, "ts": evTS}
	msg["source_team"] = TeamID
	msg["user_team"] = TeamID
	prev := userMessage(Message{User: m.User, Text: previousText, TS: m.TS, ThreadTS: m.ThreadTS})
	return map[string]any{
		"type":             "message",
		"subtype":          "message_changed",
		"hidden":           true,
		"message":          msg,
		"previous_message": prev,
		"channel":          m.Channel,
		"channel_type":     m.ChannelType,
		"ts":               evTS,
		"event_ts":         evTS,
	}
}

// MessageDeletedEvent is the "message_deleted" event for the deletion of
// the message m (m.TS the deleted ts; m.User and m.Text what it was).
func (s *Server) MessageDeletedEvent(m Message) map[string]any {
	m = s.fill(m)
	evTS := s.NewTS()
	return map[string]any{
		"type":             "message",
		"subtype":          "message_deleted",
		"hidden":           true,
		"deleted_ts":       m.TS,
		"previous_message": userMessage(m),
		"channel":          m.Channel,
		"channel_type":     m.ChannelType,
		"ts":               evTS,
		"event_ts":         evTS,
	}
}

// File describes a shared file for FileShareEvent.
type File struct {
	ID       string
	Name     string
	Title    string
	Mimetype string
	// Filetype is Slack's short type, e.g. "png", "text".
	Filetype string
	Size     int
	// Permalink defaults to the workspace's file page for the file.
	Permalink string
}

// FileShareEvent is the "message" event with subtype "file_share" for a
// user sharing files (with m.Text as the comment, possibly empty).
func (s *Server) FileShareEvent(m Message, files ...File) map[string]any {
	m = s.fill(m)
	ev := s.MessageEvent(m)
	ev["subtype"] = "file_share"
	ev["upload"] = false
	ev["display_as_bot"] = false
	if m.Text == "" && len(m.Blocks) == 0 {
		delete(ev, "blocks")
	}
	created, _ := strconv.ParseFloat(m.TS, 64)
	var fs []map[string]any
	for _, f := range files {
		base := "https://" + TeamDomain + ".slack.com/files/" + m.User + "/" + f.ID + "/" + f.Name
		if f.Permalink == "" {
			f.Permalink = base
		}
		private := "https://files.slack.com/files-pri/" + TeamID + "-" + f.ID + "/" + f.Name
		fs = append(fs, map[string]any{
			"id": f.ID, "created": int64(created), "timestamp": int64(created),
			"name": f.Name, "title": f.Title, "mimetype": f.Mimetype, "filetype": f.Filetype,
			"pretty_type": strings.ToUpper(f.Filetype), "user": m.User, "user_team": TeamID,
			"editable": false, "size": f.Size, "mode": "hosted", "is_external": false,
			"external_type": "", "is_public": m.ChannelType == "channel", "public_url_shared": false,
			"display_as_bot": false, "username": "", "url_private": private,
			"url_private_download": strings.Replace(private, "/files-pri/", "/files-pri/download/", 1),
			"permalink":            f.Permalink, "permalink_public": "https://slack-files.com/" + TeamID + "-" + f.ID,
			"file_access": "visible", "has_rich_preview": false,
		})
	}
	ev["files"] = fs
	return ev
}

func (s *Server) reactionEvent(typ, user, reaction, channel, ts, itemUser string) map[string]any {
	return map[string]any{
		"type":      typ,
		"user":      user,
		"reaction":  reaction,
		"item_user": itemUser,
		"item":      map[string]any{"type": "message", "channel": channel, "ts": ts},
		"event_ts":  s.NewTS(),
	}
}

// ReactionAddedEvent is the "reaction_added" event for user reacting with
// reaction (an emoji name without colons) to the message ts, posted by
// itemUser, in channel.
func (s *Server) ReactionAddedEvent(user, reaction, channel, ts, itemUser string) map[string]any {
	return s.reactionEvent("reaction_added", user, reaction, channel, ts, itemUser)
}

// ReactionRemovedEvent is the "reaction_removed" event, the undoing of
// ReactionAddedEvent.
func (s *Server) ReactionRemovedEvent(user, reaction, channel, ts, itemUser string) map[string]any {
	return s.reactionEvent("reaction_removed", user, reaction, channel, ts, itemUser)
}

func (s *Server) pinEvent(typ, user, channel string, pinned Message, added bool) map[string]any {
	pinned = s.fill(pinned)
	now := time.Now().Unix()
	msg := userMessage(pinned)
	msg["permalink"] = "https://" + TeamDomain + ".slack.com/archives/" + channel + "/p" + strings.ReplaceAll(pinned.TS, ".", "")
	if added {
		msg["pinned_to"] = []string{channel}
	}
	ev := map[string]any{
		"type":       typ,
		"user":       user,
		"channel_id": channel,
		"item": map[string]any{
			"type": "message", "created": now, "created_by": user,
			"channel": channel, "message": msg,
		},
		"item_user": pinned.User,
		"event_ts":  s.NewTS(),
	}
	if added {
		ev["pin_count"] = 1
		ev["pinned_info"] = map[string]any{"channel": channel, "pinned_by": user, "pinned_ts": now}
	} else {
		ev["pin_count"] = 0
		ev["has_pins"] = false
	}
	return ev
}

// PinAddedEvent is the "pin_added" event for user pinning the message
// pinned in channel.
func (s *Server) PinAddedEvent(user, channel string, pinned Message) map[string]any {
	return s.pinEvent("pin_added", user, channel, pinned, true)
}

// PinRemovedEvent is the "pin_removed" event for user unpinning the message
// pinned in channel.
func (s *Server) PinRemovedEvent(user, channel string, pinned Message) map[string]any {
	return s.pinEvent("pin_removed", user, channel, pinned, false)
}

// MemberJoinedEvent is the "member_joined_channel" event Slack sends when
// user joins channel (inviter, when set, added them); private channels are
// channel_type "G", public ones "C".
func (s *Server) MemberJoinedEvent(user, channel string, private bool, inviter string) map[string]any {
	ev := s.memberEvent("member_joined_channel", user, channel, private)
	if inviter != "" {
		ev["inviter"] = inviter
	}
	return ev
}

// MemberLeftEvent is the "member_left_channel" event Slack sends when user
// leaves channel, or is removed from it.
func (s *Server) MemberLeftEvent(user, channel string, private bool) map[string]any {
	return s.memberEvent("member_left_channel", user, channel, private)
}

func (s *Server) memberEvent(typ, user, channel string, private bool) map[string]any {
	kind := "C"
	if private {
		kind = "G"
	}
	return map[string]any{"type": typ, "user": user, "channel": channel, "channel_type": kind, "team": TeamID, "event_ts": s.NewTS()}
}
