package handlers

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

func statusEnv(t *testing.T) *env {
	return newEnv(t, Options{StatusPage: StatusPageOptions{Components: []string{"Checkout", "Login", "API"}},
		Policy: map[string][]string{
			"components":    {"role:communications", "commander", "admins"},
			"public_update": {"role:communications", "commander", "admins"},
		}})
}

// TestStatusPageState: each component's state is the worst its open
// customer-facing incidents give it, from their priority unless chosen.
func TestStatusPageState(t *testing.T) {
	tests := []struct {
		priority, components string
		want                 map[string]bot.ComponentState
	}{
		{"P1", "Checkout", map[string]bot.ComponentState{"Checkout": bot.MajorOutage, "Login": bot.Operational}},
		{"P2", "Checkout Login", map[string]bot.ComponentState{"Checkout": bot.PartialOutage, "Login": bot.PartialOutage}},
		{"P3", "login", map[string]bot.ComponentState{"Login": bot.Degraded, "Checkout": bot.Operational}},
		{"P4", "API", map[string]bot.ComponentState{"API": bot.Degraded}},
		{"P3", "Checkout=major API", map[string]bot.ComponentState{"Checkout": bot.MajorOutage, "API": bot.Degraded}},
		{"P1", "Checkout=degraded", map[string]bot.ComponentState{"Checkout": bot.Degraded}},
	}
	for _, tt := range tests {
		t.Run(tt.priority+" "+tt.components, func(t *testing.T) {
			e := statusEnv(t)
			inc := e.declare("Broken " + tt.priority)
			e.must(e.alice, inc.Channel.ID, "components "+tt.components)
			page, err := e.svc.StatusPage(context.Background())
			require.NoError(t, err)
			for _, c := range page.Components {
				if want, ok := tt.want[c.Name]; ok {
					require.Equal(t, want, c.State, c.Name)
				}
			}
			require.Len(t, page.Ongoing, 1)
			require.Zero(t, page.Ongoing[0].Number, "no number unless configured")
		})
	}
}

// TestPublicUpdateAuthority: the comms role, the commander or an admin
// may post a public update or set components; anyone else is refused and
// nothing changes. Each public update is on the timeline as such.
func TestPublicUpdateAuthority(t *testing.T) {
	e := statusEnv(t)
	inc := e.declare("Checkout down P1")
	ch := inc.Channel.ID

	require.Error(t, e.run(e.bob, ch, "components Checkout"))
	require.Contains(t, e.lastReply(), "You may not set the status page components of this incident")
	require.False(t, e.get(inc.ID).CustomerFacing())

	require.Error(t, e.run(e.alice, ch, "update --public too early"))
	require.Contains(t, e.lastReply(), "is not on the status page")

	require.Error(t, e.run(e.alice, ch, "components Checkout Payments"))
	require.Contains(t, e.lastReply(), "`Payments` is not a status page component. Components: Checkout, Login, API.")
	require.Error(t, e.run(e.alice, ch, "components Checkout=sideways"))
	require.Contains(t, e.lastReply(), "`sideways` is not a component state")
	e.must(e.alice, ch, "components Checkout")
	require.Equal(t, []string{"Checkout"}, e.get(inc.ID).Components)

	require.Error(t, e.run(e.bob, ch, "update --public all good"))
	require.Contains(t, e.lastReply(), "You may not post customer-facing updates on")
	e.must(e.alice, ch, "role communications <@U2|bob>")
	e.must(e.bob, ch, "update --public ja: 調査中です / en: We are investigating")

	var public []bot.TimelineEntry
	for _, en := range e.timeline(inc.ID) {
		if en.Kind == bot.KindPublicUpdate {
			public = append(public, en)
		}
	}
	require.Len(t, public, 1)
	require.Equal(t, "ja: 調査中です / en: We are investigating", public[0].Text)
	page, err := e.svc.StatusPage(context.Background())
	require.NoError(t, err)
	require.Equal(t, "調査中です", page.Ongoing[0].Updates[0].Text.In(bot.Japanese))
	require.Equal(t, "We are investigating", page.Ongoing[0].Updates[0].Text.In(bot.English))

	e.must(e.alice, ch, "components none")
	require.False(t, e.get(inc.ID).CustomerFacing())
	page, err = e.svc.StatusPage(context.Background())
	require.NoError(t, err)
	require.Empty(t, page.Ongoing, "cleared: off the page")
}

// TestStatusPageHistory: a resolved incident leaves the component
// operational and stays in the history and in the day it happened; drills
// never show.
func TestStatusPageHistory(t *testing.T) {
	e := statusEnv(t)
	inc := e.declare("Login slow P3")
	e.must(e.alice, inc.Channel.ID, "components Login")
	e.now = e.now.Add(30 * time.Minute)
	e.must(e.alice, inc.Channel.ID, "resolve")
	e.now = e.now.Add(48 * time.Hour)
	page, err := e.svc.StatusPage(context.Background())
	require.NoError(t, err)
	require.Equal(t, bot.Operational, page.Components[1].State)
	require.Empty(t, page.Ongoing)
	require.Len(t, page.History, 1)
	require.Equal(t, bot.Degraded, page.History[0].State)
	require.Len(t, page.Days, bot.HistoryDays)
	require.Equal(t, bot.Degraded, page.Days[bot.HistoryDays-3].States[1], "two days ago, Login was degraded")
	require.Equal(t, bot.Operational, page.Days[bot.HistoryDays-1].States[1])
}

func TestParsePublicText(t *testing.T) {
	require.Equal(t, bot.PublicText{bot.Japanese: "遅延", bot.English: "Slow"}, bot.ParsePublicText("ja: 遅延 / en: Slow"))
	require.Equal(t, bot.PublicText{"": "Slow / fixing"}, bot.ParsePublicText("Slow / fixing"))
	require.Equal(t, bot.PublicText{"": "note: slow"}, bot.ParsePublicText("note: slow"))
	require.Equal(t, "Slow", bot.PublicText{bot.English: "Slow"}.In(bot.Japanese), "falls back to the other language")
}
