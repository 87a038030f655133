package faketeams

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// walkActions calls fn for every action of an Adaptive Card a user can see:
// card actions, ActionSets in the body (inside containers and columns too)
// and the actions of Action.ShowCard cards; fn returns true to stop.
func walkActions(card map[string]any, fn func(map[string]any) bool) bool {
	if card == nil {
		return false
	}
	for _, a := range asSlice(card["actions"]) {
		if walkAction(a, fn) {
			return true
		}
	}
	return walkElements(asSlice(card["body"]), fn)
}

func walkAction(v any, fn func(map[string]any) bool) bool {
	a, _ := v.(map[string]any)
	if a == nil {
		return false
	}
	if fn(a) {
		return true
	}
	if a["type"] == "Action.ShowCard" {
		sub, _ := a["card"].(map[string]any)
		return walkActions(sub, fn)
	}
	return false
}

func walkElements(elems []any, fn func(map[string]any) bool) bool {
	for _, e := range elems {
		el, _ := e.(map[string]any)
		if el == nil {
			continue
		}
		if el["type"] == "ActionSet" {
			for _, a := range asSlice(el["actions"]) {
				if walkAction(a, fn) {
					return true
				}
			}
		}
		if walkElements(asSlice(el["items"]), fn) {
			return true
		}
		for _, c := range asSlice(el["columns"]) {
			if walkElements(asSlice(dig(c, "items")), fn) {
				return true
			}
		}
	}
	return false
}

// inputsFor returns the Input.* elements, by id, that Teams gathers for a
// click on action: those of the card holding it and of the cards around
// that one (a ShowCard's card sits inside its parent), not those of other
// ShowCards. found is false when action is not on card.
func inputsFor(card, action map[string]any, outer map[string]map[string]any) (map[string]map[string]any, bool) {
	if card == nil {
		return nil, false
	}
	in := maps.Clone(outer)
	if in == nil {
		in = map[string]map[string]any{}
	}
	collectInputs(asSlice(card["body"]), in)
	own := actionsOn(card)
	var sub []map[string]any
	for _, a := range own {
		if a["type"] == "Action.ShowCard" {
			sub = append(sub, a)
		}
	}
	for _, a := range own {
		if sameAction(a, action) {
			return in, true
		}
	}
	for _, a := range sub {
		c, _ := a["card"].(map[string]any)
		if got, ok := inputsFor(c, action, in); ok {
			return got, true
		}
	}
	return nil, false
}

// actionsOn returns the actions that sit on card itself: its actions and
// those of ActionSets in its body, not those inside ShowCards.
func actionsOn(card map[string]any) []map[string]any {
	var out []map[string]any
	add := func(list []any) {
		for _, a := range list {
			if m, ok := a.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	add(asSlice(card["actions"]))
	var visit func(elems []any)
	visit = func(elems []any) {
		for _, e := range elems {
			if dig(e, "type") == "ActionSet" {
				add(asSlice(dig(e, "actions")))
			}
			visit(asSlice(dig(e, "items")))
			for _, c := range asSlice(dig(e, "columns")) {
				visit(asSlice(dig(c, "items")))
			}
		}
	}
	visit(asSlice(card["body"]))
	return out
}

func sameAction(a, b map[string]any) bool {
	return len(a) == len(b) && fmtKey(a) == fmtKey(b)
}

func fmtKey(m map[string]any) string { b, _ := json.Marshal(m); return string(b) }

func collectInputs(elems []any, out map[string]map[string]any) {
	for _, e := range elems {
		el, _ := e.(map[string]any)
		if el == nil {
			continue
		}
		if t, _ := el["type"].(string); strings.HasPrefix(t, "Input.") {
			if id, _ := el["id"].(string); id != "" {
				out[id] = el
			}
		}
		collectInputs(asSlice(el["items"]), out)
		for _, c := range asSlice(el["columns"]) {
			collectInputs(asSlice(dig(c, "items")), out)
		}
	}
}

// Click is a user clicking the button titled title on the bot's card in
// message activityID, with inputs typed into the card's Input.* fields (by
// id), as a current Teams client sends it:
//
//   - Action.Execute (card version 1.4 or later): an adaptiveCard/action
//     invoke whose value.action carries the button's id, verb and data merged
//     with the card's input values;
//   - Action.Submit: a message whose value is the button's data merged with
//     the input values.
//
// It fails the test when the card has no such button, an input does not
// exist, a required input is empty, or the card's version is too old for
// Action.Execute.
func (s *Server) Click(activityID, fromID, fromName, title string, inputs map[string]any) []byte {
	s.t.Helper()
	return s.click(activityID, fromID, fromName, title, inputs, false)
}

// ClickLegacy is Click from a client without Universal Actions: an
// Action.Execute button is replaced by its fallback, which must be an
// Action.Submit (else the old client shows no button and the test fails).
func (s *Server) ClickLegacy(activityID, fromID, fromName, title string, inputs map[string]any) []byte {
	s.t.Helper()
	return s.click(activityID, fromID, fromName, title, inputs, true)
}

func (s *Server) click(activityID, fromID, fromName, title string, inputs map[string]any, legacy bool) []byte {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[activityID]
	if !ok || !m.byBot || m.deleted {
		s.t.Fatalf("faketeams: the bot has no message %q to click on", activityID)
	}
	card := m.activity().Card()
	if card == nil {
		s.t.Fatalf("faketeams: message %q has no Adaptive Card", activityID)
	}
	var action map[string]any
	walkActions(card, func(a map[string]any) bool {
		if a["title"] == title {
			action = a
			return true
		}
		return false
	})
	if action == nil {
		s.t.Fatalf("faketeams: the card of message %q has no button %q; it has %q", activityID, title, m.activity().ActionTitles())
	}
	fields, _ := inputsFor(card, action, nil)
	typ, _ := action["type"].(string)
	if typ == "Action.Execute" && legacy {
		fb, _ := action["fallback"].(map[string]any)
		if fb["type"] != "Action.Submit" {
			s.t.Fatalf("faketeams: button %q is Action.Execute without an Action.Submit fallback; old clients do not show it", title)
		}
		action, typ = fb, "Action.Submit"
	}
	if typ == "Action.Execute" {
		if v, _ := strconv.ParseFloat(strings.TrimSpace(asString(card["version"])), 64); v < 1.4 {
			s.t.Fatalf("faketeams: Action.Execute needs card version 1.4 or later, the card says %q", asString(card["version"]))
		}
	}
	data := s.mergeInputsLocked(fields, action, inputs, title)

	place := m.convID
	if m.channelID != "" {
		place = m.channelID
	}
	switch typ {
	case "Action.Execute":
		act := map[string]any{"type": "Action.Execute", "verb": action["verb"], "data": data}
		if id, _ := action["id"].(string); id != "" {
			act["id"] = id
		}
		return s.invokeLocked(place, activityID, fromID, fromName, act)
	case "Action.Submit":
		return s.submitLocked(place, activityID, fromID, fromName, data)
	}
	s.t.Fatalf("faketeams: button %q is %s, which sends the bot nothing", title, typ)
	return nil
}

// mergeInputsLocked is the data Teams sends for a click: the action's data
// object with the card's input values (defaults overridden by inputs).
func (s *Server) mergeInputsLocked(fields map[string]map[string]any, action, inputs map[string]any, title string) map[string]any {
	s.t.Helper()
	data := map[string]any{}
	if d, ok := action["data"].(map[string]any); ok {
		data = maps.Clone(d)
	} else if action["data"] != nil {
		s.t.Fatalf("faketeams: button %q has non-object data %v; Teams can only merge inputs into an object", title, action["data"])
	}
	if action["associatedInputs"] == "none" {
		return data
	}
	for id := range inputs {
		if fields[id] == nil {
			s.t.Fatalf("faketeams: the card has no input %q", id)
		}
	}
	for id, el := range fields {
		v, given := inputs[id]
		if !given {
			v = el["value"]
		}
		if v == nil || v == "" {
			if el["isRequired"] == true {
				s.t.Fatalf("faketeams: input %q is required; Teams would not send the click", id)
			}
			continue
		}
		data[id] = v
	}
	return data
}

func asString(v any) string { s, _ := v.(string); return s }

// Delivery is the bot's answer to an activity Deliver posted.
type Delivery struct {
	// Status is the HTTP status.
	Status int
	// Header is the response header.
	Header http.Header
	// Body is the response body.
	Body []byte
	// InvokeResponse is the decoded body of the answer to an invoke, nil
	// otherwise or when it is not JSON.
	InvokeResponse map[string]any
	// CardReplaced reports whether Teams replaced the clicked card with the
	// card in an adaptiveCard/action answer: HTTP 200 with
	// {"statusCode":200,"type":"application/vnd.microsoft.card.adaptive","value":{card}}.
	CardReplaced bool
}

// Deliver posts an activity to the bot's messaging endpoint as the Bot
// Connector does: "Authorization: Bearer "+Token(opts...), JSON body, and the
// x-ms-conversation-id and x-ms-tenant-id headers. When the activity is an
// adaptiveCard/action invoke and the bot answers with a card, the card
// replaces the one in the clicked message, as the Teams client shows it
// (Activity.Updates counts it). It fails the test if the request cannot be
// made or takes more than 15 seconds.
func (s *Server) Deliver(endpoint string, activity []byte, opts ...TokenOption) Delivery {
	s.t.Helper()
	var act struct {
		Type         string `json:"type"`
		Name         string `json:"name"`
		ReplyToID    string `json:"replyToId"`
		Conversation struct {
			ID string `json:"id"`
		} `json:"conversation"`
	}
	if err := json.Unmarshal(activity, &act); err != nil {
		s.t.Fatalf("faketeams: Deliver: activity is not JSON: %v", err)
	}
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(activity))
	if err != nil {
		s.t.Fatalf("faketeams: Deliver: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+s.Token(opts...))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("x-ms-conversation-id", act.Conversation.ID)
	req.Header.Set("x-ms-tenant-id", TenantID)
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		s.t.Fatalf("faketeams: Deliver %s to %s: %v", act.Type, endpoint, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	d := Delivery{Status: resp.StatusCode, Header: resp.Header, Body: body}
	if act.Type != "invoke" {
		return d
	}
	_ = json.Unmarshal(body, &d.InvokeResponse)
	if act.Name != "adaptiveCard/action" || resp.StatusCode != http.StatusOK {
		return d
	}
	card, _ := d.InvokeResponse["value"].(map[string]any)
	if code, _ := d.InvokeResponse["statusCode"].(float64); code != 200 || d.InvokeResponse["type"] != adaptiveCardType || card == nil {
		return d
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.messages[act.ReplyToID]; ok && m.byBot && !m.deleted {
		content, _ := json.Marshal(card)
		m.attach = []Attachment{{ContentType: adaptiveCardType, Content: content}}
		m.updates++
		s.changes.NotifyLocked()
		d.CardReplaced = true
	}
	return d
}
