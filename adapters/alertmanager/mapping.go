package alertmanager

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/warroomhq/warroom/bot"
)

// Limits that keep one notification's incident card readable.
const (
	maxTitle   = 200 // runes of bot.Alert.Title
	maxSummary = 300 // runes of bot.AlertItem.Summary
	maxLinks   = 10  // links per bot.Alert
	maxDetail  = 3   // labels that tell an item apart in its summary
)

// Mapping turns a decoded Alertmanager-style notification into bot.Alerts
// as described in the package documentation. Grafana's adapter uses it with
// its own source name and per-alert extras.
type Mapping struct {
	// Source is bot.Alert.Source.
	Source string
	// SourceName is bot.Alert.SourceName, the source's display name.
	SourceName string
	// ExternalTitle titles the link to the sender's externalURL.
	ExternalTitle string
	// PerAlert makes one bot.Alert per alert, keyed by its fingerprint,
	// instead of one per group keyed by groupKey.
	PerAlert bool
	// Title, when it has any text, is the group's title instead of the
	// one made from the payload (Grafana renders its own); white space is
	// collapsed and it is cut to 200 characters.
	Title string
	// ItemLinks, when set, returns more links for alert i of the message;
	// they follow its source and runbook links.
	ItemLinks func(i int) []bot.Link
	// ItemDetail, when set, returns text appended to alert i's summary
	// (Grafana's query values).
	ItemDetail func(i int) string
}

// Alerts checks m and maps it: one bot.Alert for the group, or one per
// alert with PerAlert. Its errors are *httpx.Error with status 400.
func (mp Mapping) Alerts(m *Message) ([]bot.Alert, error) {
	if err := mp.check(m); err != nil {
		return nil, err
	}
	items := make([]bot.AlertItem, len(m.Alerts))
	for i := range m.Alerts {
		items[i] = mp.item(m, i)
	}
	if !mp.PerAlert {
		return []bot.Alert{mp.group(m, items)}, nil
	}
	out := make([]bot.Alert, len(items))
	for i, it := range items {
		al := &m.Alerts[i]
		title := summary(al.Labels, al.Annotations, m.GroupLabels)
		if title == "" {
			title = it.Summary
		}
		out[i] = bot.Alert{
			Source:      mp.Source,
			SourceName:  mp.SourceName,
			DedupKey:    it.Fingerprint,
			Status:      it.Status,
			Title:       bot.Truncate(title, maxTitle),
			Description: al.Annotations["description"],
			Priority:    Severity(al.Labels["severity"]),
			Labels:      maps.Clone(al.Labels),
			Annotations: maps.Clone(al.Annotations),
			Links:       mp.links(m, i, i+1),
			StartsAt:    it.StartsAt,
			Items:       []bot.AlertItem{it},
		}
	}
	return out, nil
}

func (mp Mapping) check(m *Message) error {
	if len(m.Alerts) == 0 {
		return badRequest("payload has no alerts")
	}
	if !validStatus(m.Status) {
		return badRequest(`field "status" must be "firing" or "resolved"`)
	}
	for i := range m.Alerts {
		if !validStatus(m.Alerts[i].Status) {
			return badRequest(fmt.Sprintf(`field "alerts[%d].status" must be "firing" or "resolved"`, i))
		}
	}
	if !mp.PerAlert && strings.TrimSpace(m.GroupKey) == "" {
		return badRequest(`field "groupKey" is missing: it identifies the alert group`)
	}
	return nil
}

func validStatus(s string) bool {
	return s == string(bot.AlertFiring) || s == string(bot.AlertResolved)
}

func (mp Mapping) group(m *Message, items []bot.AlertItem) bot.Alert {
	a := bot.Alert{
		Source:      mp.Source,
		SourceName:  mp.SourceName,
		DedupKey:    m.GroupKey,
		Status:      bot.AlertStatus(m.Status),
		Title:       mp.title(m),
		Description: m.CommonAnnotations["description"],
		Labels:      m.CommonLabels,
		Annotations: m.CommonAnnotations,
		Links:       mp.links(m, 0, len(m.Alerts)),
		Items:       items,
	}
	if m.TruncatedAlerts > 0 {
		a.Annotations = maps.Clone(m.CommonAnnotations)
		if a.Annotations == nil {
			a.Annotations = map[string]string{}
		}
		a.Annotations["truncated_alerts"] = strconv.Itoa(m.TruncatedAlerts)
	}
	for i, it := range items {
		if p := Severity(m.Alerts[i].Labels["severity"]); p.Valid() && (!a.Priority.Valid() || p < a.Priority) {
			a.Priority = p
		}
		if !it.StartsAt.IsZero() && (a.StartsAt.IsZero() || it.StartsAt.Before(a.StartsAt)) {
			a.StartsAt = it.StartsAt
		}
	}
	return a
}

// title is mp.Title, else commonAnnotations.summary, else the alert name
// and the other group labels' values, the way Alertmanager's own default
// titles read.
func (mp Mapping) title(m *Message) string {
	if s := oneLine(mp.Title); s != "" {
		return bot.Truncate(s, maxTitle)
	}
	if s := oneLine(m.CommonAnnotations["summary"]); s != "" {
		return bot.Truncate(s, maxTitle)
	}
	name := cmp.Or(m.CommonLabels["alertname"], m.GroupLabels["alertname"], m.Alerts[0].Labels["alertname"])
	var values []string
	for _, k := range slices.Sorted(maps.Keys(m.GroupLabels)) {
		if v := oneLine(m.GroupLabels[k]); k != "alertname" && v != "" {
			values = append(values, v)
		}
	}
	t := oneLine(name)
	if len(values) > 0 {
		t = strings.TrimSpace(t + " [" + strings.Join(values, " ") + "]")
	}
	return bot.Truncate(cmp.Or(t, oneLine(m.Receiver), mp.Source), maxTitle)
}

func (mp Mapping) item(m *Message, i int) bot.AlertItem {
	al := &m.Alerts[i]
	it := bot.AlertItem{
		Fingerprint: cmp.Or(strings.TrimSpace(al.Fingerprint), Fingerprint(al.Labels)),
		Status:      bot.AlertStatus(al.Status),
		Summary:     summary(al.Labels, al.Annotations, m.GroupLabels),
		Labels:      al.Labels,
		StartsAt:    utc(al.StartsAt),
	}
	if it.Status == bot.AlertResolved {
		it.EndsAt = utc(al.EndsAt)
	}
	if WebURL(al.GeneratorURL) {
		it.URL = al.GeneratorURL
	}
	if mp.ItemDetail != nil {
		if d := oneLine(mp.ItemDetail(i)); d != "" {
			it.Summary = strings.TrimSpace(it.Summary + " " + d)
		}
	}
	if it.Summary == "" {
		it.Summary = it.Fingerprint
	}
	it.Summary = bot.Truncate(it.Summary, maxSummary)
	return it
}

// links gathers the links of alerts [from, to), then the sender's own.
func (mp Mapping) links(m *Message, from, to int) []bot.Link {
	var ls linkSet
	for i := from; i < to; i++ {
		al := &m.Alerts[i]
		ls.add("Source", al.GeneratorURL, maxLinks-1)
		ls.add("Runbook", al.Annotations["runbook_url"], maxLinks-1)
		if mp.ItemLinks != nil {
			for _, l := range mp.ItemLinks(i) {
				ls.add(l.Title, l.URL, maxLinks-1)
			}
		}
	}
	ls.add("Runbook", m.CommonAnnotations["runbook_url"], maxLinks-1)
	ls.add(mp.ExternalTitle, m.ExternalURL, maxLinks)
	return ls.links
}

type linkSet struct {
	links []bot.Link
	seen  map[string]bool
}

func (s *linkSet) add(title, raw string, limit int) {
	raw = strings.TrimSpace(raw)
	if len(s.links) >= limit || s.seen[raw] || !WebURL(raw) {
		return
	}
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	s.seen[raw] = true
	s.links = append(s.links, bot.Link{Title: title, URL: raw})
}

// WebURL reports whether s is an absolute http or https URL, the only kind
// a chat button may open (a javascript: or file: link never reaches a card).
func WebURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme == "http" || scheme == "https"
}

// severities maps the usual severity label values to priorities; anything
// else goes through bot.ParsePriority (sev1..sev4, 1..4, medium...).
var severities = map[string]bot.Priority{
	"critical": bot.P1, "page": bot.P1, "p1": bot.P1,
	"high": bot.P2, "error": bot.P2, "major": bot.P2, "p2": bot.P2,
	"warning": bot.P3, "warn": bot.P3, "minor": bot.P3, "p3": bot.P3,
	"info": bot.P4, "low": bot.P4, "p4": bot.P4,
}

// Severity maps a severity label value to a priority: critical, page, p1
// → P1; high, error, major, p2 → P2; warning, warn, minor, p3 → P3; info,
// low, p4 → P4; otherwise whatever bot.ParsePriority accepts (sev1..sev4,
// 1..4, medium), else 0. Case and surrounding space are ignored.
func Severity(v string) bot.Priority {
	v = strings.ToLower(strings.TrimSpace(v))
	if p, ok := severities[v]; ok {
		return p
	}
	if p, ok := bot.ParsePriority(v); ok {
		return p
	}
	return 0
}

// Fingerprint is a stable identity for an alert that came without one: the
// first 64 bits of SHA-256 over its labels sorted by name, in hex, the
// width of Alertmanager's own fingerprints.
func Fingerprint(labels map[string]string) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		h.Write([]byte(k))
		h.Write([]byte{0xff})
		h.Write([]byte(labels[k]))
		h.Write([]byte{0xff})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// preferred are the labels that usually tell alerts of one group apart,
// most telling first.
var preferred = []string{"instance", "pod", "host", "node", "service", "job", "namespace", "container", "device", "mountpoint", "path", "zone", "region"}

// summary is the alert's summary annotation, else its name followed by up
// to maxDetail of its labels that are not group labels: "HighErrorRate
// (instance=checkout-1:8080, pod=checkout-7f9c)". Group labels are left out
// because they are the same for every alert of the group and already in
// the title; so the summary stays the same across notifications.
func summary(labels, annotations, group map[string]string) string {
	if s := oneLine(annotations["summary"]); s != "" {
		return s
	}
	var keys []string
	for k, v := range labels {
		_, grouped := group[k]
		if !grouped && k != "alertname" && k != "severity" && !strings.HasPrefix(k, "__") && strings.TrimSpace(v) != "" {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
	})
	pairs := make([]string, 0, maxDetail)
	for _, k := range keys[:min(len(keys), maxDetail)] {
		pairs = append(pairs, k+"="+oneLine(labels[k]))
	}
	s := oneLine(labels["alertname"])
	if len(pairs) > 0 {
		s = strings.TrimSpace(s + " (" + strings.Join(pairs, ", ") + ")")
	}
	return s
}

func rank(k string) int {
	if i := slices.Index(preferred, k); i >= 0 {
		return i
	}
	return len(preferred)
}

// oneLine collapses runs of white space, newlines included, to one space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}
