package postmortem

import (
	"bufio"
	"embed"
	"fmt"
	"io"
	"iter"
	"path"
	"slices"
	"text/template"
	"time"

	"github.com/warroomhq/warroom/bot"
)

//go:embed templates/postmortem.*.md.tmpl
var defaultTemplates embed.FS

// Config is how a Renderer writes drafts.
type Config struct {
	// Location is the time zone times are shown in (default UTC).
	Location *time.Location
	// Lang is the language of a draft asked for in an unknown or empty
	// language (default English).
	Lang bot.Lang
	// Roles orders the roles section (default bot.BuiltinRoles); roles
	// not in it come after, by name.
	Roles []bot.Role
	// PriorityNames overrides the catalog's name of each priority
	// ("Critical" shows as "P1 (Critical)").
	PriorityNames map[bot.Priority]string
	// Template, when set, replaces the built-in template of every
	// language.
	Template *Template
}

// Template is a text/template source; Name (its file's path) names it in
// errors.
type Template struct {
	Name   string
	Source []byte
}

// Renderer writes postmortem drafts with the templates it parsed once.
// It holds no state between drafts and is safe for concurrent use.
type Renderer struct {
	cfg       Config
	templates map[bot.Lang]*template.Template
	// splits holds, for each template whose timeline loop is the
	// built-in one, the template cut around it (lines.go).
	splits map[*template.Template]*split
	// whole says the custom template cannot run on a streamed timeline
	// (it takes the timeline's len, or indexes it): its drafts are
	// rendered from Data, the whole timeline gathered first.
	whole bool
}

// New parses the template of each language: Config.Template for all of
// them when set, else the built-in ones. Each is also run once on sample
// data, so that most mistakes (a field that does not exist, a wrong
// argument) fail here, at start, and not when a team asks for its
// postmortem. A custom template is run on a streamed timeline (an
// iter.Seq[*Entry], which {{range}} reads); one that needs the timeline as
// a list ({{len .Timeline}}, {{index .Timeline 0}}) still works, and its
// drafts then hold the timeline's entries in memory.
func New(cfg Config) (*Renderer, error) {
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Lang == "" {
		cfg.Lang = bot.English
	}
	if len(cfg.Roles) == 0 {
		cfg.Roles = slices.Clone(bot.BuiltinRoles)
	}
	r := &Renderer{cfg: cfg, templates: make(map[bot.Lang]*template.Template, len(bot.Langs)),
		splits: map[*template.Template]*split{}}
	sample := sample()
	for _, lang := range bot.Langs {
		var name string
		var src []byte
		if cfg.Template != nil {
			name, src = cfg.Template.Name, cfg.Template.Source
		} else {
			name = "templates/postmortem." + string(lang) + ".md.tmpl"
			b, err := defaultTemplates.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("postmortem template %s: %w", name, err)
			}
			src = b
		}
		t, err := template.New(path.Base(name)).Funcs(r.funcs(lang)).Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("postmortem template %s: %w", name, err)
		}
		if err := t.Execute(io.Discard, streamed(sample)); err != nil {
			if cfg.Template == nil {
				return nil, fmt.Errorf("postmortem template %s: %w", name, err)
			}
			if err := t.Execute(io.Discard, sample); err != nil {
				return nil, fmt.Errorf("postmortem template %s: %w", name, err)
			}
			r.whole = true
		}
		r.templates[lang] = t
		if err := r.cut(t, name, sample); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// doc is what a template runs on when the draft is streamed: the draft
// without its timeline, and the timeline as a sequence, which shadows
// Data.Timeline. Its entries are pointers: text/template copies a value
// it ranges over, and each function it passes it to gets another copy.
type doc struct {
	*Data
	Timeline iter.Seq[*Entry]
}

// streamed is d as a template sees it when the draft is streamed.
func streamed(d *Data) *doc {
	return &doc{Data: d, Timeline: func(yield func(*Entry) bool) {
		for i := range d.Timeline {
			if !yield(&d.Timeline[i]) {
				return
			}
		}
	}}
}

// template is the template of lang, else of Config.Lang.
func (r *Renderer) template(lang bot.Lang) *template.Template {
	if t, ok := r.templates[lang]; ok {
		return t
	}
	if t, ok := r.templates[r.cfg.Lang]; ok {
		return t
	}
	return r.templates[bot.English]
}

// Data gathers the draft of the incident h names from its timeline, the
// whole timeline included: what `warroom export --format json` writes.
func (r *Renderer) Data(h Header, entries Seq) (*Data, error) {
	return r.DataFrom(h, entries, entries)
}

// DataFrom is Data with the first pass over first, the notable part of
// the timeline (see RenderFrom), and the timeline read once.
func (r *Renderer) DataFrom(h Header, first, entries Seq) (*Data, error) {
	d, x, err := r.gather(h, first)
	if err != nil {
		return nil, err
	}
	d.Timeline = []Entry{}
	var seqErr error
	for e := range x.timeline(entries, &seqErr) {
		d.Timeline = append(d.Timeline, *e)
	}
	if seqErr != nil {
		return nil, seqErr
	}
	return d, nil
}

// Head gathers the draft of the incident h names but its timeline
// (Data.Timeline is empty) in one pass over entries, and counts the
// timeline's entries: what a summary of the draft needs, without the
// timeline's entries held in memory.
func (r *Renderer) Head(h Header, entries Seq) (*Data, int, error) {
	d, x, err := r.gather(h, entries)
	if err != nil {
		return nil, 0, err
	}
	d.Timeline = []Entry{}
	return d, x.entries, nil
}

// Render writes the draft of the incident h names to w as Markdown in
// lang (an unknown or empty lang: Config.Lang). The timeline is read twice
// and rendered entry by entry (see the package comment); an error
// of entries or of w ends the draft with that error, w holding its
// beginning.
func (r *Renderer) Render(w io.Writer, h Header, entries Seq, lang bot.Lang) error {
	return r.RenderFrom(w, h, entries, entries, lang)
}

// RenderFrom is Render with the first pass over first, a part of the
// timeline that has every entry the first pass needs, and the timeline
// read once: in the timeline's reading order, every entry of entries that
// is neither a message nor an alert, every entry marked key or that
// refers back (an edit, a deletion, a flag), and every message whose Ref
// one of those refers to; it may hold more. So a store that indexes these
// entries as it writes them lets a draft read its timeline once. first
// must not move an entry relative to entries, as a curation that places
// entries at their time could (bot.Curation.Places).
func (r *Renderer) RenderFrom(w io.Writer, h Header, first, entries Seq, lang bot.Lang) error {
	if r.whole {
		d, err := r.DataFrom(h, first, entries)
		if err != nil {
			return err
		}
		return r.Execute(w, d, lang)
	}
	d, x, err := r.gather(h, first)
	if err != nil {
		return err
	}
	var seqErr error
	timeline := x.timeline(entries, &seqErr)
	t := r.template(lang)
	if s := r.splits[t]; s != nil {
		return r.finish(w, d.Key, &seqErr, func(bw *bufio.Writer) error {
			return r.executeSplit(bw, s, d, timeline, lang)
		})
	}
	return r.execute(w, &doc{Data: d, Timeline: timeline}, d.Key, lang, &seqErr)
}

// cut splits t, the template named name, around its timeline loop when
// that loop is the built-in one (splitTimeline), and checks the cut
// template on the sample data as New checks the whole.
func (r *Renderer) cut(t *template.Template, name string, sample *Data) error {
	if r.whole {
		return nil
	}
	s, err := splitTimeline(t)
	if err != nil || s == nil {
		return err
	}
	if err := r.executeSplit(bufio.NewWriter(io.Discard), s, sample, streamed(sample).Timeline, bot.English); err != nil {
		return fmt.Errorf("postmortem template %s: %w", name, err)
	}
	r.splits[t] = s
	return nil
}

// Execute writes the draft d to w as Markdown in lang.
func (r *Renderer) Execute(w io.Writer, d *Data, lang bot.Lang) error {
	return r.execute(w, d, d.Key, lang, new(error))
}

func (r *Renderer) execute(w io.Writer, data any, key string, lang bot.Lang, seqErr *error) error {
	return r.finish(w, key, seqErr, func(bw *bufio.Writer) error { return r.template(lang).Execute(bw, data) })
}

// finish runs write on a buffer of w and flushes it: the error of the
// timeline's sequence (*seqErr) first, else that of write or of w.
func (r *Renderer) finish(w io.Writer, key string, seqErr *error, write func(*bufio.Writer) error) error {
	bw := bufio.NewWriter(w)
	err := write(bw)
	if *seqErr != nil {
		return *seqErr
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("postmortem of %s: %w", key, err)
	}
	return nil
}

// followUps arranges the incident's follow-ups for the draft.
func (r *Renderer) followUps(fs []bot.FollowUp, now time.Time) []FollowUp {
	out := make([]FollowUp, 0, len(fs))
	for i := range fs {
		f := &fs[i]
		pf := FollowUp{N: f.N, Text: f.Text, Owner: user(f.Owner), State: f.State,
			Overdue: f.Overdue(now, r.cfg.Location), CreatedBy: user(f.CreatedBy),
			CreatedAt: utc(f.CreatedAt), DoneAt: utc(f.DoneAt), VerifiedAt: utc(f.VerifiedAt)}
		if !f.Due.IsZero() {
			pf.Due = f.Due.In(r.cfg.Location).Format("2006-01-02")
		}
		out = append(out, pf)
	}
	return out
}
