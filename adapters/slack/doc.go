// Package slack connects Warroom to one Slack workspace, in both
// directions, over either of Slack's transports: the HTTP Events API, slash
// commands and interactivity endpoints (verified with the signing secret),
// or Socket Mode (an app-level token, no public URL). Both hand the same
// parsed payloads to one code path that turns them into bot.Events and
// acknowledges Slack at once; the slow work happens on the router's
// workers.
//
// Outbound, Adapter implements bot.Platform on the Web API through
// slack-go: Block Kit rendering in render.go, per-method rate limits and
// retries of 429s, 5xx and connection errors in client.go.
package slack
