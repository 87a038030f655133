// Package jira connects Warroom's follow-ups to Jira Cloud, in both
// directions.
//
// Outbound, Client implements bot.Tracker on REST v3: POST
// {site}/rest/api/3/issue with basic auth (an Atlassian account's email
// and API token), the project key, the issue type, the follow-up's text
// as the summary, a description in Atlassian Document Format built as
// JSON values (adf.go: people's text is only ever a text node's "text",
// so it cannot add nodes, marks or links) and the labels "warroom" and the
// incident's key. A 429 or a 5xx is retried after Retry-After or a
// backoff; a 400 (Jira's field errors), 401, 403 and 404 are final.
//
// Inbound, Webhook serves a Jira admin webhook at POST /integrations/jira:
// it checks X-Hub-Signature ("sha256=<hex>", HMAC-SHA256 of the raw body
// under the webhook's secret, PROTOCOLS-2 §5) in constant time, and turns
// a jira:issue_updated whose status changed into the hidden command
// "tracked <KEY> done|reopen" for the router; the handlers find the
// follow-up filed as that issue, if any, and move it as `followup done`
// and `followup reopen` do.
//
// Nothing here logs or returns the API token or the webhook secret.
package jira
