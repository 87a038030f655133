package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/warroomhq/warroom/app"
	"github.com/warroomhq/warroom/config"
)

// command is one row of the command table: run parses its command line
// with it, and its help and the completion scripts are printed from it,
// so none of them can name a flag the others do not know.
type command struct {
	// name is the words that call it: "serve", or "config check" for a
	// command of a group.
	name string
	// args names the positional arguments in its synopsis ("INC-42");
	// minArgs and maxArgs bound how many it takes.
	args             string
	minArgs, maxArgs int
	// summary is its line in `warroom help`; detail, when set, follows
	// the synopsis in its own help.
	summary, detail string
	// flags registers its own flags (the global ones are added for it).
	flags func(fs *flag.FlagSet, f *flags)
	// choices are what completion offers: for a flag's value under the
	// flag's name, for the positional argument under "".
	choices map[string][]string
	run     func(ctx context.Context, in *invocation) int
}

// commands is the command table, in the order help lists it.
func commands() []command {
	table := []command{
		{name: "serve", summary: "run the bot and its HTTP server (WARROOM_ADDR, default :8080)",
			detail: "Refuses to start without REDIS_URL (unless --embedded-redis) and without WARROOM_API_TOKEN (unless WARROOM_API_OPEN=true).",
			flags:  embeddedFlag, run: runServe},
		{name: "console", summary: "try Warroom in a terminal chat",
			detail: "Runs on an embedded in-memory Redis when REDIS_URL is unset.",
			flags: func(fs *flag.FlagSet, f *flags) {
				fs.StringVar(&f.user, "user", defaultUser(), "who you are")
				fs.StringVar(&f.people, "people", "", "the workspace's people, comma-separated (default alice,bob,carol,dave)")
				fs.StringVar(&f.lang, "lang", "", "ja or en (default: the configured language)")
				fs.Float64Var(&f.speed, "speed", 1, fmt.Sprintf("how many times faster than real time the console's clock runs, for drills and reminders (1-%d)", app.MaxSpeed))
			},
			choices: map[string][]string{"lang": {"ja", "en"}}, run: runConsole},
		{name: "config check", summary: "validate the configuration and print it, secrets redacted",
			detail: "Passes exactly the configurations serve starts with.",
			flags:  embeddedFlag, run: runConfigCheck},
		{name: "config env", summary: "print the environment variables Warroom reads, as a Markdown table",
			run: runConfigEnv},
		{name: "export", args: "INC-42", minArgs: 1, maxArgs: 1, summary: "write an incident's postmortem draft from REDIS_URL",
			flags: func(fs *flag.FlagSet, f *flags) {
				fs.StringVar(&f.format, "format", "md", "md or json")
				fs.StringVar(&f.lang, "lang", "", "ja or en (default: the configured language)")
			},
			choices: map[string][]string{"format": {"md", "json"}, "lang": {"ja", "en"}}, run: runExport},
		{name: "healthcheck", summary: "exit 0 when the local server's /healthz answers (container health checks)",
			run: runHealthcheck},
		{name: "version", summary: "print the version, commit, Go version and build date",
			flags: func(fs *flag.FlagSet, f *flags) { fs.BoolVar(&f.json, "json", false, "print them as a JSON object") },
			run:   runVersion},
		{name: "completion", args: "bash|zsh|fish", minArgs: 1, maxArgs: 1, summary: "print a shell completion script",
			detail:  "Load it in bash with source <(warroom completion bash), in zsh with source <(warroom completion zsh), in fish with warroom completion fish | source.",
			choices: map[string][]string{"": shellNames()}, run: runCompletion},
		{name: "help", args: "[command]", maxArgs: 2, summary: "print this help, or a command's", run: runHelp},
	}
	// help takes any command's first word.
	table[len(table)-1].choices = map[string][]string{"": firstWords(table)}
	return table
}

func embeddedFlag(fs *flag.FlagSet, f *flags) {
	fs.BoolVar(&f.embedded, "embedded-redis", false, "accept the embedded in-memory Redis when REDIS_URL is unset, lost at exit (WARROOM_REDIS_EMBEDDED=true)")
}

// lookup finds the command args start with, and the arguments after its
// name.
func lookup(args []string) (*command, []string) {
	table := commands()
	for i := range table {
		words := strings.Fields(table[i].name)
		if len(args) >= len(words) && slices.Equal(args[:len(words)], words) {
			return &table[i], args[len(words):]
		}
	}
	return nil, args
}

// unknownName is what an unknown command line names: a group and the
// word after it ("config bogus"), or its first word.
func unknownName(args []string) string {
	if len(args) > 0 && slices.Contains(groups(), args[0]) {
		return strings.Join(args[:min(2, len(args))], " ")
	}
	return args[0]
}

// groups are the first words of commands with several words ("config").
func groups() []string {
	var out []string
	for _, c := range commands() {
		if g, _, ok := strings.Cut(c.name, " "); ok && !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

// groupCommands are the second words of group's commands: "check", "env".
func groupCommands(group string) []string {
	var out []string
	for _, c := range commands() {
		if first, rest, ok := strings.Cut(c.name, " "); ok && first == group {
			out = append(out, rest)
		}
	}
	return out
}

// firstWords are the first words of the table's commands.
func firstWords(table []command) []string {
	var out []string
	for _, c := range table {
		if w, _, _ := strings.Cut(c.name, " "); !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// flagSet is the command's flag set: the global flags and its own.
func (c *command) flagSet(stderr io.Writer, f *flags) *flag.FlagSet {
	fs := newFlagSet("warroom "+c.name, stderr)
	globalFlags(fs, f)
	if c.flags != nil {
		c.flags(fs, f)
	}
	return fs
}

// ownFlags is a flag set holding the command's own flags only.
func (c *command) ownFlags() *flag.FlagSet {
	fs := newFlagSet("", io.Discard)
	if c.flags != nil {
		c.flags(fs, &flags{})
	}
	return fs
}

// synopsis is the command's usage line; every command takes the global
// flags.
func (c *command) synopsis() string {
	s := "warroom " + c.name
	if c.args != "" {
		s += " " + c.args
	}
	return s + " [flags]"
}

// help prints the command's synopsis, its own flags, then the global
// ones.
func (c *command) help(w io.Writer) {
	fmt.Fprintf(w, "usage: %s\n\n%s.\n", c.synopsis(), upper(c.summary))
	if c.detail != "" {
		fmt.Fprintf(w, "%s\n", c.detail)
	}
	if own := c.ownFlags(); hasFlags(own) {
		fmt.Fprint(w, "\nflags:\n")
		printFlags(w, own, c.choices)
	}
	fmt.Fprint(w, "\nglobal flags (before or after the command):\n")
	printFlags(w, globalFlagSet(), nil)
}

func globalFlagSet() *flag.FlagSet {
	fs := newFlagSet("", io.Discard)
	globalFlags(fs, &flags{})
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// printFlags lists fs's flags as --name value, with choices for the value
// when the command gives them, and the default when it is not the zero
// value.
func printFlags(w io.Writer, fs *flag.FlagSet, choices map[string][]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		if cs := choices[f.Name]; len(cs) > 0 {
			typ = strings.Join(cs, "|")
		}
		name := "--" + f.Name
		if typ != "" {
			name += " " + typ
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(tw, "  %s\t%s\n", name, usage)
	})
	_ = tw.Flush()
}

// usage is `warroom help`: every command and the global flags.
func usage() string {
	var b strings.Builder
	b.WriteString("usage: warroom <command> [flags] [arguments]\n\ncommands:\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, c := range commands() {
		name := c.name
		if c.args != "" {
			name += " " + c.args
		}
		fmt.Fprintf(tw, "  %s\t%s\n", name, c.summary)
	}
	_ = tw.Flush()
	b.WriteString("\nglobal flags (before or after the command):\n")
	printFlags(&b, globalFlagSet(), nil)
	b.WriteString("\nRun 'warroom <command> --help' for a command's own flags.\n")
	return b.String()
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func runHelp(_ context.Context, in *invocation) int {
	if len(in.args) == 0 {
		fmt.Fprint(in.stdout, usage())
		return 0
	}
	if len(in.args) == 1 && slices.Contains(groups(), in.args[0]) {
		for i, sub := range groupCommands(in.args[0]) {
			if i > 0 {
				fmt.Fprintln(in.stdout)
			}
			cmd, _ := lookup([]string{in.args[0], sub})
			cmd.help(in.stdout)
		}
		return 0
	}
	cmd, rest := lookup(in.args)
	if cmd == nil || len(rest) > 0 {
		fmt.Fprintf(in.stderr, "unknown command %q\n\n%s", strings.Join(in.args, " "), usage())
		return 2
	}
	cmd.help(in.stdout)
	return 0
}

// load reads the configuration the global flags and the environment
// name; --embedded-redis stands for WARROOM_REDIS_EMBEDDED=true. It
// prints every problem and returns nil when the configuration is invalid.
func (in *invocation) load(load func(string, func(string) string) (*config.Config, error)) *config.Config {
	getenv := in.getenv
	if in.flags.embedded {
		getenv = withEnv(getenv, "WARROOM_REDIS_EMBEDDED", "true")
	}
	cfg, err := load(in.flags.config, getenv)
	if err != nil {
		fmt.Fprintf(in.stderr, "configuration is invalid:\n%v\n", err)
		return nil
	}
	return cfg
}

func runServe(ctx context.Context, in *invocation) int {
	// One verdict: what config check passes, serve starts with.
	cfg := in.load(app.LoadServeConfig)
	if cfg == nil {
		return 1
	}
	log := app.NewLogger(in.stderr, cfg.LogLevel, cfg.LogFormat, true)
	return exit(app.Serve(ctx, cfg, log, app.Options{Version: buildInfo().Version}), in.stderr)
}

func runConsole(ctx context.Context, in *invocation) int {
	cfg := in.load(app.LoadConfig)
	if cfg == nil {
		return 1
	}
	f := in.flags
	term := app.Terminal{In: in.stdin, Out: in.stdout, User: f.user, People: split(f.people), Lang: f.lang, Speed: f.speed}
	log := app.NewLogger(in.stderr, "warn", cfg.LogFormat, false)
	return exit(app.Console(ctx, cfg, log, term, app.Options{Version: buildInfo().Version}), in.stderr)
}

func runConfigCheck(_ context.Context, in *invocation) int {
	cfg := in.load(app.LoadServeConfig)
	if cfg == nil {
		return 1
	}
	fmt.Fprintf(in.stdout, "configuration is valid:\n%s", cfg.Redacted())
	return 0
}

func runConfigEnv(_ context.Context, in *invocation) int {
	return exit(config.EnvTable(in.stdout), in.stderr)
}

func runExport(ctx context.Context, in *invocation) int {
	cfg := in.load(app.LoadConfig)
	if cfg == nil {
		return 1
	}
	d := app.Draft{Ref: in.args[0], Format: in.flags.format, Lang: in.flags.lang, Out: in.stdout}
	return exit(app.Export(ctx, cfg, app.NewLogger(in.stderr, "warn", cfg.LogFormat, false), d), in.stderr)
}

func runHealthcheck(ctx context.Context, in *invocation) int {
	cfg := in.load(app.LoadConfig)
	if cfg == nil {
		return 1
	}
	if err := app.Healthcheck(ctx, cfg.Addr); err != nil {
		fmt.Fprintln(in.stderr, "healthcheck:", err)
		return 1
	}
	return 0
}
