package config

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// redacted replaces a secret's value wherever it would be shown.
const redacted = "<redacted>"

// Secret holds a credential (a token, or a URL that may carry a password).
// It never prints: String, GoString, every fmt verb, MarshalJSON,
// MarshalYAML and MarshalText all give "<redacted>" (quoted for %q and %#v),
// or an empty string when the secret is empty so that "not configured"
// stays visible. Reveal returns the value for the one place that needs it.
type Secret string

// Reveal returns the credential itself. Pass it to the client that needs it
// and nowhere else.
func (s Secret) Reveal() string { return string(s) }

func (s Secret) shown() string {
	if s == "" {
		return ""
	}
	return redacted
}

// String returns "<redacted>", or "" when s is empty.
func (s Secret) String() string { return s.shown() }

// GoString returns the quoted String, for %#v.
func (s Secret) GoString() string { return strconv.Quote(s.shown()) }

// Format implements fmt.Formatter so that no verb, flag or width reveals the
// value: %q and %#v quote the redacted text, every other verb prints it.
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'q' || (verb == 'v' && f.Flag('#')):
		fmt.Fprint(f, strconv.Quote(s.shown()))
	default:
		fmt.Fprint(f, s.shown())
	}
}

// MarshalJSON writes the redacted text as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.shown()) }

// MarshalYAML writes the redacted text.
func (s Secret) MarshalYAML() (any, error) { return s.shown(), nil }

// MarshalText writes the redacted text.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.shown()), nil }

// Duration is a time.Duration written in YAML as Go duration text: "90s",
// "10m", "4h", "1h30m". A bare number is rejected, because "30" could mean
// seconds or minutes.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String renders d without trailing zero units: "30m", "4h", "1h30m", "90s".
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	if d >= Duration(24*time.Hour) && d%Duration(24*time.Hour) == 0 {
		s = strconv.FormatInt(int64(d/Duration(24*time.Hour)), 10) + "d"
	}
	return s
}

// UnmarshalYAML parses duration text. A malformed value is reported as a
// *yaml.TypeError carrying its line, so the decoder goes on and Load can
// report it with the others.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		if v, err := parseDuration(n.Value); err == nil {
			*d = Duration(v)
			return nil
		}
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s, got %q", n.Line, durationWant, n.Value)}}
	}
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: cannot unmarshal %s into config.Duration", n.Line, n.ShortTag())}}
}

const durationWant = "must be a duration such as 90s, 10m, 4h or 14d"

// parseDuration reads Go's duration text, with whole days in front:
// "14d", "1d12h", "-2d".
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimPrefix(s, "-")
	i := strings.IndexByte(body, 'd')
	if i <= 0 {
		return time.ParseDuration(s)
	}
	days, err := strconv.Atoi(body[:i])
	if err != nil || days > 100000 {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	d := time.Duration(days) * 24 * time.Hour
	if rest := body[i+1:]; rest != "" {
		r, err := time.ParseDuration(rest)
		if err != nil || strings.HasPrefix(rest, "-") || strings.HasPrefix(rest, "+") {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		d += r
	}
	if neg {
		d = -d
	}
	return d, nil
}

// MarshalYAML writes d as duration text.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalText writes d as duration text, so JSON shows "30m", not
// nanoseconds.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses duration text.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := parseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%s, got %q", durationWant, b)
	}
	*d = Duration(v)
	return nil
}
