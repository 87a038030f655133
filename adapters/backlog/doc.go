// Package backlog connects Warroom's follow-ups to Backlog (Nulab), in
// both directions.
//
// Outbound, Client implements bot.Tracker on Backlog's API v2: POST
// {space}/api/v2/issues?apiKey=… with a form-encoded body (projectId,
// summary, issueTypeId, priorityId, description; PROTOCOLS-2 §7), the
// follow-up's text as the summary and a description in which everything
// people typed is escaped (text.go). The apiKey is a secret carried in the
// URL's query, so no URL is ever logged or returned in an error
// (outbound.WithoutURL). A 429 and a 5xx are retried after Retry-After or
// a backoff; other 4xx answers are final, with Backlog's own message.
//
// Inbound, Webhook serves POST /integrations/backlog?token=…. Backlog
// signs nothing (PROTOCOLS-2 §7: its webhooks are unauthenticated), so
// the URL carries an unguessable token, compared in constant time, and
// the delivery is only a hint: for an "issue updated" activity (type 2)
// the issue is read again through the API, and only what the API says
// moves the follow-up, through the hidden command "tracked <KEY>
// done|reopen". A forged delivery with the token can thus at most make
// Warroom re-read an issue. A status of id 4 or named "完了"/"Closed" is
// done (UNCONFIRMED: 4 is Backlog's default Closed status, a project may
// rename or add statuses).
//
// Nothing here logs or returns the API key or the webhook token.
package backlog
