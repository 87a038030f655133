package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is a server under test running as a child process.
type proc struct {
	name  string
	cmd   *exec.Cmd
	base  string // http://127.0.0.1:port
	log   string // path of its stderr
	ready time.Duration
	done  chan error
}

// moduleRoot finds the directory of Warroom's go.mod, from the working
// directory upwards.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/warroomhq/warroom\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run the bench from inside the warroom module (go run ./bench)")
		}
		dir = parent
	}
}

// buildWarroom builds the binary as `make build` does; with overlay (a
// `go build -overlay` file) it adds files to package main.
func buildWarroom(root, out, overlay string) error {
	args := []string{"build", "-trimpath", "-ldflags", "-s -w -X main.version=bench", "-o", out}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// start runs path with args and env (added to a minimal environment),
// listening on addr, and waits for GET /readyz to answer 200, polling
// every millisecond; ready is the time from exec to that answer.
func start(name, path string, args []string, env []string, addr, logPath string) (*proc, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	p := &proc{name: name, cmd: cmd, base: "http://" + addr, log: logPath, done: make(chan error, 1)}
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	go func() { p.done <- cmd.Wait(); logf.Close() }()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case err := <-p.done:
			p.done <- err
			return nil, fmt.Errorf("%s exited before it was ready (%v); its log %s says:\n%s", name, err, logPath, tail(logPath, 20))
		case <-deadline:
			p.stop()
			return nil, fmt.Errorf("%s was not ready within 30s; its log %s says:\n%s", name, logPath, tail(logPath, 20))
		default:
		}
		res, err := client.Get(p.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				p.ready = time.Since(t0)
				return p, nil
			}
		}
		time.Sleep(time.Millisecond)
	}
}

// stop sends SIGTERM and waits for the process to end (SIGKILL after 30s).
func (p *proc) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		p.done <- <-p.done
	}
}

// mem is a process's memory from /proc/<pid>/status, in bytes: resident
// (VmRSS), its anonymous and file-backed parts, and the peak (VmHWM).
type mem struct{ rss, anon, file, peak int64 }

func (m mem) String() string {
	return fmt.Sprintf("%s (%.1f anon + %.1f file)", mb(m.rss), float64(m.anon)/1e6, float64(m.file)/1e6)
}

// memory reads the process's memory from /proc.
func (p *proc) memory() (mem, error) {
	var m mem
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return m, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			m.rss = kb << 10
		case "RssAnon:":
			m.anon = kb << 10
		case "RssFile:":
			m.file = kb << 10
		case "VmHWM:":
			m.peak = kb << 10
		}
	}
	return m, sc.Err()
}

// settledRSS waits a moment for the process to go idle and reads its memory.
func (p *proc) settledRSS(ctx context.Context, d time.Duration) (mem, error) {
	select {
	case <-ctx.Done():
		return mem{}, ctx.Err()
	case <-time.After(d):
	}
	return p.memory()
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// logSummary counts a zap JSON log's lines by message (and the last part
// of their error), most frequent first, at most top of them.
func logSummary(path string, top int) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	counts := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct {
			Level, Logger, Msg, Error string
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		key := line.Level + " " + strings.TrimSpace(line.Logger+" "+strconv.Quote(line.Msg))
		if line.Error != "" {
			e := line.Error
			if i := strings.LastIndex(e, ": "); i >= 0 {
				e = e[i+2:]
			}
			key += ": " + e
		}
		counts[key]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return counts[keys[i]] > counts[keys[j]] })
	var out []string
	for _, k := range keys[:min(top, len(keys))] {
		out = append(out, fmt.Sprintf("%d× %s", counts[k], k))
	}
	return out
}
