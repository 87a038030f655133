package handlers

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
)

// englishInside finds an English status, role or duration inside a
// Japanese sentence: a word a Japanese reader should see localised.
var englishInside = regexp.MustCompile(`(?i)\b(triage|investigating|identified|monitoring|resolved|closed|declined|commander|communications|scribe|operations|\d+\s?[hms])\b`)

// backticks are command syntax, which stays in English.
var backticks = regexp.MustCompile("`[^`]*`")

// requireJapanese fails when text holds English status, role or duration
// words outside backticks.
func requireJapanese(t *testing.T, what, text string) bool {
	t.Helper()
	if m := englishInside.FindString(backticks.ReplaceAllString(text, "")); m != "" {
		t.Errorf("%s: English %q inside Japanese:\n%s", what, m, text)
		return false
	}
	return true
}

// TestJapaneseCatalogHoldsNoEnglish fills every Japanese message's
// placeholders with every status, role, priority and duration as the
// handlers show them, and finds no English word among them.
func TestJapaneseCatalogHoldsNoEnglish(t *testing.T) {
	s := &Service{}
	ja := bot.Japanese
	var values []string
	for _, st := range []bot.Status{bot.StatusTriage, bot.StatusInvestigating, bot.StatusIdentified, bot.StatusMonitoring,
		bot.StatusResolved, bot.StatusClosed, bot.StatusDeclined} {
		values = append(values, st.Label(ja))
	}
	for _, r := range []bot.Role{bot.RoleCommander, bot.RoleCommunications, bot.RoleScribe, bot.RoleOperations} {
		values = append(values, r.Label(ja))
	}
	for _, p := range []bot.Priority{0, bot.P1, bot.P2, bot.P3, bot.P4} {
		values = append(values, s.priorityLabel(ja, p))
	}
	for _, d := range []time.Duration{0, 3 * time.Second, 5 * time.Minute, time.Hour + 5*time.Minute, 26 * time.Hour} {
		values = append(values, bot.Duration(ja, d))
	}
	placeholder := regexp.MustCompile(`\{([a-z_]+)\}`)
	for _, key := range bot.CatalogKeys(ja) {
		raw := bot.T(ja, key)
		if strings.HasPrefix(key, "usage.") {
			continue // command syntax, always shown in backticks
		}
		names := placeholder.FindAllStringSubmatch(raw, -1)
		for _, v := range values {
			var args []string
			for _, n := range names {
				args = append(args, n[1], v)
			}
			if !requireJapanese(t, key, bot.T(ja, key, args...)) {
				break
			}
		}
	}
}

// TestJapaneseFromTheHandlers runs, in Japanese, the commands whose
// sentences name statuses, roles and durations, and reads what came back.
func TestJapaneseFromTheHandlers(t *testing.T) {
	e := newEnv(t, Options{Lang: bot.Japanese})
	inc := e.declare("決済が失敗している P1")
	ja := func(line string) string {
		t.Helper()
		_ = e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.alice,
			Channel: inc.Channel.ID, Text: line, Locale: "ja"})
		return e.lastReply()
	}
	requireJapanese(t, "same status", ja("status investigating"))
	require.Contains(t, e.lastReply(), "インシデントはすでに 調査中 です")
	requireJapanese(t, "list all", ja("list all"))
	require.Contains(t, e.lastReply(), "0秒前")
	e.now = e.now.Add(time.Hour + 5*time.Minute)
	e.must(e.alice, inc.Channel.ID, "resolve 直った")
	requireJapanese(t, "bad transition", ja("status identified"))
	require.Contains(t, e.lastReply(), "解決済み のインシデントを 原因特定 にすることはできません。解決済み から移れるのは: ")
	requireJapanese(t, "bad status", ja("status bogus"))
	requireJapanese(t, "bad role", ja("role bogus me"))
	requireJapanese(t, "summary", ja("summary"))
	require.Contains(t, e.lastReply(), "1時間05分")
	requireJapanese(t, "timeline", ja("timeline"))
	requireJapanese(t, "drill list", ja("drill list"))
	require.Contains(t, e.lastReply(), "確認応答 5分")
	requireJapanese(t, "help", ja("help"))
	ja("help status")
	requireJapanese(t, "help status", lastText(e)) // its title is the command's syntax
	ja("help role")
	requireJapanese(t, "help role", lastText(e))
	requireJapanese(t, "roles", ja("roles"))
	for _, c := range e.p.Calls() {
		msg := c.Msg
		msg.Title = "" // a usage title is command syntax
		requireJapanese(t, c.Method, bottest.Text(msg))
	}
}

func lastText(e *env) string {
	c, ok := e.p.Last("Reply")
	require.True(e.t, ok)
	return c.Msg.Text
}

// TestSharedTextInTheWorkspaceLanguage: the card, the topic and what the
// channel is told are in the workspace's language whoever acts, while a
// private answer is in the requester's.
func TestSharedTextInTheWorkspaceLanguage(t *testing.T) {
	e := newEnv(t, Options{Lang: bot.English})
	inc := e.declare("Checkout fails P2")
	serve := func(channel, line, locale string) {
		t.Helper()
		require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test",
			User: e.bob, Channel: channel, Text: line, Locale: locale}))
	}
	serve(inc.Channel.ID, "status identified 原因はDNS", "ja")
	card, ok := e.p.Last("Update")
	require.True(t, ok)
	require.Contains(t, bottest.Text(card.Msg), "Status: identified")
	topic, _ := e.p.Last("SetTopic")
	require.Contains(t, topic.Topic, "identified")
	post, _ := e.p.Last("Post")
	require.Contains(t, post.Msg.Text, "bob set INC-1 to *identified*")

	serve("CGEN", "INC-1 status monitoring", "ja") // from elsewhere: a private answer too
	post, _ = e.p.Last("Post")
	require.Contains(t, post.Msg.Text, "bob set INC-1 to *monitoring*")
	reply := e.lastReply()
	require.Contains(t, reply, "経過観察")
	requireJapanese(t, "private answer", reply)
	card, _ = e.p.Last("Update")
	require.Contains(t, bottest.Text(card.Msg), "Status: monitoring")
}

func TestJapaneseDefaultsToTokyo(t *testing.T) {
	e := newEnv(t, Options{Lang: bot.Japanese})
	require.Equal(t, "Asia/Tokyo", e.svc.opts.Location.String())
	inc := e.declare("決済が失敗している P1")
	e.must(e.alice, inc.Channel.ID, "summary")
	require.Contains(t, e.lastReply(), "2026-11-25 19:00 JST")
	require.Equal(t, time.UTC, newEnv(t, Options{}).svc.opts.Location)
}
