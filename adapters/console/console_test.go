package console_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/console"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/store/storetest"
)

// day is the handlers' clock, so channel names are known in advance.
var day = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

const incChannel = "inc-20261125-1-checkout-is-failing"
const incChannelPrivate = "inc-20261125-1-payroll-data-exposed"

// harness is a real router with the real handlers on a real store (REDIS_URL
// or miniredis); each run pipes a script through a fresh console on it.
type harness struct {
	t *testing.T
	r *bot.Router
}

func newHarness(t *testing.T, opts handlers.Options) *harness {
	t.Helper()
	opts.Now = func() time.Time { return day }
	r := bot.NewRouter(bot.Options{Lang: bot.English})
	t.Cleanup(func() { require.NoError(t, r.Close(context.Background())) })
	_, err := handlers.New(storetest.New(t), r, opts)
	require.NoError(t, err)
	return &harness{t: t, r: r}
}

// run pipes the lines through a console for user in lang and returns the
// transcript.
func (h *harness) run(lang bot.Lang, user string, lines ...string) string {
	h.t.Helper()
	var out bytes.Buffer
	c, err := console.New(console.Options{In: strings.NewReader(strings.Join(lines, "\n") + "\n"), Out: &out, User: user, Lang: lang})
	require.NoError(h.t, err)
	h.r.Register(c)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(h.t, c.Run(ctx, h.r), "transcript:\n%s", out.String())
	return out.String()
}

// block returns the first message in out, after the first occurrence of
// after, whose first line starts with head: that line and its indented
// lines.
func block(t *testing.T, out, after, head string) string {
	t.Helper()
	i := strings.Index(out, after)
	require.GreaterOrEqual(t, i, 0, "%q not in transcript:\n%s", after, out)
	lines := strings.Split(out[i:], "\n")
	for j, l := range lines {
		if !strings.HasPrefix(l, head) {
			continue
		}
		end := j + 1
		for end < len(lines) && strings.HasPrefix(lines[end], "  ") {
			end++
		}
		return strings.Join(lines[j:end], "\n")
	}
	require.Failf(t, "no message", "no %q after %q in transcript:\n%s", head, after, out)
	return ""
}

// inOrder asserts that each string occurs in s after the previous one.
func inOrder(t *testing.T, s string, want ...string) {
	t.Helper()
	rest := s
	for _, w := range want {
		i := strings.Index(rest, w)
		require.GreaterOrEqual(t, i, 0, "%q missing or out of order in:\n%s", w, s)
		rest = rest[i+len(w):]
	}
}

func TestIncidentStory(t *testing.T) {
	h := newHarness(t, handlers.Options{})
	out := h.run(bot.English, "alice",
		"/incident declare Checkout is failing P2", // M1; the card is M2, the welcome M3
		"the payment provider returns 502s",        // M4
		"/user bob",
		"!1",                      // I'll be commander: the announcement is M5
		"looks like a bad deploy", // M6
		"!2",                      // Set priority → P1: the announcement is M7
		"/user alice",
		"/edit M4 the payment provider returns 502s since 10:02",
		"/delete M6",
		"/pin M4",
		"/react M4 pushpin",
		"/react M4 thumbsup",
		"/incident timeline",
		"/incident summary",
	)

	// Declaring moves alice into the new channel and shows the card with
	// its buttons, the pin and the topic.
	inOrder(t, out,
		"> /incident declare Checkout is failing P2",
		"Warroom created #"+incChannel+"; you are now in it.",
		"[M2] Warroom: 🚨 INC-1: Checkout is failing",
		"Warroom pinned M2 in #"+incChannel+".",
		"Topic of #"+incChannel+": INC-1 | P2 (high) | investigating | Commander: alice | Checkout is failing",
		"[M3] Warroom: alice declared INC-1.",
		"Warroom (only you can see this): Declared INC-1 “Checkout is failing” → #"+incChannel,
	)
	card := block(t, out, "> /incident declare", "[M2] Warroom: ")
	require.Contains(t, card, "\n  Priority: P2 (high)\n")
	require.Contains(t, card, "\n  Commander: alice\n")
	require.Contains(t, card, "\n  [1] I'll be commander\n")
	require.Contains(t, card, "\n  [2] Set priority → P1 (critical) — Critical: customer-facing outage")
	require.Contains(t, card, "\n  [6] Post update  [7] Resolve\n")
	require.Contains(t, out, "[M4] alice: the payment provider returns 502s\n")

	// bob's click makes him commander: the same card, updated in place.
	inOrder(t, out,
		"bob chose [1] I'll be commander",
		"[M5] Warroom: bob takes over as Commander of INC-1 from alice (set by bob).",
		"@bob joined #"+incChannel+".",
	)
	card = block(t, out, "bob chose [1]", "[M2] Warroom (updated): ")
	require.Contains(t, card, "\n  Commander: bob\n")
	require.Contains(t, card, "\n  Priority: P2 (high)\n")
	require.Contains(t, out, "[M6] bob: looks like a bad deploy\n")

	// The priority select's option click sets P1.
	inOrder(t, out, "bob chose [2] Set priority → P1 (critical)", "[M7] Warroom: bob set INC-1 to *P1 (critical)*")
	card = block(t, out, "bob chose [2]", "[M2] Warroom (updated): ")
	require.Contains(t, card, "\n  Priority: P1 (critical)\n")
	require.Contains(t, out, "Topic of #"+incChannel+": INC-1 | P1 (critical) | investigating | Commander: bob | Checkout is failing")

	inOrder(t, out,
		"[M4] alice (edited): the payment provider returns 502s since 10:02",
		"alice deleted M6.",
		"alice pinned M4 in #"+incChannel+".",
		"alice reacted :pushpin: to M4.",
		"alice reacted :thumbsup: to M4.",
	)

	// Everything said is on the timeline with its author, in order; the
	// edit and the deletion are new entries and the originals stay.
	tl := block(t, out, "> /incident timeline", "Warroom (only you can see this): Timeline of INC-1")
	inOrder(t, tl,
		"alice  [declared] Checkout is failing",
		"alice  [message] the payment provider returns 502s\n",
		"bob  [role] Commander: bob",
		"bob  [message] looks like a bad deploy\n",
		"bob  [priority] P2 (high) → P1 (critical)",
		"alice  [edited] (M4): the payment provider returns 502s since 10:02",
		"alice  [deleted] (M6)",
		"★ alice  [key event] (M4)",
		"★ alice  [key event] (M4)",
	)
	require.Equal(t, 2, strings.Count(tl, "[key event]"), "the pin and the pushpin; a thumbsup marks nothing")

	sum := block(t, out, "> /incident summary", "Warroom (only you can see this): 🚨 INC-1")
	require.Contains(t, sum, "\n  Priority: P1 (critical)\n")
	require.Contains(t, sum, "\n  Commander: bob\n")
}

func TestDeclareForm(t *testing.T) {
	h := newHarness(t, handlers.Options{})
	out := h.run(bot.English, "alice",
		"/incident declare",
		"",                    // title: required, asked again at once
		"Checkout is failing", // title
		"9",                   // priority: not a choice
		"1",                   // priority P1
		"Payments return 502", // description
		"erin",                // commander: nobody of that name here
		"@bob @carol",         // commander: the form's validator wants one
		"@carol @dave",        // responders
		"maybe",               // private: not yes or no
		"yes",                 // private
		"@bob",                // commander again, and only it
		"/channels",
	)
	inOrder(t, out,
		"> /incident declare",
		"Form: Declare an incident — answer each field on its own line; an empty line keeps an optional field's default (or leaves it empty), a required one is asked again. (/cancel abandons it, /quit quits, /incident <command> leaves it and runs the command)",
		"Title (required):\n  What is broken, for whom?\n>\n",
		"Title (required):\n  ! Title: This field is required.\n",
		"> Checkout is failing",
		"Priority (required):\n  [1] P1 (critical) — Critical:",
		"  choose one: P1, P2, P3, P4\n> 9\n",
		"  ! Priority: `9` is not one of the choices; give its number or value.",
		"> 1\n",
		"Description:\n> Payments return 502\n",
		"Commander:\n  Leave empty to lead it yourself.\n  people, by @mention or name: @alice @bob @carol @dave\n> erin\n",
		"  ! Commander: `erin` is not someone in this workspace. People: @alice @bob @carol @dave",
		"> @bob @carol\n",
		"Responders to invite:",
		"Private channel:\n  yes or no\n> maybe\n",
		"  ! Private channel: Answer yes or no.",
		"> yes\n",
		// The validator refused the commander: only that field is asked again.
		"Commander:\n  ! Commander: Choose one person.\n",
		"> @bob\n",
		"Warroom created #"+incChannel+"; you are now in it.",
	)
	reasked := out[strings.Index(out, "Commander:\n  ! Commander: Choose one person."):]
	require.NotContains(t, reasked, "Title (required):")
	require.NotContains(t, reasked, "Responders to invite:")

	card := block(t, out, "Warroom created", "[M2] Warroom: 🚨 INC-1: Checkout is failing")
	require.Contains(t, card, "\n  Payments return 502\n")
	require.Contains(t, card, "\n  Priority: P1 (critical)\n")
	require.Contains(t, card, "\n  Commander: bob\n")
	require.Contains(t, card, "\n  Declared by: alice\n")
	require.Contains(t, out, "@carol @dave @bob joined #"+incChannel+".")
	require.Contains(t, out, "→ #"+incChannel+" (you are here) (private) — INC-1 | P1 (critical)")
}

func TestUpdateForm(t *testing.T) {
	h := newHarness(t, handlers.Options{})
	out := h.run(bot.English, "alice",
		"/incident declare Checkout is failing",
		"!6", // Post update, from the card
		"",
		"Rolled back the deploy",
		"/join #general",
		"/incident INC-1 update", // from elsewhere: the form's Meta names the incident
		"Error rate back to normal",
	)
	inOrder(t, out,
		"alice chose [6] Post update",
		"Form: Status update for INC-1",
		"What is the current state? (required):\n>\n",
		"  ! What is the current state?: This field is required.",
		"[M4] Warroom: 📣 Update on INC-1 (investigating, not set) from alice: Rolled back the deploy",
		"[M2] Warroom (updated): 🚨 INC-1",
		"You are now in #general.",
		"Form: Status update for INC-1",
		"[#"+incChannel+" M6] Warroom: 📣 Update on INC-1 (investigating, not set) from alice: Error rate back to normal",
		"Warroom (only you can see this): 📣 Update on INC-1",
	)
}

func TestFormAbandoned(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		err   bool
	}{
		{name: "end of input", lines: []string{"/incident declare", "Checkout is failing"}},
		{name: "cancel", lines: []string{"/incident declare", "Checkout is failing", "/cancel", "/incident list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, handlers.Options{})
			out := h.run(bot.English, "alice", tt.lines...)
			require.Contains(t, out, "Form abandoned; nothing was submitted.")
			require.NotContains(t, out, "Warroom created")
			out = h.run(bot.English, "alice", "/incident list")
			require.Contains(t, out, "No open incidents.")
		})
	}
}

func TestMovingAround(t *testing.T) {
	h := newHarness(t, handlers.Options{ArchiveOnClose: true})
	out := h.run(bot.English, "alice",
		"/incident declare Checkout is failing",
		"/user @bob",
		"hello from bob",
		"/join #general",
		"small talk in general",
		"/join "+incChannel,
		"/user alice",
		"/incident timeline",
		"/incident resolve rolled back",
		"/incident close",
		"too late",
		"/join general",
		"/join #nowhere",
		"/channels",
	)
	inOrder(t, out,
		"You are now bob.",
		"[M4] bob: hello from bob\n",
		"You are now in #general.",
		"[M5] bob: small talk in general\n",
		"You are now in #"+incChannel+".",
		"You are now alice.",
	)
	tl := block(t, out, "> /incident timeline", "Warroom (only you can see this): Timeline of INC-1")
	require.Contains(t, tl, "bob  [message] hello from bob\n")
	require.NotContains(t, tl, "small talk") // #general is not an incident channel

	inOrder(t, out,
		"#"+incChannel+" was archived.",
		"#"+incChannel+" is archived; nothing can be posted there.",
		"You are now in #general.",
		"There is no channel #nowhere. `/channels` lists them.",
		"> /channels\nChannels:\n"+
			"  → #general (you are here)\n"+
			"    #"+incChannel+" (archived) — INC-1 | not set | closed | Commander: alice | Checkout is failing\n",
	)
	require.NotContains(t, out, "alice: too late")
}

func TestBadInput(t *testing.T) {
	declare := "/incident declare Checkout is failing P2"
	tests := []struct {
		name  string
		lines []string
		want  []string // in this order
	}{
		{"unknown console command", []string{"/frob x"}, []string{"Unknown console command `/frob`. `/help` lists them."}},
		{"no buttons yet", []string{"!1"}, []string{"There is no button 1."}},
		{"no such button", []string{declare, "!99", "!0"}, []string{"There is no button 99.", "There is no button 0."}},
		{"unknown command", []string{"/incident frobnicate"}, []string{"I don't know the command `frobnicate`. Type `help` for all commands."}},
		{"typo", []string{"/incident resolv"}, []string{"I don't know the command `resolv`. Did you mean `resolve`?"}},
		{"bad priority leaves it unchanged", []string{declare, "/incident priority P9", "/incident summary"},
			[]string{"(only you can see this): `P9` is not a priority. Choose P1, P2, P3 or P4", "  Priority: P2 (high)\n"}},
		{"no such incident", []string{"/incident INC-999 resolve"}, []string{"There is no incident INC-999. `list` shows the open ones."}},
		{"no incident here", []string{"/incident resolve"}, []string{"Which incident? Run this in an incident channel"}},
		{"plain text is just a message", []string{"INC-999 resolve"}, []string{"[M1] alice: INC-999 resolve\n"}},
		{"edit usage", []string{"/edit M1"}, []string{"Usage: `/edit M3 <text>`"}},
		{"edit unknown message", []string{"/edit M42 text"}, []string{"There is no message M42 you can do that to."}},
		{"the bot's message is not yours", []string{declare, "/delete M2", "/edit M2 x"},
			[]string{"There is no message M2 you can do that to.", "There is no message M2 you can do that to."}},
		{"deleted twice", []string{"hi", "/delete M1", "/delete M1"}, []string{"alice deleted M1.", "There is no message M1"}},
		{"react usage", []string{"hi", "/react M1 not a name"}, []string{"Usage: `/react M3 pushpin`"}},
		{"pin usage", []string{"/pin"}, []string{"Usage: `/pin M3`"}},
		{"bad user name", []string{"/user b@d"}, []string{"`b@d` cannot be a user name"}},
		{"user usage", []string{"/user"}, []string{"Usage: `/user <name>`"}},
		{"unknown channel", []string{"/join #nowhere"}, []string{"There is no channel #nowhere."}},
		{"help", []string{"/help"}, []string{"Console: /incident <command>", "Drills: /edit M3 <text>"}},
		{"quit ends the session", []string{"/quit", "after quit"}, []string{"Bye."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, handlers.Options{})
			out := h.run(bot.English, "alice", tt.lines...)
			inOrder(t, out, tt.want...)
			require.NotContains(t, out, "Something went wrong")
			if tt.name == "quit ends the session" {
				require.NotContains(t, out, "after quit")
			}
		})
	}
}

// TestOddInput feeds lines nothing should choke on, each followed by
// /cancel (for those that open a form) and /help, to prove the session goes
// on.
func TestOddInput(t *testing.T) {
	odd := []string{
		"\x00", "\x1b[2J\x1b[31mred", "\xff\xfe\xfd", "!", "!!", "!-1", "!1a", "!99999999999999999999999",
		"/", "/ ", "//", "/incident", "/incident ", "/incident \x00", "/INCIDENT help", "/incident INC-0 resolve",
		"/incident INC-99999999999999999999 resolve", "/incident declare " + strings.Repeat("long ", 60),
		"/incident declare \"\"", "/incident declare P1", "/incident role", "/incident role commander <@>",
		"/incident timeline -1", "/incident timeline 99999999999", "/edit", "/edit  ", "/delete", "/delete M1 M2",
		"/pin M0", "/react", "/react M1", "/react M1 :pushpin:", "/join", "/join #", "/join # #", "/user @",
		"/user " + strings.Repeat("a", 41), "/channels extra", "@@@", "<@>", "<@|x>", "INC-", "#", "🚨🔥",
		"\r", " \t ", strings.Repeat("x", console.MaxLine), strings.Repeat("y", console.MaxLine+1),
		"/cancel",
	}
	h := newHarness(t, handlers.Options{})
	for i, line := range odd {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			out := h.run(bot.English, "alice", line, "/cancel", "/help")
			require.Contains(t, out, "Console: /incident <command>")
			require.NotContains(t, out, "Something went wrong")
			require.NotContains(t, out, "\x1b")
			require.NotContains(t, out, "\x00")
		})
	}
	t.Run("overlong line", func(t *testing.T) {
		out := h.run(bot.English, "alice", strings.Repeat("z", console.MaxLine+1), "still here")
		inOrder(t, out, "That line is too long (at most 65536 bytes); it was ignored.", "alice: still here")
		require.NotContains(t, out, "zzz")
	})
	t.Run("all at once", func(t *testing.T) {
		out := h.run(bot.English, "alice", append(odd, "/help")...)
		require.Contains(t, out, "Console: /incident <command>")
	})
}

func TestJapanese(t *testing.T) {
	h := newHarness(t, handlers.Options{Lang: bot.Japanese}) // the card is in the workspace's language
	out := h.run(bot.Japanese, "alice",
		"/incident declare 決済が失敗している P2",
		"決済代行が 502 を返している",
		"!99",
		"/frob",
		"/incident declare",
		"",
		"/cancel",
	)
	inOrder(t, out,
		"Warroom コンソール — あなたは #general にいる alice です。",
		"Warroom が #inc-20261125-1 を作成しました。移動しました。",
		"[M2] Warroom: 🚨 INC-1: 決済が失敗している",
		"  ステータス: 調査中",
		"  !N で選択",
		"Warroom （あなただけに表示されています）: INC-1「決済が失敗している」を宣言しました",
		"[M4] alice: 決済代行が 502 を返している",
		"99 番のボタンはありません。",
		"`/frob` というコンソールコマンドはありません。",
		"フォーム: インシデントを宣言",
		"タイトル （必須）:",
		"  ! タイトル: 入力必須です。",
		"フォームを中止しました。",
	)
	require.NotContains(t, out, "only you can see this")
}

func TestRunStops(t *testing.T) {
	t.Run("context cancelled", func(t *testing.T) {
		h := newHarness(t, handlers.Options{})
		pr, pw := io.Pipe()
		defer pw.Close()
		c, err := console.New(console.Options{In: pr, Out: io.Discard})
		require.NoError(t, err)
		h.r.Register(c)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		require.ErrorIs(t, c.Run(ctx, h.r), context.Canceled)
	})
	t.Run("not registered", func(t *testing.T) {
		h := newHarness(t, handlers.Options{})
		c, err := console.New(console.Options{In: strings.NewReader(""), Out: io.Discard})
		require.NoError(t, err)
		require.Error(t, c.Run(context.Background(), h.r))
	})
	t.Run("twice", func(t *testing.T) {
		h := newHarness(t, handlers.Options{})
		var out bytes.Buffer
		c, err := console.New(console.Options{In: strings.NewReader("hi\n"), Out: &out})
		require.NoError(t, err)
		h.r.Register(c)
		require.NoError(t, c.Run(context.Background(), h.r))
		require.Contains(t, out.String(), "you are you in #general")
		require.Contains(t, out.String(), "[M1] you: hi")
		require.Error(t, c.Run(context.Background(), h.r))
	})
	t.Run("input fails", func(t *testing.T) {
		h := newHarness(t, handlers.Options{})
		c, err := console.New(console.Options{In: io.MultiReader(strings.NewReader("hi\n"), iotest.ErrReader(io.ErrUnexpectedEOF)), Out: io.Discard})
		require.NoError(t, err)
		h.r.Register(c)
		require.ErrorIs(t, c.Run(context.Background(), h.r), io.ErrUnexpectedEOF)
	})
	t.Run("output fails", func(t *testing.T) {
		h := newHarness(t, handlers.Options{})
		c, err := console.New(console.Options{In: strings.NewReader("hi\nhi\n"), Out: failingWriter{}})
		require.NoError(t, err)
		h.r.Register(c)
		require.Error(t, c.Run(context.Background(), h.r))
	})
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestNew(t *testing.T) {
	in, out := strings.NewReader(""), io.Discard
	tests := []struct {
		name string
		opts console.Options
		ok   bool
	}{
		{"defaults", console.Options{In: in, Out: out}, true},
		{"japanese", console.Options{In: in, Out: out, Lang: bot.Japanese, User: "@花子"}, true},
		{"no input", console.Options{Out: out}, false},
		{"no output", console.Options{In: in}, false},
		{"bad user", console.Options{In: in, Out: out, User: "a b"}, false},
		{"bad language", console.Options{In: in, Out: out, Lang: "fr"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := console.New(tt.opts)
			if !tt.ok {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, "console", c.Name())
		})
	}
}

// TestPlatform calls the Platform methods directly, as handlers do, some
// from many goroutines at once.
func TestPlatform(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	c, err := console.New(console.Options{In: strings.NewReader(""), Out: &out, User: "alice"})
	require.NoError(t, err)

	day := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	spec := func(title string) bot.ChannelSpec {
		return bot.ChannelSpec{Prefix: "inc", ID: 1, Title: title, Date: day}
	}
	a, err := c.CreateChannel(ctx, spec("Hello World!"))
	require.NoError(t, err)
	require.Equal(t, bot.Channel{ID: "C2", Name: "inc-20261125-1-hello-world"}, a)
	b, err := c.CreateChannel(ctx, spec("hello world"))
	require.NoError(t, err)
	require.Equal(t, bot.Channel{ID: "C3", Name: "inc-20261125-1-hello-world-2"}, b)
	long, err := c.CreateChannel(ctx, spec(strings.Repeat("a", 100)))
	require.NoError(t, err)
	require.Equal(t, "inc-20261125-1-"+strings.Repeat("a", 65), long.Name, "Slack's 80")
	long2, err := c.CreateChannel(ctx, spec(strings.Repeat("a", 100)))
	require.NoError(t, err)
	require.Equal(t, "inc-20261125-1-"+strings.Repeat("a", 63)+"-2", long2.Name)
	ja, err := c.CreateChannel(ctx, spec(strings.Repeat("決済が失敗しています", 20)))
	require.NoError(t, err)
	require.Equal(t, "inc-20261125-1", ja.Name, "a Japanese title has no ASCII slug")
	odd, err := c.CreateChannel(ctx, bot.ChannelSpec{Prefix: "Ops War!", ID: 7, Title: "x", Date: day})
	require.NoError(t, err)
	require.Equal(t, "ops-war-20261125-7-x", odd.Name, "fitted to Slack's characters")

	ref, err := c.Post(ctx, a.ID, bot.Message{Text: "elsewhere"})
	require.NoError(t, err)
	require.Equal(t, bot.MessageRef{ChannelID: "C2", ID: "M1"}, ref)
	require.Contains(t, out.String(), "Warroom created #inc-20261125-1-hello-world-2; you are now in it.")
	require.Contains(t, out.String(), "[#inc-20261125-1-hello-world M1] Warroom: elsewhere")

	require.NoError(t, c.Invite(ctx, a.ID, []string{"bob", "alice", "bob"}))
	require.NoError(t, c.Invite(ctx, a.ID, []string{"bob"}))
	require.Equal(t, 1, strings.Count(out.String(), "@bob joined #inc-20261125-1-hello-world."))
	require.NoError(t, c.Pin(ctx, ref))
	require.NoError(t, c.Pin(ctx, ref))
	require.Equal(t, 1, strings.Count(out.String(), "Warroom pinned M1 in #inc-20261125-1-hello-world."))

	_, err = c.Post(ctx, "C99", bot.Message{})
	require.Error(t, err)
	require.Error(t, c.Invite(ctx, "C99", nil))
	require.Error(t, c.SetTopic(ctx, "C99", "x"))
	require.Error(t, c.Archive(ctx, "C99"))
	require.Error(t, c.Update(ctx, bot.MessageRef{ChannelID: "C2", ID: "M99"}, bot.Message{}))
	require.Error(t, c.Update(ctx, bot.MessageRef{ChannelID: "C3", ID: "M1"}, bot.Message{}), "wrong channel")
	require.Error(t, c.Pin(ctx, bot.MessageRef{ID: "M99"}))
	require.Error(t, c.OpenForm(ctx, nil, bot.Form{}))
	require.Error(t, c.Reply(ctx, nil, bot.Message{}))
	require.NoError(t, c.Archive(ctx, a.ID))
	_, err = c.Post(ctx, a.ID, bot.Message{Text: "into the archive"})
	require.Error(t, err)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = c.CreateChannel(cancelled, spec("x"))
	require.ErrorIs(t, err, context.Canceled)

	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		refs = map[string]bool{}
	)
	for range 8 {
		wg.Go(func() {
			for range 25 {
				r, err := c.Post(ctx, b.ID, bot.Message{Text: "concurrent"})
				assert.NoError(t, err)
				assert.NoError(t, c.Update(ctx, r, bot.Message{Text: "again"}))
				assert.NoError(t, c.SetTopic(ctx, b.ID, r.ID))
				mu.Lock()
				refs[r.ID] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Len(t, refs, 200)
	require.Equal(t, 200, strings.Count(out.String(), "Warroom (updated): again"))
}

// TestPrivateIncident plays an outsider in the console: a private
// incident's channel is neither listed nor joinable for them, and naming
// the incident answers as for a number never used.
func TestPrivateIncident(t *testing.T) {
	h := newHarness(t, handlers.Options{})
	out := h.run(bot.English, "alice",
		"/incident declare Payroll data exposed P1 private",
		"the password was hunter2zebra",
		"/user carol",
		"/channels",
		"/join #"+incChannelPrivate,
		"/incident INC-1 timeline",
		"/incident INC-9 timeline",
		"/incident list",
		"/incident search hunter2zebra",
		"/incident INC-1 role commander me",
		"/user alice",
		"/join #"+incChannelPrivate,
		"/incident add @carol",
		"/user carol",
		"/channels",
		"/incident INC-1 summary",
	)
	i := strings.Index(out, "> /user carol")
	j := strings.Index(out, "> /user alice")
	require.True(t, i >= 0 && j > i, out)
	carol := out[i:j]
	require.Contains(t, carol, "You are now in #general.", "carol is moved out of the private channel")
	require.NotContains(t, carol, incChannelPrivate+" (private)")
	require.Contains(t, carol, "There is no channel #"+incChannelPrivate+".")
	require.Contains(t, carol, "There is no incident INC-1")
	require.Contains(t, carol, "There is no incident INC-9")
	require.NotContains(t, carol, "password")
	require.NotContains(t, carol, "Payroll")
	require.NotContains(t, carol, "carol is now")

	after := out[strings.LastIndex(out, "> /user carol"):]
	require.Contains(t, after, "#"+incChannelPrivate+" (you are here) (private)", "added, carol is in the channel")
	require.Contains(t, after, "INC-1: Payroll data exposed")
}

// A title with a right-to-left override, a zero-width space and a line
// separator shows in the card, the topic, the channel list, the timeline
// and the summary as the text it reads, with none of them.
func TestHostileTitleShownSafely(t *testing.T) {
	h := newHarness(t, handlers.Options{})
	out := h.run(bot.English, "alice",
		"/incident declare pay\u202Egpj.exe \u200Bnow\u2028P2",
		"said \u2066inside\u2069 the channel",
		"/channels",
		"/incident timeline",
		"/incident summary",
	)
	for _, r := range []rune{'\u202E', '\u200B', '\u2028', '\u2066', '\u2069'} {
		require.NotContains(t, out, string(r), "%U shown", r)
	}
	inOrder(t, out,
		"[M2] Warroom: 🚨 INC-1: paygpj.exe now",
		"| paygpj.exe now\n", // the topic's end
		"alice: said inside the channel",
		"— INC-1 | P2 (high) | investigating | Commander: alice | paygpj.exe now", // /channels
	)
	require.GreaterOrEqual(t, strings.Count(out, "paygpj.exe now"), 5, "card, topic, announcement, list, summary:\n%s", out)
}

// `/incident web` answers only the person, with a sign-in link under the
// public URL, or, without one, with the variable to set.
func TestWebSignInLink(t *testing.T) {
	h := newHarness(t, handlers.Options{PublicURL: "http://127.0.0.1:8080"})
	out := h.run(bot.English, "alice", "/incident declare Checkout is failing", "/incident web", "/incident web INC-7")
	got := block(t, out, "/incident web", "Warroom (only you can see this): Sign in to Warroom on the web")
	require.Regexp(t, `Open this link to sign in as alice and see INC-1: http://127\.0\.0\.1:8080/signin/[A-Za-z0-9_-]{43}\n`, got,
		"in the incident's channel the link opens it")
	require.Contains(t, out, "There is no incident INC-7")

	out = newHarness(t, handlers.Options{}).run(bot.Japanese, "alice", "/incident web")
	require.Contains(t, out, "WARROOM_PUBLIC_URL（例: https://warroom.example.com）を設定")
}
