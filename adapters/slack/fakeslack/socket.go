package fakeslack

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Envelope types Slack sends over Socket Mode.
const (
	EnvelopeEventsAPI     = "events_api"
	EnvelopeSlashCommands = "slash_commands"
	EnvelopeInteractive   = "interactive"
)

// socketConn is one Socket Mode client connection. gorilla/websocket allows
// one concurrent writer of data frames, so they go through wmu; control
// frames (ping, close) may be written concurrently.
type socketConn struct {
	ws        *websocket.Conn
	wmu       sync.Mutex
	done      chan struct{}
	closeOnce sync.Once
}

func (c *socketConn) writeJSON(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	return c.ws.WriteJSON(v)
}

func (c *socketConn) close() {
	c.closeOnce.Do(func() {
		close(c.done)
		_ = c.ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		_ = c.ws.Close()
	})
}

// ack is what a client answered to an envelope.
type ack struct {
	payload json.RawMessage
}

var upgrader = websocket.Upgrader{
	// slack-go dials with "Origin: https://api.slack.com".
	CheckOrigin: func(*http.Request) bool { return true },
}

// serveSocket accepts a Socket Mode connection for a ticket issued by
// apps.connections.open; each ticket is good for one connection.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	valid := s.tickets[ticket]
	delete(s.tickets, ticket)
	s.mu.Unlock()
	if !valid {
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered the client
	}
	c := &socketConn{ws: ws, done: make(chan struct{})}
	defer s.dropConn(c)

	s.mu.Lock()
	s.seq.conn++
	s.conns = append(s.conns, c)
	n := len(s.conns)
	s.changes.NotifyLocked()
	s.mu.Unlock()

	hello := map[string]any{
		"type":            "hello",
		"num_connections": n,
		"debug_info": map[string]any{
			"host":                        "applink-fakeslack",
			"build_number":                1,
			"approximate_connection_time": 18060,
		},
		"connection_info": map[string]any{"app_id": AppID},
	}
	if err := c.writeJSON(hello); err != nil {
		return
	}
	go s.ping(c)
	s.readAcks(c)
}

// ping pings the client the way Slack does; slack-go's client treats a
// silent server as a dead connection.
func (s *Server) ping(c *socketConn) {
	t := time.NewTicker(s.cfg.pingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			if err := c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second)); err != nil {
				return
			}
		}
	}
}

// readAcks records the acks {"envelope_id":...,"payload":...} the client
// sends until the connection ends. Client pings get pongs from gorilla's
// default ping handler while reading.
func (s *Server) readAcks(c *socketConn) {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var resp struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(data, &resp) != nil || resp.EnvelopeID == "" {
			s.t.Logf("fakeslack: ignoring Socket Mode message that is not an ack: %s", data)
			continue
		}
		s.mu.Lock()
		if _, dup := s.acks[resp.EnvelopeID]; !dup {
			s.acks[resp.EnvelopeID] = ack{payload: resp.Payload}
		}
		s.changes.NotifyLocked()
		s.mu.Unlock()
	}
}

func (s *Server) dropConn(c *socketConn) {
	c.close()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns = slices.DeleteFunc(s.conns, func(x *socketConn) bool { return x == c })
	s.changes.NotifyLocked()
}

// SocketConnected waits until a Socket Mode client is connected and reports
// whether one is.
func (s *Server) SocketConnected(timeout time.Duration) bool {
	return s.changes.WaitFor(timeout, func() bool { return len(s.conns) > 0 })
}

// SocketConnects returns how many Socket Mode connections were accepted so
// far; it grows by one on every reconnect.
func (s *Server) SocketConnects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seq.conn
}

// EnvelopeOption changes an envelope sent by SendEnvelope.
type EnvelopeOption func(*envelope)

type envelope struct {
	EnvelopeID             string          `json:"envelope_id"`
	Payload                json.RawMessage `json:"payload"`
	Type                   string          `json:"type"`
	AcceptsResponsePayload bool            `json:"accepts_response_payload"`
	RetryAttempt           *int            `json:"retry_attempt,omitempty"`
	RetryReason            *string         `json:"retry_reason,omitempty"`
}

// WithEnvelopeID sends the envelope with the given ID instead of a fresh
// one, e.g. to re-deliver an envelope together with WithRetry.
func WithEnvelopeID(id string) EnvelopeOption {
	return func(e *envelope) { e.EnvelopeID = id }
}

// WithRetry marks an events_api envelope as Slack's attempt-th re-delivery
// (1, 2, 3), for the given reason (e.g. "timeout").
func WithRetry(attempt int, reason string) EnvelopeOption {
	return func(e *envelope) { e.RetryAttempt, e.RetryReason = &attempt, &reason }
}

// WithAcceptsResponsePayload overrides accepts_response_payload.
func WithAcceptsResponsePayload(accepts bool) EnvelopeOption {
	return func(e *envelope) { e.AcceptsResponsePayload = accepts }
}

// SendEnvelope sends payload to the connected Socket Mode client in an
// envelope of type typ (EnvelopeEventsAPI, EnvelopeSlashCommands or
// EnvelopeInteractive) and returns the envelope ID. payload may be raw JSON
// ([]byte, json.RawMessage) or a value to marshal.
//
// As Slack does, accepts_response_payload is true for slash commands and for
// interactions other than block_actions, and events_api envelopes carry
// retry_attempt 0 and retry_reason "". It waits up to 5s for a client to be
// connected and fails the test if none is or the write fails.
func (s *Server) SendEnvelope(typ string, payload any, opts ...EnvelopeOption) (envelopeID string) {
	s.t.Helper()
	raw, err := rawJSON(payload)
	if err != nil {
		s.t.Fatalf("fakeslack: SendEnvelope: payload: %v", err)
	}
	e := &envelope{Payload: raw, Type: typ}
	switch typ {
	case EnvelopeEventsAPI:
		zero, empty := 0, ""
		e.RetryAttempt, e.RetryReason = &zero, &empty
	case EnvelopeSlashCommands:
		e.AcceptsResponsePayload = true
	case EnvelopeInteractive:
		var p struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(raw, &p)
		e.AcceptsResponsePayload = p.Type != "block_actions"
	}
	for _, o := range opts {
		o(e)
	}
	if e.EnvelopeID == "" {
		s.mu.Lock()
		s.seq.envelope++
		e.EnvelopeID = fmt.Sprintf("%08x-0000-4000-8000-%012x", s.seq.envelope, s.seq.envelope)
		s.mu.Unlock()
	}

	var c *socketConn
	if !s.changes.WaitFor(s.cfg.connectWaitLimit, func() bool {
		if len(s.conns) > 0 {
			c = s.conns[len(s.conns)-1]
		}
		return c != nil
	}) {
		s.t.Fatalf("fakeslack: SendEnvelope: no Socket Mode client connected within %s", s.cfg.connectWaitLimit)
	}
	if err := c.writeJSON(e); err != nil {
		s.t.Fatalf("fakeslack: SendEnvelope: write: %v", err)
	}
	return e.EnvelopeID
}

// WaitAck waits up to timeout for the client's ack of envelopeID and returns
// the ack's payload (nil when the ack had none). ok is false when no ack came.
func (s *Server) WaitAck(envelopeID string, timeout time.Duration) (payload json.RawMessage, ok bool) {
	var a ack
	got := s.changes.WaitFor(timeout, func() bool {
		var found bool
		a, found = s.acks[envelopeID]
		return found
	})
	return a.payload, got
}

// Disconnect sends {"type":"disconnect","reason":reason} to every connected
// client and closes the connections, as Slack does before it rotates them
// (reasons: "warning", "refresh_requested", "link_disabled"). slack-go's
// client then calls apps.connections.open and connects again.
func (s *Server) Disconnect(reason string) {
	s.mu.Lock()
	conns := slices.Clone(s.conns)
	s.conns = nil
	s.changes.NotifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.writeJSON(map[string]any{
			"type":       "disconnect",
			"reason":     reason,
			"debug_info": map[string]any{"host": "applink-fakeslack"},
		})
		c.close()
	}
}

func rawJSON(v any) (json.RawMessage, error) {
	switch p := v.(type) {
	case json.RawMessage:
		if !json.Valid(p) {
			return nil, fmt.Errorf("not valid JSON: %s", p)
		}
		return p, nil
	case []byte:
		return rawJSON(json.RawMessage(p))
	default:
		return json.Marshal(v)
	}
}
