package teams

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

func TestHTMLText(t *testing.T) {
	for in, want := range map[string]string{
		"":                                 "",
		"<div><div>DB down</div></div>":    "DB down",
		"a<br>b<br/>c<br />d":              "a\nb\nc\nd",
		"<p>one</p><p>two</p>":             "one\ntwo",
		`<at id="0">Bob</at> look`:         "@Bob look",
		`<AT id="1"><b>Ann</b></AT>`:       "@Ann",
		"&amp;&lt;at&gt;&#39;&#x41;&nbsp;": "&<at>'A",
		`<img alt="a>b" src="x">after`:     "after",
		"<script>alert(1)</script>ok":      "ok",
		"<style>p{}</style><!-- c -->ok":   "ok",
		"  spaced \t out  ":                "spaced out",
		"<div>a</div><div></div><div></div><div></div><div>b</div>": "a\n\nb",
		"<b>unclosed": "unclosed",
	} {
		require.Equal(t, want, htmlText(in), "in %q", in)
	}
}

// A form's origin rides in the dialog's Action.Submit data and comes back
// with the submission.
func TestDialogCarriesTheOrigin(t *testing.T) {
	o := &bot.Origin{Channel: "19:c@thread.tacv2", Ref: "1", Author: bot.User{ID: "aad-1", Name: "Bob"}, Text: "DB down", Link: "https://teams.microsoft.com/l/message/x/1"}
	card := renderDialog(bot.Form{ID: "declare", Submit: "Declare", Origin: o,
		Inputs: []bot.Input{{ID: "title", Label: "Title", Kind: bot.InputText}}}, "d1", nil, nil)
	actions := card["actions"].([]any)
	require.Len(t, actions, 1)
	submit := actions[0].(map[string]any)
	require.Equal(t, "Action.Submit", submit["type"], "a dialog submits with Action.Submit")
	data := submit["data"].(map[string]any)
	require.Equal(t, "d1", data[keyDialog])
	data["title"] = "DB down"
	_, _, sub, ok := clickOf(data)
	require.True(t, ok)
	require.Equal(t, o, sub.Origin)
	require.Equal(t, []string{"DB down"}, sub.Values["title"])
	require.NotContains(t, sub.Values, keyOrigin)
	require.NotContains(t, sub.Values, keyDialog)

	_, _, sub, _ = clickOf(map[string]any{"wr": "1", "form": "declare", "wr_origin": "not an object"})
	require.Nil(t, sub.Origin)
}
