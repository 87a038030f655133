// Package alertmanager receives Prometheus Alertmanager's webhook
// notifications (payload version 4) on POST /alerts/alertmanager and hands
// each one to the router as a bot.Event of kind bot.EventAlert. It only
// verifies, parses and dispatches: whether a notification opens, updates or
// resolves an incident is the handlers' decision.
//
// # Authentication
//
// Alertmanager does not sign bodies, but its http_config can send a bearer
// token (authorization: {credentials: ...}); Options.Token is that token and
// is required. A missing or wrong token is answered 401 before the body is
// read.
//
// # Mapping
//
// One notification is one alert group, so by default it becomes one
// bot.Alert (Options.PerAlert makes one per alert instead):
//
//	bot.Alert      from the payload
//	Source         "alertmanager"
//	DedupKey       groupKey; with PerAlert the alert's fingerprint
//	Status         top-level status (firing while any alert fires)
//	Title          commonAnnotations.summary, else the alertname followed by
//	               the other groupLabels' values, sorted by label name, in
//	               brackets: "HighErrorRate [prod checkout]"
//	Description    commonAnnotations.description
//	Priority       from the severity label (see Severity); the most urgent
//	               one when the alerts disagree
//	Labels         commonLabels (with PerAlert: the alert's labels)
//	Annotations    commonAnnotations, plus "truncated_alerts" = N when
//	               Alertmanager's max_alerts left N alerts out
//	Links          each alert's generatorURL ("Source") and runbook_url
//	               annotation ("Runbook"), then externalURL ("Alertmanager");
//	               http(s) only, deduplicated, at most 10
//	StartsAt       the earliest startsAt
//	Items          one per alert: its fingerprint (or, when the payload has
//	               none, a hash of its sorted labels), status, a one-line
//	               summary (its summary annotation, else the alertname and up
//	               to three labels that tell it apart, such as instance or
//	               job), labels, startsAt, endsAt (zero while firing:
//	               Alertmanager sends 0001-01-01) and generatorURL
//
// Times are converted to UTC. A payload with another version, no alerts, a
// status other than firing or resolved, no groupKey (unless PerAlert) or
// malformed JSON is refused with 400 and a message that names the problem
// without repeating the payload; Alertmanager does not retry a 4xx. A full
// router is answered 503, which Alertmanager retries; the handlers
// de-duplicate on (source, DedupKey) and on item fingerprints, so a
// repeated delivery changes nothing.
//
// Mapping, Message and Decode are exported because Grafana's unified
// alerting sends the same shape with a few more fields; package grafana
// reuses them.
package alertmanager
