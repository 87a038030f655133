package httpx

import "net/http"

// StreamWriter writes a body that is made as it is sent (a postmortem
// draft rendered entry by entry) to W. It sends the headers Header sets
// and status 200 with the first byte, so that an error before it can
// still be answered as an error. After it, the handler cannot take back
// the 200: it should cut the response (panic(http.ErrAbortHandler)), so
// that no client takes the beginning for the whole body.
type StreamWriter struct {
	W http.ResponseWriter
	// Header sets the body's headers, once, before the first byte.
	Header  func(http.Header)
	started bool
	n       int64
}

// Started reports whether the status and headers were sent.
func (s *StreamWriter) Started() bool { return s.started }

// Written is how many bytes of the body W took.
func (s *StreamWriter) Written() int64 { return s.n }

// Start sends the headers and status 200 if they were not sent: the end
// of a body that had no byte.
func (s *StreamWriter) Start() {
	if s.started {
		return
	}
	s.started = true
	if s.Header != nil {
		s.Header(s.W.Header())
	}
	s.W.WriteHeader(http.StatusOK)
}

func (s *StreamWriter) Write(p []byte) (int, error) {
	s.Start()
	n, err := s.W.Write(p)
	s.n += int64(n)
	return n, err
}
