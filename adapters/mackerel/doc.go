// Package mackerel receives Mackerel's webhook notifications (a Webhook
// channel on the Channels page) on POST /alerts/mackerel and hands each one
// to the router as one bot.Event of kind bot.EventAlert. The adapter only
// verifies, parses and dispatches.
//
// # Authentication
//
// Mackerel's webhook page documents neither a signature nor custom
// headers (UNCONFIRMED beyond that page), so the channel's URL carries an
// unguessable token: https://warroom.example.com/alerts/mackerel?token=<WARROOM_MACKEREL_TOKEN>.
// It is compared in constant time; anything else is answered 401. The
// configuration requires at least 32 URL-safe characters (`openssl rand
// -hex 24`). Warroom logs request paths, never their query.
//
// # Mapping
//
// Mackerel may add fields at any time, so unknown fields are ignored.
//
//	Source       "mackerel"
//	DedupKey     alert.id
//	Status       resolved when alert.status is "ok" (UNCONFIRMED: the
//	             recovery value) or alert.isOpen is false (the alert was
//	             closed); firing otherwise (critical, warning, unknown)
//	Priority     critical P2, warning P3, anything else none (the rules'
//	             default, P3); a rule matching source mackerel and its
//	             labels overrides it, as for every source
//	Title        alert.monitorName, "on <host.name>" or "on <service>"
//	             appended: "CPU % on web-1"; without a monitor name, the
//	             type and host: "connectivity on web-1"
//	Description  message, else memo
//	Labels       type, monitor (alert.monitorName), host (host.name),
//	             service, role (the roles' fullnames, comma-separated),
//	             org (orgName)
//	Links        alert.url ("Mackerel"), host.url ("Host"), http or https
//	             only
//	StartsAt     alert.openedAt (epoch seconds), else alert.createdAt
//	             (epoch milliseconds)
//
// Items holds one item whose fingerprint is alert.id; its summary adds the
// metric to the title when Mackerel sends one ("CPU % on web-1: cpu% =
// 97.2 (critical > 90)"), and its end is alert.closedAt.
package mackerel
