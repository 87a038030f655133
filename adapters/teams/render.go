package teams

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/warroomhq/warroom/bot"
)

// Adaptive Card basics. Teams renders schema 1.5, which Universal Actions
// (Action.Execute) need; older clients fall back to each action's
// Action.Submit.
const (
	cardSchema      = "http://adaptivecards.io/schemas/adaptive-card.json"
	cardVersion     = "1.5"
	cardContentType = "application/vnd.microsoft.card.adaptive"
)

// Limits of our own. Teams rejects a message over about 28 KB, so the one
// part of a message that can be long, the body text, is cut to fit with
// room to spare; everything else in a card is short by construction.
const (
	maxCardText      = 8000 // characters of Message.Text
	maxCardLines     = 60   // TextBlocks the body text becomes
	maxChoiceTitle   = 100  // a choice's "Label — Hint"; a longer hint is cut
	minChoiceHint    = 20   // shorter room than this leaves the hint out
	maxActionsPerSet = 6    // actions Teams shows in one row; more go to new rows
)

// Click encoding. Every action this package renders carries a data object
// that Teams hands back on a click, merged with the card's input values:
// for Action.Execute as the invoke's value.action.data, for the
// Action.Submit fallback as the message activity's value. So the data
// holds everything needed to rebuild the command line:
//
//	button: {"wr": "1", "command": "<command>", "args": "<args>"}
//	select: {"wr": "1", "command": "<command>", "args": "<args>", "option_input": "wr_option_<i>"}
//	        plus, from the merge, "wr_option_<i>": "<chosen option value>"
//	form:   {"wr": "1", "form": "<form ID>", "meta": "<form Meta>", "wr_users": "<users input IDs>"}
//	        plus, from the merge, "<input ID>": "<value>" for each input,
//	        and for a form with an Origin "wr_origin": {"channel", "ref",
//	        "author_id", "author", "text", "link"}
//
// where i is the button's index in bot.Message.Buttons, which keeps input
// IDs unique within a card. Action.Execute's verb is the command ("form"
// for a form) for logs and tools; clickOf reads only the data. The "wr"
// key tells our data from any other card's.
const (
	keyMarker      = "wr"
	markerVersion  = "1"
	keyCommand     = "command"
	keyArgs        = "args"
	keyOptionInput = "option_input"
	keyForm        = "form"
	keyMeta        = "meta"
	keyVerb        = "verb"
	keyUsers       = "wr_users"
	keyOrigin      = "wr_origin"
	reservedPrefix = "wr_"
	optionInputID  = reservedPrefix + "option_"
	formVerb       = "form"
)

// isReservedKey reports whether a data key is ours rather than an input's.
// A form input with such an ID is not rendered, since its value could not
// be told from ours.
func isReservedKey(k string) bool {
	switch k {
	case keyMarker, keyCommand, keyArgs, keyOptionInput, keyForm, keyMeta, keyVerb:
		return true
	}
	return strings.HasPrefix(k, reservedPrefix)
}

// renderCard renders a neutral message as an Adaptive Card 1.5, top to
// bottom:
//
//	Title    TextBlock, large and bold
//	Text     one TextBlock per line (Teams joins the lines of one block),
//	         cut to 8000 characters and 60 lines with …
//	Fields   a FactSet of Label/Value ("—" for an empty value)
//	selects  for each button with Options, an Input.ChoiceSet
//	         "wr_option_<i>" (compact, required, placeholder = Label)
//	Buttons  ActionSets of at most six, in message order: Action.Execute
//	         for commands (each with an Action.Submit fallback carrying the
//	         same data), Action.OpenUrl for links
//	Context  TextBlock, small and subtle
//
// A select's button carries option_input naming its ChoiceSet, and only it
// gathers inputs: the other buttons say associatedInputs "none", so a
// select left empty blocks nothing but its own button. Styles: primary →
// "positive", danger → "destructive".
//
// Text is markdown as Teams reads it: the core's *bold* becomes **bold**,
// _italic_ stays, nothing else is escaped. Teams has no mention syntax
// other than <at>…</at> with a matching entity, and this package never adds
// entities to a card; still, every <at> and </at> in the message is
// defused, so no text that came from people can ever become a mention.
// Every shown text also loses its invisible characters (bot.Visible), so
// no bidi override reorders it.
// Empty parts are left out, and a button that could not run what it
// says (no command, a link that is not http(s)) is left out.
func renderCard(msg bot.Message) map[string]any {
	body := titleBlock(msg.Title)
	body = append(body, textBlocks(msg.Text)...)
	if facts := factSet(msg.Fields); facts != nil {
		body = append(body, facts)
	}
	body = append(body, buttonElements(msg.Buttons)...)
	if c := strings.TrimSpace(msg.Context); c != "" {
		body = append(body, map[string]any{
			"type": "TextBlock", "text": teamsMarkdown(c),
			"size": "Small", "isSubtle": true, "wrap": true,
		})
	}
	return newCard(body)
}

// titleBlock starts a card's or a form's body with its title, large and
// bold; a blank title starts an empty body.
func titleBlock(title string) []any {
	if title = strings.TrimSpace(title); title == "" {
		return nil
	}
	return []any{map[string]any{
		"type": "TextBlock", "text": defuseMentions(title),
		"size": "Large", "weight": "Bolder", "wrap": true,
	}}
}

func newCard(body []any) map[string]any {
	if body == nil {
		body = []any{} // Teams rejects a card without a body array
	}
	return map[string]any{
		"type":    "AdaptiveCard",
		"$schema": cardSchema,
		"version": cardVersion,
		"body":    body,
		// Full width: a card of facts and buttons is cramped at Teams'
		// default bubble width.
		"msteams": map[string]any{"width": "Full"},
	}
}

// attachment wraps a card as a Bot Framework attachment.
func attachment(card map[string]any) map[string]any {
	return map[string]any{"contentType": cardContentType, "content": card}
}

// textBlocks renders the body text one line to a TextBlock: Teams' markdown
// joins the lines of one block into a paragraph. Lines after a blank line
// keep the default spacing, the others sit tight, so paragraphs still
// show. Past 60 lines, the last one kept ends with …
func textBlocks(text string) []any {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if text == "" {
		return nil
	}
	var out []any
	gap := false
	for _, line := range strings.Split(bot.Truncate(text, maxCardText), "\n") {
		line = strings.TrimRight(line, " \t\r")
		if strings.TrimSpace(line) == "" {
			gap = true
			continue
		}
		if len(out) == maxCardLines {
			last := out[len(out)-1].(map[string]any)
			last["text"] = strings.TrimSuffix(last["text"].(string), "…") + " …"
			break
		}
		tb := map[string]any{"type": "TextBlock", "text": teamsMarkdown(line), "wrap": true}
		if len(out) > 0 && !gap {
			tb["spacing"] = "None"
		}
		out = append(out, tb)
		gap = false
	}
	return out
}

// factSet renders fields as facts; nil when none has a label or a value.
func factSet(fields []bot.Field) map[string]any {
	var facts []any
	for _, f := range fields {
		label, value := strings.TrimSpace(f.Label), strings.TrimSpace(f.Value)
		if label == "" && value == "" {
			continue
		}
		if value == "" {
			value = "—"
		}
		facts = append(facts, map[string]any{"title": teamsMarkdown(label), "value": teamsMarkdown(value)})
	}
	if facts == nil {
		return nil
	}
	return map[string]any{"type": "FactSet", "facts": facts}
}

// buttonElements renders the buttons: a ChoiceSet for each select, then the
// actions in rows.
func buttonElements(buttons []bot.Button) []any {
	var inputs, actions []any
	for i, b := range buttons {
		switch {
		case b.URL != "":
			if a := openURLAction(b); a != nil {
				actions = append(actions, a)
			}
		case b.Command == "":
		case len(b.Options) > 0:
			id := optionInputID + strconv.Itoa(i)
			choices := choiceList(b.Options)
			if len(choices) == 0 {
				continue
			}
			inputs = append(inputs, map[string]any{
				"type": "Input.ChoiceSet", "id": id, "style": "compact", "isRequired": true,
				"placeholder": defuseMentions(buttonLabel(b)), "choices": choices,
			})
			data := commandData(b)
			data[keyOptionInput] = id
			actions = append(actions, executeAction(buttonLabel(b), b.Command, b.Style, data, true))
		default:
			actions = append(actions, executeAction(buttonLabel(b), b.Command, b.Style, commandData(b), false))
		}
	}
	out := inputs
	for len(actions) > 0 {
		n := min(len(actions), maxActionsPerSet)
		out = append(out, map[string]any{"type": "ActionSet", "actions": actions[:n]})
		actions = actions[n:]
	}
	return out
}

func buttonLabel(b bot.Button) string {
	if l := strings.TrimSpace(b.Label); l != "" {
		return l
	}
	return b.Command
}

func commandData(b bot.Button) map[string]any {
	return map[string]any{keyMarker: markerVersion, keyCommand: b.Command, keyArgs: b.Args}
}

// executeAction is an Action.Execute with an Action.Submit fallback that
// carries the same data, so clients without Universal Actions still send
// the click (as a message activity instead of an invoke). gather says
// whether the click sends the card's inputs.
func executeAction(title, verb string, style bot.ButtonStyle, data map[string]any, gather bool) map[string]any {
	submit := map[string]any{"type": "Action.Submit", "title": defuseMentions(title), "data": maps.Clone(data)}
	execute := map[string]any{"type": "Action.Execute", "title": defuseMentions(title), "verb": verb, "data": data, "fallback": submit}
	if s := actionStyle(style); s != "" {
		submit["style"], execute["style"] = s, s
	}
	if !gather {
		submit["associatedInputs"], execute["associatedInputs"] = "none", "none"
	}
	return execute
}

func actionStyle(s bot.ButtonStyle) string {
	switch s {
	case bot.StylePrimary:
		return "positive"
	case bot.StyleDanger:
		return "destructive"
	}
	return ""
}

// openURLAction renders a link button; nil for a URL that is not http(s),
// which Teams would refuse or, worse, open as something else.
func openURLAction(b bot.Button) map[string]any {
	if !strings.HasPrefix(b.URL, "https://") && !strings.HasPrefix(b.URL, "http://") {
		return nil
	}
	label := strings.TrimSpace(b.Label)
	if label == "" {
		label = b.URL
	}
	return map[string]any{"type": "Action.OpenUrl", "title": defuseMentions(label), "url": b.URL}
}

// choiceList renders options as choices: title "Label — Hint" (the hint
// cut to keep the title within 100 characters, left out when too little
// room is left), value = Value. Options without a value are left out.
func choiceList(opts []bot.Option) []any {
	var out []any
	for _, o := range opts {
		if o.Value == "" {
			continue
		}
		title := strings.TrimSpace(o.Label)
		if title == "" {
			title = o.Value
		}
		const sep = " — "
		room := maxChoiceTitle - utf8.RuneCountInString(title) - utf8.RuneCountInString(sep)
		if hint := strings.TrimSpace(o.Hint); hint != "" && room >= minChoiceHint {
			title += sep + bot.Truncate(hint, room)
		}
		out = append(out, map[string]any{"title": defuseMentions(title), "value": o.Value})
	}
	return out
}

// renderForm renders a form as a card of inputs and one submit action:
//
//	text     Input.Text (maxLength when set)
//	textarea Input.Text isMultiline
//	select   Input.ChoiceSet, compact, choices as on a card's select
//	users    Input.Text; the person types @mentions or email addresses,
//	         several separated by commas or spaces. Bots have no reliable
//	         people picker in Teams cards (Input.ChoiceSet's
//	         "Data.Query" people search works only in some clients), so
//	         the placeholder, unless the form has one, is an example
//	         rather than words.
//	checkbox Input.Toggle, valueOn "true", valueOff "false", titled Label
//
// Each input has id = Input.ID, label = Label, isRequired, and its
// placeholder; a Hint shows as small subtle text under it. values, by
// input ID, pre-fill the inputs over Input.Value (used when re-sending a
// form). errs, by input ID, show as red text under their inputs and as the
// input's errorMessage. The submit is an Action.Execute, verb "form", with
// an Action.Submit fallback; see the click encoding above. Inputs without
// an ID, with one of our reserved data keys as ID, or selects without
// options are left out.
func renderForm(form bot.Form, values map[string]string, errs map[string]string) map[string]any {
	body := titleBlock(form.Title)
	var users []string
	for _, in := range form.Inputs {
		if in.ID == "" || isReservedKey(in.ID) {
			continue
		}
		value := in.Value
		if v, ok := values[in.ID]; ok {
			value = v
		}
		el := inputElement(in, value)
		if el == nil {
			continue
		}
		if msg := strings.TrimSpace(errs[in.ID]); msg != "" {
			el["errorMessage"] = defuseMentions(msg)
		}
		body = append(body, el)
		if hint := strings.TrimSpace(in.Hint); hint != "" {
			body = append(body, map[string]any{
				"type": "TextBlock", "text": teamsMarkdown(hint),
				"size": "Small", "isSubtle": true, "wrap": true, "spacing": "Small",
			})
		}
		if msg := strings.TrimSpace(errs[in.ID]); msg != "" {
			body = append(body, map[string]any{
				"type": "TextBlock", "text": defuseMentions(msg),
				"color": "Attention", "size": "Small", "wrap": true, "spacing": "Small",
			})
		}
		if in.Kind == bot.InputUsers {
			users = append(users, in.ID)
		}
	}
	data := map[string]any{keyMarker: markerVersion, keyForm: form.ID, keyMeta: form.Meta}
	if len(users) > 0 {
		data[keyUsers] = strings.Join(users, " ")
	}
	if o := form.Origin; o != nil {
		data[keyOrigin] = map[string]any{"channel": o.Channel, "ref": o.Ref, "author_id": o.Author.ID,
			"author": o.Author.Name, "text": o.Text, "link": o.Link}
	}
	submit := strings.TrimSpace(form.Submit)
	if submit == "" {
		submit = "✓"
	}
	card := newCard(body)
	card["actions"] = []any{executeAction(submit, formVerb, bot.StylePrimary, data, true)}
	return card
}

// renderDialog is renderForm for a dialog (a message extension's task
// module): there the submit is a plain Action.Submit, which Teams sends as
// composeExtension/submitAction with the data (and dialogID) in
// value.data.
func renderDialog(form bot.Form, dialogID string, values, errs map[string]string) map[string]any {
	card := renderForm(form, values, errs)
	for i, act := range card["actions"].([]any) {
		execute := act.(map[string]any)
		submit := execute["fallback"].(map[string]any)
		if dialogID != "" {
			submit["data"].(map[string]any)[keyDialog] = dialogID
		}
		card["actions"].([]any)[i] = submit
	}
	return card
}

// usersPlaceholder shows what a users input takes, in no language.
const usersPlaceholder = "@alice, bob@example.com"

// inputElement renders one input pre-filled with value; nil for a select
// without options.
func inputElement(in bot.Input, value string) map[string]any {
	label := strings.TrimSpace(in.Label)
	if label == "" {
		label = in.ID
	}
	el := map[string]any{"id": in.ID, "label": defuseMentions(label)}
	if in.Required {
		el["isRequired"] = true
	}
	placeholder := strings.TrimSpace(in.Placeholder)
	switch in.Kind {
	case bot.InputSelect:
		choices := choiceList(in.Options)
		if len(choices) == 0 {
			return nil
		}
		el["type"], el["style"], el["choices"] = "Input.ChoiceSet", "compact", choices
		for _, o := range in.Options {
			if o.Value != "" && o.Value == value {
				el["value"] = value
			}
		}
	case bot.InputCheckbox:
		// A toggle shows its title beside the switch; a label above it too
		// would say the same thing twice.
		delete(el, "label")
		el["type"], el["title"] = "Input.Toggle", defuseMentions(label)
		el["valueOn"], el["valueOff"] = "true", "false"
		el["value"] = strconv.FormatBool(value == "true")
	default:
		// InputText, InputTextarea, InputUsers, and any kind this adapter
		// does not know yet: free text is the one answer every kind can be
		// typed as.
		el["type"] = "Input.Text"
		if in.Kind == bot.InputTextarea {
			el["isMultiline"] = true
		}
		if in.Kind == bot.InputUsers && placeholder == "" {
			placeholder = usersPlaceholder
		}
		if in.MaxLength > 0 {
			el["maxLength"] = in.MaxLength
			value = bot.Truncate(value, in.MaxLength)
		}
		if value != "" {
			el["value"] = value
		}
	}
	if placeholder != "" {
		el["placeholder"] = defuseMentions(placeholder)
	}
	return el
}

// clickOf reads a click back into the neutral click. data is what Teams
// sends: the clicked action's data merged with the card's input values,
// from an Action.Execute invoke (value.action.data) or an Action.Submit
// message (value). Example, a priority chosen on the incident card:
//
//	{"wr": "1", "command": "priority", "args": "INC-4",
//	 "option_input": "wr_option_1", "wr_option_1": "P1"}
//
// A button click returns command and value such that the click runs
// bot.Button{Command: command, Args: value}.CommandLine(""): value is the
// args, and for a select the args and the chosen option (just the args
// when none was chosen, so the command answers with its usage). A form
// submission returns form: ID, Meta, and Values by input ID, only the
// inputs with an answer; a users input's answer is split at commas and
// spaces into one value per person. ok is false for data that is not ours
// (no "wr": "1") or is malformed.
func clickOf(data map[string]any) (command, value string, form *bot.FormSubmission, ok bool) {
	if marker, _ := data[keyMarker].(string); marker != markerVersion {
		return "", "", nil, false
	}
	if id, isForm := data[keyForm].(string); isForm {
		if id == "" {
			return "", "", nil, false
		}
		meta, _ := data[keyMeta].(string)
		return "", "", formOf(id, meta, data), true
	}
	command, _ = data[keyCommand].(string)
	args, argsOK := data[keyArgs].(string)
	if command == "" || (!argsOK && data[keyArgs] != nil) {
		return "", "", nil, false
	}
	value = args
	if input, _ := data[keyOptionInput].(string); input != "" {
		if opt := strings.TrimSpace(inputValue(data[input])); opt != "" && args != "" {
			value = args + " " + opt
		} else if opt != "" {
			value = opt
		}
	}
	return command, value, nil, true
}

func formOf(id, meta string, data map[string]any) *bot.FormSubmission {
	sub := &bot.FormSubmission{ID: id, Meta: meta, Values: map[string][]string{}, Origin: originOf(data[keyOrigin])}
	users := map[string]bool{}
	if u, _ := data[keyUsers].(string); u != "" {
		for _, id := range strings.Fields(u) {
			users[id] = true
		}
	}
	for k, v := range data {
		if isReservedKey(k) {
			continue
		}
		s := inputValue(v)
		if strings.TrimSpace(s) == "" {
			continue
		}
		if users[k] {
			sub.Values[k] = splitUsers(s)
			continue
		}
		sub.Values[k] = []string{s}
	}
	return sub
}

// originOf reads a form's origin back from its data; nil when there is
// none or it is not an object.
func originOf(v any) *bot.Origin {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	str := func(k string) string { s, _ := m[k].(string); return s }
	return &bot.Origin{Channel: str("channel"), Ref: str("ref"), Author: bot.User{ID: str("author_id"), Name: str("author")},
		Text: str("text"), Link: str("link")}
}

// splitUsers splits a users input into people: at commas, semicolons and
// line ends, and a piece at spaces too when each of its words is an
// @mention or an address ("@alice @bob"), but not a display name typed
// after an @ ("@Alice Smith").
func splitUsers(s string) []string {
	var out []string
	for _, piece := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		words := strings.Fields(piece)
		if len(words) == 0 {
			continue
		}
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(w, "@") }) {
			out = append(out, words...)
			continue
		}
		out = append(out, strings.Join(words, " "))
	}
	return out
}

// inputValue is an input's value as sent: inputs send strings, but the
// data object is the client's to merge, so other JSON scalars are read too.
func inputValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64, bool:
		return fmt.Sprint(v)
	}
	return ""
}

// mentionTag matches the start of an <at> or </at> tag in any case and
// spacing Teams might still read as one.
var mentionTag = regexp.MustCompile(`(?i)<(\s*/?\s*at\b)`)

// defuseMentions makes text safe to show on a card: its invisible
// characters (bidi overrides, zero-width and control characters) are
// dropped (bot.Visible), then a word joiner (U+2060, invisible) goes after
// the < of every <at> and </at>, so the text reads the same but is no tag.
// Every text a card shows passes here.
func defuseMentions(s string) string {
	return mentionTag.ReplaceAllString(bot.Visible(s), "<\u2060$1")
}

// teamsMarkdown converts the core's markdown to Teams': *bold* becomes
// **bold**; _italic_ is the same in both; mentions are defused.
func teamsMarkdown(s string) string {
	return boldToTeams(defuseMentions(s))
}

// boldToTeams doubles the asterisks of each *bold* span: an opening * not
// after a word character or another * and not before a space, closed on
// the same line by a * not after a space and not before a word character
// or another *. Anything else, such as "2 * 3" or "**x**", is left alone.
func boldToTeams(s string) string {
	if !strings.Contains(s, "*") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '*' || !opensBold(s, i) {
			b.WriteByte(s[i])
			i++
			continue
		}
		end := closingBold(s, i+1)
		if end < 0 {
			b.WriteByte(s[i])
			i++
			continue
		}
		b.WriteString("**" + s[i+1:end] + "**")
		i = end + 1
	}
	return b.String()
}

func opensBold(s string, i int) bool {
	if i > 0 {
		prev, _ := utf8.DecodeLastRuneInString(s[:i])
		if prev == '*' || isWordRune(prev) {
			return false
		}
	}
	if i+1 == len(s) {
		return false
	}
	next, _ := utf8.DecodeRuneInString(s[i+1:])
	return next != '*' && !unicode.IsSpace(next)
}

// closingBold is the index of the * closing a bold span whose text starts
// at from, or -1.
func closingBold(s string, from int) int {
	for j := from; j < len(s); j++ {
		switch s[j] {
		case '\n':
			return -1
		case '*':
			prev, _ := utf8.DecodeLastRuneInString(s[:j])
			next, _ := utf8.DecodeRuneInString(s[j+1:])
			if j > from && !unicode.IsSpace(prev) && (j+1 == len(s) || (next != '*' && !isWordRune(next))) {
				return j
			}
		}
	}
	return -1
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
