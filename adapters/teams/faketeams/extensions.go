package faketeams

import (
	"html"
	"strconv"
	"strings"
	"time"
)

// Message extension action commands (PROTOCOLS-2 §2, msteams-docs
// create-task-module.md and respond-to-task-module-submit.md). A user
// picks the command in a message's "..." menu: Teams sends the bot a
// composeExtension/fetchTask invoke carrying the whole message
// (value.messagePayload) and shows the dialog the bot answers with
// ({"task":{"type":"continue","value":{"card":…}}}); submitting the
// dialog's card sends composeExtension/submitAction with the card's
// Action.Submit data merged with its inputs in value.data, and the message
// again. Deliver posts both, signed, and returns the bot's answer.

// SetMessageHTML sets the HTML body Teams holds for a user's message, as
// when its author formatted it (bold, lists, links, mentions as
// <at id="0">Name</at>); message extensions receive it in
// messagePayload.body.
func (s *Server) SetMessageHTML(messageID, body string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[messageID]
	if !ok {
		s.t.Fatalf("faketeams: SetMessageHTML: no message %q", messageID)
	}
	m.html = body
}

// FetchTaskActivity is user fromID picking the message action commandID on
// message messageID of place (a channel or chat id).
func (s *Server) FetchTaskActivity(place, messageID, fromID, fromName, commandID string) []byte {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.extensionLocked("composeExtension/fetchTask", place, messageID, fromID, fromName, commandID, nil)
}

// SubmitActionActivity is user fromID submitting the dialog of the message
// action commandID picked on message messageID, with data as Teams sends
// it (see DialogData).
func (s *Server) SubmitActionActivity(place, messageID, fromID, fromName, commandID string, data map[string]any) []byte {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if data == nil {
		data = map[string]any{}
	}
	return s.extensionLocked("composeExtension/submitAction", place, messageID, fromID, fromName, commandID, data)
}

func (s *Server) extensionLocked(name, place, messageID, fromID, fromName, commandID string, data map[string]any) []byte {
	s.t.Helper()
	m, w := s.messageLocked(place, messageID)
	a := s.envelopeLocked("invoke", "f:"+newGUID(), w, m.convID, fromID, fromName)
	a.Name = name
	value := map[string]any{
		"commandId": commandID, "commandContext": "message", "requestId": newGUID(),
		"context": map[string]any{"theme": "default"}, "messagePayload": s.messagePayloadLocked(m),
	}
	if data != nil {
		value["data"] = data
		value["botMessagePreviewAction"] = nil
	}
	a.Value = value
	a.Entities = []any{clientInfo}
	a.ChannelData["source"] = map[string]any{"name": "compose"}
	return mustJSON(a)
}

// messagePayloadLocked is the message as a message extension receives it.
func (s *Server) messagePayloadLocked(m *message) map[string]any {
	body := m.html
	mentions := []any{}
	if body == "" {
		text := html.EscapeString(m.text)
		for i, mn := range m.mentions {
			text = strings.Replace(text, html.EscapeString(mn.Markup()), `<at id="`+strconv.Itoa(i)+`">`+html.EscapeString(mn.Name)+`</at>`, 1)
			mentions = append(mentions, map[string]any{"id": i, "mentionText": mn.Name,
				"mentioned": map[string]any{"user": map[string]any{"id": AADObjectID(mn.ID), "displayName": mn.Name, "userIdentityType": "aadUser"}}})
		}
		body = "<p>" + strings.ReplaceAll(text, "\n", "<br>") + "</p>"
	}
	from := map[string]any{"user": nil, "application": nil, "device": nil, "conversation": nil}
	if m.byBot {
		from["application"] = map[string]any{"applicationIdentityType": "bot", "id": AppID, "displayName": BotName}
	} else {
		from["user"] = map[string]any{"userIdentityType": "aadUser", "id": AADObjectID(m.fromID), "displayName": m.fromName}
	}
	created := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	var replyTo any
	if m.replyToID != "" {
		replyTo = m.replyToID
	}
	return map[string]any{
		"id": m.id, "replyToId": replyTo, "createdDateTime": created, "lastModifiedDateTime": created,
		"deleted": false, "subject": nil, "summary": nil, "importance": "normal", "locale": "en-us",
		"linkToMessage": MessageLink(m), "body": map[string]any{"contentType": "html", "content": body},
		"from": from, "mentions": mentions, "reactions": []any{}, "attachments": []any{},
	}
}

// MessageLink is the link Teams gives a message:
// https://teams.microsoft.com/l/message/<channel or chat>/<message id>?….
func MessageLink(m *message) string {
	if m.channelID != "" {
		return "https://teams.microsoft.com/l/message/" + m.channelID + "/" + m.id +
			"?tenantId=" + TenantID + "&groupId=" + TeamID + "&parentMessageId=" + m.rootID
	}
	return "https://teams.microsoft.com/l/message/" + m.convID + "/" + m.id + "?tenantId=" + TenantID
}

// LinkOf is MessageLink of message messageID.
func (s *Server) LinkOf(messageID string) string {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[messageID]
	if !ok {
		s.t.Fatalf("faketeams: LinkOf: no message %q", messageID)
	}
	return MessageLink(m)
}

// Task is the task part of the bot's answer to a message extension invoke:
// its type ("continue" for a dialog, "message" for text) and value.
func (d Delivery) Task() (typ string, value any) {
	t, _ := d.InvokeResponse["task"].(map[string]any)
	typ, _ = t["type"].(string)
	return typ, t["value"]
}

// DialogCard is the Adaptive Card of the dialog the bot answered with, nil
// when it answered something else.
func (d Delivery) DialogCard() map[string]any {
	typ, v := d.Task()
	if typ != "continue" {
		return nil
	}
	card, _ := dig(v, "card", "content").(map[string]any)
	if ct, _ := dig(v, "card", "contentType").(string); ct != adaptiveCardType {
		return nil
	}
	return card
}

// DialogData is what Teams sends as value.data when the user presses the
// button titled title on a dialog's card, with inputs typed into its
// fields: the Action.Submit's data merged with the inputs. It fails the
// test as Click does (no such button, a required input left empty) and
// when the button is not an Action.Submit, the only kind a dialog submits.
func (s *Server) DialogData(card map[string]any, title string, inputs map[string]any) map[string]any {
	s.t.Helper()
	var action map[string]any
	walkActions(card, func(a map[string]any) bool {
		if a["title"] == title {
			action = a
			return true
		}
		return false
	})
	if action == nil {
		s.t.Fatalf("faketeams: the dialog has no button %q", title)
	}
	if action["type"] != "Action.Submit" {
		s.t.Fatalf("faketeams: button %q of a dialog is %v; a dialog submits only with Action.Submit", title, action["type"])
	}
	fields, _ := inputsFor(card, action, nil)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mergeInputsLocked(fields, action, inputs, title)
}
