package fakeslack

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Web API methods. Each runs with s.mu held and returns Slack's answer; the
// errors and their order follow the methods' reference pages.

func (s *Server) authTest(*apiRequest) result {
	return success(map[string]any{
		"url":                   "https://" + TeamDomain + ".slack.com/",
		"team":                  TeamName,
		"user":                  BotName,
		"team_id":               TeamID,
		"user_id":               BotUserID,
		"bot_id":                BotID,
		"is_enterprise_install": false,
	})
}

func (s *Server) appsConnectionsOpen(*apiRequest) result {
	s.seq.ticket++
	ticket := fmt.Sprintf("%d", s.seq.ticket)
	s.tickets[ticket] = true
	wsURL := "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/socket?ticket=" + ticket + "&app_id=" + AppID
	return success(map[string]any{"url": wsURL})
}

// validChannelName applies conversations.create's rules: lowercase letters,
// digits, hyphens and underscores, at most 80 characters, not only
// punctuation.
func validChannelName(name string) string {
	switch {
	case name == "":
		return "invalid_name_required"
	case utf8.RuneCountInString(name) > 80:
		return "invalid_name_maxlength"
	}
	alnum := false
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			alnum = true
		case r == '-' || r == '_':
		default:
			return "invalid_name_specials"
		}
	}
	if !alnum {
		return "invalid_name_punctuation"
	}
	return ""
}

func (s *Server) conversationsCreate(r *apiRequest) result {
	name := r.params["name"]
	if code := validChannelName(name); code != "" {
		return fail(code)
	}
	if s.channelByNameLocked(name) != nil {
		return fail("name_taken")
	}
	c := s.newChannelLocked(name, r.params["is_private"] == "true", BotUserID, []string{BotUserID})
	return success(map[string]any{"channel": c.json()})
}

// botChannel finds a channel as the bot sees it: a private channel the bot
// is not in does not exist for it.
func (s *Server) botChannel(id string) (*channel, string) {
	if id == "" {
		return nil, "channel_not_found"
	}
	c := s.channels[id]
	if c == nil || (c.private && !c.isMember(BotUserID)) {
		return nil, "channel_not_found"
	}
	return c, ""
}

// botMemberChannel finds a channel the bot must be a member of to change.
func (s *Server) botMemberChannel(id string) (*channel, string) {
	c, code := s.botChannel(id)
	if code != "" {
		return nil, code
	}
	if !c.isMember(BotUserID) {
		return nil, "not_in_channel"
	}
	return c, ""
}

func (s *Server) conversationsInvite(r *apiRequest) result {
	c, code := s.botMemberChannel(r.params["channel"])
	if code != "" {
		return fail(code)
	}
	if c.archived {
		return fail("is_archived")
	}
	var ids []string
	for id := range strings.SplitSeq(r.params["users"], ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return fail("no_user")
	}
	// Without force, one bad user fails the whole call and nobody is
	// invited; the per-user errors come back in "errors".
	var valid []string
	var errs []map[string]any
	for _, id := range ids {
		code := ""
		switch u := s.users[id]; {
		case u == nil:
			code = "user_not_found"
		case id == BotUserID:
			code = "cant_invite_self"
		case c.isMember(id):
			code = "already_in_channel"
		}
		if code != "" {
			errs = append(errs, map[string]any{"user": id, "ok": false, "error": code})
			continue
		}
		valid = append(valid, id)
	}
	if len(errs) > 0 && (r.params["force"] != "true" || len(valid) == 0) {
		return failWith(errs[0]["error"].(string), map[string]any{"errors": errs})
	}
	for _, id := range valid {
		if !c.isMember(id) {
			c.members = append(c.members, id)
		}
	}
	res := map[string]any{"channel": c.json()}
	if len(errs) > 0 {
		res["errors"] = errs
	}
	return success(res)
}

func (s *Server) conversationsSetTopic(r *apiRequest) result {
	c, code := s.botMemberChannel(r.params["channel"])
	if code != "" {
		return fail(code)
	}
	if c.archived {
		return fail("is_archived")
	}
	t := r.params["topic"]
	if utf8.RuneCountInString(t) > 250 {
		return fail("too_long")
	}
	c.topic = topic{value: t, creator: BotUserID, lastSet: time.Now().Unix()}
	return success(map[string]any{"channel": c.json()})
}

func (s *Server) conversationsArchive(r *apiRequest) result {
	c, code := s.botChannel(r.params["channel"])
	if code != "" {
		return fail(code)
	}
	if c.archived {
		return fail("already_archived")
	}
	if !c.isMember(BotUserID) {
		return fail("not_in_channel")
	}
	c.archived = true
	return success(nil)
}

func (s *Server) conversationsJoin(r *apiRequest) result {
	c, code := s.botChannel(r.params["channel"])
	if code != "" {
		return fail(code)
	}
	if c.archived {
		return fail("is_archived")
	}
	if c.isMember(BotUserID) {
		return success(map[string]any{
			"channel":           c.json(),
			"warning":           "already_in_channel",
			"response_metadata": map[string]any{"warnings": []string{"already_in_channel"}},
		})
	}
	c.members = append(c.members, BotUserID)
	return success(map[string]any{"channel": c.json()})
}

func (s *Server) conversationsInfo(r *apiRequest) result {
	c, code := s.botChannel(r.params["channel"])
	if code != "" {
		return fail(code)
	}
	ch := c.json()
	if r.params["include_num_members"] == "true" {
		ch["num_members"] = len(c.members)
	}
	return success(map[string]any{"channel": ch})
}

// postableChannel finds a channel the bot may post to.
func (s *Server) postableChannel(id string) (*channel, string) {
	c, code := s.botChannel(id)
	if code != "" {
		return nil, code
	}
	if c.archived {
		return nil, "is_archived"
	}
	if !c.isMember(BotUserID) && !s.cfg.chatWritePublic {
		return nil, "not_in_channel"
	}
	return c, ""
}

// messageContent checks text and blocks the way chat.* methods do and
// returns the blocks' compact JSON ("" for none).
func messageContent(p map[string]string) (text, blocks, code string) {
	text = p["text"]
	if raw, has := p["blocks"]; has && raw != "" {
		var bs []json.RawMessage
		if err := json.Unmarshal([]byte(raw), &bs); err != nil {
			return "", "", "invalid_blocks_format"
		}
		if len(bs) > 50 {
			return "", "", "invalid_blocks"
		}
		for _, b := range bs {
			var typed struct {
				Type string `json:"type"`
			}
			if json.Unmarshal(b, &typed) != nil || typed.Type == "" {
				return "", "", "invalid_blocks"
			}
		}
		if len(bs) > 0 {
			compact, _ := json.Marshal(bs)
			blocks = string(compact)
		}
	}
	if text == "" && blocks == "" && p["attachments"] == "" {
		return "", "", "no_text"
	}
	if utf8.RuneCountInString(text) > 40000 {
		return "", "", "msg_too_long"
	}
	return text, blocks, ""
}

func (m *message) json() map[string]any {
	out := map[string]any{
		"type": "message",
		"text": m.text,
		"user": m.user,
		"ts":   m.ts,
		"team": TeamID,
	}
	if m.botID != "" {
		out["bot_id"] = m.botID
		out["app_id"] = AppID
		out["bot_profile"] = map[string]any{
			"id": BotID, "app_id": AppID, "user_id": BotUserID, "name": BotName,
			"deleted": false, "team_id": TeamID,
		}
	}
	if m.blocks != "" {
		out["blocks"] = json.RawMessage(m.blocks)
	}
	if m.threadTS != "" {
		out["thread_ts"] = m.threadTS
		out["parent_user_id"] = ""
	}
	if m.replyCount > 0 {
		out["thread_ts"] = m.ts
		out["reply_count"] = m.replyCount
	}
	if m.editedTS != "" {
		out["edited"] = map[string]any{"user": m.user, "ts": m.editedTS}
	}
	return out
}

func (s *Server) chatPostMessage(r *apiRequest) result {
	c, code := s.postableChannel(r.params["channel"])
	if code != "" {
		return fail(code)
	}
	text, blocks, code := messageContent(r.params)
	if code != "" {
		return fail(code)
	}
	m := &message{ts: s.nextTSLocked(), user: BotUserID, botID: BotID, text: text, blocks: blocks}
	// A reply to a ts that is not a message of the channel is posted
	// unthreaded, as Slack does when the parent is gone.
	if parent := c.message(r.params["thread_ts"]); parent != nil {
		if parent.threadTS != "" {
			parent = c.message(parent.threadTS)
		}
		m.threadTS = parent.ts
		parent.replyCount++
	}
	c.msgs = append(c.msgs, m)
	msg := m.json()
	if m.threadTS != "" {
		msg["parent_user_id"] = c.message(m.threadTS).user
	}
	return success(map[string]any{"channel": c.id, "ts": m.ts, "message": msg})
}

func (s *Server) chatUpdate(r *apiRequest) result {
	c, code := s.botChannel(r.params["channel"])
	if code != "" {
		return fail(code)
	}
	if c.archived {
		return fail("is_archived")
	}
	m := c.message(r.params["ts"])
	if m == nil {
		return fail("message_not_found")
	}
	if m.botID != BotID {
		return fail("cant_update_message")
	}
	text, blocks, code := messageContent(r.params)
	if code != "" {
		return fail(code)
	}
	m.text = text
	if _, has := r.params["blocks"]; has {
		m.blocks = blocks // "blocks=[]" clears them
	}
	m.edits++
	m.editedTS = s.nextTSLocked()
	return success(map[string]any{"channel": c.id, "ts": m.ts, "text": m.text, "message": m.json()})
}

func (s *Server) chatPostEphemeral(r *apiRequest) result {
	c, code := s.postableChannel(r.params["channel"])
	if code != "" {
		return fail(code)
	}
	uid := r.params["user"]
	if s.users[uid] == nil {
		return fail("user_not_found")
	}
	if !c.isMember(uid) {
		return fail("user_not_in_channel")
	}
	text, blocks, code := messageContent(r.params)
	if code != "" {
		return fail(code)
	}
	ts := s.nextTSLocked()
	c.ephemerals = append(c.ephemerals, EphemeralState{TS: ts, User: uid, ThreadTS: r.params["thread_ts"], Text: text, Blocks: blocks})
	return success(map[string]any{"message_ts": ts})
}

// chatGetPermalink answers like Slack: the channel must be one the bot can
// see (a private channel it is not in does not exist for it) and the
// message must be there; a thread reply's link names its thread.
func (s *Server) chatGetPermalink(r *apiRequest) result {
	c, code := s.botChannel(r.params["channel"])
	if code != "" {
		return fail(code)
	}
	m := c.message(r.params["message_ts"])
	if m == nil {
		return fail("message_not_found")
	}
	link := Permalink(c.id, m.ts)
	if m.threadTS != "" && m.threadTS != m.ts {
		link += "?thread_ts=" + m.threadTS + "&cid=" + c.id
	}
	return success(map[string]any{"channel": c.id, "permalink": link})
}

// Permalink is the link chat.getPermalink gives for message ts in channel
// (not in a thread).
func Permalink(channel, ts string) string {
	return "https://" + TeamDomain + ".slack.com/archives/" + channel + "/p" + strings.Replace(ts, ".", "", 1)
}

func (s *Server) pinsAdd(r *apiRequest) result {
	c, code := s.botMemberChannel(r.params["channel"])
	if code != "" {
		return fail(code)
	}
	if c.archived {
		return fail("is_archived")
	}
	ts := r.params["timestamp"]
	if ts == "" {
		return fail("no_item_specified")
	}
	if c.message(ts) == nil {
		return fail("message_not_found")
	}
	for _, p := range c.pins {
		if p == ts {
			return fail("already_pinned")
		}
	}
	c.pins = append(c.pins, ts)
	return success(nil)
}

func (s *Server) viewsOpen(r *apiRequest) result {
	trigger := r.params["trigger_id"]
	issued, known := s.triggers[trigger]
	switch {
	case trigger == "":
		return fail("invalid_arguments")
	case s.usedTriggers[trigger]:
		return fail("exchanged_trigger_id")
	case !known:
		return fail("invalid_trigger_id")
	}
	delete(s.triggers, trigger)
	s.usedTriggers[trigger] = true
	if s.cfg.triggerTTL > 0 && time.Since(issued) > s.cfg.triggerTTL {
		return fail("expired_trigger_id")
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(r.params["view"]), &raw); err != nil || raw == nil {
		return fail("invalid_arguments")
	}
	if raw["type"] != "modal" {
		return failWith("invalid_arguments", map[string]any{
			"response_metadata": map[string]any{"messages": []string{"[ERROR] must be a valid enum value [json-pointer:/view/type]"}},
		})
	}
	if len(r.params["view"]) > 250_000 {
		return fail("view_too_large")
	}
	s.seq.view++
	v := &view{
		id:              fmt.Sprintf("V%04d", s.seq.view),
		hash:            fmt.Sprintf("%d.%08x", time.Now().Unix(), s.seq.view),
		raw:             raw,
		callbackID:      str(raw["callback_id"]),
		privateMetadata: str(raw["private_metadata"]),
	}
	s.views[v.id] = v
	return success(map[string]any{"view": v.json()})
}

func (v *view) json() map[string]any {
	out := map[string]any{}
	for k, val := range v.raw {
		out[k] = val
	}
	out["id"] = v.id
	out["team_id"] = TeamID
	out["state"] = map[string]any{"values": map[string]any{}}
	out["hash"] = v.hash
	out["callback_id"] = v.callbackID
	out["private_metadata"] = v.privateMetadata
	out["root_view_id"] = v.id
	out["previous_view_id"] = nil
	out["app_id"] = AppID
	out["app_installed_team_id"] = TeamID
	out["bot_id"] = BotID
	for _, k := range []string{"clear_on_close", "notify_on_close"} {
		if _, has := out[k]; !has {
			out[k] = false
		}
	}
	if _, has := out["external_id"]; !has {
		out["external_id"] = ""
	}
	return out
}

func (s *Server) usersInfo(r *apiRequest) result {
	u := s.users[r.params["user"]]
	if u == nil {
		return fail("user_not_found")
	}
	return success(map[string]any{"user": u.json(r.params["include_locale"] == "true")})
}

func (u *user) json(withLocale bool) map[string]any {
	out := map[string]any{
		"id":                  u.id,
		"team_id":             TeamID,
		"name":                u.name,
		"deleted":             u.deleted,
		"color":               "9f69e7",
		"real_name":           u.realName,
		"tz":                  cmp.Or(u.tz, "Europe/London"),
		"tz_label":            cmp.Or(u.tzLabel, "Greenwich Mean Time"),
		"tz_offset":           u.tzOffset,
		"is_admin":            false,
		"is_owner":            false,
		"is_primary_owner":    false,
		"is_restricted":       false,
		"is_ultra_restricted": false,
		"is_bot":              u.isBot,
		"is_app_user":         false,
		"updated":             tsBase,
		"profile": map[string]any{
			"real_name":               u.realName,
			"real_name_normalized":    u.realName,
			"display_name":            u.displayName,
			"display_name_normalized": u.displayName,
			"team":                    TeamID,
		},
	}
	if u.isBot {
		out["profile"].(map[string]any)["bot_id"] = BotID
	}
	if withLocale {
		out["locale"] = u.locale
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// usersList answers users.list like Slack: members in a stable order,
// deactivated ones and bots included; with limit (at most 1000) one page
// at a time, its response_metadata.next_cursor naming the next ("" on the
// last). A cursor Slack did not give is invalid_cursor, a limit that is not
// a number invalid_limit.
func (s *Server) usersList(r *apiRequest) result {
	ids := make([]string, 0, len(s.users))
	for id := range s.users {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	limit := len(ids)
	if v := r.params["limit"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fail("invalid_limit")
		}
		if n > 0 {
			limit = min(n, 1000)
		}
	}
	start := 0
	if c := r.params["cursor"]; c != "" {
		b, err := base64.StdEncoding.DecodeString(c)
		rest, ok := strings.CutPrefix(string(b), "user:")
		if err != nil || !ok {
			return fail("invalid_cursor")
		}
		i := slices.Index(ids, rest)
		if i < 0 {
			return fail("invalid_cursor")
		}
		start = i
	}
	end := min(start+limit, len(ids))
	members := make([]map[string]any, 0, end-start)
	for _, id := range ids[start:end] {
		members = append(members, s.users[id].json(r.params["include_locale"] == "true"))
	}
	next := ""
	if end < len(ids) {
		next = base64.StdEncoding.EncodeToString([]byte("user:" + ids[end]))
	}
	return success(map[string]any{"members": members, "cache_ts": time.Now().Unix(),
		"response_metadata": map[string]any{"next_cursor": next}})
}
