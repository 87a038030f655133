package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/warroomhq/warroom/bot"
)

// FollowUps answers the follow-up board under the audience rule: a
// private incident's follow-ups are on it only for its audience.
// *handlers.Service implements it.
type FollowUps interface {
	FollowUpBoard(ctx context.Context, v bot.Viewer, f bot.FollowUpFilter) (bot.FollowUpBoard, error)
}

// boardPath is the follow-up board's page.
const boardPath = "/followups"

// The board's "due" filter: how far ahead the due days it keeps go.
var dueWithin = map[string]int{"week": 7, "month": 30}

// boardFilters are the board's query parameters as given, to fill the
// form again.
type boardFilters struct{ Owner, State, Due, Group string }

type boardView struct {
	Filters  boardFilters
	Owners   []option
	States   []option
	Dues     []option
	Groups   []option
	Errors   []string
	Flash    *flash
	Counts   []countCell
	Weeks    []weekRow
	Chart    chart
	Sections []boardSection
	Total    string
	// Truncated says the oldest incidents were left out.
	Truncated bool
	// Back is this page's path and query, where an action returns to.
	Back string
}

// countCell is one of the counts now, linking to the follow-ups it
// counts.
type countCell struct {
	Label, URL, Class string
	N                 int
}

type weekRow struct {
	Date                          string
	Open, Overdue, Done, Verified int
}

type boardSection struct {
	Title string
	Rows  []boardRow
}

type boardRow struct {
	Key, IncidentURL, PostmortemURL, IncidentTitle string
	N                                              int
	Text, Owner, State, StateClass, Due, DoneBy    string
	Overdue, Private                               bool
	// IssueKey and IssueURL are the tracker's issue it was filed as
	// ("OPS-7"); IssueURL is empty unless it is an http(s) URL.
	IssueTracker, IssueKey, IssueURL string
	// Actions are the board's buttons for the follow-up's state.
	Actions []boardAction
}

type boardAction struct{ URL, Label string }

// board serves GET /followups: every follow-up the viewer may see across
// incidents, filtered and grouped, with the counts now and over time.
func (s *Server) board(w http.ResponseWriter, r *http.Request, sess *session) {
	v := s.signedInView(r, sess, "web.fu.title")
	q := r.URL.Query()
	bf := boardFilters{Owner: q.Get("owner"), State: q.Get("state"), Due: q.Get("due"), Group: q.Get("group")}
	filter, problems := s.boardFilter(v.L, bf)
	body := &boardView{Filters: bf, Errors: problems, Back: boardBack(q)}
	v.Body = body
	board, err := s.opts.FollowUps.FollowUpBoard(r.Context(), sess.Viewer, filter)
	if err != nil {
		s.fail(w, r, &sess.Viewer, err)
		return
	}
	body.Owners, body.States, body.Dues, body.Groups = s.boardChoices(v.L, bf, board.Owners)
	if len(problems) > 0 {
		s.render(w, r, http.StatusBadRequest, "followups", v)
		return
	}
	if f, ok := s.takeFlash(w, r, sess, boardPath); ok {
		body.Flash = &f
	}
	body.Counts = []countCell{
		{Label: v.L.T("web.fu.count.open"), N: board.Now.Open, Class: "open", URL: boardURL(q, "state", bot.FollowUpOpen)},
		{Label: v.L.T("web.fu.count.overdue"), N: board.Now.Overdue, Class: "overdue", URL: boardURL(q, "state", "overdue")},
		{Label: v.L.T("web.fu.count.done"), N: board.Now.Done, Class: "done", URL: boardURL(q, "state", bot.FollowUpDone)},
		{Label: v.L.T("web.fu.count.verified"), N: board.Now.Verified, Class: "verified", URL: boardURL(q, "state", bot.FollowUpVerified)},
	}
	for _, c := range board.Weeks {
		body.Weeks = append(body.Weeks, weekRow{Date: c.At.In(s.opts.Location).Format(dateForm),
			Open: c.Open, Overdue: c.Overdue, Done: c.Done, Verified: c.Verified})
	}
	body.Chart = s.drawBoard(v.L, board.Weeks)
	body.Sections = s.boardSections(v.Lang, bf.Group, board.Items, body.Back)
	body.Total = v.L.T("web.fu.total", "n", strconv.Itoa(len(board.Items)))
	body.Truncated = board.Truncated
	s.render(w, r, http.StatusOK, "followups", v)
}

// boardFilter reads the board's filters; problems say, in the viewer's
// language, which are wrong.
func (s *Server) boardFilter(l bot.Translator, bf boardFilters) (bot.FollowUpFilter, []string) {
	f := bot.FollowUpFilter{Owner: bf.Owner}
	var problems []string
	bad := func(field, value string) {
		problems = append(problems, l.T("web.bad.choice", "field", l.T(field), "value", value))
	}
	switch bf.State {
	case "", bot.FollowUpOpen, bot.FollowUpDone, bot.FollowUpVerified, "overdue":
		f.State = bf.State
	default:
		bad("web.fu.filter.state", bf.State)
	}
	switch days, ok := dueWithin[bf.Due]; {
	case bf.Due == "":
	case bf.Due == "none":
		f.NoDue = true
	case ok:
		f.DueWithin = days
	default:
		bad("web.fu.filter.due", bf.Due)
	}
	switch bf.Group {
	case "", "owner", "state", "incident":
	default:
		bad("web.fu.filter.group", bf.Group)
	}
	return f, problems
}

// boardChoices are the options of the board's selects, bf's selected.
func (s *Server) boardChoices(l bot.Translator, bf boardFilters, owners []bot.User) (os, states, dues, groups []option) {
	os = []option{{Value: "", Label: l.T("web.filter.any")}}
	for _, u := range owners {
		os = append(os, option{Value: u.ID, Label: bot.Visible(u.Display())})
	}
	states = []option{{Value: "", Label: l.T("web.filter.any")}}
	for _, st := range []string{bot.FollowUpOpen, "overdue", bot.FollowUpDone, bot.FollowUpVerified} {
		states = append(states, option{Value: st, Label: l.T("web.fu.state." + st)})
	}
	dues = []option{{Value: "", Label: l.T("web.filter.any")}, {Value: "week", Label: l.T("web.fu.due.week")},
		{Value: "month", Label: l.T("web.fu.due.month")}, {Value: "none", Label: l.T("followup.no_due")}}
	groups = []option{{Value: "", Label: l.T("web.fu.group.none")}, {Value: "owner", Label: l.T("web.fu.group.owner")},
		{Value: "state", Label: l.T("web.fu.group.state")}, {Value: "incident", Label: l.T("web.fu.group.incident")}}
	for _, set := range []struct {
		opts []option
		v    string
	}{{os, bf.Owner}, {states, bf.State}, {dues, bf.Due}, {groups, bf.Group}} {
		for i := range set.opts {
			set.opts[i].Selected = set.opts[i].Value == set.v
		}
	}
	return os, states, dues, groups
}

// boardSections are the rows, one section per group (one untitled
// section without grouping), in the board's order within each.
func (s *Server) boardSections(lang bot.Lang, group string, items []bot.BoardItem, back string) []boardSection {
	var out []boardSection
	at := map[string]int{}
	for i := range items {
		it := &items[i]
		var key, title string
		switch group {
		case "owner":
			key, title = it.Owner.ID, bot.Visible(it.Owner.Display())
		case "state":
			key = boardState(it)
			title = bot.T(lang, "web.fu.state."+key)
		case "incident":
			key = bot.FormatID(it.FollowUp.Incident)
			title = key
			if it.Incident != nil {
				title += ": " + bot.Visible(it.Incident.Title)
			}
		}
		n, ok := at[key]
		if !ok {
			n = len(out)
			at[key] = n
			out = append(out, boardSection{Title: title})
		}
		out[n].Rows = append(out[n].Rows, s.boardRow(lang, it, back))
	}
	return out
}

// boardState is the state the board shows: overdue is an open one's.
func boardState(it *bot.BoardItem) string {
	if it.Overdue {
		return "overdue"
	}
	return it.State
}

func (s *Server) boardRow(lang bot.Lang, it *bot.BoardItem, back string) boardRow {
	key := bot.FormatID(it.FollowUp.Incident)
	row := boardRow{Key: key, IncidentURL: "/incidents/" + key, PostmortemURL: "/incidents/" + key + "/postmortem",
		N: it.N, Text: bot.Visible(it.Text), Owner: bot.Visible(it.Owner.Display()),
		State: bot.T(lang, "web.fu.state."+boardState(it)), StateClass: "fu-" + boardState(it),
		Due: bot.T(lang, "followup.no_due"), Overdue: it.Overdue}
	if it.Incident != nil {
		row.IncidentTitle, row.Private = bot.Visible(it.Incident.Title), it.Incident.Private
	}
	if !it.Due.IsZero() {
		row.Due = it.Due.In(s.opts.Location).Format(dateForm)
	}
	if !it.DoneBy.IsZero() && it.State != bot.FollowUpOpen {
		row.DoneBy = bot.Visible(it.DoneBy.Display())
	}
	if is := it.Issue; !is.IsZero() {
		row.IssueTracker, row.IssueKey = bot.Visible(is.Tracker), bot.Visible(is.Key)
		if strings.HasPrefix(is.URL, "https://") || strings.HasPrefix(is.URL, "http://") {
			row.IssueURL = is.URL
		}
	}
	if s.opts.Router == nil {
		return row
	}
	base := boardPath + "/" + key + "/" + strconv.Itoa(it.N) + "/"
	add := func(action, label string) {
		row.Actions = append(row.Actions, boardAction{URL: base + action, Label: bot.T(lang, label)})
	}
	switch it.State {
	case bot.FollowUpOpen:
		add("done", "button.followup_done")
	case bot.FollowUpDone:
		add("verify", "web.fu.verify")
		add("reopen", "web.fu.reopen")
	case bot.FollowUpVerified:
		add("reopen", "web.fu.reopen")
	}
	return row
}

// boardAct serves POST /followups/{id}/{n}/{action}: done, verify or
// reopen of follow-up n of incident id, as chat's `followup` command, run
// through the router as the signed-in person. The incident must be one
// they may see (else 404, exactly as a number never used) and the form
// must carry the session's CSRF token (else 403); the browser goes back
// to the board (the page it came from, its filters kept), which shows
// Warroom's answer.
func (s *Server) boardAct(w http.ResponseWriter, r *http.Request, sess *session) {
	inc, ok := s.actionIncident(w, r, sess)
	if !ok {
		return
	}
	lang := s.lang(nil, r, &sess.Viewer)
	a := run{back: boardPath, flashPath: boardPath}
	if b := r.PostFormValue("back"); isBoardPath(b) {
		a.back = b
	}
	action, raw := r.PathValue("action"), r.PathValue("n")
	n, err := strconv.Atoi(raw)
	switch {
	case action != "done" && action != "verify" && action != "reopen":
		a.problem = bot.T(lang, "web.action.unknown")
	case err != nil || n < 1 || strconv.Itoa(n) != raw:
		a.problem = bot.T(lang, "web.bad.choice", "field", bot.T(lang, "kind.followup"), "value", raw)
	default:
		a.command, a.args = "followup", inc.Key()+" "+action+" "+strconv.Itoa(n)
	}
	s.run(w, r, sess, inc, a)
}

// isBoardPath reports whether p is the board's own page (with a query):
// the only place an action's form may send the browser back to.
func isBoardPath(p string) bool {
	u, err := url.Parse(p)
	return err == nil && u.Scheme == "" && u.Host == "" && u.Path == boardPath && !strings.HasPrefix(p, "//")
}

// boardBack is the board's path with q (less the language choice).
func boardBack(q url.Values) string { return pathURL(boardPath, q, nil) }

// boardURL is the board with q, key set to v.
func boardURL(q url.Values, key, v string) string {
	return pathURL(boardPath, q, map[string]string{key: v})
}
