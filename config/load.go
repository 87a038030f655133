package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Known names what a configuration may refer to by name. config cannot
// know them itself: the alert sources and chat platforms are rows of app's
// tables, and app passes their names (app.Known).
type Known struct {
	// AlertSources are the alert sources' names, as in POST /alerts/<name>.
	AlertSources []string
	// Platforms are the chat platforms' names.
	Platforms []string
}

// Load reads the YAML file at path, overlays the environment through getenv,
// applies defaults and validates everything.
//
// When path is "" the file named by getenv("WARROOM_CONFIG") is read, and
// when that is unset too there is no file. The warroom command passes
// os.Getenv; tests pass a map lookup, so nothing here touches the process
// environment. A nil getenv means an empty environment.
//
// known names the alert sources and chat platforms that exist (app's
// tables): alerts.platform and each rule's match.source and platform must
// be one of them.
//
// On any problem Load returns nil and a Problems error listing every
// problem found, never just the first.
func Load(path string, getenv func(string) string, known Known) (*Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	l := &loader{fromEnv: map[string]string{}, present: map[string]bool{}, known: known}
	c := &Config{}
	if path == "" {
		path = strings.TrimSpace(getenv(EnvConfig))
	}
	if path != "" {
		l.readFile(path, c)
	}
	l.overlayEnv(c, getenv)
	for _, d := range defaults {
		if !l.present[d.path] && l.fromEnv[d.path] == "" {
			d.apply(c)
		}
	}
	l.validate(c)
	if len(l.problems) > 0 {
		return nil, l.problems
	}
	return c, nil
}

// loader carries one Load's state.
type loader struct {
	problems Problems
	known    Known
	// fromEnv maps a YAML path to the variable that set it.
	fromEnv map[string]string
	// present holds the YAML paths the file gives a non-null value.
	present map[string]bool
	// sites are the file's keys and values by line, in file order, to name
	// the field of a decoder error that only knows its line.
	sites []site
}

// add records a problem with the field at path. The field is named by its
// environment variable when the value came from there. Only the first
// problem per field is kept: a value that failed to decode is not reported
// again by validation.
func (l *loader) add(path, msg string) {
	field := l.fieldName(path)
	if field != "" {
		for _, p := range l.problems {
			if p.Field == field {
				return
			}
		}
	}
	l.problems = append(l.problems, Problem{Field: field, Message: msg})
}

func (l *loader) addf(path, format string, args ...any) {
	l.add(path, fmt.Sprintf(format, args...))
}

// fieldName names path for a Problem: the environment variable that set it
// or one of its parents ("admins[2]" → WARROOM_ADMINS), else path itself.
func (l *loader) fieldName(path string) string {
	for p := path; p != ""; p = parentPath(p) {
		if name := l.fromEnv[p]; name != "" {
			return name
		}
	}
	return path
}

// parentPath strips the last element: "a.b[2]" → "a.b", "a.b" → "a".
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// readFile decodes the file at path into c, recording every syntax and type
// problem. Problems with the file as a whole are filed under its path.
func (l *loader) readFile(path string, c *Config) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		l.problems = append(l.problems, Problem{Field: path, Message: "cannot read: " + err.Error()})
		return
	}
	// First as a node tree: it finds syntax errors, tells which keys are
	// present, and maps lines to paths for the typed decode's errors.
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if !errors.Is(err, io.EOF) { // EOF: an empty file is an empty config
			l.problems = append(l.problems, Problem{Field: path, Message: "invalid YAML: " + lineLast(strings.TrimPrefix(err.Error(), "yaml: "))})
		}
		return
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		l.problems = append(l.problems, Problem{Field: path, Message: "holds more than one YAML document; put everything in the first"})
		return
	}
	l.index(&root, "", 0)

	dec = yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	err = dec.Decode(c)
	var te *yaml.TypeError
	switch {
	case errors.As(err, &te):
		for _, e := range te.Errors {
			l.decodeProblem(e)
		}
	case err != nil:
		l.problems = append(l.problems, Problem{Field: path, Message: "invalid YAML: " + lineLast(strings.TrimPrefix(err.Error(), "yaml: "))})
	}
}

// site is a key or a value in the file.
type site struct {
	line  int
	key   string // the key's text, for key sites
	path  string
	isKey bool
	kind  yaml.Kind // the value's kind, for value sites
}

// maxDepth bounds the walk through aliases.
const maxDepth = 32

// index walks the node tree recording sites and present paths. Merge keys
// ("<<") contribute their fields to the enclosing mapping.
func (l *loader) index(n *yaml.Node, path string, depth int) {
	if n == nil || depth > maxDepth {
		return
	}
	if n.Kind != yaml.DocumentNode {
		l.sites = append(l.sites, site{line: n.Line, path: path, kind: n.Kind})
		if !(n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null") {
			l.present[path] = true
		}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			l.index(c, path, depth)
		}
	case yaml.AliasNode:
		l.index(n.Alias, path, depth+1)
	case yaml.SequenceNode:
		for i, c := range n.Content {
			l.index(c, fmt.Sprintf("%s[%d]", path, i), depth+1)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" {
				l.index(v, path, depth+1)
				continue
			}
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			l.sites = append(l.sites, site{line: k.Line, key: k.Value, path: p, isKey: true})
			l.index(v, p, depth+1)
		}
	}
}

// keyAt returns the path of key name on line, or "" when unknown.
func (l *loader) keyAt(line int, name string) string {
	for _, s := range l.sites {
		if s.isKey && s.line == line && s.key == name {
			return s.path
		}
	}
	return ""
}

// valueAt returns the path of the first value of kind starting on line,
// and whether there is one. The kind tells a mapping apart from its first
// value, which starts on the same line.
func (l *loader) valueAt(line int, kind yaml.Kind) (string, bool) {
	for _, s := range l.sites {
		if !s.isKey && s.line == line && s.kind == kind {
			return s.path, true
		}
	}
	return "", false
}

var (
	reDecodeLine = regexp.MustCompile(`^line (\d+): (.*)$`)
	reUnknown    = regexp.MustCompile(`^field (.+) not found in type (\S+)$`)
	reSetTwice   = regexp.MustCompile(`^field (.+) already set in type \S+$`)
	reDupKey     = regexp.MustCompile(`^mapping key "(.*)" already defined at line (\d+)$`)
	reCannot     = regexp.MustCompile("^cannot unmarshal (!!\\w+)(?: `(.*)`)? into (.+)$")
)

// decodeProblem turns one of the decoder's "line N: ..." messages into a
// Problem naming the field, with the line at the end of the message.
func (l *loader) decodeProblem(e string) {
	m := reDecodeLine.FindStringSubmatch(e)
	if m == nil {
		l.problems = append(l.problems, Problem{Message: e})
		return
	}
	line, _ := strconv.Atoi(m[1])
	msg := m[2]
	at := fmt.Sprintf(" (line %d)", line)
	if u := reUnknown.FindStringSubmatch(msg); u != nil {
		if path := l.keyAt(line, u[1]); path != "" {
			l.add(path, "unknown field"+at+knownFields(u[2]))
			return
		}
	}
	if u := reSetTwice.FindStringSubmatch(msg); u != nil {
		if path := l.keyAt(line, u[1]); path != "" {
			l.add(path, "given twice"+at)
			return
		}
	}
	if u := reDupKey.FindStringSubmatch(msg); u != nil {
		if path := l.keyAt(line, u[1]); path != "" {
			l.addf(path, "given twice (lines %s and %d)", u[2], line)
			return
		}
	}
	kind := yaml.ScalarNode // the Duration's own messages are about scalars
	if u := reCannot.FindStringSubmatch(msg); u != nil {
		switch u[1] {
		case "!!seq":
			kind = yaml.SequenceNode
		case "!!map":
			kind = yaml.MappingNode
		}
		msg = "must be " + describeType(u[3])
		if u[2] != "" {
			msg += fmt.Sprintf(", got %q", u[2])
		}
	}
	if path, ok := l.valueAt(line, kind); ok {
		if path == "" {
			// The document itself: a list or a scalar instead of a mapping.
			l.problems = append(l.problems, Problem{Message: "the file " + msg + at})
			return
		}
		l.add(path, msg+at)
		return
	}
	l.problems = append(l.problems, Problem{Message: msg + at})
}

// describeType names what a Go type expects, for "must be ...".
func describeType(goType string) string {
	switch {
	case goType == "int":
		return "an integer"
	case goType == "bool":
		return "true or false"
	case goType == "string" || goType == "config.Secret":
		return "a string"
	case goType == "config.Duration":
		return durationWant[len("must be "):]
	case goType == "[]string":
		return "a list of strings"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	default: // maps and structs
		return "a mapping"
	}
}

// knownFields lists the YAML fields of the named config struct type, as a
// hint after "unknown field".
func knownFields(goType string) string {
	t, ok := structTypes()[goType]
	if !ok {
		return ""
	}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]; tag != "" && tag != "-" {
			names = append(names, tag)
		}
	}
	return "; known fields: " + strings.Join(names, ", ")
}

// structTypes maps the name of every struct type reachable from Config
// ("config.Redis") to its type.
func structTypes() map[string]reflect.Type {
	types := map[string]reflect.Type{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Map || t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || types[t.String()] != nil {
			return
		}
		types[t.String()] = t
		for i := 0; i < t.NumField(); i++ {
			walk(t.Field(i).Type)
		}
	}
	walk(reflect.TypeOf(Config{}))
	return types
}

// lineLast moves a leading "line N: " to the end: "x (line N)".
func lineLast(msg string) string {
	if m := reDecodeLine.FindStringSubmatch(msg); m != nil {
		return m[2] + " (line " + m[1] + ")"
	}
	return msg
}
