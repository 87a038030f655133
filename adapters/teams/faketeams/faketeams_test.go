package faketeams_test

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/infracloudio/msbotbuilder-go/schema"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/teams/faketeams"
)

// fetchToken gets an access token for scope with the app's credentials.
func fetchToken(t *testing.T, s *faketeams.Server, scope string) string {
	t.Helper()
	status, _, body := postForm(t, s.TokenURL(), url.Values{
		"grant_type": {"client_credentials"}, "client_id": {faketeams.AppID},
		"client_secret": {faketeams.AppPassword}, "scope": {scope},
	})
	require.Equal(t, 200, status, body)
	return body["access_token"].(string)
}

func postForm(t *testing.T, u string, form url.Values) (int, http.Header, map[string]any) {
	t.Helper()
	resp, err := http.Post(u, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	return readResp(t, resp)
}

// call makes a JSON request with an optional bearer token.
func call(t *testing.T, method, u, token string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	return readResp(t, resp)
}

func readResp(t *testing.T, resp *http.Response) (int, http.Header, map[string]any) {
	t.Helper()
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var m map[string]any
	if len(bytes.TrimSpace(raw)) > 0 {
		require.NoError(t, json.Unmarshal(raw, &m), "body %q", raw)
	}
	return resp.StatusCode, resp.Header, m
}

// errCode is error.code of a Bot Connector or Graph error body.
func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func conversationsURL(s *faketeams.Server) string { return s.ServiceURL() + "v3/conversations" }

func activitiesURL(s *faketeams.Server, conv string) string {
	return s.ServiceURL() + "v3/conversations/" + url.PathEscape(conv) + "/activities"
}

func card(text string, actions ...map[string]any) map[string]any {
	return map[string]any{
		"type": "AdaptiveCard", "version": "1.5",
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"body":    []any{map[string]any{"type": "TextBlock", "text": text, "wrap": true}},
		"actions": actions,
	}
}

func cardActivity(c map[string]any) map[string]any {
	return map[string]any{"type": "message", "attachments": []any{
		map[string]any{"contentType": "application/vnd.microsoft.card.adaptive", "content": c},
	}}
}

// newThread starts a thread in channel with a card and returns the thread's
// conversation id and the card's activity id.
func newThread(t *testing.T, s *faketeams.Server, token, channel string, c map[string]any) (string, string) {
	t.Helper()
	status, _, body := call(t, "POST", conversationsURL(s), token, map[string]any{
		"isGroup":     true,
		"channelData": map[string]any{"channel": map[string]any{"id": channel}, "tenant": map[string]any{"id": faketeams.TenantID}},
		"activity":    cardActivity(c),
	})
	require.Equal(t, 201, status, body)
	return body["id"].(string), body["activityId"].(string)
}

func TestTokenEndpoint(t *testing.T) {
	s := faketeams.New(t)

	connTok := fetchToken(t, s, faketeams.ConnectorScope)
	graphTok := fetchToken(t, s, faketeams.GraphScope)
	require.NotEqual(t, connTok, graphTok)
	require.Equal(t, 1, s.IssuedTokens("connector"))
	require.Equal(t, 1, s.IssuedTokens("graph"))

	status, _, body := postForm(t, s.TokenURL(), url.Values{"grant_type": {"client_credentials"}, "client_id": {faketeams.AppID},
		"client_secret": {faketeams.AppPassword}, "scope": {faketeams.GraphScope}})
	require.Equal(t, 200, status)
	require.Equal(t, "Bearer", body["token_type"])
	require.EqualValues(t, 3599, body["expires_in"])

	good := func(mod func(url.Values)) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}, "client_id": {faketeams.AppID},
			"client_secret": {faketeams.AppPassword}, "scope": {faketeams.ConnectorScope}}
		mod(v)
		return v
	}
	tests := []struct {
		name     string
		tenant   string
		form     url.Values
		status   int
		code     string
		aadsts   string
		withBody bool
	}{
		{"wrong secret", faketeams.TenantID, good(func(v url.Values) { v.Set("client_secret", "nope") }), 401, "invalid_client", "AADSTS7000215", true},
		{"no secret", faketeams.TenantID, good(func(v url.Values) { v.Del("client_secret") }), 401, "invalid_client", "AADSTS7000218", true},
		{"wrong tenant", "11111111-2222-3333-4444-555555555555", good(func(url.Values) {}), 400, "invalid_request", "AADSTS90002", true},
		{"multi-tenant URL of msbotbuilder-go", "botframework.com", good(func(url.Values) {}), 400, "unauthorized_client", "AADSTS700016", true},
		{"unknown client", faketeams.TenantID, good(func(v url.Values) { v.Set("client_id", "someone-else") }), 400, "unauthorized_client", "AADSTS700016", true},
		{"no scope", faketeams.TenantID, good(func(v url.Values) { v.Del("scope") }), 400, "invalid_request", "AADSTS900144", true},
		{"scope without .default", faketeams.TenantID, good(func(v url.Values) { v.Set("scope", "https://graph.microsoft.com/Channel.Create") }), 400, "invalid_scope", "AADSTS1002012", true},
		{"unknown resource", faketeams.TenantID, good(func(v url.Values) { v.Set("scope", "https://example.com/.default") }), 400, "invalid_resource", "AADSTS500011", true},
		{"wrong grant", faketeams.TenantID, good(func(v url.Values) { v.Set("grant_type", "password") }), 400, "unsupported_grant_type", "AADSTS70003", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := postForm(t, s.LoginURL()+"/"+tt.tenant+"/oauth2/v2.0/token", tt.form)
			require.Equal(t, tt.status, status)
			require.Equal(t, tt.code, body["error"])
			require.Contains(t, body["error_description"], tt.aadsts)
			require.NotContains(t, body, "access_token")
		})
	}

	t.Run("client_secret_basic", func(t *testing.T) {
		req, _ := http.NewRequest("POST", s.TokenURL(), strings.NewReader(url.Values{"grant_type": {"client_credentials"}, "scope": {faketeams.GraphScope}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(faketeams.AppID, faketeams.AppPassword)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		status, _, body := readResp(t, resp)
		require.Equal(t, 200, status, body)
	})

	calls := s.Calls("login")
	require.NotEmpty(t, calls)
	require.Equal(t, faketeams.ConnectorScope, calls[0].Body["scope"])
	require.Equal(t, "invalid_client", calls[3].Error)
}

func TestTokenScopesAreNotInterchangeable(t *testing.T) {
	s := faketeams.New(t)
	ch := s.Channel("incidents")
	connTok := fetchToken(t, s, faketeams.ConnectorScope)
	graphTok := fetchToken(t, s, faketeams.GraphScope)
	send := func(tok string) (int, map[string]any) {
		status, _, body := call(t, "POST", activitiesURL(s, ch), tok, map[string]any{"type": "message", "text": "hi"})
		return status, body
	}
	channels := func(tok string) (int, map[string]any) {
		status, _, body := call(t, "POST", s.GraphURL()+"/v1.0/teams/"+faketeams.TeamID+"/channels", tok,
			map[string]any{"displayName": "INC-1 x", "membershipType": "standard"})
		return status, body
	}

	status, body := send("")
	require.Equal(t, 401, status)
	require.Equal(t, "Unauthorized", errCode(body))
	status, body = send("made-up")
	require.Equal(t, 401, status)
	require.Equal(t, "Unauthorized", errCode(body))
	status, body = send(graphTok)
	require.Equal(t, 401, status, "a Graph token on the connector")
	require.Equal(t, "Unauthorized", errCode(body))

	status, body = channels("")
	require.Equal(t, 401, status)
	require.Equal(t, "InvalidAuthenticationToken", errCode(body))
	status, body = channels(connTok)
	require.Equal(t, 401, status, "a connector token on Graph")
	require.Contains(t, body["error"].(map[string]any)["message"], "Invalid audience")

	require.Empty(t, s.Activities(ch), "refused calls change nothing")
	require.Len(t, s.Channels(), 2)

	status, _ = send(connTok)
	require.Equal(t, 201, status)
	c := s.Calls("connector")
	require.Equal(t, "graph", c[2].Resource)
	require.Equal(t, "connector", c[3].Resource)

	s.ExpireTokens()
	status, _ = send(connTok)
	require.Equal(t, 401, status, "expired")
	status, body = channels(graphTok)
	require.Equal(t, 401, status)
	require.Contains(t, body["error"].(map[string]any)["message"], "expired")
	status, _ = send(fetchToken(t, s, faketeams.ConnectorScope))
	require.Equal(t, 201, status, "a fresh token works")
}

func TestConversationLifecycle(t *testing.T) {
	s := faketeams.New(t)
	tok := fetchToken(t, s, faketeams.ConnectorScope)
	ch := s.Channel("incidents")

	// createConversation: a new thread in the channel.
	thread, root := newThread(t, s, tok, ch, card("INC-1 Payments failing"))
	require.Equal(t, ch+";messageid="+root, thread)
	create := s.Calls("connector.createConversation")
	require.Len(t, create, 1)
	require.Equal(t, 201, create[0].Status)
	require.Equal(t, ch, create[0].Body["channelData"].(map[string]any)["channel"].(map[string]any)["id"])

	// Send into the thread, path-escaped and raw.
	status, _, body := call(t, "POST", activitiesURL(s, thread), tok, map[string]any{"type": "message", "text": "escaped"})
	require.Equal(t, 201, status, body)
	reply1 := body["id"].(string)
	status, _, body = call(t, "POST", s.ServiceURL()+"v3/conversations/"+thread+"/activities", tok, map[string]any{"type": "message", "text": "raw"})
	require.Equal(t, 201, status, body)
	// A client joining "…/connector/" with "/v3/…" sends "//v3"; that works too.
	status, _, _ = call(t, "POST", s.ServiceURL()+"/v3/conversations/"+url.PathEscape(thread)+"/activities", tok, map[string]any{"type": "message", "text": "double slash"})
	require.Equal(t, 201, status)

	acts := s.Activities(thread)
	require.Len(t, acts, 4)
	require.Equal(t, root, acts[0].ID)
	require.Equal(t, "INC-1 Payments failing", acts[0].Card()["body"].([]any)[0].(map[string]any)["text"])
	require.Equal(t, []string{"escaped", "raw", "double slash"}, []string{acts[1].Text, acts[2].Text, acts[3].Text})
	require.Equal(t, thread, acts[1].ConversationID)
	require.Equal(t, acts, s.Activities(ch), "a bare channel id lists every thread")

	// Update the card in place.
	u := activitiesURL(s, thread) + "/" + root
	status, _, body = call(t, "PUT", u, tok, cardActivity(card("INC-1 Payments failing — acknowledged")))
	require.Equal(t, 200, status, body)
	require.Equal(t, root, body["id"])
	a, ok := s.Activity(root)
	require.True(t, ok)
	require.Equal(t, 1, a.Updates)
	require.Contains(t, string(a.Attachments[0].Content), "acknowledged")

	// Delete a reply.
	status, _, _ = call(t, "DELETE", activitiesURL(s, thread)+"/"+reply1, tok, nil)
	require.Equal(t, 200, status)
	a, _ = s.Activity(reply1)
	require.True(t, a.Deleted)
	status, _, body = call(t, "PUT", activitiesURL(s, thread)+"/"+reply1, tok, map[string]any{"type": "message", "text": "x"})
	require.Equal(t, 404, status)
	require.Equal(t, "ActivityNotFoundInConversation", errCode(body))

	// Unknown things.
	status, _, body = call(t, "PUT", activitiesURL(s, thread)+"/123", tok, map[string]any{"type": "message", "text": "x"})
	require.Equal(t, 404, status)
	require.Equal(t, "ActivityNotFoundInConversation", errCode(body))
	status, _, body = call(t, "POST", activitiesURL(s, "19:nope@thread.tacv2"), tok, map[string]any{"type": "message", "text": "x"})
	require.Equal(t, 404, status)
	require.Equal(t, "ConversationNotFound", errCode(body))
	status, _, body = call(t, "POST", activitiesURL(s, ch+";messageid=42"), tok, map[string]any{"type": "message", "text": "x"})
	require.Equal(t, 404, status)
	require.Equal(t, "ConversationNotFound", errCode(body))
	status, _, body = call(t, "POST", conversationsURL(s), tok, map[string]any{"isGroup": true,
		"channelData": map[string]any{"channel": map[string]any{"id": "19:nope@thread.tacv2"}}, "activity": map[string]any{"type": "message", "text": "x"}})
	require.Equal(t, 404, status)
	require.Equal(t, "ConversationNotFound", errCode(body))

	// Bad activities.
	for name, act := range map[string]map[string]any{
		"no type":      {"text": "x"},
		"unknown type": {"type": "note", "text": "x"},
		"empty":        {"type": "message"},
		"bad card":     {"type": "message", "attachments": []any{map[string]any{"contentType": "application/vnd.microsoft.card.adaptive", "content": "not a card"}}},
	} {
		status, _, body = call(t, "POST", activitiesURL(s, thread), tok, act)
		require.Equal(t, 400, status, name)
		require.Equal(t, "BadArgument", errCode(body), name)
	}

	// A post to the bare channel starts a new thread.
	status, _, body = call(t, "POST", activitiesURL(s, ch), tok, map[string]any{"type": "message", "text": "new thread"})
	require.Equal(t, 201, status)
	st, _ := s.ChannelByName("incidents")
	require.Equal(t, []string{root, body["id"].(string)}, st.Threads)
	require.Equal(t, ch+";messageid="+body["id"].(string), s.Activities(ch)[4].ConversationID)

	// Reply to an activity named in the path, against the bare channel.
	status, _, body = call(t, "POST", activitiesURL(s, ch)+"/"+root, tok, map[string]any{"type": "message", "text": "reply"})
	require.Equal(t, 201, status, body)
	a, _ = s.Activity(body["id"].(string))
	require.Equal(t, thread, a.ConversationID)
	require.Equal(t, root, a.ReplyToID)
}

func TestTextAndAttachmentAreSplit(t *testing.T) {
	s := faketeams.New(t)
	tok := fetchToken(t, s, faketeams.ConnectorScope)
	ch := s.Channel("incidents")
	thread, _ := newThread(t, s, tok, ch, card("root"))
	act := cardActivity(card("card"))
	act["text"] = "and text"
	status, _, body := call(t, "POST", activitiesURL(s, thread), tok, act)
	require.Equal(t, 201, status)
	require.NotContains(t, body, "id", "Teams gives no id for a split message")
	acts := s.Activities(thread)
	require.Len(t, acts, 3)
	require.Equal(t, "and text", acts[1].Text)
	require.Empty(t, acts[1].Attachments)
	require.Empty(t, acts[2].Text)
	require.Len(t, acts[2].Attachments, 1)
}

func TestMentionsInBotMessages(t *testing.T) {
	s := faketeams.New(t)
	tok := fetchToken(t, s, faketeams.ConnectorScope)
	ch := s.Channel("incidents")
	alice, bob := faketeams.UserID("Alice"), faketeams.UserID("Bob")
	thread, _ := newThread(t, s, tok, ch, card("root"))
	status, _, _ := call(t, "POST", activitiesURL(s, thread), tok, map[string]any{
		"type": "message", "text": "Commander: <at>Alice</at>",
		"entities": []any{
			map[string]any{"type": "mention", "text": "<at>Alice</at>", "mentioned": map[string]any{"id": alice, "name": "Alice"}},
			map[string]any{"type": "mention", "text": "<at>Bob</at>", "mentioned": map[string]any{"id": bob, "name": "Bob"}},
		},
	})
	require.Equal(t, 201, status)
	c := card("Responders: <at>Bob</at>")
	c["msteams"] = map[string]any{"entities": []any{
		map[string]any{"type": "mention", "text": "<at>Bob</at>", "mentioned": map[string]any{"id": bob, "name": "Bob"}},
	}}
	status, _, _ = call(t, "POST", activitiesURL(s, thread), tok, cardActivity(c))
	require.Equal(t, 201, status)

	acts := s.Activities(thread)
	require.Equal(t, []faketeams.Mention{{ID: alice, Name: "Alice"}}, acts[1].Mentions, "Bob's entity has no text in the message")
	require.Equal(t, []faketeams.Mention{{ID: bob, Name: "Bob"}}, acts[2].Mentions)
}

func TestPrivateChannelAndPersonalChat(t *testing.T) {
	s := faketeams.New(t)
	tok := fetchToken(t, s, faketeams.ConnectorScope)
	priv := s.PrivateChannel("secret")
	status, _, body := call(t, "POST", conversationsURL(s), tok, map[string]any{"isGroup": true,
		"channelData": map[string]any{"channel": map[string]any{"id": priv}}, "activity": map[string]any{"type": "message", "text": "x"}})
	require.Equal(t, 403, status)
	require.Equal(t, "BotNotInConversationRoster", errCode(body))
	status, _, body = call(t, "POST", activitiesURL(s, priv), tok, map[string]any{"type": "message", "text": "x"})
	require.Equal(t, 403, status)
	require.Equal(t, "BotNotInConversationRoster", errCode(body))

	alice := faketeams.UserID("Alice")
	status, _, body = call(t, "POST", conversationsURL(s), tok, map[string]any{
		"isGroup": false, "tenantId": faketeams.TenantID,
		"members":  []any{map[string]any{"id": alice}},
		"activity": map[string]any{"type": "message", "text": "You are commander of INC-1"},
	})
	require.Equal(t, 201, status, body)
	require.Equal(t, faketeams.PersonalConversationID(alice), body["id"])
	require.NotEmpty(t, body["activityId"])
	require.Len(t, s.Activities(faketeams.PersonalConversationID(alice)), 1)

	status, _, body = call(t, "POST", conversationsURL(s), tok, map[string]any{"isGroup": true,
		"channelData": map[string]any{"channel": map[string]any{"id": faketeams.TeamThreadID}, "tenant": map[string]any{"id": "other-tenant"}},
		"activity":    map[string]any{"type": "message", "text": "x"}})
	require.Equal(t, 400, status)
	require.Equal(t, "BadArgument", errCode(body))
}

func TestFaults(t *testing.T) {
	s := faketeams.New(t)
	tok := fetchToken(t, s, faketeams.ConnectorScope)
	ch := s.Channel("incidents")
	thread, root := newThread(t, s, tok, ch, card("root"))

	s.FailNext("connector.send", 429, 1, faketeams.RetryAfter(1500*time.Millisecond))
	status, h, body := call(t, "POST", activitiesURL(s, thread), tok, map[string]any{"type": "message", "text": "x"})
	require.Equal(t, 429, status)
	require.Equal(t, "2", h.Get("Retry-After"), "rounded up to whole seconds")
	require.Equal(t, "Throttled", errCode(body))
	require.Len(t, s.Activities(thread), 1, "a faulted call changes nothing")

	status, _, _ = call(t, "POST", activitiesURL(s, thread), tok, map[string]any{"type": "message", "text": "x"})
	require.Equal(t, 201, status, "the fault is used up")

	for _, tt := range []struct {
		status int
		code   string
	}{{412, "PreconditionFailed"}, {502, "ServiceError"}, {504, ""}, {503, ""}} {
		s.FailNext("connector", tt.status, 1)
		status, h, body := call(t, "PUT", activitiesURL(s, thread)+"/"+root, tok, cardActivity(card("v2")))
		require.Equal(t, tt.status, status)
		require.Equal(t, tt.code, errCode(body))
		require.Empty(t, h.Get("Retry-After"))
	}
	a, _ := s.Activity(root)
	require.Zero(t, a.Updates)

	s.FailNext("login", 503, 2)
	status, _, _ = postForm(t, s.TokenURL(), url.Values{"grant_type": {"client_credentials"}, "client_id": {faketeams.AppID},
		"client_secret": {faketeams.AppPassword}, "scope": {faketeams.GraphScope}})
	require.Equal(t, 503, status)

	calls := s.Calls("connector.update")
	require.Len(t, calls, 4)
	require.Equal(t, 412, calls[0].Status)
	require.Equal(t, "PreconditionFailed", calls[0].Error)
}

func TestPerThreadRateLimit(t *testing.T) {
	s := faketeams.New(t)
	tok := fetchToken(t, s, faketeams.ConnectorScope)
	ch := s.Channel("incidents")
	thread, _ := newThread(t, s, tok, ch, card("root"))
	other, _ := newThread(t, s, tok, ch, card("root 2"))

	var statuses []int
	var retry string
	for range 8 {
		status, h, _ := call(t, "POST", activitiesURL(s, thread), tok, map[string]any{"type": "message", "text": "x"})
		statuses = append(statuses, status)
		retry = h.Get("Retry-After")
	}
	require.Equal(t, []int{201, 201, 201, 201, 201, 201, 201, 429}, statuses, "7 per second per thread")
	require.NotEmpty(t, retry)
	status, _, _ := call(t, "POST", activitiesURL(s, other), tok, map[string]any{"type": "message", "text": "x"})
	require.Equal(t, 201, status, "limits are per thread")

	s2 := faketeams.New(t, faketeams.WithoutRateLimits())
	tok2 := fetchToken(t, s2, faketeams.ConnectorScope)
	ch2 := s2.Channel("incidents")
	thread2, _ := newThread(t, s2, tok2, ch2, card("root"))
	for range 20 {
		status, _, _ := call(t, "POST", activitiesURL(s2, thread2), tok2, map[string]any{"type": "message", "text": "x"})
		require.Equal(t, 201, status)
	}
}

func TestMessageSizeLimit(t *testing.T) {
	s := faketeams.New(t)
	tok := fetchToken(t, s, faketeams.ConnectorScope)
	ch := s.Channel("incidents")
	status, _, body := call(t, "POST", activitiesURL(s, ch), tok, map[string]any{"type": "message", "text": strings.Repeat("x", 51*1024)})
	require.Equal(t, 413, status)
	require.Equal(t, "MessageSizeTooBig", errCode(body))
}

func TestTeamDetailsAndChannels(t *testing.T) {
	s := faketeams.New(t)
	tok := fetchToken(t, s, faketeams.ConnectorScope)
	ch := s.Channel("incidents")
	s.PrivateChannel("hidden")
	status, _, body := call(t, "GET", s.ServiceURL()+"v3/teams/"+url.PathEscape(faketeams.TeamThreadID), tok, nil)
	require.Equal(t, 200, status)
	require.Equal(t, faketeams.TeamID, body["aadGroupId"])
	status, _, body = call(t, "GET", s.ServiceURL()+"v3/teams/"+url.PathEscape(faketeams.TeamThreadID)+"/conversations", tok, nil)
	require.Equal(t, 200, status)
	convs := body["conversations"].([]any)
	require.Len(t, convs, 2)
	require.Equal(t, faketeams.TeamThreadID, convs[0].(map[string]any)["id"])
	require.Equal(t, map[string]any{"id": ch, "name": "incidents"}, convs[1])
}

func TestGraphCreateChannel(t *testing.T) {
	s := faketeams.New(t)
	tok := fetchToken(t, s, faketeams.GraphScope)
	u := s.GraphURL() + "/v1.0/teams/" + faketeams.TeamID + "/channels"
	create := func(name string) (int, http.Header, map[string]any) {
		return call(t, "POST", u, tok, map[string]any{"displayName": name, "description": "Incident channel", "membershipType": "standard"})
	}

	status, _, body := create("INC-1 Payments failing")
	require.Equal(t, 201, status, body)
	id := body["id"].(string)
	require.Regexp(t, `^19:[0-9a-f]{32}@thread\.tacv2$`, id)
	require.Equal(t, "INC-1 Payments failing", body["displayName"])
	require.Equal(t, "Incident channel", body["description"])
	require.Equal(t, "standard", body["membershipType"])
	require.Contains(t, body["webUrl"], "https://teams.microsoft.com/l/channel/")
	require.Contains(t, body["webUrl"], "groupId="+faketeams.TeamID)
	st, ok := s.ChannelByName("INC-1 Payments failing")
	require.True(t, ok)
	require.True(t, st.ViaGraph)
	require.Equal(t, id, st.ID)

	// The bot can start a thread in it at once.
	ctok := fetchToken(t, s, faketeams.ConnectorScope)
	newThread(t, s, ctok, id, card("INC-1"))

	tests := []struct {
		name, displayName, code string
	}{
		{"51 characters", strings.Repeat("a", 51), "BadRequest"},
		{"duplicate", "INC-1 Payments failing", "NameAlreadyExists"},
		{"duplicate, other case", "inc-1 payments FAILING", "NameAlreadyExists"},
		{"General exists", "General", "NameAlreadyExists"},
		{"forbidden character", "INC-2 api/gateway", "BadRequest"},
		{"leading underscore", "_INC-2", "BadRequest"},
		{"reserved", "CON", "BadRequest"},
		{"empty", "", "BadRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := create(tt.displayName)
			require.Equal(t, 400, status, body)
			require.Equal(t, tt.code, errCode(body))
			require.NotEmpty(t, body["error"].(map[string]any)["message"])
		})
	}
	status, _, _ = create(strings.Repeat("b", 50))
	require.Equal(t, 201, status, "50 characters is fine")

	status, _, body = call(t, "POST", s.GraphURL()+"/v1.0/teams/00000000-0000-0000-0000-000000000000/channels", tok, map[string]any{"displayName": "x"})
	require.Equal(t, 404, status)
	require.Equal(t, "NotFound", errCode(body))

	s.FailNext("graph.channels", 429, 1, faketeams.RetryAfter(3*time.Second))
	status, h, body := create("INC-3")
	require.Equal(t, 429, status)
	require.Equal(t, "3", h.Get("Retry-After"))
	require.Equal(t, "TooManyRequests", errCode(body))
	_, found := s.ChannelByName("INC-3")
	require.False(t, found)

	status, _, body = call(t, "GET", u, tok, nil)
	require.Equal(t, 200, status)
	require.Len(t, body["value"], 3)

	s.DenyGraph()
	status, _, body = create("INC-4")
	require.Equal(t, 403, status)
	require.Equal(t, "Forbidden", errCode(body))
	require.Contains(t, body["error"].(map[string]any)["message"], "Missing role permissions")
	require.Len(t, s.Channels(), 3)

	calls := s.Calls("graph")
	require.Equal(t, "INC-1 Payments failing", calls[0].Body["displayName"])
	require.Equal(t, 403, calls[len(calls)-1].Status)
}

func TestGraphChannelLimit(t *testing.T) {
	s := faketeams.New(t, faketeams.WithChannelLimit(2))
	tok := fetchToken(t, s, faketeams.GraphScope)
	u := s.GraphURL() + "/v1.0/teams/" + faketeams.TeamID + "/channels"
	status, _, _ := call(t, "POST", u, tok, map[string]any{"displayName": "INC-1"})
	require.Equal(t, 201, status)
	status, _, body := call(t, "POST", u, tok, map[string]any{"displayName": "INC-2"})
	require.Equal(t, 400, status)
	require.Equal(t, "BadRequest", errCode(body))
}

// jwks fetches the metadata and the keys it points at, by kid.
func jwks(t *testing.T, s *faketeams.Server) map[string]map[string]any {
	t.Helper()
	status, _, meta := call(t, "GET", s.MetadataURL(), "", nil)
	require.Equal(t, 200, status)
	require.Equal(t, "https://api.botframework.com", meta["issuer"])
	require.Equal(t, []any{"RS256"}, meta["id_token_signing_alg_values_supported"])
	status, _, keys := call(t, "GET", meta["jwks_uri"].(string), "", nil)
	require.Equal(t, 200, status)
	out := map[string]map[string]any{}
	for _, k := range keys["keys"].([]any) {
		k := k.(map[string]any)
		require.Equal(t, "RSA", k["kty"])
		require.NotEmpty(t, k["x5c"])
		out[k["kid"].(string)] = k
	}
	return out
}

func rsaKey(t *testing.T, jwk map[string]any) *rsa.PublicKey {
	t.Helper()
	n, err := base64.RawURLEncoding.DecodeString(jwk["n"].(string))
	require.NoError(t, err)
	e, err := base64.RawURLEncoding.DecodeString(jwk["e"].(string))
	require.NoError(t, err)
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
}

// verify checks a token the way the adapter must, returning the claims and
// the endorsements of the key that signed it.
func verify(t *testing.T, s *faketeams.Server, token string) (jwt.MapClaims, []any, error) {
	t.Helper()
	keys := jwks(t, s)
	var endorsements []any
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		k, ok := keys[kid]
		if !ok {
			return nil, jwt.ErrTokenUnverifiable
		}
		endorsements, _ = k["endorsements"].([]any)
		return rsaKey(t, k), nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(faketeams.Issuer), jwt.WithAudience(faketeams.AppID),
		jwt.WithExpirationRequired(), jwt.WithLeeway(5*time.Minute))
	return claims, endorsements, err
}

func TestInboundTokens(t *testing.T) {
	s := faketeams.New(t)

	claims, endorsements, err := verify(t, s, s.Token())
	require.NoError(t, err)
	require.Equal(t, s.ServiceURL(), claims["serviceurl"])
	require.Contains(t, endorsements, "msteams")

	tests := []struct {
		name string
		opts []faketeams.TokenOption
		want error
	}{
		{"wrong audience", []faketeams.TokenOption{faketeams.WithAudience("someone-else")}, jwt.ErrTokenInvalidAudience},
		{"wrong issuer", []faketeams.TokenOption{faketeams.WithIssuer("https://sts.windows.net/x/")}, jwt.ErrTokenInvalidIssuer},
		{"expired past the skew", []faketeams.TokenOption{faketeams.WithExpiry(time.Now().Add(-6 * time.Minute))}, jwt.ErrTokenExpired},
		{"signed by another key", []faketeams.TokenOption{faketeams.WithOtherKey()}, jwt.ErrTokenSignatureInvalid},
		{"unknown kid", []faketeams.TokenOption{faketeams.WithOtherKey(), faketeams.WithKID("unknown")}, jwt.ErrTokenUnverifiable},
		{"no kid", []faketeams.TokenOption{faketeams.WithKID("")}, jwt.ErrTokenUnverifiable},
		{"alg none", []faketeams.TokenOption{faketeams.WithSigningMethod(jwt.SigningMethodNone)}, jwt.ErrTokenSignatureInvalid},
		{"HS256 with the public key", []faketeams.TokenOption{faketeams.WithSigningMethod(jwt.SigningMethodHS256)}, jwt.ErrTokenSignatureInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := verify(t, s, s.Token(tt.opts...))
			require.ErrorIs(t, err, tt.want)
		})
	}

	t.Run("within the skew", func(t *testing.T) {
		_, _, err := verify(t, s, s.Token(faketeams.WithExpiry(time.Now().Add(-4*time.Minute))))
		require.NoError(t, err)
	})
	t.Run("unendorsed key verifies but lacks msteams", func(t *testing.T) {
		_, endorsements, err := verify(t, s, s.Token(faketeams.WithUnendorsedKey()))
		require.NoError(t, err)
		require.NotContains(t, endorsements, "msteams")
	})
	t.Run("no serviceurl claim", func(t *testing.T) {
		claims, _, err := verify(t, s, s.Token(faketeams.WithServiceURL("")))
		require.NoError(t, err)
		require.NotContains(t, claims, "serviceurl")
	})
	t.Run("array audience", func(t *testing.T) {
		claims, _, err := verify(t, s, s.Token(faketeams.WithClaim("aud", []string{faketeams.AppID, "x"})))
		require.NoError(t, err)
		require.IsType(t, []any{}, claims["aud"])
	})
	t.Run("rotation", func(t *testing.T) {
		before := jwks(t, s)
		old := s.Token()
		s.RotateKey()
		after := jwks(t, s)
		require.Len(t, after, len(before))
		_, _, err := verify(t, s, s.Token())
		require.NoError(t, err)
		_, _, err = verify(t, s, old)
		require.ErrorIs(t, err, jwt.ErrTokenUnverifiable, "the old key is no longer published")
	})

	require.NotEmpty(t, s.Calls("openid.metadata"))
	require.NotEmpty(t, s.Calls("openid.keys"))
}

func parse(t *testing.T, raw []byte) (schema.Activity, map[string]any) {
	t.Helper()
	var a schema.Activity
	require.NoError(t, json.Unmarshal(raw, &a), "msbotbuilder-go must parse %s", raw)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return a, m
}

func TestActivityBuilders(t *testing.T) {
	s := faketeams.New(t)
	tok := fetchToken(t, s, faketeams.ConnectorScope)
	ch := s.Channel("incidents")
	alice := faketeams.UserID("Alice")
	bot := faketeams.BotMention()

	// A channel message that @mentions the bot starts a thread.
	a, raw := parse(t, s.MessageActivity(ch, alice, "Alice", bot.Markup()+" declare Payments failing P1", bot))
	require.Equal(t, schema.ActivityTypes("message"), a.Type)
	require.Equal(t, "msteams", a.ChannelID)
	require.Equal(t, s.ServiceURL(), a.ServiceURL)
	require.Equal(t, ch+";messageid="+a.ID, a.Conversation.ID)
	require.Equal(t, "channel", a.Conversation.ConversationType)
	require.Equal(t, faketeams.TenantID, a.Conversation.TenantID)
	require.Equal(t, alice, a.From.ID)
	require.Equal(t, faketeams.AADObjectID(alice), a.From.AadObjectID)
	require.Equal(t, faketeams.BotID, a.Recipient.ID)
	require.Equal(t, "<at>Warroom</at> declare Payments failing P1", a.Text)
	require.False(t, a.Timestamp.IsZero())
	require.Equal(t, map[string]any{"id": faketeams.TeamThreadID, "aadGroupId": faketeams.TeamID}, a.ChannelData["team"])
	require.Equal(t, map[string]any{"id": ch}, a.ChannelData["channel"])
	require.Equal(t, map[string]any{"id": faketeams.TenantID}, a.ChannelData["tenant"])
	ents := raw["entities"].([]any)
	require.Equal(t, map[string]any{"type": "mention", "text": "<at>Warroom</at>",
		"mentioned": map[string]any{"id": faketeams.BotID, "name": "Warroom"}}, ents[0])
	require.Equal(t, "clientInfo", ents[1].(map[string]any)["type"])
	require.Equal(t, "text/html", a.Attachments[0].ContentType)
	root := a.ID
	st, _ := s.ChannelByName("incidents")
	require.Equal(t, []string{root}, st.Threads)

	// A reply in that thread.
	r, _ := parse(t, s.ReplyActivity(ch, root, faketeams.UserID("Bob"), "Bob", "looking"))
	require.Equal(t, ch+";messageid="+root, r.Conversation.ID)
	require.Equal(t, root, r.ReplyToID)
	require.Greater(t, r.ID, root)

	// Edit and delete.
	e, raw := parse(t, s.EditActivity(ch, r.ID, faketeams.UserID("Bob"), "Bob", "looking into it"))
	require.Equal(t, schema.ActivityTypes("messageUpdate"), e.Type)
	require.Equal(t, r.ID, e.ID)
	require.Equal(t, "looking into it", e.Text)
	require.Equal(t, "editMessage", raw["channelData"].(map[string]any)["eventType"])
	d, raw := parse(t, s.DeleteActivity(ch, r.ID, faketeams.UserID("Bob")))
	require.Equal(t, schema.ActivityTypes("messageDelete"), d.Type)
	require.Equal(t, r.ID, d.ID)
	require.Empty(t, d.Text)
	require.Equal(t, "softDeleteMessage", raw["channelData"].(map[string]any)["eventType"])

	// Reactions, on the bot's card.
	thread, cardID := newThread(t, s, tok, ch, card("INC-1",
		map[string]any{"type": "Action.Execute", "title": "Acknowledge", "verb": "ack", "data": map[string]any{"incident": "INC-1"}}))
	rx, _ := parse(t, s.ReactionActivity(ch, cardID, alice, "like", true))
	require.Equal(t, schema.ActivityTypes("messageReaction"), rx.Type)
	require.Equal(t, cardID, rx.ReplyToID)
	require.Equal(t, thread, rx.Conversation.ID)
	require.Equal(t, schema.MessageReactionTypes("like"), rx.ReactionsAdded[0].Type)
	rx, _ = parse(t, s.ReactionActivity(ch, cardID, alice, "heart", false))
	require.Empty(t, rx.ReactionsAdded)
	require.Equal(t, schema.MessageReactionTypes("heart"), rx.ReactionsRemoved[0].Type)

	// Invoke and submit.
	iv, _ := parse(t, s.InvokeActivity(ch, cardID, alice, "Alice", "ack", map[string]any{"incident": "INC-1"}))
	require.Equal(t, schema.ActivityTypes("invoke"), iv.Type)
	require.Equal(t, "adaptiveCard/action", iv.Name)
	require.Equal(t, cardID, iv.ReplyToID)
	require.Equal(t, "manual", iv.Value["trigger"])
	require.Equal(t, map[string]any{"type": "Action.Execute", "verb": "ack", "data": map[string]any{"incident": "INC-1"}}, iv.Value["action"])
	sb, _ := parse(t, s.SubmitActivity(ch, cardID, alice, "Alice", map[string]any{"verb": "ack"}))
	require.Equal(t, schema.ActivityTypes("message"), sb.Type)
	require.Empty(t, sb.Text)
	require.Equal(t, map[string]any{"verb": "ack"}, sb.Value)
	require.Equal(t, cardID, sb.ReplyToID)

	// Personal and group chats, and the install event.
	p, raw := parse(t, s.PersonalActivity(alice, "Alice", "status"))
	require.Equal(t, "personal", p.Conversation.ConversationType)
	require.Equal(t, faketeams.PersonalConversationID(alice), p.Conversation.ID)
	require.True(t, strings.HasPrefix(p.Conversation.ID, "a:"))
	require.NotContains(t, raw["channelData"], "team")
	gc := s.GroupChat()
	g, _ := parse(t, s.MessageActivity(gc, alice, "Alice", bot.Markup()+" status", bot))
	require.Equal(t, "groupChat", g.Conversation.ConversationType)
	require.Equal(t, gc, g.Conversation.ID)
	in, raw := parse(t, s.InstallActivity(alice, "Alice"))
	require.Equal(t, schema.ActivityTypes("conversationUpdate"), in.Type)
	require.Equal(t, faketeams.BotID, in.MembersAdded[0].ID)
	require.Equal(t, "teamMemberAdded", raw["channelData"].(map[string]any)["eventType"])
	require.Equal(t, faketeams.TeamID, raw["channelData"].(map[string]any)["team"].(map[string]any)["aadGroupId"])

	// The bot can answer into the personal chat the user opened.
	status, _, _ := call(t, "POST", activitiesURL(s, p.Conversation.ID), tok, map[string]any{"type": "message", "text": "all quiet"})
	require.Equal(t, 201, status)
}

// echoBot is a stand-in adapter endpoint: it answers adaptiveCard/action
// invokes with a card naming the verb, and everything else with 200.
func echoBot(t *testing.T, got chan<- map[string]any) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ey") || r.Header.Get("x-ms-tenant-id") != faketeams.TenantID {
			w.WriteHeader(401)
			return
		}
		var act map[string]any
		_ = json.NewDecoder(r.Body).Decode(&act)
		got <- act
		if act["type"] != "invoke" {
			w.WriteHeader(200)
			return
		}
		verb := act["value"].(map[string]any)["action"].(map[string]any)["verb"].(string)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive",
			"value": card("done: " + verb)})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestClickAndDeliver(t *testing.T) {
	s := faketeams.New(t)
	tok := fetchToken(t, s, faketeams.ConnectorScope)
	ch := s.Channel("incidents")
	c := card("INC-1",
		map[string]any{"type": "Action.Execute", "title": "Resolve", "verb": "resolve", "data": map[string]any{"incident": "INC-1"},
			"fallback": map[string]any{"type": "Action.Submit", "title": "Resolve", "data": map[string]any{"verb": "resolve", "incident": "INC-1"}}},
		map[string]any{"type": "Action.ShowCard", "title": "Post update", "card": map[string]any{
			"type": "AdaptiveCard",
			"body": []any{map[string]any{"type": "Input.Text", "id": "update", "isRequired": true}},
			"actions": []any{map[string]any{"type": "Action.Submit", "title": "Post",
				"data": map[string]any{"verb": "update", "incident": "INC-1"}}},
		}},
	)
	_, cardID := newThread(t, s, tok, ch, c)
	a, _ := s.Activity(cardID)
	require.Equal(t, []string{"Resolve", "Post update", "Post"}, a.ActionTitles())

	got := make(chan map[string]any, 4)
	bot := echoBot(t, got)
	alice := faketeams.UserID("Alice")

	d := s.Deliver(bot.URL, s.Click(cardID, alice, "Alice", "Resolve", nil))
	require.Equal(t, 200, d.Status)
	require.True(t, d.CardReplaced)
	inv := <-got
	require.Equal(t, "adaptiveCard/action", inv["name"])
	require.Equal(t, map[string]any{"type": "Action.Execute", "verb": "resolve", "data": map[string]any{"incident": "INC-1"}},
		inv["value"].(map[string]any)["action"])
	a, _ = s.Activity(cardID)
	require.Equal(t, 1, a.Updates)
	require.Contains(t, string(a.Attachments[0].Content), "done: resolve")

	// An old client sends the Action.Submit fallback as a message.
	s2 := faketeams.New(t)
	tok2 := fetchToken(t, s2, faketeams.ConnectorScope)
	_, cardID2 := newThread(t, s2, tok2, s2.Channel("incidents"), c)
	d = s2.Deliver(bot.URL, s2.ClickLegacy(cardID2, alice, "Alice", "Resolve", nil))
	require.Equal(t, 200, d.Status)
	require.False(t, d.CardReplaced)
	msg := <-got
	require.Equal(t, "message", msg["type"])
	require.Equal(t, map[string]any{"verb": "resolve", "incident": "INC-1"}, msg["value"])
	require.Equal(t, cardID2, msg["replyToId"])

	// A Submit inside a ShowCard carries the typed input.
	s2.Deliver(bot.URL, s2.Click(cardID2, alice, "Alice", "Post", map[string]any{"update": "rolled back"}))
	msg = <-got
	require.Equal(t, map[string]any{"verb": "update", "incident": "INC-1", "update": "rolled back"}, msg["value"])

	// A bad token reaches the bot as Teams would never send it.
	d = s.Deliver(bot.URL, s.MessageActivity(ch, alice, "Alice", "hi"), faketeams.WithKID(""))
	require.Equal(t, 200, d.Status, "the echo bot does not validate; the adapter must")
	<-got
}

func TestWaitCalls(t *testing.T) {
	s := faketeams.New(t)
	tok := fetchToken(t, s, faketeams.ConnectorScope)
	go func() {
		time.Sleep(50 * time.Millisecond)
		req, _ := http.NewRequest("POST", activitiesURL(s, faketeams.TeamThreadID), strings.NewReader(`{"type":"message","text":"later"}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	calls := s.WaitCalls("connector.send", 1, 5*time.Second)
	require.Equal(t, "later", calls[0].Body["text"])
	acts := s.WaitActivities(faketeams.TeamThreadID, 1, time.Second)
	require.Equal(t, "later", acts[0].Text)
}
