package teams

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/warroomhq/warroom/bot"
)

var _ bot.ReplyCodec = (*Adapter)(nil)

// wireReply is a reply as it waits in the router's overflow.
type wireReply struct {
	Conversation string `json:"conversation"`
	ActivityID   string `json:"activity_id,omitempty"`
	Personal     bool   `json:"personal,omitempty"`
}

// EncodeReply carries an event's conversation through the router's
// overflow. A reply that captures a synchronous answer (an invoke, which
// is handled with Serve, never queued) stays in the process.
func (a *Adapter) EncodeReply(r any) ([]byte, error) {
	rep, ok := r.(reply)
	if !ok {
		return nil, fmt.Errorf("teams: reply of type %T", r)
	}
	if rep.capture != nil {
		return nil, errors.New("teams: a synchronous reply cannot wait")
	}
	return json.Marshal(wireReply{Conversation: rep.conversation, ActivityID: rep.activityID, Personal: rep.personal})
}

// DecodeReply is EncodeReply's inverse.
func (a *Adapter) DecodeReply(b []byte) (any, error) {
	var w wireReply
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("teams: reply: %w", err)
	}
	return reply{conversation: w.Conversation, activityID: w.ActivityID, personal: w.Personal}, nil
}
