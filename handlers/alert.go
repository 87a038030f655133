package handlers

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// AlertRule routes alerts: the first rule whose match fits an alert decides
// what happens to it. A zero rule matches everything.
type AlertRule struct {
	Name string
	// Source matches bot.Alert.Source ("" for any).
	Source string
	// Labels must all equal the alert's labels (CloudWatch alerts carry
	// alarm_name, namespace, metric_name, region...).
	Labels map[string]string
	// Priority overrides the alert's own (zero keeps it; P3 when neither
	// says).
	Priority bot.Priority
	// Platform opens the incident there ("" → Options.AlertPlatform).
	Platform string
	// Announce overrides the platform's announcements channel.
	Announce string
	// Responders are invited to the incident channel.
	Responders []string
	// Runbook is linked from the incident card.
	Runbook string
	// NoIncident alerts open nothing: they are only recorded on an open
	// incident with the same dedup key, if there is one.
	NoIncident bool
}

func (r AlertRule) matches(a *bot.Alert) bool {
	if r.Source != "" && r.Source != a.Source {
		return false
	}
	for k, v := range r.Labels {
		if a.Labels[k] != v {
			return false
		}
	}
	return true
}

// defaultFlapWindow is how soon after resolving a problem that fires again
// reopens its incident rather than opening a new one.
const defaultFlapWindow = 30 * time.Minute

// claimTTL bounds how long one replica may take to open an alert's incident
// before another may try.
const claimTTL = 2 * time.Minute

// alertUser is who an alert-opened incident was declared by: the source,
// named as its adapter names it.
func alertUser(a *bot.Alert) bot.User {
	return bot.User{ID: "alert:" + a.Source, Name: a.SourceDisplay()}
}

// rule returns the first matching rule, or the default one.
func (s *Service) rule(a *bot.Alert) AlertRule {
	for _, r := range s.opts.AlertRules {
		if r.matches(a) {
			return r
		}
	}
	return AlertRule{Name: "default"}
}

// alerts handles monitoring notifications (bot.AlertsFunc): one dedup key
// is one problem, so one incident. A new problem opens an incident in
// triage (once, across replicas); a repeated notification records only
// what changed; recovery is recorded and offers a Resolve button (or
// resolves, with AutoResolve); a problem that fires again soon after
// resolving reopens its incident.
//
// A batch is handled as one notification at a time would be, in the
// order they came for each dedup key. The notifications of one key that
// apply to its open incident one after another (those firing, and a
// recovery ending them) are recorded in one round trip to Redis, so an
// alert storm costs a few round trips per problem and batch rather than a
// few per notification.
func (s *Service) alerts(ctx context.Context, reqs []*bot.Request) []error {
	errs := make([]error, len(reqs))
	var order []string
	byKey := map[string][]int{}
	for i, req := range reqs {
		a := req.Event.Alert
		if a == nil || a.Source == "" || a.DedupKey == "" {
			errs[i] = errors.New("alert without source or dedup key")
			continue
		}
		k := a.Source + "\x00" + a.DedupKey
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], i)
	}
	// Each key is its own problem: what one does never changes another's
	// outcome, so keys are taken one after another in order of arrival.
	for _, k := range order {
		for idx := byKey[k]; len(idx) > 0; {
			n := s.alertRun(ctx, reqs, idx, errs)
			idx = idx[n:]
		}
	}
	for _, err := range errs {
		s.noteStorageError(err)
	}
	return errs
}

// alertRun handles the first notifications of idx, all of one dedup key,
// and returns how many (at least one). While its incident is open, the
// firing notifications that follow one another, and a recovery after
// them, are recorded together; anything else (a new problem, a flap, a
// closed incident) goes alone through alertOn.
func (s *Service) alertRun(ctx context.Context, reqs []*bot.Request, idx []int, errs []error) int {
	first := reqs[idx[0]]
	a := first.Event.Alert
	id, inc, err := s.alertIncident(ctx, a)
	if err != nil {
		errs[idx[0]] = err
		return 1
	}
	if inc == nil || !inc.Status.Open() {
		errs[idx[0]] = s.alertOn(ctx, first, a, id, inc)
		return 1
	}
	n := 0
	for n < len(idx) {
		st := reqs[idx[n]].Event.Alert.Status
		n++
		if st != bot.AlertFiring {
			break // a recovery may change the incident: what follows looks again
		}
	}
	run := make([]*bot.Request, n)
	for k := range run {
		run[k] = reqs[idx[k]]
	}
	for k, err := range s.onIncidentBatch(ctx, run, inc) {
		errs[idx[k]] = err
	}
	return n
}

// alertIncident is the ID of the incident bound to a's dedup key (0 for
// none) and that incident, nil when there is none or it is gone.
func (s *Service) alertIncident(ctx context.Context, a *bot.Alert) (int64, *bot.Incident, error) {
	id, err := s.store.AlertIncident(ctx, a.Source, a.DedupKey)
	if err != nil || id == 0 {
		return id, nil, err
	}
	inc, err := s.store.Get(ctx, id)
	if err != nil && !errors.Is(err, bot.ErrNotFound) {
		return id, nil, err
	}
	return id, inc, nil
}

// alertOn handles a notification whose key is bound to incident id (0 for
// none), which is inc (nil when there is none or it is gone).
func (s *Service) alertOn(ctx context.Context, req *bot.Request, a *bot.Alert, id int64, inc *bot.Incident) error {
	rule := s.rule(a)
	if inc != nil && s.keep(inc, a) {
		return s.onIncident(ctx, req, inc, a)
	}
	if a.Status != bot.AlertFiring || rule.NoIncident {
		req.Log.Debug("alert opens nothing", zap.String("source", a.Source), zap.String("rule", rule.Name))
		return nil
	}
	return s.openForAlert(ctx, req, a, rule, id)
}

// keep reports whether a notification belongs to the incident already
// bound to its key: yes while it is open, or recovering; a firing one
// reopens a recently resolved incident; otherwise the problem is new.
func (s *Service) keep(inc *bot.Incident, a *bot.Alert) bool {
	if inc.Status.Open() || a.Status != bot.AlertFiring {
		return true
	}
	window := s.opts.FlapWindow
	if window <= 0 {
		window = defaultFlapWindow
	}
	return inc.Status == bot.StatusResolved && s.opts.Now().Sub(inc.ResolvedAt) <= window
}

// openForAlert opens the incident for a new problem, unless another
// delivery (here or on another replica) is doing it, in which case the
// alert waits in a queue that the opener drains.
func (s *Service) openForAlert(ctx context.Context, req *bot.Request, a *bot.Alert, rule AlertRule, previous int64) error {
	if previous != 0 {
		// The old incident is closed: the key may be claimed afresh.
		if err := s.store.ReleaseAlertFor(ctx, a.Source, a.DedupKey, previous); err != nil {
			return err
		}
	}
	claimed, current, err := s.store.ClaimAlert(ctx, a.Source, a.DedupKey, claimTTL)
	if err != nil {
		return err
	}
	if !claimed {
		return s.waitFor(ctx, req, a, current)
	}
	p, err := s.alertPlatform(rule)
	if err != nil {
		_ = s.store.ReleaseAlert(ctx, a.Source, a.DedupKey)
		return err
	}
	areq := *req
	areq.Platform = p
	areq.Event = &bot.Event{Kind: bot.EventAlert, Platform: p.Name(), User: alertUser(a), At: req.Event.At, Alert: a}
	inc, err := s.open(ctx, &areq, s.alertDeclaration(a, rule))
	if err != nil {
		s.retryOpen(a, err)
		return err
	}
	if err := s.store.BindAlert(ctx, a.Source, a.DedupKey, inc.ID); err != nil {
		return err
	}
	if err := s.recordAlert(ctx, &areq, inc, a); err != nil {
		return err
	}
	return s.drain(ctx, &areq, inc, a)
}

// openRetry is how long after a failed attempt (the platform refused or
// paced the channel) an alert tries again to open its incident.
const openRetry = 30 * time.Second

// retryOpen keeps an alert whose incident could not be opened: it waits
// in the queue the next opener drains (Redis, so any replica's next
// notification of the problem finds it), the claim is released, and this
// replica tries again shortly (on the service's background work, not once
// it is closed), as Alertmanager would only at its next group interval. No alert is lost to a busy platform.
func (s *Service) retryOpen(a *bot.Alert, cause error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.store.QueueAlert(ctx, *a); err != nil {
		s.log.Error("alert lost: cannot queue it after a failed open", zap.String("source", a.Source),
			zap.String("dedup_key", a.DedupKey), zap.NamedError("cause", cause), zap.Error(err))
	}
	_ = s.store.ReleaseAlert(ctx, a.Source, a.DedupKey)
	s.goBackground("retry alert", func(life context.Context) {
		t := time.NewTimer(openRetry)
		defer t.Stop()
		select {
		case <-life.Done(): // closed: the queued alert waits for the next notification
			return
		case <-t.C:
		}
		if err := s.events.Dispatch(bot.Event{Kind: bot.EventAlert, Alert: a}); err != nil {
			s.log.Warn("retry opening an alert's incident", zap.String("source", a.Source), zap.Error(err))
		}
	})
}

// waitFor records a notification whose incident another delivery is
// opening: on that incident once it exists, else in the queue its opener
// drains. Checking again after queueing closes the race with an opener
// that finished in between.
func (s *Service) waitFor(ctx context.Context, req *bot.Request, a *bot.Alert, current int64) error {
	if current == 0 {
		if err := s.store.QueueAlert(ctx, *a); err != nil {
			return err
		}
		id, err := s.store.AlertIncident(ctx, a.Source, a.DedupKey)
		if err != nil || id == 0 {
			return err
		}
		current = id
	}
	inc, err := s.store.Get(ctx, current)
	if err != nil {
		return err
	}
	return s.onIncident(ctx, req, inc, a)
}

// drain records the notifications that queued while inc was being opened.
func (s *Service) drain(ctx context.Context, req *bot.Request, inc *bot.Incident, a *bot.Alert) error {
	queued, err := s.store.DrainAlerts(ctx, a.Source, a.DedupKey)
	for i := range queued {
		if rerr := s.recordAlert(ctx, req, inc, &queued[i]); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}
	return err
}

func (s *Service) alertDeclaration(a *bot.Alert, rule AlertRule) declaration {
	d := declaration{Title: a.Title, Description: a.Description, Priority: a.Priority, Alert: a,
		Announce: rule.Announce, Runbook: rule.Runbook, Private: s.opts.PrivateChannels}
	if rule.Priority.Valid() {
		d.Priority = rule.Priority
	}
	if !d.Priority.Valid() {
		d.Priority = bot.P3
	}
	if d.Title == "" {
		d.Title = a.Source + " " + a.DedupKey
	}
	if len([]rune(d.Title)) > maxTitle {
		d.Title = string([]rune(d.Title)[:maxTitle])
	}
	for _, id := range rule.Responders {
		d.Responders = append(d.Responders, bot.User{ID: id})
	}
	return d
}

// alertPlatform is where a rule opens incidents.
func (s *Service) alertPlatform(rule AlertRule) (bot.Platform, error) {
	name := rule.Platform
	if name == "" {
		name = s.opts.AlertPlatform
	}
	if p, ok := s.platforms.Platform(name); ok {
		return p, nil
	}
	return nil, fmt.Errorf("alert rule %q: no chat platform %q to open incidents on", rule.Name, name)
}

// onIncident applies a notification to the incident bound to its key.
func (s *Service) onIncident(ctx context.Context, req *bot.Request, inc *bot.Incident, a *bot.Alert) error {
	areq, err := s.alertRequest(req, inc, a)
	if err != nil {
		return err
	}
	if a.Status == bot.AlertFiring && inc.Status == bot.StatusResolved {
		return s.reopenForAlert(ctx, areq, inc, a)
	}
	return s.recordAlert(ctx, areq, inc, a)
}

// onIncidentBatch applies notifications of one key to its open incident:
// firing ones, and perhaps a recovery last (see alertRun), as onIncident
// would one at a time, with their items recorded in one step. errs[i] is
// reqs[i]'s outcome.
func (s *Service) onIncidentBatch(ctx context.Context, reqs []*bot.Request, inc *bot.Incident) []error {
	errs := make([]error, len(reqs))
	areqs := make([]*bot.Request, len(reqs))
	batch := make([][]store.AlertState, len(reqs))
	for i, req := range reqs {
		a := req.Event.Alert
		if areqs[i], errs[i] = s.alertRequest(req, inc, a); errs[i] != nil {
			return fill(errs, errs[i])
		}
		batch[i] = s.alertStates(a)
	}
	changed, err := s.store.RecordAlertBatch(ctx, inc.ID, batch)
	if err != nil {
		return fill(errs, err)
	}
	for i, areq := range areqs {
		if len(changed[i]) > 0 && areq.Event.Alert.Status == bot.AlertResolved && inc.Status.Open() {
			errs[i] = s.recovered(ctx, areq, inc, areq.Event.Alert)
		}
	}
	return errs
}

// fill sets every outcome to err.
func fill(errs []error, err error) []error {
	for i := range errs {
		errs[i] = err
	}
	return errs
}

// alertRequest is req as the alert's own event on inc's platform.
func (s *Service) alertRequest(req *bot.Request, inc *bot.Incident, a *bot.Alert) (*bot.Request, error) {
	p, ok := s.platforms.Platform(inc.Platform)
	if !ok {
		return nil, fmt.Errorf("incident %s is on platform %q, which is not running", inc.Key(), inc.Platform)
	}
	areq := *req
	areq.Platform = p
	areq.Event = &bot.Event{Kind: bot.EventAlert, Platform: p.Name(), User: alertUser(a), At: req.Event.At, Alert: a}
	return &areq, nil
}

// reopenForAlert turns a flapping problem back into its open incident.
func (s *Service) reopenForAlert(ctx context.Context, req *bot.Request, inc *bot.Incident, a *bot.Alert) error {
	req.Incident = inc
	text := req.T("alert.refired", "source", alertUser(a).Name)
	if err := s.transition(ctx, req, bot.StatusInvestigating, text, func(i *bot.Incident) {
		i.ResolvedAt, i.ClosedAt = time.Time{}, time.Time{}
	}); err != nil && bot.CodeOf(err) != bot.CodeSameStatus {
		return err
	}
	return s.recordAlert(ctx, req, req.Incident, a)
}

// recordAlert writes the alert items whose status changed to the timeline
// (nothing for a notification repeated unchanged) and, when the whole group
// recovered, says so in the channel with a Resolve button, or resolves the
// incident when AutoResolve is on.
func (s *Service) recordAlert(ctx context.Context, req *bot.Request, inc *bot.Incident, a *bot.Alert) error {
	changed, err := s.store.RecordAlerts(ctx, inc.ID, s.alertStates(a))
	if err != nil || len(changed) == 0 {
		return err
	}
	if a.Status == bot.AlertResolved && inc.Status.Open() {
		return s.recovered(ctx, req, inc, a)
	}
	return nil
}

// alertStates are a notification's items as the store records them, in
// the order of their fingerprints.
func (s *Service) alertStates(a *bot.Alert) []store.AlertState {
	var states []store.AlertState
	for _, it := range alertItems(a) {
		e := bot.TimelineEntry{At: s.opts.Now(), Kind: bot.KindAlert, Author: alertUser(a), Text: it.Summary,
			Data: map[string]string{"status": string(it.Status), "fingerprint": it.Fingerprint, "source": a.Source}}
		if it.URL != "" {
			e.Data["url"] = it.URL
		}
		states = append(states, store.AlertState{Fingerprint: it.Fingerprint, Status: string(it.Status), Entry: e})
	}
	sort.SliceStable(states, func(i, j int) bool { return states[i].Fingerprint < states[j].Fingerprint })
	return states
}

// alertItems are a notification's items; a source that sent none counts as
// one item keyed by the dedup key.
func alertItems(a *bot.Alert) []bot.AlertItem {
	if len(a.Items) > 0 {
		return a.Items
	}
	return []bot.AlertItem{{Fingerprint: a.DedupKey, Status: a.Status, Summary: a.Title}}
}

// recovered tells the channel the alerts stopped firing.
func (s *Service) recovered(ctx context.Context, req *bot.Request, inc *bot.Incident, a *bot.Alert) error {
	source := alertUser(a).Name
	if s.opts.AutoResolve {
		req.Incident = inc
		err := s.transition(ctx, req, bot.StatusResolved, req.T("alert.auto_resolved", "source", source), func(i *bot.Incident) {
			i.ResolvedAt = s.opts.Now()
		})
		if bot.CodeOf(err) == bot.CodeBadTransition || bot.CodeOf(err) == bot.CodeSameStatus {
			return nil
		}
		return err
	}
	msg := bot.Message{
		Text:    req.T("alert.looks_resolved", "id", inc.Key(), "source", source),
		Buttons: []bot.Button{{Label: req.T("button.resolve"), Command: "resolve", Args: inc.Key(), Style: bot.StylePrimary}},
	}
	s.postQuiet(ctx, req.Platform, inc.Channel.ID, msg)
	return nil
}

// alertSummary is a one-line description of labels for the card.
func alertSummary(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+labels[k])
	}
	out := strings.Join(parts, ", ")
	if len(out) > 500 {
		out = out[:500] + "…"
	}
	return out
}
