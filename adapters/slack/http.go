package slack

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/internal/httpx"
)

var (
	errUnauthorized = &httpx.Error{Status: http.StatusUnauthorized, Code: "unauthorized", Msg: "request signature is missing, stale or wrong"}
	errForbidden    = &httpx.Error{Status: http.StatusForbidden, Code: "forbidden", Msg: "request from another Slack workspace"}
	errBadRequest   = &httpx.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: "malformed Slack request"}
	errNotEnabled   = &httpx.Error{Status: http.StatusNotFound, Code: "not_found", Msg: "Slack over HTTP is not configured (no signing secret)"}
	errBusy         = &httpx.Error{Status: http.StatusServiceUnavailable, Code: "busy", Msg: "Warroom is busy; Slack will retry"}
)

// body reads and verifies a request. The body is read once, whole (app
// caps it at 1 MiB), and checked against the signature before anything
// parses it. Commands and interactions are also refused when replayed
// within the signature's window, known by their verified MAC, so the same
// signature re-spelt in upper or mixed case is a replay too. Events need
// not be, as their event_id already makes a second delivery harmless (and
// Slack's own quick retries could share a signature).
func (a *Adapter) body(r *http.Request, guardReplay bool) ([]byte, error) {
	if a.opts.SigningSecret == "" {
		return nil, errNotEnabled
	}
	b, err := httpx.ReadBody(r, errBadRequest)
	if err != nil {
		return nil, err
	}
	mac, err := verify(r.Header, b, a.opts.SigningSecret, a.opts.Now())
	if err != nil {
		a.log.Warn("refused unverified request", zap.String("path", r.URL.Path), zap.String("check", err.Error()))
		return nil, errUnauthorized
	}
	if guardReplay && a.opts.Replays != nil {
		first, err := a.opts.Replays.MarkSeen(r.Context(), replayKey(mac), 2*maxSkew)
		if err != nil {
			// Without Redis the signature window still bounds replays.
			a.log.Warn("replay check unavailable", zap.Error(err))
		} else if !first {
			a.log.Warn("refused replayed request", zap.String("path", r.URL.Path))
			return nil, errUnauthorized
		}
	}
	return b, nil
}

func httpErr(err error) error {
	switch {
	case errors.Is(err, errForeignTeam):
		return errForbidden
	case err != nil:
		return errBadRequest
	}
	return nil
}

// Commands answers POST /slack/commands: the slash command is queued and
// acknowledged at once.
func (a *Adapter) Commands(w http.ResponseWriter, r *http.Request) error {
	form, err := a.form(r)
	if err != nil {
		return err
	}
	return a.serveCommand(w, r, form)
}

// Interactions answers POST /slack/interactions: button clicks, selects and
// modal submissions, acknowledged at once (with field errors for an
// invalid modal).
func (a *Adapter) Interactions(w http.ResponseWriter, r *http.Request) error {
	form, err := a.form(r)
	if err != nil {
		return err
	}
	return a.serveInteraction(w, r, form)
}

// Events answers POST /slack/events: url_verification, and event callbacks
// queued for the timeline. A retry (X-Slack-Retry-Num) is acknowledged like
// the first delivery; the router drops it by its event_id. When the router
// is full the answer is 503, so Slack delivers again later.
//
// As in a Bolt app, the same URL also takes slash commands and
// interactions, so that an app's manifest may name one request URL for
// all three: Slack posts those as forms (command=... for a command, one
// payload=... for an interaction) and events as JSON. A form is
// replay-guarded as on its own endpoint, before it is parsed.
func (a *Adapter) Events(w http.ResponseWriter, r *http.Request) error {
	if isForm(r) {
		form, err := a.form(r)
		switch {
		case err != nil:
			return err
		case form.Has("payload"):
			return a.serveInteraction(w, r, form)
		case form.Has("command"):
			return a.serveCommand(w, r, form)
		}
		w.Header().Set("X-Slack-No-Retry", "1")
		return errBadRequest
	}
	b, err := a.body(r, false)
	if err != nil {
		return err
	}
	return a.serveEvents(w, r, b)
}

// form reads, verifies and replay-guards a slash command or an
// interaction, and parses its form.
func (a *Adapter) form(r *http.Request) (url.Values, error) {
	b, err := a.body(r, true)
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, errBadRequest
	}
	return form, nil
}

// isForm reports whether r's body is a form, as Slack posts slash commands
// and interactions.
func isForm(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// serveCommand answers a verified slash command's form.
func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request, form url.Values) error {
	if !validForm(form) || form.Get("team_id") == "" || form.Get("user_id") == "" {
		return errBadRequest // Slack always sends both, in UTF-8
	}
	ack, err := a.command(r.Context(), form, "")
	if err != nil {
		return httpErr(err)
	}
	writeAck(w, ack)
	return nil
}

// serveInteraction answers a verified interaction's form.
func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request, form url.Values) error {
	if form.Get("payload") == "" || !utf8.ValidString(form.Get("payload")) {
		return errBadRequest
	}
	ack, err := a.interaction(r.Context(), []byte(form.Get("payload")), "")
	if err != nil {
		return httpErr(err)
	}
	writeAck(w, ack)
	return nil
}

// serveEvents answers a verified Events API body.
func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request, b []byte) error {
	if !utf8.Valid(b) {
		// encoding/json would quietly turn the bytes into U+FFFD.
		w.Header().Set("X-Slack-No-Retry", "1")
		return errBadRequest
	}
	challenge, err := a.events(r.Context(), b)
	switch {
	case errors.Is(err, errForeignTeam):
		w.Header().Set("X-Slack-No-Retry", "1")
		return errForbidden
	case err != nil && isDispatchErr(err):
		return errBusy
	case err != nil:
		w.Header().Set("X-Slack-No-Retry", "1")
		return errBadRequest
	}
	if challenge != "" {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, challenge)
		return nil
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// validForm reports whether every name and value of form is UTF-8, as
// Slack sends them.
func validForm(form url.Values) bool {
	for k, vs := range form {
		if !utf8.ValidString(k) {
			return false
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return false
			}
		}
	}
	return true
}

// writeAck answers 200 with ack as JSON, or an empty body.
func writeAck(w http.ResponseWriter, ack any) {
	if ack == nil || isNilMap(ack) {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(ack)
}

func isNilMap(v any) bool {
	m, ok := v.(map[string]any)
	return ok && m == nil
}
