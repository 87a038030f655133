package webhook

// A full webhook alert (testdata/full.json):
//
//	{
//	  "title": "Checkout p99 latency above 2s",
//	  "dedup_key": "checkout/latency-p99",
//	  "status": "firing",
//	  "priority": "sev2",
//	  "description": "p99 latency of POST /api/checkout has been above 2s for 10 minutes.",
//	  "links": [
//	    {"title": "Dashboard", "url": "https://grafana.example.com/d/checkout"},
//	    {"url": "https://runbooks.example.com/checkout/latency"}
//	  ],
//	  "labels": {"service": "checkout", "env": "prod", "team": "payments"}
//	}

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

// Limits of the format.
const (
	maxTitle     = 200
	maxDedupKey  = 200
	maxLinks     = 10
	maxLinkTitle = 100
	maxLabels    = 50
	maxLabel     = 200 // characters of a label's name or value
)

// Payload is the webhook's JSON body; see the package documentation.
type Payload struct {
	Title       string            `json:"title"`
	DedupKey    string            `json:"dedup_key"`
	Status      string            `json:"status"`
	Priority    string            `json:"priority"`
	Description string            `json:"description"`
	Links       []Link            `json:"links"`
	Labels      map[string]string `json:"labels"`
}

// Link is one entry of Payload.Links.
type Link struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// fields lists Payload's JSON names, for the unknown-field message.
const fields = "title, dedup_key, status, priority, description, links, labels"

// Parse reads a webhook body into its one bot.Alert. It does not
// authenticate. Its errors are *httpx.Error with status 400 whose
// message names every problem (an unknown field by its name) without
// repeating the values sent.
func Parse(body []byte) ([]bot.Alert, error) {
	var p Payload
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	a, err := p.alert()
	if err != nil {
		return nil, err
	}
	return []bot.Alert{a}, nil
}

func decode(body []byte, p *Payload) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("body has more after its JSON object")
	}
	return nil
}

func decodeError(err error) *httpx.Error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.Is(err, io.EOF):
		return badRequest("body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("body is not valid JSON (it ends too early)")
	case errors.As(err, &syntax):
		return badRequest(fmt.Sprintf("body is not valid JSON (error at byte %d)", syntax.Offset))
	case errors.As(err, &typ) && typ.Field == "":
		return badRequest("body must be a JSON object")
	case errors.As(err, &typ):
		return badRequest(fmt.Sprintf("field %q must be %s", typ.Field, kind(typ.Type)))
	}
	// encoding/json has no type for this one: `json: unknown field "x"`.
	if q, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name, uerr := strconv.Unquote(q)
		if uerr != nil {
			name = "?"
		}
		return badRequest(fmt.Sprintf("unknown field %q; the fields are %s", bot.Truncate(name, 64), fields))
	}
	return badRequest("body is not a valid alert")
}

// kind names the JSON type of Payload's fields.
func kind(t reflect.Type) string {
	if t == nil {
		return "of another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice:
		return "an array"
	default:
		return "of another type"
	}
}

// alert checks p and maps it, reporting every problem at once.
func (p *Payload) alert() (bot.Alert, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	title := strings.Join(strings.Fields(p.Title), " ")
	switch {
	case title == "":
		bad("title is required")
	case utf8.RuneCountInString(title) > maxTitle:
		bad("title is longer than %d characters", maxTitle)
	}
	key := strings.TrimSpace(p.DedupKey)
	switch {
	case key == "":
		bad("dedup_key is required")
	case utf8.RuneCountInString(key) > maxDedupKey:
		bad("dedup_key is longer than %d characters", maxDedupKey)
	case strings.IndexFunc(key, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		bad("dedup_key must be printable text (no control characters, tabs or line breaks)")
	}
	status := bot.AlertFiring
	switch strings.ToLower(strings.TrimSpace(p.Status)) {
	case "", "firing":
	case "resolved":
		status = bot.AlertResolved
	default:
		bad(`status must be "firing" or "resolved"`)
	}
	var prio bot.Priority
	if strings.TrimSpace(p.Priority) != "" {
		var ok bool
		if prio, ok = bot.ParsePriority(p.Priority); !ok {
			prio = 0
			bad("priority must be one of P1, P2, P3, P4 (or sev1..sev4, 1..4, critical, high, medium, low)")
		}
	}
	links := p.links(bad)
	p.checkLabels(bad)
	if len(problems) > 0 {
		return bot.Alert{}, badRequest(strings.Join(problems, "; "))
	}

	a := bot.Alert{
		Source:      Name,
		SourceName:  DisplayName,
		DedupKey:    key,
		Status:      status,
		Title:       title,
		Description: strings.TrimSpace(p.Description),
		Priority:    prio,
		Labels:      p.Labels,
		Links:       links,
		Items:       []bot.AlertItem{{Fingerprint: key, Status: status, Summary: title, Labels: p.Labels}},
	}
	if len(links) > 0 {
		a.Items[0].URL = links[0].URL
	}
	return a, nil
}

func (p *Payload) links(bad func(string, ...any)) []bot.Link {
	if len(p.Links) > maxLinks {
		bad("links has more than %d entries", maxLinks)
		return nil
	}
	var out []bot.Link
	for i, l := range p.Links {
		raw := strings.TrimSpace(l.URL)
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || (!strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) {
			bad("links[%d].url must be an http or https URL", i)
			continue
		}
		title := strings.Join(strings.Fields(l.Title), " ")
		if title == "" {
			title = u.Host
		}
		out = append(out, bot.Link{Title: bot.Truncate(title, maxLinkTitle), URL: raw})
	}
	return out
}

func (p *Payload) checkLabels(bad func(string, ...any)) {
	if len(p.Labels) > maxLabels {
		bad("labels has more than %d entries", maxLabels)
		return
	}
	for k, v := range p.Labels {
		if strings.TrimSpace(k) == "" {
			bad("labels must not have an empty name")
			return
		}
		if utf8.RuneCountInString(k) > maxLabel || utf8.RuneCountInString(v) > maxLabel {
			bad("labels' names and values must be at most %d characters", maxLabel)
			return
		}
	}
}

func badRequest(msg string) *httpx.Error {
	return &httpx.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: msg}
}
