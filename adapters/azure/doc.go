// Package azure receives Azure Monitor alerts from an action group's
// webhook, in the common alert schema, on POST /alerts/azure and hands
// each one to the router as a bot.Event of kind bot.EventAlert. The
// adapter only verifies, parses and dispatches.
//
// # Setup
//
// In the action group, add a Webhook action with the URI
// https://<warroom>/alerts/azure?token=<alerts.azure.token> and "Enable
// the common alert schema" set to Yes. Only that schema is read (schemaId
// "azureMonitorCommonAlertSchema"); any other payload is refused 400 with
// a message saying so.
//
// # Authentication
//
// A plain webhook cannot send headers or sign its body, so the secret is
// the URL's token query parameter, compared in constant time before the
// body is read; a missing or wrong one is answered 401. Warroom logs
// request paths only, never the query. Keep the token URL-safe (config
// refuses anything but letters, digits and -._~), since Azure sends the
// URI as entered.
//
// The "secure webhook" (an Entra ID bearer token whose audience is the
// registered application's Application ID URI) is not implemented: the
// issuer to check and the Action Group service principal's app ID are
// UNCONFIRMED. A secure webhook's deliveries carry no token parameter and
// are refused 401. It is future work.
//
// # Mapping
//
//	DedupKey    essentials.alertId (the alert instance; its Resolved
//	            notification carries the same one)
//	Status      monitorCondition: Fired → firing, Resolved → resolved
//	Title       alertRule
//	Description description
//	Priority    severity: Sev0 → P1, Sev1 → P2, Sev2 → P3, Sev3 and Sev4
//	            → P4 (Sev0 is Azure's highest); any other value gives no
//	            priority (routing rules or P3 decide)
//	StartsAt    firedDateTime; the item's EndsAt is resolvedDateTime
//	Labels      alert_rule, severity, signal_type, monitoring_service,
//	            target_ids and configuration_items (comma-joined),
//	            subscription_id and resource_group (of the first target),
//	            and customProperties (metric alerts only), which never
//	            replace the others
//	Links       the log search results' UI links of log search alerts
//	            (alertContext.condition.allOf[].linkToFilteredSearchResultsUI
//	            or linkToSearchResultsUI), titled "Logs"
//
// Azure retries a delivery it considers failed (408, 429, 503, 504 and
// network errors; the counts and delays are not stable in its
// documentation); the handlers' de-duplication on the alertId and status
// makes a retry change nothing.
package azure
