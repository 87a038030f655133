package handlers

import (
	"context"
	"strings"
	"time"

	"github.com/warroomhq/warroom/bot"
)

// maxCardLinks bounds the dashboards and runbooks linked from a card.
const maxCardLinks = 4

// card renders the pinned incident card: what it is, where it stands, who
// leads, and the buttons that fit its status.
func (s *Service) card(ctx context.Context, inc *bot.Incident, lang bot.Lang) bot.Message {
	return s.cardIn(ctx, inc, lang, s.opts.Location)
}

// cardIn is the card with its times in the zone loc (a private answer in
// its reader's zone).
func (s *Service) cardIn(ctx context.Context, inc *bot.Incident, lang bot.Lang, loc *time.Location) bot.Message {
	t := bot.Translator(lang)
	msg := bot.Message{
		Title: t.T("card.title", "id", inc.Key(), "title", inc.Title),
		Text:  inc.Description,
		Fields: []bot.Field{
			{Label: t.T("field.status"), Value: inc.Status.Label(lang)},
			{Label: t.T("field.priority"), Value: s.priorityLabel(lang, inc.Priority)},
			{Label: t.T("role.commander"), Value: holder(lang, inc, bot.RoleCommander)},
			{Label: t.T("field.declared_by"), Value: inc.DeclaredBy.Display()},
			{Label: t.T("field.started"), Value: clockIn(loc, inc.CreatedAt)},
		},
		Context: t.T("card.context", "id", inc.Key()),
	}
	if inc.Drill {
		msg.Title = t.T("drill.marker") + " " + msg.Title
	}
	for _, r := range s.opts.Roles[1:] {
		if u, ok := inc.Holder(r); ok {
			msg.Fields = append(msg.Fields, bot.Field{Label: r.Label(lang), Value: u.Display()})
		}
	}
	if inc.Summary != "" {
		msg.Fields = append(msg.Fields, bot.Field{Label: t.T("field.summary"), Value: inc.Summary})
	}
	if f, ok := s.followUpsField(ctx, inc, lang); ok {
		msg.Fields = append(msg.Fields, f)
	}
	if src, ok := strings.CutPrefix(inc.Source, "alert:"); ok {
		msg.Fields = append(msg.Fields, bot.Field{Label: t.T("field.source"), Value: alertSourceName(inc, src)})
		if len(inc.Labels) > 0 {
			msg.Fields = append(msg.Fields, bot.Field{Label: t.T("field.labels"), Value: alertSummary(inc.Labels)})
		}
	}
	msg.Buttons = s.cardButtons(inc, lang)
	if b, ok := callButton(inc, lang); ok {
		msg.Buttons = append([]bot.Button{b}, msg.Buttons...)
	}
	for i, l := range inc.Links {
		if i == maxCardLinks {
			break
		}
		msg.Buttons = append(msg.Buttons, bot.Button{Label: l.Title, URL: l.URL})
	}
	return msg
}

func (s *Service) cardButtons(inc *bot.Incident, lang bot.Lang) []bot.Button {
	t := bot.Translator(lang)
	id := inc.Key()
	switch inc.Status {
	case bot.StatusTriage:
		return []bot.Button{
			{Label: t.T("button.ack"), Command: "ack", Args: id, Style: bot.StylePrimary},
			{Label: t.T("button.commander"), Command: "role", Args: id + " commander me"},
			s.priorityButton(inc, lang),
			{Label: t.T("button.decline"), Command: "decline", Args: id, Style: bot.StyleDanger},
		}
	case bot.StatusResolved:
		return []bot.Button{
			{Label: t.T("button.close"), Command: "close", Args: id, Style: bot.StylePrimary},
			{Label: t.T("button.reopen"), Command: "reopen", Args: id},
		}
	case bot.StatusClosed, bot.StatusDeclined:
		return []bot.Button{{Label: t.T("button.reopen"), Command: "reopen", Args: id}}
	}
	return []bot.Button{
		{Label: t.T("button.commander"), Command: "role", Args: id + " commander me"},
		s.priorityButton(inc, lang),
		{Label: t.T("button.update"), Command: "update", Args: id},
		{Label: t.T("button.resolve"), Command: "resolve", Args: id, Style: bot.StyleDanger},
	}
}

// priorityButton is a select of P1..P4, each with its criteria text.
func (s *Service) priorityButton(inc *bot.Incident, lang bot.Lang) bot.Button {
	b := bot.Button{Label: bot.T(lang, "button.priority"), Command: "priority", Args: inc.Key()}
	for _, p := range bot.Priorities {
		b.Options = append(b.Options, bot.Option{Label: s.priorityLabel(lang, p), Value: p.String(), Hint: s.criteria(lang, p)})
	}
	return b
}

// topic is the one line a channel shows under its name.
func (s *Service) topic(inc *bot.Incident, lang bot.Lang) string {
	topic := bot.T(lang, "topic",
		"id", inc.Key(),
		"priority", s.priorityLabel(lang, inc.Priority),
		"status", inc.Status.Label(lang),
		"commander", holder(lang, inc, bot.RoleCommander),
		"title", inc.Title)
	if inc.Drill {
		topic = bot.T(lang, "drill.marker") + " " + topic
	}
	return topic
}

// criteria is the shared meaning of a priority: from config when set, else
// the catalog's.
func (s *Service) criteria(lang bot.Lang, p bot.Priority) string {
	if c := strings.TrimSpace(s.opts.Criteria[p]); c != "" {
		return c
	}
	return bot.T(lang, "criteria."+p.String())
}

func (s *Service) priorityLabel(lang bot.Lang, p bot.Priority) string {
	if !p.Valid() {
		return bot.T(lang, "priority.unset")
	}
	if name := strings.TrimSpace(s.opts.PriorityNames[p]); name != "" {
		return p.String() + " (" + name + ")"
	}
	return bot.T(lang, "priority."+p.String())
}

func holder(lang bot.Lang, inc *bot.Incident, r bot.Role) string {
	if u, ok := inc.Holder(r); ok {
		return u.Display()
	}
	return bot.T(lang, "role.vacant")
}

// alertSourceName names the alert source src of an alert-opened incident
// as its adapter did: the incident was declared by the source (alertUser),
// and that user's name is the display name.
func alertSourceName(inc *bot.Incident, src string) string {
	if inc.DeclaredBy.ID == inc.Source && inc.DeclaredBy.Name != "" {
		return inc.DeclaredBy.Name
	}
	return src
}
