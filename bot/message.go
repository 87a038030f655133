package bot

// Message is a platform-neutral message: each chat adapter renders it once,
// in one place (Block Kit on Slack, an Adaptive Card on Teams, plain text in
// the console).
type Message struct {
	// Title is an optional heading.
	Title string
	// Text is the body. It may use *bold*, _italic_ and `code` and is also
	// the plain-text fallback for notifications.
	Text string
	// Fields are label/value pairs shown as a compact grid.
	Fields []Field
	// Buttons are actions; each runs a command when clicked.
	Buttons []Button
	// Context is small print under the message (IDs, times).
	Context string
	// NoUnfurl asks the platform not to preview the links in it (a
	// sign-in link is for the person, not for a preview bot).
	NoUnfurl bool
	// Secret marks a reply that only its person may ever see (a sign-in
	// link): a platform that cannot hide a reply from the others in a
	// shared conversation sends it in a personal chat instead.
	Secret bool
}

// Field is one label/value pair of a Message.
type Field struct {
	Label string
	Value string
}

// ButtonStyle hints how prominent a button is.
type ButtonStyle string

// Button styles.
const (
	StyleDefault ButtonStyle = ""
	StylePrimary ButtonStyle = "primary"
	StyleDanger  ButtonStyle = "danger"
)

// Button is a command behind a click. A click runs exactly what typing
// "Command Args" would run, so buttons and typed commands share one path.
// A button with Options is a select: the chosen option's Value is appended
// to Args.
type Button struct {
	Label   string
	Command string
	Args    string
	Style   ButtonStyle
	Options []Option
	// URL makes a link button: it opens URL and runs no command.
	URL string
}

// CommandLine is the text a click on b with the chosen option runs.
func (b Button) CommandLine(option string) string {
	line := b.Command
	if b.Args != "" {
		line += " " + b.Args
	}
	if option != "" {
		line += " " + option
	}
	return line
}

// Option is one choice of a select button or form input.
type Option struct {
	Label string
	Value string
	// Hint explains the choice, such as a priority's criteria.
	Hint string
}

// InputKind says what a form input collects.
type InputKind string

// Form input kinds.
const (
	InputText     InputKind = "text"
	InputTextarea InputKind = "textarea"
	InputSelect   InputKind = "select"
	InputUsers    InputKind = "users"
	InputCheckbox InputKind = "checkbox"
)

// Form asks a person for several values at once: a Slack modal, a Teams
// card form, or a field-by-field prompt in the console. Its submission
// arrives as an Event of kind EventForm with the same ID.
type Form struct {
	ID     string
	Title  string
	Submit string
	Inputs []Input
	// Meta is carried back unchanged with the submission (e.g. "INC-42").
	Meta string
	// Origin, when set, is carried back with the submission too (as
	// FormSubmission.Origin). A platform with little room for it (Slack's
	// private_metadata) may shorten its Text, ending it with "…".
	Origin *Origin
}

// Input is one field of a Form.
type Input struct {
	ID          string
	Label       string
	Kind        InputKind
	Required    bool
	Placeholder string
	Hint        string
	Value       string
	Options     []Option
	// MaxLength bounds text inputs; 0 means the platform's default.
	MaxLength int
}
