package handlers

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
	"github.com/warroomhq/warroom/postmortem"
)

// followUp reads follow-up n of incident id from the store.
func (e *env) followUp(id int64, n int) *bot.FollowUp {
	e.t.Helper()
	f, err := e.st.FollowUp(context.Background(), id, n)
	require.NoError(e.t, err)
	return f
}

// followUpEntries are the incident's follow-up timeline entries, as
// "action n author: text".
func (e *env) followUpEntries(id int64) []string {
	e.t.Helper()
	var out []string
	for _, en := range e.timeline(id) {
		if en.Kind == bot.KindFollowup {
			out = append(out, en.Data["action"]+" "+en.Data["n"]+" "+en.Author.Name+": "+en.Text)
		}
	}
	return out
}

// postedIn are the texts posted to channel since the last Reset.
func (e *env) postedIn(channel string) []string {
	var out []string
	for _, c := range e.p.Calls("Post") {
		if c.Channel == channel {
			out = append(out, c.Msg.Text)
		}
	}
	return out
}

func TestFollowUpLifecycle(t *testing.T) {
	e := newEnv(t, Options{})
	inc := e.declare("Checkout is failing P2")
	ch := inc.Channel.ID

	e.must(e.alice, ch, "followup add Add a canary stage to deploys <@U2|bob> due 2026-12-31")
	post, _ := e.p.Last("Post")
	require.Equal(t, "📋 alice added follow-up #1 to INC-1: Add a canary stage to deploys (owner: bob, due 2026-12-31).", post.Msg.Text)
	f := e.followUp(inc.ID, 1)
	require.Equal(t, e.bob, f.Owner)
	require.Equal(t, e.alice, f.CreatedBy)
	require.Equal(t, time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), f.Due.UTC())
	require.Equal(t, bot.FollowUpOpen, f.State)
	require.Equal(t, e.now, f.CreatedAt.UTC())

	e.now = e.now.Add(time.Minute)
	e.must(e.bob, ch, "follow-up add Alert on the checkout error rate")
	require.Equal(t, e.bob, e.followUp(inc.ID, 2).Owner, "the owner defaults to whoever adds it")
	require.True(t, e.followUp(inc.ID, 2).Due.IsZero())

	e.must(e.alice, ch, "followup add Rotate the leaked token due 2026-11-01")
	post, _ = e.p.Last("Post")
	require.Equal(t, "📋 alice added follow-up #3 to INC-1: Rotate the leaked token (owner: alice, due 2026-11-01). "+
		"Note: the due date 2026-11-01 has already passed.", post.Msg.Text, "a past date is taken, and said")

	card, ok := e.p.Last("Update")
	require.True(t, ok, "the card follows")
	require.Equal(t, inc.Card, card.Ref)
	require.Contains(t, bottest.Text(card.Msg), "Follow-ups: 3 open (1 overdue)")

	e.must(e.alice, ch, "followups")
	require.Equal(t, "Follow-ups of INC-1: Checkout is failing\n"+
		"#1 [open] Add a canary stage to deploys — bob, due 2026-12-31\n"+
		"#2 [open] Alert on the checkout error rate — bob, no due date\n"+
		"#3 [open] Rotate the leaked token — alice, due 2026-11-01 ⚠️ overdue\n", e.lastReply())

	e.now = e.now.Add(time.Hour)
	e.must(e.bob, ch, "followup done 1")
	post, _ = e.p.Last("Post")
	require.Equal(t, "✅ bob marked follow-up #1 of INC-1 done: Add a canary stage to deploys. Once the fix was checked to work: `followup verify 1`.", post.Msg.Text)
	f = e.followUp(inc.ID, 1)
	require.Equal(t, bot.FollowUpDone, f.State)
	require.Equal(t, e.now, f.DoneAt.UTC())
	card, _ = e.p.Last("Update")
	require.Contains(t, bottest.Text(card.Msg), "Follow-ups: 2 open (1 overdue)")

	e.must(e.alice, ch, "followup verify #1")
	f = e.followUp(inc.ID, 1)
	require.Equal(t, bot.FollowUpVerified, f.State)
	require.Equal(t, e.now, f.VerifiedAt.UTC())
	e.must(e.alice, ch, "followup reopen 1")
	f = e.followUp(inc.ID, 1)
	require.Equal(t, bot.FollowUpOpen, f.State)
	require.True(t, f.DoneAt.IsZero() && f.VerifiedAt.IsZero())

	// From elsewhere, naming the incident; answered privately there.
	e.must(e.bob, "CGEN", "INC-1 followup done 2")
	require.Equal(t, bot.FollowUpDone, e.followUp(inc.ID, 2).State)
	require.Contains(t, e.lastReply(), "bob marked follow-up #2 of INC-1 done")

	require.Equal(t, []string{
		"add 1 alice: #1 Add a canary stage to deploys (owner: bob, due 2026-12-31)",
		"add 2 bob: #2 Alert on the checkout error rate (owner: bob, no due date)",
		"add 3 alice: #3 Rotate the leaked token (owner: alice, due 2026-11-01)",
		"done 1 bob: #1 done: Add a canary stage to deploys",
		"verify 1 alice: #1 verified: Add a canary stage to deploys",
		"reopen 1 alice: #1 reopened: Add a canary stage to deploys",
		"done 2 bob: #2 done: Alert on the checkout error rate",
	}, e.followUpEntries(inc.ID), "every change is on the timeline")
	tl := e.timeline(inc.ID)
	last := tl[len(tl)-1]
	require.Equal(t, map[string]string{"n": "2", "action": "done", "state": "done", "owner_id": "U2", "owner_name": "bob"}, last.Data)

	e.must(e.alice, ch, "timeline 1")
	require.Contains(t, e.lastReply(), "bob  [follow-up] #2 done: Alert on the checkout error rate")
}

func TestFollowUpRefusals(t *testing.T) {
	e := newEnv(t, Options{})
	inc := e.declare("Checkout is failing P2")
	ch := inc.Channel.ID

	err := e.run(e.alice, ch, "followup done 1")
	require.Equal(t, bot.CodeNoFollowUp, bot.CodeOf(err))
	require.Equal(t, "INC-1 has no follow-up #1. `followups` lists them.", strings.TrimSpace(e.lastReply()))

	e.must(e.alice, ch, "followup add Add a canary stage")
	e.must(e.alice, ch, "followup add Alert on errors")
	e.must(e.alice, ch, "followup done 2")
	before := e.timeline(inc.ID)

	long := strings.Repeat("あ", maxFollowUpText+1)
	for _, tc := range []struct {
		line, code, reply string
	}{
		{"followup done 9", bot.CodeNoFollowUp, "INC-1 has no follow-up #9. `followups` lists them."},
		{"followup done x", bot.CodeBadNumber, "`x` is not a number from 1 to 2."},
		{"followup done 0", bot.CodeBadNumber, "`0` is not a number from 1 to 2."},
		{"followup verify 1", bot.CodeFollowUpNotDone, "Follow-up #1 of INC-1 is still open: mark it done first (`followup done 1`), then verify it once the fix was checked to work."},
		{"followup done 2", bot.CodeFollowUpSame, "Follow-up #2 of INC-1 is already done."},
		{"followup reopen 1", bot.CodeFollowUpSame, "Follow-up #1 of INC-1 is already open."},
		{"followup add Fix the pool due 2026-02-30", bot.CodeBadDate, "`2026-02-30` is not a date. Write it as YYYY-MM-DD, such as 2026-12-31."},
		{"followup add Fix the pool due soon", bot.CodeBadDate, "`soon` is not a date. Write it as YYYY-MM-DD, such as 2026-12-31."},
		{"followup add " + long, bot.CodeTooLong, "The follow-up text is too long (at most 500 characters)."},
		{"followup add", bot.CodeUsage, "Usage: `followup add <text> [@owner] [due YYYY-MM-DD] | followup done|verify|reopen|file <n>`"},
		{"followup add <@U2|bob> due 2026-12-31", bot.CodeUsage, ""},
		{"followup", bot.CodeUsage, ""},
		{"followup finish 1", bot.CodeUsage, ""},
		{"followup done", bot.CodeUsage, ""},
		{"followups everything", bot.CodeUsage, "Usage: `followups [mine|open]`"},
	} {
		t.Run(tc.line, func(t *testing.T) {
			err := e.run(e.alice, ch, tc.line)
			require.Equal(t, tc.code, bot.CodeOf(err))
			if tc.reply != "" {
				require.Equal(t, tc.reply, strings.TrimSpace(e.lastReply()))
			}
		})
	}
	require.Equal(t, before, e.timeline(inc.ID), "a refusal records nothing")
	fs, err := e.st.FollowUps(context.Background(), inc.ID)
	require.NoError(t, err)
	require.Len(t, fs, 2)

	err = e.run(e.alice, "CGEN", "followups")
	require.Equal(t, bot.CodeNoIncident, bot.CodeOf(err), "outside an incident, which one?")
	err = e.run(e.alice, "CGEN", "followup add Fix it")
	require.Equal(t, bot.CodeNoIncident, bot.CodeOf(err))
}

func TestParseFollowUp(t *testing.T) {
	tokyo := tokyo(t)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, tokyo) }
	bob := "<@U2|bob>"
	for _, tc := range []struct {
		line string
		want followUpSpec
	}{
		{"Add a canary stage", followUpSpec{text: "Add a canary stage"}},
		{"Add a canary stage <@U2|bob> due 2026-12-31", followUpSpec{text: "Add a canary stage", who: bob, due: day(2026, 12, 31)}},
		{"Add a canary stage due 2026/12/31 <@U2|bob>", followUpSpec{text: "Add a canary stage", who: bob, due: day(2026, 12, 31)}},
		{"Ask <@U2|bob> about the pool", followUpSpec{text: "Ask <@U2|bob> about the pool"}},
		{"カナリアリリースを導入する @bob DUE 2027-01-05", followUpSpec{text: "カナリアリリースを導入する", who: "@bob", due: day(2027, 1, 5)}},
		{"Write a runbook owner carol due 2027-01-05", followUpSpec{text: "Write a runbook", who: "carol", due: day(2027, 1, 5)}},
		{"Runbook を書く 担当 山田 due 2027-01-05", followUpSpec{text: "Runbook を書く", who: "山田", due: day(2027, 1, 5)}},
		{"Find the owner", followUpSpec{text: "Find the owner"}},
		{"  spaced   text  ", followUpSpec{text: "spaced   text"}},
	} {
		t.Run(tc.line, func(t *testing.T) {
			got, err := parseFollowUp(tc.line, tokyo)
			require.NoError(t, err)
			require.Equal(t, tc.want.text, got.text)
			require.Equal(t, tc.want.who, got.who)
			require.True(t, tc.want.due.Equal(got.due), "due %v, want %v", got.due, tc.want.due)
		})
	}
}

func TestFollowUpsAcrossIncidents(t *testing.T) {
	e := newEnv(t, Options{})
	one := e.declare("Checkout is failing P2")
	two := e.declare("Search is slow P3")

	e.must(e.alice, one.Channel.ID, "followup add Add a canary stage <@U2|bob> due 2026-12-31")
	e.must(e.alice, one.Channel.ID, "followup add Write a runbook")
	e.must(e.alice, two.Channel.ID, "followup add Tune the index <@U2|bob> due 2026-11-20")
	e.must(e.bob, two.Channel.ID, "followup add Shard the cluster due 2027-03-01")
	e.must(e.bob, two.Channel.ID, "followup add Remove the old replica due 2026-01-01")
	e.must(e.bob, two.Channel.ID, "followup done 3")
	e.must(e.alice, one.Channel.ID, "resolve rolled back")

	e.must(e.bob, "CGEN", "followups mine")
	require.Equal(t, "Your open follow-ups\n"+
		"INC-2 #1 [open] Tune the index — bob, due 2026-11-20 ⚠️ overdue\n"+
		"INC-1 #1 [open] Add a canary stage — bob, due 2026-12-31\n"+
		"INC-2 #2 [open] Shard the cluster — bob, due 2027-03-01\n", e.lastReply(), "open ones only, of every incident, resolved ones too")

	e.must(e.alice, "CGEN", "followups open")
	require.Equal(t, "Open follow-ups, the earliest due first\n"+
		"INC-2 #1 [open] Tune the index — bob, due 2026-11-20 ⚠️ overdue\n"+
		"INC-1 #1 [open] Add a canary stage — bob, due 2026-12-31\n"+
		"INC-2 #2 [open] Shard the cluster — bob, due 2027-03-01\n"+
		"INC-1 #2 [open] Write a runbook — alice, no due date\n", e.lastReply())

	carol := bot.User{ID: "U3", Name: "carol"}
	e.must(carol, "CGEN", "followups mine")
	require.Equal(t, "You have no open follow-ups. 🎉", strings.TrimSpace(e.lastReply()))

	e.must(e.alice, "CGEN", "INC-2 followups")
	require.Contains(t, e.lastReply(), "Follow-ups of INC-2: Search is slow\n#1 [open] Tune the index")
	require.Contains(t, e.lastReply(), "#3 [done] Remove the old replica — bob, due 2026-01-01\n", "done is never overdue")

	// Japanese.
	require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.bob,
		Channel: "CGEN", Text: "followups mine", Locale: "ja"}))
	require.Contains(t, e.lastReply(), "あなたが担当の未完了のフォローアップ\nINC-2 #1 [未完了] Tune the index — bob、期限 2026-11-20 ⚠️ 期限切れ")
}

func TestFollowUpReminders(t *testing.T) {
	e := newEnv(t, Options{Location: tokyo(t)})
	ctx := context.Background()
	inc := e.declare("Checkout is failing P2")
	ch := inc.Channel.ID
	// 2026-11-25 19:00 JST: #1 was due yesterday, #2 is due today, #3 has
	// no date.
	e.must(e.alice, ch, "followup add Add a canary stage <@U2|bob> due 2026-11-24")
	e.must(e.alice, ch, "followup add Write a runbook due 2026-11-25")
	e.must(e.alice, ch, "followup add Alert on errors")
	e.must(e.alice, ch, "resolve rolled back")
	e.must(e.alice, ch, "close --force")
	e.p.Reset()

	reminders := func() []bottest.Call {
		var out []bottest.Call
		for _, c := range e.p.Calls("Reply", "Post") {
			if strings.HasPrefix(c.Msg.Text, "⏰") {
				out = append(out, c)
			}
		}
		return out
	}
	require.NoError(t, e.svc.remindOnce(ctx))
	got := reminders()
	require.Len(t, got, 1, "only the overdue one, even though the incident is closed")
	require.Equal(t, "Reply", got[0].Method, "privately")
	require.Equal(t, e.bob, got[0].User, "to its owner")
	require.Equal(t, ch, got[0].Channel, "in the incident channel")
	require.Equal(t, "⏰ Follow-up #1 of INC-1 was due 2026-11-24 and is still open: Add a canary stage. When it is done: `INC-1 followup done 1`.", got[0].Msg.Text)

	e.now = e.now.Add(4 * time.Hour) // 23:00 JST, the same day
	require.NoError(t, e.svc.remindOnce(ctx))
	require.Len(t, reminders(), 1, "once a day")

	e.now = e.now.Add(2 * time.Hour) // 01:00 JST the next day: #2 is overdue too
	require.NoError(t, e.svc.remindOnce(ctx))
	require.NoError(t, e.svc.remindOnce(ctx))
	got = reminders()
	require.Len(t, got, 3)
	require.Equal(t, e.bob, got[1].User)
	require.Contains(t, got[1].Msg.Text, "Follow-up #1 of INC-1")
	require.Equal(t, e.alice, got[2].User)
	require.Contains(t, got[2].Msg.Text, "Follow-up #2 of INC-1 was due 2026-11-25")

	// The reminder's button marks it done, as bob.
	b := got[1].Msg.Buttons[0]
	require.Equal(t, "Mark done", b.Label)
	require.NoError(t, e.r.Serve(ctx, bot.Event{Kind: bot.EventAction, Platform: "test", User: e.bob, Channel: ch, Action: b.Command, Value: b.Args}))
	require.Equal(t, bot.FollowUpDone, e.followUp(inc.ID, 1).State)

	// The owner's language, when the platform told it.
	require.NoError(t, e.st.CacheUser(ctx, "test", e.alice.ID, bot.Profile{Name: "alice", Locale: "ja"}, time.Hour))
	e.now = e.now.Add(24 * time.Hour)
	e.p.Reset()
	require.NoError(t, e.svc.remindOnce(ctx))
	got = reminders()
	require.Len(t, got, 1, "none after done")
	require.Equal(t, e.alice, got[0].User)
	require.Equal(t, "⏰ INC-1 のフォローアップ #2 は期限の 2026-11-25 を過ぎていますが、まだ完了していません: Write a runbook。終わったら `INC-1 followup done 2` で完了にしてください。", got[0].Msg.Text)

	e.must(e.alice, ch, "followup done 2")
	e.now = e.now.Add(24 * time.Hour)
	e.p.Reset()
	require.NoError(t, e.svc.remindOnce(ctx))
	require.Empty(t, reminders())
}

func TestUpdateReminder(t *testing.T) {
	e := newEnv(t, Options{UpdateEvery: map[bot.Priority]time.Duration{bot.P1: 30 * time.Minute}})
	ctx := context.Background()
	start := e.now
	at := func(d time.Duration) { e.now = start.Add(d) }
	inc := e.declare("Checkout is failing P1")
	quiet := e.declare("Search is slow P3")
	e.p.Reset()
	reminders := func() []string {
		var out []string
		for _, text := range e.postedIn(inc.Channel.ID) {
			if strings.HasPrefix(text, "⏰") {
				out = append(out, text)
			}
		}
		require.Empty(t, e.postedIn(quiet.Channel.ID), "P3 asks for no updates")
		return out
	}

	at(29 * time.Minute)
	require.NoError(t, e.svc.remindOnce(ctx))
	require.Empty(t, reminders(), "within the interval")

	at(45 * time.Minute)
	require.NoError(t, e.svc.remindOnce(ctx))
	require.Equal(t, []string{"⏰ INC-1: no status update for 45m (P1 asks every 30m). Post one with `update`."}, reminders())
	post, _ := e.p.Last("Post")
	require.Equal(t, []bot.Button{{Label: "Post update", Command: "update", Args: "INC-1", Style: bot.StylePrimary}}, post.Msg.Buttons)

	at(55 * time.Minute)
	require.NoError(t, e.svc.remindOnce(ctx))
	require.Len(t, reminders(), 1, "not again within the interval")

	at(61 * time.Minute)
	require.NoError(t, e.svc.remindOnce(ctx))
	require.Equal(t, "⏰ INC-1: no status update for 1h 01m (P1 asks every 30m). Post one with `update`.", reminders()[1])

	at(62 * time.Minute)
	e.must(e.alice, inc.Channel.ID, "update rolling back")
	at(91 * time.Minute)
	require.NoError(t, e.svc.remindOnce(ctx))
	require.Len(t, reminders(), 2, "an update starts the count again")
	at(93 * time.Minute)
	require.NoError(t, e.svc.remindOnce(ctx))
	require.Equal(t, "⏰ INC-1: no status update for 31m (P1 asks every 30m). Post one with `update`.", reminders()[2])

	e.must(e.alice, inc.Channel.ID, "resolve rolled back")
	at(5 * time.Hour)
	require.NoError(t, e.svc.remindOnce(ctx))
	require.Len(t, reminders(), 3, "none once resolved")
}

// TestUpdateReminderSkipsTriage: an alert nobody acknowledged gets the
// triage reminder, not the update one.
func TestUpdateReminderSkipsTriage(t *testing.T) {
	e := newEnv(t, Options{UpdateEvery: map[bot.Priority]time.Duration{bot.P1: 30 * time.Minute}})
	ctx := context.Background()
	id, err := e.st.NextID(ctx)
	require.NoError(t, err)
	require.NoError(t, e.st.Create(ctx, &bot.Incident{ID: id, Title: "HighErrorRate", Status: bot.StatusTriage, Priority: bot.P1,
		Platform: "test", Channel: bot.Channel{ID: "C9"}, CreatedAt: e.now}))
	e.now = e.now.Add(2 * time.Hour)
	require.NoError(t, e.svc.remindOnce(ctx))
	require.Empty(t, e.postedIn("C9"))
}

// TestPostmortemFollowUps adds follow-ups to the scripted incident of the
// postmortem golden test: the draft lists them in its follow-ups section
// (checked against golden files) and differs from the golden draft without
// them only there and in the timeline, which records their changes.
func TestPostmortemFollowUps(t *testing.T) {
	e := newEnv(t, Options{Location: tokyo(t)})
	inc := pmStory(t, e)
	ch := inc.Channel.ID
	ctx := context.Background()
	e.must(e.bob, ch, "followup add Add a canary stage to deploys <@U3|carol> due 2026-12-31")
	e.must(e.bob, ch, "followup add Alert on the checkout 5xx rate | not the latency due 2026-11-20")
	e.must(e.alice, ch, "followup add Write the rollback runbook")
	e.must(e.alice, ch, "followup done 3")
	e.must(e.bob, ch, "followup verify 3")

	for _, lang := range bot.Langs {
		t.Run(string(lang), func(t *testing.T) {
			md, err := e.svc.Postmortem(ctx, inc.ID, lang)
			require.NoError(t, err)
			golden := filepath.Join("testdata", "postmortem", "followups."+string(lang)+".md")
			section := draftSection(t, md, 7)
			if *updateGolden {
				require.NoError(t, os.WriteFile(golden, []byte(section), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			require.Equal(t, string(want), section)

			base, err := os.ReadFile(filepath.Join("testdata", "postmortem", string(lang)+".md"))
			require.NoError(t, err)
			require.Equal(t, draftWithout(t, string(base), 6, 7), draftWithout(t, md, 6, 7),
				"only the timeline and the follow-ups differ")
			require.NotEqual(t, draftSection(t, string(base), 7), section)
		})
	}

	md, err := e.svc.Postmortem(ctx, inc.ID, bot.English)
	require.NoError(t, err)
	require.Contains(t, md, "| 1 | Add a canary stage to deploys | carol | 2026-12-31 | open |")
	require.Contains(t, md, "| 2 | Alert on the checkout 5xx rate \\| not the latency | bob | 2026-11-20 (overdue) | open |")
	require.Contains(t, md, "| 3 | Write the rollback runbook | alice | — | verified |")
	require.Contains(t, md, "· bob · follow-up · #2 Alert on the checkout 5xx rate \\| not the latency (owner: bob, due 2026-11-20)")

	d, err := e.svc.PostmortemData(ctx, inc.ID)
	require.NoError(t, err)
	require.Len(t, d.FollowUps, 3)
	require.Equal(t, postmortem.FollowUp{N: 3, Text: "Write the rollback runbook", Owner: postmortem.User{ID: "U1", Name: "alice"},
		State: bot.FollowUpVerified, CreatedBy: postmortem.User{ID: "U1", Name: "alice"}, CreatedAt: e.now, DoneAt: e.now, VerifiedAt: e.now}, d.FollowUps[2])
	raw, err := json.Marshal(d)
	require.NoError(t, err)
	require.Contains(t, string(raw), `"follow_ups":[{"n":1,"text":"Add a canary stage to deploys","owner":{"id":"U3","name":"carol"},"due":"2026-12-31","state":"open"`)

	// An incident without follow-ups still says how to add them.
	e2 := newEnv(t, Options{})
	inc2 := e2.declare("Search is slow P3")
	d, err = e2.svc.PostmortemData(ctx, inc2.ID)
	require.NoError(t, err)
	require.NotNil(t, d.FollowUps)
	require.Empty(t, d.FollowUps)
}

// draftSections splits a draft at its "## " headings: the part before the
// first heading, then one part per section.
func draftSections(t *testing.T, md string) []string {
	t.Helper()
	parts := strings.Split(md, "\n## ")
	require.Greater(t, len(parts), 8, "a draft has its sections")
	return parts
}

// draftSection returns section i (1 = the first "## " section).
func draftSection(t *testing.T, md string, i int) string {
	t.Helper()
	return "## " + draftSections(t, md)[i]
}

// draftWithout returns md without the sections named by their index.
func draftWithout(t *testing.T, md string, drop ...int) string {
	t.Helper()
	parts := draftSections(t, md)
	for _, i := range drop {
		parts[i] = "(left out)"
	}
	return strings.Join(parts, "\n## ")
}

// TestVerifyByOther: with Options.VerifyByOther, whoever marked a
// follow-up done cannot also verify it; someone else can. Reopening
// forgets who marked it done.
func TestVerifyByOther(t *testing.T) {
	e := newEnv(t, Options{VerifyByOther: true})
	inc := e.declare("Checkout is failing P2")
	ch := inc.Channel.ID
	e.must(e.alice, ch, "followup add Add a canary stage <@U2|bob>")
	e.must(e.bob, ch, "followup done 1")
	require.Equal(t, e.bob, e.followUp(inc.ID, 1).DoneBy)
	before := e.timeline(inc.ID)

	err := e.run(e.bob, ch, "followup verify 1")
	require.Equal(t, bot.CodeVerifyBySelf, bot.CodeOf(err))
	require.Contains(t, e.lastReply(), "bob marked follow-up #1 of INC-1 done, so someone else has to verify that the fix works.")
	require.Equal(t, bot.FollowUpDone, e.followUp(inc.ID, 1).State, "nothing changed")
	require.Equal(t, before, e.timeline(inc.ID))
	err = e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.bob,
		Channel: ch, Text: "followup verify 1", Locale: "ja"})
	require.Equal(t, bot.CodeVerifyBySelf, bot.CodeOf(err))
	require.Contains(t, e.lastReply(), "検証は別の人が行ってください")

	e.must(e.alice, ch, "followup verify 1")
	f := e.followUp(inc.ID, 1)
	require.Equal(t, bot.FollowUpVerified, f.State)
	tl := e.timeline(inc.ID)
	require.Equal(t, e.alice, tl[len(tl)-1].Author, "the verifier is on the timeline")

	e.must(e.alice, ch, "followup reopen 1")
	require.True(t, e.followUp(inc.ID, 1).DoneBy.IsZero())
	e.must(e.alice, ch, "followup done 1")
	require.Equal(t, bot.CodeVerifyBySelf, bot.CodeOf(e.run(e.alice, ch, "followup verify 1")))

	off := newEnv(t, Options{})
	inc = off.declare("Checkout is failing P2")
	off.must(off.alice, inc.Channel.ID, "followup add Add a canary stage")
	off.must(off.alice, inc.Channel.ID, "followup done 1")
	off.must(off.alice, inc.Channel.ID, "followup verify 1")
	require.Equal(t, bot.FollowUpVerified, off.followUp(inc.ID, 1).State, "allowed when verify_by_other is off")
}

// TestVerifyAfter: that long after a follow-up was marked done, its owner
// is asked once, privately, whether the fix worked; when the owner marked
// it done and someone else must verify, the commander is asked. The
// question's buttons verify or reopen it.
func TestVerifyAfter(t *testing.T) {
	e := newEnv(t, Options{VerifyByOther: true, VerifyAfter: 14 * 24 * time.Hour})
	ctx := context.Background()
	inc := e.declare("Checkout is failing P2") // alice leads
	ch := inc.Channel.ID
	carol := bot.User{ID: "U3", Name: "carol"}
	e.must(e.alice, ch, "followup add Add a canary stage <@U2|bob>")
	e.must(e.alice, ch, "followup add Write a runbook <@U3|carol>")
	e.must(e.bob, ch, "followup done 1")   // by its owner: the commander is asked
	e.must(e.alice, ch, "followup done 2") // by someone else: the owner is asked
	e.p.Reset()
	questions := func() []bottest.Call {
		var out []bottest.Call
		for _, c := range e.p.Calls("Reply", "Post") {
			if strings.HasPrefix(c.Msg.Text, "🔎") {
				out = append(out, c)
			}
		}
		return out
	}

	e.now = e.now.Add(13 * 24 * time.Hour)
	require.NoError(t, e.svc.remindOnce(ctx))
	require.Empty(t, questions(), "not yet")

	e.now = e.now.Add(24 * time.Hour)
	require.NoError(t, e.svc.remindOnce(ctx))
	require.NoError(t, e.svc.remindOnce(ctx))
	got := questions()
	require.Len(t, got, 2, "once each")
	byUser := map[string]bottest.Call{}
	for _, c := range got {
		require.Equal(t, "Reply", c.Method, "privately")
		require.Equal(t, ch, c.Channel)
		byUser[c.User.ID] = c
	}
	q1, ok := byUser[e.alice.ID]
	require.True(t, ok, "the commander is asked about what its owner marked done")
	require.Equal(t, "🔎 Follow-up #1 of INC-1 was marked done on 2026-11-25: Add a canary stage. Did the fix work? If it did: `INC-1 followup verify 1`; if not: `INC-1 followup reopen 1`.", q1.Msg.Text)
	q2, ok := byUser[carol.ID]
	require.True(t, ok, "the owner is asked about what someone else marked done")
	require.Contains(t, q2.Msg.Text, "Follow-up #2 of INC-1")
	require.False(t, e.followUp(inc.ID, 1).VerifyAskedAt.IsZero())

	// The buttons: alice verifies #1; carol reopens #2.
	b := q1.Msg.Buttons[0]
	require.Equal(t, "It works: verify", b.Label)
	require.NoError(t, e.r.Serve(ctx, bot.Event{Kind: bot.EventAction, Platform: "test", User: e.alice, Channel: ch, Action: b.Command, Value: b.Args}))
	require.Equal(t, bot.FollowUpVerified, e.followUp(inc.ID, 1).State)
	b = q2.Msg.Buttons[1]
	require.NoError(t, e.r.Serve(ctx, bot.Event{Kind: bot.EventAction, Platform: "test", User: carol, Channel: ch, Action: b.Command, Value: b.Args}))
	require.Equal(t, bot.FollowUpOpen, e.followUp(inc.ID, 2).State)

	// Done again later: asked again, once, that long after the new done.
	e.must(e.alice, ch, "followup done 2")
	e.p.Reset()
	e.now = e.now.Add(15 * 24 * time.Hour)
	require.NoError(t, e.svc.remindOnce(ctx))
	require.NoError(t, e.svc.remindOnce(ctx))
	require.Len(t, questions(), 1)
}
