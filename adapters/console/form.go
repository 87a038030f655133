package console

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/warroomhq/warroom/bot"
)

// pendingForm is a form OpenForm queued for Run to ask.
type pendingForm struct {
	form    bot.Form
	user    bot.User
	channel string
}

// errAbandoned ends one form without ending the session.
var errAbandoned = errors.New("form abandoned")

// cancelWord abandons a form when typed as an answer.
const cancelWord = "/cancel"

// leaveForm is a command line typed as a form's answer: the form is left
// and the command run.
type leaveForm struct{ line string }

func (l *leaveForm) Error() string { return "form left for " + l.line }

// blockedInForm are the console's own commands, which an answer cannot be
// mistaken for: typed in a form they are refused and the field asked
// again ("/cancel", "/quit" and "/incident" leave the form instead).
var blockedInForm = map[string]bool{
	"/edit": true, "/delete": true, "/pin": true, "/react": true, "/join": true, "/channels": true,
	"/user": true, "/help": true, "/wait": true, "/sleep": true,
}

// forms asks every queued form in turn. The end of input abandons the form
// being asked and ends the session.
func (s *session) forms(ctx context.Context) error {
	select {
	case <-s.c.formReady: // taken care of now
	default:
	}
	for {
		s.c.mu.Lock()
		if len(s.c.pending) == 0 {
			s.c.mu.Unlock()
			return nil
		}
		p := s.c.pending[0]
		s.c.pending = s.c.pending[1:]
		s.c.mu.Unlock()
		err := s.fill(ctx, p)
		var left *leaveForm
		switch {
		case errors.Is(err, errAbandoned):
			s.c.say(s.c.t("console.form.abandoned"))
		case errors.As(err, &left):
			s.c.say(s.c.t("console.form.left"))
			if err := s.command(ctx, left.line); err != nil {
				return err
			}
		case errors.Is(err, errQuit):
			s.c.say(s.c.t("console.form.abandoned"), s.c.t("console.bye"))
			return err
		case errors.Is(err, io.EOF):
			s.c.say(s.c.t("console.form.abandoned"))
			return err
		case err != nil:
			return err
		}
	}
}

// fill asks each input of p's form, checks the answers with the form's
// validator, asks again only the inputs it refused, and then serves the
// submission.
func (s *session) fill(ctx context.Context, p pendingForm) error {
	f := p.form
	s.c.say(s.c.t("console.form", "title", f.Title) + " " + s.c.t("console.form.cancel"))
	values := map[string][]string{}
	for _, in := range f.Inputs {
		if v := preset(in); len(v) > 0 {
			values[in.ID] = v
		}
	}
	todo, problems := f.Inputs, map[string]string{}
	for {
		for _, in := range todo {
			v, err := s.ask(ctx, in, problems[in.ID])
			if err != nil {
				return err
			}
			if len(v) > 0 {
				values[in.ID] = v
			} else {
				delete(values, in.ID)
			}
		}
		ev := bot.Event{Kind: bot.EventForm, Platform: Name, Locale: string(s.c.lang), User: p.user, Channel: p.channel,
			Form: &bot.FormSubmission{ID: f.ID, Meta: f.Meta, Values: values}}
		problems = s.r.ValidateForm(&ev)
		if len(problems) == 0 {
			s.serve(ctx, ev)
			return nil
		}
		todo = nil
		for _, in := range f.Inputs {
			if _, bad := problems[in.ID]; bad {
				todo = append(todo, in)
			}
		}
		if len(todo) < len(problems) {
			// A problem with no input to ask again cannot be fixed here.
			s.unfixable(f, problems)
			return errAbandoned
		}
	}
}

// unfixable shows the problems the person has no input to fix.
func (s *session) unfixable(f bot.Form, problems map[string]string) {
	asked := map[string]bool{}
	for _, in := range f.Inputs {
		asked[in.ID] = true
	}
	for id, msg := range problems {
		if !asked[id] {
			s.c.say(s.c.t("console.form.invalid", "field", id, "error", msg))
		}
	}
}

// ask prompts for one input until the answer can be read, and returns its
// values (none for an empty answer). problem is the validator's complaint
// about the previous answer, if any.
func (s *session) ask(ctx context.Context, in bot.Input, problem string) ([]string, error) {
	for {
		s.c.say(s.promptLines(in, problem)...)
		text, err := s.next(ctx)
		if err != nil {
			return nil, err
		}
		text = strings.TrimSpace(text)
		word, _, _ := strings.Cut(text, " ")
		switch word = strings.ToLower(word); {
		case word == cancelWord:
			return nil, errAbandoned
		case word == "/quit" || word == "/exit":
			return nil, errQuit
		case word == "/incident":
			return nil, &leaveForm{line: text}
		case blockedInForm[word]:
			problem = s.c.t("console.form.busy", "command", word)
			continue
		}
		v, msg := s.answer(in, text)
		if msg == "" {
			s.blank(in, text, v)
			return v, nil
		}
		problem = msg
	}
}

// blank says, in a piped transcript, what an empty answer did: a blank
// line in a script is taken as "keep the default" (or "leave it empty")
// for an optional field, and said so, so that a stray one is seen rather
// than silently moving the later answers up a field. (A required field is
// asked again instead.)
func (s *session) blank(in bot.Input, text string, v []string) {
	if text != "" || s.c.interactive {
		return
	}
	switch {
	case in.Kind == bot.InputCheckbox:
		key := "console.form.no"
		if len(v) > 0 {
			key = "console.form.yes"
		}
		s.c.say(indent + s.c.t("console.form.blank_kept", "value", s.c.t(key)))
	case len(v) == 0:
		s.c.say(indent + s.c.t("console.form.blank_empty"))
	default:
		s.c.say(indent + s.c.t("console.form.blank_kept", "value", strings.Join(v, " ")))
	}
}

// promptLines is the label line of an input and its help.
func (s *session) promptLines(in bot.Input, problem string) []string {
	t := s.c.t
	name := in.Label
	if name == "" {
		name = in.ID
	}
	label := name
	if in.Required {
		label += " " + t("console.form.required")
	}
	lines := []string{label + ":"}
	if problem != "" {
		lines = append(lines, indent+"! "+t("console.form.invalid", "field", name, "error", problem))
	}
	for _, h := range []string{in.Hint, in.Placeholder} {
		if h = strings.TrimSpace(h); h != "" {
			lines = append(lines, indent+h)
		}
	}
	switch in.Kind {
	case bot.InputSelect:
		values := make([]string, len(in.Options))
		for i, o := range in.Options {
			values[i] = o.Value
			l := indent + numbered(i+1, o.Label)
			if h := strings.Join(splitLines(o.Hint), " "); h != "" && utf8.RuneCountInString(h) <= maxHint {
				l += " — " + h
			}
			lines = append(lines, l)
		}
		lines = append(lines, indent+t("console.form.options", "options", strings.Join(values, ", ")))
	case bot.InputUsers:
		s.c.mu.Lock()
		people := s.c.peopleList()
		s.c.mu.Unlock()
		lines = append(lines, indent+t("console.form.users", "people", people))
	case bot.InputCheckbox:
		lines = append(lines, indent+t("console.form.checkbox"))
	}
	if v := preset(in); len(v) > 0 {
		shown := strings.Join(v, " ")
		if in.Kind == bot.InputCheckbox {
			shown = t("console.form.yes")
		}
		lines = append(lines, indent+t("console.form.default", "value", shown))
	}
	return lines
}

// preset is an input's initial values: what an empty answer keeps.
func preset(in bot.Input) []string {
	v := strings.TrimSpace(in.Value)
	switch {
	case v == "":
		return nil
	case in.Kind == bot.InputCheckbox:
		if v == "true" {
			return []string{"true"}
		}
		return nil
	case in.Kind == bot.InputUsers:
		return strings.Fields(v)
	}
	return []string{v}
}

// answer reads text as a value of in, or says what is wrong with it. Like
// a chat platform's form, it checks what the input's kind implies (choices,
// mentions, required, length); the form's own validator checks the rest.
func (s *session) answer(in bot.Input, text string) ([]string, string) {
	t := s.c.t
	var v []string
	if text == "" {
		v = preset(in)
	} else {
		switch in.Kind {
		case bot.InputSelect:
			o, ok := pick(in.Options, text)
			if !ok {
				return nil, t("console.form.bad_option", "value", text)
			}
			v = []string{o}
		case bot.InputUsers:
			s.c.mu.Lock()
			for _, w := range strings.Fields(text) {
				id, ok := s.c.person(w)
				if !ok {
					msg := t("console.form.bad_user", "value", w, "people", s.c.peopleList())
					s.c.mu.Unlock()
					return nil, msg
				}
				v = append(v, id)
			}
			s.c.mu.Unlock()
		case bot.InputCheckbox:
			yes, ok := yesNo(text)
			if !ok {
				return nil, t("console.form.yes_no")
			}
			if yes {
				v = []string{"true"}
			}
		default:
			if in.MaxLength > 0 && utf8.RuneCountInString(text) > in.MaxLength {
				return nil, t("form.err.too_long", "max", strconv.Itoa(in.MaxLength))
			}
			v = []string{text}
		}
	}
	if in.Required && len(v) == 0 {
		return nil, t("form.err.required")
	}
	return v, ""
}

// pick reads a select answer: the choice's number, its value or its label.
func pick(opts []bot.Option, text string) (string, bool) {
	if n, err := strconv.Atoi(text); err == nil && n >= 1 && n <= len(opts) {
		return opts[n-1].Value, true
	}
	for _, o := range opts {
		if strings.EqualFold(o.Value, text) || strings.EqualFold(o.Label, text) {
			return o.Value, true
		}
	}
	return "", false
}

// yesNo reads a checkbox answer in either language.
func yesNo(text string) (yes, ok bool) {
	switch strings.ToLower(text) {
	case "y", "yes", "true", "on", "1", "はい", "オン":
		return true, true
	case "n", "no", "false", "off", "0", "いいえ", "オフ":
		return false, true
	}
	return false, false
}
