// Package httpx holds what every HTTP endpoint of Warroom answers the same
// way: JSON bodies, the one error shape
// {"error": {"code": "...", "message": "..."}}, the body limit and the
// panic recoverer.
package httpx

import (
	"encoding/json"
	"net/http"
)

// RetryAfter is sent with every 503, in seconds.
const RetryAfter = "5"

// WriteError answers every HTTP error of Warroom the same way:
// {"error": {"code": "...", "message": "..."}} with the status, plus
// WWW-Authenticate on 401 and Retry-After on 503. message is shown to
// clients and must hold no internal detail or secret.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", "Bearer")
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", RetryAfter)
	}
	type body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	WriteJSON(w, status, struct {
		Error body `json:"error"`
	}{body{Code: code, Message: message}})
}

// WriteJSON encodes v before writing anything, so an encoding failure can
// still become a clean 500. (net/http drops the body of a HEAD response.)
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
