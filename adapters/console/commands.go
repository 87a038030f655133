package console

import (
	"context"
	"strings"
	"time"

	"github.com/warroomhq/warroom/bot"
)

// command handles a line starting with "/": "/incident ..." goes to the
// router, the rest drive the simulated workspace.
func (s *session) command(ctx context.Context, text string) error {
	word, rest, _ := strings.Cut(text, " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(word) {
	case "/incident":
		ev := s.event(bot.EventCommand)
		ev.Text = rest
		s.c.mu.Lock()
		ev.Ref = s.c.newRef()
		s.c.mu.Unlock()
		s.serve(ctx, ev)
	case "/edit":
		s.edit(ctx, rest)
	case "/delete":
		s.onMessage(ctx, bot.EventMessageDelete, rest, "/delete M3")
	case "/pin":
		s.onMessage(ctx, bot.EventPin, rest, "/pin M3")
	case "/react":
		s.react(ctx, rest)
	case "/join":
		s.join(rest)
	case "/channels":
		s.list()
	case "/user":
		s.switchUser(rest)
	case "/wait", "/sleep":
		s.wait(ctx, rest)
	case "/help":
		s.c.say(s.c.t("console.help"), s.c.t("console.help.drill"))
	case "/quit", "/exit":
		s.c.say(s.c.t("console.bye"))
		return errQuit
	default:
		s.c.say(s.c.t("console.unknown", "command", word))
	}
	return nil
}

// target finds the message "/edit", "/delete", "/pin" and "/react" act on,
// saying why when there is none. people limits it to people's messages
// (the bot's cannot be edited or deleted). Callers hold mu.
func (s *session) target(ref string, people bool) *message {
	c := s.c
	m, ok := c.messages[strings.ToUpper(ref)]
	if !ok || m.deleted || (people && m.author == "") {
		c.println(c.t("console.unknown_message", "ref", ref))
		return nil
	}
	return m
}

func (s *session) usage(u string) {
	s.c.say(s.c.t("console.usage", "usage", u))
}

// edit handles "/edit M3 <new text>".
func (s *session) edit(ctx context.Context, args string) {
	ref, text, _ := strings.Cut(args, " ")
	text = strings.TrimSpace(text)
	if ref == "" || text == "" {
		s.usage("/edit M3 <text>")
		return
	}
	c := s.c
	c.mu.Lock()
	m := s.target(ref, true)
	if m == nil {
		c.mu.Unlock()
		return
	}
	m.text = text
	c.println("[" + m.ref + "] " + c.user + " " + c.t("console.edited") + ": " + text)
	ev := bot.Event{Kind: bot.EventMessageEdit, User: c.me(), Channel: m.channel.id, Text: text, Ref: m.ref}
	c.mu.Unlock()
	s.serve(ctx, ev)
}

// onMessage handles "/delete M3" and "/pin M3".
func (s *session) onMessage(ctx context.Context, kind bot.EventKind, args, usage string) {
	ref := strings.TrimSpace(args)
	if ref == "" || strings.ContainsAny(ref, " ") {
		s.usage(usage)
		return
	}
	c := s.c
	c.mu.Lock()
	m := s.target(ref, kind == bot.EventMessageDelete)
	if m == nil {
		c.mu.Unlock()
		return
	}
	if kind == bot.EventMessageDelete {
		m.deleted = true
		c.println(c.t("console.deleted", "user", c.user, "ref", m.ref))
	} else {
		m.pinned = true
		c.println(c.t("console.pinned", "user", c.user, "ref", m.ref, "channel", m.channel.name))
	}
	ev := bot.Event{Kind: kind, User: c.me(), Channel: m.channel.id, Ref: m.ref}
	c.mu.Unlock()
	s.serve(ctx, ev)
}

// reactionName reports whether s is a Slack-style reaction name, without
// colons: 1 to 64 of a-z, 0-9, '_', '+' and '-'.
func reactionName(s string) bool {
	return len(s) >= 1 && len(s) <= 64 && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789_+-") == ""
}

// reactionMeaning is what a reaction means to Warroom. The console's
// reactions are Slack's emoji names, and mean what they mean there:
// pushpin, round_pushpin, star, key and bookmark mark a key event.
func reactionMeaning(name string) bot.Reaction {
	switch name {
	case "pushpin", "round_pushpin", "star", "key", "bookmark":
		return bot.ReactionKey
	}
	return ""
}

// react handles "/react M3 pushpin" (also ":pushpin:").
func (s *session) react(ctx context.Context, args string) {
	f := strings.Fields(args)
	if len(f) != 2 || !reactionName(strings.Trim(f[1], ":")) {
		s.usage("/react M3 pushpin")
		return
	}
	name := strings.Trim(f[1], ":")
	c := s.c
	c.mu.Lock()
	m := s.target(f[0], false)
	if m == nil {
		c.mu.Unlock()
		return
	}
	c.println(c.t("console.reacted", "user", c.user, "reaction", name, "ref", m.ref))
	ev := bot.Event{Kind: bot.EventReaction, User: c.me(), Channel: m.channel.id, Ref: m.ref, Reaction: name, Meaning: reactionMeaning(name)}
	c.mu.Unlock()
	s.serve(ctx, ev)
}

// join handles "/join #name" (or "/join name", "/join C2").
func (s *session) join(args string) {
	name := strings.TrimSpace(args)
	if name == "" || strings.ContainsAny(name, " ") {
		s.usage("/join #name")
		return
	}
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := c.channelByName(name)
	if ch == nil || !c.visible(ch) {
		// A private channel is no channel to someone outside it, as in
		// Slack: the same answer as for a name never used.
		c.println(c.t("console.unknown_channel", "channel", strings.TrimPrefix(name, "#")))
		return
	}
	ch.members[c.user] = true
	c.current = ch
	c.println(c.t("console.joined", "channel", ch.name))
}

// list handles "/channels": every channel, the current one marked with
// "→", with its flags and topic.
func (s *session) list() {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	lines := []string{c.t("console.channels")}
	for _, ch := range c.channels {
		if !c.visible(ch) {
			continue
		}
		l := indent + "  #" + ch.name
		if ch == c.current {
			l = indent + "→ #" + ch.name + " " + c.t("console.channel.current")
		}
		if ch.private {
			l += " " + c.t("console.channel.private")
		}
		if ch.archived {
			l += " " + c.t("console.channel.archived")
		}
		if ch.topic != "" {
			l += " — " + ch.topic
		}
		lines = append(lines, l)
	}
	c.println(lines...)
}

// visible reports whether the current user may see ch: a private channel
// only shows to its members.
func (c *Console) visible(ch *channel) bool { return !ch.private || ch.members[c.user] }

// switchUser handles "/user <name>".
func (s *session) switchUser(args string) {
	if strings.TrimSpace(args) == "" {
		s.usage("/user <name>")
		return
	}
	name, ok := parseUserName(args)
	if !ok {
		s.c.say(s.c.t("console.bad_user", "name", strings.TrimSpace(args)))
		return
	}
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if known, ok := c.people[strings.ToLower(name)]; ok {
		name = known
	}
	c.user = name
	c.people[strings.ToLower(name)] = name
	c.println(c.t("console.user", "user", name))
	if !c.visible(c.current) {
		// Someone else cannot stay in a private channel they are not in.
		c.current = c.channelByName(general)
		c.println(c.t("console.joined", "channel", c.current.name))
	}
}

// maxWait bounds "/wait", on the console's clock.
const maxWait = 24 * time.Hour

// wait handles "/wait 10m": nothing happens at the terminal for that long
// on the console's clock (Options.Speed times faster than real time),
// while reminders and drill steps arrive; a piped script uses it to let
// time pass.
func (s *session) wait(ctx context.Context, args string) {
	d, err := time.ParseDuration(strings.TrimSpace(args))
	if err != nil || d <= 0 || d > maxWait {
		s.usage("/wait 10m")
		return
	}
	s.c.say(s.c.t("console.wait", "duration", bot.Duration(s.c.lang, d)))
	t := time.NewTimer(time.Duration(float64(d) / s.c.speed))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
