package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/url"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/postmortem"
	"github.com/warroomhq/warroom/store"
)

// postmortemChatMax bounds the draft posted in chat, in runes; the full
// draft is served by the API and written by `warroom export`.
const postmortemChatMax = 3500

// Postmortem renders the incident's postmortem draft as Markdown in lang
// (an unknown or empty lang: Options.Lang, else English), with the
// configured template. It changes nothing: recording that a postmortem
// was made is the postmortem command's job. An unknown incident is an
// error wrapping bot.ErrNotFound.
func (s *Service) Postmortem(ctx context.Context, id int64, lang bot.Lang) (string, error) {
	var b strings.Builder
	if err := s.WritePostmortem(ctx, &b, id, lang); err != nil {
		return "", err
	}
	return b.String(), nil
}

// WritePostmortem is Postmortem written to w as it is rendered, entry by
// entry (postmortem.Renderer.Render). When the draft fails half-way, w
// holds its beginning.
func (s *Service) WritePostmortem(ctx context.Context, w io.Writer, id int64, lang bot.Lang) error {
	head, first, entries, err := s.postmortemPasses(ctx, id)
	if err != nil {
		return err
	}
	return s.pm.RenderFrom(w, head, first, entries, lang)
}

// PostmortemData gathers the postmortem of an incident from its record and
// its whole timeline, in reading order (bot.InOrder: an edit or a deletion
// that arrived before its message counts, and is listed, after it). An
// unknown incident is an error wrapping bot.ErrNotFound.
func (s *Service) PostmortemData(ctx context.Context, id int64) (*postmortem.Data, error) {
	head, first, entries, err := s.postmortemPasses(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.pm.DataFrom(head, first, entries)
}

// postmortemSummaryData is the postmortem of an incident but its timeline
// (postmortem.Renderer.Head), and how many entries its timeline has.
func (s *Service) postmortemSummaryData(ctx context.Context, id int64) (*postmortem.Data, int, error) {
	head, entries, err := s.postmortemInput(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	return s.pm.Head(head, entries)
}

// postmortemInput reads what a draft is made of: the incident, its
// follow-ups, and its timeline in reading order as a sequence that reads
// the stream a page at a time, again on each pass of the renderer. The
// timeline is the curated one (bot.Curation.Entries): corrections
// applied, hidden entries left out, backdated entries at their time.
func (s *Service) postmortemInput(ctx context.Context, id int64) (postmortem.Header, postmortem.Seq, error) {
	head, cur, err := s.postmortemRecord(ctx, id)
	if err != nil {
		return postmortem.Header{}, nil, err
	}
	return head, curated(id, cur, s.store.TimelineEntries(ctx, id)), nil
}

// postmortemPasses is postmortemInput for a draft that reads its timeline
// once (postmortem.Renderer.RenderFrom): first is the notable part of the
// timeline, from the store's index (store.TimelineNotable), and entries
// the timeline through the same entry. An incident written before the
// index has it filled first (store.IndexNotable). For one whose curation
// places entries at their time (where they land depends on the entries
// around them), both are the whole timeline.
func (s *Service) postmortemPasses(ctx context.Context, id int64) (head postmortem.Header, first, entries postmortem.Seq, err error) {
	head, cur, err := s.postmortemRecord(ctx, id)
	if err != nil {
		return head, nil, nil, err
	}
	if !cur.Places() {
		notable, through, err := s.store.TimelineNotable(ctx, id)
		if errors.Is(err, store.ErrNotIndexed) {
			// Written before the index: fill it from the timeline, once.
			if err = s.store.IndexNotable(ctx, id); err == nil {
				notable, through, err = s.store.TimelineNotable(ctx, id)
			}
		}
		if err != nil {
			return head, nil, nil, fmt.Errorf("postmortem of %s: %w", bot.FormatID(id), err)
		}
		return head, curated(id, cur, postmortem.Entries(notable)),
			curated(id, cur, s.store.TimelineEntriesThrough(ctx, id, through)), nil
	}
	all := curated(id, cur, s.store.TimelineEntries(ctx, id))
	return head, all, all, nil
}

// postmortemRecord reads the incident, its follow-ups and its curation.
func (s *Service) postmortemRecord(ctx context.Context, id int64) (postmortem.Header, *bot.Curation, error) {
	inc, err := s.store.Get(ctx, id)
	if err != nil {
		return postmortem.Header{}, nil, fmt.Errorf("postmortem of %s: %w", bot.FormatID(id), err)
	}
	fs, err := s.store.FollowUps(ctx, id)
	if err != nil {
		return postmortem.Header{}, nil, fmt.Errorf("postmortem of %s: %w", bot.FormatID(id), err)
	}
	withIssues(fs)
	cur, err := s.store.Curation(ctx, id)
	if err != nil {
		return postmortem.Header{}, nil, fmt.Errorf("postmortem of %s: %w", bot.FormatID(id), err)
	}
	return postmortem.Header{Incident: inc, FollowUps: fs, Now: s.opts.Now()}, cur, nil
}

// curated is the timeline the draft of incident id is made of: entries
// curated by cur (bot.Curation.Entries), a failure named for the draft.
func curated(id int64, cur *bot.Curation, entries iter.Seq2[bot.TimelineEntry, error]) postmortem.Seq {
	timeline := cur.Entries(entries)
	return func(yield func(bot.TimelineEntry, error) bool) {
		for e, err := range timeline {
			if err != nil {
				err = fmt.Errorf("postmortem of %s: %w", bot.FormatID(id), err)
			}
			if !yield(e, err) {
				return
			}
		}
	}
}

// loadPostmortemTemplates makes the postmortem renderer, with the file
// Options.PostmortemTemplate for every language when set, else the
// built-in templates; postmortem.New checks the template on sample data.
func (s *Service) loadPostmortemTemplates() error {
	cfg := postmortem.Config{Location: s.opts.Location, Lang: s.lang(), Roles: s.opts.Roles, PriorityNames: s.opts.PriorityNames}
	if path := s.opts.PostmortemTemplate; path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("postmortem template %s: %w", path, err)
		}
		cfg.Template = &postmortem.Template{Name: path, Source: b}
	}
	pm, err := postmortem.New(cfg)
	if err != nil {
		return err
	}
	s.pm = pm
	return nil
}

// postmortemCommand handles "postmortem": it notes on the incident that
// a postmortem was made and says so in the incident channel. With a
// public URL the message is a short summary (title, state, counts) that
// links the document, where the draft is read, edited, reviewed and
// published in full; without one there is no page a chat reader could
// open (a path alone is no link), so the draft itself is posted, cut to
// fit chat, with where the full text is. Run from another channel, the
// message is posted in the incident channel only and the requester is
// told where it is. "postmortem reviewed" marks the draft reviewed, which
// close asks of a P1 or P2; "postmortem publish" puts the reviewed one in
// the library (pmdoc.go).
func (s *Service) postmortemCommand(ctx context.Context, req *bot.Request) error {
	switch strings.ToLower(req.Command.Arg(0)) {
	case "":
	case "reviewed", "review", "done", "レビュー済み":
		if len(req.Command.Args) != 1 {
			return req.Usage()
		}
		return s.postmortemReviewed(ctx, req)
	case "publish", "公開":
		if len(req.Command.Args) != 1 {
			return req.Usage()
		}
		return s.postmortemPublish(ctx, req)
	default:
		return req.Usage()
	}
	// Read what the message is made of first: a draft that cannot be
	// made marks nothing.
	var (
		md      string
		data    *postmortem.Data
		entries int
		err     error
	)
	if s.opts.PublicURL != "" {
		data, entries, err = s.postmortemSummaryData(ctx, req.Incident.ID)
	} else {
		md, err = s.postmortemHead(ctx, req.Incident.ID, req.Lang, postmortemChatMax)
	}
	if err != nil {
		return err
	}
	inc, err := s.store.Update(ctx, req.Incident.ID, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		inc.PostmortemAt = s.opts.Now()
		return nil, nil
	})
	if err != nil {
		return err
	}
	req.Incident = inc
	link := s.postmortemURL(inc.ID, req.Lang)
	msg := bot.Message{Context: req.T("postmortem.context", "id", inc.Key(), "url", link)}
	posted := "postmortem.posted"
	if data != nil {
		if msg, err = s.postmortemSummary(ctx, req, data, entries, msg); err != nil {
			return err
		}
		link, posted = s.documentURL(inc.ID), "postmortem.posted_doc"
	} else {
		notice := "\n\n" + req.T("postmortem.truncated", "url", link, "id", inc.Key())
		msg.Text = capRunes(md, notice, postmortemChatMax)
	}
	if inc.Channel.ID != "" && inc.Platform == req.Platform.Name() && req.Event.Channel != inc.Channel.ID {
		// From elsewhere: the message goes where the team works on it,
		// and the requester gets a pointer rather than a second copy.
		there := msg
		if inc.Drill {
			there.Text = req.T("drill.marker") + " · " + there.Text
		}
		_, err := req.Platform.Post(ctx, inc.Channel.ID, there)
		if err == nil {
			return req.Reply(ctx, bot.Message{Text: req.T(posted, "id", inc.Key(),
				"channel", channelOf(req.Lang, inc), "url", link)})
		}
		req.Log.Warn("post postmortem to incident channel", zap.Int64("incident", inc.ID), zap.Error(err))
		return req.Reply(ctx, msg)
	}
	s.tell(ctx, req, inc, msg)
	return nil
}

// postmortemSummary is msg as the postmortem command's summary of
// req.Incident's document under the public URL: its title and state, how
// many versions were saved and what the draft is made of (data, and its
// timeline's number of entries), and the link (a line and a button) to
// the document.
func (s *Service) postmortemSummary(ctx context.Context, req *bot.Request, data *postmortem.Data, entries int, msg bot.Message) (bot.Message, error) {
	inc := req.Incident
	versions, err := s.store.PostmortemVersions(ctx, inc.ID)
	if err != nil {
		return msg, err
	}
	doc := s.documentURL(inc.ID)
	msg.Text = strings.Join([]string{
		req.T("pmdoc.chat.summary", "id", inc.Key(), "title", inc.Title, "state", bot.PostmortemStateOf(inc).Label(req.Lang)),
		req.T("pmdoc.chat.counts", "versions", strconv.Itoa(len(versions)), "entries", strconv.Itoa(entries),
			"key", strconv.Itoa(len(data.KeyEvents)), "followups", strconv.Itoa(len(data.FollowUps))),
		req.T("pmdoc.chat.link", "url", doc),
	}, "\n")
	msg.Buttons = []bot.Button{{Label: req.T("pmdoc.chat.open", "id", inc.Key()), URL: doc}}
	return msg, nil
}

// postmortemReviewed handles "postmortem reviewed": the draft was read and
// completed together. Who and when go on the incident and its timeline;
// it needs a draft, and is said once.
func (s *Service) postmortemReviewed(ctx context.Context, req *bot.Request) error {
	_, err := s.change(ctx, req, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		switch {
		case inc.PostmortemAt.IsZero():
			return nil, bot.Errorf(bot.CodeNoDraft, "id", inc.Key())
		case !inc.PostmortemReviewedAt.IsZero():
			return nil, bot.Errorf(bot.CodeAlreadyReviewed, "id", inc.Key(),
				"user", inc.PostmortemReviewedBy.Display(), "time", s.clock(inc.PostmortemReviewedAt))
		}
		inc.PostmortemReviewedAt, inc.PostmortemReviewedBy = s.opts.Now(), req.Event.User
		e := s.entry(req, bot.KindPostmortem, bot.T(s.lang(), "postmortem.entry.reviewed"))
		e.Data = map[string]string{"action": "reviewed"}
		return []bot.TimelineEntry{e}, nil
	}, func(inc *bot.Incident, lang bot.Lang) string {
		return bot.T(lang, "postmortem.reviewed", "id", inc.Key(), "user", req.Event.User.Display())
	})
	return err
}

// postmortemURL is where the API serves the draft in lang.
func (s *Service) postmortemURL(id int64, lang bot.Lang) string {
	return strings.TrimRight(s.opts.PublicURL, "/") + "/api/incidents/" + bot.FormatID(id) +
		"/postmortem.md?lang=" + url.QueryEscape(string(lang))
}

// postmortemHead is the draft's beginning: all of it when it has at most
// limit runes, else at least limit+1 of them, enough for capRunes to cut
// it as it would cut the whole. The rest is never rendered, so a long
// timeline posted in chat costs a few kilobytes, not the whole document.
func (s *Service) postmortemHead(ctx context.Context, id int64, lang bot.Lang, limit int) (string, error) {
	w := &headWriter{max: utf8.UTFMax * (limit + 1)}
	err := s.WritePostmortem(ctx, w, id, lang)
	if err != nil && !errors.Is(err, errEnough) {
		return "", err
	}
	return w.b.String(), nil
}

// errEnough stops a draft once headWriter holds enough of it.
var errEnough = errors.New("enough of the draft")

// headWriter keeps the first max bytes written to it.
type headWriter struct {
	b   strings.Builder
	max int
}

func (h *headWriter) Write(p []byte) (int, error) {
	if room := h.max - h.b.Len(); len(p) > room {
		h.b.Write(p[:room])
		return room, errEnough
	}
	return h.b.Write(p)
}

// capRunes returns text when it has at most limit runes, else as much of
// its beginning as fits, cut at a line end when one is near, followed by
// notice, in limit runes in all.
func capRunes(text, notice string, limit int) string {
	if utf8.RuneCountInString(text) <= limit {
		return text
	}
	keep := max(limit-utf8.RuneCountInString(notice), 0)
	cut := string([]rune(text)[:keep])
	if i := strings.LastIndexByte(cut, '\n'); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, "\n ") + notice
}

// needsPostmortem says why close must refuse inc without --force: it
// could close now, it is P1 or P2, and its postmortem was not drafted
// (CodeNeedsPostmortem) or not marked reviewed (CodeNeedsReview). A draft
// nobody read is not a postmortem. "" when it may close.
func (s *Service) needsPostmortem(inc *bot.Incident) string {
	if s.opts.PostmortemOptional || inc.Status.CanMove(bot.StatusClosed) != nil ||
		!inc.Priority.Valid() || inc.Priority > bot.P2 {
		return ""
	}
	switch {
	case inc.PostmortemAt.IsZero():
		return bot.CodeNeedsPostmortem
	case inc.PostmortemReviewedAt.IsZero():
		return bot.CodeNeedsReview
	}
	return ""
}

// closeForce reads "close --force [text]" (or "force"): whether it is
// forced, and the text that remains.
func closeForce(text string) (string, bool) {
	word, rest, _ := strings.Cut(strings.TrimSpace(text), " ")
	switch strings.ToLower(word) {
	case "--force", "force", "-f":
		return strings.TrimSpace(rest), true
	}
	return text, false
}
