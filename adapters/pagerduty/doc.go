// Package pagerduty connects Warroom to PagerDuty, in both directions.
//
// Outbound, Client implements bot.Pager on the Events API v2
// (POST {base}/v2/enqueue): a trigger when an incident of a paging
// priority is declared or raised to one, an acknowledge when it is
// acknowledged in Warroom, a resolve when it is resolved, closed or
// declined, all under one dedup key per incident (bot.PageKey), so a
// retried or repeated event changes the one alert PagerDuty has. A 429
// (PagerDuty's ~120 events a minute per integration key) and a 5xx are
// retried after Retry-After or a backoff (30 s by default, as PagerDuty
// suggests); a 400 is an invalid event and is not retried.
//
// Inbound, Webhook serves the Webhooks v3 subscription at
// POST /integrations/pagerduty: it checks X-PagerDuty-Signature (any
// v1=<hex> HMAC-SHA256 of the raw body under the subscription's secret),
// and turns incident.acknowledged and incident.resolved of a page Warroom
// triggered into a hidden "paged" command for the router, so that the
// handlers' audience and lifecycle rules apply to it as to any command.
//
// Nothing here logs or returns the routing key or the webhook secret.
package pagerduty
