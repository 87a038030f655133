package postmortem

import (
	"bytes"
	"fmt"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// htmlMarkdown renders a postmortem's Markdown as the wikis it is pasted
// into do (GitHub-flavoured: tables, strikethrough, task lists), in
// goldmark's safe mode: raw HTML in the text is left out ("<!-- raw HTML
// omitted -->") and links or images to javascript:, vbscript:, file: and
// data: (other than images) URLs lose their URL, so what a person types
// in the editor never runs in another person's browser.
var htmlMarkdown = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.TaskList))

// HTML renders Markdown md as sanitised HTML (see htmlMarkdown), for the
// document page and its live preview.
func HTML(md string) (string, error) {
	var b bytes.Buffer
	b.Grow(len(md) + len(md)/4)
	if err := htmlMarkdown.Convert([]byte(md), &b); err != nil {
		return "", fmt.Errorf("render postmortem as HTML: %w", err)
	}
	return b.String(), nil
}
