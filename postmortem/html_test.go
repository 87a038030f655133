package postmortem_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/postmortem"
)

// What a person types in the editor shows as the document, never runs.
func TestHTMLIsSafe(t *testing.T) {
	for _, tc := range []struct{ name, md, want, never string }{
		{"heading", "# 原因\n\n本文", "<h1>原因</h1>", ""},
		{"table", "| a | b |\n|---|---|\n| 1 | 2 |", "<table>", ""},
		{"raw script", "<script>alert(1)</script>", "raw HTML omitted", "<script"},
		{"inline handler", `<img src=x onerror="alert(1)">`, "raw HTML omitted", "onerror"},
		{"javascript link", "[x](javascript:alert(1))", `<a href="">x</a>`, "javascript:"},
		{"data link", "[x](data:text/html;base64,PHNjcmlwdD4=)", `<a href="">x</a>`, "data:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := postmortem.HTML(tc.md)
			require.NoError(t, err)
			require.Contains(t, got, tc.want)
			if tc.never != "" {
				require.NotContains(t, got, tc.never)
			}
		})
	}
}
