// Package sentry receives Sentry's integration-platform webhooks on POST
// /alerts/sentry and hands the alerts among them to the router as
// bot.Events of kind bot.EventAlert. The adapter only verifies, parses and
// dispatches.
//
// # Setup
//
// In Sentry, create an internal integration (Settings → Developer
// Settings), set its webhook URL to https://<warroom>/alerts/sentry, turn
// on "Alert Rule Action", and give Warroom its Client Secret
// (alerts.sentry.client_secret). Then add the integration as an action of
// the issue-alert and metric-alert rules that should open incidents: only
// integrations enabled as alert rule actions receive those webhooks.
// Subscribing the integration to "issue" webhooks as well opens an
// incident for every new issue and resolves it when the issue is resolved.
//
// # Authentication
//
// Sentry-Hook-Signature is the hex HMAC-SHA256 of the body under the
// Client Secret, checked in constant time over the raw bytes received;
// a missing or wrong signature is answered 401. UNCONFIRMED: Sentry's own
// documentation only calls the header "a cryptographic hash"; the HMAC
// form comes from a third-party description, and whether Sentry signs the
// body exactly as sent (rather than a re-serialisation) is not stated.
//
// Sentry-Hook-Timestamp is not checked: its format is not documented and
// it is not covered by the signature, so a replayed delivery could carry
// any timestamp and checking it would bound nothing. A replay changes
// nothing either: the handlers de-duplicate on the alert's key.
//
// # Resources
//
// Sentry-Hook-Resource says what the delivery is:
//
//	metric_alert  action critical or warning → firing, resolved → resolved
//	              ("triggered" is taken as firing too)
//	event_alert   action triggered → firing (issue alerts never resolve)
//	issue         action created → firing, resolved → resolved
//	anything else installation, error, comment, activity_alert, and the
//	              other issue actions (assigned, ignored, …): answered 200
//	              {"status":"ignored","alerts":0}, no incident
//
// # Mapping
//
//	DedupKey    metric alerts: "metric_alert:<alert_rule.id>";
//	            issue alerts and issues: "issue:<issue id>", so an issue
//	            webhook's "resolved" resolves the incident an issue alert
//	            opened
//	Title       the alert rule's name (metric alerts, stable across
//	            critical, warning and resolved), the event's or issue's
//	            title
//	Description description_text (metric alerts); the rule that fired
//	            and the culprit (issue alerts); the culprit (issues)
//	Priority    metric alerts: critical → P2, warning → P3; issue alerts
//	            and issues by level: fatal, error → P2, anything else
//	            (warning, info, debug, none) → P3. Routing rules may
//	            override it (match.source: sentry).
//	Labels      project (slug; issue alerts carry only project_id), level,
//	            rule, short_id, environment, release, as present
//	Links       web_url, titled "Sentry"
//
// UNCONFIRMED: the key names triggered_rule and issue_alert of issue
// alerts are inferred from Sentry's attribute list, and the fields of the
// issue resource (data.issue: id, shortId, title, level, culprit,
// web_url, project.slug) are not described by the documentation Warroom
// was checked against. A missing field is left out, never refused.
package sentry
