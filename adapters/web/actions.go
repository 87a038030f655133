package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// Router runs the command an action on a page stands for; *bot.Router
// implements it. Serve handles the event on the caller's goroutine and
// returns once it has been handled (its answers given through the web
// platform's Reply).
type Router interface {
	Serve(ctx context.Context, ev bot.Event) error
}

const (
	// actionTimeout bounds one action's command, which runs to its end
	// even when the browser goes away, so a change is never cut halfway.
	actionTimeout = 20 * time.Second
	// flashCookie carries the answer to an action to the page the browser
	// is sent back to, signed with the session's CSRF secret.
	flashCookie = "warroom_flash"
	// maxFlash bounds the answer kept in the cookie, in characters:
	// browsers keep 4 KB, and a Japanese character is 3 bytes before
	// base64.
	maxFlash = 600
	// maxUpdate bounds an update's text, as chat's update form does.
	maxUpdate = 3000
)

// Statuses a person may set with the status command.
var settable = []bot.Status{bot.StatusInvestigating, bot.StatusIdentified, bot.StatusMonitoring}

// flash is an action's answer, shown once on the next page.
type flash struct {
	Text  string `json:"t"`
	Error bool   `json:"e,omitempty"`
}

// act serves POST /incidents/{id}/actions/{action}: the form's action as
// the command a chat button would run, through the router, as the signed-
// in person. Without the session's CSRF token nothing happens (403); an
// incident the person may not see is a 404 exactly like a number never
// used; bad input changes nothing and says why; then the browser goes
// back to the incident page (303), which shows the answer.
func (s *Server) act(w http.ResponseWriter, r *http.Request, sess *session) {
	inc, ok := s.actionIncident(w, r, sess)
	if !ok {
		return
	}
	lang := s.lang(nil, r, &sess.Viewer)
	back := "/incidents/" + inc.Key()
	if strings.HasPrefix(r.PathValue("action"), "postmortem-") {
		back += "/postmortem" // the document's state buttons
	}
	command, args, problem := s.command(lang, r.PathValue("action"), inc, r)
	s.run(w, r, sess, inc, run{command: command, args: args, problem: problem,
		back: back, flashPath: "/incidents/"})
}

// actionIncident checks an action's form (the session's CSRF token) and
// reads the incident of its path for the person; if not ok it has
// answered (403; 404 for an incident they may not see, exactly like a
// number never used) and the caller must change nothing.
func (s *Server) actionIncident(w http.ResponseWriter, r *http.Request, sess *session) (*bot.Incident, bool) {
	if !s.checkCSRF(w, r, sess) {
		return nil, false
	}
	raw := r.PathValue("id")
	id, ok := bot.ParseID(raw)
	if !ok || strings.HasPrefix(raw, "#") {
		s.notFound(w, r, sess)
		return nil, false
	}
	inc, err := s.opts.Incidents.Incident(r.Context(), sess.Viewer, id)
	if errors.Is(err, bot.ErrNotFound) {
		s.message(w, r, &sess.Session, http.StatusNotFound, "web.notfound.title", "web.notfound.incident", "id", bot.FormatID(id))
		return nil, false
	}
	if err != nil {
		s.fail(w, r, &sess.Viewer, err)
		return nil, false
	}
	return inc, true
}

// run is one action to run: its command line, or the problem with its
// form; and where the browser goes back to, with the flash cookie's path.
type run struct {
	command, args, problem string
	back, flashPath        string
}

// run runs a's command through the router as the signed-in person, keeps
// the answer for the next page, and sends the browser back (303).
func (s *Server) run(w http.ResponseWriter, r *http.Request, sess *session, inc *bot.Incident, a run) {
	lang := s.lang(nil, r, &sess.Viewer)
	if a.problem != "" {
		s.setFlash(w, sess, a.flashPath, flash{Text: a.problem + " " + bot.T(lang, "web.action.refused"), Error: true})
		http.Redirect(w, r, a.back, http.StatusSeeOther)
		return
	}
	rs := &replies{}
	ev := bot.Event{Kind: bot.EventAction, Platform: Name, UserPlatform: sess.Platform, User: sess.User,
		Locale: string(lang), At: s.opts.Now(), Action: a.command, Value: a.args, Reply: rs}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), actionTimeout)
	defer cancel()
	err := s.opts.Router.Serve(ctx, ev)
	s.log.Info("action", zap.String("command", a.command), zap.Int64("incident", inc.ID),
		zap.String("platform", sess.Platform), zap.String("user_id", sess.User.ID), zap.Bool("refused", err != nil))
	f := flash{Text: rs.text(), Error: err != nil}
	if f.Error {
		f.Text = strings.TrimSpace(f.Text + " " + bot.T(lang, "web.action.refused"))
	}
	s.setFlash(w, sess, a.flashPath, f)
	http.Redirect(w, r, a.back, http.StatusSeeOther)
}

// command is the command line an action's form stands for, as a chat
// button's command and arguments; problem, in lang, says what is wrong
// with the form instead.
func (s *Server) command(lang bot.Lang, action string, inc *bot.Incident, r *http.Request) (command, args, problem string) {
	l := bot.Translator(lang)
	key := inc.Key()
	field := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	bad := func(label, value string) string {
		return l.T("web.bad.choice", "field", l.T(label), "value", value)
	}
	switch action {
	case "ack", "close":
		return action, key, ""
	case "postmortem-reviewed", "postmortem-publish":
		return "postmortem", key + " " + strings.TrimPrefix(action, "postmortem-"), ""
	case "resolve":
		text := field("text")
		if utf8.RuneCountInString(text) > maxUpdate {
			return "", "", l.T("web.bad.text", "field", l.T("web.action.resolve_text"), "max", "3000")
		}
		return action, strings.TrimSpace(key + " " + oneLine(text)), ""
	case "priority":
		v := field("priority")
		p, ok := bot.ParsePriority(v)
		if !ok || v != p.String() {
			return "", "", bad("field.priority", v)
		}
		return action, key + " " + p.String(), ""
	case "status":
		v := field("status")
		st := bot.Status(v)
		if !slices.Contains(settable, st) {
			return "", "", bad("field.status", v)
		}
		return action, strings.TrimSpace(key + " " + string(st) + " " + oneLine(field("text"))), ""
	case "role":
		role, who := field("role"), oneLine(field("person"))
		if !slices.Contains(s.opts.Incidents.Roles(), bot.Role(role)) {
			return "", "", bad("web.action.role", role)
		}
		if who == "" {
			return "", "", l.T("web.bad.empty", "field", l.T("web.action.person"))
		}
		return action, key + " " + role + " " + who, ""
	case "update":
		text := oneLine(field("text"))
		switch {
		case text == "":
			return "", "", l.T("web.bad.empty", "field", l.T("web.action.update_text"))
		case utf8.RuneCountInString(text) > maxUpdate:
			return "", "", l.T("web.bad.text", "field", l.T("web.action.update_text"), "max", "3000")
		}
		if r.PostFormValue("public") == "on" {
			text = "--public " + text
		}
		return action, key + " " + text, ""
	case "components":
		args, problem := s.componentsCommand(l, r)
		return action, key + " " + args, problem
	}
	return "", "", l.T("web.action.unknown")
}

// oneLine folds a form's text to one line: a command line is one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// setFlash keeps f for the next page under path in a cookie signed with
// the session's CSRF secret, so that nobody but Warroom writes what the
// page says Warroom said.
func (s *Server) setFlash(w http.ResponseWriter, sess *session, path string, f flash) {
	f.Text = bot.Truncate(f.Text, maxFlash)
	body, _ := json.Marshal(f) // a struct of a string and a bool always encodes
	v := base64.RawURLEncoding.EncodeToString(body)
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: v + "." + sign(sess.CSRF, v), Path: path,
		MaxAge: 120, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// takeFlash reads the answer an action left for the pages under path,
// once.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request, sess *session, path string) (flash, bool) {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return flash{}, false
	}
	s.clearCookie(w, flashCookie, path)
	v, mac, ok := strings.Cut(c.Value, ".")
	if !ok || sess.CSRF == "" || !hmac.Equal([]byte(mac), []byte(sign(sess.CSRF, v))) {
		return flash{}, false
	}
	body, err := base64.RawURLEncoding.DecodeString(v)
	var f flash
	if err != nil || json.Unmarshal(body, &f) != nil || f.Text == "" {
		return flash{}, false
	}
	return f, true
}

func sign(key, v string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte("flash\x00" + v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// actionsView is the incident page's forms.
type actionsView struct {
	Base                        string
	Ack, Change, Resolve, Close bool
	Statuses, Priorities, Roles []option
	People                      []string
	// Components is the status page's components form (none without a
	// status page, or for a private incident).
	Components []componentChoice
}

// actions are the forms that fit inc's status; nil without a router (a
// read-only page).
func (s *Server) actions(lang bot.Lang, inc *bot.Incident) *actionsView {
	if s.opts.Router == nil {
		return nil
	}
	a := &actionsView{Base: "/incidents/" + inc.Key() + "/actions/", Ack: inc.Status == bot.StatusTriage,
		Change: inc.Status.Open() || inc.Status == bot.StatusResolved, Resolve: inc.Status.Open(),
		Close: inc.Status == bot.StatusResolved}
	if !a.Change {
		return a
	}
	if !slices.Contains(settable, inc.Status) {
		// The status now (triage, resolved) is no choice of the form, but
		// the form shows it rather than preselect another one.
		a.Statuses = append(a.Statuses, option{Label: inc.Status.Label(lang), Selected: true, Disabled: true})
	}
	for _, st := range settable {
		a.Statuses = append(a.Statuses, option{Value: string(st), Label: st.Label(lang), Selected: st == inc.Status})
	}
	for _, p := range bot.Priorities {
		label := s.opts.Incidents.PriorityLabel(lang, p)
		if c := s.opts.Incidents.Criteria(lang, p); c != "" {
			label += " — " + c
		}
		a.Priorities = append(a.Priorities, option{Value: p.String(), Label: label, Selected: p == inc.Priority})
	}
	for _, role := range s.opts.Incidents.Roles() {
		a.Roles = append(a.Roles, option{Value: string(role), Label: role.Label(lang)})
	}
	a.Components = s.componentChoices(lang, inc)
	seen := map[string]bool{}
	add := func(u bot.User) {
		if n := bot.Visible(u.Display()); n != "" && !seen[n] {
			seen[n] = true
			a.People = append(a.People, n)
		}
	}
	add(inc.DeclaredBy)
	for _, role := range s.opts.Incidents.Roles() {
		if u, ok := inc.Holder(role); ok {
			add(u)
		}
	}
	return a
}
