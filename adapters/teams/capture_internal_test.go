package teams

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

// TestCaptureAnswersOnce: a click's answer is its first reply; a second
// is not taken (Reply then sends it the usual way), and a reply beside a
// refreshed card is handed back to be sent, never dropped.
func TestCaptureAnswersOnce(t *testing.T) {
	c := &capture{}
	require.Nil(t, c.unanswered())
	require.True(t, c.setMessage(bot.Message{Text: "first"}))
	require.False(t, c.setMessage(bot.Message{Text: "second"}), "an invoke answers once")
	require.Equal(t, "first", c.answer().Value)
	require.Nil(t, c.unanswered(), "the reply is the answer")

	c.setCard(map[string]any{"type": "AdaptiveCard"})
	require.Equal(t, typeCard, c.answer().Type, "a refreshed card is the answer")
	m := c.unanswered()
	require.NotNil(t, m, "the reply beside it is left to send")
	require.Equal(t, "first", m.Text)
}
