package fakeslack

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// hookUses is how many posts one response_url takes (Slack: 5 in 30 minutes).
const hookUses = 5

// hook is a response_url and what it was issued for.
type hook struct {
	userID    string // who invoked the command or clicked
	channelID string // "" for a URL not tied to a channel
	messageTS string // the message a block action came from, for replace/delete_original
	uses      int
}

// Response is a body POSTed to a response_url.
type Response struct {
	URL  string
	Body map[string]any
}

// ResponseURL returns a fresh response_url that is tied to no channel: posts
// to it are recorded and answered, nothing else.
func (s *Server) ResponseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newHookLocked(&hook{})
}

func (s *Server) newHookLocked(h *hook) string {
	s.seq.hook++
	id := fmt.Sprintf("%d", s.seq.hook)
	s.hooks[id] = h
	return s.srv.URL + "/response/" + id
}

// Responses returns the bodies POSTed to response URLs, in order.
func (s *Server) Responses() []Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.responses)
}

// WaitResponses waits until at least n bodies were POSTed to response URLs
// and returns them all; it fails the test after timeout.
func (s *Server) WaitResponses(n int, timeout time.Duration) []Response {
	s.t.Helper()
	var got []Response
	if !s.changes.WaitFor(timeout, func() bool {
		got = slices.Clone(s.responses)
		return len(got) >= n
	}) {
		s.t.Fatalf("fakeslack: waited %s for %d response_url post(s), got %d", timeout, n, len(got))
	}
	return got
}

// serveResponseURL takes a message POSTed to a response_url. It answers like
// Slack's hooks: 200 "ok" as text, or a 4xx with a short error text. For a
// URL issued with a block action, replace_original rewrites the clicked
// message and delete_original removes it; for one tied to a channel,
// response_type "in_channel" posts a message there and anything else is an
// ephemeral message to the user.
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method_not_allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hooks[r.PathValue("id")]
	if h == nil {
		http.Error(w, "no_service", http.StatusNotFound)
		return
	}
	if h.uses >= hookUses {
		http.Error(w, "used_url", http.StatusNotFound)
		return
	}
	var msg map[string]any
	if err := json.Unmarshal(body, &msg); err != nil || msg == nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	h.uses++
	s.responses = append(s.responses, Response{URL: s.srv.URL + r.URL.Path, Body: msg})
	s.changes.NotifyLocked()

	if code := s.applyResponseLocked(h, msg); code != "" {
		http.Error(w, code, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok")
}

// applyResponseLocked makes a response_url post visible in the channel.
func (s *Server) applyResponseLocked(h *hook, msg map[string]any) string {
	c := s.channels[h.channelID]
	if c == nil {
		return ""
	}
	if b, _ := msg["delete_original"].(bool); b && h.messageTS != "" {
		c.msgs = slices.DeleteFunc(c.msgs, func(m *message) bool { return m.ts == h.messageTS })
		return ""
	}
	text := str(msg["text"])
	blocks := ""
	if bs, has := msg["blocks"]; has && bs != nil {
		raw, _ := json.Marshal(bs)
		blocks = string(raw)
		if blocks == "[]" {
			blocks = ""
		}
	}
	if text == "" && blocks == "" {
		return "no_text"
	}
	if b, _ := msg["replace_original"].(bool); b && h.messageTS != "" {
		if m := c.message(h.messageTS); m != nil {
			m.text, m.blocks = text, blocks
			m.edits++
			m.editedTS = s.nextTSLocked()
		}
		return ""
	}
	if str(msg["response_type"]) == "in_channel" {
		c.msgs = append(c.msgs, &message{ts: s.nextTSLocked(), user: BotUserID, botID: BotID, text: text, blocks: blocks, threadTS: str(msg["thread_ts"])})
		return ""
	}
	c.ephemerals = append(c.ephemerals, EphemeralState{TS: s.nextTSLocked(), User: h.userID, Text: text, Blocks: blocks})
	return ""
}
