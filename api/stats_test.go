package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/store"
	"github.com/warroomhq/warroom/store/storetest"
)

// The wire form of the stats: snake_case, seconds null without a sample,
// "none" for the incidents without a priority. (handlers' TestStats
// checks what is measured.)
func TestStatsJSON(t *testing.T) {
	from := time.Date(2026, 10, 26, 10, 0, 0, 0, time.UTC)
	st := &handlers.Stats{Days: 30, From: from, To: from.AddDate(0, 0, 30),
		Overall: handlers.ResponseStats{Declared: 3, Resolved: 2, Open: 1,
			TTA: handlers.Percentiles{N: 1, Median: 300 * time.Second, P90: 528 * time.Second},
			TTR: handlers.Percentiles{N: 2, Median: 75 * time.Minute, P90: 150*time.Minute + 400*time.Millisecond}},
		ByPriority: map[bot.Priority]*handlers.ResponseStats{
			bot.P1: {Declared: 2, Resolved: 1, Open: 1, TTR: handlers.Percentiles{N: 1, Median: time.Hour, P90: time.Hour}},
			0:      {Declared: 1, Resolved: 1, TTA: handlers.Percentiles{N: 1, Median: 4 * time.Minute, P90: 4 * time.Minute}},
		}}
	b, err := json.Marshal(newStats(st))
	require.NoError(t, err)
	require.JSONEq(t, `{
		"days": 30, "from": "2026-10-26T10:00:00.000Z", "to": "2026-11-25T10:00:00.000Z",
		"overall": {"declared": 3, "resolved": 2, "open": 1,
			"tta_count": 1, "tta_median_seconds": 300, "tta_p90_seconds": 528,
			"ttr_count": 2, "ttr_median_seconds": 4500, "ttr_p90_seconds": 9000},
		"by_priority": {
			"P1": {"declared": 2, "resolved": 1, "open": 1,
				"tta_count": 0, "tta_median_seconds": null, "tta_p90_seconds": null,
				"ttr_count": 1, "ttr_median_seconds": 3600, "ttr_p90_seconds": 3600},
			"none": {"declared": 1, "resolved": 1, "open": 0,
				"tta_count": 1, "tta_median_seconds": 240, "tta_p90_seconds": 240,
				"ttr_count": 0, "ttr_median_seconds": null, "ttr_p90_seconds": null}
		}
	}`, string(b))
}

func TestAPIStats(t *testing.T) {
	st := storetest.New(t)
	now := time.Now().UTC()
	apiCreate(t, st, bot.Incident{Title: "Checkout is down", Status: bot.StatusResolved, Priority: bot.P1,
		CreatedAt: now.Add(-2 * time.Hour), AckedAt: now.Add(-2 * time.Hour), ResolvedAt: now.Add(-time.Hour)})
	apiCreate(t, st, bot.Incident{Title: "Payroll leak", Status: bot.StatusInvestigating, Priority: bot.P1,
		Private: true, CreatedAt: now.Add(-time.Hour)})
	h := newAPI(t, st, "secret", nil)
	auth := []string{"Authorization", "Bearer secret"}

	res := apiDo(t, h, http.MethodGet, "/api/stats", auth...)
	require.Equal(t, http.StatusOK, res.Status, res.Body)
	require.Contains(t, res.Body, `"days":30,`)
	require.Contains(t, res.Body, `"overall":{"declared":1,"resolved":1,"open":0,`, "the private incident is not counted")
	require.Contains(t, res.Body, `"ttr_count":1,"ttr_median_seconds":3600,"ttr_p90_seconds":3600}`)

	res = apiDo(t, h, http.MethodGet, "/api/stats?days=7", auth...)
	require.Equal(t, http.StatusOK, res.Status, res.Body)
	require.Contains(t, res.Body, `"days":7,`)

	for _, bad := range []string{"14", "", "thirty", "-30", "30.0", strings.Repeat("9", 100)} {
		res := apiDo(t, h, http.MethodGet, "/api/stats?days="+bad, auth...)
		require.Equal(t, http.StatusBadRequest, res.Status, bad)
		code, msg := apiErr(t, res)
		require.Equal(t, "bad_request", code)
		require.Equal(t, `days must be 7, 30 or 90, not "`+clipParam(bad)+`"`, msg)
	}

	res = apiDo(t, h, http.MethodGet, "/api/stats")
	require.Equal(t, http.StatusUnauthorized, res.Status)
	res = apiDo(t, h, http.MethodPost, "/api/stats", auth...)
	require.Equal(t, http.StatusMethodNotAllowed, res.Status)
}

func TestAPIStatsUnavailable(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond, MaxRetries: -1,
		DialerRetries: 1, DialerRetryTimeout: time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	st, err := store.New(rdb, store.Options{})
	require.NoError(t, err)
	res := apiDo(t, newAPI(t, st, "", nil), http.MethodGet, "/api/stats?days=7")
	require.Equal(t, http.StatusServiceUnavailable, res.Status, res.Body)
	code, _ := apiErr(t, res)
	require.Equal(t, "unavailable", code)
}

// The API stands for nobody: a private incident is absent from the list
// and answers exactly as a number never used, on every path.
func TestAPIHidesPrivateIncidents(t *testing.T) {
	st := storetest.New(t)
	priv := apiCreate(t, st, bot.Incident{Title: "Payroll data exposed", Status: bot.StatusInvestigating, Private: true,
		CreatedAt: apiT0}, bot.TimelineEntry{Kind: bot.KindMessage, At: apiT0, Text: "the password was hunter2zebra"})
	pub := apiCreate(t, st, bot.Incident{Title: "Search is slow", Status: bot.StatusInvestigating, CreatedAt: apiT0},
		bot.TimelineEntry{Kind: bot.KindMessage, At: apiT0, Text: "p99 is 4 s"})
	h := newAPI(t, st, "", nil)

	res := apiDo(t, h, http.MethodGet, "/api/incidents")
	require.Equal(t, http.StatusOK, res.Status)
	require.NotContains(t, res.Body, "Payroll")
	require.Contains(t, res.Body, "Search is slow")

	never := apiDo(t, h, http.MethodGet, "/api/incidents/99")
	require.Equal(t, http.StatusNotFound, never.Status)
	key := bot.FormatID(priv.ID)
	for _, path := range []string{"/api/incidents/" + key, "/api/incidents/" + key + "/timeline",
		"/api/incidents/" + key + "/timeline?limit=5", "/api/incidents/" + key + "/postmortem.md"} {
		res := apiDo(t, h, http.MethodGet, path)
		require.Equal(t, http.StatusNotFound, res.Status, path)
		require.Equal(t, strings.ReplaceAll(never.Body, "INC-99", key), res.Body, path)
		require.NotContains(t, res.Body, "hunter2zebra")
	}
	res = apiDo(t, h, http.MethodGet, "/api/incidents/"+bot.FormatID(pub.ID)+"/timeline")
	require.Equal(t, http.StatusOK, res.Status)
	require.Contains(t, res.Body, "p99 is 4 s")
}

// GET /api/incidents/{id}/postmortem.md is the postmortem command's draft,
// whole, as Markdown, in the service's language unless ?lang says.
func TestAPIPostmortem(t *testing.T) {
	st := storetest.New(t)
	inc := apiCreate(t, st, bot.Incident{Title: "Checkout is failing", Status: bot.StatusResolved, Priority: bot.P2,
		CreatedAt: apiT0, AckedAt: apiT0, ResolvedAt: apiT0.Add(time.Hour)},
		bot.TimelineEntry{Kind: bot.KindNote, At: apiT0.Add(time.Minute), Text: "rolled back the deploy", Key: true})
	svc, err := handlers.New(st, newRouter(t), handlers.Options{Lang: bot.Japanese})
	require.NoError(t, err)
	h := New(svc, "s3cret", nil)
	auth := []string{"Authorization", "Bearer s3cret"}
	path := "/api/incidents/" + bot.FormatID(inc.ID) + "/postmortem.md"

	for query, lang := range map[string]bot.Lang{"": bot.Japanese, "?lang=en": bot.English, "?lang=ja": bot.Japanese} {
		req := httptest.NewRequest(http.MethodGet, path+query, nil)
		req.Header.Set(auth[0], auth[1])
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.Equal(t, "text/markdown; charset=utf-8", rec.Header().Get("Content-Type"))
		require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
		want, err := svc.Postmortem(context.Background(), inc.ID, lang)
		require.NoError(t, err)
		require.Equal(t, want, rec.Body.String(), query)
		require.Contains(t, rec.Body.String(), "rolled back the deploy")
	}

	res := apiDo(t, h, http.MethodGet, "/api/incidents/INC-999/postmortem.md", auth...)
	require.Equal(t, http.StatusNotFound, res.Status)
	code, msg := apiErr(t, res)
	require.Equal(t, "not_found", code)
	require.Equal(t, "incident INC-999 not found", msg)

	res = apiDo(t, h, http.MethodGet, path+"?lang=fr", auth...)
	require.Equal(t, http.StatusBadRequest, res.Status)
	code, _ = apiErr(t, res)
	require.Equal(t, "bad_request", code)

	res = apiDo(t, h, http.MethodGet, path)
	require.Equal(t, http.StatusUnauthorized, res.Status)
	res = apiDo(t, h, http.MethodPost, path, auth...)
	require.Equal(t, http.StatusMethodNotAllowed, res.Status)
}
