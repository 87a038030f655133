package handlers

import (
	"context"

	"github.com/warroomhq/warroom/bot"
)

// priority handles "priority P1-P4" (aliases sev1, critical, high...). With
// no argument it shows what each level means, so the choice is shared.
func (s *Service) priority(ctx context.Context, req *bot.Request) error {
	want := req.Command.Arg(0)
	if want == "" {
		return req.Reply(ctx, s.criteriaMessage(req.Lang))
	}
	p, ok := bot.ParsePriority(want)
	if !ok {
		return bot.Errorf(bot.CodeBadPriority, "value", want)
	}
	inc, err := s.change(ctx, req, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		if inc.Priority == p {
			return nil, bot.Errorf(bot.CodeSamePriority, "id", inc.Key(), "priority", p.String())
		}
		e := s.entry(req, bot.KindPriority, "")
		e.Data = map[string]string{"from": inc.Priority.String(), "to": p.String()}
		inc.Priority = p
		return []bot.TimelineEntry{e}, nil
	}, func(inc *bot.Incident, lang bot.Lang) string {
		return bot.T(lang, "announce.priority", "id", inc.Key(), "user", req.Event.User.Display(),
			"priority", s.priorityLabel(lang, p), "criteria", s.criteria(lang, p))
	})
	if err == nil {
		s.pageRaised(ctx, req, inc)
		s.callRaised(ctx, req, inc)
	}
	return err
}

func (s *Service) criteriaMessage(lang bot.Lang) bot.Message {
	msg := bot.Message{Title: bot.T(lang, "criteria.title"), Text: bot.T(lang, "usage.priority")}
	for _, p := range bot.Priorities {
		msg.Fields = append(msg.Fields, bot.Field{Label: s.priorityLabel(lang, p), Value: s.criteria(lang, p)})
	}
	return msg
}
