// Package bottest provides a recording bot.Platform for tests of handlers
// and of the router.
package bottest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/warroomhq/warroom/bot"
)

// Call is one recorded Platform call.
type Call struct {
	Method  string // "CreateChannel", "Invite", "Post", "Update", "SetTopic", "Pin", "Archive", "OpenForm", "Reply"
	Channel string
	Ref     bot.MessageRef
	Msg     bot.Message
	Form    bot.Form
	Users   []string
	Topic   string
	Spec    bot.ChannelSpec
	// User is whom a Reply or OpenForm was for.
	User bot.User
}

// Platform records every call and answers like a well-behaved chat
// platform: channels "C1", "C2"..., messages "M1", "M2"... Set Fail to make
// a method fail.
type Platform struct {
	// PlatformName is returned by Name; default "test".
	PlatformName string
	mu           sync.Mutex
	calls        []Call
	seq          int
	// Fail maps a method name to the error it returns.
	Fail map[string]error
	// Paced makes CreateChannel with ChannelSpec.NoWait fail with
	// bot.ErrPaced, as a platform whose rate limit has no room would.
	Paced atomic.Bool
}

var _ bot.Platform = (*Platform)(nil)

// New returns a recording platform with the given name.
func New(name string) *Platform { return &Platform{PlatformName: name, Fail: map[string]error{}} }

func (p *Platform) record(c Call) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.Fail[c.Method]; err != nil {
		return err
	}
	p.calls = append(p.calls, c)
	return nil
}

func (p *Platform) next(prefix string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	return fmt.Sprintf("%s%d", prefix, p.seq)
}

// Name implements bot.Platform.
func (p *Platform) Name() string {
	if p.PlatformName == "" {
		return "test"
	}
	return p.PlatformName
}

// maxChannelName bounds the names CreateChannel gives, as Slack's do.
const maxChannelName = 80

// CreateChannel implements bot.Platform; it names the channel
// spec.DatedName(80), as Slack would ("inc-20261125-1-checkout-is-failing").
func (p *Platform) CreateChannel(ctx context.Context, spec bot.ChannelSpec) (bot.Channel, error) {
	name := spec.DatedName(maxChannelName)
	if p.Paced.Load() && spec.NoWait {
		return bot.Channel{}, fmt.Errorf("create channel %q: %w", name, bot.ErrPaced)
	}
	id := p.next("C")
	ch := bot.Channel{ID: id, Name: name, URL: "https://chat.example/" + id}
	return ch, p.record(Call{Method: "CreateChannel", Channel: ch.ID, Spec: spec})
}

// Invite implements bot.Platform.
func (p *Platform) Invite(_ context.Context, channelID string, users []string) error {
	return p.record(Call{Method: "Invite", Channel: channelID, Users: append([]string(nil), users...)})
}

// Post implements bot.Platform.
func (p *Platform) Post(_ context.Context, channelID string, msg bot.Message) (bot.MessageRef, error) {
	ref := bot.MessageRef{ChannelID: channelID, ID: p.next("M")}
	if err := p.record(Call{Method: "Post", Channel: channelID, Ref: ref, Msg: msg}); err != nil {
		return bot.MessageRef{}, err
	}
	return ref, nil
}

// Update implements bot.Platform.
func (p *Platform) Update(_ context.Context, ref bot.MessageRef, msg bot.Message) error {
	return p.record(Call{Method: "Update", Channel: ref.ChannelID, Ref: ref, Msg: msg})
}

// SetTopic implements bot.Platform.
func (p *Platform) SetTopic(_ context.Context, channelID, topic string) error {
	return p.record(Call{Method: "SetTopic", Channel: channelID, Topic: topic})
}

// Pin implements bot.Platform.
func (p *Platform) Pin(_ context.Context, ref bot.MessageRef) error {
	return p.record(Call{Method: "Pin", Channel: ref.ChannelID, Ref: ref})
}

// Archive implements bot.Platform.
func (p *Platform) Archive(_ context.Context, channelID string) error {
	return p.record(Call{Method: "Archive", Channel: channelID})
}

// OpenForm implements bot.Platform.
func (p *Platform) OpenForm(_ context.Context, ev *bot.Event, form bot.Form) error {
	return p.record(Call{Method: "OpenForm", Channel: ev.Channel, Form: form, User: ev.User})
}

// Reply implements bot.Platform.
func (p *Platform) Reply(_ context.Context, ev *bot.Event, msg bot.Message) error {
	return p.record(Call{Method: "Reply", Channel: ev.Channel, Msg: msg, User: ev.User})
}

// Calls returns the recorded calls, optionally only those of some methods.
func (p *Platform) Calls(methods ...string) []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Call
	for _, c := range p.calls {
		if len(methods) == 0 || contains(methods, c.Method) {
			out = append(out, c)
		}
	}
	return out
}

// Last returns the last call of method, and whether there was one.
func (p *Platform) Last(method string) (Call, bool) {
	calls := p.Calls(method)
	if len(calls) == 0 {
		return Call{}, false
	}
	return calls[len(calls)-1], true
}

// Reset forgets the recorded calls.
func (p *Platform) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = nil
}

// Text flattens a message to one string (title, text, fields, buttons) for
// assertions.
func Text(m bot.Message) string {
	var b strings.Builder
	b.WriteString(m.Title + "\n" + m.Text + "\n")
	for _, f := range m.Fields {
		b.WriteString(f.Label + ": " + f.Value + "\n")
	}
	for _, btn := range m.Buttons {
		b.WriteString("[" + btn.Label + "]\n")
	}
	b.WriteString(m.Context)
	return b.String()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
