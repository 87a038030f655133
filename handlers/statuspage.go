package handlers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// The public status page: `components` marks an incident customer-facing
// with the status page components it affects, `update --public` posts what
// customers read, and StatusPage is all the page may show. Nothing else of
// an incident leaves through it: no title, no name, no chat message, no
// internal update, no private incident, no number unless configured.

// StatusPageOptions configures the status page; it is off without
// Components.
type StatusPageOptions struct {
	// Components are the configured components, in display order.
	Components []string
	// ShowNumbers puts incident numbers on the page.
	ShowNumbers bool
}

// publicFlag starts a customer-facing update: "update --public <text>".
const publicFlag = "--public"

// statusHistoryLimit bounds how many incidents StatusPage reads.
const statusHistoryLimit = 1000

// components handles "components [none | <name>[=<state>]...]": without
// arguments it says what the incident affects; "none" clears them (the
// incident is no longer customer-facing); names set them, each optionally
// with a state that overrides the one its priority implies.
func (s *Service) components(ctx context.Context, req *bot.Request) error {
	known := s.opts.StatusPage.Components
	if len(known) == 0 {
		return bot.Errorf(bot.CodeNoStatusPage)
	}
	args := req.Command.Args
	if len(args) == 0 {
		return req.Reply(ctx, bot.Message{Text: s.describeComponents(req.Lang, req.Incident)})
	}
	if req.Incident.Private {
		return bot.Errorf(bot.CodePrivateStatusPage, "id", req.Incident.Key())
	}
	names, states, err := s.parseComponents(args)
	if err != nil {
		return err
	}
	_, err = s.change(ctx, req, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		if slices.Equal(inc.Components, names) && equalStates(inc.ComponentStates, states) {
			return nil, bot.Errorf(bot.CodeSameComponents, "id", inc.Key())
		}
		inc.Components, inc.ComponentStates = names, states
		e := s.entry(req, bot.KindComponents, componentsText(names, states))
		return []bot.TimelineEntry{e}, nil
	}, func(inc *bot.Incident, lang bot.Lang) string {
		return s.describeComponents(lang, inc)
	})
	return err
}

// parseComponents reads the arguments of components: "none" alone, or
// known names (any case) each with an optional "=<state>".
func (s *Service) parseComponents(args []string) ([]string, map[string]string, error) {
	known := s.opts.StatusPage.Components
	if len(args) == 1 && strings.EqualFold(args[0], "none") {
		return nil, nil, nil
	}
	var names []string
	var states map[string]string
	for _, a := range args {
		name, state, hasState := strings.Cut(strings.Trim(a, ","), "=")
		i := slices.IndexFunc(known, func(k string) bool { return strings.EqualFold(k, name) })
		if i < 0 {
			return nil, nil, bot.Errorf(bot.CodeUnknownComponent, "value", name, "allowed", strings.Join(known, ", "))
		}
		if !slices.Contains(names, known[i]) {
			names = append(names, known[i])
		}
		if hasState {
			st, ok := bot.ParseComponentState(state)
			if !ok {
				return nil, nil, bot.Errorf(bot.CodeBadComponentState, "value", state)
			}
			if states == nil {
				states = map[string]string{}
			}
			states[known[i]] = st.String()
		}
	}
	return names, states, nil
}

func equalStates(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// componentsText is the timeline's record of a components change:
// "Checkout=major_outage, Login" (empty when cleared).
func componentsText(names []string, states map[string]string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n
		if st, ok := states[n]; ok {
			parts[i] += "=" + st
		}
	}
	return strings.Join(parts, ", ")
}

// describeComponents says, in lang, what inc shows on the status page.
func (s *Service) describeComponents(lang bot.Lang, inc *bot.Incident) string {
	if !inc.CustomerFacing() {
		return bot.T(lang, "components.none", "id", inc.Key(), "allowed", strings.Join(s.opts.StatusPage.Components, ", "))
	}
	parts := make([]string, len(inc.Components))
	for i, c := range inc.Components {
		parts[i] = c + " (" + inc.ComponentState(c).Label(lang) + ")"
	}
	return bot.T(lang, "components.set", "id", inc.Key(), "components", strings.Join(parts, ", "))
}

// publicUpdate posts "update --public <text>": a customer-facing update,
// shown on the status page, for the people the policy's public_update
// allows (by default the incident's communications lead, its commander
// and the admins), on a customer-facing incident only.
func (s *Service) publicUpdate(ctx context.Context, req *bot.Request, text string) error {
	if len(s.opts.StatusPage.Components) == 0 {
		return bot.Errorf(bot.CodeNoStatusPage)
	}
	if err := s.Authorize(ctx, req, "public_update"); err != nil {
		return err
	}
	if text == "" {
		return bot.Errorf(bot.CodeUsage, "usage", req.T("usage.update"))
	}
	if !req.Incident.CustomerFacing() || req.Incident.Private {
		return bot.Errorf(bot.CodeNotCustomerFacing, "id", req.Incident.Key(), "allowed", strings.Join(s.opts.StatusPage.Components, ", "))
	}
	_, err := s.change(ctx, req, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		if !inc.CustomerFacing() {
			return nil, bot.Errorf(bot.CodeNotCustomerFacing, "id", inc.Key(), "allowed", strings.Join(s.opts.StatusPage.Components, ", "))
		}
		inc.LastUpdate = s.opts.Now()
		return []bot.TimelineEntry{s.entry(req, bot.KindPublicUpdate, text)}, nil
	}, func(inc *bot.Incident, lang bot.Lang) string {
		return bot.T(lang, "announce.public_update", "id", inc.Key(), "user", req.Event.User.Display(), "text", text)
	})
	return err
}

// cutPublic reads an update's text: whether it starts with --public, and
// the text after it.
func cutPublic(text string) (string, bool) {
	word, rest, _ := strings.Cut(strings.TrimSpace(text), " ")
	if word != publicFlag {
		return text, false
	}
	return strings.TrimSpace(rest), true
}

// StatusPage is everything the public status page shows, built from the
// public, non-drill, customer-facing incidents of the last
// bot.HistoryDays days: each component's state now (the worst any open
// one gives it), the open ones with their public updates, the resolved
// ones, and the worst state of each component on each day.
func (s *Service) StatusPage(ctx context.Context) (bot.StatusPage, error) {
	now := s.opts.Now()
	loc := s.opts.Location
	today := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)
	first := today.AddDate(0, 0, -(bot.HistoryDays - 1))
	incs, err := s.store.List(ctx, store.ListQuery{Limit: statusHistoryLimit, Since: first.AddDate(0, 0, -bot.HistoryDays),
		Keep: func(inc *bot.Incident) bool {
			return !inc.Private && !inc.Drill && inc.CustomerFacing() && inc.Status != bot.StatusDeclined
		}})
	if err != nil {
		return bot.StatusPage{}, fmt.Errorf("status page: %w", err)
	}
	known := s.opts.StatusPage.Components
	page := bot.StatusPage{Components: make([]bot.ComponentStatus, len(known))}
	for i, c := range known {
		page.Components[i].Name = c
	}
	for _, inc := range incs {
		end := inc.ResolvedAt
		if inc.Status.Open() || end.IsZero() {
			end = now
		}
		if end.Before(first) {
			continue
		}
		pub, err := s.publicIncident(ctx, inc)
		if err != nil {
			return bot.StatusPage{}, err
		}
		if inc.Status.Open() {
			page.Ongoing = append(page.Ongoing, pub)
			for i := range page.Components {
				if slices.Contains(inc.Components, known[i]) {
					page.Components[i].State = max(page.Components[i].State, inc.ComponentState(known[i]))
				}
			}
		} else {
			page.History = append(page.History, pub)
		}
		page.UpdatedAt = latest(page.UpdatedAt, inc.CreatedAt, inc.ResolvedAt)
		for _, u := range pub.Updates {
			page.UpdatedAt = latest(page.UpdatedAt, u.At)
		}
	}
	page.Days = statusDays(known, incs, first, now)
	return page, nil
}

// publicIncident is what the page shows of inc: its components, state,
// times and public updates (newest first), and its number only when
// configured.
func (s *Service) publicIncident(ctx context.Context, inc *bot.Incident) (bot.PublicIncident, error) {
	pub := bot.PublicIncident{Ref: strconv.FormatInt(inc.CreatedAt.UnixMilli(), 36), Components: inc.Components,
		StartedAt: inc.CreatedAt}
	if !inc.Status.Open() {
		pub.ResolvedAt = inc.ResolvedAt
	}
	for _, c := range inc.Components {
		pub.State = max(pub.State, inc.ComponentState(c))
	}
	if s.opts.StatusPage.ShowNumbers {
		pub.Number = inc.ID
	}
	for e, err := range s.store.TimelineEntries(ctx, inc.ID) {
		if err != nil {
			return pub, fmt.Errorf("status page: timeline of %s: %w", inc.Key(), err)
		}
		if e.Kind == bot.KindPublicUpdate {
			pub.Updates = append(pub.Updates, bot.PublicUpdate{At: e.At, Text: bot.ParsePublicText(e.Text)})
		}
	}
	slices.Reverse(pub.Updates)
	return pub, nil
}

// statusDays is the worst state of each component on each day from first
// to now's day, oldest first.
func statusDays(known []string, incs []*bot.Incident, first, now time.Time) []bot.StatusDay {
	days := make([]bot.StatusDay, bot.HistoryDays)
	for d := range days {
		days[d] = bot.StatusDay{Date: first.AddDate(0, 0, d), States: make([]bot.ComponentState, len(known))}
	}
	for _, inc := range incs {
		end := inc.ResolvedAt
		if inc.Status.Open() || end.IsZero() {
			end = now
		}
		for d := range days {
			start, stop := days[d].Date, days[d].Date.AddDate(0, 0, 1)
			if !inc.CreatedAt.Before(stop) || end.Before(start) {
				continue
			}
			for i, c := range known {
				if slices.Contains(inc.Components, c) {
					days[d].States[i] = max(days[d].States[i], inc.ComponentState(c))
				}
			}
		}
	}
	return days
}

func latest(t time.Time, more ...time.Time) time.Time {
	for _, m := range more {
		if m.After(t) {
			t = m
		}
	}
	return t
}
