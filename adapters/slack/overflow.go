package slack

import (
	"encoding/json"
	"fmt"

	"github.com/warroomhq/warroom/bot"
)

var _ bot.ReplyCodec = (*Adapter)(nil)

// EncodeReply carries an event's response URL and trigger ID through the
// router's overflow, so that a command that waited in Redis is still
// answered through its response_url (valid for 30 minutes; a trigger ID
// for only 3 seconds, so a form it opens late fails like any late one).
func (a *Adapter) EncodeReply(r any) ([]byte, error) {
	rep, ok := r.(reply)
	if !ok {
		return nil, fmt.Errorf("slack: reply of type %T", r)
	}
	return json.Marshal(rep)
}

// DecodeReply is EncodeReply's inverse.
func (a *Adapter) DecodeReply(b []byte) (any, error) {
	var rep reply
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("slack: reply: %w", err)
	}
	return rep, nil
}
