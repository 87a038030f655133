package slack

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

var update = flag.Bool("update", false, "rewrite golden files")

// renderCard is the incident card as handlers.card builds it for an
// investigating incident, with the English catalog.
func renderCard() bot.Message {
	en := bot.Translator(bot.English)
	priority := bot.Button{Label: en.T("button.priority"), Command: "priority", Args: "INC-4"}
	for _, p := range bot.Priorities {
		priority.Options = append(priority.Options, bot.Option{
			Label: en.T("priority." + p.String()), Value: p.String(), Hint: en.T("criteria." + p.String()),
		})
	}
	return bot.Message{
		Title: en.T("card.title", "id", "INC-4", "title", "Checkout is failing"),
		Text:  "Payments return *502* since 14:02; see `checkout-api` logs & the _latency_ dashboard.",
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
		},
		Context: en.T("card.context", "id", "INC-4"),
	}
}

// renderLongText is a body of 120 lines, well past one section's 3000.
func renderLongText() string {
	var lines []string
	for i := range 120 {
		lines = append(lines, fmt.Sprintf("%03d: retries on *payments* & `ledger` went <up>, see _runbook_ step %d", i, i%7))
	}
	return strings.Join(lines, "\n")
}

func renderThirteenFields() bot.Message {
	msg := bot.Message{Title: "INC-7: Fields"}
	for i := range 13 {
		msg.Fields = append(msg.Fields, bot.Field{Label: fmt.Sprintf("Label %d", i+1), Value: fmt.Sprintf("value %d", i+1)})
	}
	msg.Fields[11].Value = "" // shows —
	return msg
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

func TestRenderMessage(t *testing.T) {
	tests := []struct {
		name     string
		msg      bot.Message
		fallback string
		check    func(t *testing.T, blocks []slack.Block)
	}{
		{
			name:     "card",
			msg:      renderCard(),
			fallback: "🚨 INC-4: Checkout is failing",
			check: func(t *testing.T, blocks []slack.Block) {
				require.Equal(t, []string{"header", "section", "section", "actions", "context"}, blockTypes(blocks))
				elems := blocks[3].(*slack.ActionBlock).Elements.ElementSet
				require.Len(t, elems, 4)
				sel := elems[1].(*slack.SelectBlockElement)
				require.Equal(t, "Set priority", sel.Placeholder.Text)
				require.Equal(t, "INC-4 P1", sel.Options[0].Value)
				require.Equal(t, "Critical: customer-facing outage or data loss for many customers. All…", sel.Options[0].Description.Text)
				require.Equal(t, slack.StyleDanger, elems[3].(*slack.ButtonBlockElement).Style)
			},
		},
		{
			name:     "long_text",
			msg:      bot.Message{Text: renderLongText()},
			fallback: cutMrkdwn(escapeMrkdwn(renderLongText()), maxFallbackText),
			check: func(t *testing.T, blocks []slack.Block) {
				require.Equal(t, []string{"section", "section", "section", "section"}, blockTypes(blocks))
				var parts []string
				for _, b := range blocks {
					parts = append(parts, b.(*slack.SectionBlock).Text.Text)
				}
				// Split at line ends only, nothing lost or reordered.
				require.Equal(t, escapeMrkdwn(renderLongText()), strings.Join(parts, "\n"))
			},
		},
		{
			name:     "thirteen_fields",
			msg:      renderThirteenFields(),
			fallback: "INC-7: Fields",
			check: func(t *testing.T, blocks []slack.Block) {
				require.Equal(t, []string{"header", "section", "section"}, blockTypes(blocks))
				require.Len(t, blocks[1].(*slack.SectionBlock).Fields, 10)
				require.Len(t, blocks[2].(*slack.SectionBlock).Fields, 3)
				require.Equal(t, "*Label 12*\n—", blocks[2].(*slack.SectionBlock).Fields[1].Text)
			},
		},
		{
			name: "escaped_title",
			msg: bot.Message{
				Title:   "<!channel> DB & cache down",
				Text:    "<!here> click <https://evil.example|your bank> & *stay calm*",
				Fields:  []bot.Field{{Label: "<b>Owner</b>", Value: "<@U1> & co"}},
				Buttons: []bot.Button{{Label: "Ack <!everyone>", Command: "ack", Args: "INC-9"}},
				Context: "INC-9 · a > b",
			},
			fallback: "&lt;!channel&gt; DB &amp; cache down",
			check: func(t *testing.T, blocks []slack.Block) {
				// plain_text is shown literally: left as typed.
				require.Equal(t, "<!channel> DB & cache down", blocks[0].(*slack.HeaderBlock).Text.Text)
				require.Equal(t, "&lt;!here&gt; click &lt;https://evil.example|your bank&gt; &amp; *stay calm*",
					blocks[1].(*slack.SectionBlock).Text.Text)
				require.Equal(t, "*&lt;b&gt;Owner&lt;/b&gt;*\n&lt;@U1&gt; &amp; co", blocks[2].(*slack.SectionBlock).Fields[0].Text)
				require.Equal(t, "Ack <!everyone>", blocks[3].(*slack.ActionBlock).Elements.ElementSet[0].(*slack.ButtonBlockElement).Text.Text)
				require.Equal(t, "INC-9 · a &gt; b", blocks[4].(*slack.ContextBlock).ContextElements.Elements[0].(*slack.TextBlockObject).Text)
			},
		},
		{
			name:     "empty parts skipped",
			msg:      bot.Message{Text: "  ", Fields: []bot.Field{{}}, Context: "\n"},
			fallback: "",
			check: func(t *testing.T, blocks []slack.Block) {
				require.Empty(t, blocks)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fallback, blocks := renderMessage(tt.msg)
			require.Equal(t, tt.fallback, fallback)
			checkBlockKit(t, blocks, maxMessageBlocks)
			tt.check(t, blocks)
			if !strings.Contains(tt.name, " ") {
				assertGolden(t, tt.name, map[string]any{"text": fallback, "blocks": blocks})
			}
		})
	}
}

func TestRenderMessageLimits(t *testing.T) {
	t.Run("title cut to 150", func(t *testing.T) {
		_, blocks := renderMessage(bot.Message{Title: strings.Repeat("é", 200)})
		checkBlockKit(t, blocks, maxMessageBlocks)
		got := blocks[0].(*slack.HeaderBlock).Text.Text
		require.Equal(t, 150, utf8.RuneCountInString(got))
		require.True(t, strings.HasSuffix(got, "…"))
	})
	t.Run("a split never cuts an entity", func(t *testing.T) {
		// "ab&" escapes to 7 characters, so 3000 falls inside an &amp;.
		_, blocks := renderMessage(bot.Message{Text: strings.Repeat("ab&", 1000)})
		checkBlockKit(t, blocks, maxMessageBlocks)
		var parts []string
		for _, b := range blocks {
			parts = append(parts, b.(*slack.SectionBlock).Text.Text)
		}
		require.Len(t, parts, 3)
		require.Equal(t, escapeMrkdwn(strings.Repeat("ab&", 1000)), strings.Join(parts, ""))
	})
	t.Run("at most 50 blocks, text cut last", func(t *testing.T) {
		msg := renderCard()
		msg.Text = strings.Repeat(renderLongText()+"\n", 30) // ~70 sections' worth
		msg.Title = ""
		fallback, blocks := renderMessage(msg)
		require.LessOrEqual(t, utf8.RuneCountInString(fallback), maxFallbackText)
		require.True(t, strings.HasSuffix(fallback, "…"))
		require.True(t, strings.HasPrefix(escapeMrkdwn(msg.Text), strings.TrimSuffix(fallback, "…")))
		checkBlockKit(t, blocks, maxMessageBlocks)
		require.Len(t, blocks, maxMessageBlocks)
		types := blockTypes(blocks)
		require.Equal(t, []string{"section", "section", "actions", "context"}, types[len(types)-4:], "fields, buttons and context survive")
		require.True(t, strings.HasSuffix(blocks[len(blocks)-4].(*slack.SectionBlock).Text.Text, "…"))
	})
	t.Run("27 buttons in two actions blocks", func(t *testing.T) {
		var msg bot.Message
		for i := range 27 {
			msg.Buttons = append(msg.Buttons, bot.Button{Label: fmt.Sprint("B", i), Command: "ack", Args: fmt.Sprint("INC-", i)})
		}
		_, blocks := renderMessage(msg)
		checkBlockKit(t, blocks, maxMessageBlocks)
		require.Len(t, blocks[0].(*slack.ActionBlock).Elements.ElementSet, 25)
		require.Len(t, blocks[1].(*slack.ActionBlock).Elements.ElementSet, 2)
	})
	t.Run("what cannot fit without changing the command is left out", func(t *testing.T) {
		msg := bot.Message{Buttons: []bot.Button{
			{Label: "huge", Command: "note", Args: strings.Repeat("x", maxButtonValue+1)},
			{Label: "pick", Command: "priority", Args: strings.Repeat("y", 148), Options: []bot.Option{
				{Label: "fits", Value: "P"}, {Label: "too long", Value: "P1"}, {Label: "no value"},
			}},
			{Label: "", Command: "ack", Args: "INC-1"},
			{Label: "no command"},
		}}
		_, blocks := renderMessage(msg)
		checkBlockKit(t, blocks, maxMessageBlocks)
		elems := blocks[0].(*slack.ActionBlock).Elements.ElementSet
		require.Len(t, elems, 2)
		sel := elems[0].(*slack.SelectBlockElement)
		require.Len(t, sel.Options, 1)
		require.Equal(t, "fits", sel.Options[0].Text.Text)
		require.Equal(t, "ack", elems[1].(*slack.ButtonBlockElement).Text.Text, "label falls back to the command")
	})
}

// TestActionCommandRoundTrip clicks every rendered button and option the way
// Slack reports it and checks the click runs the button's command line.
func TestActionCommandRoundTrip(t *testing.T) {
	msgs := map[string]bot.Message{"card": renderCard(), "escaped": {Buttons: []bot.Button{
		{Label: "No args", Command: "help"},
		{Label: "Pick <one>", Command: "status", Options: []bot.Option{{Label: "A & B", Value: "identified"}}},
		{Label: "Note", Command: "note", Args: "INC-2 a <b> & \"c\""},
	}}}
	for name, msg := range msgs {
		t.Run(name, func(t *testing.T) {
			_, blocks := renderMessage(msg)
			var elems []slack.BlockElement
			for _, b := range blocks {
				if ab, ok := b.(*slack.ActionBlock); ok {
					elems = append(elems, ab.Elements.ElementSet...)
				}
			}
			require.Len(t, elems, len(msg.Buttons))
			for i, b := range msg.Buttons {
				switch el := elems[i].(type) {
				case *slack.ButtonBlockElement:
					act := map[string]any{"type": "button", "block_id": "Xy1", "action_id": el.ActionID,
						"text": el.Text, "action_ts": "1764079200.000100"}
					if el.Value != "" { // Slack leaves value out when the button has none
						act["value"] = el.Value
					}
					requireClick(t, act, b.CommandLine(""))
				case *slack.SelectBlockElement:
					require.Len(t, el.Options, len(b.Options))
					for j, o := range el.Options {
						act := map[string]any{"type": "static_select", "block_id": "Xy1", "action_id": el.ActionID,
							"selected_option": o, "placeholder": el.Placeholder, "action_ts": "1764079200.000100"}
						requireClick(t, act, b.CommandLine(b.Options[j].Value))
					}
				default:
					t.Fatalf("element %d is %T", i, el)
				}
			}
		})
	}
}

// requireClick sends action inside a block_actions payload through
// slack-go's decoding, as the adapter receives it, and checks the command
// line it decodes to.
func requireClick(t *testing.T, action map[string]any, wantLine string) {
	t.Helper()
	payload, err := json.Marshal(map[string]any{"type": "block_actions", "trigger_id": "1.2.3", "actions": []any{action}})
	require.NoError(t, err)
	var cb slack.InteractionCallback
	require.NoError(t, json.Unmarshal(payload, &cb))
	require.Len(t, cb.ActionCallback.BlockActions, 1)
	command, value, ok := actionCommand(cb.ActionCallback.BlockActions[0])
	require.True(t, ok, "action %v", action)
	require.Equal(t, wantLine, bot.Button{Command: command, Args: value}.CommandLine(""))
}

func TestActionCommandNotOurs(t *testing.T) {
	tests := []struct {
		name   string
		action *slack.BlockAction
	}{
		{"nil", nil},
		{"another app's", &slack.BlockAction{Type: "button", ActionID: "approve", Value: "x"}},
		{"prefix only", &slack.BlockAction{Type: "button", ActionID: "wr."}},
		{"no index", &slack.BlockAction{Type: "button", ActionID: "wr.ack"}},
		{"no command", &slack.BlockAction{Type: "button", ActionID: "wr..0"}},
		{"bad index", &slack.BlockAction{Type: "button", ActionID: "wr.ack.x"}},
		{"negative index", &slack.BlockAction{Type: "button", ActionID: "wr.ack.-1"}},
		{"element we never render", &slack.BlockAction{Type: "overflow", ActionID: "wr.ack.0", SelectedOption: slack.OptionBlockObject{Value: "INC-1"}}},
		{"select without a choice", &slack.BlockAction{Type: "static_select", ActionID: "wr.priority.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			command, value, ok := actionCommand(tt.action)
			require.False(t, ok)
			require.Empty(t, command)
			require.Empty(t, value)
		})
	}
}

func TestRenderModal(t *testing.T) {
	tests := []struct {
		name  string
		form  bot.Form
		check func(t *testing.T, v slack.ModalViewRequest)
	}{
		{
			name: "declare_form",
			form: renderDeclareForm(),
			check: func(t *testing.T, v slack.ModalViewRequest) {
				require.Equal(t, "declare", v.CallbackID)
				require.Empty(t, v.PrivateMetadata)
				require.Equal(t, "Declare an incident", v.Title.Text)
				require.Equal(t, "Declare", v.Submit.Text)
				require.Equal(t, "Cancel", v.Close.Text)
				blocks := v.Blocks.BlockSet
				require.Len(t, blocks, 6)
				in := func(i int) *slack.InputBlock { return blocks[i].(*slack.InputBlock) }
				for i, id := range []string{"title", "priority", "description", "commander", "responders", "private"} {
					require.Equal(t, id, in(i).BlockID)
				}
				require.Equal(t, []bool{false, false, true, true, true, true},
					[]bool{in(0).Optional, in(1).Optional, in(2).Optional, in(3).Optional, in(4).Optional, in(5).Optional})

				title := in(0).Element.(*slack.PlainTextInputBlockElement)
				require.Equal(t, 200, title.MaxLength)
				require.False(t, title.Multiline)
				require.Equal(t, "What is broken, for whom?", title.Placeholder.Text)

				pr := in(1).Element.(*slack.SelectBlockElement)
				require.Equal(t, slack.OptTypeStatic, pr.Type)
				require.Len(t, pr.Options, 4)
				require.Equal(t, "P2", pr.InitialOption.Value)
				require.Same(t, pr.Options[1], pr.InitialOption)
				require.Equal(t, "P1 (critical)", pr.Options[0].Text.Text)
				require.LessOrEqual(t, utf8.RuneCountInString(pr.Options[0].Description.Text), 75)

				require.True(t, in(2).Element.(*slack.PlainTextInputBlockElement).Multiline)
				require.Equal(t, slack.MultiOptTypeUser, in(3).Element.(*slack.MultiSelectBlockElement).Type)
				require.Equal(t, "Leave empty to lead it yourself.", in(3).Hint.Text)

				priv := in(5).Element.(*slack.CheckboxGroupsBlockElement)
				require.Len(t, priv.Options, 1)
				require.Equal(t, "true", priv.Options[0].Value)
				require.Equal(t, "Private channel", priv.Options[0].Text.Text)
				require.Len(t, priv.InitialOptions, 1)
			},
		},
		{
			name: "update_form",
			form: renderUpdateForm(),
			check: func(t *testing.T, v slack.ModalViewRequest) {
				require.Equal(t, "update", v.CallbackID)
				require.Equal(t, "INC-4", v.PrivateMetadata)
				require.Equal(t, "Status update for INC-4", v.Title.Text)
				text := v.Blocks.BlockSet[0].(*slack.InputBlock)
				require.False(t, text.Optional)
				require.True(t, text.Element.(*slack.PlainTextInputBlockElement).Multiline)
			},
		},
		{
			name: "long title, unchecked box, select without options",
			form: bot.Form{ID: "x", Title: "Statusaktualisierung für INC-12345", Submit: "OK", Inputs: []bot.Input{
				{ID: "private", Label: "Private", Kind: bot.InputCheckbox},
				{ID: "empty", Label: "Nothing to choose", Kind: bot.InputSelect, Value: "P1"},
				{Label: "no ID"},
			}},
			check: func(t *testing.T, v slack.ModalViewRequest) {
				require.Equal(t, "Statusaktualisierung…", v.Title.Text, "cut at a word end")
				require.Len(t, v.Blocks.BlockSet, 1)
				require.Empty(t, v.Blocks.BlockSet[0].(*slack.InputBlock).Element.(*slack.CheckboxGroupsBlockElement).InitialOptions)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := renderModal(tt.form, "Cancel")
			checkBlockKit(t, v, maxModalBlocks)
			tt.check(t, v)
			if !strings.Contains(tt.name, " ") {
				assertGolden(t, tt.name, v)
			}
		})
	}
}

func TestFormSubmission(t *testing.T) {
	// A view_submission as Slack posts it for the declare form: the
	// description left empty (null), no commander chosen.
	payload := `{
	  "type": "view_submission",
	  "team": {"id": "T1", "domain": "acme"},
	  "user": {"id": "U9", "name": "carol"},
	  "view": {
	    "id": "V1", "type": "modal", "callback_id": "declare", "private_metadata": "INC-4",
	    "state": {"values": {
	      "title": {"title": {"type": "plain_text_input", "value": "DB down"}},
	      "priority": {"priority": {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": "P1 (critical)"}, "value": "P1"}}},
	      "description": {"description": {"type": "plain_text_input", "value": null}},
	      "commander": {"commander": {"type": "multi_users_select", "selected_users": []}},
	      "responders": {"responders": {"type": "multi_users_select", "selected_users": ["U1", "U2"]}},
	      "private": {"private": {"type": "checkboxes", "selected_options": [{"text": {"type": "plain_text", "text": "Private channel"}, "value": "true"}]}}
	    }}
	  }
	}`
	var cb slack.InteractionCallback
	require.NoError(t, json.Unmarshal([]byte(payload), &cb))
	sub := formSubmission(cb.View)
	require.Equal(t, &bot.FormSubmission{ID: "declare", Meta: "INC-4", Values: map[string][]string{
		"title":      {"DB down"},
		"priority":   {"P1"},
		"responders": {"U1", "U2"},
		"private":    {"true"},
	}}, sub)
	require.Empty(t, sub.Value("description"))

	t.Run("unchecked box is absent", func(t *testing.T) {
		var v slack.View
		require.NoError(t, json.Unmarshal([]byte(`{"callback_id": "declare", "state": {"values": {
		  "private": {"private": {"type": "checkboxes", "selected_options": []}}}}}`), &v))
		require.Equal(t, &bot.FormSubmission{ID: "declare", Values: map[string][]string{}}, formSubmission(v))
	})
	t.Run("no state", func(t *testing.T) {
		require.Equal(t, &bot.FormSubmission{ID: "update", Meta: "INC-4", Values: map[string][]string{}},
			formSubmission(slack.View{CallbackID: "update", PrivateMetadata: "INC-4"}))
	})
	t.Run("every rendered input is read back under its ID", func(t *testing.T) {
		// Answer the rendered declare modal the way Slack would, by element type.
		state := map[string]map[string]any{}
		for _, b := range renderModal(renderDeclareForm(), "Cancel").Blocks.BlockSet {
			in := b.(*slack.InputBlock)
			var answer map[string]any
			switch el := in.Element.(type) {
			case *slack.PlainTextInputBlockElement:
				answer = map[string]any{"type": el.Type, "value": "typed " + in.BlockID}
			case *slack.SelectBlockElement:
				answer = map[string]any{"type": el.Type, "selected_option": el.Options[2]}
			case *slack.MultiSelectBlockElement:
				answer = map[string]any{"type": el.Type, "selected_users": []string{"U" + in.BlockID}}
			case *slack.CheckboxGroupsBlockElement:
				answer = map[string]any{"type": el.Type, "selected_options": el.Options}
			}
			state[in.BlockID] = map[string]any{in.BlockID: answer}
		}
		raw, err := json.Marshal(map[string]any{"callback_id": "declare", "state": map[string]any{"values": state}})
		require.NoError(t, err)
		var v slack.View
		require.NoError(t, json.Unmarshal(raw, &v))
		require.Equal(t, map[string][]string{
			"title": {"typed title"}, "priority": {"P3"}, "description": {"typed description"},
			"commander": {"Ucommander"}, "responders": {"Uresponders"}, "private": {"true"},
		}, formSubmission(v).Values)
	})
}

func TestFieldErrors(t *testing.T) {
	require.Nil(t, fieldErrors(nil))
	require.Nil(t, fieldErrors(map[string]string{}))

	errs := map[string]string{"title": "This field is required.", "commander": "Choose one person."}
	resp := fieldErrors(errs)
	errs["title"] = "changed later" // the response keeps its own copy
	raw, err := json.Marshal(resp)
	require.NoError(t, err)
	require.JSONEq(t, `{"response_action": "errors", "errors": {"title": "This field is required.", "commander": "Choose one person."}}`, string(raw))
}

func blockTypes(blocks []slack.Block) []string {
	var out []string
	for _, b := range blocks {
		out = append(out, string(b.BlockType()))
	}
	return out
}

// assertGolden compares v's JSON with testdata/render/<name>.json, or
// rewrites the file with -update. The JSON is what slack-go marshals,
// re-indented with keys sorted and without HTML escaping (\u003c) so that
// escapes such as &lt; read as Slack receives them.
func assertGolden(t *testing.T, name string, v any) {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	var tree any
	require.NoError(t, json.Unmarshal(raw, &tree))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(tree))

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

// checkBlockKit checks the JSON of a message's blocks or a modal against
// Slack's limits, the ones that make Slack reject the whole payload.
func checkBlockKit(t *testing.T, v any, maxBlocks int) {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	var tree any
	require.NoError(t, json.Unmarshal(raw, &tree))
	c := &limitChecker{actionIDs: map[string]bool{}}
	blocks, _ := tree.([]any)
	if view, ok := tree.(map[string]any); ok {
		blocks, _ = view["blocks"].([]any)
		for _, k := range []string{"title", "submit", "close"} {
			c.max(k, jsonText(view[k]), maxModalTitle)
		}
		c.max("private_metadata", jsonStr(view["private_metadata"]), 3000)
		c.max("callback_id", jsonStr(view["callback_id"]), maxBlockID)
	}
	if len(blocks) > maxBlocks {
		c.failf("%d blocks, at most %d", len(blocks), maxBlocks)
	}
	c.walk("", tree)
	require.Empty(t, c.problems)
}

type limitChecker struct {
	problems  []string
	actionIDs map[string]bool
}

// mrkdwnSafe matches text with &, < and > all escaped.
var mrkdwnSafe = regexp.MustCompile(`^([^&<>]|&amp;|&lt;|&gt;)*$`)

func (c *limitChecker) failf(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *limitChecker) max(what, s string, limit int) {
	if n := utf8.RuneCountInString(s); n > limit {
		c.failf("%s: %d characters, at most %d: %.40q…", what, n, limit, s)
	}
}

func (c *limitChecker) count(what string, v any, lo, hi int) {
	n := len(jsonList(v))
	if n < lo || n > hi {
		c.failf("%s: %d, want %d to %d", what, n, lo, hi)
	}
}

func (c *limitChecker) actionID(path string, obj map[string]any) {
	id := jsonStr(obj["action_id"])
	c.max(path+".action_id", id, maxBlockID)
	if c.actionIDs[id] {
		c.failf("%s: action_id %q not unique", path, id)
	}
	c.actionIDs[id] = true
}

func (c *limitChecker) options(path string, v any, maxCount int) {
	c.count(path, v, 1, maxCount)
	for _, o := range jsonList(v) {
		o, _ := o.(map[string]any)
		c.max(path+".text", jsonText(o["text"]), maxOptionText)
		c.max(path+".description", jsonText(o["description"]), maxOptionText)
		if val := jsonStr(o["value"]); val == "" || utf8.RuneCountInString(val) > maxOptionValue {
			c.failf("%s: option value %q", path, val)
		}
	}
}

func (c *limitChecker) walk(path string, v any) {
	switch v := v.(type) {
	case []any:
		for i, e := range v {
			c.walk(fmt.Sprintf("%s[%d]", path, i), e)
		}
		return
	case map[string]any:
		c.object(path, v)
		for k, e := range v {
			c.walk(path+"."+k, e)
		}
	}
}

func (c *limitChecker) object(path string, obj map[string]any) {
	switch typ := jsonStr(obj["type"]); typ {
	case "plain_text", "mrkdwn":
		s := jsonStr(obj["text"])
		if s == "" {
			c.failf("%s: empty text", path)
		}
		c.max(path, s, maxSectionText)
		if typ == "mrkdwn" && !mrkdwnSafe.MatchString(s) {
			c.failf("%s: unescaped mrkdwn %q", path, s)
		}
	case "header":
		c.max(path, jsonText(obj["text"]), maxHeaderText)
	case "section":
		if obj["text"] == nil && obj["fields"] == nil {
			c.failf("%s: section without text or fields", path)
		}
		if obj["fields"] != nil {
			c.count(path+".fields", obj["fields"], 1, maxSectionFields)
		}
		for _, f := range jsonList(obj["fields"]) {
			c.max(path+".fields", jsonText(f), maxFieldText)
		}
	case "actions":
		c.count(path+".elements", obj["elements"], 1, maxActionElements)
	case "context":
		c.count(path+".elements", obj["elements"], 1, 10)
	case "button":
		c.actionID(path, obj)
		c.max(path+".text", jsonText(obj["text"]), maxButtonText)
		c.max(path+".value", jsonStr(obj["value"]), maxButtonValue)
	case "static_select":
		c.actionID(path, obj)
		c.max(path+".placeholder", jsonText(obj["placeholder"]), maxPlaceholder)
		c.options(path+".options", obj["options"], maxSelectOptions)
	case "checkboxes":
		c.actionID(path, obj)
		c.options(path+".options", obj["options"], 10)
	case "multi_users_select":
		c.actionID(path, obj)
		c.max(path+".placeholder", jsonText(obj["placeholder"]), maxPlaceholder)
	case "plain_text_input":
		c.actionID(path, obj)
		c.max(path+".placeholder", jsonText(obj["placeholder"]), maxPlaceholder)
		if n, _ := obj["max_length"].(float64); n > maxInputLength {
			c.failf("%s: max_length %v", path, n)
		}
	case "input":
		id := jsonStr(obj["block_id"])
		c.max(path+".block_id", id, maxBlockID)
		c.max(path+".label", jsonText(obj["label"]), maxInputLabel)
		c.max(path+".hint", jsonText(obj["hint"]), maxInputLabel)
		if el, _ := obj["element"].(map[string]any); id == "" || jsonStr(el["action_id"]) != id {
			c.failf("%s: block_id %q and action_id %q differ", path, id, jsonStr(el["action_id"]))
		}
	}
}

func jsonStr(v any) string  { s, _ := v.(string); return s }
func jsonList(v any) []any  { l, _ := v.([]any); return l }
func jsonText(v any) string { m, _ := v.(map[string]any); return jsonStr(m["text"]) }

func TestLinkButton(t *testing.T) {
	_, blocks := renderMessage(bot.Message{Text: "INC-1 declared", Buttons: []bot.Button{
		{Label: "Open #inc-1", URL: "https://slack.com/app_redirect?channel=C1"},
		{Label: "evil", URL: "javascript:alert(1)"},
	}})
	require.Len(t, blocks, 2)
	act, ok := blocks[1].(*slack.ActionBlock)
	require.True(t, ok)
	require.Len(t, act.Elements.ElementSet, 1, "only http(s) links")
	btn := act.Elements.ElementSet[0].(*slack.ButtonBlockElement)
	require.Equal(t, "https://slack.com/app_redirect?channel=C1", btn.URL)
	_, _, ok = actionCommand(&slack.BlockAction{ActionID: btn.ActionID, Value: btn.Value, Type: "button"})
	require.False(t, ok, "a link click runs no command")
}

// spoof is text from people carrying the invisible characters that
// reorder or hide what is shown: a right-to-left override, an isolate,
// a zero-width space, a byte order mark, a terminal escape and a line
// separator.
const spoof = "pay\u202Eslip\u2066 ok\u200B\uFEFF\x1b[1m\u2028done"

// spoofRunes are the invisible characters in spoof.
var spoofRunes = []rune{'\u202E', '\u2066', '\u200B', '\uFEFF', '\x1b', '\u2028'}

// requireNoSpoof fails when a rendered payload carries any of spoof's
// invisible characters, raw or escaped as JSON writes them.
func requireNoSpoof(t *testing.T, payload []byte) {
	t.Helper()
	s := string(payload)
	for _, r := range spoofRunes {
		require.NotContains(t, s, string(r), "%U shown", r)
		require.NotContains(t, strings.ToLower(s), fmt.Sprintf(`\u%04x`, r), "%U shown", r)
	}
	require.Contains(t, s, "payslip ok[1m done", "the visible text stays")
}

// Every text Slack shows, in a message and in a modal, loses the invisible
// characters; what a click sends back (button and option values) is left
// as the core gave it, since it must run the same command.
func TestRenderDropsInvisible(t *testing.T) {
	msg := bot.Message{
		Title: spoof, Text: spoof, Context: spoof,
		Fields: []bot.Field{{Label: spoof, Value: spoof}},
		Buttons: []bot.Button{
			{Label: spoof, Command: "note", Args: "INC-1"},
			{Label: spoof, Command: "priority", Args: "INC-1", Options: []bot.Option{{Label: spoof, Value: "P1", Hint: spoof}}},
			{Label: spoof, URL: "https://example.com/runbook"},
		},
	}
	fallback, blocks := renderMessage(msg)
	b, err := json.Marshal(map[string]any{"text": fallback, "blocks": blocks})
	require.NoError(t, err)
	requireNoSpoof(t, b)
	require.Equal(t, 11, strings.Count(string(b), "payslip ok"), "every part is there: %s", b)

	form := bot.Form{ID: "update", Title: spoof, Submit: spoof, Inputs: []bot.Input{
		{ID: "text", Label: spoof, Hint: spoof, Placeholder: spoof, Kind: bot.InputTextarea},
		{ID: "pick", Label: spoof, Kind: bot.InputSelect, Options: []bot.Option{{Label: spoof, Value: "x", Hint: spoof}}},
		{ID: "check", Label: spoof, Kind: bot.InputCheckbox},
	}}
	b, err = json.Marshal(renderModal(form, spoof))
	require.NoError(t, err)
	requireNoSpoof(t, b)
}
