package handlers

import (
	"context"
	"errors"
	"strings"

	"github.com/warroomhq/warroom/bot"
)

const formUpdate = "update"

// note handles "note <text>": a fact worth keeping, flagged as a key event
// for the postmortem. "note --at <when> <text>" is one that happened
// earlier (noteAt).
func (s *Service) note(ctx context.Context, req *bot.Request) error {
	text := req.Command.Text
	if text == "" {
		return req.Usage()
	}
	at, rest, backdated, err := cutAt(text, s.zone(req), s.opts.Now())
	if err != nil {
		return err
	}
	if backdated {
		return s.noteAt(ctx, req, at, rest)
	}
	e := s.entry(req, bot.KindNote, text)
	e.Key = true
	e.Ref = req.Event.Ref
	if _, err := s.store.Append(ctx, req.Incident.ID, e); err != nil {
		return err
	}
	s.indexKind(ctx, req.Incident.ID, bot.KindNote, text)
	s.tell(ctx, req, req.Incident, bot.Message{Text: req.T("announce.note", "id", req.Incident.Key(), "user", req.Event.User.Display(), "text", text)})
	return nil
}

// update handles "update <text>": a status update for everyone following
// the incident. Without text it opens a form.
func (s *Service) update(ctx context.Context, req *bot.Request) error {
	text, public := cutPublic(req.Command.Text)
	if public {
		return s.publicUpdate(ctx, req, text)
	}
	if text == "" {
		form := bot.Form{
			ID: formUpdate, Title: req.T("form.update.title", "id", req.Incident.Key()), Submit: req.T("form.update.submit"),
			Meta:   req.Incident.Key(),
			Inputs: []bot.Input{{ID: "text", Label: req.T("form.update.text"), Kind: bot.InputTextarea, Required: true, MaxLength: 3000}},
		}
		err := req.Platform.OpenForm(ctx, req.Event, form)
		if errors.Is(err, bot.ErrUnsupported) {
			return req.Usage()
		}
		return err
	}
	return s.postUpdate(ctx, req, text)
}

func (s *Service) postUpdate(ctx context.Context, req *bot.Request, text string) error {
	var said string
	inc, err := s.change(ctx, req, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		inc.LastUpdate = s.opts.Now()
		return []bot.TimelineEntry{s.entry(req, bot.KindUpdate, text)}, nil
	}, func(inc *bot.Incident, lang bot.Lang) string {
		t := bot.T(lang, "announce.update", "id", inc.Key(), "user", req.Event.User.Display(),
			"status", inc.Status.Label(lang), "priority", s.priorityLabel(lang, inc.Priority), "text", text)
		if lang == s.lang() {
			said = t
		}
		return t
	})
	if err == nil {
		s.announceFor(ctx, req, inc, said)
		s.indexKind(ctx, inc.ID, bot.KindUpdate, text)
	}
	return err
}

func validateUpdate(lang bot.Lang, sub *bot.FormSubmission) map[string]string {
	if strings.TrimSpace(sub.Value("text")) == "" {
		return map[string]string{"text": bot.T(lang, "form.err.required")}
	}
	return nil
}

func (s *Service) updateForm(ctx context.Context, req *bot.Request) error {
	text := strings.TrimSpace(req.Event.Form.Value("text"))
	if text == "" {
		return bot.Errorf(bot.CodeUsage, "usage", req.T("usage.update"))
	}
	return s.postUpdate(ctx, req, text)
}
