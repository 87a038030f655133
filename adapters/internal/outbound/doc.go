// Package outbound holds what the chat adapters' calls to their platforms
// share: what a setting left zero means (the HTTP client and its timeout,
// the retry count and backoff, the clock, the sleep between attempts, the
// logger), a sleep that ends with its context, errors that do not name the
// URL they were sent to, and the Snapshot both keep of their member list.
//
// It holds no retry loop, because the two adapters do not retry alike.
// Slack's Web API calls retry inside slack-go: 429 after Retry-After (at
// least a second, plus up to a second of jitter), every 5xx, and the
// connection errors slack-go recognises, with a backoff that starts at
// Backoff, doubles up to twenty times it and adds up to 50 ms. Teams' calls
// to the Bot Connector and Graph retry in the adapter's own caller: 429,
// 412, 502, 503 and 504 (never 500), any transport error and a failed
// token fetch, after Retry-After (capped at a minute) or a backoff that
// doubles from Backoff with half of it jittered, pacing and fetching the
// token again before each attempt. What they share is here: the settings
// and their defaults.
package outbound
