// Package github connects Warroom's follow-ups to GitHub Issues, in both
// directions.
//
// Outbound, Client implements bot.Tracker on the REST API: POST
// {api}/repos/{owner}/{repo}/issues with a bearer token (a fine-grained
// token with the repository's Issues write permission, or a classic PAT
// with the repo scope), the follow-up's text as the title, a Markdown body
// in which everything people typed is escaped (markdown.go: no markup, no
// HTML, no @mention that notifies, no #123 reference), and the labels
// "warroom" and the incident's key. The API base is configurable for
// GitHub Enterprise Server ("https://ghe.example.com/api/v3"). A 429, a
// 403 that is a rate limit (x-ratelimit-remaining: 0 or Retry-After) and a
// 5xx are retried after the wait GitHub asks for or a backoff; 401, other
// 403s, 404, 410 and 422 are final, with a reason people may read.
//
// Inbound, Webhook serves a repository webhook at POST
// /integrations/github: it checks X-Hub-Signature-256 ("sha256=<hex>",
// HMAC-SHA256 of the raw body under the webhook's secret, PROTOCOLS-2 §6)
// in constant time, answers ping, and turns an "issues" event closing
// (as completed) or reopening an issue into the hidden command
// "tracked <owner/repo#n> done|reopen" for the router, named by
// X-GitHub-Delivery so that a redelivery is dropped. An issue closed as
// "not planned" (or as a duplicate) is ignored: nothing was done, so the
// follow-up stays open in Warroom.
//
// Nothing here logs or returns the token or the webhook secret.
package github
