// Package webhook receives Warroom's own small alert format on POST
// /alerts/webhook, for everything that has no adapter of its own: an uptime
// checker, a cron job, curl (Datadog and Mackerel have adapters of their
// own). Each request is one alert; it becomes one bot.Event of kind
// bot.EventAlert. The adapter only verifies, parses and dispatches.
//
// # Format
//
//	{
//	  "title":       "Disk full on db-1",              required, at most 200 characters
//	  "dedup_key":   "disk-full/db-1",                 required, at most 200 printable characters
//	  "status":      "firing",                         "firing" (default) or "resolved"
//	  "priority":    "P2",                             optional: P1..P4, sev1..sev4, 1..4, critical, high, medium, low
//	  "description": "/var is 98% full.",              optional
//	  "links":       [{"title": "Graph", "url": "https://grafana.example.com/d/disk"}],
//	                                                   optional, at most 10, http or https only
//	  "labels":      {"service": "db", "env": "prod"}  optional, at most 50; routing rules match on them
//	}
//
// One dedup_key is one problem: send the same key again to update it, and
// with "status": "resolved" to record its recovery. Any other field is
// refused, so a misspelt one is noticed instead of silently ignored. Every
// problem is reported at once in the 400 answer's message.
//
// # Authentication
//
// Either credential is enough (New needs at least one):
//   - "Authorization: Bearer <token>" (Options.Token);
//   - "X-Warroom-Signature: sha256=<hex>", the HMAC-SHA256 of the body
//     under Options.Secret (bare hex is accepted too). A signature has no
//     timestamp, so a captured request can be replayed; the handlers'
//     de-duplication on dedup_key makes a replay change nothing.
//
// For example:
//
//	curl -sS https://warroom.example.com/alerts/webhook \
//	  -H "Authorization: Bearer $WARROOM_WEBHOOK_TOKEN" \
//	  -H 'Content-Type: application/json' \
//	  -d '{"title": "Disk full on db-1", "dedup_key": "disk-full/db-1", "priority": "P2"}'
//
//	body='{"title": "Backup failed", "dedup_key": "backup/nightly"}'
//	sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.* //')
//	curl -sS https://warroom.example.com/alerts/webhook \
//	  -H "X-Warroom-Signature: sha256=$sig" -d "$body"
//
// # Mapping
//
// Source is "webhook"; DedupKey, Status, Title, Description, Priority,
// Labels and Links are the fields of the same names; StartsAt stays zero
// (the format carries no time: the event's At is when it arrived); Items
// holds one item whose fingerprint is the dedup_key, whose summary is the
// title and whose URL is the first link's. A link without a title is
// titled with its host.
package webhook
