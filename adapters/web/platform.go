package web

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/warroomhq/warroom/bot"
)

var _ bot.Platform = (*Server)(nil)

// The web is one more platform: a click on a page is a bot.Event of
// platform "web", acted as the chat person the browser is signed in as
// (Event.UserPlatform), so the router's authorization and the handlers'
// audience rule judge it exactly as that person in chat. The only thing
// it can do for the handlers is answer the person: the answer is shown
// on the page they return to. Incidents live in chat, so everything that
// belongs to a channel is refused.

// replies collects the answers to one event from a page, for the page the
// browser is sent back to.
type replies struct {
	mu   sync.Mutex
	msgs []string
}

func (rs *replies) add(msg bot.Message) {
	var parts []string
	for _, s := range []string{msg.Title, msg.Text} {
		if s = strings.TrimSpace(bot.Visible(s)); s != "" {
			parts = append(parts, s)
		}
	}
	for _, f := range msg.Fields {
		parts = append(parts, bot.Visible(f.Label)+": "+bot.Visible(f.Value))
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.msgs = append(rs.msgs, strings.Join(parts, "\n"))
}

func (rs *replies) text() string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return strings.Join(rs.msgs, "\n\n")
}

// errChatOnly is the web's refusal of what only a chat platform does.
func errChatOnly(what string) error {
	return fmt.Errorf("web: %s: incidents live in chat, not on the web: %w", what, bot.ErrUnsupported)
}

// Name is "web", the Event.Platform of the events a page makes.
func (s *Server) Name() string { return Name }

// CreateChannel is refused: incidents are declared in chat.
func (s *Server) CreateChannel(context.Context, bot.ChannelSpec) (bot.Channel, error) {
	return bot.Channel{}, errChatOnly("create a channel")
}

// Invite is refused: the web has no channels.
func (s *Server) Invite(context.Context, string, []string) error { return errChatOnly("invite") }

// Post is refused: the web has no channels.
func (s *Server) Post(context.Context, string, bot.Message) (bot.MessageRef, error) {
	return bot.MessageRef{}, errChatOnly("post")
}

// Update is refused: the web posts no messages to update.
func (s *Server) Update(context.Context, bot.MessageRef, bot.Message) error {
	return errChatOnly("update a message")
}

// SetTopic is refused: the web has no channels.
func (s *Server) SetTopic(context.Context, string, string) error { return errChatOnly("set a topic") }

// Pin is refused: the web has no channels.
func (s *Server) Pin(context.Context, bot.MessageRef) error { return errChatOnly("pin") }

// Archive is refused: the web has no channels.
func (s *Server) Archive(context.Context, string) error { return errChatOnly("archive") }

// OpenForm is unsupported: the page's own forms carry every argument, so
// handlers fall back to their usage line as on any platform without forms.
func (s *Server) OpenForm(context.Context, *bot.Event, bot.Form) error {
	return errChatOnly("open a form")
}

// Reply keeps msg for the page the person is sent back to after their
// action; an event that did not come from a page has nobody to answer.
func (s *Server) Reply(_ context.Context, ev *bot.Event, msg bot.Message) error {
	rs, ok := ev.Reply.(*replies)
	if !ok {
		return fmt.Errorf("web: reply to an event that came from no page: %w", bot.ErrUnsupported)
	}
	rs.add(msg)
	return nil
}
