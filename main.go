// Command warroom is a self-hosted incident-response bot for Slack and
// Microsoft Teams. Subcommands:
//
//	warroom serve        run the bot and its HTTP server
//	warroom console      try Warroom in a terminal chat
//	warroom config check validate the configuration and print it
//	warroom export       write an incident's postmortem draft
//	warroom healthcheck  probe a running server's /healthz (for containers)
//	warroom version      print the version
//
// main is the command line only: it parses the flags and calls package
// app, which wires everything.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"strings"
	"syscall"
	_ "time/tzdata" // time zones in a scratch image

	"github.com/warroomhq/warroom/app"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

const usage = `usage: warroom <command> [--config file.yml]

commands:
  serve          run the bot and its HTTP server (WARROOM_ADDR, default :8080;
                 --embedded-redis: accept the in-memory Redis, lost at exit)
  console        try Warroom in a terminal chat (--user name, --people a,b,
                 --lang ja|en, --speed 60: the console's clock runs 60 times
                 faster, for drills and reminders)
  config check   validate the configuration and print it, secrets redacted
  export INC-42  write an incident's postmortem draft (--format md|json, --lang ja|en)
  healthcheck    exit 0 when the local server's /healthz answers
  version        print the version
`

// run is main without the process: tests call it with their own streams
// and environment. It returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, args := args[0], args[1:]
	if cmd == "config" {
		if len(args) == 0 || args[0] != "check" {
			fmt.Fprint(stderr, usage)
			return 2
		}
		cmd, args = "config check", args[1:]
	}
	fs := flag.NewFlagSet("warroom "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "YAML configuration file (or WARROOM_CONFIG)")
	userName := fs.String("user", defaultUser(), "console: who you are")
	format := fs.String("format", "md", "export: md or json")
	lang := fs.String("lang", "", "console, export: ja or en (default: the configured language)")
	people := fs.String("people", "", "console: the workspace's people, comma-separated (default alice,bob,carol,dave)")
	speed := fs.Float64("speed", 1, "console: how many times faster than real time the console's clock runs (1-3600)")
	embedded := fs.Bool("embedded-redis", false, "serve, config check: accept the embedded in-memory Redis when REDIS_URL is unset (WARROOM_REDIS_EMBEDDED=true)")
	var positional []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return 2
		}
		if args = fs.Args(); len(args) > 0 {
			positional, args = append(positional, args[0]), args[1:]
		}
	}
	switch cmd {
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "warroom", version)
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	}
	if *embedded {
		getenv = withEnv(getenv, "WARROOM_REDIS_EMBEDDED", "true")
	}
	load := app.LoadConfig
	if cmd == "serve" || cmd == "config check" {
		// One verdict: what config check passes, serve starts with.
		load = app.LoadServeConfig
	}
	cfg, err := load(*cfgPath, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "configuration is invalid:\n%v\n", err)
		return 1
	}
	switch cmd {
	case "config check":
		fmt.Fprintf(stdout, "configuration is valid:\n%s", cfg.Redacted())
		return 0
	case "healthcheck":
		if err := app.Healthcheck(ctx, cfg.Addr); err != nil {
			fmt.Fprintln(stderr, "healthcheck:", err)
			return 1
		}
		return 0
	case "serve":
		log := app.NewLogger(stderr, cfg.LogLevel, cfg.LogFormat, true)
		return exit(app.Serve(ctx, cfg, log, app.Options{Version: version}), stderr)
	case "console":
		term := app.Terminal{In: stdin, Out: stdout, User: *userName, People: split(*people), Lang: *lang, Speed: *speed}
		return exit(app.Console(ctx, cfg, app.NewLogger(stderr, "warn", cfg.LogFormat, false), term, app.Options{Version: version}), stderr)
	case "export":
		if len(positional) != 1 {
			fmt.Fprint(stderr, "usage: warroom export INC-42 [--format md|json] [--lang ja|en]\n")
			return 2
		}
		d := app.Draft{Ref: positional[0], Format: *format, Lang: *lang, Out: stdout}
		return exit(app.Export(ctx, cfg, app.NewLogger(stderr, "warn", cfg.LogFormat, false), d), stderr)
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
	return 2
}

// exit turns a subcommand's error into its exit code: a stop by signal
// is a clean exit.
func exit(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, context.Canceled) {
		return 0
	}
	fmt.Fprintln(stderr, "warroom:", err)
	return 1
}

func defaultUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "you"
}

// withEnv is getenv with name set to value, as a flag standing for a
// variable sets it.
func withEnv(getenv func(string) string, name, value string) func(string) string {
	return func(k string) string {
		if k == name {
			return value
		}
		return getenv(k)
	}
}

// split reads a comma-separated flag, dropping empty names.
func split(list string) []string {
	var out []string
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
