package handlers

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// fromMessage is the event a message shortcut or message action gives:
// "declare" with the message it was started from.
func (e *env) fromMessage(o bot.Origin) error {
	e.t.Helper()
	return e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.bob,
		Channel: "CGEN", Text: "declare", Origin: &o})
}

func TestDeclareFromMessage(t *testing.T) {
	e := newEnv(t, Options{})
	origin := bot.Origin{Channel: "CGEN", Ref: "1732500000.000100", Author: e.alice,
		Text: "  Checkout returns 502 for everyone\nstarted 10:02, see the dashboard  ", Link: "https://example.slack.com/archives/CGEN/p1732500000000100"}
	require.NoError(t, e.fromMessage(origin))

	call, ok := e.p.Last("OpenForm")
	require.True(t, ok, "the declare form opens")
	form := call.Form
	require.Equal(t, "declare", form.ID)
	values := map[string]string{}
	for _, in := range form.Inputs {
		values[in.ID] = in.Value
	}
	require.Equal(t, "Checkout returns 502 for everyone", values["title"], "the first line is the title")
	require.Equal(t, "Checkout returns 502 for everyone\nstarted 10:02, see the dashboard", values["description"])
	require.NotNil(t, form.Origin, "the message rides along with the form")
	require.Equal(t, e.alice, form.Origin.Author)
	require.Empty(t, e.p.Calls("CreateChannel"), "nothing declared before the form is sent")

	// The platform hands the origin back with the submission.
	sub := bot.Event{Kind: bot.EventForm, Platform: "test", User: e.bob, Channel: "CGEN", Form: &bot.FormSubmission{
		ID: "declare", Values: map[string][]string{"title": {"Checkout 502"}, "priority": {"P1"}}, Origin: form.Origin}}
	require.NoError(t, e.r.Serve(context.Background(), sub))
	inc := e.get(1)
	require.Equal(t, "Checkout 502", inc.Title, "what was submitted wins over the pre-fill")
	require.Equal(t, e.bob, inc.Roles[bot.RoleCommander])

	tl := e.timeline(1)
	require.Len(t, tl, 3)
	require.Equal(t, bot.KindDeclared, tl[0].Kind)
	from := tl[1]
	require.Equal(t, bot.KindNote, from.Kind, "the message comes right after the declaration")
	require.True(t, from.Key, "a key event for the postmortem")
	require.Equal(t, e.bob, from.Author, "brought in by the declarer")
	require.Equal(t, "Checkout returns 502 for everyone\nstarted 10:02, see the dashboard", from.Text)
	require.Equal(t, map[string]string{"origin": "message", "origin_author_id": "U1", "origin_author": "alice",
		"origin_link": origin.Link, "origin_channel": "CGEN", "origin_ref": "1732500000.000100"}, from.Data)
	require.Equal(t, bot.KindRole, tl[2].Kind)

	// The timeline command and the postmortem say where it came from.
	e.must(e.bob, inc.Channel.ID, "timeline")
	require.Contains(t, e.lastReply(), "[note] From a message by alice (https://example.slack.com/archives/CGEN/p1732500000000100): Checkout returns 502")
	md, err := e.svc.Postmortem(context.Background(), 1, bot.Japanese)
	require.NoError(t, err)
	require.Contains(t, md, "alice さんのメッセージから (https://example.slack.com/archives/CGEN/p1732500000000100): Checkout returns 502 for everyone started 10:02")

	// And the API's query serves the entry with its author and link.
	api, err := e.svc.PublicTimeline(context.Background(), 1, TimelinePage{})
	require.NoError(t, err)
	require.Greater(t, len(api), 1)
	require.Equal(t, "https://example.slack.com/archives/CGEN/p1732500000000100", api[1].Data["origin_link"])
	require.Equal(t, "alice", api[1].Data["origin_author"])
}

func TestDeclareFromMessageBadInput(t *testing.T) {
	t.Run("no text", func(t *testing.T) {
		e := newEnv(t, Options{})
		err := e.fromMessage(bot.Origin{Author: e.alice, Text: " \n\t "})
		require.Equal(t, bot.CodeEmptyOrigin, bot.CodeOf(err))
		require.Contains(t, e.lastReply(), "That message has no text")
		require.Empty(t, e.p.Calls("OpenForm", "CreateChannel"), "nothing opened, nothing made")
	})
	t.Run("oversized", func(t *testing.T) {
		e := newEnv(t, Options{})
		long := strings.Repeat("長", 250) + "\n" + strings.Repeat("x", 40000)
		require.NoError(t, e.fromMessage(bot.Origin{Author: e.alice, Text: long, Link: "javascript:alert(1)"}))
		call, _ := e.p.Last("OpenForm")
		values := map[string]string{}
		for _, in := range call.Form.Inputs {
			values[in.ID] = in.Value
		}
		require.Equal(t, maxTitle, utf8.RuneCountInString(values["title"]))
		require.True(t, strings.HasSuffix(values["title"], "…"), "a cut title says so")
		require.Equal(t, maxDescription, utf8.RuneCountInString(values["description"]))
		require.Equal(t, maxOriginText, utf8.RuneCountInString(call.Form.Origin.Text))
		require.Empty(t, call.Form.Origin.Link, "only http(s) links are kept")
		errs := e.r.ValidateForm(&bot.Event{Kind: bot.EventForm, Platform: "test", Form: &bot.FormSubmission{ID: "declare",
			Values: map[string][]string{"title": {values["title"]}, "priority": {"P3"}}}})
		require.Empty(t, errs, "the pre-filled title passes the form's own checks")
	})
	t.Run("a forged origin on a submission is bounded too", func(t *testing.T) {
		e := newEnv(t, Options{})
		sub := bot.Event{Kind: bot.EventForm, Platform: "test", User: e.bob, Channel: "CGEN", Form: &bot.FormSubmission{
			ID: "declare", Values: map[string][]string{"title": {"Big"}, "priority": {"P3"}},
			Origin: &bot.Origin{Author: e.alice, Text: strings.Repeat("y", 10000), Link: "data:text/html,hi"}}}
		require.NoError(t, e.r.Serve(context.Background(), sub))
		tl := e.timeline(1)
		require.Equal(t, maxOriginText, utf8.RuneCountInString(tl[1].Text))
		require.NotContains(t, tl[1].Data, "origin_link")
	})
	t.Run("an empty origin on a submission adds no entry", func(t *testing.T) {
		e := newEnv(t, Options{})
		sub := bot.Event{Kind: bot.EventForm, Platform: "test", User: e.bob, Channel: "CGEN", Form: &bot.FormSubmission{
			ID: "declare", Values: map[string][]string{"title": {"Quiet"}, "priority": {"P3"}}, Origin: &bot.Origin{Author: e.alice}}}
		require.NoError(t, e.r.Serve(context.Background(), sub))
		tl, err := e.st.Timeline(context.Background(), 1, store.TimelineQuery{})
		require.NoError(t, err)
		require.Len(t, tl, 2)
	})
}

func TestDeclareFromMessageWithATitleDeclaresAtOnce(t *testing.T) {
	// "declare <title>" typed with an origin (no platform sends that today)
	// is a plain declaration: the origin only pre-fills a form.
	e := newEnv(t, Options{})
	require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.bob,
		Channel: "CGEN", Text: "declare DB down", Origin: &bot.Origin{Author: e.alice, Text: "db?"}}))
	require.Equal(t, "DB down", e.get(1).Title)
	require.Empty(t, e.p.Calls("OpenForm"))
}
