package config

import "strings"

// Sentry enables POST /alerts/sentry for a Sentry integration's webhooks.
type Sentry struct {
	// ClientSecret is the integration's Client Secret, the HMAC key of
	// Sentry-Hook-Signature.
	ClientSecret Secret `yaml:"client_secret"`
}

// AzureMonitor enables POST /alerts/azure for action-group webhooks in
// the common alert schema.
type AzureMonitor struct {
	// Token is the secret of the webhook URI's token query parameter.
	Token Secret `yaml:"token"`
}

// minAzureToken is the shortest token accepted: it is the only secret of
// a URL that anyone may try.
const minAzureToken = 16

// checkSentryAzure checks the credentials of the Sentry and Azure Monitor
// sources, never quoting them.
func (l *loader) checkSentryAzure(a *Alerts) {
	if s := a.Sentry.ClientSecret.Reveal(); hasSpace(s) {
		l.add("alerts.sentry.client_secret", "must not contain white space (value not shown)")
	}
	t := a.Azure.Token.Reveal()
	switch {
	case t == "":
	case strings.Trim(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") != "":
		l.add("alerts.azure.token", "must be only letters, digits and -._~, as it is pasted into the webhook URI unencoded (value not shown)")
	case len(t) < minAzureToken:
		l.addf("alerts.azure.token", "must be at least %d characters: it is the only secret of a URL anyone may try (value not shown)", minAzureToken)
	}
}
