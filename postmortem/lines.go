package postmortem

import (
	"bufio"
	"iter"
	"text/template"
	"text/template/parse"
	"time"

	"github.com/warroomhq/warroom/bot"
)

// builtinEntry is the body of the built-in templates' timeline loop, as
// text/template/parse prints it: one line per entry. A template whose
// timeline is a top-level {{range .Timeline}} with exactly this body (the
// built-in ones, and a custom one that kept their timeline section) has
// that section written by writeEntry, which writes the same bytes without
// text/template's reflective calls: on a long timeline those calls were
// most of the draft's time. Any other loop runs as written.
const builtinEntry = "\n- {{time .At}} · {{oneline .Author.Name}} · {{kind .Kind}}{{if .Key}} ★{{end}} · {{describe .}}"

// split is a template cut around its timeline loop: head runs before the
// timeline's entries are written, tail after.
type split struct {
	head, tail *template.Template
}

// splitTimeline cuts t around its timeline loop when that loop is the
// built-in one (builtinEntry), and returns nil otherwise. It does not cut
// a template that declares a variable at its top level before the loop,
// since the tail could not see it.
func splitTimeline(t *template.Template) (*split, error) {
	if t.Tree == nil || t.Tree.Root == nil {
		return nil, nil
	}
	root := t.Tree.Root
	for i, n := range root.Nodes {
		if a, ok := n.(*parse.ActionNode); ok && len(a.Pipe.Decl) > 0 {
			return nil, nil
		}
		rn, ok := n.(*parse.RangeNode)
		if !ok || rn.Pipe.String() != ".Timeline" {
			continue
		}
		if rn.ElseList != nil || rn.List.String() != builtinEntry {
			return nil, nil
		}
		part := func(suffix string, nodes []parse.Node) (*template.Template, error) {
			list := &parse.ListNode{NodeType: parse.NodeList, Pos: root.Pos, Nodes: nodes}
			name := t.Name() + suffix
			return t.AddParseTree(name, &parse.Tree{Name: name, ParseName: t.Tree.ParseName, Root: list})
		}
		head, err := part(" (head)", root.Nodes[:i])
		if err != nil {
			return nil, err
		}
		tail, err := part(" (tail)", root.Nodes[i+1:])
		if err != nil {
			return nil, err
		}
		return &split{head: head, tail: tail}, nil
	}
	return nil, nil
}

// executeSplit runs s on d, writing the timeline's entries between its
// head and its tail with writeEntry.
func (r *Renderer) executeSplit(w *bufio.Writer, s *split, d *Data, timeline iter.Seq[*Entry], lang bot.Lang) error {
	if err := s.head.Execute(w, d); err != nil {
		return err
	}
	lw := r.lineWriter(lang)
	for e := range timeline {
		if err := lw.write(w, e); err != nil {
			return err
		}
	}
	return s.tail.Execute(w, d)
}

// lineWriter writes timeline entries as builtinEntry does, in lang.
type lineWriter struct {
	r     *Renderer
	lang  bot.Lang
	kinds map[bot.EntryKind]string // the label of each kind, once looked up
	stamp []byte
}

func (r *Renderer) lineWriter(lang bot.Lang) *lineWriter {
	return &lineWriter{r: r, lang: lang, kinds: map[bot.EntryKind]string{}, stamp: make([]byte, 0, 32)}
}

// write writes e's line; it is the built-in loop's body with the
// functions of funcs inlined: time, oneline, kind and describe.
func (lw *lineWriter) write(w *bufio.Writer, e *Entry) error {
	w.WriteString("\n- ")
	if e.At.IsZero() {
		w.WriteString("—")
	} else {
		lw.stamp = e.At.In(lw.r.cfg.Location).AppendFormat(lw.stamp[:0], time.DateTime+" MST")
		w.Write(lw.stamp)
	}
	w.WriteString(" · ")
	w.WriteString(mdLine(e.Author.Name))
	w.WriteString(" · ")
	kind, ok := lw.kinds[e.Kind]
	if !ok {
		kind = bot.T(lw.lang, "kind."+string(e.Kind))
		lw.kinds[e.Kind] = kind
	}
	w.WriteString(kind)
	if e.Key {
		w.WriteString(" ★")
	}
	w.WriteString(" · ")
	_, err := w.WriteString(lw.r.describe(lw.lang, e))
	return err
}
