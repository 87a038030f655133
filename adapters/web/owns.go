package web

import (
	"net/http"
	"strings"
)

// pageMux is the web's ServeMux, which also records the first path
// segment of every route it is given, so that the server's route table
// can tell the web's paths (answered with HTML pages, a 404 page among
// them) from the rest (answered with JSON errors).
type pageMux struct {
	*http.ServeMux
	// segments holds the first segment of each route's path: "incidents"
	// for "GET /incidents/{id}", "" for "GET /{$}".
	segments map[string]bool
}

func newPageMux() *pageMux {
	return &pageMux{ServeMux: http.NewServeMux(), segments: map[string]bool{}}
}

// HandleFunc registers h for pattern, as http.ServeMux does, and records
// the pattern's first segment.
func (m *pageMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.ServeMux.HandleFunc(pattern, h)
	path := pattern
	if i := strings.IndexByte(path, ' '); i >= 0 {
		path = strings.TrimLeft(path[i+1:], " ")
	}
	seg := firstSegment(path)
	if seg == "{$}" {
		seg = ""
	}
	m.segments[seg] = true
}

// firstSegment is the first segment of path: "incidents" of
// "/incidents/42", "" of "/".
func firstSegment(path string) string {
	seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return seg
}

// Owns reports whether path is one of the web's: "/", or a path whose
// first segment is that of one of its routes ("/incidents/42/nope" is,
// "/nope" is not). Other paths are not the web's to answer, even a 404,
// so a client of the JSON endpoints never gets an HTML page.
func (s *Server) Owns(path string) bool {
	return s.mux.segments[firstSegment(path)]
}
