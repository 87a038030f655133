// Command warroom is a self-hosted incident-response bot for Slack and
// Microsoft Teams. Subcommands:
//
//	warroom serve              run the bot and its HTTP server
//	warroom console            try Warroom in a terminal chat
//	warroom config check       validate the configuration and print it
//	warroom config env         print the environment variables it reads
//	warroom export INC-42      write an incident's postmortem draft
//	warroom healthcheck        probe a running server's /healthz (for containers)
//	warroom version            print the version, commit, Go version and build date
//	warroom completion SHELL   print a bash, zsh or fish completion script
//
// main is the command line only: it parses the flags and calls package
// app, which wires everything. The command table (commands.go) is the one
// source of the parser, the help and the completion scripts.
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
	"slices"
	"strings"
	"syscall"
	_ "time/tzdata" // time zones in a scratch image
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run is main without the process: tests call it with their own streams
// and environment. It returns the exit code: 0, 1 when the command
// failed, 2 when the command line is wrong.
//
// Global flags (--config) may come before the command or anywhere after
// it; a command's own flags may come before or after its arguments.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	in := &invocation{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	var showVersion bool
	top := topFlagSet(stderr, &in.flags, &showVersion)
	if err := top.Parse(args); err != nil {
		return usageError(err, stdout, stderr)
	}
	if showVersion {
		args = []string{"version"}
	} else if args = top.Args(); len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return 2
	}
	cmd, rest := lookup(args)
	if cmd == nil {
		if len(args) == 1 && slices.Contains(groups(), args[0]) {
			fmt.Fprintf(stderr, "%q needs a command: %s\n\n%s", args[0], strings.Join(groupCommands(args[0]), " or "), usage())
			return 2
		}
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", unknownName(args), usage())
		return 2
	}
	fs := cmd.flagSet(stderr, &in.flags)
	positional, err := parseInterleaved(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		cmd.help(stdout)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "run 'warroom %s --help' for its flags\n", cmd.name)
		return 2
	}
	if len(positional) < cmd.minArgs || len(positional) > cmd.maxArgs {
		fmt.Fprintf(stderr, "usage: %s\n", cmd.synopsis())
		return 2
	}
	in.args = positional
	return cmd.run(ctx, in)
}

// invocation is what a command's run is given: the parsed flags, the
// positional arguments and the process's streams and environment.
type invocation struct {
	flags          flags
	args           []string
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// flags holds every flag's value; each command registers only those it
// reads (commands.go), so another command's flag is an error there.
type flags struct {
	config   string
	user     string
	format   string
	lang     string
	people   string
	speed    float64
	embedded bool
	json     bool
}

// globalFlags registers the flags every command accepts, before or after
// its name. Their defaults are the values f holds: registering a flag
// sets its variable to its default, which must not undo a global flag
// given before the command.
func globalFlags(fs *flag.FlagSet, f *flags) {
	fs.StringVar(&f.config, "config", f.config, "YAML configuration `file` (or WARROOM_CONFIG)")
}

// topFlagSet parses what comes before the command: the global flags, and
// --version (-v) standing for the version command.
func topFlagSet(stderr io.Writer, f *flags, showVersion *bool) *flag.FlagSet {
	fs := newFlagSet("warroom", stderr)
	globalFlags(fs, f)
	fs.BoolVar(showVersion, "version", false, "print the version, as the version command does")
	fs.BoolVar(showVersion, "v", false, "print the version, as the version command does")
	return fs
}

// newFlagSet is a flag set that reports parse errors on stderr and leaves
// help to its caller (flag.ErrHelp), which prints it on stdout.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	return fs
}

// usageError answers a parse error of the command line before the
// command: help asked for is printed on stdout (exit 0), anything else is
// a usage error on stderr (exit 2).
func usageError(err error, stdout, stderr io.Writer) int {
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage())
		return 0
	}
	fmt.Fprint(stderr, "\n", usage())
	return 2
}

// parseInterleaved parses flags wherever they are among the positional
// arguments (`export INC-1 --format json`), which flag.Parse alone stops
// at; after "--" everything is positional.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		if len(rest) > 0 {
			positional, rest = append(positional, rest[0]), rest[1:]
		}
		args = rest
	}
	return positional, nil
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
