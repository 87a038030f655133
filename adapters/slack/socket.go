package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/slack-go/slack/socketmode"
	"go.uber.org/zap"
)

// runSocket keeps a Socket Mode connection up until ctx ends: slack-go
// reconnects when Slack asks it to, and this loop reconnects, with
// backoff, when a connection cannot be made at all.
func (a *Adapter) runSocket(ctx context.Context) {
	client := socketmode.New(a.api, socketmode.OptionLog(zap.NewStdLog(a.log.Named("socketmode"))))
	connected := make(chan struct{}, 1)
	go a.socketEvents(ctx, client, connected)
	backoff := time.Second
	for ctx.Err() == nil {
		err := client.RunContext(ctx)
		if ctx.Err() != nil {
			return
		}
		select {
		case <-connected:
			backoff = time.Second // it had worked: start over
		default:
		}
		a.log.Warn("socket mode connection lost; reconnecting", zap.Error(err), zap.Duration("backoff", backoff))
		if a.sleep(ctx, backoff) != nil {
			return
		}
		backoff = min(2*backoff, time.Minute)
	}
}

// socketEvents acknowledges each envelope and hands its payload to the
// same code the HTTP endpoints use.
func (a *Adapter) socketEvents(ctx context.Context, client *socketmode.Client, connected chan<- struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case evt, ok := <-client.Events:
			if !ok {
				return
			}
			switch evt.Type {
			case socketmode.EventTypeConnected:
				a.log.Info("socket mode connected")
				select {
				case connected <- struct{}{}:
				default:
				}
			case socketmode.EventTypeInvalidAuth:
				a.log.Error("socket mode: the app token was refused (invalid_auth)")
			case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage:
				a.log.Warn("socket mode", zap.String("event", string(evt.Type)))
			case socketmode.EventTypeEventsAPI, socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive:
				if evt.Request != nil {
					a.envelope(ctx, client, evt.Type, evt.Request)
				}
			}
		}
	}
}

// envelope handles one request. An events_api envelope the router cannot
// take now is left unacknowledged, so Slack delivers it again.
func (a *Adapter) envelope(ctx context.Context, client *socketmode.Client, typ socketmode.EventType, req *socketmode.Request) {
	var (
		ack any
		err error
	)
	switch typ {
	case socketmode.EventTypeEventsAPI:
		_, err = a.events(ctx, req.Payload)
		if err != nil && isDispatchErr(err) {
			a.log.Warn("socket mode: busy, leaving the envelope for Slack to redeliver", zap.String("envelope_id", req.EnvelopeID))
			return
		}
	case socketmode.EventTypeSlashCommand:
		var form url.Values
		if form, err = commandForm(req.Payload); err == nil {
			var m map[string]any
			m, err = a.command(ctx, form, req.EnvelopeID)
			if m != nil {
				ack = m
			}
		}
	case socketmode.EventTypeInteractive:
		ack, err = a.interaction(ctx, req.Payload, req.EnvelopeID)
	}
	if err != nil {
		a.log.Warn("socket mode request refused", zap.String("type", string(typ)), zap.String("envelope_id", req.EnvelopeID), zap.Error(err))
	}
	if ack == nil {
		err = client.AckCtx(ctx, req.EnvelopeID, nil)
	} else {
		err = client.AckCtx(ctx, req.EnvelopeID, ack)
	}
	if err != nil {
		a.log.Warn("socket mode ack", zap.String("envelope_id", req.EnvelopeID), zap.Error(err))
	}
}

// commandForm turns a Socket Mode slash command payload (the same fields
// as the HTTP form, as JSON) into form values.
func commandForm(payload json.RawMessage) (url.Values, error) {
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		return nil, fmt.Errorf("decode slash command: %w", err)
	}
	form := url.Values{}
	for k, v := range m {
		switch v := v.(type) {
		case string:
			form.Set(k, v)
		case bool, float64:
			form.Set(k, fmt.Sprint(v))
		}
	}
	return form, nil
}
