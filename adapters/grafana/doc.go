// Package grafana receives Grafana unified alerting's webhook contact point
// notifications (payload version "1") on POST /alerts/grafana and hands each
// one to the router as a bot.Event of kind bot.EventAlert. Grafana's payload
// is Alertmanager's with more fields, so the mapping is package
// alertmanager's Mapping; this package adds only what Grafana sends on top.
//
// # Authentication
//
// Either credential is enough:
//   - a bearer token (Options.Token): the contact point's "Authorization
//     Header - Credentials", scheme Bearer;
//   - an HMAC signature (Options.Secret): the contact point's "HMAC
//     Signature" settings (Grafana 12+). Grafana signs the body, hex
//     HMAC-SHA256 with no prefix, in the header X-Grafana-Alerting-Signature
//     (name it so; X-Grafana-Alert-Signature, what Grafana uses when the
//     header field is left blank, is read too). When the contact point
//     also names the timestamp header X-Grafana-Alerting-Signature-Timestamp,
//     Grafana signs "<unix seconds>:<body>" and a timestamp more than five
//     minutes from now is refused, which bounds replays.
//
// New needs at least one of the two. Anything else is answered 401.
//
// # Mapping
//
// As in package alertmanager (one bot.Alert per group), with these
// differences:
//
//	Source         "grafana"
//	DedupKey       groupKey; without one, "org=<orgId>:" and the group
//	               labels, sorted: org=1:{alertname="HighCPU", grafana_folder="Infra"}
//	Title          title without its status prefix ("[FIRING:2] ",
//	               "[RESOLVED] "), which changes with every notification;
//	               when nothing is left, or only Grafana's parenthesised
//	               common labels (its default title for an ungrouped
//	               policy), the Alertmanager-style title
//	Description    commonAnnotations.description, else message
//	Links          per alert: generatorURL ("Source"), runbook_url
//	               ("Runbook"), dashboardURL ("Dashboard"), panelURL
//	               ("Panel"); then externalURL ("Grafana")
//	Items          as Alertmanager's, with the query values appended to the
//	               summary, sorted by refID: "CPU above 90% [B=97.31, C=1]"
//	               (valueString when an old Grafana sends no values)
//
// silenceURL and imageURL are not linked: a card has room for few buttons,
// and silencing is done in Grafana. state ("alerting" or "ok") repeats
// status and is ignored.
package grafana
