package teams

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReplySurvivesTheOverflow: a queued event's reply (its conversation,
// the activity it answers, whether the chat is personal) comes back from
// the router's overflow as it went in; a reply that captures a
// synchronous answer never goes.
func TestReplySurvivesTheOverflow(t *testing.T) {
	a := &Adapter{}
	in := reply{conversation: "19:abc@thread.tacv2", activityID: "1712345", personal: true}
	b, err := a.EncodeReply(in)
	require.NoError(t, err)
	out, err := a.DecodeReply(b)
	require.NoError(t, err)
	require.Equal(t, in, out)

	_, err = a.EncodeReply(reply{conversation: "c", capture: &capture{}})
	require.Error(t, err, "a synchronous answer stays in its process")
	_, err = a.EncodeReply("not a reply")
	require.Error(t, err)
}
