package handlers

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// The queries of the JSON API (package api). The API's token stands for no
// person, so these see what nobody in particular sees (the audience rule,
// see sees): public incidents only; a private incident is not found,
// exactly as a number never used.

// ListQuery selects the incidents PublicIncidents returns.
type ListQuery struct {
	// Open keeps the open incidents only (triage to monitoring).
	Open bool
	// Limit caps how many, newest first; 0 is the store's default.
	Limit int
}

// TimelinePage selects the entries PublicTimeline returns, in reading order
// (bot.InOrder).
type TimelinePage struct {
	// After, when set, starts after that entry id; Limit is then the first
	// Limit entries after it. Without After, Limit keeps the newest Limit
	// entries. A Limit of 0 is all.
	After string
	Limit int
}

// PublicIncidents lists the public incidents, newest first.
func (s *Service) PublicIncidents(ctx context.Context, q ListQuery) ([]*bot.Incident, error) {
	return s.store.List(ctx, store.ListQuery{Open: q.Open, Limit: q.Limit, Keep: s.seesFunc(ctx, nil)})
}

// PublicIncident reads incident id; a private one is an error wrapping
// bot.ErrNotFound.
func (s *Service) PublicIncident(ctx context.Context, id int64) (*bot.Incident, error) {
	inc, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.sees(ctx, nil, nil, inc) {
		return nil, fmt.Errorf("incident %d is private: %w", id, bot.ErrNotFound)
	}
	return inc, nil
}

// PublicTimeline reads the timeline of public incident id.
func (s *Service) PublicTimeline(ctx context.Context, id int64, q TimelinePage) ([]bot.TimelineEntry, error) {
	if _, err := s.PublicIncident(ctx, id); err != nil {
		return nil, err
	}
	tq := store.TimelineQuery{After: q.After, Last: q.Limit, InOrder: true}
	if q.After != "" {
		tq = store.TimelineQuery{After: q.After, Limit: q.Limit, InOrder: true}
	}
	return s.store.Timeline(ctx, id, tq)
}

// PublicPostmortem is the postmortem draft of public incident id as
// Markdown, in lang ("" is the service's language).
func (s *Service) PublicPostmortem(ctx context.Context, id int64, lang bot.Lang) (string, error) {
	var b strings.Builder
	if err := s.WritePublicPostmortem(ctx, &b, id, lang); err != nil {
		return "", err
	}
	return b.String(), nil
}

// WritePublicPostmortem is PublicPostmortem written to w as it is
// rendered (WritePostmortem): nothing is written before the incident is
// known to be public and its timeline was read once, so an unknown
// incident or Redis down at the start leaves w untouched; an error after
// that leaves w holding the draft's beginning.
func (s *Service) WritePublicPostmortem(ctx context.Context, w io.Writer, id int64, lang bot.Lang) error {
	if _, err := s.PublicIncident(ctx, id); err != nil {
		return err
	}
	if lang == "" {
		lang = s.lang()
	}
	return s.WritePostmortem(ctx, w, id, lang)
}
