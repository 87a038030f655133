package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// writeOverlay writes the `go build -overlay` file that adds
// bench/testdata/pprof.go to package main as zz_bench_pprof.go.
func writeOverlay(root, dir string) (string, error) {
	b, err := json.Marshal(map[string]map[string]string{"Replace": {
		filepath.Join(root, "zz_bench_pprof.go"): filepath.Join(root, "bench", "testdata", "pprof.go"),
	}})
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "overlay.json")
	return path, os.WriteFile(path, b, 0o644)
}

// fetchProfile saves a pprof endpoint's answer as dir/name.pb.gz.
func (b *bench) fetchProfile(ctx context.Context, name, path string) {
	path = "http://" + b.pprof + path
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		progress("profile %s: %v", name, err)
		return
	}
	defer res.Body.Close()
	file := filepath.Join(b.dir, name+".pb.gz")
	f, err := os.Create(file)
	if err != nil {
		progress("profile %s: %v", name, err)
		return
	}
	_, err = io.Copy(f, res.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil || res.StatusCode != http.StatusOK {
		progress("profile %s: %v (status %d)", name, err, res.StatusCode)
		return
	}
	b.profiles = append(b.profiles, file)
}

// cpuProfile starts a CPU profile of seconds; the returned func waits for it.
func (b *bench) cpuProfile(ctx context.Context, name string, seconds int) (wait func()) {
	if b.pprof == "" {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.fetchProfile(ctx, name, fmt.Sprintf("/debug/pprof/profile?seconds=%d", seconds))
	}()
	return func() { <-done }
}

// heapProfile takes a heap profile after a GC.
func (b *bench) heapProfile(ctx context.Context, name string) {
	if b.pprof != "" {
		b.fetchProfile(ctx, name, "/debug/pprof/heap?gc=1")
	}
}

// printProfiles prints the top of every profile taken.
func (b *bench) printProfiles(w io.Writer) {
	for _, file := range b.profiles {
		args := []string{"tool", "pprof", "-top", "-nodecount=25"}
		if strings.Contains(filepath.Base(file), "heap") {
			args = append(args, "-sample_index=inuse_space")
		}
		out, err := exec.Command("go", append(args, file)...).CombinedOutput()
		fmt.Fprintf(w, "\n### %s\n\n```\n%s```\n", strings.TrimSuffix(filepath.Base(file), ".pb.gz"), out)
		if err != nil {
			fmt.Fprintf(w, "(go tool pprof: %v)\n", err)
		}
	}
}
