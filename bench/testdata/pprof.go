// This file is not part of Warroom. `go run ./bench -pprof` adds it to
// package main with `go build -overlay`, so a profiled build serves
// net/http/pprof on WARROOM_BENCH_PPROF without any change to the source.

package main

import (
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux
	"os"
)

func init() {
	if addr := os.Getenv("WARROOM_BENCH_PPROF"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
