// Package faketeams is Microsoft's side of a Teams bot, for tests: the Bot
// Connector REST API (v3), the Microsoft identity platform token endpoint, the
// Bot Framework OpenID metadata and signing keys, and the slice of Microsoft
// Graph that creates team channels, all behind one httptest server per test.
// It also builds and signs the activities Teams would post to a bot.
//
// Typical use from an adapter test: point the adapter's MICROSOFT_LOGIN_URL
// at s.LoginURL(), MICROSOFT_GRAPH_URL at s.GraphURL() and
// TEAMS_OPENID_METADATA_URL at s.MetadataURL(), with the App ID, password,
// tenant and team constants of this package; then
//
//	s := faketeams.New(t)
//	ch := s.Channel("incidents")
//	bot := faketeams.BotMention()
//	alice := faketeams.UserID("Alice")
//	s.Deliver(adapterURL+"/teams/messages",
//		s.MessageActivity(ch, alice, "Alice", bot.Markup()+" declare Payments failing P1", bot))
//	created := s.WaitCalls("graph.channels", 1, 5*time.Second)
//	cards := s.WaitActivities(created[0].ID, 1, 5*time.Second) // hypothetical
//	d := s.Deliver(adapterURL+"/teams/messages", s.Click(cards[0].ID, alice, "Alice", "Resolve", nil))
//	// d.CardReplaced: the adapter answered the invoke with the updated card.
//
// What it copies from Microsoft, because an adapter that passes against it
// should pass against Teams (sources: the project's PROTOCOLS.md §2 and the
// msteams-docs pages named beside each rule in the code):
//
//   - Tokens. The token endpoint is single-tenant
//     ({LoginURL}/{TenantID}/oauth2/v2.0/token, client credentials, form
//     encoded) and answers errors the way Entra ID does (invalid_client
//     AADSTS7000215 with 401 for a wrong secret, 400 invalid_request AADSTS90002
//     for an unknown tenant, 400 unauthorized_client AADSTS700016 for the
//     multi-tenant "botframework.com" tenant that msbotbuilder-go hard-codes).
//     An access token is good for the resource it was asked for only: a Graph
//     token on the Bot Connector, or a Bot Connector token on Graph, is refused
//     with 401, as an expired or unknown one is.
//   - The Bot Connector answers 201 {"id":...} to sends, 201
//     {"id","activityId","serviceUrl"} to createConversation, 200 to updates and
//     deletes, and its documented error codes otherwise: 400 BadArgument, 403
//     BotNotInConversationRoster (private channels), 404 ConversationNotFound /
//     ActivityNotFoundInConversation, 413 MessageSizeTooBig (over 100 KB as
//     UTF-16), 429 Throttled with Retry-After once a thread passes Teams'
//     per-bot-per-thread limits (7/1 s, 8/2 s, 60/30 s, 1800/h).
//   - Posting to a bare channel id starts a new thread; posting to
//     "<channel>;messageid=<root>" replies in that thread. A message carrying
//     both text and attachments is split by Teams into two messages and the
//     answer carries no id (msteams-docs conversation-messages.md), so a card
//     that will be updated later must be sent without text.
//   - Graph channel creation enforces the 50-character name limit, Teams'
//     forbidden characters and reserved names, unique names (case-insensitive,
//     General included) and the 200-channel team limit, and answers 403
//     "Missing role permissions" once DenyGraph is called.
//   - Inbound activities are shaped like the examples in msteams-docs; Token
//     signs them with an RSA key published at MetadataURL with endorsements
//     ["msteams", ...], and Deliver posts them to the bot as the Bot Connector
//     would, applying a card returned in an adaptiveCard/action invoke response
//     to the clicked message as Teams does.
//
// The fake keeps state per Server; every test makes its own. All methods are
// safe for concurrent use; those that can fail the test (WaitCalls, Deliver,
// the activity builders) must be called from the test's goroutine.
package faketeams
