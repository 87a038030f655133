package teams_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/teams"
	"github.com/warroomhq/warroom/adapters/teams/faketeams"
	"github.com/warroomhq/warroom/api"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// TestPrivateIncidentOnTeams: a private incident lives in a thread of the
// restricted channel, and its audience is that channel's members as Graph
// lists them (plus role holders). carol, outside the channel, gets "not
// found" wherever she names it and never sees it listed; dave, a member
// of the channel who never spoke in the thread, sees it from anywhere.
func TestPrivateIncidentOnTeams(t *testing.T) {
	carol, dave := faketeams.UserID("carol"), faketeams.UserID("dave")
	var restricted string
	w := newWorld(t, func(w *world, o *teams.Options) {
		restricted = w.fake.Channel("restricted")
		w.fake.SetMembers(restricted, w.alice, "Alice", w.bob, "Bob", faketeams.UserID("erin"), "Erin", dave, "Dave")
		o.PrivateChannel = restricted
	})
	inc := w.declare("declare Payroll data exposed P1 private")
	require.True(t, inc.Private)
	require.True(t, strings.HasPrefix(inc.Channel.ID, restricted+";messageid="), inc.Channel.ID)
	root := inc.Channel.ID[strings.Index(inc.Channel.ID, "=")+1:]
	require.Equal(t, http.StatusOK, w.deliver(w.fake.ReplyActivity(restricted, root, w.bob, "Bob", "the password was hunter2zebra")).Status)
	require.Eventually(t, func() bool { return len(w.timelineOf(1)) == 3 }, wait, 10*time.Millisecond)

	never := w.ask(carol, "Carol", "INC-9 timeline")
	require.Contains(t, never, "There is no incident INC-9")
	for _, text := range []string{"INC-1 timeline", "INC-1 summary", "INC-1 note I was here", "INC-1 role commander me"} {
		got := w.ask(carol, "Carol", text)
		require.Contains(t, got, "There is no incident INC-1", text)
		require.NotContains(t, got, "hunter2zebra", text)
		require.NotContains(t, got, "Payroll", text)
	}
	for _, text := range []string{"list all", "search hunter2zebra"} {
		require.NotContains(t, w.ask(carol, "Carol", text), "INC-1", text)
	}
	require.Len(t, w.timelineOf(1), 3, "carol changed nothing")
	require.Equal(t, "Alice", w.incidentNow(1).Roles[bot.RoleCommander].Name)

	// dave is in the restricted channel: Graph says so.
	require.Contains(t, w.ask(dave, "Dave", "INC-1 timeline"), "hunter2zebra")
	require.Contains(t, w.ask(dave, "Dave", "list all"), "INC-1")
	pages := w.fake.Calls("graph.channelMembers")
	require.NotEmpty(t, pages)
	require.Contains(t, pages[0].Path, "/channels/"+restricted+"/members")

	// The API stands for nobody: 404.
	rec := httptest.NewRecorder()
	api.New(w.svc, "", nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/incidents/1/timeline", nil))
	require.Equal(t, http.StatusNotFound, rec.Code)
}

func (w *world) timelineOf(id int64) []bot.TimelineEntry {
	w.t.Helper()
	tl, err := w.st.Timeline(w.t.Context(), id, store.TimelineQuery{})
	require.NoError(w.t, err)
	return tl
}

func (w *world) incidentNow(id int64) *bot.Incident {
	w.t.Helper()
	inc, err := w.st.Get(w.t.Context(), id)
	require.NoError(w.t, err)
	return inc
}

// ask sends text as who in #General and returns everything Warroom sent
// in answer.
func (w *world) ask(who, name, text string) string {
	w.t.Helper()
	before := len(w.fake.Calls("connector."))
	msg := w.fake.MessageActivity(w.general, who, name, faketeams.BotMention().Markup()+" "+text, faketeams.BotMention())
	var sent struct {
		ID string `json:"id"`
	}
	require.NoError(w.t, json.Unmarshal(msg, &sent))
	require.Equal(w.t, http.StatusOK, w.deliver(msg).Status)
	var out []string
	require.Eventually(w.t, func() bool {
		out = out[:0]
		for _, c := range w.fake.Calls("connector.")[before:] {
			// Only the answers to this message: others may still be
			// answering an earlier one.
			if (c.Route == "connector.send" || c.Route == "connector.reply") && c.Body["replyToId"] == sent.ID {
				b, _ := json.Marshal(c.Body)
				out = append(out, string(b))
			}
		}
		return len(out) > 0
	}, wait, 10*time.Millisecond)
	return strings.Join(out, "\n")
}

// On Teams the restricted channel's roster alone says who is in: someone
// who spoke in a private incident's thread and was then removed from the
// channel is out once the roster is read again, and while Graph fails
// nobody outside the thread and the roles gets in, at the cost of one
// failing read, not one per private incident.
func TestPrivateIncidentOnTeamsFollowsTheRoster(t *testing.T) {
	erin, carol := faketeams.UserID("erin"), faketeams.UserID("carol")
	var restricted string
	var later atomic.Int64
	w := newWorld(t, func(w *world, o *teams.Options) {
		restricted = w.fake.Channel("restricted")
		w.fake.SetMembers(restricted, w.alice, "Alice", w.bob, "Bob", erin, "Erin")
		o.PrivateChannel = restricted
		o.Now = func() time.Time { return time.Now().Add(time.Duration(later.Load())) }
	})
	inc := w.declare("declare Payroll data exposed P1 private")
	root := inc.Channel.ID[strings.Index(inc.Channel.ID, "=")+1:]
	require.Equal(t, http.StatusOK, w.deliver(w.fake.ReplyActivity(restricted, root, erin, "Erin", "looking at it")).Status)
	require.Eventually(t, func() bool { return len(w.timelineOf(1)) == 3 }, wait, 10*time.Millisecond)
	require.Contains(t, w.ask(erin, "Erin", "INC-1 summary"), "Payroll data exposed")

	w.fake.SetMembers(restricted, w.alice, "Alice", w.bob, "Bob")
	later.Add(int64(2 * time.Minute)) // past the roster's cache
	require.Contains(t, w.ask(erin, "Erin", "INC-1 summary"), "There is no incident INC-1", "erin was removed from the channel")
	require.Contains(t, w.ask(w.bob, "Bob", "INC-1 summary"), "Payroll data exposed")

	for i := 2; i <= 4; i++ {
		w.ask(w.alice, "Alice", "declare Secret "+string(rune('a'+i))+" P2 private")
		w.incident(int64(i))
	}
	later.Add(int64(2 * time.Minute))
	w.fake.FailNext("graph.channelMembers", 500, 1000)
	before := len(w.fake.Calls("graph.channelMembers"))
	list := w.ask(carol, "Carol", "list all")
	require.NotContains(t, list, "INC-1")
	require.NotContains(t, list, "Secret")
	require.LessOrEqual(t, len(w.fake.Calls("graph.channelMembers"))-before, 1+4, "one failing read (with its retries) for four private incidents")
	require.Contains(t, w.ask(w.alice, "Alice", "INC-1 summary"), "Payroll data exposed", "the commander is in while Graph fails")
}
