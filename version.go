package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set at build time by the Makefile and the Dockerfile:
//
//	-ldflags "-X main.version=v1.2.0 -X main.commit=<sha> -X main.date=<RFC 3339 time>"
//
// Each one left empty is read from what the Go toolchain recorded in the
// binary (runtime/debug.ReadBuildInfo), which has nothing to say when the
// build had no VCS information (GOFLAGS=-buildvcs=false, no .git, go run).
var (
	version string
	commit  string
	date    string
)

// build is what `warroom version` prints.
type build struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	BuildDate string `json:"build_date"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

// buildInfo is the stamped version, commit and date, each falling back on
// the toolchain's record (the module version; the VCS revision, "-dirty"
// when the tree was modified; the commit's time), then on "dev" and
// "unknown".
func buildInfo() build {
	bi, _ := debug.ReadBuildInfo()
	return buildFrom(version, commit, date, bi)
}

// buildFrom is buildInfo from the stamped values and the toolchain's
// record (nil when there is none).
func buildFrom(version, commit, date string, bi *debug.BuildInfo) build {
	b := build{Version: version, Commit: commit, BuildDate: date,
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if b.Version == "" && bi.Main.Version != "(devel)" {
			b.Version = bi.Main.Version
		}
		vcs := map[string]string{}
		for _, s := range bi.Settings {
			vcs[s.Key] = s.Value
		}
		if b.Commit == "" && vcs["vcs.revision"] != "" {
			b.Commit = vcs["vcs.revision"]
			if vcs["vcs.modified"] == "true" {
				b.Commit += "-dirty"
			}
		}
		if b.BuildDate == "" {
			b.BuildDate = vcs["vcs.time"]
		}
	}
	for _, f := range []*string{&b.Commit, &b.BuildDate} {
		if *f == "" {
			*f = "unknown"
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	return b
}

func runVersion(_ context.Context, in *invocation) int {
	b := buildInfo()
	if in.flags.json {
		enc := json.NewEncoder(in.stdout)
		enc.SetIndent("", "  ")
		return exit(enc.Encode(b), in.stderr)
	}
	fmt.Fprintf(in.stdout, "warroom %s\n  commit  %s\n  built   %s\n  go      %s %s\n", b.Version, b.Commit, b.BuildDate, b.GoVersion, b.Platform)
	return 0
}
