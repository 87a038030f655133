package teams_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/teams/faketeams"
	"github.com/warroomhq/warroom/bot"
)

// TestPeopleByNameOnTeams: `role` takes a bare name (display name, or
// given name and surname in either order) that one team member has, read
// from the Bot Connector's conversation members; several are listed, and a
// name or a mention of nobody in the team is refused, changing nothing.
func TestPeopleByNameOnTeams(t *testing.T) {
	w := newWorld(t)
	carol1, carol2 := faketeams.UserID("carol1"), faketeams.UserID("carol2")
	w.fake.AddMember(faketeams.Member{ID: carol1, Name: "Carol", GivenName: "Carol", Surname: "Tanaka"})
	w.fake.AddMember(faketeams.Member{ID: carol2, Name: "Carol", GivenName: "Carol", Surname: "Suzuki"})
	w.fake.AddMember(faketeams.Member{ID: faketeams.UserID("yamada"), Name: "山田 太郎", GivenName: "太郎", Surname: "山田"})
	inc := w.declare("declare Queue backlog P3")
	ch := inc.Channel.ID
	say := func(text string, mentions ...faketeams.Mention) {
		t.Helper()
		act := w.fake.MessageActivity(ch, w.alice, "Alice", faketeams.BotMention().Markup()+" "+text, append([]faketeams.Mention{faketeams.BotMention()}, mentions...)...)
		require.Equal(t, http.StatusOK, w.deliver(act).Status)
	}
	role := func(r bot.Role) bot.User {
		got, err := w.st.Get(context.Background(), inc.ID)
		require.NoError(t, err)
		return got.Roles[r]
	}

	say("role ops carol suzuki")
	require.Eventually(t, func() bool { return role(bot.RoleOperations).ID == carol2 }, wait, 20*time.Millisecond)
	say("role scribe 山田太郎")
	require.Eventually(t, func() bool { return role(bot.RoleScribe).Name == "山田 太郎" }, wait, 20*time.Millisecond)
	require.NotEmpty(t, w.fake.Calls("connector.members"))

	say("role comms carol")
	require.Eventually(t, func() bool {
		return containsText(w.fake.Activities(ch), "Several people are called `carol`")
	}, wait, 20*time.Millisecond)
	ghost := faketeams.Mention{ID: faketeams.UserID("ghost"), Name: "Ghost"}
	say("role comms "+ghost.Markup(), ghost)
	require.Eventually(t, func() bool { return containsText(w.fake.Activities(ch), "Nobody here is called `Ghost`") }, wait, 20*time.Millisecond)
	require.NotEmpty(t, w.fake.Calls("connector.member"))
	require.True(t, role(bot.RoleCommunications).IsZero(), "refusals change nothing")
}

func containsText(acts []faketeams.Activity, s string) bool {
	for _, a := range acts {
		if strings.Contains(a.Text, s) {
			return true
		}
		for _, at := range a.Attachments {
			if strings.Contains(string(at.Content), s) {
				return true
			}
		}
	}
	return false
}
