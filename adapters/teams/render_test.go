package teams

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

var update = flag.Bool("update", false, "rewrite golden files")

// renderIncidentCard is the incident card as handlers.card builds it for an
// investigating incident with a dashboard link, English catalog.
func renderIncidentCard() bot.Message {
	en := bot.Translator(bot.English)
	priority := bot.Button{Label: en.T("button.priority"), Command: "priority", Args: "INC-4"}
	for _, p := range bot.Priorities {
		priority.Options = append(priority.Options, bot.Option{
			Label: en.T("priority." + p.String()), Value: p.String(), Hint: en.T("criteria." + p.String()),
		})
	}
	return bot.Message{
		Title: en.T("card.title", "id", "INC-4", "title", "Checkout is failing"),
		Text:  "Payments return *502* since 14:02; see `checkout-api` logs & the _latency_ dashboard.\nRetries: 2 * 3 attempts.\n\nNext: **roll back** v2.3.",
		Fields: []bot.Field{
			{Label: en.T("field.status"), Value: en.T("status.investigating")},
			{Label: en.T("field.priority"), Value: en.T("priority.P2")},
			{Label: en.T("role.commander"), Value: "alice"},
			{Label: en.T("field.declared_by"), Value: "bob"},
			{Label: en.T("field.started"), Value: "2026-11-25 14:05 UTC"},
		},
		Buttons: []bot.Button{
			{Label: en.T("button.commander"), Command: "role", Args: "INC-4 commander me"},
			priority,
			{Label: en.T("button.update"), Command: "update", Args: "INC-4"},
			{Label: en.T("button.resolve"), Command: "resolve", Args: "INC-4", Style: bot.StyleDanger},
			{Label: "Latency dashboard", URL: "https://grafana.example.com/d/checkout"},
		},
		Context: en.T("card.context", "id", "INC-4"),
	}
}

// renderDeclareForm is handlers.declareFormSpec after "declare P2" with
// private channels on.
func renderDeclareForm() bot.Form {
	en := bot.Translator(bot.English)
	pr := bot.Input{ID: "priority", Label: en.T("form.priority"), Kind: bot.InputSelect, Required: true, Value: "P2"}
	for _, p := range bot.Priorities {
		pr.Options = append(pr.Options, bot.Option{Label: en.T("priority." + p.String()), Value: p.String(), Hint: en.T("criteria." + p.String())})
	}
	return bot.Form{
		ID: "declare", Title: en.T("form.declare.title"), Submit: en.T("form.declare.submit"),
		Inputs: []bot.Input{
			{ID: "title", Label: en.T("form.title"), Kind: bot.InputText, Required: true, MaxLength: 200, Placeholder: en.T("form.title.placeholder")},
			pr,
			{ID: "description", Label: en.T("form.description"), Kind: bot.InputTextarea, MaxLength: 3000},
			{ID: "commander", Label: en.T("form.commander"), Kind: bot.InputUsers, Hint: en.T("form.commander.hint")},
			{ID: "responders", Label: en.T("form.responders"), Kind: bot.InputUsers},
			{ID: "private", Label: en.T("form.private"), Kind: bot.InputCheckbox, Value: "true"},
		},
	}
}

// renderUpdateForm is the form "update" opens for INC-4.
func renderUpdateForm() bot.Form {
	en := bot.Translator(bot.English)
	return bot.Form{
		ID: "update", Title: en.T("form.update.title", "id", "INC-4"), Submit: en.T("form.update.submit"), Meta: "INC-4",
		Inputs: []bot.Input{{ID: "text", Label: en.T("form.update.text"), Kind: bot.InputTextarea, Required: true, MaxLength: 3000}},
	}
}

func TestRenderCard(t *testing.T) {
	card := renderCard(renderIncidentCard())
	tree := jsonTree(t, card)
	assertGolden(t, "card", card)

	require.Equal(t, "AdaptiveCard", tree["type"])
	require.Equal(t, "1.5", tree["version"])
	require.Equal(t, "http://adaptivecards.io/schemas/adaptive-card.json", tree["$schema"])

	body := tree["body"].([]any)
	require.Equal(t, []string{"TextBlock", "TextBlock", "TextBlock", "TextBlock", "FactSet", "Input.ChoiceSet", "ActionSet", "TextBlock"}, types(body))
	title := body[0].(map[string]any)
	require.Equal(t, "🚨 INC-4: Checkout is failing", title["text"])
	require.Equal(t, "Bolder", title["weight"])
	require.Equal(t, true, title["wrap"])

	// *bold* doubled, _italic_ and **bold** kept, "2 * 3" left alone; a
	// line break starts a tight block, a blank line a spaced one.
	require.Equal(t, "Payments return **502** since 14:02; see `checkout-api` logs & the _latency_ dashboard.", body[1].(map[string]any)["text"])
	require.Equal(t, "Retries: 2 * 3 attempts.", body[2].(map[string]any)["text"])
	require.Equal(t, "None", body[2].(map[string]any)["spacing"])
	require.Equal(t, "Next: **roll back** v2.3.", body[3].(map[string]any)["text"])
	require.NotContains(t, body[3].(map[string]any), "spacing")

	facts := body[4].(map[string]any)["facts"].([]any)
	require.Len(t, facts, 5)
	require.Equal(t, map[string]any{"title": "Priority", "value": "P2 (high)"}, facts[1])

	sel := body[5].(map[string]any)
	require.Equal(t, "wr_option_1", sel["id"])
	require.Equal(t, "compact", sel["style"])
	require.Equal(t, "Set priority", sel["placeholder"])
	choices := sel["choices"].([]any)
	require.Len(t, choices, 4)
	require.Equal(t, "P1", choices[0].(map[string]any)["value"])
	p1 := choices[0].(map[string]any)["title"].(string)
	require.True(t, strings.HasPrefix(p1, "P1 (critical) — Critical: customer-facing outage"), p1)
	require.LessOrEqual(t, utf8.RuneCountInString(p1), maxChoiceTitle)
	require.Equal(t, "P4 (low) — Low: little or no customer impact; fix during working hours.", choices[3].(map[string]any)["title"])

	actions := body[6].(map[string]any)["actions"].([]any)
	require.Len(t, actions, 5)
	var titles []string
	for _, a := range actions {
		titles = append(titles, a.(map[string]any)["title"].(string))
	}
	require.Equal(t, []string{"I'll be commander", "Set priority", "Post update", "Resolve", "Latency dashboard"}, titles)
	for i, a := range actions[:4] {
		a := a.(map[string]any)
		require.Equal(t, "Action.Execute", a["type"], "action %d", i)
		fb := a["fallback"].(map[string]any)
		require.Equal(t, "Action.Submit", fb["type"])
		require.Equal(t, a["data"], fb["data"], "the fallback sends the same data")
		require.Equal(t, a["title"], fb["title"])
		require.Equal(t, a["style"], fb["style"])
		require.Equal(t, a["associatedInputs"], fb["associatedInputs"])
	}
	setPriority := actions[1].(map[string]any)
	require.Equal(t, "priority", setPriority["verb"])
	require.Equal(t, map[string]any{"wr": "1", "command": "priority", "args": "INC-4", "option_input": "wr_option_1"}, setPriority["data"])
	require.NotContains(t, setPriority, "associatedInputs", "the select's button sends the chosen option")
	require.Equal(t, "none", actions[0].(map[string]any)["associatedInputs"], "other buttons are not blocked by an empty select")
	resolve := actions[3].(map[string]any)
	require.Equal(t, "destructive", resolve["style"])
	require.Equal(t, map[string]any{"wr": "1", "command": "resolve", "args": "INC-4"}, resolve["data"])
	require.Equal(t, map[string]any{"type": "Action.OpenUrl", "title": "Latency dashboard", "url": "https://grafana.example.com/d/checkout"}, actions[4])

	ctx := body[7].(map[string]any)
	require.Equal(t, "INC-4 · everything said in this channel is recorded on the timeline", ctx["text"])
	require.Equal(t, "Small", ctx["size"])
	require.Equal(t, true, ctx["isSubtle"])
}

func TestRenderCardStylesAndOmissions(t *testing.T) {
	msg := bot.Message{
		Fields: []bot.Field{{}, {Label: "Summary"}},
		Buttons: []bot.Button{
			{Label: "Acknowledge", Command: "ack", Args: "INC-1", Style: bot.StylePrimary},
			{Label: "no command"},
			{Label: "bad link", URL: "javascript:alert(1)"},
			{Label: "", Command: "help"},
			{Label: "empty select", Command: "priority", Options: []bot.Option{{Label: "no value"}}},
		},
	}
	for i := range 6 {
		msg.Buttons = append(msg.Buttons, bot.Button{Label: fmt.Sprint("B", i), Command: "note", Args: fmt.Sprint(i)})
	}
	body := jsonTree(t, renderCard(msg))["body"].([]any)
	require.Equal(t, []string{"FactSet", "ActionSet", "ActionSet"}, types(body))
	require.Equal(t, []any{map[string]any{"title": "Summary", "value": "—"}}, body[0].(map[string]any)["facts"])
	first := body[1].(map[string]any)["actions"].([]any)
	require.Len(t, first, maxActionsPerSet)
	require.Len(t, body[2].(map[string]any)["actions"].([]any), 2)
	require.Equal(t, "positive", first[0].(map[string]any)["style"])
	require.Equal(t, "help", first[1].(map[string]any)["title"], "label falls back to the command")

	empty := jsonTree(t, renderCard(bot.Message{Text: " \n "}))
	require.Equal(t, []any{}, empty["body"], "Teams needs a body array, even empty")
}

func TestRenderCardLongText(t *testing.T) {
	var lines []string
	for i := range 200 {
		lines = append(lines, fmt.Sprintf("%03d: retries on *payments* went up", i))
	}
	body := jsonTree(t, renderCard(bot.Message{Text: strings.Join(lines, "\n")}))["body"].([]any)
	require.Len(t, body, maxCardLines)
	require.Equal(t, "000: retries on **payments** went up", body[0].(map[string]any)["text"])
	require.True(t, strings.HasSuffix(body[maxCardLines-1].(map[string]any)["text"].(string), " …"))

	body = jsonTree(t, renderCard(bot.Message{Text: strings.Repeat("é", 3*maxCardText)}))["body"].([]any)
	require.Len(t, body, 1)
	require.Equal(t, maxCardText, utf8.RuneCountInString(body[0].(map[string]any)["text"].(string)))

	raw, err := json.Marshal(attachment(renderCard(bot.Message{Text: strings.Repeat(strings.Repeat("x", 130)+"\n", 100)})))
	require.NoError(t, err)
	require.Less(t, len(raw), 28*1024/2, "a long text leaves room under Teams' 28 KB message limit")
}

// mentionMarkup is anything Teams could read as a mention tag.
var mentionMarkup = regexp.MustCompile(`(?i)<\s*/?\s*at\b`)

func TestRenderCardForgedMention(t *testing.T) {
	msg := bot.Message{
		Title:   "<at>Bob</at> broke it",
		Text:    "ping <AT>Alice</AT> and < at >Carol</ at>",
		Fields:  []bot.Field{{Label: "<at>Owner</at>", Value: "<at>Dave</at>"}},
		Buttons: []bot.Button{{Label: "<at>Eve</at>", Command: "ack", Args: "INC-9"}},
		Context: "<at>Frank</at> · <attention> stays",
	}
	card := renderCard(msg)
	text := unescapedJSON(t, card)
	require.NotRegexp(t, mentionMarkup, text)
	require.NotContains(t, text, "entities", "a card never carries mention entities")
	body := jsonTree(t, card)["body"].([]any)
	// The text reads the same: only an invisible word joiner was added.
	require.Equal(t, "<at>Bob</at> broke it", strings.ReplaceAll(body[0].(map[string]any)["text"].(string), "\u2060", ""))
	require.Contains(t, text, "<attention> stays")

	form := renderForm(bot.Form{ID: "x", Title: "<at>Bob</at>", Inputs: []bot.Input{
		{ID: "a", Label: "<at>Bob</at>", Placeholder: "<at>Bob</at>", Hint: "<at>Bob</at>"},
	}}, nil, map[string]string{"a": "<at>Bob</at>"})
	require.NotRegexp(t, mentionMarkup, unescapedJSON(t, form))
}

// Every text a card or a form shows loses its invisible characters
// (here a right-to-left override, an isolate, a zero-width space, a byte
// order mark, an escape and a line separator), even one hiding inside a
// mention tag; the word joiner defusing a tag is the one invisible added.
func TestRenderCardDropsInvisible(t *testing.T) {
	const spoof = "pay\u202Eslip\u2066 ok\u200B\uFEFF\x1b[1m\u2028done <\u200Bat>Bob</at>"
	msg := bot.Message{
		Title: spoof, Text: spoof + "\n" + spoof, Context: spoof,
		Fields: []bot.Field{{Label: spoof, Value: spoof}},
		Buttons: []bot.Button{
			{Label: spoof, Command: "note", Args: "INC-1"},
			{Label: spoof, Command: "priority", Args: "INC-1", Options: []bot.Option{{Label: spoof, Value: "P1", Hint: "hint " + spoof}}},
			{Label: spoof, URL: "https://example.com/runbook"},
		},
	}
	form := bot.Form{ID: "update", Title: spoof, Submit: spoof, Inputs: []bot.Input{
		{ID: "text", Label: spoof, Hint: spoof, Placeholder: spoof, Kind: bot.InputTextarea},
		{ID: "pick", Label: spoof, Kind: bot.InputSelect, Options: []bot.Option{{Label: spoof, Value: "x"}}},
		{ID: "check", Label: spoof, Kind: bot.InputCheckbox},
	}}
	for name, v := range map[string]any{
		"card": renderCard(msg), "form": renderForm(form, nil, map[string]string{"text": spoof}),
		"summary": cardActivity(msg).Summary,
	} {
		text := unescapedJSON(t, v)
		for _, r := range []rune{'\u202E', '\u2066', '\u200B', '\uFEFF', '\x1b', '\u2028'} {
			require.NotContains(t, text, string(r), "%s shows %U", name, r)
			require.NotContains(t, strings.ToLower(text), fmt.Sprintf(`\u%04x`, r), "%s shows %U", name, r)
		}
		require.Contains(t, text, "payslip ok[1m done", name)
		if name != "summary" { // plain text for notifications, no markup
			require.NotRegexp(t, mentionMarkup, text, name)
		}
	}
}

func TestRenderForm(t *testing.T) {
	t.Run("declare_form", func(t *testing.T) {
		// Re-sent after a submission without a title: what was typed stays.
		values := map[string]string{"title": " ", "description": "Payments return 502 since 14:02", "responders": "@bob, @carol", "private": "true"}
		card := renderForm(renderDeclareForm(), values, map[string]string{"title": "This field is required."})
		assertGolden(t, "declare_form", card)
		tree := jsonTree(t, card)
		body := tree["body"].([]any)
		require.Equal(t, []string{"TextBlock", "Input.Text", "TextBlock", "Input.ChoiceSet", "Input.Text", "Input.Text", "TextBlock", "Input.Text", "Input.Toggle"}, types(body))
		require.Equal(t, "Declare an incident", body[0].(map[string]any)["text"])

		title := body[1].(map[string]any)
		require.Equal(t, map[string]any{
			"type": "Input.Text", "id": "title", "label": "Title", "isRequired": true, "maxLength": float64(200),
			"placeholder": "What is broken, for whom?", "value": " ", "errorMessage": "This field is required.",
		}, title)
		require.Equal(t, map[string]any{
			"type": "TextBlock", "text": "This field is required.", "color": "Attention", "size": "Small", "wrap": true, "spacing": "Small",
		}, body[2])

		pr := body[3].(map[string]any)
		require.Equal(t, "priority", pr["id"])
		require.Equal(t, "compact", pr["style"])
		require.Equal(t, "P2", pr["value"])
		require.Len(t, pr["choices"], 4)
		require.Contains(t, pr["choices"].([]any)[1].(map[string]any)["title"], "P2 (high) — High:")

		require.Equal(t, true, body[4].(map[string]any)["isMultiline"])
		require.Equal(t, "Payments return 502 since 14:02", body[4].(map[string]any)["value"])
		require.Equal(t, "@bob, @carol", body[7].(map[string]any)["value"])
		commander := body[5].(map[string]any)
		require.Equal(t, usersPlaceholder, commander["placeholder"])
		require.Equal(t, "Leave empty to lead it yourself.", body[6].(map[string]any)["text"])
		require.Equal(t, map[string]any{
			"type": "Input.Toggle", "id": "private", "title": "Private channel", "valueOn": "true", "valueOff": "false", "value": "true",
		}, body[8])

		actions := tree["actions"].([]any)
		require.Len(t, actions, 1)
		submit := actions[0].(map[string]any)
		require.Equal(t, "Action.Execute", submit["type"])
		require.Equal(t, "Declare", submit["title"])
		require.Equal(t, "form", submit["verb"])
		require.Equal(t, map[string]any{"wr": "1", "form": "declare", "meta": "", "wr_users": "commander responders"}, submit["data"])
		require.Equal(t, "Action.Submit", submit["fallback"].(map[string]any)["type"])
		require.Equal(t, submit["data"], submit["fallback"].(map[string]any)["data"])
	})
	t.Run("update_form", func(t *testing.T) {
		card := renderForm(renderUpdateForm(), nil, nil)
		assertGolden(t, "update_form", card)
		tree := jsonTree(t, card)
		body := tree["body"].([]any)
		require.Equal(t, []string{"TextBlock", "Input.Text"}, types(body))
		require.Equal(t, "Status update for INC-4", body[0].(map[string]any)["text"])
		require.Equal(t, true, body[1].(map[string]any)["isMultiline"])
		require.Equal(t, true, body[1].(map[string]any)["isRequired"])
		require.Equal(t, map[string]any{"wr": "1", "form": "update", "meta": "INC-4"}, tree["actions"].([]any)[0].(map[string]any)["data"])
	})
	t.Run("left out and defaults", func(t *testing.T) {
		card := renderForm(bot.Form{ID: "x", Inputs: []bot.Input{
			{Label: "no ID"},
			{ID: "meta", Label: "reserved"},
			{ID: "wr_option_0", Label: "reserved too"},
			{ID: "empty", Kind: bot.InputSelect, Options: []bot.Option{{Label: "no value"}}},
			{ID: "pick", Kind: bot.InputSelect, Value: "nope", Options: []bot.Option{{Label: "A", Value: "a"}}},
			{ID: "off", Label: "Off", Kind: bot.InputCheckbox},
		}}, map[string]string{"off": "false"}, nil)
		tree := jsonTree(t, card)
		body := tree["body"].([]any)
		require.Equal(t, []string{"Input.ChoiceSet", "Input.Toggle"}, types(body))
		require.NotContains(t, body[0].(map[string]any), "value", "a value that is no choice is not preselected")
		require.Equal(t, "pick", body[0].(map[string]any)["label"], "label falls back to the ID")
		require.Equal(t, "false", body[1].(map[string]any)["value"])
		require.Equal(t, "✓", tree["actions"].([]any)[0].(map[string]any)["title"])
	})
}

func TestAttachment(t *testing.T) {
	card := renderCard(bot.Message{Text: "hi"})
	require.Equal(t, map[string]any{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}, attachment(card))
}

// TestClickRoundTrip clicks every rendered button and select option the
// way Teams reports it, through both Action.Execute and its Action.Submit
// fallback, and checks the click runs the button's command line.
func TestClickRoundTrip(t *testing.T) {
	msgs := map[string]bot.Message{"card": renderIncidentCard(), "odd": {Buttons: []bot.Button{
		{Label: "No args", Command: "help"},
		{Label: "Pick", Command: "status", Options: []bot.Option{{Label: "A & B", Value: "identified"}, {Label: "C", Value: "monitoring"}}},
		{Label: "Note", Command: "note", Args: "INC-2 a <b> & \"c\" ünïcode"},
	}}}
	for name, msg := range msgs {
		t.Run(name, func(t *testing.T) {
			tree := jsonTree(t, renderCard(msg))
			inputs := map[string]map[string]any{}
			var actions []map[string]any
			for _, el := range tree["body"].([]any) {
				el := el.(map[string]any)
				switch el["type"] {
				case "Input.ChoiceSet":
					inputs[el["id"].(string)] = el
				case "ActionSet":
					for _, a := range el["actions"].([]any) {
						actions = append(actions, a.(map[string]any))
					}
				}
			}
			clicks := 0
			for _, b := range msg.Buttons {
				if b.URL != "" {
					continue
				}
				i := slices.IndexFunc(actions, func(a map[string]any) bool { return a["title"] == b.Label })
				require.GreaterOrEqual(t, i, 0, "button %q rendered", b.Label)
				act := actions[i]
				for _, a := range []map[string]any{act, act["fallback"].(map[string]any)} {
					data := a["data"].(map[string]any)
					if len(b.Options) == 0 {
						requireClick(t, data, nil, b.CommandLine(""))
						clicks++
						continue
					}
					id := data["option_input"].(string)
					choices := inputs[id]["choices"].([]any)
					require.Len(t, choices, len(b.Options))
					for j, c := range choices {
						chosen := map[string]any{id: c.(map[string]any)["value"]}
						requireClick(t, data, chosen, b.CommandLine(b.Options[j].Value))
						clicks++
					}
				}
			}
			require.Positive(t, clicks)
		})
	}
}

// requireClick merges the chosen inputs into an action's data as Teams does,
// passes the result through JSON as the adapter receives it (an invoke's
// value.action.data, or a message's value), and checks the command line.
func requireClick(t *testing.T, data, chosen map[string]any, wantLine string) {
	t.Helper()
	merged := map[string]any{}
	for k, v := range data {
		merged[k] = v
	}
	for k, v := range chosen {
		merged[k] = v
	}
	invoke := map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": data["command"], "data": merged}, "trigger": "manual"}
	var got struct {
		Action struct {
			Data map[string]any `json:"data"`
		} `json:"action"`
	}
	raw, err := json.Marshal(invoke)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &got))
	command, value, form, ok := clickOf(got.Action.Data)
	require.True(t, ok, "data %v", merged)
	require.Nil(t, form)
	require.Equal(t, wantLine, bot.Button{Command: command, Args: value}.CommandLine(""))
}

func TestClickSelectWithoutChoice(t *testing.T) {
	command, value, _, ok := clickOf(map[string]any{"wr": "1", "command": "priority", "args": "INC-4", "option_input": "wr_option_1", "wr_option_1": ""})
	require.True(t, ok)
	require.Equal(t, "priority INC-4", bot.Button{Command: command, Args: value}.CommandLine(""), "just the args: the command answers with its usage")
}

func TestClickFormSubmission(t *testing.T) {
	card := jsonTree(t, renderForm(renderDeclareForm(), nil, nil))
	data := card["actions"].([]any)[0].(map[string]any)["data"].(map[string]any)
	// What Teams sends: the submit's data merged with every input's value,
	// empty ones as "".
	inputs := map[string]any{
		"title":       "  Checkout is failing ",
		"priority":    "P1",
		"description": "",
		"commander":   "@Alice Smith",
		"responders":  "@bob @carol, dave@example.com;\n",
		"private":     "false",
	}
	for _, fields := range []map[string]any{data, card["actions"].([]any)[0].(map[string]any)["fallback"].(map[string]any)["data"].(map[string]any)} {
		merged := map[string]any{}
		for k, v := range fields {
			merged[k] = v
		}
		for k, v := range inputs {
			merged[k] = v
		}
		command, value, sub, ok := clickOf(merged)
		require.True(t, ok)
		require.Empty(t, command)
		require.Empty(t, value)
		require.Equal(t, &bot.FormSubmission{ID: "declare", Meta: "", Values: map[string][]string{
			"title":      {"  Checkout is failing "},
			"priority":   {"P1"},
			"commander":  {"@Alice Smith"},
			"responders": {"@bob", "@carol", "dave@example.com"},
			"private":    {"false"},
		}}, sub)
	}

	upd := jsonTree(t, renderForm(renderUpdateForm(), nil, nil))
	merged := upd["actions"].([]any)[0].(map[string]any)["data"].(map[string]any)
	merged["text"] = "Rolled back; error rate falling."
	_, _, sub, ok := clickOf(merged)
	require.True(t, ok)
	require.Equal(t, &bot.FormSubmission{ID: "update", Meta: "INC-4", Values: map[string][]string{"text": {"Rolled back; error rate falling."}}}, sub)
}

func TestClickNotOurs(t *testing.T) {
	tests := []struct {
		name string
		data map[string]any
	}{
		{"nil", nil},
		{"another card's", map[string]any{"command": "ack", "args": "INC-1"}},
		{"unknown version", map[string]any{"wr": "2", "command": "ack"}},
		{"marker not a string", map[string]any{"wr": 1.0, "command": "ack"}},
		{"no command", map[string]any{"wr": "1", "args": "INC-1"}},
		{"args not a string", map[string]any{"wr": "1", "command": "ack", "args": []any{"INC-1"}}},
		{"empty form ID", map[string]any{"wr": "1", "form": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			command, value, form, ok := clickOf(tt.data)
			require.False(t, ok)
			require.Empty(t, command)
			require.Empty(t, value)
			require.Nil(t, form)
		})
	}
}

func TestRenderBoldToTeams(t *testing.T) {
	tests := map[string]string{
		"*bold*":                "**bold**",
		"a *b* and *c d*.":      "a **b** and **c d**.",
		"**already**":           "**already**",
		"2 * 3 * 4":             "2 * 3 * 4",
		"a*b*c":                 "a*b*c",
		"*open\nclose*":         "*open\nclose*",
		"_it_ and `*code*`":     "_it_ and `**code**`",
		"(*P1*)":                "(**P1**)",
		"*":                     "*",
		"* list item":           "* list item",
		"*ünï* *x*y*":           "**ünï** **x*y**",
		"trailing *star":        "trailing *star",
		"*a* *b*":               "**a** **b**",
		"<at>x</at> *y*":        "<\u2060at>x<\u2060/at> **y**",
		"emoji *🚨 INC-4*!":      "emoji **🚨 INC-4**!",
		"snake_case *a_b* name": "snake_case **a_b** name",
	}
	for in, want := range tests {
		require.Equal(t, want, teamsMarkdown(in), "in %q", in)
	}
}

func types(elems []any) []string {
	var out []string
	for _, e := range elems {
		out = append(out, e.(map[string]any)["type"].(string))
	}
	return out
}

// jsonTree is v as Teams would parse it.
func jsonTree(t *testing.T, v any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	var tree map[string]any
	require.NoError(t, json.Unmarshal(raw, &tree))
	return tree
}

// unescapedJSON is v as JSON with <, > and & as themselves, which is how
// Teams reads them; json.Marshal's \u003c would hide a tag from a check.
func unescapedJSON(t *testing.T, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	return buf.String()
}

func assertGolden(t *testing.T, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(jsonTree(t, v)))

	path := filepath.Join("testdata", "render", name+".json")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run %s -update to create it", t.Name())
	require.Equal(t, string(want), buf.String(), "%s differs; rerun with -update if the change is intended", path)
}
