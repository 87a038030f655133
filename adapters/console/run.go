package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// MaxLine is the longest input line handled, in bytes; a longer line is
// skipped with a notice.
const MaxLine = 64 << 10

// errQuit ends Run after /quit.
var errQuit = errors.New("quit")

// line is one read from the input: its text, or the error that ended it.
type line struct {
	text    string
	tooLong bool
	err     error
}

// Run reads lines until the input ends (nil), /quit (nil) or ctx is done
// (ctx.Err()), handling each one synchronously, then any form it opened, in
// order; output order is therefore deterministic for piped input. r must
// have c registered. Errors of handlers are shown to the user by the
// router itself; Run carries on after them. Run may be called once.
//
// A read from In cannot be interrupted: when ctx ends while a read is
// blocked (a terminal), Run returns at once and the reading goroutine ends
// with the next line or the end of input.
func (c *Console) Run(ctx context.Context, r *bot.Router) error {
	if r == nil {
		return errors.New("console: nil router")
	}
	if p, ok := r.Platform(Name); !ok || p != bot.Platform(c) {
		return errors.New("console: not registered with the router")
	}
	c.mu.Lock()
	if c.running {
		c.mu.Unlock()
		return errors.New("console: Run called twice")
	}
	c.running = true
	c.println(c.t("console.welcome", "user", c.user, "channel", c.current.name))
	c.mu.Unlock()

	stop := make(chan struct{})
	defer close(stop)
	lines := make(chan line)
	go c.read(stop, lines)

	s := &session{c: c, r: r, lines: lines}
	err := s.loop(ctx)
	if errors.Is(err, errQuit) || errors.Is(err, io.EOF) {
		err = nil
	}
	c.mu.Lock()
	if err == nil && c.werr != nil {
		err = c.werr
	}
	c.mu.Unlock()
	return err
}

// read sends the input's lines until it ends or stop is closed.
func (c *Console) read(stop <-chan struct{}, out chan<- line) {
	br := bufio.NewReaderSize(c.in, 4096)
	for {
		l := readLine(br)
		if l.err != nil && !errors.Is(l.err, io.EOF) {
			l.err = fmt.Errorf("read console input: %w", l.err)
		}
		select {
		case out <- l:
		case <-stop:
			return
		}
		if l.err != nil {
			return
		}
	}
}

// readLine reads one line of any length, keeping at most MaxLine bytes of
// it, so that an overlong line is skipped rather than ending the session.
func readLine(br *bufio.Reader) line {
	var (
		buf     []byte
		tooLong bool
	)
	for {
		chunk, more, err := br.ReadLine()
		if err != nil {
			if len(buf) > 0 || tooLong {
				return line{text: string(buf), tooLong: tooLong}
			}
			return line{err: err}
		}
		if len(buf)+len(chunk) > MaxLine {
			tooLong, buf = true, nil
		} else if !tooLong {
			buf = append(buf, chunk...)
		}
		if !more {
			return line{text: string(buf), tooLong: tooLong}
		}
	}
}

// session is one Run: the router and the input lines.
type session struct {
	c     *Console
	r     *bot.Router
	lines <-chan line
}

func (s *session) loop(ctx context.Context) error {
	for {
		if err := s.forms(ctx); err != nil {
			return err
		}
		s.prompt()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.c.formReady:
			continue
		case l := <-s.lines:
			if err := s.handle(ctx, l); err != nil {
				return err
			}
		}
		if err := s.failed(); err != nil {
			return err
		}
	}
}

// next waits for the next input line, for forms.
func (s *session) next(ctx context.Context) (string, error) {
	s.prompt()
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case l := <-s.lines:
		if l.err != nil {
			return "", l.err
		}
		if l.tooLong {
			s.c.say(s.c.t("console.too_long", "max", strconv.Itoa(MaxLine)))
			return "", nil
		}
		text := clean(l.text)
		s.echo(text)
		return text, nil
	}
}

// echo repeats a command or a form answer read from piped input, so that a
// transcript shows what was typed; a terminal shows it already.
func (s *session) echo(text string) {
	if s.c.interactive {
		return
	}
	s.c.say(strings.TrimRight("> "+strings.TrimSpace(text), " "))
}

// failed reports a failed write to the output, which ends the session.
func (s *session) failed() error {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	return s.c.werr
}

// prompt shows where the person is, on a terminal only.
func (s *session) prompt() {
	if !s.c.interactive {
		return
	}
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.werr == nil {
		_, _ = fmt.Fprintf(c.out, "%s #%s> ", bot.Visible(c.user), bot.Visible(c.current.name))
	}
}

// clean makes an input line safe to store and print: valid UTF-8 and no
// control characters (a pasted escape sequence must not reach a terminal).
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}

// handle acts on one input line.
func (s *session) handle(ctx context.Context, l line) error {
	if l.err != nil {
		return l.err
	}
	if l.tooLong {
		s.c.say(s.c.t("console.too_long", "max", strconv.Itoa(MaxLine)))
		return nil
	}
	text := strings.TrimSpace(clean(l.text))
	switch {
	case text == "":
		return nil
	case strings.HasPrefix(text, "/"):
		s.echo(text)
		return s.command(ctx, text)
	case isClick(text):
		s.click(ctx, text[1:])
		return nil
	}
	s.message(ctx, text)
	return nil
}

// isClick reports whether text is "!N".
func isClick(text string) bool {
	if len(text) < 2 || text[0] != '!' {
		return false
	}
	for _, r := range text[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// serve hands ev to the router. Its errors were already told to the user
// by the router; they are only logged here.
func (s *session) serve(ctx context.Context, ev bot.Event) {
	ev.Platform = Name
	ev.Locale = string(s.c.lang)
	if err := s.r.Serve(ctx, ev); err != nil {
		s.c.log.Debug("event not handled", zap.String("event_kind", string(ev.Kind)), zap.Error(err))
	}
}

// event starts an event by the person at the terminal in the current
// channel.
func (s *session) event(kind bot.EventKind) bot.Event {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	return bot.Event{Kind: kind, User: s.c.me(), Channel: s.c.current.id}
}

// message posts a person's message in the current channel.
func (s *session) message(ctx context.Context, text string) {
	c := s.c
	c.mu.Lock()
	ch := c.current
	if ch.archived {
		c.println(c.t("console.archived_channel", "channel", ch.name))
		c.mu.Unlock()
		return
	}
	m := &message{ref: c.newRef(), channel: ch, author: c.user, text: text}
	c.messages[m.ref] = m
	c.println("[" + m.ref + "] " + c.user + ": " + text)
	ev := bot.Event{Kind: bot.EventMessage, User: c.me(), Channel: ch.id, Text: text, Ref: m.ref}
	c.mu.Unlock()
	s.serve(ctx, ev)
}

// click clicks choice n of the most recent message shown with buttons.
func (s *session) click(ctx context.Context, n string) {
	c := s.c
	c.mu.Lock()
	i, err := strconv.Atoi(n)
	if err != nil || i < 1 || i > len(c.choices) {
		c.println(c.t("console.no_button", "n", n))
		c.mu.Unlock()
		return
	}
	ch := c.choices[i-1]
	c.println(c.t("console.clicked", "user", c.user, "n", strconv.Itoa(i), "label", ch.label))
	ev := bot.Event{Kind: bot.EventAction, User: c.me(), Channel: ch.channel, Ref: ch.ref,
		Action: ch.button.Command, Value: ch.button.Args, Option: ch.option}
	c.mu.Unlock()
	s.serve(ctx, ev)
}
