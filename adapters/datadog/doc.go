// Package datadog receives Datadog's webhooks integration on POST
// /alerts/datadog and hands each notification to the router as one
// bot.Event of kind bot.EventAlert. The adapter only verifies, parses and
// dispatches.
//
// # Payload
//
// Datadog's default body is not documented field by field (UNCONFIRMED),
// so Warroom reads the custom Payload template below, which the operator
// pastes into the webhook's Payload field (Encode as form off). Datadog
// replaces each $VARIABLE before sending:
//
//	{
//	  "aggreg_key": "$AGGREG_KEY",
//	  "alert_cycle_key": "$ALERT_CYCLE_KEY",
//	  "alert_id": "$ALERT_ID",
//	  "transition": "$ALERT_TRANSITION",
//	  "alert_type": "$ALERT_TYPE",
//	  "priority": "$ALERT_PRIORITY",
//	  "title": "$ALERT_TITLE",
//	  "message": "$TEXT_ONLY_MSG",
//	  "link": "$LINK",
//	  "tags": "$TAGS",
//	  "hostname": "$HOSTNAME",
//	  "date": "$DATE_POSIX",
//	  "org_id": "$ORG_ID"
//	}
//
// Only "title" is required; unknown fields are ignored, so a template may
// carry more. A variable Datadog left as written ("$HOSTNAME" for an alert
// without a host) counts as absent. "message" may be $EVENT_MSG instead
// (it keeps Datadog's Markdown).
//
// # Authentication
//
// Datadog does not sign webhooks. The webhook's Custom Headers carry the
// token, {"Authorization": "Bearer <WARROOM_DATADOG_TOKEN>"}, compared in
// constant time; anything else is answered 401.
//
// # Mapping
//
//	Source       "datadog"
//	DedupKey     aggreg_key (one per monitor and group, so a problem that
//	             fires again reopens its incident within the flap
//	             window), else alert_cycle_key, else "monitor-<alert_id>"
//	             with the hostname; stability of $AGGREG_KEY across
//	             cycles is UNCONFIRMED
//	Status       resolved when transition is "Recovered" (or, without a
//	             transition, alert_type is "success"), else firing;
//	             the transition values are UNCONFIRMED against Datadog's
//	             own page ("Triggered", "Re-Triggered", "Warn", "No Data",
//	             "Renotify" and "Recovered" seen in integrations)
//	Priority     priority P1..P4 as is, P5 as P4; without one, alert_type
//	             "error" is P2 and "warning" P3, anything else none (the
//	             rules' default, P3)
//	Title        title, on one line, at most 200 characters, without the
//	             bracketed priority and transition prefixes of event
//	             titles ("[P2] [Triggered on {host:web-1}] "), which
//	             change with every notification
//	Description  message
//	Labels       tags split on commas, "key:value" as key=value and a bare
//	             tag as tag=""; hostname as host; alert_id as monitor_id
//	Links        link ("Datadog"), when it is an http or https URL
//	StartsAt     date, epoch seconds or milliseconds (which one
//	             $DATE_POSIX gives is UNCONFIRMED; values above 10^11 are
//	             read as milliseconds)
//
// Items holds one item whose fingerprint is the dedup key.
package datadog
