package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

const (
	// searchResults is how many incidents "search" shows.
	searchResults = 5
	// maxQuery bounds a search's text.
	maxQuery = 200
	// similarResults is how many similar past incidents a new incident's
	// channel is shown.
	similarResults = 3
	// similarScan is how many recent incidents are looked through for the
	// same alert.
	similarScan = 200
)

// search handles "search <words>": the past incidents whose title,
// description, summary, notes, updates or channel messages match every
// word, best first, each with how it was resolved and a link to its
// channel. Drills are left out; "search --drills <words>" finds drills
// instead (by title, description and summary: they are not indexed).
func (s *Service) search(ctx context.Context, req *bot.Request) error {
	q := strings.TrimSpace(req.Command.Text)
	drills := false
	if w, rest, _ := strings.Cut(q, " "); w == "--drills" || w == "--drill" {
		drills, q = true, strings.TrimSpace(rest)
	}
	if q == "" {
		return req.Usage()
	}
	if utf8.RuneCountInString(q) > maxQuery {
		return bot.Errorf(bot.CodeTooLong, "field", req.T("search.query"), "max", fmt.Sprint(maxQuery))
	}
	var incs []*bot.Incident
	var err error
	if drills {
		incs, err = s.searchDrills(ctx, req, q, searchResults)
	} else {
		var hits []store.SearchHit
		// Read well past the results shown: drills and the private
		// incidents the person may not see are dropped after the search.
		if hits, err = s.store.Search(ctx, q, 20*searchResults); err == nil {
			sees := s.seesFunc(ctx, req)
			incs, err = s.incidents(ctx, hits, searchResults, func(inc *bot.Incident) bool { return !inc.Drill && sees(inc) })
		}
	}
	if err != nil {
		return err
	}
	none, title := "search.none", "search.title"
	if drills {
		none, title = "drill.search.none", "drill.search.title"
	}
	if len(incs) == 0 {
		return req.Reply(ctx, bot.Message{Text: req.T(none, "query", q)})
	}
	msg := s.incidentList(req.Lang, s.zone(req), incs)
	msg.Title = req.T(title, "query", q)
	return req.Reply(ctx, msg)
}

// incidents loads the incidents of hits, in order, that keep accepts, at
// most limit; hits whose record is gone are skipped.
func (s *Service) incidents(ctx context.Context, hits []store.SearchHit, limit int, keep func(*bot.Incident) bool) ([]*bot.Incident, error) {
	var out []*bot.Incident
	for _, h := range hits {
		if len(out) == limit {
			break
		}
		inc, err := s.store.Get(ctx, h.ID)
		if errors.Is(err, bot.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if keep(inc) {
			out = append(out, inc)
		}
	}
	return out, nil
}

// incidentList renders incidents one per line with how each was resolved,
// and a button opening each channel that has a URL.
func (s *Service) incidentList(lang bot.Lang, loc *time.Location, incs []*bot.Incident) bot.Message {
	t := bot.Translator(lang)
	var msg bot.Message
	lines := make([]string, 0, 2*len(incs))
	for _, inc := range incs {
		title := inc.Title
		if inc.Drill {
			title = t.T("drill.marker") + " " + title
		}
		lines = append(lines, t.T("search.line", "id", inc.Key(), "title", title,
			"status", inc.Status.Label(lang), "priority", s.priorityLabel(lang, inc.Priority),
			"when", clockIn(loc, inc.CreatedAt), "channel", channelRef(inc.Channel)))
		switch {
		case inc.Summary != "":
			lines = append(lines, t.T("search.resolution", "summary", inc.Summary))
		case inc.Status == bot.StatusResolved || inc.Status == bot.StatusClosed:
			lines = append(lines, t.T("search.no_summary"))
		}
		if inc.Channel.URL != "" {
			msg.Buttons = append(msg.Buttons, bot.Button{Label: t.T("search.open", "id", inc.Key()), URL: inc.Channel.URL})
		}
		if !inc.PostmortemPublishedAt.IsZero() && s.opts.PublicURL != "" {
			doc := s.documentURL(inc.ID)
			lines = append(lines, t.T("pmdoc.search.line", "url", doc))
			msg.Buttons = append(msg.Buttons, bot.Button{Label: t.T("pmdoc.chat.open", "id", inc.Key()), URL: doc})
		}
	}
	msg.Text = strings.Join(lines, "\n")
	return msg
}

// similar finds up to limit past incidents (resolved or closed, not inc
// itself) like inc: first those opened by the same alert (same source and
// alertname, or CloudWatch alarm_name) among the recent ones, newest
// first, then those whose text is most like inc's title. Failures are
// logged and end the search with what was found.
func (s *Service) similar(ctx context.Context, inc *bot.Incident, limit int) []*bot.Incident {
	var out []*bot.Incident
	seen := map[int64]bool{inc.ID: true}
	keep := func(c *bot.Incident) bool {
		// A hint is posted in a channel whose people may change: it never
		// names a private incident.
		ok := !seen[c.ID] && !c.Drill && !c.Private && (c.Status == bot.StatusResolved || c.Status == bot.StatusClosed)
		seen[c.ID] = true
		return ok
	}
	log := s.log.With(zap.Int64("incident", inc.ID))
	if label, value := alertGroup(inc); label != "" {
		recent, err := s.store.List(ctx, store.ListQuery{Limit: similarScan})
		if err != nil {
			log.Warn("similar incidents: list", zap.Error(err))
			return out
		}
		for _, c := range recent {
			if len(out) < limit && c.Source == inc.Source && c.Labels[label] == value && keep(c) {
				out = append(out, c)
			}
		}
	}
	if len(out) >= limit || strings.TrimSpace(inc.Title) == "" {
		return out
	}
	hits, err := s.store.SearchAny(ctx, inc.Title, 4*limit+4)
	if err != nil {
		log.Warn("similar incidents: search", zap.Error(err))
		return out
	}
	more, err := s.incidents(ctx, hits, limit-len(out), keep)
	if err != nil {
		log.Warn("similar incidents: load", zap.Error(err))
	}
	return append(out, more...)
}

// alertGroup names the label that identifies the alert an incident was
// opened by, and its value; "" for incidents people declared.
func alertGroup(inc *bot.Incident) (label, value string) {
	if !strings.HasPrefix(inc.Source, "alert:") {
		return "", ""
	}
	for _, l := range []string{"alertname", "alarm_name"} {
		if v := inc.Labels[l]; v != "" {
			return l, v
		}
	}
	return "", ""
}

// postSimilar shows a new incident's channel up to three similar past
// incidents and how they were resolved; nothing when there are none.
func (s *Service) postSimilar(ctx context.Context, req *bot.Request, inc *bot.Incident) {
	past := s.similar(ctx, inc, similarResults)
	if len(past) == 0 || inc.Channel.ID == "" {
		return
	}
	// Posted in the channel: everyone's language and zone.
	lang := s.lang()
	msg := s.incidentList(lang, s.opts.Location, past)
	msg.Title = bot.T(lang, "similar.title")
	msg.Text = bot.T(lang, "similar.intro", "id", inc.Key()) + "\n" + msg.Text
	s.postQuiet(ctx, req.Platform, inc.Channel.ID, msg)
}

// index adds text to incident id's search index under field; a failure is
// logged, never returned: the text is recorded already. Drills are never
// indexed (which costs a read of the record per call).
func (s *Service) index(ctx context.Context, id int64, field, text string) {
	if strings.TrimSpace(text) == "" || s.isDrill(ctx, id) {
		return
	}
	if err := s.store.Index(ctx, id, field, text); err != nil {
		s.log.Warn("index for search", zap.Int64("incident", id), zap.String("field", field), zap.Error(err))
	}
}

// indexDeclared indexes a new incident's title and description.
func (s *Service) indexDeclared(ctx context.Context, inc *bot.Incident) {
	s.index(ctx, inc.ID, store.FieldTitle, inc.Title)
	s.index(ctx, inc.ID, store.FieldDescription, inc.Description)
}

// indexKind indexes the text of a timeline entry of kind: notes, updates,
// and channel messages and their edits.
func (s *Service) indexKind(ctx context.Context, id int64, kind bot.EntryKind, text string) {
	switch kind {
	case bot.KindNote:
		s.index(ctx, id, store.FieldNote, text)
	case bot.KindUpdate:
		s.index(ctx, id, store.FieldUpdate, text)
	case bot.KindMessage, bot.KindEdit:
		s.index(ctx, id, store.FieldMessage, text)
	}
}

// indexRecorded indexes a channel message once it is on the timeline
// (err is the recording's outcome).
func (s *Service) indexRecorded(ctx context.Context, id int64, e bot.TimelineEntry, err error) {
	if err == nil {
		s.indexKind(ctx, id, e.Kind, e.Text)
	}
}

// indexEntries indexes, in one call, the channel messages and edits among
// entries just recorded on inc's timeline.
func (s *Service) indexEntries(ctx context.Context, inc *bot.Incident, entries []bot.TimelineEntry) {
	if inc.Drill {
		return
	}
	var texts []string
	for _, e := range entries {
		if e.Kind == bot.KindMessage || e.Kind == bot.KindEdit {
			texts = append(texts, e.Text)
		}
	}
	if len(texts) == 0 {
		return
	}
	if err := s.store.Index(ctx, inc.ID, store.FieldMessage, texts...); err != nil {
		s.log.Warn("index for search", zap.Int64("incident", inc.ID), zap.String("field", store.FieldMessage), zap.Error(err))
	}
}

// indexTransition indexes what a person said with a status change: the
// summary of a resolve, else the text as an update. What the bot says for
// an alert is not indexed.
func (s *Service) indexTransition(ctx context.Context, req *bot.Request, inc *bot.Incident, to bot.Status, text string) {
	switch {
	case req.Event.Kind == bot.EventAlert:
	case to == bot.StatusResolved && text == inc.Summary:
		s.index(ctx, inc.ID, store.FieldSummary, text)
	default:
		s.index(ctx, inc.ID, store.FieldUpdate, text)
	}
}
