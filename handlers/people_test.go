package handlers

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
)

// dirPlatform is the recording platform with a directory of people, as
// Slack, Teams and the console have.
type dirPlatform struct {
	*bottest.Platform
	people []bot.User
	// real holds real names by ID, matched like display names.
	real map[string]string
	err  error
}

func (p *dirPlatform) FindUsers(_ context.Context, name string) ([]bot.User, error) {
	if p.err != nil {
		return nil, p.err
	}
	var out []bot.User
	for _, u := range p.people {
		if strings.EqualFold(u.Name, name) || strings.EqualFold(p.real[u.ID], name) {
			out = append(out, u)
		}
	}
	return out, nil
}

func (p *dirPlatform) LookupUser(_ context.Context, id string) (bot.User, error) {
	if p.err != nil {
		return bot.User{}, p.err
	}
	for _, u := range p.people {
		if u.ID == id {
			return u, nil
		}
	}
	return bot.User{}, fmt.Errorf("user %s: %w", id, bot.ErrNotFound)
}

func newDirEnv(t *testing.T) (*env, *dirPlatform) {
	e := newEnv(t, Options{})
	dp := &dirPlatform{Platform: bottest.New("dir"), people: []bot.User{
		e.alice, e.bob, {ID: "U3", Name: "Carol"}, {ID: "U4", Name: "Carol T."}, {ID: "U5", Name: "dave"},
	}, real: map[string]string{"U4": "carol", "U5": "Dave Sato"}}
	e.r.Register(dp)
	return e, dp
}

func (e *env) runOn(p string, user bot.User, channel, line string) error {
	e.t.Helper()
	return e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: p, User: user, Channel: channel, Text: line})
}

func lastCallText(t *testing.T, p *bottest.Platform, method string) string {
	t.Helper()
	c, ok := p.Last(method)
	require.True(t, ok, "no %s", method)
	return bottest.Text(c.Msg)
}

// TestPeopleByName: a bare name (display or real, any case) is one person
// when exactly one person has it; several are listed; nobody is refused.
// So is an @mention of nobody. Nothing changes on a refusal.
func TestPeopleByName(t *testing.T) {
	e, dp := newDirEnv(t)
	require.NoError(t, e.runOn("dir", e.alice, "CGEN", "declare Checkout is failing P2"))
	inc := e.get(1)
	ch := inc.Channel.ID

	require.NoError(t, e.runOn("dir", e.alice, ch, "role ops DAVE SATO"))
	require.Equal(t, bot.User{ID: "U5", Name: "dave"}, e.get(1).Roles[bot.RoleOperations], "by real name, any case")
	require.NoError(t, e.runOn("dir", e.alice, ch, "role scribe bob"))
	require.Equal(t, e.bob, e.get(1).Roles[bot.RoleScribe])

	before := e.timeline(inc.ID)
	err := e.runOn("dir", e.alice, ch, "role commander carol")
	require.Equal(t, bot.CodeAmbiguousUser, bot.CodeOf(err), "%v", err)
	require.Contains(t, lastCallText(t, dp.Platform, "Reply"),
		"Several people are called `carol`: Carol (U3), Carol T. (U4). Mention the one you mean (@name).")
	for _, line := range []string{"role commander erin", "role commander @nobody", "role commander <@U99|ghost>"} {
		err = e.runOn("dir", e.alice, ch, line)
		require.Equal(t, bot.CodeNoSuchUser, bot.CodeOf(err), line)
	}
	require.Contains(t, lastCallText(t, dp.Platform, "Reply"), "Nobody here is called `ghost`. Mention someone (@name) or say `me`.")
	require.Equal(t, before, e.timeline(inc.ID), "refusals change nothing")
	require.Equal(t, e.alice, e.get(1).Roles[bot.RoleCommander])

	require.NoError(t, e.runOn("dir", e.alice, ch, "role commander <@U4>"))
	require.Equal(t, bot.User{ID: "U4", Name: "Carol T."}, e.get(1).Roles[bot.RoleCommander], "a mention gets the directory's name")
	require.NoError(t, e.runOn("dir", e.alice, ch, "role comms Carol T."))
	require.Equal(t, "U4", e.get(1).Roles[bot.RoleCommunications].ID, "a name with a space")

	// Follow-up owners: a mention, or a name after "owner"; nobody refused.
	require.NoError(t, e.runOn("dir", e.alice, ch, "followup add Add a canary stage owner dave due 2027-01-05"))
	require.Equal(t, "U5", e.followUp(inc.ID, 1).Owner.ID)
	require.NoError(t, e.runOn("dir", e.alice, ch, "followup add Write a runbook @Bob"))
	require.Equal(t, e.bob, e.followUp(inc.ID, 2).Owner)
	err = e.runOn("dir", e.alice, ch, "followup add Write a runbook @nobody")
	require.Equal(t, bot.CodeNoSuchUser, bot.CodeOf(err))
	fs, ferr := e.st.FollowUps(context.Background(), inc.ID)
	require.NoError(t, ferr)
	require.Len(t, fs, 2, "no follow-up for nobody")

	// Declare: responders by mention, checked.
	err = e.runOn("dir", e.alice, "CGEN", "declare Search is slow @dave @nobody")
	require.Equal(t, bot.CodeNoSuchUser, bot.CodeOf(err))
	require.Len(t, dp.Calls("CreateChannel"), 1, "no second incident")
	require.NoError(t, e.runOn("dir", e.alice, "CGEN", "declare Search is slow @dave"))
	invite, _ := dp.Last("Invite")
	require.Contains(t, invite.Users, "U5")
}

// TestPeopleWithoutDirectory: a platform without a directory, or whose
// lookup fails, keeps today's rule: mentions as they come, bare names
// refused.
func TestPeopleWithoutDirectory(t *testing.T) {
	e, dp := newDirEnv(t)
	dp.err = fmt.Errorf("users.list: %w", bot.ErrUnsupported)
	require.NoError(t, e.runOn("dir", e.alice, "CGEN", "declare Checkout is failing P2"))
	ch := e.get(1).Channel.ID
	require.NoError(t, e.runOn("dir", e.alice, ch, "role ops @nobody"))
	require.Equal(t, "nobody", e.get(1).Roles[bot.RoleOperations].ID)
	err := e.runOn("dir", e.alice, ch, "role ops dave")
	require.Equal(t, bot.CodeUnknownUser, bot.CodeOf(err))

	inc := e.declare("Search is slow") // on the recording platform, which has none
	require.NoError(t, e.run(e.alice, inc.Channel.ID, "role ops <@U9|zed>"))
	require.Equal(t, bot.CodeUnknownUser, bot.CodeOf(e.run(e.alice, inc.Channel.ID, "role ops zed")))
}
