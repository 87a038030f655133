package handlers

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

func TestWebTimelinePageHonoursTheAudience(t *testing.T) {
	e := newPrivateEnv(t, Options{Admins: []string{"UADM"}})
	ctx := context.Background()
	carol := bot.Viewer{Platform: "test", User: e.carol}
	bob := bot.Viewer{Platform: "test", User: e.bob}
	admin := bot.Viewer{Platform: "test", User: bot.User{ID: "UADM", Name: "root"}}
	before := e.timeline(e.priv.ID)

	_, _, err := e.svc.TimelinePage(ctx, carol, e.priv.ID, bot.TimelinePageQuery{})
	require.ErrorIs(t, err, bot.ErrNotFound)
	ok, err := e.svc.Sees(ctx, carol, e.priv.ID)
	require.NoError(t, err)
	require.False(t, ok)
	_, err = e.svc.Sees(ctx, carol, 99)
	require.ErrorIs(t, err, bot.ErrNotFound)

	inc, page, err := e.svc.TimelinePage(ctx, bob, e.priv.ID, bot.TimelinePageQuery{})
	require.NoError(t, err)
	require.Equal(t, e.priv.ID, inc.ID)
	require.Len(t, page.Entries, len(before))
	require.EqualValues(t, len(before), page.Total)
	require.Equal(t, before[len(before)-1].ID, page.Tail)
	require.False(t, page.Newer)
	require.False(t, page.Older)
	ok, err = e.svc.Sees(ctx, bob, e.priv.ID)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, before, e.timeline(e.priv.ID), "reading writes nothing")

	// An admin sees it: the page writes the look, Sees writes nothing.
	ok, err = e.svc.Sees(ctx, admin, e.priv.ID)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, before, e.timeline(e.priv.ID))
	_, _, err = e.svc.TimelinePage(ctx, admin, e.priv.ID, bot.TimelinePageQuery{})
	require.NoError(t, err)
	require.Len(t, e.timeline(e.priv.ID), len(before)+1)
}

func TestWebTimelinePageByKind(t *testing.T) {
	e := newPrivateEnv(t, Options{})
	ctx := context.Background()
	ch := e.pub.Channel.ID
	for range 3 {
		e.send(ch, bot.Event{Kind: bot.EventMessage, User: e.bob, Text: "chatter", Ref: "x"})
	}
	e.must(e.bob, ch, "note the provider confirmed")
	bob := bot.Viewer{Platform: "test", User: e.bob}
	_, page, err := e.svc.TimelinePage(ctx, bob, e.pub.ID, bot.TimelinePageQuery{Kinds: []bot.EntryKind{bot.KindNote}, Limit: 2})
	require.NoError(t, err)
	require.Len(t, page.Entries, 1)
	require.Equal(t, "the provider confirmed", page.Entries[0].Text)

	// Pages of 2: the note is found, reading back over the messages.
	_, page, err = e.svc.TimelinePage(ctx, bob, e.pub.ID, bot.TimelinePageQuery{Kinds: []bot.EntryKind{bot.KindDeclared}, Limit: 2})
	require.NoError(t, err)
	require.Len(t, page.Entries, 1)
	require.Equal(t, bot.KindDeclared, page.Entries[0].Kind)
	require.False(t, page.Older)

	// A corrected entry comes with its history.
	msgs := e.timeline(e.pub.ID)
	var chatter bot.TimelineEntry
	for _, m := range msgs {
		if m.Text == "chatter" {
			chatter = m
		}
	}
	e.must(e.alice, ch, "timeline edit #"+bot.ShortRef(chatter.ID)+" corrected chatter")
	ce, err := e.svc.CuratedEntry(ctx, e.pub.ID, chatter.ID)
	require.NoError(t, err)
	require.Equal(t, "corrected chatter", ce.Text)
	require.Len(t, ce.Versions, 1)
	require.Equal(t, "chatter", ce.Versions[0].Text)
}
