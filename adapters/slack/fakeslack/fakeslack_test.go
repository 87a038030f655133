package fakeslack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
)

func newAPI(s *fakeslack.Server) *slack.Client {
	return slack.New(fakeslack.BotToken, slack.OptionAPIURL(s.APIURL()))
}

// requireSlackError asserts err is Slack's ok:false answer with code.
func requireSlackError(t *testing.T, err error, code string) {
	t.Helper()
	var serr slack.SlackErrorResponse
	require.True(t, errors.As(err, &serr), "want slack.SlackErrorResponse %q, got %T %v", code, err, err)
	require.Equal(t, code, serr.Err)
}

// rawCall posts a form to a Web API method with an optional bearer token and
// returns the status, headers and decoded body.
func rawCall(t *testing.T, s *fakeslack.Server, method, bearer string, form url.Values) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.APIURL()+method, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, resp.Header, body
}

func TestAPIURLEndsWithSlash(t *testing.T) {
	s := fakeslack.New(t)
	require.True(t, strings.HasSuffix(s.APIURL(), "/api/"), s.APIURL())
}

func TestAuth(t *testing.T) {
	s := fakeslack.New(t)

	res, err := newAPI(s).AuthTest()
	require.NoError(t, err)
	require.Equal(t, fakeslack.BotUserID, res.UserID)
	require.Equal(t, fakeslack.BotID, res.BotID)
	require.Equal(t, fakeslack.TeamID, res.TeamID)
	require.NotEmpty(t, res.URL)
	require.NotEmpty(t, res.User)
	require.NotEmpty(t, res.Team)

	tests := []struct {
		name   string
		method string
		bearer string
		form   url.Values
		want   string
	}{
		{"no token", "auth.test", "", nil, "not_authed"},
		{"unknown bearer", "auth.test", "xoxb-wrong", nil, "invalid_auth"},
		{"unknown form token", "auth.test", "", url.Values{"token": {"xoxb-wrong"}}, "invalid_auth"},
		{"bot token in form", "auth.test", "", url.Values{"token": {fakeslack.BotToken}}, ""},
		{"app token on bot method", "chat.postMessage", fakeslack.AppToken, nil, "not_allowed_token_type"},
		{"bot token on connections.open", "apps.connections.open", fakeslack.BotToken, nil, "not_allowed_token_type"},
		{"app token in form on connections.open", "apps.connections.open", "", url.Values{"token": {fakeslack.AppToken}}, "not_authed"},
		{"unknown method", "chat.doesNotExist", fakeslack.BotToken, nil, "unknown_method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := rawCall(t, s, tt.method, tt.bearer, tt.form)
			require.Equal(t, http.StatusOK, status, "Slack answers errors with HTTP 200")
			require.Contains(t, hdr.Get("Content-Type"), "application/json")
			if tt.want == "" {
				require.Equal(t, true, body["ok"], body)
				return
			}
			require.Equal(t, false, body["ok"])
			require.Equal(t, tt.want, body["error"])
		})
	}
}

func TestConversationsCreate(t *testing.T) {
	s := fakeslack.New(t)
	api := newAPI(s)
	_, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "inc-taken"})
	require.NoError(t, err)
	archived, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "inc-archived"})
	require.NoError(t, err)
	require.NoError(t, api.ArchiveConversation(archived.ID))

	tests := []struct {
		name    string
		channel string
		private bool
		want    string
	}{
		{"public", "inc-42-db-down", false, ""},
		{"private with underscore", "inc_43", true, ""},
		{"80 characters", strings.Repeat("a", 80), false, ""},
		{"81 characters", strings.Repeat("a", 81), false, "invalid_name_maxlength"},
		{"empty", "", false, "invalid_name_required"},
		{"uppercase", "Inc-44", false, "invalid_name_specials"},
		{"space", "inc 45", false, "invalid_name_specials"},
		{"dot", "inc.46", false, "invalid_name_specials"},
		{"only punctuation", "--_", false, "invalid_name_punctuation"},
		{"taken", "inc-taken", false, "name_taken"},
		{"taken by an archived channel", "inc-archived", false, "name_taken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: tt.channel, IsPrivate: tt.private})
			if tt.want != "" {
				requireSlackError(t, err, tt.want)
				return
			}
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(ch.ID, "C"), ch.ID)
			require.Equal(t, tt.channel, ch.Name)
			require.Equal(t, tt.private, ch.IsPrivate)
			require.Equal(t, fakeslack.BotUserID, ch.Creator)
			require.True(t, ch.IsMember)

			st, found := s.ChannelByName(tt.channel)
			require.True(t, found)
			require.Equal(t, ch.ID, st.ID)
			require.Equal(t, []string{fakeslack.BotUserID}, st.Members)
		})
	}
}

func TestConversationsInvite(t *testing.T) {
	s := fakeslack.New(t)
	api := newAPI(s)
	s.AddUser("U1", "alice", "Alice", "en-US")
	s.AddUser("U2", "bob", "Bob", "de-DE")
	s.AddUser("U3", "carol", "Carol", "fr-FR")
	ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "inc-1"})
	require.NoError(t, err)
	_, err = api.InviteUsersToConversation(ch.ID, "U1")
	require.NoError(t, err)
	notMine := s.AddChannel("general", false, "U1")
	secret := s.AddChannel("secret", true, "U1")

	tests := []struct {
		name    string
		channel string
		users   []string
		want    string
	}{
		{"two new users", ch.ID, []string{"U2", "U3"}, ""},
		{"all already members", ch.ID, []string{"U1"}, "already_in_channel"},
		{"unknown user", ch.ID, []string{"U404"}, "user_not_found"},
		{"the bot itself", ch.ID, []string{fakeslack.BotUserID}, "cant_invite_self"},
		{"unknown channel", "C404", []string{"U2"}, "channel_not_found"},
		{"public channel without the bot", notMine, []string{"U2"}, "not_in_channel"},
		{"private channel without the bot", secret, []string{"U2"}, "channel_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := api.InviteUsersToConversation(tt.channel, tt.users...)
			if tt.want != "" {
				requireSlackError(t, err, tt.want)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.channel, got.ID)
		})
	}
	st, _ := s.Channel(ch.ID)
	require.Equal(t, []string{fakeslack.BotUserID, "U1", "U2", "U3"}, st.Members)

	t.Run("one bad user fails the whole call", func(t *testing.T) {
		s.AddUser("U4", "dave", "Dave", "en-US")
		_, err := api.InviteUsersToConversation(ch.ID, "U4", "U404")
		requireSlackError(t, err, "user_not_found")
		st, _ := s.Channel(ch.ID)
		require.NotContains(t, st.Members, "U4")

		_, err = api.ForceInviteUsersToConversation(ch.ID, "U4", "U404")
		require.NoError(t, err)
		st, _ = s.Channel(ch.ID)
		require.Contains(t, st.Members, "U4")
	})
}

func TestConversationsTopicArchiveJoinInfo(t *testing.T) {
	s := fakeslack.New(t)
	api := newAPI(s)
	ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "inc-1"})
	require.NoError(t, err)

	got, err := api.SetTopicOfConversation(ch.ID, "P1 | Commander: alice")
	require.NoError(t, err)
	require.Equal(t, "P1 | Commander: alice", got.Topic.Value)
	_, err = api.SetTopicOfConversation(ch.ID, strings.Repeat("x", 251))
	requireSlackError(t, err, "too_long")
	st, _ := s.Channel(ch.ID)
	require.Equal(t, "P1 | Commander: alice", st.Topic)

	info, err := api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: ch.ID, IncludeNumMembers: true})
	require.NoError(t, err)
	require.Equal(t, "inc-1", info.Name)
	require.Equal(t, 1, info.NumMembers)
	_, err = api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: "C404"})
	requireSlackError(t, err, "channel_not_found")

	general := s.AddChannel("general", false, "U1")
	_, _, err = api.PostMessage(general, slack.MsgOptionText("hi", false))
	requireSlackError(t, err, "not_in_channel")
	joined, warning, _, err := api.JoinConversation(general)
	require.NoError(t, err)
	require.Empty(t, warning)
	require.True(t, joined.IsMember)
	_, warning, _, err = api.JoinConversation(general)
	require.NoError(t, err)
	require.Equal(t, "already_in_channel", warning)
	_, _, _, err = api.JoinConversation(s.AddChannel("secret", true, "U1"))
	requireSlackError(t, err, "channel_not_found")

	require.NoError(t, api.ArchiveConversation(ch.ID))
	requireSlackError(t, api.ArchiveConversation(ch.ID), "already_archived")
	_, _, err = api.PostMessage(ch.ID, slack.MsgOptionText("hi", false))
	requireSlackError(t, err, "is_archived")
	_, err = api.SetTopicOfConversation(ch.ID, "x")
	requireSlackError(t, err, "is_archived")
	st, _ = s.Channel(ch.ID)
	require.True(t, st.IsArchived)
}

func TestChatPostMessage(t *testing.T) {
	s := fakeslack.New(t)
	api := newAPI(s)
	ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "inc-1"})
	require.NoError(t, err)
	blocks := []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Incident*", false, false), nil, nil),
		slack.NewActionBlock("actions", slack.NewButtonBlockElement("ack", "inc-1", slack.NewTextBlockObject(slack.PlainTextType, "Ack", false, false))),
	}

	gotCh, ts1, err := api.PostMessage(ch.ID, slack.MsgOptionText("Incident declared", false), slack.MsgOptionBlocks(blocks...))
	require.NoError(t, err)
	require.Equal(t, ch.ID, gotCh)
	require.Regexp(t, `^\d{10}\.\d{6}$`, ts1)

	_, ts2, msg, err := api.PostMessageWithResponse(ch.ID, slack.MsgOptionText("reply", false), slack.MsgOptionTS(ts1))
	require.NoError(t, err)
	require.Greater(t, ts2, ts1, "timestamps increase")
	require.Equal(t, ts1, msg.ThreadTimestamp)
	require.Equal(t, fakeslack.BotID, msg.BotID)

	_, ts3, msg, err := api.PostMessageWithResponse(ch.ID, slack.MsgOptionText("orphan", false), slack.MsgOptionTS("1.000000"))
	require.NoError(t, err)
	require.Empty(t, msg.ThreadTimestamp, "a reply to a missing parent is posted unthreaded")

	st, _ := s.Channel(ch.ID)
	m1, found := st.Message(ts1)
	require.True(t, found)
	require.Equal(t, "Incident declared", m1.Text)
	require.Equal(t, 1, m1.ReplyCount)
	var stored []map[string]any
	require.NoError(t, json.Unmarshal([]byte(m1.Blocks), &stored))
	require.Len(t, stored, 2)
	require.Equal(t, "actions", stored[1]["type"])
	m3, _ := st.Message(ts3)
	require.Empty(t, m3.ThreadTS)

	private := s.AddChannel("secret", true, "U1")
	public := s.AddChannel("general", false, "U1")
	tests := []struct {
		name    string
		channel string
		opts    []slack.MsgOption
		want    string
	}{
		{"no text no blocks", ch.ID, nil, "no_text"},
		{"unknown channel", "C404", []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"private channel without the bot", private, []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"public channel without the bot", public, []slack.MsgOption{slack.MsgOptionText("x", false)}, "not_in_channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := api.PostMessage(tt.channel, tt.opts...)
			requireSlackError(t, err, tt.want)
		})
	}

	t.Run("chat:write.public", func(t *testing.T) {
		s := fakeslack.New(t, fakeslack.WithChatWritePublic())
		public := s.AddChannel("general", false, "U1")
		_, _, err := newAPI(s).PostMessage(public, slack.MsgOptionText("x", false))
		require.NoError(t, err)
	})
}

func TestChatUpdate(t *testing.T) {
	s := fakeslack.New(t)
	api := newAPI(s)
	ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "inc-1"})
	require.NoError(t, err)
	button := slack.NewActionBlock("actions", slack.NewButtonBlockElement("ack", "inc-1", slack.NewTextBlockObject(slack.PlainTextType, "Ack", false, false)))
	_, ts, err := api.PostMessage(ch.ID, slack.MsgOptionText("v1", false), slack.MsgOptionBlocks(button))
	require.NoError(t, err)

	_, gotTS, text, err := api.UpdateMessage(ch.ID, ts, slack.MsgOptionText("v2", false))
	require.NoError(t, err)
	require.Equal(t, ts, gotTS)
	require.Equal(t, "v2", text)
	st, _ := s.Channel(ch.ID)
	m, _ := st.Message(ts)
	require.Equal(t, "v2", m.Text)
	require.Equal(t, 1, m.Edits)
	require.NotEmpty(t, m.Blocks, "blocks are kept when chat.update does not send them")

	_, _, _, err = api.UpdateMessage(ch.ID, ts, slack.MsgOptionText("v3", false), slack.MsgOptionBlocks())
	require.NoError(t, err)
	st, _ = s.Channel(ch.ID)
	m, _ = st.Message(ts)
	require.Equal(t, 2, m.Edits)
	require.Empty(t, m.Blocks, `"blocks=[]" clears them`)
	require.Len(t, st.Messages, 1, "updated in place")

	_, _, _, err = api.UpdateMessage(ch.ID, "1.000000", slack.MsgOptionText("x", false))
	requireSlackError(t, err, "message_not_found")
	userTS := s.AddMessage(ch.ID, "U1", "from a person")
	_, _, _, err = api.UpdateMessage(ch.ID, userTS, slack.MsgOptionText("x", false))
	requireSlackError(t, err, "cant_update_message")

	calls := s.Calls("chat.update")
	require.Len(t, calls, 4)
	require.Equal(t, "[]", calls[1].Params["blocks"])
	require.Equal(t, ts, calls[0].Params["ts"])
	require.Equal(t, fakeslack.BotToken, calls[0].Token)
}

func TestChatPostEphemeral(t *testing.T) {
	s := fakeslack.New(t)
	api := newAPI(s)
	s.AddUser("U1", "alice", "Alice", "en-US")
	s.AddUser("U2", "bob", "Bob", "en-US")
	ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "inc-1"})
	require.NoError(t, err)
	_, err = api.InviteUsersToConversation(ch.ID, "U1")
	require.NoError(t, err)

	ts, err := api.PostEphemeral(ch.ID, "U1", slack.MsgOptionText("only you", false))
	require.NoError(t, err)
	require.NotEmpty(t, ts)
	st, _ := s.Channel(ch.ID)
	require.Equal(t, []fakeslack.EphemeralState{{TS: ts, User: "U1", Text: "only you"}}, st.Ephemerals)
	require.Empty(t, st.Messages)

	_, err = api.PostEphemeral(ch.ID, "U2", slack.MsgOptionText("x", false))
	requireSlackError(t, err, "user_not_in_channel")
}

func TestPinsAdd(t *testing.T) {
	s := fakeslack.New(t)
	api := newAPI(s)
	ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "inc-1"})
	require.NoError(t, err)
	_, ts, err := api.PostMessage(ch.ID, slack.MsgOptionText("card", false))
	require.NoError(t, err)

	require.NoError(t, api.AddPin(ch.ID, slack.NewRefToMessage(ch.ID, ts)))
	requireSlackError(t, api.AddPin(ch.ID, slack.NewRefToMessage(ch.ID, ts)), "already_pinned")
	requireSlackError(t, api.AddPin(ch.ID, slack.NewRefToMessage(ch.ID, "1.000000")), "message_not_found")
	requireSlackError(t, api.AddPin("C404", slack.NewRefToMessage("C404", ts)), "channel_not_found")
	st, _ := s.Channel(ch.ID)
	require.Equal(t, []string{ts}, st.Pins)
}

func TestChatGetPermalink(t *testing.T) {
	s := fakeslack.New(t)
	api := newAPI(s)
	s.AddUser("U1", "alice", "Alice", "en-US")
	pub := s.AddChannel("general", false, "U1")
	ts := s.AddMessage(pub, "U1", "checkout is 502")
	link, err := api.GetPermalink(&slack.PermalinkParameters{Channel: pub, Ts: ts})
	require.NoError(t, err, "a public channel the bot has not joined still has links")
	require.Equal(t, "https://"+fakeslack.TeamDomain+".slack.com/archives/"+pub+"/p"+strings.Replace(ts, ".", "", 1), link)
	require.Equal(t, fakeslack.Permalink(pub, ts), link)

	_, err = api.GetPermalink(&slack.PermalinkParameters{Channel: pub, Ts: "1.000000"})
	requireSlackError(t, err, "message_not_found")
	_, err = api.GetPermalink(&slack.PermalinkParameters{Channel: "C404", Ts: ts})
	requireSlackError(t, err, "channel_not_found")
	secret := s.AddChannel("secret", true, "U1")
	sts := s.AddMessage(secret, "U1", "hidden")
	_, err = api.GetPermalink(&slack.PermalinkParameters{Channel: secret, Ts: sts})
	requireSlackError(t, err, "channel_not_found")

	s.RateLimit("chat.getPermalink", 1, 1)
	status, hdr, body := rawCall(t, s, "chat.getPermalink", fakeslack.BotToken, url.Values{"channel": {pub}, "message_ts": {ts}})
	require.Equal(t, http.StatusTooManyRequests, status)
	require.Equal(t, "1", hdr.Get("Retry-After"))
	require.Equal(t, false, body["ok"])
}

func modal() slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           slack.NewTextBlockObject(slack.PlainTextType, "Declare", false, false),
		Submit:          slack.NewTextBlockObject(slack.PlainTextType, "Declare", false, false),
		CallbackID:      "declare",
		PrivateMetadata: `{"channel":"C1"}`,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("title", slack.NewTextBlockObject(slack.PlainTextType, "Title", false, false), nil,
				slack.NewPlainTextInputBlockElement(nil, "title_input")),
		}},
	}
}

func TestViewsOpen(t *testing.T) {
	s := fakeslack.New(t)
	api := newAPI(s)

	trigger := s.TriggerID()
	resp, err := api.OpenView(trigger, modal())
	require.NoError(t, err)
	require.NotEmpty(t, resp.ID)
	require.Equal(t, "declare", resp.CallbackID)
	require.Equal(t, `{"channel":"C1"}`, resp.PrivateMetadata)
	require.Equal(t, fakeslack.TeamID, resp.TeamID)

	_, err = api.OpenView(trigger, modal())
	requireSlackError(t, err, "exchanged_trigger_id")
	_, err = api.OpenView("12345.67890.abcdef", modal())
	requireSlackError(t, err, "invalid_trigger_id")

	calls := s.Calls("views.open")
	require.Equal(t, trigger, calls[0].Params["trigger_id"])
	var view map[string]any
	require.NoError(t, json.Unmarshal([]byte(calls[0].Params["view"]), &view), "view is kept as raw JSON")
	require.Equal(t, "modal", view["type"])
	require.Equal(t, fakeslack.BotToken, calls[0].Token, "JSON methods authenticate by header")

	t.Run("expired", func(t *testing.T) {
		s := fakeslack.New(t, fakeslack.WithTriggerTTL(time.Millisecond))
		trigger := s.TriggerID()
		time.Sleep(5 * time.Millisecond)
		_, err := newAPI(s).OpenView(trigger, modal())
		requireSlackError(t, err, "expired_trigger_id")
	})
}

func TestUsersInfo(t *testing.T) {
	s := fakeslack.New(t)
	s.AddUser("U1", "alice", "Alice A.", "de-DE")

	u, err := newAPI(s).GetUserInfo("U1")
	require.NoError(t, err)
	require.Equal(t, "U1", u.ID)
	require.Equal(t, "alice", u.Name)
	require.Equal(t, "Alice A.", u.Profile.DisplayName)
	require.Equal(t, "Alice A.", u.RealName)
	require.Equal(t, "de-DE", u.Locale, "slack-go asks for include_locale=true")
	require.NotEmpty(t, u.TZ)

	_, err = newAPI(s).GetUserInfo("U404")
	requireSlackError(t, err, "user_not_found")
}

func TestUsersList(t *testing.T) {
	s := fakeslack.New(t)
	for i := range 5 {
		s.AddUser(fmt.Sprintf("U%d", i+1), fmt.Sprintf("user%d", i+1), "", "en-US")
	}
	s.DeactivateUser("U2")
	api := newAPI(s)

	// slack-go pages through with the cursor, and waits out a 429.
	s.RateLimit("users.list", 1, 1)
	users, err := api.GetUsersContext(context.Background(), slack.GetUsersOptionLimit(2))
	require.NoError(t, err)
	ids := []string{}
	for _, u := range users {
		ids = append(ids, u.ID)
	}
	require.Equal(t, []string{"U1", "U2", "U3", "U4", "U5", fakeslack.BotUserID}, ids, "the bot is a member too")
	require.True(t, users[1].Deleted, "deactivated members are listed, marked deleted")
	require.True(t, users[5].IsBot)
	calls := s.Calls("users.list")
	require.Len(t, calls, 4, "a 429, then three pages of two")
	require.Equal(t, 429, calls[0].Status)
	require.Empty(t, calls[1].Params["cursor"])
	require.NotEmpty(t, calls[2].Params["cursor"])

	status, _, body := rawCall(t, s, "users.list", fakeslack.BotToken, url.Values{"cursor": {"bm9wZQ=="}})
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, map[string]any{"ok": false, "error": "invalid_cursor"}, body)
	_, _, body = rawCall(t, s, "users.list", fakeslack.BotToken, url.Values{"limit": {"lots"}})
	require.Equal(t, "invalid_limit", body["error"])
}

func TestFailAndRateLimit(t *testing.T) {
	s := fakeslack.New(t)
	api := newAPI(s)
	ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "inc-1"})
	require.NoError(t, err)

	s.Fail("chat.postMessage", "fatal_error", 1)
	_, _, err = api.PostMessage(ch.ID, slack.MsgOptionText("x", false))
	requireSlackError(t, err, "fatal_error")

	s.RateLimit("chat.postMessage", 7, 2)
	for range 2 {
		_, _, err = api.PostMessage(ch.ID, slack.MsgOptionText("x", false))
		var rl *slack.RateLimitedError
		require.True(t, errors.As(err, &rl), "got %T %v", err, err)
		require.Equal(t, 7*time.Second, rl.RetryAfter)
	}
	_, _, err = api.PostMessage(ch.ID, slack.MsgOptionText("x", false))
	require.NoError(t, err)

	calls := s.Calls("chat.postMessage")
	require.Len(t, calls, 4)
	require.Equal(t, []int{200, 429, 429, 200}, []int{calls[0].Status, calls[1].Status, calls[2].Status, calls[3].Status})
	require.Equal(t, []string{"fatal_error", "ratelimited", "ratelimited", ""}, []string{calls[0].Error, calls[1].Error, calls[2].Error, calls[3].Error})
	require.Equal(t, "x", calls[3].Params["text"])
	require.NotContains(t, calls[3].Params, "token", "the token is in Call.Token, not in Params")

	st, _ := s.Channel(ch.ID)
	require.Len(t, st.Messages, 1, "failed calls change nothing")

	s.RateLimit("auth.test", 3, 1)
	status, hdr, body := rawCall(t, s, "auth.test", fakeslack.BotToken, nil)
	require.Equal(t, http.StatusTooManyRequests, status)
	require.Equal(t, "3", hdr.Get("Retry-After"))
	require.Equal(t, map[string]any{"ok": false, "error": "ratelimited"}, body)
}

func TestWaitCalls(t *testing.T) {
	s := fakeslack.New(t)
	api := newAPI(s)
	go func() {
		time.Sleep(20 * time.Millisecond)
		_, _ = api.AuthTest()
		_, _ = api.AuthTest()
	}()
	calls := s.WaitCalls("auth.test", 2, 2*time.Second)
	require.Len(t, calls, 2)
}

func TestResponseURL(t *testing.T) {
	s := fakeslack.New(t)
	api := newAPI(s)

	u := s.ResponseURL()
	_, _, err := api.PostMessage("", slack.MsgOptionText("done", false), slack.MsgOptionResponseURL(u, slack.ResponseTypeEphemeral))
	require.NoError(t, err, "slack-go accepts the text answer ok")
	got := s.Responses()
	require.Len(t, got, 1)
	require.Equal(t, u, got[0].URL)
	require.Equal(t, "done", got[0].Body["text"])
	require.Equal(t, "ephemeral", got[0].Body["response_type"])

	for range 4 {
		_, _, err = api.PostMessage("", slack.MsgOptionText("again", false), slack.MsgOptionResponseURL(u, slack.ResponseTypeEphemeral))
		require.NoError(t, err)
	}
	_, _, err = api.PostMessage("", slack.MsgOptionText("sixth", false), slack.MsgOptionResponseURL(u, slack.ResponseTypeEphemeral))
	require.Error(t, err, "a response_url takes five posts")

	t.Run("replace_original edits the clicked message", func(t *testing.T) {
		s.AddUser("U1", "alice", "Alice", "en-US")
		ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "inc-1"})
		require.NoError(t, err)
		_, ts, err := api.PostMessage(ch.ID, slack.MsgOptionText("card v1", false))
		require.NoError(t, err)
		var cb slack.InteractionCallback
		require.NoError(t, json.Unmarshal(s.BlockActionsPayload("U1", ch.ID, ts, fakeslack.Action{ActionID: "ack", BlockID: "b", Value: "1", Text: "Ack"}), &cb))

		_, _, err = api.PostMessage(ch.ID, slack.MsgOptionText("card v2", false), slack.MsgOptionReplaceOriginal(cb.ResponseURL))
		require.NoError(t, err)
		st, _ := s.Channel(ch.ID)
		require.Len(t, st.Messages, 1)
		require.Equal(t, "card v2", st.Messages[0].Text)
		require.Equal(t, 1, st.Messages[0].Edits)

		_, _, err = api.PostMessage(ch.ID, slack.MsgOptionText("noted", false), slack.MsgOptionResponseURL(cb.ResponseURL, slack.ResponseTypeEphemeral))
		require.NoError(t, err)
		st, _ = s.Channel(ch.ID)
		require.Equal(t, "U1", st.Ephemerals[0].User)
		require.Equal(t, "noted", st.Ephemerals[0].Text)
	})

	t.Run("slash command in_channel response posts to the channel", func(t *testing.T) {
		s.AddUser("U1", "alice", "Alice", "en-US")
		ch := s.AddChannel("ops", false, "U1")
		form := s.SlashCommandForm("U1", ch, "help")
		_, _, err := api.PostMessage(ch, slack.MsgOptionText("help text", false), slack.MsgOptionResponseURL(form.Get("response_url"), slack.ResponseTypeInChannel))
		require.NoError(t, err)
		st, _ := s.Channel(ch)
		require.Len(t, st.Messages, 1)
		require.Equal(t, "help text", st.Messages[0].Text)
	})
}

func TestSignAndSlashCommandForm(t *testing.T) {
	t.Run("Slack's published example", func(t *testing.T) {
		body := "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
		require.Equal(t, "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
			fakeslack.Signature(fakeslack.SigningSecret, "1531420618", []byte(body)))
	})

	s := fakeslack.New(t)
	s.AddUser("U1", "alice", "Alice", "en-US")
	ch := s.AddChannel("ops", false, "U1")
	body := []byte(s.SlashCommandForm("U1", ch, "declare DB down P1").Encode())
	req := httptest.NewRequest(http.MethodPost, "/slack/commands", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	fakeslack.Sign(req, body, fakeslack.SigningSecret, time.Now())

	sv, err := slack.NewSecretsVerifier(req.Header, fakeslack.SigningSecret)
	require.NoError(t, err)
	_, err = sv.Write(body)
	require.NoError(t, err)
	require.NoError(t, sv.Ensure(), "slack-go accepts the signature")

	cmd, err := slack.SlashCommandParse(req)
	require.NoError(t, err)
	require.Equal(t, "/incident", cmd.Command)
	require.Equal(t, "declare DB down P1", cmd.Text)
	require.Equal(t, "U1", cmd.UserID)
	require.Equal(t, "alice", cmd.UserName)
	require.Equal(t, ch, cmd.ChannelID)
	require.Equal(t, "ops", cmd.ChannelName)
	require.Equal(t, fakeslack.TeamID, cmd.TeamID)
	require.Equal(t, fakeslack.AppID, cmd.APIAppID)
	require.False(t, cmd.IsEnterpriseInstall)
	require.True(t, strings.HasPrefix(cmd.ResponseURL, s.URL()+"/response/"), cmd.ResponseURL)

	_, err = newAPI(s).OpenView(cmd.TriggerID, modal())
	require.NoError(t, err, "the form's trigger_id opens a modal")
}

func TestEventBuildersParseWithSlackGo(t *testing.T) {
	const ch = "C0001"
	s := fakeslack.New(t)
	tests := []struct {
		name  string
		inner map[string]any
		check func(t *testing.T, data any)
	}{
		{"message", s.MessageEvent(fakeslack.Message{Channel: ch, User: "U1", Text: "db is down", TS: "1732600000.000100"}), func(t *testing.T, data any) {
			ev := data.(*slackevents.MessageEvent)
			require.Equal(t, "U1", ev.User)
			require.Equal(t, "db is down", ev.Text)
			require.Equal(t, "1732600000.000100", ev.TimeStamp)
			require.Equal(t, ch, ev.Channel)
			require.True(t, ev.IsChannel())
			require.Empty(t, ev.SubType)
			require.Empty(t, ev.BotID)
			require.Len(t, ev.Blocks.BlockSet, 1)
		}},
		{"thread reply", s.MessageEvent(fakeslack.Message{Channel: ch, ChannelType: "group", User: "U1", Text: "r", ThreadTS: "1.000100"}), func(t *testing.T, data any) {
			ev := data.(*slackevents.MessageEvent)
			require.Equal(t, "1.000100", ev.ThreadTimeStamp)
			require.True(t, ev.IsGroup())
		}},
		{"bot's own message", s.BotMessageEvent(fakeslack.Message{Channel: ch, Text: "card"}), func(t *testing.T, data any) {
			ev := data.(*slackevents.MessageEvent)
			require.Equal(t, fakeslack.BotID, ev.BotID)
			require.Equal(t, fakeslack.BotUserID, ev.User)
		}},
		{"message_changed", s.MessageChangedEvent(fakeslack.Message{Channel: ch, User: "U1", Text: "new", TS: "1.000100"}, "old"), func(t *testing.T, data any) {
			ev := data.(*slackevents.MessageEvent)
			require.Equal(t, "message_changed", ev.SubType)
			require.Equal(t, "new", ev.Message.Text)
			require.Equal(t, "1.000100", ev.Message.Timestamp)
			require.Equal(t, "U1", ev.Message.Edited.User)
			require.Equal(t, "old", ev.PreviousMessage.Text)
		}},
		{"message_deleted", s.MessageDeletedEvent(fakeslack.Message{Channel: ch, User: "U1", Text: "gone", TS: "1.000100"}), func(t *testing.T, data any) {
			ev := data.(*slackevents.MessageEvent)
			require.Equal(t, "message_deleted", ev.SubType)
			require.Equal(t, "1.000100", ev.DeletedTimeStamp)
			require.Equal(t, "gone", ev.PreviousMessage.Text)
		}},
		{"file_share", s.FileShareEvent(fakeslack.Message{Channel: ch, User: "U1", Text: "graph"},
			fakeslack.File{ID: "F1", Name: "cpu.png", Title: "CPU", Mimetype: "image/png", Filetype: "png", Size: 1024}), func(t *testing.T, data any) {
			ev := data.(*slackevents.MessageEvent)
			require.Equal(t, "file_share", ev.SubType)
			require.Len(t, ev.Message.Files, 1)
			f := ev.Message.Files[0]
			require.Equal(t, "F1", f.ID)
			require.Equal(t, "cpu.png", f.Name)
			require.Equal(t, "CPU", f.Title)
			require.Equal(t, "image/png", f.Mimetype)
			require.NotEmpty(t, f.Permalink)
		}},
		{"reaction_added", s.ReactionAddedEvent("U2", "eyes", ch, "1.000100", "U1"), func(t *testing.T, data any) {
			ev := data.(*slackevents.ReactionAddedEvent)
			require.Equal(t, "U2", ev.User)
			require.Equal(t, "eyes", ev.Reaction)
			require.Equal(t, "U1", ev.ItemUser)
			require.Equal(t, slackevents.Item{Type: "message", Channel: ch, Timestamp: "1.000100"}, ev.Item)
		}},
		{"reaction_removed", s.ReactionRemovedEvent("U2", "eyes", ch, "1.000100", "U1"), func(t *testing.T, data any) {
			require.Equal(t, "eyes", data.(*slackevents.ReactionRemovedEvent).Reaction)
		}},
		{"pin_added", s.PinAddedEvent("U2", ch, fakeslack.Message{User: "U1", Text: "decision", TS: "1.000100"}), func(t *testing.T, data any) {
			ev := data.(*slackevents.PinAddedEvent)
			require.Equal(t, "U2", ev.User)
			require.Equal(t, ch, ev.Channel)
			require.Equal(t, "message", ev.Item.Type)
			require.Equal(t, "1.000100", ev.Item.Message.Timestamp)
			require.Equal(t, "decision", ev.Item.Message.Text)
		}},
		{"pin_removed", s.PinRemovedEvent("U2", ch, fakeslack.Message{User: "U1", Text: "decision", TS: "1.000100"}), func(t *testing.T, data any) {
			require.Equal(t, "1.000100", data.(*slackevents.PinRemovedEvent).Item.Message.Timestamp)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := s.EventCallback("", tt.inner)
			ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
			require.NoError(t, err)
			require.Equal(t, slackevents.CallbackEvent, ev.Type)
			require.Equal(t, fakeslack.TeamID, ev.TeamID)
			require.Equal(t, fakeslack.AppID, ev.APIAppID)
			outer := ev.Data.(*slackevents.EventsAPICallbackEvent)
			require.True(t, strings.HasPrefix(outer.EventID, "Ev"), outer.EventID)
			require.NotZero(t, outer.EventTime)
			require.Equal(t, tt.inner["type"], ev.InnerEvent.Type)
			tt.check(t, ev.InnerEvent.Data)
		})
	}

	t.Run("given event_id", func(t *testing.T) {
		ev, err := slackevents.ParseEvent(s.EventCallback("Ev123", s.MessageEvent(fakeslack.Message{Channel: ch, User: "U1", Text: "x"})), slackevents.OptionNoVerifyToken())
		require.NoError(t, err)
		require.Equal(t, "Ev123", ev.Data.(*slackevents.EventsAPICallbackEvent).EventID)
	})
}

func TestInteractionPayloadsParseWithSlackGo(t *testing.T) {
	s := fakeslack.New(t)
	api := newAPI(s)
	s.AddUser("U1", "alice", "Alice", "en-US")
	ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "inc-1"})
	require.NoError(t, err)
	_, ts, err := api.PostMessage(ch.ID, slack.MsgOptionText("card", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("actions", slack.NewButtonBlockElement("ack", "inc-1", slack.NewTextBlockObject(slack.PlainTextType, "Ack", false, false)))))
	require.NoError(t, err)

	t.Run("shortcuts", func(t *testing.T) {
		var cb slack.InteractionCallback
		require.NoError(t, json.Unmarshal(s.GlobalShortcutPayload("U1", "wr_declare"), &cb))
		require.Equal(t, slack.InteractionTypeShortcut, cb.Type)
		require.Equal(t, "wr_declare", cb.CallbackID)
		require.Equal(t, "U1", cb.User.ID)
		require.NotEmpty(t, cb.TriggerID)
		require.Empty(t, cb.Channel.ID, "a global shortcut has no channel")
		require.Empty(t, cb.ResponseURL)

		said := s.AddMessage(ch.ID, "U1", "checkout is 502")
		cb = slack.InteractionCallback{}
		require.NoError(t, json.Unmarshal(s.MessageShortcutPayload("U1", ch.ID, said, "wr_declare_message"), &cb))
		require.Equal(t, slack.InteractionTypeMessageAction, cb.Type)
		require.Equal(t, "wr_declare_message", cb.CallbackID)
		require.Equal(t, ch.ID, cb.Channel.ID)
		require.Equal(t, said, cb.MessageTs)
		require.Equal(t, said, cb.Message.Timestamp)
		require.Equal(t, "U1", cb.Message.User)
		require.Equal(t, "checkout is 502", cb.Message.Text)
		require.NotEmpty(t, cb.ResponseURL)
		require.NotEmpty(t, cb.TriggerID)
	})

	t.Run("button", func(t *testing.T) {
		var cb slack.InteractionCallback
		require.NoError(t, json.Unmarshal(s.BlockActionsPayload("U1", ch.ID, ts, fakeslack.Action{ActionID: "ack", BlockID: "actions", Value: "inc-1", Text: "Ack"}), &cb))
		require.Equal(t, slack.InteractionTypeBlockActions, cb.Type)
		require.Equal(t, "U1", cb.User.ID)
		require.Equal(t, "alice", cb.User.Name)
		require.Equal(t, fakeslack.TeamID, cb.Team.ID)
		require.Equal(t, fakeslack.AppID, cb.APIAppID)
		require.Equal(t, ch.ID, cb.Channel.ID)
		require.Equal(t, "inc-1", cb.Channel.Name)
		require.Equal(t, "message", cb.Container.Type)
		require.Equal(t, ts, cb.Container.MessageTs)
		require.Equal(t, ch.ID, cb.Container.ChannelID)
		require.Equal(t, ts, cb.Message.Timestamp)
		require.Equal(t, "card", cb.Message.Text)
		require.Len(t, cb.Message.Blocks.BlockSet, 1)
		require.NotEmpty(t, cb.TriggerID)
		require.NotEmpty(t, cb.ResponseURL)
		require.Len(t, cb.ActionCallback.BlockActions, 1)
		a := cb.ActionCallback.BlockActions[0]
		require.Equal(t, "ack", a.ActionID)
		require.Equal(t, "actions", a.BlockID)
		require.Equal(t, slack.ActionType("button"), a.Type)
		require.Equal(t, "inc-1", a.Value)
		require.NotEmpty(t, a.ActionTs)
	})

	t.Run("static_select", func(t *testing.T) {
		var cb slack.InteractionCallback
		require.NoError(t, json.Unmarshal(s.BlockActionsPayload("U1", ch.ID, ts, fakeslack.Action{ActionID: "prio", BlockID: "b", Type: "static_select", Value: "P2", Text: "P2 - High"}), &cb))
		a := cb.ActionCallback.BlockActions[0]
		require.Equal(t, slack.ActionType("static_select"), a.Type)
		require.Equal(t, "P2", a.SelectedOption.Value)
		require.Equal(t, "P2 - High", a.SelectedOption.Text.Text)
		require.Equal(t, "P2", cb.BlockActionState.Values["b"]["prio"].SelectedOption.Value)
	})

	t.Run("view_submission", func(t *testing.T) {
		view, err := api.OpenView(s.TriggerID(), modal())
		require.NoError(t, err)
		var cb slack.InteractionCallback
		require.NoError(t, json.Unmarshal(s.ViewSubmissionPayload("U1", view.ID, map[string]map[string]any{
			"title":     {"title_input": fakeslack.PlainTextValue("DB down")},
			"priority":  {"priority_select": fakeslack.StaticSelectValue("P1", "P1 - Critical")},
			"commander": {"commander_select": fakeslack.UsersSelectValue("U1")},
			"options":   {"flags": fakeslack.CheckboxesValue("private", "Private")},
		}), &cb))
		require.Equal(t, slack.InteractionTypeViewSubmission, cb.Type)
		require.Equal(t, "U1", cb.User.ID)
		require.Equal(t, view.ID, cb.View.ID)
		require.Equal(t, "declare", cb.View.CallbackID)
		require.Equal(t, `{"channel":"C1"}`, cb.View.PrivateMetadata)
		require.Equal(t, "DB down", cb.View.State.Values["title"]["title_input"].Value)
		require.Equal(t, "P1", cb.View.State.Values["priority"]["priority_select"].SelectedOption.Value)
		require.Equal(t, "U1", cb.View.State.Values["commander"]["commander_select"].SelectedUser)
		require.Equal(t, "private", cb.View.State.Values["options"]["flags"].SelectedOptions[0].Value)
	})

	t.Run("over HTTP", func(t *testing.T) {
		payload := s.BlockActionsPayload("U1", ch.ID, ts, fakeslack.Action{ActionID: "ack", BlockID: "actions", Value: "inc-1", Text: "Ack"})
		req := httptest.NewRequest(http.MethodPost, "/slack/interactions", strings.NewReader(fakeslack.InteractionForm(payload).Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		cb, err := slack.InteractionCallbackParse(req)
		require.NoError(t, err)
		require.Equal(t, "ack", cb.ActionCallback.BlockActions[0].ActionID)
	})
}

// runSocketMode starts slack-go's Socket Mode client against s and returns
// its events, less the connection life-cycle ones.
func runSocketMode(t *testing.T, s *fakeslack.Server, opts ...socketmode.Option) (*socketmode.Client, <-chan socketmode.Event) {
	t.Helper()
	client := socketmode.New(slack.New(fakeslack.BotToken,
		slack.OptionAppLevelToken(fakeslack.AppToken),
		slack.OptionAPIURL(s.APIURL())), opts...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = client.RunContext(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})

	events := make(chan socketmode.Event, 50)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-client.Events:
				switch ev.Type {
				case socketmode.EventTypeConnecting, socketmode.EventTypeConnected, socketmode.EventTypeHello:
				default:
					events <- ev
				}
			}
		}
	}()
	require.True(t, s.SocketConnected(5*time.Second), "socketmode client connects")
	return client, events
}

func nextEvent(t *testing.T, events <-chan socketmode.Event) socketmode.Event {
	t.Helper()
	select {
	case ev := <-events:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no Socket Mode event within 5s")
		return socketmode.Event{}
	}
}

func TestSocketMode(t *testing.T) {
	s := fakeslack.New(t)
	s.AddUser("U1", "alice", "Alice", "en-US")
	chID := s.AddChannel("ops", false, "U1", fakeslack.BotUserID)
	client, events := runSocketMode(t, s)

	calls := s.Calls("apps.connections.open")
	require.Len(t, calls, 1)
	require.Equal(t, fakeslack.AppToken, calls[0].Token)

	t.Run("events_api", func(t *testing.T) {
		id := s.SendEnvelope(fakeslack.EnvelopeEventsAPI,
			s.EventCallback("Ev1", s.MessageEvent(fakeslack.Message{Channel: chID, User: "U1", Text: "hello"})))
		ev := nextEvent(t, events)
		require.Equal(t, socketmode.EventTypeEventsAPI, ev.Type)
		require.Equal(t, id, ev.Request.EnvelopeID)
		require.False(t, ev.Request.AcceptsResponsePayload)
		api := ev.Data.(slackevents.EventsAPIEvent)
		require.Equal(t, "Ev1", api.Data.(*slackevents.EventsAPICallbackEvent).EventID)
		require.Equal(t, "hello", api.InnerEvent.Data.(*slackevents.MessageEvent).Text)

		require.NoError(t, client.Ack(*ev.Request, map[string]string{"note": "seen"}))
		payload, ok := s.WaitAck(id, 2*time.Second)
		require.True(t, ok)
		require.JSONEq(t, `{"note":"seen"}`, string(payload))
	})

	t.Run("re-delivery", func(t *testing.T) {
		id := s.SendEnvelope(fakeslack.EnvelopeEventsAPI,
			s.EventCallback("Ev1", s.MessageEvent(fakeslack.Message{Channel: chID, User: "U1", Text: "hello"})),
			fakeslack.WithEnvelopeID("env-1"), fakeslack.WithRetry(1, "timeout"))
		require.Equal(t, "env-1", id)
		ev := nextEvent(t, events)
		require.Equal(t, 1, ev.Request.RetryAttempt)
		require.Equal(t, "timeout", ev.Request.RetryReason)
		require.NoError(t, client.Ack(*ev.Request))
		payload, ok := s.WaitAck(id, 2*time.Second)
		require.True(t, ok)
		require.Nil(t, payload, "an ack without payload")
	})

	t.Run("slash_commands", func(t *testing.T) {
		id := s.SendEnvelope(fakeslack.EnvelopeSlashCommands, s.SlashCommandPayload("U1", chID, "status"))
		ev := nextEvent(t, events)
		require.Equal(t, socketmode.EventTypeSlashCommand, ev.Type)
		require.True(t, ev.Request.AcceptsResponsePayload)
		cmd := ev.Data.(slack.SlashCommand)
		require.Equal(t, "/incident", cmd.Command)
		require.Equal(t, "status", cmd.Text)
		require.Equal(t, "U1", cmd.UserID)
		require.NoError(t, client.Ack(*ev.Request, map[string]any{"response_type": "ephemeral", "text": "No incident here."}))
		payload, ok := s.WaitAck(id, 2*time.Second)
		require.True(t, ok)
		require.JSONEq(t, `{"response_type":"ephemeral","text":"No incident here."}`, string(payload))
	})

	t.Run("interactive", func(t *testing.T) {
		_, ts, err := newAPI(s).PostMessage(chID, slack.MsgOptionText("card", false))
		require.NoError(t, err)
		s.SendEnvelope(fakeslack.EnvelopeInteractive, s.BlockActionsPayload("U1", chID, ts, fakeslack.Action{ActionID: "ack", BlockID: "b", Value: "1", Text: "Ack"}))
		ev := nextEvent(t, events)
		require.Equal(t, socketmode.EventTypeInteractive, ev.Type)
		require.False(t, ev.Request.AcceptsResponsePayload, "block_actions cannot be answered in the ack")
		cb := ev.Data.(slack.InteractionCallback)
		require.Equal(t, "ack", cb.ActionCallback.BlockActions[0].ActionID)
		require.NoError(t, client.Ack(*ev.Request))

		view, err := newAPI(s).OpenView(s.TriggerID(), modal())
		require.NoError(t, err)
		id := s.SendEnvelope(fakeslack.EnvelopeInteractive, s.ViewSubmissionPayload("U1", view.ID, nil))
		ev = nextEvent(t, events)
		require.True(t, ev.Request.AcceptsResponsePayload)
		require.NoError(t, client.Ack(*ev.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"title": "Required"})))
		payload, ok := s.WaitAck(id, 2*time.Second)
		require.True(t, ok)
		require.JSONEq(t, `{"response_action":"errors","errors":{"title":"Required"}}`, string(payload))
	})

	t.Run("no ack", func(t *testing.T) {
		id := s.SendEnvelope(fakeslack.EnvelopeEventsAPI, s.EventCallback("", s.MessageEvent(fakeslack.Message{Channel: chID, User: "U1", Text: "x"})))
		nextEvent(t, events)
		_, ok := s.WaitAck(id, 50*time.Millisecond)
		require.False(t, ok)
	})

	t.Run("disconnect and reconnect", func(t *testing.T) {
		require.Equal(t, 1, s.SocketConnects())
		s.Disconnect("refresh_requested")
		require.True(t, s.SocketConnected(5*time.Second))
		require.Equal(t, 2, s.SocketConnects())
		require.Len(t, s.Calls("apps.connections.open"), 2, "the client asks for a fresh URL")

		id := s.SendEnvelope(fakeslack.EnvelopeEventsAPI, s.EventCallback("", s.MessageEvent(fakeslack.Message{Channel: chID, User: "U1", Text: "after"})))
		var ev socketmode.Event
		for ev.Type != socketmode.EventTypeEventsAPI {
			ev = nextEvent(t, events)
		}
		require.NoError(t, client.Ack(*ev.Request))
		_, ok := s.WaitAck(id, 2*time.Second)
		require.True(t, ok)
	})
}

func TestSocketModePingsKeepTheClientConnected(t *testing.T) {
	s := fakeslack.New(t, fakeslack.WithPingInterval(20*time.Millisecond))
	runSocketMode(t, s, socketmode.OptionPingInterval(200*time.Millisecond))
	time.Sleep(700 * time.Millisecond)
	require.Equal(t, 1, s.SocketConnects(), "a pinged client does not reconnect")
}

func TestSocketModeRequiresATicket(t *testing.T) {
	s := fakeslack.New(t)
	resp, err := http.Get(s.URL() + "/socket?ticket=nope")
	require.NoError(t, err)
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}
