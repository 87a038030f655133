package faketeams

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf16"
)

const (
	adaptiveCardType = "application/vnd.microsoft.card.adaptive"
	// maxMessageUTF16Bytes is Teams' bot message size limit: 100 KB of the
	// payload encoded as UTF-16 (msteams-docs format-your-bot-messages.md).
	maxMessageUTF16Bytes = 100 * 1024
)

// connectorHandler serves one Bot Connector route with s.mu held, after
// authentication and injected faults.
type connectorHandler func(s *Server, r *http.Request, raw []byte, body map[string]any, isJSON bool) answer

// connector wraps a Bot Connector route: it requires a live Bot Connector
// token, applies injected faults, and records the call.
func (s *Server) connector(route string, h connectorHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw, body, isJSON := readBody(r)
		s.mu.Lock()
		resource, reason := s.resourceOfLocked(r)
		var a answer
		switch {
		case reason != "" || resource != "connector":
			// The Bot Connector refuses a missing, unknown, expired or
			// wrong-audience token alike.
			a = connectorError(401, "Unauthorized", "Authorization has been denied for this request.")
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+strings.TrimSuffix(s.ServiceURL(), "/")+`"`)
		default:
			if f := s.takeFaultLocked(route); f != nil {
				a = faultAnswer(f, route)
			} else {
				a = h(s, r, raw, body, isJSON)
			}
		}
		if a.status < 300 {
			s.changes.NotifyLocked()
		}
		if reason != "" {
			resource = ""
		}
		s.mu.Unlock()
		s.record(w, r, route, body, resource, a)
	}
}

var (
	errConversationNotFound = connectorError(404, "ConversationNotFound", "Conversation not found.")
	errActivityNotFound     = connectorError(404, "ActivityNotFoundInConversation", "Conversation not found.")
	errNotInRoster          = connectorError(403, "BotNotInConversationRoster", "The bot is not part of the conversation roster.")
	errBadBody              = connectorError(400, "BadArgument", "Request body is not a valid JSON object.")
)

// createConversation answers POST v3/conversations: a new thread in a
// channel (channelData.channel.id) or the 1:1 chat with one member.
func (s *Server) createConversation(r *http.Request, raw []byte, body map[string]any, isJSON bool) answer {
	if !isJSON {
		return errBadBody
	}
	if t := firstString(body["tenantId"], dig(body, "channelData", "tenant", "id")); t != "" && t != TenantID {
		return connectorError(400, "BadArgument", "Tenant id in the request does not match the conversation's tenant.")
	}
	act, _ := body["activity"].(map[string]any)
	chID, _ := dig(body, "channelData", "channel", "id").(string)
	if chID == "" {
		return s.createPersonal(body, act)
	}
	c, found := s.channels[chID]
	if !found {
		return errConversationNotFound
	}
	if c.membershipType == "private" {
		return errNotInRoster
	}
	if act == nil {
		return connectorError(400, "BadArgument", "An activity is required to start a conversation in a channel.")
	}
	out, bad := parseOutbound(act)
	if bad != nil {
		return *bad
	}
	if a := s.throttleLocked(chID); a != nil {
		return *a
	}
	ids := s.storeLocked(convRef{channel: c}, out, "")
	res := map[string]any{"id": threadConvID(c.id, ids[0]), "serviceUrl": s.ServiceURL()}
	if len(ids) == 1 {
		res["activityId"] = ids[0] // a split message has no single id to give
	}
	return ok(201, res)
}

// createPersonal starts (or finds) the 1:1 chat with the single member.
func (s *Server) createPersonal(body map[string]any, act map[string]any) answer {
	members, _ := body["members"].([]any)
	if len(members) != 1 {
		return connectorError(400, "BadArgument", "Either channelData.channel.id or exactly one member is required.")
	}
	userID, _ := dig(members[0], "id").(string)
	if !strings.HasPrefix(userID, "29:") {
		return connectorError(400, "BadArgument", "Invalid member id '"+userID+"'.")
	}
	id := PersonalConversationID(userID)
	c := s.chats[id]
	if c == nil {
		c = &chat{id: id, kind: "personal", userID: userID}
		s.chats[id] = c
	}
	res := map[string]any{"id": id}
	if act != nil {
		out, bad := parseOutbound(act)
		if bad != nil {
			return *bad
		}
		if a := s.throttleLocked(id); a != nil {
			return *a
		}
		if ids := s.storeLocked(convRef{id: id, chat: c}, out, ""); len(ids) == 1 {
			res["activityId"] = ids[0]
		}
	}
	return ok(201, res)
}

// sendActivity answers POST v3/conversations/{conversation}/activities and
// .../activities/{activity} (reply).
func (s *Server) sendActivity(r *http.Request, raw []byte, body map[string]any, isJSON bool) answer {
	ref, found := s.resolveLocked(r.PathValue("conversation"))
	if !found {
		return errConversationNotFound
	}
	if ref.channel != nil && ref.channel.membershipType == "private" {
		return errNotInRoster
	}
	if !isJSON {
		return errBadBody
	}
	replyTo := r.PathValue("activity")
	if replyTo != "" && ref.channel != nil && ref.rootID == "" {
		// Replying to a message named in the path, against the bare channel:
		// the reply goes to that message's thread.
		m, ok := s.messages[replyTo]
		if !ok || m.channelID != ref.channel.id {
			return errActivityNotFound
		}
		ref.rootID = m.rootID
	}
	out, bad := parseOutbound(body)
	if bad != nil {
		return *bad
	}
	if out.typ == "typing" {
		return ok(201, map[string]any{})
	}
	key := ref.id
	if ref.channel != nil {
		key = ref.channel.id
		if ref.rootID != "" {
			key = threadConvID(ref.channel.id, ref.rootID)
		}
	}
	if a := s.throttleLocked(key); a != nil {
		return *a
	}
	if replyTo == "" {
		replyTo, _ = body["replyToId"].(string)
	}
	ids := s.storeLocked(ref, out, replyTo)
	if len(ids) > 1 {
		// Teams split text and attachments into two messages; the answer
		// carries no usable id (msteams-docs conversation-messages.md).
		return ok(201, map[string]any{})
	}
	return ok(201, map[string]any{"id": ids[0]})
}

// updateActivity answers PUT v3/conversations/{conversation}/activities/{activity}.
func (s *Server) updateActivity(r *http.Request, raw []byte, body map[string]any, isJSON bool) answer {
	m, a := s.botMessageLocked(r)
	if a != nil {
		return *a
	}
	if !isJSON {
		return errBadBody
	}
	out, bad := parseOutbound(body)
	if bad != nil {
		return *bad
	}
	if out.typ != "message" {
		return connectorError(400, "BadArgument", "Only message activities can be updated.")
	}
	m.text, m.format, m.attach, m.mentions, m.body = out.text, out.format, out.attach, out.mentions, out.body
	m.updates++
	return ok(200, map[string]any{"id": m.id})
}

// deleteActivity answers DELETE v3/conversations/{conversation}/activities/{activity}.
func (s *Server) deleteActivity(r *http.Request, _ []byte, _ map[string]any, _ bool) answer {
	m, a := s.botMessageLocked(r)
	if a != nil {
		return *a
	}
	m.deleted = true
	return answer{status: 200}
}

// botMessageLocked finds the live bot message a PUT or DELETE names.
func (s *Server) botMessageLocked(r *http.Request) (*message, *answer) {
	ref, found := s.resolveLocked(r.PathValue("conversation"))
	if !found {
		return nil, &errConversationNotFound
	}
	if ref.channel != nil && ref.channel.membershipType == "private" {
		return nil, &errNotInRoster
	}
	m, ok := s.messages[r.PathValue("activity")]
	switch {
	case !ok || m.deleted:
		return nil, &errActivityNotFound
	case ref.chat != nil && m.convID != ref.chat.id:
		return nil, &errActivityNotFound
	case ref.channel != nil && m.channelID != ref.channel.id:
		return nil, &errActivityNotFound
	case !m.byBot:
		a := connectorError(403, "NotEnoughPermissions", "The bot can only change messages it sent.")
		return nil, &a
	}
	return m, nil
}

// teamDetails answers GET v3/teams/{team}.
func (s *Server) teamDetails(r *http.Request, _ []byte, _ map[string]any, _ bool) answer {
	if r.PathValue("team") != TeamThreadID {
		return errConversationNotFound
	}
	return ok(200, map[string]any{"id": TeamThreadID, "name": TeamName, "aadGroupId": TeamID})
}

// teamChannels answers GET v3/teams/{team}/conversations: the channels the
// bot can see (private ones are not among them; General has no name).
func (s *Server) teamChannels(r *http.Request, _ []byte, _ map[string]any, _ bool) answer {
	if r.PathValue("team") != TeamThreadID {
		return errConversationNotFound
	}
	convs := []map[string]any{}
	for _, id := range s.chanOrder {
		c := s.channels[id]
		if c.membershipType == "private" {
			continue
		}
		e := map[string]any{"id": c.id}
		if c.id != TeamThreadID {
			e["name"] = c.displayName
		}
		convs = append(convs, e)
	}
	return ok(200, map[string]any{"conversations": convs})
}

// rateWindows are Teams' per-bot-per-thread limits for sending to a
// conversation and creating one (msteams-docs bots/how-to/rate-limit.md).
var rateWindows = []struct {
	window time.Duration
	max    int
}{{time.Second, 7}, {2 * time.Second, 8}, {30 * time.Second, 60}, {time.Hour, 1800}}

// throttleLocked counts a send to key, or answers 429 Throttled with the
// Retry-After that frees the exhausted window.
func (s *Server) throttleLocked(key string) *answer {
	if !s.cfg.rateLimits {
		return nil
	}
	now := time.Now()
	times := s.sends[key]
	for len(times) > 0 && now.Sub(times[0]) >= time.Hour {
		times = times[1:]
	}
	for _, w := range rateWindows {
		var in []time.Time
		for _, t := range times {
			if now.Sub(t) < w.window {
				in = append(in, t)
			}
		}
		if len(in) >= w.max {
			a := connectorError(429, "Throttled", "Too many requests.")
			a.retryAfter = max(in[len(in)-w.max].Add(w.window).Sub(now), time.Second)
			s.sends[key] = times
			return &a
		}
	}
	s.sends[key] = append(times, now)
	return nil
}

// outbound is a validated activity from the bot.
type outbound struct {
	typ, text, format string
	attach            []Attachment
	mentions          []Mention
	body              map[string]any
}

// parseOutbound checks an activity the bot sends as Teams would.
func parseOutbound(act map[string]any) (outbound, *answer) {
	raw, _ := json.Marshal(act)
	if len(utf16.Encode([]rune(string(raw))))*2 > maxMessageUTF16Bytes {
		a := connectorError(413, "MessageSizeTooBig", "Message size too large.")
		return outbound{}, &a
	}
	out := outbound{body: act}
	out.typ, _ = act["type"].(string)
	switch out.typ {
	case "message", "typing":
	case "":
		a := connectorError(400, "BadArgument", "Activity type is required.")
		return out, &a
	default:
		a := connectorError(400, "BadArgument", "Unknown activity type '"+out.typ+"'.")
		return out, &a
	}
	out.text, _ = act["text"].(string)
	out.format, _ = act["textFormat"].(string)
	list, _ := act["attachments"].([]any)
	for _, item := range list {
		at, _ := item.(map[string]any)
		ct, _ := at["contentType"].(string)
		content, _ := json.Marshal(at["content"])
		if ct == adaptiveCardType {
			card, _ := at["content"].(map[string]any)
			if card["type"] != "AdaptiveCard" {
				a := connectorError(400, "BadArgument", "Attachment content of type "+adaptiveCardType+` must be an object with "type":"AdaptiveCard".`)
				return out, &a
			}
			out.mentions = append(out.mentions, cardMentions(card)...)
		}
		out.attach = append(out.attach, Attachment{ContentType: ct, Content: content})
	}
	if out.typ == "message" && strings.TrimSpace(out.text) == "" && len(out.attach) == 0 {
		a := connectorError(400, "BadArgument", "Message text and attachments cannot both be empty.")
		return out, &a
	}
	entities, _ := act["entities"].([]any)
	out.mentions = append(mentionsIn(entities, out.text), out.mentions...)
	return out, nil
}

// mentionsIn returns the mention entities whose text occurs in text; Teams
// ignores the others.
func mentionsIn(entities []any, text string) []Mention {
	var out []Mention
	for _, e := range entities {
		if dig(e, "type") != "mention" {
			continue
		}
		mt, _ := dig(e, "text").(string)
		id, _ := dig(e, "mentioned", "id").(string)
		name, _ := dig(e, "mentioned", "name").(string)
		if mt != "" && id != "" && strings.Contains(text, mt) {
			out = append(out, Mention{ID: id, Name: name})
		}
	}
	return out
}

// cardMentions returns the mentions of a card's msteams.entities whose text
// occurs in one of the card's strings.
func cardMentions(card map[string]any) []Mention {
	entities, _ := dig(card, "msteams", "entities").([]any)
	var texts []string
	var collect func(v any)
	collect = func(v any) {
		switch v := v.(type) {
		case string:
			texts = append(texts, v)
		case []any:
			for _, e := range v {
				collect(e)
			}
		case map[string]any:
			for k, e := range v {
				if k != "msteams" {
					collect(e)
				}
			}
		}
	}
	collect(card)
	return mentionsIn(entities, strings.Join(texts, "\n"))
}

// storeLocked stores the bot's message(s) and returns their ids; Teams
// splits a message with both text and attachments in two.
func (s *Server) storeLocked(ref convRef, out outbound, replyTo string) []string {
	parts := []outbound{out}
	if strings.TrimSpace(out.text) != "" && len(out.attach) > 0 {
		textOnly, attachOnly := out, out
		textOnly.attach, attachOnly.text = nil, ""
		textOnly.mentions = mentionsIn(asSlice(out.body["entities"]), out.text)
		attachOnly.mentions = out.mentions[len(textOnly.mentions):]
		parts = []outbound{textOnly, attachOnly}
	}
	var ids []string
	for _, p := range parts {
		m := &message{id: s.nextIDLocked(), byBot: true, fromID: BotID, fromName: BotName, replyToID: replyTo,
			text: p.text, format: p.format, attach: p.attach, mentions: p.mentions, body: p.body}
		switch {
		case ref.chat != nil:
			m.convID = ref.chat.id
		case ref.rootID == "":
			// A post to the channel itself starts a thread.
			m.channelID, m.rootID = ref.channel.id, m.id
			m.convID = threadConvID(ref.channel.id, m.id)
			ref.channel.threads = append(ref.channel.threads, m.id)
			ref.rootID = m.id
		default:
			m.channelID, m.rootID = ref.channel.id, ref.rootID
			m.convID = threadConvID(ref.channel.id, ref.rootID)
		}
		s.messages[m.id] = m
		s.msgOrder = append(s.msgOrder, m.id)
		ids = append(ids, m.id)
	}
	return ids
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// dig walks nested JSON objects.
func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func firstString(vs ...any) string {
	for _, v := range vs {
		if s, ok := v.(string); ok && s != "" {
			return s
		}
	}
	return ""
}
