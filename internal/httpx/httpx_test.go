package httpx

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// failingReader stands for a sender that hung up mid-body.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestReadBody(t *testing.T) {
	malformed := &Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: "malformed"}

	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"a":"日本語"}`))
	b, err := ReadBody(r, malformed)
	require.NoError(t, err)
	require.Equal(t, `{"a":"日本語"}`, string(b))

	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("x", 101)))
	w := httptest.NewRecorder()
	r.Body = http.MaxBytesReader(w, r.Body, 100)
	_, err = ReadBody(r, malformed)
	require.Same(t, ErrTooLarge, err)
	WriteErr(w, err)
	require.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	require.JSONEq(t, `{"error":{"code":"too_large","message":"request body is too large"}}`, w.Body.String())

	r = httptest.NewRequest(http.MethodPost, "/", failingReader{})
	_, err = ReadBody(r, malformed)
	require.Same(t, malformed, err, "a broken read is the caller's own 400, never its cause")
}

func TestWriteJSON(t *testing.T) {
	w := httptest.NewRecorder()
	WriteJSON(w, http.StatusOK, map[string]any{"status": "accepted", "alerts": 2})
	require.Equal(t, http.StatusOK, w.Code)
	require.Equal(t, "application/json; charset=utf-8", w.Header().Get("Content-Type"))
	require.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	require.Equal(t, "{\"alerts\":2,\"status\":\"accepted\"}\n", w.Body.String())

	w = httptest.NewRecorder()
	WriteJSON(w, http.StatusOK, map[string]any{"bad": make(chan int)})
	require.Equal(t, http.StatusInternalServerError, w.Code, "an encoding failure is a clean 500")
	require.JSONEq(t, `{"error":{"code":"internal","message":"internal error"}}`, w.Body.String())
}
