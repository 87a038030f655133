package fakeslack

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Command is the slash command SlashCommandForm invokes.
const Command = "/incident"

// TriggerID issues a fresh trigger_id for views.open. Like Slack's, it is
// good once, for WithTriggerTTL (3s by default) from now.
func (s *Server) TriggerID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.triggerIDLocked()
}

func (s *Server) triggerIDLocked() string {
	s.seq.trigger++
	id := fmt.Sprintf("%d.47445629121.%032x", 398738663014+s.seq.trigger, s.seq.trigger)
	s.triggers[id] = time.Now()
	return id
}

// userLocked returns a known user or fails the test: Slack only sends
// payloads for members of the workspace.
func (s *Server) userLocked(id string) *user {
	s.t.Helper()
	u := s.users[id]
	if u == nil {
		s.t.Fatalf("fakeslack: unknown user %q: add it with AddUser first", id)
	}
	return u
}

// channelNameLocked is the channel_name Slack puts in a slash command
// invoked in channelID.
func (s *Server) channelNameLocked(channelID string) string {
	s.t.Helper()
	c := s.channels[channelID]
	switch {
	case strings.HasPrefix(channelID, "D"):
		return "directmessage"
	case c == nil:
		s.t.Fatalf("fakeslack: unknown channel %q: create it with AddChannel or conversations.create first", channelID)
		return ""
	case c.private && !c.isMember(BotUserID):
		return "privategroup"
	default:
		return c.name
	}
}

// SlashCommandForm returns the form Slack POSTs for "/incident <text>" typed
// by userID in channelID (HTTP mode), with a fresh response_url (tied to the
// channel: an "in_channel" response is posted there) and trigger_id. Sign
// its Encode()d bytes with Sign.
func (s *Server) SlashCommandForm(userID, channelID, text string) url.Values {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(userID)
	return url.Values{
		"token":                 {VerificationToken},
		"team_id":               {TeamID},
		"team_domain":           {TeamDomain},
		"channel_id":            {channelID},
		"channel_name":          {s.channelNameLocked(channelID)},
		"user_id":               {userID},
		"user_name":             {u.name},
		"command":               {Command},
		"text":                  {text},
		"api_app_id":            {AppID},
		"is_enterprise_install": {"false"},
		"response_url":          {s.newHookLocked(&hook{userID: userID, channelID: channelID})},
		"trigger_id":            {s.triggerIDLocked()},
	}
}

// SlashCommandPayload is the payload of a slash_commands Socket Mode
// envelope: the same fields as SlashCommandForm, as a JSON object of strings
// (Slack sends is_enterprise_install as the string "false" here too).
func (s *Server) SlashCommandPayload(userID, channelID, text string) map[string]string {
	s.t.Helper()
	form := s.SlashCommandForm(userID, channelID, text)
	out := make(map[string]string, len(form))
	for k := range form {
		out[k] = form.Get(k)
	}
	return out
}

// InteractionForm is the form body Slack POSTs to an interactivity request
// URL (HTTP mode): a single "payload" field holding the JSON.
func InteractionForm(payload []byte) url.Values {
	return url.Values{"payload": {string(payload)}}
}

// Action is a user's action on one interactive element of a message.
type Action struct {
	ActionID string
	BlockID  string
	// Type is "button" (the default) or "static_select".
	Type string
	// Value is the button's value, or the selected option's value.
	Value string
	// Text is the button's label, or the selected option's text.
	Text string
}

func plainText(text string) map[string]any {
	return map[string]any{"type": "plain_text", "text": text, "emoji": true}
}

func (s *Server) payloadUser(u *user) map[string]any {
	return map[string]any{"id": u.id, "username": u.name, "name": u.name, "team_id": TeamID}
}

// BlockActionsPayload is the block_actions interaction Slack sends when
// userID clicks a (the action's element) in the bot's message messageTS in
// channelID, with the message as it is now, a fresh trigger_id, and a fresh
// response_url on which replace_original/delete_original act on that
// message. Send it with SendEnvelope(EnvelopeInteractive, ...) or, for HTTP,
// as InteractionForm(payload).
func (s *Server) BlockActionsPayload(userID, channelID, messageTS string, a Action) []byte {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(userID)
	c := s.channels[channelID]
	var m *message
	if c != nil {
		m = c.message(messageTS)
	}
	if m == nil {
		s.t.Fatalf("fakeslack: BlockActionsPayload: no message %s in channel %s", messageTS, channelID)
		return nil
	}

	actionTS := strconv.FormatFloat(float64(time.Now().UnixMicro())/1e6, 'f', 6, 64)
	act := map[string]any{"action_id": a.ActionID, "block_id": a.BlockID, "action_ts": actionTS}
	state := map[string]any{}
	switch a.Type {
	case "", "button":
		act["type"] = "button"
		act["text"] = plainText(a.Text)
		act["value"] = a.Value
	case "static_select":
		opt := map[string]any{"text": plainText(a.Text), "value": a.Value}
		act["type"] = "static_select"
		act["selected_option"] = opt
		state[a.BlockID] = map[string]any{a.ActionID: map[string]any{"type": "static_select", "selected_option": opt}}
	default:
		s.t.Fatalf("fakeslack: BlockActionsPayload: unsupported action type %q", a.Type)
	}

	msg := m.json()
	return mustJSON(s, map[string]any{
		"type":                  "block_actions",
		"user":                  s.payloadUser(u),
		"api_app_id":            AppID,
		"token":                 VerificationToken,
		"container":             map[string]any{"type": "message", "message_ts": m.ts, "channel_id": c.id, "is_ephemeral": false},
		"trigger_id":            s.triggerIDLocked(),
		"team":                  map[string]any{"id": TeamID, "domain": TeamDomain},
		"enterprise":            nil,
		"is_enterprise_install": false,
		"channel":               map[string]any{"id": c.id, "name": c.name},
		"message":               msg,
		"state":                 map[string]any{"values": state},
		"response_url":          s.newHookLocked(&hook{userID: userID, channelID: c.id, messageTS: m.ts}),
		"actions":               []any{act},
	})
}

// GlobalShortcutPayload is the shortcut interaction Slack sends when
// userID picks the global shortcut callbackID from the shortcuts menu: no
// channel, no response_url, a fresh trigger_id (shapes from the Bolt
// GlobalShortcut type, PROTOCOLS-2 §1). Send it with
// SendEnvelope(EnvelopeInteractive, ...) or, for HTTP, as
// InteractionForm(payload).
func (s *Server) GlobalShortcutPayload(userID, callbackID string) []byte {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(userID)
	return mustJSON(s, map[string]any{
		"type":                  "shortcut",
		"token":                 VerificationToken,
		"action_ts":             actionTS(),
		"team":                  map[string]any{"id": TeamID, "domain": TeamDomain},
		"user":                  map[string]any{"id": u.id, "username": u.name, "team_id": TeamID},
		"is_enterprise_install": false,
		"enterprise":            nil,
		"callback_id":           callbackID,
		"trigger_id":            s.triggerIDLocked(),
	})
}

// MessageShortcutPayload is the message_action interaction Slack sends when
// userID picks the message shortcut callbackID on message messageTS in
// channelID: the message as it is now, the channel, a fresh trigger_id and
// a fresh response_url whose ephemeral answers go to userID in that
// channel (shapes from the Bolt MessageShortcut type, PROTOCOLS-2 §1).
func (s *Server) MessageShortcutPayload(userID, channelID, messageTS, callbackID string) []byte {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(userID)
	c := s.channels[channelID]
	var m *message
	if c != nil {
		m = c.message(messageTS)
	}
	if m == nil {
		s.t.Fatalf("fakeslack: MessageShortcutPayload: no message %s in channel %s", messageTS, channelID)
		return nil
	}
	return mustJSON(s, map[string]any{
		"type":                  "message_action",
		"token":                 VerificationToken,
		"action_ts":             actionTS(),
		"team":                  map[string]any{"id": TeamID, "domain": TeamDomain},
		"user":                  map[string]any{"id": u.id, "username": u.name, "name": u.name, "team_id": TeamID},
		"channel":               map[string]any{"id": c.id, "name": c.name},
		"is_enterprise_install": false,
		"enterprise":            nil,
		"callback_id":           callbackID,
		"trigger_id":            s.triggerIDLocked(),
		"response_url":          s.newHookLocked(&hook{userID: userID, channelID: c.id}),
		"message_ts":            m.ts,
		"message":               m.json(),
	})
}

func actionTS() string {
	return strconv.FormatFloat(float64(time.Now().UnixMicro())/1e6, 'f', 6, 64)
}

// ViewSubmissionPayload is the view_submission interaction Slack sends when
// userID submits the modal viewID (opened with views.open), whose inputs
// hold values: block_id → action_id → element state, built with
// PlainTextValue, StaticSelectValue, UsersSelectValue or by hand.
func (s *Server) ViewSubmissionPayload(userID, viewID string, values map[string]map[string]any) []byte {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(userID)
	v := s.views[viewID]
	if v == nil {
		s.t.Fatalf("fakeslack: ViewSubmissionPayload: no view %q was opened", viewID)
		return nil
	}
	if values == nil {
		values = map[string]map[string]any{}
	}
	vj := v.json()
	vj["state"] = map[string]any{"values": values}
	return mustJSON(s, map[string]any{
		"type":                  "view_submission",
		"team":                  map[string]any{"id": TeamID, "domain": TeamDomain},
		"user":                  s.payloadUser(u),
		"api_app_id":            AppID,
		"token":                 VerificationToken,
		"trigger_id":            s.triggerIDLocked(),
		"view":                  vj,
		"response_urls":         []any{},
		"is_enterprise_install": false,
		"enterprise":            nil,
	})
}

// PlainTextValue is the state of a plain_text_input holding value.
func PlainTextValue(value string) map[string]any {
	return map[string]any{"type": "plain_text_input", "value": value}
}

// StaticSelectValue is the state of a static_select with the option
// (value, text) selected.
func StaticSelectValue(value, text string) map[string]any {
	return map[string]any{"type": "static_select", "selected_option": map[string]any{"text": plainText(text), "value": value}}
}

// UsersSelectValue is the state of a users_select with userID selected.
func UsersSelectValue(userID string) map[string]any {
	return map[string]any{"type": "users_select", "selected_user": userID}
}

// MultiUsersSelectValue is the state of a multi_users_select with userIDs
// selected.
func MultiUsersSelectValue(userIDs ...string) map[string]any {
	if userIDs == nil {
		userIDs = []string{}
	}
	return map[string]any{"type": "multi_users_select", "selected_users": userIDs}
}

// CheckboxesValue is the state of a checkboxes element with the given
// (value, text) options ticked, e.g. CheckboxesValue("private", "Private").
func CheckboxesValue(valueText ...string) map[string]any {
	opts := []any{}
	for i := 0; i+1 < len(valueText); i += 2 {
		opts = append(opts, map[string]any{"text": plainText(valueText[i+1]), "value": valueText[i]})
	}
	return map[string]any{"type": "checkboxes", "selected_options": opts}
}

func mustJSON(s *Server, v any) []byte {
	s.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		s.t.Fatalf("fakeslack: marshal payload: %v", err)
	}
	return b
}
