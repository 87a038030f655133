package config

import "strings"

// Problem is one invalid field.
type Problem struct {
	// Field is where the bad value came from: the YAML path of the field
	// ("priorities.P2.update_every", "roles[1].name"), the environment
	// variable when the value came from there ("WARROOM_WORKERS"), or the
	// file's path for a problem with the file as a whole (unreadable, not
	// YAML). It is "" only when no field can be named.
	Field string
	// Message says what is wrong and what would be right. It never holds a
	// secret's value.
	Message string
}

// String renders "field: message", or just the message when Field is "".
func (p Problem) String() string {
	if p.Field == "" {
		return p.Message
	}
	return p.Field + ": " + p.Message
}

// Problems is every problem Load found, in the order found: the file's
// syntax and types first (in file order), then the environment (in Env
// order), then validation (in Config field order). Use errors.As to get it
// from Load's error.
type Problems []Problem

// Error renders one "field: message" per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}
