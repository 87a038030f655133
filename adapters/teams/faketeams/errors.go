package faketeams

import (
	"strings"
	"time"
)

// connectorError is a Bot Connector error answer, shaped
// {"error":{"code":...,"message":...}} with the codes and messages of
// msteams-docs "Status codes from bot conversational APIs".
func connectorError(status int, code, msg string) answer {
	return answer{status: status, code: code, body: map[string]any{
		"error": map[string]any{"code": code, "message": msg},
	}}
}

// graphError is a Microsoft Graph error answer.
func graphError(status int, code, msg string) answer {
	id := newGUID()
	return answer{status: status, code: code, body: map[string]any{
		"error": map[string]any{
			"code":    code,
			"message": msg,
			"innerError": map[string]any{
				"date":              time.Now().UTC().Format("2006-01-02T15:04:05"),
				"request-id":        id,
				"client-request-id": id,
			},
		},
	}}
}

// faultAnswer is the answer to a call hit by an injected fault.
func faultAnswer(f *fault, route string) answer {
	var a answer
	switch {
	case strings.HasPrefix(route, "graph"):
		code := map[int]string{400: "BadRequest", 403: "Forbidden", 404: "NotFound", 409: "Conflict", 412: "PreconditionFailed",
			429: "TooManyRequests", 500: "InternalServerError", 502: "BadGateway", 503: "ServiceNotAvailable", 504: "GatewayTimeout"}[f.status]
		if code == "" {
			code = "UnknownError"
		}
		a = graphError(f.status, code, "Injected by faketeams.")
	case route == "login":
		a = aadError(f.status, "temporarily_unavailable", 90033, "A transient error has occurred. Please try again.")
	default:
		switch f.status {
		case 400:
			a = connectorError(400, "BadArgument", "Injected by faketeams.")
		case 403:
			a = connectorError(403, "BotNotInConversationRoster", "The bot isn't part of the conversation roster.")
		case 404:
			a = connectorError(404, "ConversationNotFound", "Conversation not found.")
		case 412:
			a = connectorError(412, "PreconditionFailed", "Precondition failed, please try again.")
		case 413:
			a = connectorError(413, "MessageSizeTooBig", "Message size too large.")
		case 429:
			a = connectorError(429, "Throttled", "Too many requests.")
		case 500, 502:
			a = connectorError(f.status, "ServiceError", "Injected by faketeams.")
		default: // 503 and 504 come from the gateway, without a body
			a = answer{status: f.status, code: ""}
		}
	}
	a.retryAfter = f.retryAfter
	return a
}
