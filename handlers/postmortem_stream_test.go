package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/postmortem"
	"github.com/warroomhq/warroom/store"
	"github.com/warroomhq/warroom/store/storetest"
)

// streamStory is a timeline of n entries with what the draft has to work
// out across the store's pages (1,000 entries): edits, deletions and pins
// of earlier messages, an edit that arrived before its message, an edit
// of a message never recorded, notes, status, role and priority changes.
func streamStory(started time.Time, n int) []bot.TimelineEntry {
	out := make([]bot.TimelineEntry, 0, n)
	for k := range n {
		e := bot.TimelineEntry{At: started.Add(time.Duration(k) * time.Second), Kind: bot.KindMessage,
			Author: bot.User{ID: fmt.Sprintf("U%03d", k%40), Name: fmt.Sprintf("responder <%d> *bold*", k%40)},
			Text:   fmt.Sprintf("message %d: db-%d lag [link](javascript:x) | # %d_ms", k, k%7, k%900),
			Ref:    fmt.Sprintf("m%d", k)}
		switch {
		case k == 0:
			e.Kind, e.Text, e.Ref = bot.KindDeclared, "Checkout latency", ""
			e.Data = map[string]string{"priority": "P2"}
		case k%1000 == 500:
			e.Kind, e.Ref, e.Text = bot.KindStatus, "", "we found it"
			e.Data = map[string]string{"from": "investigating", "to": "identified"}
		case k%1200 == 600:
			e.Kind, e.Ref, e.Text = bot.KindPriority, "", ""
			e.Data = map[string]string{"from": "P2", "to": "P1"}
		case k%700 == 350:
			e.Kind, e.Ref = bot.KindRole, ""
			e.Data = map[string]string{"role": "commander", "user_id": e.Author.ID, "user_name": e.Author.Name}
		case k%997 == 0:
			// Arrived before the message it edits, two entries on.
			e.Kind, e.Ref, e.RefersTo, e.Text = bot.KindEdit, "", fmt.Sprintf("m%d", k+2), "edited ahead"
		case k%1499 == 0:
			e.Kind, e.Ref, e.RefersTo, e.Text = bot.KindEdit, "", "m-never", "edit of a message never recorded"
		case k%97 == 0:
			e.Kind, e.Ref, e.RefersTo, e.Text = bot.KindEdit, "", fmt.Sprintf("m%d", k-5), "corrected text"
		case k%131 == 0:
			e.Kind, e.Ref, e.RefersTo, e.Text = bot.KindDelete, "", fmt.Sprintf("m%d", k-7), ""
		case k%89 == 0:
			e.Kind, e.Ref, e.RefersTo, e.Text = bot.KindFlag, "", fmt.Sprintf("m%d", k-3), ""
			e.Data = map[string]string{"flag": "on", "by": "pin"}
		case k%250 == 0:
			e.Kind, e.Key = bot.KindNote, true
		case k%333 == 0:
			e.Kind = bot.KindUpdate
		}
		out = append(out, e)
	}
	return out
}

// TestPostmortemStreamedIsTheWholeDraft: the draft streamed from Redis a
// page at a time is byte for byte the draft made as before the renderer
// streamed, from the whole timeline read at once and gathered in memory
// (Data, then Execute), in both languages.
func TestPostmortemStreamedIsTheWholeDraft(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	s, err := New(storetest.New(t), newRouter(t), Options{Now: func() time.Time { return now }})
	require.NoError(t, err)
	id, err := s.store.NextID(ctx)
	require.NoError(t, err)
	started := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	inc := &bot.Incident{ID: id, Title: "Checkout latency", Status: bot.StatusInvestigating, Priority: bot.P2, Platform: "test",
		Channel: bot.Channel{ID: "C1", Name: "inc-1"}, DeclaredBy: bot.User{ID: "U1", Name: "bench"}, CreatedAt: started}
	const n = 5200
	story := streamStory(started, n)
	require.NoError(t, s.store.Create(ctx, inc, story[:1000]...))
	for from := 1000; from < n; from += 1000 {
		_, err := s.store.Append(ctx, id, story[from:min(n, from+1000)]...)
		require.NoError(t, err)
	}

	head, _, err := s.postmortemInput(ctx, id)
	require.NoError(t, err)
	all, err := s.store.Timeline(ctx, id, store.TimelineQuery{InOrder: true})
	require.NoError(t, err)
	require.Len(t, all, n)
	data, err := s.pm.Data(head, postmortem.Entries(all))
	require.NoError(t, err)
	exported, err := s.PostmortemData(ctx, id)
	require.NoError(t, err)
	require.Equal(t, data, exported, "the JSON export's data, its timeline read once")
	for _, lang := range bot.Langs {
		t.Run(string(lang), func(t *testing.T) {
			var want strings.Builder
			require.NoError(t, s.pm.Execute(&want, data, lang))
			var got strings.Builder
			require.NoError(t, s.WritePostmortem(ctx, &got, id, lang))
			require.Equal(t, want.String(), got.String())
			require.Contains(t, got.String(), "edited ahead")
			require.Greater(t, strings.Count(got.String(), "\n- "), n, "every entry is on the timeline")
		})
	}
	// An incident written before the store indexed notable entries: the
	// first draft fills the index, to the same draft.
	keys := []string{fmt.Sprintf("%sinc:{%d}:notable", s.store.Prefix(), id), fmt.Sprintf("%sinc:{%d}:refs", s.store.Prefix(), id)}
	require.Equal(t, int64(2), s.store.Client().Del(ctx, keys...).Val())
	for _, lang := range bot.Langs {
		var want, got strings.Builder
		require.NoError(t, s.pm.Execute(&want, data, lang))
		require.NoError(t, s.WritePostmortem(ctx, &got, id, lang))
		require.Equal(t, want.String(), got.String(), "not indexed, %s", lang)
		require.Equal(t, int64(2), s.store.Client().Exists(ctx, keys...).Val(), "the index is filled")
	}
}

// failAfter is a writer that fails once it has taken n bytes.
type failAfter struct {
	n       int
	written strings.Builder
}

var errWriterGone = errors.New("writer gone")

func (f *failAfter) Write(p []byte) (int, error) {
	if f.written.Len()+len(p) > f.n {
		k := f.n - f.written.Len()
		f.written.Write(p[:k])
		return k, errWriterGone
	}
	return f.written.Write(p)
}

// TestWritePostmortemWriterFails: a writer failing half-way ends the draft
// with its error, not with success, and what it took is the draft's
// beginning.
func TestWritePostmortemWriterFails(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	s, err := New(storetest.New(t), newRouter(t), Options{Now: func() time.Time { return now }})
	require.NoError(t, err)
	id, err := s.store.NextID(ctx)
	require.NoError(t, err)
	started := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	inc := &bot.Incident{ID: id, Title: "Checkout latency", Status: bot.StatusInvestigating, Platform: "test",
		DeclaredBy: bot.User{ID: "U1", Name: "bench"}, CreatedAt: started}
	require.NoError(t, s.store.Create(ctx, inc, streamStory(started, 2000)...))
	whole, err := s.Postmortem(ctx, id, bot.English)
	require.NoError(t, err)

	w := &failAfter{n: 50_000}
	err = s.WritePostmortem(ctx, w, id, bot.English)
	require.ErrorIs(t, err, errWriterGone)
	require.Equal(t, 50_000, w.written.Len())
	require.True(t, strings.HasPrefix(whole, w.written.String()))
}

// TestPostmortemChatHead: the draft posted in chat is rendered only as far
// as chat takes it, and is what cutting the whole draft gave, in both
// languages (Japanese runes are three bytes).
func TestPostmortemChatHead(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, Options{})
	inc := e.declare("Everything is slow P3")
	_, err := e.svc.store.Append(ctx, inc.ID, streamStory(e.now, 3000)[1:]...)
	require.NoError(t, err)
	for _, lang := range bot.Langs {
		t.Run(string(lang), func(t *testing.T) {
			e.p.Reset()
			require.NoError(t, e.r.Serve(ctx, bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.alice,
				Channel: inc.Channel.ID, Text: "postmortem", Locale: string(lang)}))
			post, ok := e.p.Last("Post")
			require.True(t, ok)
			whole, err := e.svc.Postmortem(ctx, inc.ID, lang)
			require.NoError(t, err)
			notice := "\n\n" + bot.T(lang, "postmortem.truncated", "url", e.svc.postmortemURL(inc.ID, lang), "id", inc.Key())
			require.Equal(t, capRunes(whole, notice, postmortemChatMax), post.Msg.Text)
		})
	}
}
