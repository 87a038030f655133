package handlers

// Drills are practice incidents run from a scenario, so a team can rehearse
// roles and commands before the real thing.
//
// # Scenario files
//
// The scenarios ship embedded from handlers/drills/*.yaml, one per file:
//
//	name: db-down                  # the id people type: drill db-down (a-z, 0-9, "-")
//	title: {en: Database primary unreachable, ja: データベースのプライマリに接続できない}
//	priority: P1                   # P1..P4 (also sev1, critical, ...)
//	description: {en: ..., ja: ...}
//	targets:                       # what good looks like, for the report
//	  acknowledge: 5m              # from the start to the acknowledgement
//	  first_update: 15m            # to the first status update
//	  resolve: 45m                 # to resolve
//	script:                        # in order; offsets from the start, never decreasing
//	  - after: 0s
//	    alert:                     # injected through the alert handler, like a real one
//	      title: {en: ..., ja: ...}
//	      labels: {alertname: PostgresPrimaryDown, severity: critical}
//	      status: firing           # firing (default) or resolved
//	  - after: 30s
//	    message:                   # posted in the channel by a simulated author
//	      author: db-bot
//	      text: {en: ..., ja: ...}
//
// Every text is a map from language to text; English is required, other
// languages fall back to it. Durations are Go durations ("90s", "2m30s").
// A step is exactly one of alert or message. An alert's fingerprint is its
// alertname label (else its English title), so a later step with the same
// alertname and status resolved recovers it.
//
// # Running a drill
//
// "drill <name>" opens an incident like an alert-opened one (status triage,
// nobody in command, so acknowledging is practised) with Drill set, on the
// platform of the person who asked, in a channel named "drill-..." rather
// than with the channel prefix. Its card, topic and welcome carry the
// drill marker, and so does every message of the script. A goroutine then
// runs the script at the offsets divided by Options.DrillSpeed: alerts go
// through the router to the same alert handler as real ones (source
// "drill", a dedup key unique to this drill, bound to its incident
// beforehand), messages are posted as "🧪 DRILL · author: text" and written
// to the timeline as messages by "drill:<author>" with Data["drill"]. The
// runner stops when the drill is resolved or declined (here, or on another
// replica: it checks the record before each step) and at the latest after
// 2 × the longest offset at the drill's speed, plus drillGrace.
//
// When the drill is resolved (or declined), the channel gets a report in
// the language the drill was started in: who took which role and when,
// and the time to acknowledge, to the first status update and to resolve,
// each against the scenario's target (✅ within, ⚠️ over). Those times are
// measured with the service's clock, unscaled.
//
// Drills are left out of stats (which filters on bot.Incident.Drill), of
// the store's Prometheus metrics, of the search index and of similar-
// incident hints; "search --drills <words>" finds them.

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.yaml.in/yaml/v3"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

//go:embed drills/*.yaml
var drillFiles embed.FS

const (
	// drillPrefix starts every drill channel's name instead of
	// Options.ChannelPrefix, so a drill is never taken for a real incident.
	drillPrefix = "drill"
	// drillSource is the alert source of a drill's alerts.
	drillSource = "drill"
	// drillGrace is added to a runner's lifetime so that the last step,
	// due at the longest offset, has time to be carried out even at a high
	// DrillSpeed.
	drillGrace = 5 * time.Second
	// drillStepTimeout bounds one step's work.
	drillStepTimeout = 30 * time.Second
	// codeUnknownDrill names a scenario that does not exist (err.unknown_drill).
	codeUnknownDrill = "unknown_drill"
	// drillScan is how many recent incidents "search --drills" looks through.
	drillScan = 500
)

// localized is a text in several languages: {en: ..., ja: ...}.
type localized map[string]string

// in returns the text in lang, else the English one.
func (l localized) in(lang bot.Lang) string {
	if s := strings.TrimSpace(l[string(lang)]); s != "" {
		return s
	}
	return strings.TrimSpace(l[string(bot.English)])
}

// scenario is one drill scenario file.
type scenario struct {
	Name        string       `yaml:"name"`
	Title       localized    `yaml:"title"`
	PriorityRaw string       `yaml:"priority"`
	Description localized    `yaml:"description"`
	Targets     drillTargets `yaml:"targets"`
	Script      []drillStep  `yaml:"script"`

	priority bot.Priority
}

// drillTargets are the times a team should beat, from the drill's start.
type drillTargets struct {
	Acknowledge time.Duration `yaml:"acknowledge"`
	FirstUpdate time.Duration `yaml:"first_update"`
	Resolve     time.Duration `yaml:"resolve"`
}

// drillStep is one step of a script: an alert or a message, after an
// offset from the start.
type drillStep struct {
	After   time.Duration `yaml:"after"`
	Alert   *drillAlert   `yaml:"alert"`
	Message *drillMessage `yaml:"message"`
}

type drillAlert struct {
	Title  localized         `yaml:"title"`
	Labels map[string]string `yaml:"labels"`
	Status bot.AlertStatus   `yaml:"status"`
}

// fingerprint identifies the alert within the drill's alert group.
func (a *drillAlert) fingerprint() string {
	if n := a.Labels["alertname"]; n != "" {
		return n
	}
	return a.Title.in(bot.English)
}

type drillMessage struct {
	Author string    `yaml:"author"`
	Text   localized `yaml:"text"`
}

// longest is the offset of the script's last step.
func (sc *scenario) longest() time.Duration {
	if len(sc.Script) == 0 {
		return 0
	}
	return sc.Script[len(sc.Script)-1].After
}

var scenarioName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// parseScenario reads and checks one scenario file, rejecting unknown
// fields, so a typo in a scenario fails the tests rather than a drill.
func parseScenario(data []byte) (*scenario, error) {
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	var sc scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, err
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if !scenarioName.MatchString(sc.Name) {
		bad("name %q: use a-z, 0-9 and -", sc.Name)
	}
	if sc.Title.in(bot.English) == "" {
		bad("title: the English text (en) is required")
	}
	p, ok := bot.ParsePriority(sc.PriorityRaw)
	if !ok {
		bad("priority %q: use P1..P4", sc.PriorityRaw)
	}
	sc.priority = p
	if sc.Targets.Acknowledge <= 0 || sc.Targets.FirstUpdate <= 0 || sc.Targets.Resolve <= 0 {
		bad("targets: acknowledge, first_update and resolve must all be positive durations")
	}
	if len(sc.Script) == 0 {
		bad("script: at least one step is required")
	}
	var prev time.Duration
	for i := range sc.Script {
		st := &sc.Script[i]
		switch {
		case st.After < prev:
			bad("script[%d]: after %s is before the previous step's %s", i, st.After, prev)
		case (st.Alert == nil) == (st.Message == nil):
			bad("script[%d]: give exactly one of alert or message", i)
		case st.Alert != nil:
			if st.Alert.Title.in(bot.English) == "" {
				bad("script[%d].alert.title: the English text (en) is required", i)
			}
			switch st.Alert.Status {
			case "":
				st.Alert.Status = bot.AlertFiring
			case bot.AlertFiring, bot.AlertResolved:
			default:
				bad("script[%d].alert.status %q: use firing or resolved", i, st.Alert.Status)
			}
		case st.Message != nil:
			if strings.TrimSpace(st.Message.Author) == "" {
				bad("script[%d].message.author is required", i)
			}
			if st.Message.Text.in(bot.English) == "" {
				bad("script[%d].message.text: the English text (en) is required", i)
			}
		}
		prev = max(prev, st.After)
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return &sc, nil
}

// loadScenarios parses every scenario of fsys's drills folder, sorted by
// name.
func loadScenarios(fsys fs.FS) ([]*scenario, error) {
	paths, err := fs.Glob(fsys, "drills/*.yaml")
	if err != nil {
		return nil, err
	}
	var out []*scenario
	seen := map[string]bool{}
	for _, p := range paths {
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		sc, err := parseScenario(data)
		if err != nil {
			return nil, fmt.Errorf("drill scenario %s: %w", p, err)
		}
		if seen[sc.Name] {
			return nil, fmt.Errorf("drill scenario %s: name %q used twice", p, sc.Name)
		}
		seen[sc.Name] = true
		out = append(out, sc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// scenarios are the embedded scenarios, parsed once; a broken file is a
// build mistake that the tests catch.
var scenarios = sync.OnceValues(func() ([]*scenario, error) { return loadScenarios(drillFiles) })

// findScenario returns the scenario called name.
func findScenario(name string) (*scenario, bool) {
	all, _ := scenarios()
	for _, sc := range all {
		if sc.Name == name {
			return sc, true
		}
	}
	return nil, false
}

func scenarioNames() string {
	all, _ := scenarios()
	names := make([]string, len(all))
	for i, sc := range all {
		names[i] = sc.Name
	}
	return strings.Join(names, ", ")
}

// drill handles "drill [list|<scenario>]".
func (s *Service) drill(ctx context.Context, req *bot.Request) error {
	if _, err := scenarios(); err != nil {
		return err
	}
	name := strings.ToLower(req.Command.Arg(0))
	switch name {
	case "", "list", "ls":
		return s.drillList(ctx, req)
	}
	sc, ok := findScenario(name)
	if !ok {
		return bot.Errorf(codeUnknownDrill, "name", req.Command.Arg(0), "valid", scenarioNames())
	}
	return s.startDrill(ctx, req, sc)
}

// drillList handles "drill list".
func (s *Service) drillList(ctx context.Context, req *bot.Request) error {
	all, _ := scenarios()
	lines := make([]string, 0, len(all))
	for _, sc := range all {
		lines = append(lines, req.T("drill.list.line", "name", sc.Name, "title", sc.Title.in(req.Lang),
			"priority", s.priorityLabel(req.Lang, sc.priority), "steps", strconv.Itoa(len(sc.Script)),
			"ack", bot.Duration(req.Lang, sc.Targets.Acknowledge), "update", bot.Duration(req.Lang, sc.Targets.FirstUpdate), "resolve", bot.Duration(req.Lang, sc.Targets.Resolve)))
	}
	return req.Reply(ctx, bot.Message{Title: req.T("drill.list.title"), Text: strings.Join(lines, "\n"), Context: req.T("drill.list.footer")})
}

// startDrill opens the drill's incident (see open and declaration.Drill)
// and starts its script.
func (s *Service) startDrill(ctx context.Context, req *bot.Request, sc *scenario) error {
	d := declaration{
		Title:       sc.Title.in(req.Lang),
		Description: sc.Description.in(req.Lang),
		Priority:    sc.priority,
		Private:     s.opts.PrivateChannels,
		Drill:       sc.Name,
	}
	if len([]rune(d.Title)) > maxTitle {
		d.Title = string([]rune(d.Title)[:maxTitle])
	}
	inc, err := s.open(ctx, req, d)
	if err != nil {
		return err
	}
	key, err := drillKey(sc.Name)
	if err != nil {
		return err
	}
	// The key is bound before the first alert arrives, so the alert
	// handler records every drill alert on this incident and never opens
	// another one for it.
	if err := s.store.BindAlert(ctx, drillSource, key, inc.ID); err != nil {
		return err
	}
	s.runDrill(inc, sc, req.Lang, key)
	return nil
}

// drillKey is a dedup key no other drill shares.
func drillKey(name string) (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("drill key: %w", err)
	}
	return name + "-" + hex.EncodeToString(b), nil
}

// drillWelcome greets a drill's channel and tells the person who started
// it where it is; drills are not announced.
func (s *Service) drillWelcome(ctx context.Context, req *bot.Request, inc *bot.Incident, scenarioName string) {
	sc, ok := findScenario(scenarioName)
	if !ok {
		return
	}
	t := bot.Translator(req.Lang)
	text := t.T("drill.welcome", "user", req.Event.User.Display(), "scenario", sc.Name, "id", inc.Key(),
		"title", inc.Title, "priority", s.priorityLabel(req.Lang, inc.Priority),
		"ack", bot.Duration(req.Lang, sc.Targets.Acknowledge), "update", bot.Duration(req.Lang, sc.Targets.FirstUpdate), "resolve", bot.Duration(req.Lang, sc.Targets.Resolve))
	s.postQuiet(ctx, req.Platform, inc.Channel.ID, bot.Message{Text: text})
	if req.Event.Channel != inc.Channel.ID {
		_ = req.Reply(ctx, bot.Message{Text: t.T("drill.started", "id", inc.Key(), "title", inc.Title, "channel", channelRef(inc.Channel))})
	}
}

// drillRun is a running script.
type drillRun struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// drillRuns are this process's running scripts by incident, so that
// resolving a drill stops its script at once (another replica's script
// notices at its next step).
type drillRuns struct {
	sync.Mutex
	m map[int64]*drillRun
}

// runDrill starts inc's script on the service's background work (Run,
// Close); the router's worker returns at once.
func (s *Service) runDrill(inc *bot.Incident, sc *scenario, lang bot.Lang, key string) {
	speed := s.opts.DrillSpeed
	if speed <= 0 {
		speed = 1
	}
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) / speed) }
	ctx, cancel := context.WithTimeout(s.life.ctx, 2*scale(sc.longest())+drillGrace)
	run := &drillRun{cancel: cancel, done: make(chan struct{})}
	s.drills.Lock()
	s.drills.m[inc.ID] = run
	s.drills.Unlock()
	forget := func() {
		s.drills.Lock()
		if s.drills.m[inc.ID] == run {
			delete(s.drills.m, inc.ID)
		}
		s.drills.Unlock()
		cancel()
	}
	log := s.log.With(zap.Int64("incident", inc.ID), zap.String("drill", sc.Name))
	started := s.goBackground("drill "+inc.Key(), func(context.Context) {
		defer close(run.done)
		defer forget()
		r := &drillRunner{s: s, inc: inc, sc: sc, lang: lang, key: key, log: log, alerts: map[string]bot.AlertItem{}}
		start := time.Now()
		for i := range sc.Script {
			timer := time.NewTimer(time.Until(start.Add(scale(sc.Script[i].After))))
			select {
			case <-ctx.Done():
				timer.Stop()
				log.Debug("drill script stopped", zap.Int("steps_done", i), zap.Error(ctx.Err()))
				return
			case <-timer.C:
			}
			if !r.step(ctx, i) {
				return
			}
		}
	})
	if !started {
		forget()
		close(run.done)
	}
}

// stopDrill stops incident id's script, if this process runs it.
func (s *Service) stopDrill(id int64) {
	s.drills.Lock()
	run := s.drills.m[id]
	s.drills.Unlock()
	if run != nil {
		run.cancel()
	}
}

// drillDone is closed when incident id's script has ended; nil when none
// runs in this process. For tests.
func (s *Service) drillDone(id int64) <-chan struct{} {
	s.drills.Lock()
	defer s.drills.Unlock()
	if run := s.drills.m[id]; run != nil {
		return run.done
	}
	return nil
}

// drillRunner carries out a script's steps.
type drillRunner struct {
	s    *Service
	inc  *bot.Incident
	sc   *scenario
	lang bot.Lang
	key  string
	log  *zap.Logger
	// alerts are the drill's alerts so far by fingerprint, sent again with
	// every alert step as a real source repeats its group.
	alerts map[string]bot.AlertItem
	order  []string
}

// step carries out step i and reports whether the script goes on: not
// once the drill has ended.
func (r *drillRunner) step(parent context.Context, i int) bool {
	ctx, cancel := context.WithTimeout(parent, drillStepTimeout)
	defer cancel()
	inc, err := r.s.store.Get(ctx, r.inc.ID)
	switch {
	case err != nil:
		r.log.Warn("drill step: load incident", zap.Int("step", i), zap.Error(err))
		return ctx.Err() == nil
	case !inc.Status.Open():
		return false
	}
	st := r.sc.Script[i]
	if st.Alert != nil {
		err = r.alert(ctx, st.Alert)
	} else {
		err = r.message(ctx, inc, i, st.Message)
	}
	if err != nil {
		r.log.Warn("drill step failed", zap.Int("step", i), zap.Error(err))
	}
	return true
}

// alert sends the drill's alert group, with this step's alert in its new
// state, through the router to the alert handler.
func (r *drillRunner) alert(ctx context.Context, a *drillAlert) error {
	fp := a.fingerprint()
	if _, ok := r.alerts[fp]; !ok {
		r.order = append(r.order, fp)
	}
	title := a.Title.in(r.lang)
	r.alerts[fp] = bot.AlertItem{Fingerprint: fp, Status: a.Status, Summary: title, Labels: a.Labels, StartsAt: r.s.opts.Now()}
	group := &bot.Alert{Source: drillSource, DedupKey: r.key, Status: bot.AlertResolved, Title: title,
		Labels: map[string]string{"drill": r.sc.Name}, StartsAt: r.s.opts.Now()}
	for _, f := range r.order {
		it := r.alerts[f]
		group.Items = append(group.Items, it)
		if it.Status == bot.AlertFiring {
			group.Status = bot.AlertFiring
		}
	}
	return r.s.events.Serve(ctx, bot.Event{Kind: bot.EventAlert, At: r.s.opts.Now(), Alert: group})
}

// message posts a simulated person's message in the drill's channel and
// records it on the timeline, marked as a drill.
func (r *drillRunner) message(ctx context.Context, inc *bot.Incident, i int, m *drillMessage) error {
	p, ok := r.s.platforms.Platform(inc.Platform)
	if !ok {
		return fmt.Errorf("platform %q is not running", inc.Platform)
	}
	text := m.Text.in(r.lang)
	ref, err := p.Post(ctx, inc.Channel.ID, bot.Message{Text: bot.T(r.lang, "drill.say", "author", m.Author, "text", text)})
	if err != nil {
		return err
	}
	_, err = r.s.store.Append(ctx, inc.ID, bot.TimelineEntry{At: r.s.opts.Now(), Kind: bot.KindMessage,
		Author: bot.User{ID: drillSource + ":" + m.Author, Name: m.Author}, Text: text, Ref: ref.ID,
		Data: map[string]string{"drill": r.sc.Name, "step": strconv.Itoa(i + 1)}})
	return err
}

// drillTransition is told of every status change: a drill that ends
// stops its script and gets its report.
func (s *Service) drillTransition(ctx context.Context, inc *bot.Incident, to bot.Status) {
	if inc == nil || !inc.Drill || to.Open() {
		return
	}
	s.stopDrill(inc.ID)
	if to != bot.StatusResolved && to != bot.StatusDeclined {
		return
	}
	p, ok := s.platforms.Platform(inc.Platform)
	if !ok || inc.Channel.ID == "" {
		return
	}
	msg, err := s.drillReport(ctx, inc)
	if err != nil {
		s.log.Warn("drill report", zap.Int64("incident", inc.ID), zap.Error(err))
		return
	}
	s.postQuiet(ctx, p, inc.Channel.ID, msg)
}

// drillReport says how the team did: who took which role and when, and
// the times to acknowledge, to the first status update and to resolve
// against the scenario's targets, in the language the drill was started
// in.
func (s *Service) drillReport(ctx context.Context, inc *bot.Incident) (bot.Message, error) {
	m, err := s.drillMeasure(ctx, inc)
	if err != nil {
		return bot.Message{}, err
	}
	lang, name, firstUpdate, takes := m.lang, m.name, m.firstUpdate, m.takes
	t := bot.Translator(lang)
	targets := m.targets
	start := inc.CreatedAt
	measure := func(at time.Time, target time.Duration) string {
		switch {
		case at.IsZero() && target > 0:
			return t.T("drill.report.missing", "target", bot.Duration(lang, target))
		case at.IsZero():
			return t.T("drill.report.none")
		case target <= 0:
			return t.T("drill.report.untimed", "took", bot.Duration(lang, at.Sub(start)))
		}
		mark := "✅"
		if at.Sub(start) > target {
			mark = "⚠️"
		}
		return t.T("drill.report.value", "took", bot.Duration(lang, at.Sub(start)), "target", bot.Duration(lang, target), "mark", mark)
	}
	resolvedAt := m.resolvedAt
	lines := []string{t.T("drill.report.intro", "scenario", name, "status", inc.Status.Label(lang)), "", t.T("drill.report.roles")}
	for _, tk := range takes {
		lines = append(lines, t.T("drill.report.role", "role", tk.role.Label(lang), "user", tk.user,
			"after", bot.Duration(lang, tk.at.Sub(start)), "time", s.clock(tk.at)))
	}
	if len(takes) == 0 {
		lines = append(lines, t.T("drill.report.no_roles"))
	}
	return bot.Message{
		Title: t.T("drill.report.title", "id", inc.Key(), "title", inc.Title),
		Text:  strings.Join(lines, "\n"),
		Fields: []bot.Field{
			{Label: t.T("drill.report.tta"), Value: measure(inc.AckedAt, targets.Acknowledge)},
			{Label: t.T("drill.report.update"), Value: measure(firstUpdate, targets.FirstUpdate)},
			{Label: t.T("drill.report.ttr"), Value: measure(resolvedAt, targets.Resolve)},
		},
		Context: t.T("drill.report.context", "id", inc.Key()),
	}, nil
}

// drillMeasures are what a drill's report and its score are made of.
type drillMeasures struct {
	// name and lang are the scenario's and the language it was started in.
	name string
	lang bot.Lang
	// targets are the scenario's (zero for a scenario no longer known).
	targets drillTargets
	takes   []roleTake
	// firstUpdate and resolvedAt are zero when they did not happen.
	firstUpdate, resolvedAt time.Time
}

// drillMeasure reads drill inc's timeline for its measures.
func (s *Service) drillMeasure(ctx context.Context, inc *bot.Incident) (drillMeasures, error) {
	entries, err := s.store.Timeline(ctx, inc.ID, store.TimelineQuery{})
	if err != nil {
		return drillMeasures{}, err
	}
	m := drillMeasures{lang: s.lang(), takes: drillRoleTakes(entries, inc)}
	for _, e := range entries {
		switch e.Kind {
		case bot.KindDeclared:
			if l, ok := bot.ParseLang(e.Data["lang"]); ok {
				m.lang = l
			}
			m.name = e.Data["drill"]
		case bot.KindUpdate:
			if m.firstUpdate.IsZero() {
				m.firstUpdate = e.At
			}
		case bot.KindStatus:
			if m.firstUpdate.IsZero() && e.Text != "" && bot.Status(e.Data["to"]).Open() {
				m.firstUpdate = e.At
			}
		}
	}
	if sc, ok := findScenario(m.name); ok {
		m.targets = sc.Targets
	}
	if inc.Status == bot.StatusResolved {
		m.resolvedAt = inc.ResolvedAt
	}
	return m, nil
}

// score is the share, in percent, of the drill's timed targets it met
// (acknowledge, first update, resolve), and how many were timed; a
// target missed by not happening counts as missed.
func (m drillMeasures) score(start, acked time.Time) (pct, timed int) {
	met := 0
	for _, c := range []struct {
		at     time.Time
		target time.Duration
	}{{acked, m.targets.Acknowledge}, {m.firstUpdate, m.targets.FirstUpdate}, {m.resolvedAt, m.targets.Resolve}} {
		if c.target <= 0 {
			continue
		}
		timed++
		if !c.at.IsZero() && c.at.Sub(start) <= c.target {
			met++
		}
	}
	if timed == 0 {
		return 0, 0
	}
	return int(math.Round(100 * float64(met) / float64(timed))), timed
}

// roleTake is someone taking a role.
type roleTake struct {
	role   bot.Role
	userID string
	user   string
	at     time.Time
}

// drillRoleTakes lists who took which role, in order, from the timeline:
// every role entry, and the command that "ack" gives whoever acknowledges
// an incident nobody leads. That one has no role entry of its own; it is
// told from a status change out of triage by the later handover that
// names its holder as previous, or by the record's commander.
func drillRoleTakes(entries []bot.TimelineEntry, inc *bot.Incident) []roleTake {
	var (
		takes   []roleTake
		pending *roleTake
		led     bool
	)
	for _, e := range entries {
		switch {
		case e.Kind == bot.KindStatus && bot.Status(e.Data["from"]) == bot.StatusTriage && !led && pending == nil:
			pending = &roleTake{role: bot.RoleCommander, userID: e.Author.ID, user: e.Author.Display(), at: e.At}
		case e.Kind == bot.KindRole:
			r := bot.Role(e.Data["role"])
			if r == bot.RoleCommander {
				if pending != nil && e.Data["previous"] != "" {
					takes = append(takes, *pending)
				}
				pending, led = nil, true
			}
			who := e.Data["user_name"]
			if who == "" {
				who = e.Data["user_id"]
			}
			takes = append(takes, roleTake{role: r, userID: e.Data["user_id"], user: who, at: e.At})
		}
	}
	if c, ok := inc.Holder(bot.RoleCommander); ok && pending != nil && c.ID == pending.userID {
		takes = append(takes, *pending)
	}
	sort.SliceStable(takes, func(i, j int) bool { return takes[i].at.Before(takes[j].at) })
	return takes
}

// searchDrills finds the drills among the drillScan most recent incidents
// whose title, description or summary holds every word of q, newest first;
// drills are not in the search index.
func (s *Service) searchDrills(ctx context.Context, req *bot.Request, q string, limit int) ([]*bot.Incident, error) {
	recent, err := s.store.List(ctx, store.ListQuery{Limit: drillScan, Keep: s.seesFunc(ctx, req)})
	if err != nil {
		return nil, err
	}
	words := strings.Fields(strings.ToLower(q))
	var out []*bot.Incident
	for _, inc := range recent {
		if len(out) == limit {
			break
		}
		if !inc.Drill {
			continue
		}
		text := strings.ToLower(inc.Title + "\n" + inc.Description + "\n" + inc.Summary)
		all := true
		for _, w := range words {
			all = all && strings.Contains(text, w)
		}
		if all {
			out = append(out, inc)
		}
	}
	return out, nil
}

// isDrill reports whether incident id is a drill; when it cannot tell, it
// says no (the caller then treats it as a real incident).
func (s *Service) isDrill(ctx context.Context, id int64) bool {
	inc, err := s.store.Get(ctx, id)
	return err == nil && inc.Drill
}
