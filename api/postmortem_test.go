package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/store"
	"github.com/warroomhq/warroom/store/storetest"
)

// failXRange fails every pipeline holding an XRANGE once armed and more
// than after of them went through: Redis going away while a timeline is
// read page by page.
type failXRange struct {
	armed atomic.Bool
	after int64
	seen  atomic.Int64
}

func (f *failXRange) DialHook(next redis.DialHook) redis.DialHook { return next }
func (f *failXRange) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return next
}

func (f *failXRange) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			if c.Name() == "xrange" && f.armed.Load() && f.seen.Add(1) > f.after {
				err := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
				for _, c := range cmds {
					c.SetErr(err)
				}
				return err
			}
		}
		return next(ctx, cmds)
	}
}

// pmAPI serves the API over a service whose clock stands still, so that
// two drafts of one incident are the same to the byte.
func pmAPI(t *testing.T, st *store.Store) http.Handler {
	t.Helper()
	svc, err := handlers.New(st, newRouter(t), handlers.Options{Now: func() time.Time { return apiT0.Add(time.Hour) }})
	require.NoError(t, err)
	return New(svc, "", nil)
}

// pmIncident stores a public incident of n messages.
func pmIncident(t *testing.T, st *store.Store, n int) *bot.Incident {
	t.Helper()
	entries := make([]bot.TimelineEntry, n)
	for k := range entries {
		entries[k] = bot.TimelineEntry{At: apiT0.Add(time.Duration(k) * time.Second), Kind: bot.KindMessage,
			Author: bot.User{ID: "U1", Name: "alice"}, Text: fmt.Sprintf("message %d: checked the replication lag", k),
			Ref: fmt.Sprintf("m%d", k)}
	}
	return apiCreate(t, st, bot.Incident{Title: "Checkout latency", Status: bot.StatusInvestigating, Platform: "test",
		DeclaredBy: bot.User{ID: "U1", Name: "alice"}, CreatedAt: apiT0}, entries...)
}

// TestPostmortemStreamCutWhenRedisFails: the draft is streamed; when
// Redis fails after the draft began (the renderer's reading of the
// timeline, a page at a time, after its notable part), the response is cut, so the client sees a
// broken body and not a 200 with a draft that merely looks complete. When
// Redis fails before the first byte, the answer is the JSON 503.
func TestPostmortemStreamCutWhenRedisFails(t *testing.T) {
	st := storetest.New(t)
	inc := pmIncident(t, st, 2500) // three pages of the store's 1,000
	hook := &failXRange{}
	st.Client().AddHook(hook)
	srv := httptest.NewServer(pmAPI(t, st))
	t.Cleanup(srv.Close)
	get := func(t *testing.T) (*http.Response, string, error) {
		res, err := http.Get(srv.URL + "/api/incidents/" + inc.Key() + "/postmortem.md")
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return res, string(b), err
	}
	res, whole, err := get(t)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "text/markdown; charset=utf-8", res.Header.Get("Content-Type"))
	require.Contains(t, whole, "message 2499: checked")
	require.Contains(t, whole, "## Follow-ups")

	t.Run("half-way", func(t *testing.T) {
		hook.seen.Store(0)
		hook.after = 1 // the timeline's first page (nothing in it is notable), and one more
		hook.armed.Store(true)
		defer hook.armed.Store(false)
		res, body, err := get(t)
		require.Equal(t, http.StatusOK, res.StatusCode, "sent with the draft's first byte")
		require.ErrorIs(t, err, io.ErrUnexpectedEOF, "the body is cut, not ended")
		require.NotEmpty(t, body)
		require.True(t, strings.HasPrefix(whole, body), "what came is the draft's beginning")
		require.Less(t, len(body), len(whole))
		require.NotContains(t, body, `"error"`)
	})
	t.Run("at the start", func(t *testing.T) {
		hook.seen.Store(0)
		hook.after = 0
		hook.armed.Store(true)
		defer hook.armed.Store(false)
		res, body, err := get(t)
		require.NoError(t, err)
		require.Equal(t, http.StatusServiceUnavailable, res.StatusCode, body)
		require.Equal(t, "application/json; charset=utf-8", res.Header.Get("Content-Type"))
		require.Contains(t, body, `"unavailable"`)
	})
}

// brokenWriter is a ResponseWriter whose client goes away after n bytes.
type brokenWriter struct {
	*httptest.ResponseRecorder
	n       int
	headers int // WriteHeader calls
}

func (b *brokenWriter) WriteHeader(code int) {
	b.headers++
	b.ResponseRecorder.WriteHeader(code)
}

func (b *brokenWriter) Write(p []byte) (int, error) {
	if b.Body.Len()+len(p) > b.n {
		k := b.n - b.Body.Len()
		b.ResponseRecorder.Write(p[:k])
		return k, errors.New("write: broken pipe")
	}
	return b.ResponseRecorder.Write(p)
}

// TestPostmortemStreamClientGone: when the client goes away half-way, the
// handler stops and aborts (http.ErrAbortHandler, which net/http answers
// by closing the connection); it writes no error after the draft's
// beginning and does not end the response as if it were whole.
func TestPostmortemStreamClientGone(t *testing.T) {
	st := storetest.New(t)
	inc := pmIncident(t, st, 2500)
	h := pmAPI(t, st)
	w := &brokenWriter{ResponseRecorder: httptest.NewRecorder(), n: 20_000}
	req := httptest.NewRequest(http.MethodGet, "/api/incidents/"+inc.Key()+"/postmortem.md", nil)
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		h.ServeHTTP(w, req)
	}()
	require.Equal(t, http.ErrAbortHandler, recovered)
	require.Equal(t, 1, w.headers, "one 200, with the first byte; no error status after it")
	require.Equal(t, http.StatusOK, w.Code)
	require.Equal(t, 20_000, w.Body.Len())
	require.NotContains(t, w.Body.String(), `"error"`)
}
