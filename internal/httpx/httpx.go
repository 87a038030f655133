// Package httpx holds what every HTTP endpoint of Warroom answers the same
// way: JSON bodies, the one error shape
// {"error": {"code": "...", "message": "..."}}, the body limit and the
// panic recoverer.
package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"go.uber.org/zap"
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

// Error refuses an HTTP request with a status and a machine-readable code.
// Its message is shown to the caller: it holds no secret and no request
// content. Every adapter's refusals are *Error.
type Error struct {
	Status int
	Code   string
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

// HTTPStatus is the status to answer with.
func (e *Error) HTTPStatus() int { return e.Status }

// ErrorCode is the code of the JSON error body.
func (e *Error) ErrorCode() string { return e.Code }

// StatusError is what WriteErr answers as it says; *Error is one.
type StatusError interface {
	error
	HTTPStatus() int
	ErrorCode() string
}

// WriteErr answers err: a StatusError in its chain with its status, code
// and message, anything else as a 500 that says nothing of the cause (the
// caller logs it).
func WriteErr(w http.ResponseWriter, err error) {
	var se StatusError
	if errors.As(err, &se) {
		WriteError(w, se.HTTPStatus(), se.ErrorCode(), se.Error())
		return
	}
	WriteError(w, http.StatusInternalServerError, "internal", "internal error")
}

// ErrTooLarge refuses a body over LimitBody's cap that reached a handler
// (one not refused before it ran).
var ErrTooLarge = &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Msg: "request body is too large"}

// ReadBody reads r's whole body, which LimitBody caps. A body over the cap
// is ErrTooLarge; any other failure to read it (a sender that hung up) is
// malformed, the caller's own 400, so that each endpoint keeps its words.
func ReadBody(r *http.Request, malformed error) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, ErrTooLarge
		}
		return nil, malformed
	}
	return b, nil
}

// LimitBody refuses bodies over max bytes with 413 before next runs: at
// once when Content-Length says so, else (chunked) by reading at most max
// bytes first.
func LimitBody(next http.Handler, max int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tooLarge := func() {
			WriteError(w, http.StatusRequestEntityTooLarge, "too_large", "request body is larger than "+sizeText(max))
		}
		if r.ContentLength > max {
			tooLarge()
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		if r.ContentLength < 0 {
			b, err := io.ReadAll(r.Body)
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				tooLarge()
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		next.ServeHTTP(w, r)
	})
}

// sizeText names n bytes as people read them: "1 MiB", or "4096 bytes".
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// Recover turns a panic in next into a logged 500 with a JSON body, except
// http.ErrAbortHandler, which net/http expects to see.
func Recover(next http.Handler, log *zap.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("http handler panicked", zap.Any("panic", p), zap.String("path", r.URL.Path))
				WriteError(w, http.StatusInternalServerError, "internal", "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}
