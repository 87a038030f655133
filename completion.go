package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// The completion scripts are written from the command table (commands)
// and the flag sets run parses with, so a command or flag added there is
// completed without touching this file. Each script finds the command
// among the words typed so far (skipping flags and the values of flags
// that take one), then offers the value choices of the flag just typed,
// the command's positional choices, or its flags.

// shellNames are the shells scriptWriter knows, in the order help lists
// them.
func shellNames() []string { return []string{"bash", "zsh", "fish"} }

// scriptWriter is the completion script writer of a shell of shellNames.
func scriptWriter(shell string) (func(io.Writer, []compCommand), bool) {
	switch shell {
	case "bash":
		return writeBash, true
	case "zsh":
		return writeZsh, true
	case "fish":
		return writeFish, true
	}
	return nil, false
}

func runCompletion(_ context.Context, in *invocation) int {
	write, ok := scriptWriter(in.args[0])
	if !ok {
		fmt.Fprintf(in.stderr, "warroom completion: unknown shell %q: want bash, zsh or fish\n", in.args[0])
		return 2
	}
	write(in.stdout, completionTable())
	return 0
}

// compFlag is a flag as completion sees it.
type compFlag struct {
	name, usage string
	// value: the flag takes a value; file: a file name; choices: one of
	// these words.
	value, file bool
	choices     []string
}

// compCommand is what completion offers after the words of path: "" for
// the top level, a group ("config"), or a command.
type compCommand struct {
	path    string
	summary string
	flags   []compFlag
	// args are the positional choices: the commands at the top level, a
	// group's commands, or a command's choices[""].
	args []string
}

// completionTable turns the command table into compCommands: the top
// level first, then each group, then each command.
func completionTable() []compCommand {
	table := commands()
	var showVersion bool
	top := compCommand{flags: compFlags(topFlagSet(io.Discard, &flags{}, &showVersion), nil), args: firstWords(table)}
	out := []compCommand{top}
	for _, g := range groups() {
		out = append(out, compCommand{path: g, flags: compFlags(globalFlagSet(), nil), args: groupCommands(g)})
	}
	for _, c := range table {
		out = append(out, compCommand{path: c.name, summary: c.summary,
			flags: compFlags(c.flagSet(io.Discard, &flags{}), c.choices), args: c.choices[""]})
	}
	return out
}

func compFlags(fs *flag.FlagSet, choices map[string][]string) []compFlag {
	var out []compFlag
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		out = append(out, compFlag{name: f.Name, usage: usage, value: typ != "", file: typ == "file", choices: choices[f.Name]})
	})
	return out
}

// dashed is the flag as typed: Go's flag package takes one dash or two;
// the scripts offer two for names, one for a letter.
func (f compFlag) dashed() string {
	if len(f.name) == 1 {
		return "-" + f.name
	}
	return "--" + f.name
}

// valueFlagPattern is a shell case pattern matching every flag of table
// that takes a value, with one dash or two: the word after it is its value.
func valueFlagPattern(table []compCommand) string {
	var pats []string
	for _, c := range table {
		for _, f := range c.flags {
			if p := "--" + f.name + "|-" + f.name; f.value && !slices.Contains(pats, p) {
				pats = append(pats, p)
			}
		}
	}
	return strings.Join(pats, "|")
}

// pathPattern is a shell case pattern matching every group and command
// name, as the scripts build it from the words typed: "config check".
func pathPattern(table []compCommand) string {
	var pats []string
	for _, c := range table[1:] {
		pats = append(pats, `"`+c.path+`"`)
	}
	return strings.Join(pats, "|")
}

func flagNames(c compCommand) string {
	var names []string
	for _, f := range c.flags {
		names = append(names, f.dashed())
	}
	return strings.Join(names, " ")
}

// offered is what a command offers for a word not starting with a dash:
// its positional choices, else its flags.
func offered(c compCommand) string {
	if len(c.args) > 0 {
		return strings.Join(c.args, " ")
	}
	return flagNames(c)
}

// shellCase writes, for a case on the flag before the cursor, one
// branch per flag of c that takes a value, in the syntax of bash or zsh
// (open is "" or "(", the shells' two branch openings).
func shellCase(w io.Writer, c compCommand, open, files, words, none string) {
	for _, f := range c.flags {
		if !f.value {
			continue
		}
		action := none
		switch {
		case f.file:
			action = files
		case len(f.choices) > 0:
			action = fmt.Sprintf(words, strings.Join(f.choices, " "))
		}
		fmt.Fprintf(w, "        %s--%s|-%s) %s; return ;;\n", open, f.name, f.name, action)
	}
}

func writeBash(w io.Writer, table []compCommand) {
	fmt.Fprintf(w, `# bash completion for warroom, written by "warroom completion bash" from
# its command table. Load it with: source <(warroom completion bash)
_warroom() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" cmd="" word i
    for ((i = 1; i < COMP_CWORD; i++)); do
        word="${COMP_WORDS[i]}"
        case "$word" in
        %s) ((i++)) ;;
        -*) ;;
        *)
            case "${cmd:+$cmd }$word" in
            %s) cmd="${cmd:+$cmd }$word" ;;
            esac
            ;;
        esac
    done
    local flags="" args=""
    case "$cmd" in
`, valueFlagPattern(table), pathPattern(table))
	for _, c := range table {
		fmt.Fprintf(w, "    %q)\n        case \"$prev\" in\n", c.path)
		shellCase(w, c, "", `compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur"))`,
			`COMPREPLY=($(compgen -W "%s" -- "$cur"))`, "COMPREPLY=()")
		fmt.Fprintf(w, "        esac\n        flags=%q args=%q ;;\n", flagNames(c), offered(c))
	}
	fmt.Fprint(w, `    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$args" -- "$cur"))
    fi
}
complete -F _warroom warroom
`)
}

func writeZsh(w io.Writer, table []compCommand) {
	fmt.Fprintf(w, `#compdef warroom
# zsh completion for warroom, written by "warroom completion zsh" from its
# command table. Load it with: source <(warroom completion zsh), or save it
# as _warroom in a directory of $fpath.
_warroom() {
  local cur="${words[CURRENT]}" prev="${words[CURRENT-1]}" cmd="" word i
  local -a flags args
  for ((i = 2; i < CURRENT; i++)); do
    word="${words[i]}"
    case "$word" in
      (%s) ((i++)) ;;
      (-*) ;;
      (*)
        case "${cmd:+$cmd }$word" in
          (%s) cmd="${cmd:+$cmd }$word" ;;
        esac
        ;;
    esac
  done
  case "$cmd" in
`, valueFlagPattern(table), pathPattern(table))
	for _, c := range table {
		fmt.Fprintf(w, "    (%q)\n      case \"$prev\" in\n", c.path)
		shellCase(w, c, "(", "_files", "compadd -- %s", "_message value")
		fmt.Fprintf(w, "      esac\n      flags=(%s) args=(%s) ;;\n", flagNames(c), offered(c))
	}
	fmt.Fprint(w, `  esac
  if [[ $cur == -* ]]; then
    compadd -- "${flags[@]}"
  else
    compadd -- "${args[@]}"
  fi
}
if [[ "${funcstack[1]}" == _warroom ]]; then
  _warroom "$@"
else
  compdef _warroom warroom
fi
`)
}

func writeFish(w io.Writer, table []compCommand) {
	fmt.Fprint(w, `# fish completion for warroom, written by "warroom completion fish" from
# its command table. Load it with: warroom completion fish | source
complete -c warroom -f
`)
	for _, c := range table {
		cond := fishCondition(c.path, table)
		for _, a := range c.args {
			desc := ""
			for _, sub := range table {
				if sub.path == strings.TrimSpace(c.path+" "+a) && sub.summary != "" {
					desc = " -d " + fishQuote(sub.summary)
				}
			}
			fmt.Fprintf(w, "complete -c warroom -n %s -a %s%s\n", cond, fishQuote(a), desc)
		}
		for _, f := range c.flags {
			opt := "-l " + f.name
			if len(f.name) == 1 {
				opt = "-s " + f.name
			}
			switch {
			case f.file:
				opt += " -r -F"
			case len(f.choices) > 0:
				opt += " -x -a " + fishQuote(strings.Join(f.choices, " "))
			case f.value:
				opt += " -x"
			}
			fmt.Fprintf(w, "complete -c warroom -n %s %s -d %s\n", cond, opt, fishQuote(f.usage))
		}
	}
}

// fishCondition is true while the words typed so far name path: its
// words are there, and for the top level or a group no word of what
// comes after.
func fishCondition(path string, table []compCommand) string {
	var conds []string
	for _, word := range strings.Fields(path) {
		conds = append(conds, "__fish_seen_subcommand_from "+word)
	}
	for _, c := range table {
		if c.path == path && (path == "" || slices.Contains(groups(), path)) {
			conds = append(conds, "not __fish_seen_subcommand_from "+strings.Join(c.args, " "))
		}
	}
	return fishQuote(strings.Join(conds, "; and "))
}

// fishQuote single-quotes s for fish, where only \ and ' are special
// inside single quotes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
