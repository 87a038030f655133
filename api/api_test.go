package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/store"
	"github.com/warroomhq/warroom/store/storetest"
)

var apiT0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

// apiResponse is what one request to the API answered.
type apiResponse struct {
	Status int
	Header http.Header
	Body   string
}

// apiDo sends one request to h and checks what every answer must have:
// the JSON content type, no caching, and a body that is JSON.
func apiDo(t *testing.T, h http.Handler, method, target string, header ...string) apiResponse {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := apiResponse{Status: rec.Code, Header: rec.Header(), Body: rec.Body.String()}
	require.Equal(t, "application/json; charset=utf-8", res.Header.Get("Content-Type"), "body: %s", res.Body)
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	require.True(t, json.Valid([]byte(res.Body)), "body is not JSON: %q", res.Body)
	return res
}

// apiErr decodes an error body, failing unless it has exactly the error shape.
func apiErr(t *testing.T, res apiResponse) (code, message string) {
	t.Helper()
	var body map[string]map[string]string
	require.NoError(t, json.Unmarshal([]byte(res.Body), &body), res.Body)
	require.Len(t, body, 1, res.Body)
	e, ok := body["error"]
	require.True(t, ok, res.Body)
	require.Len(t, e, 2, res.Body)
	require.NotEmpty(t, e["message"], res.Body)
	return e["code"], e["message"]
}

// apiCreate stores inc under the next ID with its first entries.
func apiCreate(t *testing.T, st *store.Store, inc bot.Incident, entries ...bot.TimelineEntry) *bot.Incident {
	t.Helper()
	ctx := context.Background()
	id, err := st.NextID(ctx)
	require.NoError(t, err)
	inc.ID = id
	require.NoError(t, st.Create(ctx, &inc, entries...))
	return &inc
}

// newAPI serves the API over a service on st, logging to log (nil: none).
func newAPI(t *testing.T, st *store.Store, token string, log *zap.Logger) http.Handler {
	t.Helper()
	svc, err := handlers.New(st, newRouter(t), handlers.Options{Log: log})
	require.NoError(t, err)
	return New(svc, token, log)
}

// newRouter is the router the service under test is mounted on (the API
// does not use it), closed at the test's end.
func newRouter(t *testing.T) *bot.Router {
	r := bot.NewRouter(bot.Options{})
	t.Cleanup(func() { _ = r.Close(context.Background()) })
	return r
}

func TestAPIIncidentJSON(t *testing.T) {
	st := storetest.New(t)
	h := newAPI(t, st, "", nil)
	full := apiCreate(t, st, bot.Incident{
		Title:       "Checkout fails",
		Description: "5xx on /pay",
		Status:      bot.StatusResolved,
		Priority:    bot.P1,
		Summary:     "bad deploy rolled back",
		Platform:    "slack",
		Channel:     bot.Channel{ID: "C1", Name: "inc-20260501-1-checkout", URL: "https://x.slack.com/archives/C1"},
		Card:        bot.MessageRef{ChannelID: "C1", ID: "1714557600.000100"},
		Roles: map[bot.Role]bot.User{
			bot.RoleCommander:  {ID: "U1", Name: "alice"},
			bot.RoleScribe:     {ID: "U2"},
			bot.RoleOperations: {},
		},
		DeclaredBy: bot.User{ID: "U1", Name: "alice"},
		Source:     "alertmanager",
		Labels:     map[string]string{"service": "pay"},
		CreatedAt:  apiT0,
		AckedAt:    apiT0.Add(2*time.Minute + 400*time.Millisecond),
		ResolvedAt: apiT0.Add(time.Hour),
		UpdatedAt:  apiT0.Add(time.Hour + 123*time.Millisecond),
		LastUpdate: apiT0.Add(30 * time.Minute),
	})
	bare := apiCreate(t, st, bot.Incident{
		Title:     "Disk almost full",
		Status:    bot.StatusTriage,
		Platform:  "slack",
		CreatedAt: apiT0,
		UpdatedAt: apiT0,
	})

	tests := []struct {
		name string
		inc  *bot.Incident
		want string
	}{
		{"every field", full, `{
			"id": 1, "key": "INC-1", "title": "Checkout fails", "description": "5xx on /pay",
			"status": "resolved", "priority": "P1", "summary": "bad deploy rolled back", "platform": "slack",
			"channel": {"id": "C1", "name": "inc-20260501-1-checkout", "url": "https://x.slack.com/archives/C1"},
			"roles": {"commander": {"id": "U1", "name": "alice"}, "scribe": {"id": "U2", "name": "U2"}},
			"declared_by": {"id": "U1", "name": "alice"},
			"source": "alertmanager", "labels": {"service": "pay"},
			"created_at": "2026-05-01T10:00:00.000Z", "acked_at": "2026-05-01T10:02:00.400Z",
			"resolved_at": "2026-05-01T11:00:00.000Z", "closed_at": null,
			"updated_at": "2026-05-01T11:00:00.123Z", "last_update_at": "2026-05-01T10:30:00.000Z",
			"duration_seconds": 3600, "time_to_acknowledge_seconds": 120
		}`},
		{"unset fields are null or empty", bare, `{
			"id": 2, "key": "INC-2", "title": "Disk almost full", "description": "",
			"status": "triage", "priority": null, "summary": "", "platform": "slack",
			"channel": null, "roles": {}, "declared_by": null, "source": "", "labels": {},
			"created_at": "2026-05-01T10:00:00.000Z", "acked_at": null, "resolved_at": null, "closed_at": null,
			"updated_at": "2026-05-01T10:00:00.000Z", "last_update_at": null,
			"duration_seconds": null, "time_to_acknowledge_seconds": null
		}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := apiDo(t, h, http.MethodGet, "/api/incidents/"+tt.inc.Key())
			require.Equal(t, http.StatusOK, res.Status, res.Body)
			require.JSONEq(t, tt.want, res.Body)
		})
	}
}

func TestAPIList(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	h := newAPI(t, st, "", nil)

	res := apiDo(t, h, http.MethodGet, "/api/incidents")
	require.Equal(t, http.StatusOK, res.Status)
	require.JSONEq(t, `{"incidents": []}`, res.Body, "an empty list is [], not null")

	a := apiCreate(t, st, bot.Incident{Title: "a", Status: bot.StatusInvestigating, Platform: "slack"})
	b := apiCreate(t, st, bot.Incident{Title: "b", Status: bot.StatusInvestigating, Platform: "slack"})
	c := apiCreate(t, st, bot.Incident{Title: "c", Status: bot.StatusTriage, Platform: "slack"})
	_, err := st.Update(ctx, b.ID, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		inc.Status = bot.StatusResolved
		return []bot.TimelineEntry{{Kind: bot.KindStatus, Data: map[string]string{"from": "investigating", "to": "resolved"}}}, nil
	})
	require.NoError(t, err)

	tests := []struct {
		query    string
		want     []string // keys, in order
		wantCode string   // error code when not 200
	}{
		{"", []string{c.Key(), b.Key(), a.Key()}, ""},
		{"?status=all", []string{c.Key(), b.Key(), a.Key()}, ""},
		{"?status=open", []string{c.Key(), a.Key()}, ""},
		{"?limit=2", []string{c.Key(), b.Key()}, ""},
		{"?limit=500", []string{c.Key(), b.Key(), a.Key()}, ""},
		{"?status=open&limit=1", []string{c.Key()}, ""},
		{"?limit=0", nil, "bad_request"},
		{"?limit=501", nil, "bad_request"},
		{"?limit=-1", nil, "bad_request"},
		{"?limit=ten", nil, "bad_request"},
		{"?limit=", nil, "bad_request"},
		{"?status=resolved", nil, "bad_request"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := apiDo(t, h, http.MethodGet, "/api/incidents"+tt.query)
			if tt.wantCode != "" {
				require.Equal(t, http.StatusBadRequest, res.Status, res.Body)
				code, _ := apiErr(t, res)
				require.Equal(t, tt.wantCode, code)
				return
			}
			require.Equal(t, http.StatusOK, res.Status, res.Body)
			var body struct {
				Incidents []struct {
					ID     int64  `json:"id"`
					Key    string `json:"key"`
					Status string `json:"status"`
				} `json:"incidents"`
			}
			require.NoError(t, json.Unmarshal([]byte(res.Body), &body))
			got := make([]string, 0, len(body.Incidents))
			for _, inc := range body.Incidents {
				require.Equal(t, bot.FormatID(inc.ID), inc.Key)
				got = append(got, inc.Key)
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestAPIGet(t *testing.T) {
	st := storetest.New(t)
	h := newAPI(t, st, "", nil)
	inc := apiCreate(t, st, bot.Incident{Title: "Checkout fails", Status: bot.StatusInvestigating, Platform: "slack"})
	n := fmt.Sprint(inc.ID)
	missing := fmt.Sprint(inc.ID + 1000)

	tests := []struct {
		id          string
		wantStatus  int
		wantCode    string
		wantMessage string
	}{
		{"INC-" + n, http.StatusOK, "", ""},
		{"inc-" + n, http.StatusOK, "", ""},
		{n, http.StatusOK, "", ""},
		{"INC-" + missing, http.StatusNotFound, "not_found", "incident INC-" + missing + " not found"},
		{missing, http.StatusNotFound, "not_found", "incident INC-" + missing + " not found"},
		{"abc", http.StatusBadRequest, "bad_request", ""},
		{"0", http.StatusBadRequest, "bad_request", ""},
		{"INC-", http.StatusBadRequest, "bad_request", ""},
		{"-1", http.StatusBadRequest, "bad_request", ""},
		{"99999999999999999999999", http.StatusBadRequest, "bad_request", ""},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			res := apiDo(t, h, http.MethodGet, "/api/incidents/"+tt.id)
			require.Equal(t, tt.wantStatus, res.Status, res.Body)
			if tt.wantStatus == http.StatusOK {
				var got struct {
					ID    int64  `json:"id"`
					Key   string `json:"key"`
					Title string `json:"title"`
				}
				require.NoError(t, json.Unmarshal([]byte(res.Body), &got))
				require.Equal(t, inc.ID, got.ID)
				require.Equal(t, inc.Key(), got.Key)
				require.Equal(t, "Checkout fails", got.Title)
				return
			}
			code, msg := apiErr(t, res)
			require.Equal(t, tt.wantCode, code)
			if tt.wantMessage != "" {
				require.Equal(t, tt.wantMessage, msg)
			}
		})
	}
}

func TestAPITimeline(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	h := newAPI(t, st, "", nil)
	alice := bot.User{ID: "U1", Name: "alice"}
	inc := apiCreate(t, st, bot.Incident{Title: "Checkout fails", Status: bot.StatusInvestigating, Platform: "slack"},
		bot.TimelineEntry{At: apiT0, Kind: bot.KindDeclared, Author: alice, Text: "Checkout fails"})
	_, err := st.Append(ctx, inc.ID,
		bot.TimelineEntry{At: apiT0.Add(1500 * time.Millisecond), Kind: bot.KindMessage, Author: alice, Text: "DB is down", Ref: "1714557601.000200"},
		bot.TimelineEntry{At: apiT0.Add(2 * time.Second), Kind: bot.KindMessage, Author: bot.User{ID: "U2"}, Text: "rolling back"},
	)
	require.NoError(t, err)
	_, err = st.Update(ctx, inc.ID, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		inc.Status = bot.StatusIdentified
		return []bot.TimelineEntry{{At: apiT0.Add(3 * time.Second), Kind: bot.KindStatus, Author: alice,
			Text: "bad deploy", Data: map[string]string{"from": "investigating", "to": "identified"}}}, nil
	})
	require.NoError(t, err)
	_, err = st.Append(ctx, inc.ID,
		bot.TimelineEntry{At: apiT0.Add(4 * time.Second), Kind: bot.KindNote, Author: alice, Text: "deploy 812 is the cause", Key: true})
	require.NoError(t, err)

	stored, err := st.Timeline(ctx, inc.ID, store.TimelineQuery{})
	require.NoError(t, err)
	require.Len(t, stored, 5)
	ids := make([]string, len(stored))
	for i, e := range stored {
		ids[i] = e.ID
	}

	type entry struct {
		ID       string            `json:"id"`
		At       string            `json:"at"`
		Kind     string            `json:"kind"`
		Author   string            `json:"author"`
		AuthorID string            `json:"author_id"`
		Text     string            `json:"text"`
		Ref      string            `json:"ref"`
		RefersTo string            `json:"refers_to"`
		Key      bool              `json:"key"`
		Data     map[string]string `json:"data"`
	}
	get := func(t *testing.T, query string) (incident string, entries []entry) {
		t.Helper()
		res := apiDo(t, h, http.MethodGet, "/api/incidents/"+inc.Key()+"/timeline"+query)
		require.Equal(t, http.StatusOK, res.Status, res.Body)
		var body struct {
			Incident string  `json:"incident"`
			Entries  []entry `json:"entries"`
		}
		require.NoError(t, json.Unmarshal([]byte(res.Body), &body))
		require.NotNil(t, body.Entries, "entries is [], never null: %s", res.Body)
		return body.Incident, body.Entries
	}

	t.Run("every entry in order", func(t *testing.T) {
		key, got := get(t, "")
		require.Equal(t, inc.Key(), key)
		want := []entry{
			{ID: ids[0], At: "2026-05-01T10:00:00.000Z", Kind: "declared", Author: "alice", AuthorID: "U1", Text: "Checkout fails"},
			{ID: ids[1], At: "2026-05-01T10:00:01.500Z", Kind: "message", Author: "alice", AuthorID: "U1", Text: "DB is down", Ref: "1714557601.000200"},
			{ID: ids[2], At: "2026-05-01T10:00:02.000Z", Kind: "message", Author: "U2", AuthorID: "U2", Text: "rolling back"},
			{ID: ids[3], At: "2026-05-01T10:00:03.000Z", Kind: "status", Author: "alice", AuthorID: "U1", Text: "bad deploy",
				Data: map[string]string{"from": "investigating", "to": "identified"}},
			{ID: ids[4], At: "2026-05-01T10:00:04.000Z", Kind: "note", Author: "alice", AuthorID: "U1", Text: "deploy 812 is the cause", Key: true},
		}
		require.Equal(t, want, got)
	})

	t.Run("data is omitted when empty", func(t *testing.T) {
		res := apiDo(t, h, http.MethodGet, "/api/incidents/"+inc.Key()+"/timeline?limit=2")
		var body struct {
			Entries []map[string]any `json:"entries"`
		}
		require.NoError(t, json.Unmarshal([]byte(res.Body), &body))
		require.Len(t, body.Entries, 2)
		require.Contains(t, body.Entries[0], "data", "status entry")
		require.NotContains(t, body.Entries[1], "data", "note entry")
		for _, field := range []string{"id", "at", "kind", "author", "author_id", "text", "ref", "refers_to", "key"} {
			require.Contains(t, body.Entries[1], field)
		}
	})

	selections := []struct {
		query string
		want  []string
	}{
		{"?limit=2", ids[3:]},
		{"?limit=1", ids[4:]},
		{"?limit=10000", ids},
		{"?after=" + ids[1], ids[2:]},
		{"?after=" + ids[1] + "&limit=2", ids[2:4]},
		{"?after=" + ids[4], []string{}},
		{"?after=0", ids},
	}
	for _, tt := range selections {
		t.Run(tt.query, func(t *testing.T) {
			_, got := get(t, tt.query)
			gotIDs := make([]string, 0, len(got))
			for _, e := range got {
				gotIDs = append(gotIDs, e.ID)
			}
			require.Equal(t, tt.want, gotIDs)
		})
	}

	failures := []struct {
		path       string
		wantStatus int
		wantCode   string
	}{
		{"/api/incidents/" + inc.Key() + "/timeline?limit=0", http.StatusBadRequest, "bad_request"},
		{"/api/incidents/" + inc.Key() + "/timeline?limit=10001", http.StatusBadRequest, "bad_request"},
		{"/api/incidents/" + inc.Key() + "/timeline?limit=all", http.StatusBadRequest, "bad_request"},
		{"/api/incidents/" + inc.Key() + "/timeline?after=yesterday", http.StatusBadRequest, "bad_request"},
		{"/api/incidents/" + inc.Key() + "/timeline?after=1-x", http.StatusBadRequest, "bad_request"},
		{"/api/incidents/" + inc.Key() + "/timeline?after=", http.StatusBadRequest, "bad_request"},
		{"/api/incidents/nope/timeline", http.StatusBadRequest, "bad_request"},
		{"/api/incidents/INC-999999/timeline", http.StatusNotFound, "not_found"},
	}
	for _, tt := range failures {
		t.Run(tt.path, func(t *testing.T) {
			res := apiDo(t, h, http.MethodGet, tt.path)
			require.Equal(t, tt.wantStatus, res.Status, res.Body)
			code, _ := apiErr(t, res)
			require.Equal(t, tt.wantCode, code)
		})
	}
}

func TestAPIAuth(t *testing.T) {
	const token = "s3cret-api-token-9f8e7d"
	st := storetest.New(t)
	inc := apiCreate(t, st, bot.Incident{Title: "x", Status: bot.StatusInvestigating, Platform: "slack"})
	h := newAPI(t, st, token, nil)

	tests := []struct {
		name          string
		path          string
		authorization string
		wantStatus    int
	}{
		{"no header", "/api/incidents", "", http.StatusUnauthorized},
		{"wrong token", "/api/incidents", "Bearer wrong-token", http.StatusUnauthorized},
		{"token prefix", "/api/incidents", "Bearer " + token[:10], http.StatusUnauthorized},
		{"token with extra", "/api/incidents", "Bearer " + token + "x", http.StatusUnauthorized},
		{"other scheme", "/api/incidents", "Basic " + token, http.StatusUnauthorized},
		{"bare token", "/api/incidents", token, http.StatusUnauthorized},
		{"empty bearer", "/api/incidents", "Bearer ", http.StatusUnauthorized},
		{"unknown path reveals nothing", "/api/secret", "", http.StatusUnauthorized},
		{"incident without token", "/api/incidents/" + inc.Key(), "", http.StatusUnauthorized},
		{"right token", "/api/incidents", "Bearer " + token, http.StatusOK},
		{"scheme in any case", "/api/incidents/" + inc.Key(), "bearer " + token, http.StatusOK},
		{"timeline with token", "/api/incidents/" + inc.Key() + "/timeline", "Bearer " + token, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.authorization != "" {
				hdr = []string{"Authorization", tt.authorization}
			}
			res := apiDo(t, h, http.MethodGet, tt.path, hdr...)
			require.Equal(t, tt.wantStatus, res.Status, res.Body)
			require.NotContains(t, res.Body, token[:10], "the token must never be echoed")
			require.NotContains(t, res.Body, "wrong-token")
			if tt.wantStatus != http.StatusUnauthorized {
				return
			}
			require.Equal(t, "Bearer", res.Header.Get("WWW-Authenticate"))
			code, _ := apiErr(t, res)
			require.Equal(t, "unauthorized", code)
		})
	}
}

func TestAPIRouting(t *testing.T) {
	st := storetest.New(t)
	inc := apiCreate(t, st, bot.Incident{Title: "x", Status: bot.StatusInvestigating, Platform: "slack"})
	h := newAPI(t, st, "", nil)
	tests := []struct {
		method     string
		path       string
		wantStatus int
		wantCode   string
	}{
		{http.MethodPost, "/api/incidents", http.StatusMethodNotAllowed, "method_not_allowed"},
		{http.MethodDelete, "/api/incidents/" + inc.Key(), http.StatusMethodNotAllowed, "method_not_allowed"},
		{http.MethodPut, "/api/incidents/" + inc.Key() + "/timeline", http.StatusMethodNotAllowed, "method_not_allowed"},
		{http.MethodGet, "/api/", http.StatusNotFound, "not_found"},
		{http.MethodGet, "/api/nope", http.StatusNotFound, "not_found"},
		{http.MethodGet, "/api/incidents/" + inc.Key() + "/postmortem", http.StatusNotFound, "not_found"},
		{http.MethodPost, "/api/nope", http.StatusNotFound, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			res := apiDo(t, h, tt.method, tt.path)
			require.Equal(t, tt.wantStatus, res.Status, res.Body)
			code, _ := apiErr(t, res)
			require.Equal(t, tt.wantCode, code)
			if tt.wantStatus == http.StatusMethodNotAllowed {
				require.Contains(t, res.Header.Get("Allow"), http.MethodGet)
			}
		})
	}

	t.Run("HEAD answers without a body", func(t *testing.T) {
		srv := httptest.NewServer(h)
		defer srv.Close()
		res, err := http.Head(srv.URL + "/api/incidents/" + inc.Key())
		require.NoError(t, err)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Empty(t, body)
	})
}

func TestAPIUnavailable(t *testing.T) {
	// Nothing listens on port 1; fail fast rather than after go-redis's
	// default dial retries.
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond, MaxRetries: -1,
		DialerRetries: 1, DialerRetryTimeout: time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	st, err := store.New(rdb, store.Options{})
	require.NoError(t, err)
	h := newAPI(t, st, "", nil)

	for _, path := range []string{"/api/incidents", "/api/incidents/INC-1", "/api/incidents/1/timeline"} {
		t.Run(path, func(t *testing.T) {
			res := apiDo(t, h, http.MethodGet, path)
			require.Equal(t, http.StatusServiceUnavailable, res.Status, res.Body)
			require.Equal(t, "5", res.Header.Get("Retry-After"))
			code, _ := apiErr(t, res)
			require.Equal(t, "unavailable", code)
			require.NotContains(t, res.Body, "127.0.0.1", "no internals in the body")
			require.NotContains(t, res.Body, "refused")
		})
	}
}

func TestAPIInternalError(t *testing.T) {
	ctx := context.Background()
	base := storetest.New(t)
	rdb := base.Client()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	prefix := "test:apiinternal:" + hex.EncodeToString(b) + ":"
	st, err := store.New(rdb, store.Options{Prefix: prefix})
	require.NoError(t, err)
	// A record and a timeline entry no store would write (see store/doc.go
	// for the key schema).
	record, timeline := prefix+"inc:{7}", prefix+"inc:{7}:timeline"
	t.Cleanup(func() {
		_ = rdb.Del(context.Background(), record).Err()
		_ = rdb.Del(context.Background(), timeline).Err()
	})
	require.NoError(t, rdb.Set(ctx, record, "{not json", 0).Err())
	require.NoError(t, rdb.XAdd(ctx, &redis.XAddArgs{Stream: timeline, Values: []any{"text", "no kind, no at"}}).Err())

	core, logs := observer.New(zap.ErrorLevel)
	h := newAPI(t, st, "", zap.New(core))
	for _, path := range []string{"/api/incidents/INC-7", "/api/incidents/INC-7/timeline"} {
		t.Run(path, func(t *testing.T) {
			before := logs.Len()
			res := apiDo(t, h, http.MethodGet, path)
			require.Equal(t, http.StatusInternalServerError, res.Status, res.Body)
			code, msg := apiErr(t, res)
			require.Equal(t, "internal", code)
			require.Equal(t, "internal error", msg)
			require.Equal(t, before+1, logs.Len(), "the cause is logged")
			logged := logs.All()[before].ContextMap()
			require.Equal(t, path, logged["path"])
			require.NotEmpty(t, logged["error"])
			for _, leak := range []string{"decode", "invalid", "field", "incident 7"} {
				require.False(t, strings.Contains(res.Body, leak), "body leaks %q: %s", leak, res.Body)
			}
		})
	}
}
