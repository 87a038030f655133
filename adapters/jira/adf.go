package jira

// ADF is a node of the Atlassian Document Format, the rich text of REST
// v3's description field. Documents are built from these values and
// encoded with encoding/json, never by putting strings together, so text
// people wrote stays the content of a text node whatever it contains.
type ADF struct {
	Type    string         `json:"type"`
	Version int            `json:"version,omitempty"`
	Text    string         `json:"text,omitempty"`
	Marks   []Mark         `json:"marks,omitempty"`
	Content []ADF          `json:"content,omitempty"`
	Attrs   map[string]any `json:"attrs,omitempty"`
}

// Mark is a text node's mark (here only "link", with its href).
type Mark struct {
	Type  string         `json:"type"`
	Attrs map[string]any `json:"attrs,omitempty"`
}

// Doc is a document of paragraphs, one per string (empty ones skipped),
// then, when link is set, a paragraph holding it as a link.
func Doc(paragraphs []string, link string) ADF {
	doc := ADF{Type: "doc", Version: 1, Content: []ADF{}}
	for _, p := range paragraphs {
		if p == "" {
			continue
		}
		doc.Content = append(doc.Content, ADF{Type: "paragraph", Content: []ADF{{Type: "text", Text: p}}})
	}
	if link != "" {
		doc.Content = append(doc.Content, ADF{Type: "paragraph", Content: []ADF{{Type: "text", Text: link,
			Marks: []Mark{{Type: "link", Attrs: map[string]any{"href": link}}}}}})
	}
	return doc
}

// Texts are the texts of doc's text nodes, in order (for tests and fakes).
func Texts(doc ADF) []string {
	var out []string
	var walk func(n ADF)
	walk = func(n ADF) {
		if n.Type == "text" {
			out = append(out, n.Text)
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(doc)
	return out
}
