package slack

import (
	"maps"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/warroomhq/warroom/bot"
)

// Slack's Block Kit limits, in characters unless named otherwise
// (https://docs.slack.dev/reference/block-kit). Going past one makes Slack
// reject the whole message or view, so the renderer cuts text to fit and
// drops what cannot be cut without breaking it.
const (
	maxMessageBlocks  = 50   // blocks in a message
	maxFallbackText   = 3000 // a message's text, ours: notifications show a line
	maxModalBlocks    = 100  // blocks in a modal
	maxHeaderText     = 150  // header text
	maxSectionText    = 3000 // any text object, a section's text
	maxFieldText      = 2000 // one section field
	maxSectionFields  = 10   // fields in a section
	maxActionElements = 25   // elements in an actions block
	maxButtonText     = 75   // button label
	maxButtonValue    = 2000 // button value
	maxOptionText     = 75   // option text and description
	maxOptionValue    = 150  // option value
	maxSelectOptions  = 100  // options in a select
	maxPlaceholder    = 150  // placeholder of an input or select
	maxBlockID        = 255  // action_id and block_id
	maxModalTitle     = 24   // modal title, submit and close labels
	maxInputLabel     = 2000 // input label and hint
	maxInputLength    = 3000 // plain_text_input max_length
	checkboxChecked   = "true"
)

// Button encoding. A click comes back from Slack as a block action carrying
// only the element's action_id and its value (or the chosen option's value),
// so both hold everything needed to rebuild the command line:
//
//	plain button: action_id "wr.<command>.<i>", value "<args>"
//	select:       action_id "wr.<command>.<i>", option value "<args> <option>"
//
// where i is the button's index in bot.Message.Buttons, which keeps action
// IDs unique within a message as Slack requires. actionCommand reverses it:
// the click runs bot.Button{Command: command, Args: value}.CommandLine(""),
// the same line as the original button's CommandLine(option). The "wr."
// prefix tells our actions from any other app's or element's.
//
// Slack caps a button value at 2000 characters and an option value at 150;
// a button or option whose arguments do not fit is left out rather than
// truncated, since a cut value would run a different command.
const actionPrefix = "wr."

// renderMessage turns a neutral message into Slack's fallback text and Block
// Kit blocks: title as a header block (plain_text, ≤150 chars, truncated
// with …), Text as a section (mrkdwn, split into several sections if >3000
// chars), Fields as section fields (mrkdwn "*Label*\nvalue", at most 10 per
// section, split across sections), Buttons as one actions block (≤25
// elements, split if more), Context as a context block. Fallback text:
// Title, else Text (for notifications), escaped as mrkdwn like the blocks
// and cut to 3000 characters.
//
// All text is escaped for mrkdwn (&, <, >), so text that came from people
// can neither mention (<!channel>) nor forge links, and every shown text
// (mrkdwn or plain_text) loses its invisible characters (bot.Visible), so
// no bidi override reorders it; the *bold*, _italic_ and
// `code` the core writes pass through. Empty parts are left out, since Slack
// rejects empty text objects. The result never has more than 50 blocks: a
// text too long for the room left is cut with ….
func renderMessage(msg bot.Message) (fallback string, blocks []slack.Block) {
	fallback = msg.Title
	if strings.TrimSpace(fallback) == "" {
		fallback = msg.Text
	}
	fallback = cutMrkdwn(escapeMrkdwn(strings.TrimSpace(fallback)), maxFallbackText)

	if title := strings.TrimSpace(msg.Title); title != "" {
		blocks = append(blocks, slack.NewHeaderBlock(plainText(cutText(title, maxHeaderText))))
	}
	fields := fieldSections(msg.Fields)
	actions := actionBlocks(msg.Buttons)
	var context []slack.Block
	if c := escapeMrkdwn(strings.TrimSpace(msg.Context)); c != "" {
		context = append(context, slack.NewContextBlock("", mrkdwnText(cutMrkdwn(c, maxSectionText))))
	}
	room := max(maxMessageBlocks-len(blocks)-len(fields)-len(actions)-len(context), 1)
	blocks = append(blocks, textSections(msg.Text, room)...)
	blocks = append(blocks, fields...)
	blocks = append(blocks, actions...)
	blocks = append(blocks, context...)
	if len(blocks) > maxMessageBlocks {
		blocks = blocks[:maxMessageBlocks]
	}
	return fallback, blocks
}

// textSections splits text into at most limit mrkdwn sections of ≤3000
// characters, breaking at a line end, else at a space, else anywhere but
// inside an escape. The separator a break consumes is dropped.
func textSections(text string, limit int) []slack.Block {
	rest := escapeMrkdwn(strings.TrimSpace(text))
	var out []slack.Block
	for rest != "" {
		var chunk string
		if len(out) == limit-1 {
			chunk, rest = cutMrkdwn(rest, maxSectionText), ""
		} else {
			chunk, rest = splitMrkdwn(rest, maxSectionText)
		}
		if strings.TrimSpace(chunk) != "" {
			out = append(out, slack.NewSectionBlock(mrkdwnText(chunk), nil, nil))
		}
	}
	return out
}

// fieldSections renders fields ten to a section, each "*Label*\nvalue".
func fieldSections(fields []bot.Field) []slack.Block {
	var texts []*slack.TextBlockObject
	for _, f := range fields {
		if t := fieldMrkdwn(f); t != "" {
			texts = append(texts, mrkdwnText(t))
		}
	}
	var out []slack.Block
	for len(texts) > 0 {
		n := min(len(texts), maxSectionFields)
		out = append(out, slack.NewSectionBlock(nil, texts[:n], nil))
		texts = texts[n:]
	}
	return out
}

func fieldMrkdwn(f bot.Field) string {
	label, value := strings.TrimSpace(f.Label), strings.TrimSpace(f.Value)
	switch {
	case label == "" && value == "":
		return ""
	case value == "":
		value = "—"
	}
	text := escapeMrkdwn(value)
	if label != "" {
		text = "*" + escapeMrkdwn(label) + "*\n" + text
	}
	return cutMrkdwn(text, maxFieldText)
}

// maxButtonURL is Slack's limit on a button's url.
const maxButtonURL = 3000

// actionBlocks renders buttons 25 to an actions block.
func actionBlocks(buttons []bot.Button) []slack.Block {
	var elems []slack.BlockElement
	for i, b := range buttons {
		if el := buttonElement(b, i); el != nil {
			elems = append(elems, el)
		}
	}
	var out []slack.Block
	for len(elems) > 0 {
		n := min(len(elems), maxActionElements)
		out = append(out, slack.NewActionBlock("", elems[:n]...))
		elems = elems[n:]
	}
	return out
}

// buttonElement renders the i-th button as a button, or as a static select
// when it has options; nil when it cannot be rendered without changing what
// a click runs.
func buttonElement(b bot.Button, i int) slack.BlockElement {
	if b.URL != "" {
		return linkButton(b, i)
	}
	id := actionPrefix + b.Command + "." + strconv.Itoa(i)
	if b.Command == "" || len(id) > maxBlockID {
		return nil
	}
	label := strings.TrimSpace(b.Label)
	if label == "" {
		label = b.Command
	}
	if len(b.Options) == 0 {
		if utf8.RuneCountInString(b.Args) > maxButtonValue {
			return nil
		}
		el := slack.NewButtonBlockElement(id, b.Args, plainText(cutText(label, maxButtonText)))
		switch b.Style {
		case bot.StylePrimary:
			el.Style = slack.StylePrimary
		case bot.StyleDanger:
			el.Style = slack.StyleDanger
		}
		return el
	}
	var opts []*slack.OptionBlockObject
	for _, o := range b.Options {
		if len(opts) == maxSelectOptions {
			break
		}
		if v := joinArgs(b.Args, o.Value); o.Value != "" && utf8.RuneCountInString(v) <= maxOptionValue {
			opts = append(opts, optionObject(o, v))
		}
	}
	if len(opts) == 0 {
		return nil
	}
	return slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plainText(cutText(label, maxPlaceholder)), id, opts...)
}

// linkButton renders a button that opens b.URL. Its action_id lacks the
// "wr." prefix, so the click Slack still reports is not taken for a
// command.
func linkButton(b bot.Button, i int) slack.BlockElement {
	if len(b.URL) > maxButtonURL || (!strings.HasPrefix(b.URL, "https://") && !strings.HasPrefix(b.URL, "http://")) {
		return nil
	}
	label := strings.TrimSpace(b.Label)
	if label == "" {
		label = b.URL
	}
	el := slack.NewButtonBlockElement("link."+strconv.Itoa(i), "", plainText(cutText(label, maxButtonText)))
	el.URL = b.URL
	return el
}

// optionObject renders a select choice: its label, its hint as the
// description, and value as what choosing it sends back.
func optionObject(o bot.Option, value string) *slack.OptionBlockObject {
	label := strings.TrimSpace(o.Label)
	if label == "" {
		label = o.Value
	}
	var desc *slack.TextBlockObject
	if hint := strings.TrimSpace(o.Hint); hint != "" {
		desc = plainText(cutText(hint, maxOptionText))
	}
	return slack.NewOptionBlockObject(value, plainText(cutText(label, maxOptionText)), desc)
}

func joinArgs(args, opt string) string {
	switch {
	case args == "":
		return opt
	case opt == "":
		return args
	}
	return args + " " + opt
}

// actionCommand decodes a clicked block action back into the neutral click:
// command (the Button.Command) and value (the args line; for a select, the
// Args and the chosen option's Value). The click runs
// bot.Button{Command: command, Args: value}.CommandLine(""). It returns
// ok=false for actions that are not ours: another prefix, a malformed
// action_id, or an element type renderMessage does not produce.
//
// Example action, as in a block_actions payload:
//
//	{"type": "static_select", "block_id": "x1Y", "action_id": "wr.priority.1",
//	 "selected_option": {"text": {"type": "plain_text", "text": "P1 (critical)"}, "value": "INC-4 P1"}}
func actionCommand(a *slack.BlockAction) (command, value string, ok bool) {
	if a == nil {
		return "", "", false
	}
	rest, found := strings.CutPrefix(a.ActionID, actionPrefix)
	dot := strings.LastIndexByte(rest, '.')
	if !found || dot <= 0 {
		return "", "", false
	}
	if n, err := strconv.Atoi(rest[dot+1:]); err != nil || n < 0 {
		return "", "", false
	}
	command = rest[:dot]
	switch string(a.Type) {
	case string(slack.METButton):
		return command, a.Value, true
	case slack.OptTypeStatic:
		if a.SelectedOption.Value == "" {
			return "", "", false
		}
		return command, a.SelectedOption.Value, true
	}
	return "", "", false
}

// renderModal turns a form into a modal view: callback_id = form.ID,
// private_metadata = form.Meta, title (≤24 chars, truncated), submit label
// form.Submit and close label closeLabel (both ≤24), and one input block per
// Input with block_id = action_id = Input.ID:
//
//	text     plain_text_input (max_length when set)
//	textarea multiline plain_text_input
//	select   static_select of the options (text = Label, description = Hint
//	         cut to 75, value = Value), initial_option the one matching Value
//	users    multi_users_select (Value is not preselected)
//	checkbox checkboxes with one option, value "true", checked when Value
//	         is "true"; its text is the Label
//
// Required=false makes the block optional; Hint becomes the block's hint and
// Placeholder the element's placeholder. Labels and the rest are plain_text,
// shown literally, so they are not escaped. An input without an ID, or a
// select without options, is left out: Slack would reject the whole view.
func renderModal(form bot.Form, closeLabel string) slack.ModalViewRequest {
	view := slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           optionalText(cutText(strings.TrimSpace(form.Title), maxModalTitle)),
		Submit:          optionalText(cutText(strings.TrimSpace(form.Submit), maxModalTitle)),
		Close:           optionalText(cutText(strings.TrimSpace(closeLabel), maxModalTitle)),
		CallbackID:      form.ID,
		PrivateMetadata: form.Meta,
	}
	for _, in := range form.Inputs {
		if len(view.Blocks.BlockSet) == maxModalBlocks {
			break
		}
		if b := inputBlock(in); b != nil {
			view.Blocks.BlockSet = append(view.Blocks.BlockSet, b)
		}
	}
	return view
}

func inputBlock(in bot.Input) *slack.InputBlock {
	if in.ID == "" || len(in.ID) > maxBlockID {
		return nil
	}
	label := cutText(strings.TrimSpace(in.Label), maxInputLabel)
	if label == "" {
		label = in.ID
	}
	el := inputElement(in, label)
	if el == nil {
		return nil
	}
	b := slack.NewInputBlock(in.ID, plainText(label), optionalText(cutText(strings.TrimSpace(in.Hint), maxInputLabel)), el)
	b.Optional = !in.Required
	return b
}

func inputElement(in bot.Input, label string) slack.BlockElement {
	placeholder := optionalText(cutText(strings.TrimSpace(in.Placeholder), maxPlaceholder))
	switch in.Kind {
	case bot.InputSelect:
		el := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, placeholder, in.ID)
		for _, o := range in.Options {
			if len(el.Options) == maxSelectOptions {
				break
			}
			if o.Value == "" || utf8.RuneCountInString(o.Value) > maxOptionValue {
				continue
			}
			opt := optionObject(o, o.Value)
			el.Options = append(el.Options, opt)
			if o.Value == in.Value {
				el.InitialOption = opt
			}
		}
		if len(el.Options) == 0 {
			return nil
		}
		return el
	case bot.InputUsers:
		return slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeUser, placeholder, in.ID)
	case bot.InputCheckbox:
		opt := slack.NewOptionBlockObject(checkboxChecked, plainText(cutText(label, maxOptionText)), nil)
		el := slack.NewCheckboxGroupsBlockElement(in.ID, opt)
		if in.Value == checkboxChecked {
			el.InitialOptions = []*slack.OptionBlockObject{opt}
		}
		return el
	}
	// InputText, InputTextarea, and any kind this adapter does not know yet:
	// free text is the one answer every kind can be typed as.
	el := slack.NewPlainTextInputBlockElement(placeholder, in.ID)
	el.Multiline = in.Kind == bot.InputTextarea
	limit := maxInputLength
	if in.MaxLength > 0 {
		limit = min(in.MaxLength, maxInputLength)
		el.MaxLength = limit
	}
	el.InitialValue = cutText(in.Value, limit)
	return el
}

// formSubmission reads a view_submission back into the neutral form: ID =
// view.CallbackID, Meta = view.PrivateMetadata, Values[inputID] = the
// value(s): plain text value, selected option value, selected users
// (several values), checkboxes → "true" when checked else absent. Inputs
// left empty are absent, so Values only holds answers.
//
// Example view, as in a view_submission payload:
//
//	{"callback_id": "declare", "private_metadata": "INC-4", "state": {"values": {
//	  "title": {"title": {"type": "plain_text_input", "value": "DB down"}},
//	  "responders": {"responders": {"type": "multi_users_select", "selected_users": ["U1", "U2"]}},
//	  "private": {"private": {"type": "checkboxes", "selected_options": [{"value": "true"}]}}}}}
func formSubmission(view slack.View) *bot.FormSubmission {
	sub := &bot.FormSubmission{ID: view.CallbackID, Meta: view.PrivateMetadata, Values: map[string][]string{}}
	if view.State == nil {
		return sub
	}
	for blockID, actions := range view.State.Values {
		for _, a := range actions {
			for _, v := range inputValues(a) {
				if v != "" {
					sub.Values[blockID] = append(sub.Values[blockID], v)
				}
			}
		}
	}
	return sub
}

// inputValues is what one input element holds in a view's state.
func inputValues(a slack.BlockAction) []string {
	switch string(a.Type) {
	case slack.OptTypeStatic, slack.OptTypeExternal, string(slack.METRadioButtons):
		return []string{a.SelectedOption.Value}
	case slack.MultiOptTypeStatic, slack.MultiOptTypeExternal, string(slack.METCheckboxGroups):
		var out []string
		for _, o := range a.SelectedOptions {
			out = append(out, o.Value)
		}
		return out
	case slack.OptTypeUser:
		return []string{a.SelectedUser}
	case slack.MultiOptTypeUser:
		return a.SelectedUsers
	}
	return []string{a.Value}
}

// fieldErrors maps per-input error messages to a view_submission response
// (response_action errors, keyed by block_id == Input.ID), which keeps the
// modal open with each message under its input. It returns nil when there
// are no errors: answering with no body closes the modal.
func fieldErrors(errs map[string]string) *slack.ViewSubmissionResponse {
	if len(errs) == 0 {
		return nil
	}
	return slack.NewErrorsViewSubmissionResponse(maps.Clone(errs))
}

// mrkdwnEscaper applies Slack's escaping rule: &, < and > are control
// characters in mrkdwn and must be sent as entities.
var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escapeMrkdwn makes text safe to show as mrkdwn: its invisible characters
// (bidi overrides, zero-width and control characters) dropped by
// bot.Visible, and &, < and > sent as entities.
func escapeMrkdwn(s string) string { return mrkdwnEscaper.Replace(bot.Visible(s)) }

// mrkdwnText makes a mrkdwn text object of already escaped text.
func mrkdwnText(escaped string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, escaped, false, false)
}

// plainText makes a plain_text object; Slack shows its text literally,
// so only its invisible characters are dropped (bot.Visible).
func plainText(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, bot.Visible(s), true, false)
}

// optionalText is plainText(s), or nil for an empty s, which Slack rejects.
func optionalText(s string) *slack.TextBlockObject {
	if s == "" {
		return nil
	}
	return plainText(s)
}

// cutText cuts s to at most limit characters, ending with … when cut, at
// a word's end when one is near.
func cutText(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return strings.TrimRight(s[:wordBoundary(s, runeOffset(s, limit-1))], " \n") + "…"
}

// cutMrkdwn is cutText for escaped mrkdwn: it never cuts an entity.
func cutMrkdwn(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return strings.TrimRight(s[:wordBoundary(s, entityBoundary(s, runeOffset(s, limit-1)))], " \n") + "…"
}

// splitMrkdwn returns the first at most limit characters of escaped text and
// the rest, breaking at the last line end, else the last space, in the
// second half of the chunk; else at the limit, outside any entity.
func splitMrkdwn(s string, limit int) (head, rest string) {
	if utf8.RuneCountInString(s) <= limit {
		return s, ""
	}
	end := runeOffset(s, limit)
	for _, sep := range []byte{'\n', ' '} {
		if i := strings.LastIndexByte(s[:end], sep); i > end/2 {
			return s[:i], s[i+1:]
		}
	}
	end = entityBoundary(s, end)
	return s[:end], s[end:]
}

// runeOffset is the byte offset just past the first n characters of s.
func runeOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// entityBoundary moves a cut at byte end back to before an entity (&amp;
// &lt; &gt;) it would split. Every & in escaped text starts one.
func entityBoundary(s string, end int) int {
	const longest = len("&amp;")
	if i := strings.LastIndexByte(s[:end], '&'); i > 0 && end-i < longest && !strings.Contains(s[i:end], ";") {
		return i
	}
	return end
}

// wordBoundary moves a cut at byte end back to the last space when that
// loses at most a dozen characters, so a cut word does not dangle.
func wordBoundary(s string, end int) int {
	const near = 12
	if i := strings.LastIndexAny(s[:end], " \n"); i > 0 && end-i <= near {
		return i
	}
	return end
}
