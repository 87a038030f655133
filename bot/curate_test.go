package bot_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

func TestEntryRefs(t *testing.T) {
	for _, id := range []string{"1764770000000-0", "1764770000000-3", "0-0"} {
		short := bot.ShortRef(id)
		got, ok := bot.ParseEntryRef("#" + short)
		require.True(t, ok, short)
		require.Equal(t, id, got)
		got, ok = bot.ParseEntryRef(id)
		require.True(t, ok)
		require.Equal(t, id, got, "a stream ID is taken as it is")
	}
	require.Equal(t, "miq2hqww", bot.ShortRef("1764770000000-0"))
	for _, bad := range []string{"", "#", "12-x", "abc!", "mip.x"} {
		_, ok := bot.ParseEntryRef(bad)
		require.False(t, ok, bad)
	}
}

func TestCurationSeq(t *testing.T) {
	base := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return base.Add(time.Duration(min) * time.Minute) }
	e := func(id string, min int, kind bot.EntryKind, text string) bot.TimelineEntry {
		return bot.TimelineEntry{ID: id, At: at(min), Kind: kind, Text: text}
	}
	msg := e("1-0", 0, bot.KindMessage, "hello")
	msg.Ref = "m1"
	edit := e("2-0", 1, bot.KindEdit, "hello!")
	edit.RefersTo = "m1"
	status := e("3-0", 2, bot.KindStatus, "")
	late := e("4-0", 3, bot.KindMessage, "retimed")
	back := e("5-0", -5, bot.KindNote, "deploy started")
	back.Data = map[string]string{bot.DataAddedAt: at(4).Format(time.RFC3339)}
	hide := bot.TimelineEntry{ID: "6-0", Kind: bot.KindHide, Target: "1-0"}
	fix := bot.TimelineEntry{ID: "7-0", Kind: bot.KindCorrection, Target: "4-0", Text: "retimed and fixed",
		Data: map[string]string{bot.DataAt: at(1).Add(30 * time.Second).Format(time.RFC3339Nano)}}
	timeline := []bot.TimelineEntry{msg, edit, status, late, back, hide, fix}

	c := bot.NewCuration([]bot.TimelineEntry{back, hide, fix},
		map[string]bot.TimelineEntry{"1-0": msg, "4-0": late})
	var got []string
	for _, ce := range c.Curate(timeline, time.Time{}, time.Time{}) {
		mark := ""
		if ce.Hidden {
			mark = " (hidden)"
		}
		got = append(got, ce.ID+" "+ce.Text+mark)
	}
	require.Equal(t, []string{
		"5-0 deploy started", "1-0 hello (hidden)", "2-0 hello! (hidden)", "4-0 retimed and fixed", "3-0 ",
	}, got, "backdated and retimed entries at their time; a hidden message's edit is hidden with it")

	var pm []string
	for e, err := range c.Entries(func(yield func(bot.TimelineEntry, error) bool) {
		for _, e := range timeline {
			if !yield(e, nil) {
				return
			}
		}
	}) {
		require.NoError(t, err)
		pm = append(pm, e.ID+":"+e.Data[bot.DataCorrected])
	}
	require.Equal(t, []string{"5-0:", "4-0:1", "3-0:"}, pm, "the postmortem leaves hidden entries out and marks corrected ones")

	window := c.Curate(timeline[1:], at(1), time.Time{})
	require.Len(t, window, 3, "a page from 14:01 leaves out what moved before it")
	require.Equal(t, "4-0", window[1].ID, "and keeps what moved into it")
	window = c.Curate(timeline[:2], time.Time{}, at(1))
	require.Len(t, window, 3, "a page through 14:01 keeps what moved before its end")
	require.Equal(t, "5-0", window[0].ID)
	require.True(t, c.Moved("4-0"))
	require.False(t, c.Moved("3-0"))

	unhide := bot.TimelineEntry{ID: "8-0", Kind: bot.KindUnhide, Target: "1-0"}
	c = bot.NewCuration([]bot.TimelineEntry{hide, unhide}, map[string]bot.TimelineEntry{"1-0": msg})
	hidden, known := c.State("1-0")
	require.True(t, known)
	require.False(t, hidden)
	require.Len(t, c.Apply(msg).Changes, 2)
}
