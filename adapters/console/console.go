package console

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// Name is the console's platform name and the Platform of its events.
const Name = "console"

// DefaultUser is who the person at the terminal is when Options.User is
// empty.
const DefaultUser = "you"

// general is the channel every workspace starts with.
const general = "general"

// Options configures a Console.
type Options struct {
	// In is read line by line; it need not be a terminal. Required.
	In io.Reader
	// Out receives the transcript. Required.
	Out io.Writer
	// User is who the person at the terminal is (default "you"); it is both
	// the user ID and the name of the events they cause.
	User string
	// Lang is the language of the console and of the bot's answers
	// (default English).
	Lang bot.Lang
	// People are the workspace's people besides User (default
	// DefaultPeople): the names a command may give for a person, with or
	// without "@". Whoever /user makes the person at the terminal joins
	// them.
	People []string
	// Speed is how many times faster than real time the console's clock
	// runs (0 or 1: real time); "/wait 10m" waits 10 minutes of it.
	Speed float64
	Log   *zap.Logger
}

// DefaultPeople are the workspace's people when Options.People is empty.
var DefaultPeople = []string{"alice", "bob", "carol", "dave"}

// Console is a simulated chat workspace driven by lines of text, and the
// bot.Platform that answers in it. Run reads the input; the Platform
// methods may be called from any goroutine.
type Console struct {
	in          io.Reader
	lang        bot.Lang
	log         *zap.Logger
	interactive bool

	// formReady is signalled when OpenForm queues a form, so Run asks it
	// even while it waits for a line.
	formReady chan struct{}

	mu       sync.Mutex // guards everything below and every write to out
	out      io.Writer
	werr     error // the first failed write; Run stops on it
	running  bool
	user     string
	current  *channel
	channels []*channel // in creation order
	messages map[string]*message
	nextMsg  int
	choices  []choice // of the most recent message shown with buttons
	pending  []pendingForm
	// people are the workspace's people, by lower-case name.
	people map[string]string
	speed  float64
}

// channel is one conversation of the workspace.
type channel struct {
	id       string
	name     string
	topic    string
	private  bool
	archived bool
	members  map[string]bool
}

// message is a posted message, the bot's or a person's.
type message struct {
	ref     string
	channel *channel
	author  string // "" for the bot
	text    string // a person's message
	bot     bot.Message
	pinned  bool
	deleted bool
}

var (
	_ bot.Platform = (*Console)(nil)

	errNoChannel = errors.New("no such channel")
	errNoMessage = errors.New("no such message")
	errArchived  = errors.New("channel is archived")
)

// New returns a Console with a workspace holding #general, where the user
// starts.
func New(opts Options) (*Console, error) {
	if opts.In == nil {
		return nil, errors.New("console: nil input")
	}
	if opts.Out == nil {
		return nil, errors.New("console: nil output")
	}
	if opts.User == "" {
		opts.User = DefaultUser
	}
	user, ok := parseUserName(opts.User)
	if !ok {
		return nil, fmt.Errorf("console: invalid user name %q", opts.User)
	}
	if opts.Lang == "" {
		opts.Lang = bot.English
	}
	if !knownLang(opts.Lang) {
		return nil, fmt.Errorf("console: unsupported language %q", opts.Lang)
	}
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	if len(opts.People) == 0 {
		opts.People = DefaultPeople
	}
	people := map[string]string{strings.ToLower(user): user}
	for _, p := range opts.People {
		name, ok := parseUserName(p)
		if !ok {
			return nil, fmt.Errorf("console: invalid user name %q", p)
		}
		people[strings.ToLower(name)] = name
	}
	if opts.Speed < 1 {
		opts.Speed = 1
	}
	c := &Console{
		people:      people,
		speed:       opts.Speed,
		in:          opts.In,
		out:         opts.Out,
		lang:        opts.Lang,
		log:         opts.Log.Named("console"),
		interactive: isTerminal(opts.In),
		formReady:   make(chan struct{}, 1),
		user:        user,
		messages:    map[string]*message{},
	}
	c.current = c.addChannel(general, "", false)
	c.current.members[user] = true
	return c, nil
}

func knownLang(l bot.Lang) bool {
	for _, k := range bot.Langs {
		if k == l {
			return true
		}
	}
	return false
}

// isTerminal reports whether r is a character device, where a prompt helps;
// piped input gets none, so transcripts stay clean.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// parseUserName reads what /user and Options.User accept, what a mention
// can carry back without ambiguity: a letter or digit, then up to 39
// letters, digits, '.', '_' or '-'. (By hand: the equivalent regexp over
// \p{L} and \p{N} costs a megabyte of heap and 9 ms at every start.)
func parseUserName(s string) (string, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "@")
	n := 0
	for i, r := range s {
		n++
		alnum := unicode.IsLetter(r) || unicode.IsNumber(r)
		if !alnum && (i == 0 || (r != '.' && r != '_' && r != '-')) || n > 40 {
			return s, false
		}
	}
	return s, n > 0
}

// t translates key into the console's language.
func (c *Console) t(key string, args ...string) string { return bot.T(c.lang, key, args...) }

// me is the person at the terminal as events name them. Callers hold mu.
func (c *Console) me() bot.User { return bot.User{ID: c.user, Name: c.user} }

// addChannel creates a channel named after name, made valid and unique.
// Callers hold mu (or own c exclusively).
func (c *Console) addChannel(name, topic string, private bool) *channel {
	ch := &channel{
		id:      "C" + strconv.Itoa(len(c.channels)+1),
		name:    c.uniqueName(sanitizeName(name)),
		topic:   topic,
		private: private,
		members: map[string]bool{},
	}
	c.channels = append(c.channels, ch)
	return ch
}

// maxName is Slack's limit on channel names, which the console mimics so
// that drills show what Slack would.
const maxName = 80

// sanitizeName lowercases name and keeps a-z, 0-9, "-" and "_", turning
// anything else into single dashes, within maxName runes.
func sanitizeName(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	s := b.String()
	if len(s) > maxName {
		s = strings.TrimRight(s[:maxName], "-")
	}
	if s == "" {
		return "channel"
	}
	return s
}

// uniqueName appends "-2", "-3"... to a name already taken (archived
// channels keep their names, as on Slack). Callers hold mu.
func (c *Console) uniqueName(name string) string {
	if c.channelByName(name) == nil {
		return name
	}
	for n := 2; ; n++ {
		suffix := "-" + strconv.Itoa(n)
		base := name
		if len(base)+len(suffix) > maxName {
			base = strings.TrimRight(base[:maxName-len(suffix)], "-")
		}
		if c.channelByName(base+suffix) == nil {
			return base + suffix
		}
	}
}

// channelByName finds a channel by name (with or without "#") or by ID.
// Callers hold mu.
func (c *Console) channelByName(name string) *channel {
	name = strings.ToLower(strings.TrimPrefix(name, "#"))
	for _, ch := range c.channels {
		if ch.name == name || strings.EqualFold(ch.id, name) {
			return ch
		}
	}
	return nil
}

// channelByID finds a channel by ID. Callers hold mu.
func (c *Console) channelByID(id string) *channel {
	for _, ch := range c.channels {
		if ch.id == id {
			return ch
		}
	}
	return nil
}

// newRef returns the next message reference. Callers hold mu.
func (c *Console) newRef() string {
	c.nextMsg++
	return "M" + strconv.Itoa(c.nextMsg)
}

// println writes lines to out, without their invisible characters
// (bot.Visible): no escape sequence reaches the terminal and no bidi
// override reorders a title, topic or message. Everything the console
// shows passes here. Callers hold mu.
func (c *Console) println(lines ...string) {
	if c.werr != nil {
		return
	}
	for _, l := range lines {
		if _, err := io.WriteString(c.out, bot.Visible(l)+"\n"); err != nil {
			c.werr = fmt.Errorf("write console output: %w", err)
			return
		}
	}
}

// say writes lines to out, taking mu.
func (c *Console) say(lines ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.println(lines...)
}
