// Package fakeslack is an in-memory Slack workspace for tests: a Web API that
// answers the way slack.com does, a response_url endpoint, and a Socket Mode
// WebSocket, all behind one httptest server per test.
//
// It is driven with the real slack-go client:
//
//	s := fakeslack.New(t)
//	api := slack.New(fakeslack.BotToken, slack.OptionAPIURL(s.APIURL()))
//	ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "inc-42"})
//
// and with slack-go's socketmode client:
//
//	sm := socketmode.New(slack.New(fakeslack.BotToken,
//		slack.OptionAppLevelToken(fakeslack.AppToken),
//		slack.OptionAPIURL(s.APIURL())))
//	go sm.RunContext(ctx)
//	id := s.SendEnvelope("events_api", s.EventCallback("", s.MessageEvent(...)))
//	payload, ok := s.WaitAck(id, time.Second)
//
// What it copies from Slack, because an adapter that passes against it should
// pass against Slack:
//
//   - Errors are HTTP 200 with {"ok":false,"error":"<code>"}; only rate limits
//     are HTTP 429, with a Retry-After header in seconds.
//   - The token may come in the Authorization header or, for form-encoded
//     requests only, in the "token" form field (slack-go sends form methods
//     that way, with no header). JSON bodies and apps.connections.open need the
//     header. A missing token is not_authed, an unknown one invalid_auth, the
//     app-level token on a bot method (or the bot token on
//     apps.connections.open) not_allowed_token_type.
//   - Visibility: a private channel the bot is not a member of does not exist
//     for the bot (channel_not_found); a public one it has not joined answers
//     not_in_channel for writes, unless WithChatWritePublic lets it post.
//   - trigger_ids are single-use and expire three seconds after they were
//     issued; response_urls take at most five posts.
//   - The Socket Mode server says hello, pings the client (slack-go reconnects
//     when pings stop for its ping interval, 30 s by default) and expects
//     {"envelope_id":...,"payload":...} acks.
//
// The fake is not safe to share between tests; every test makes its own.
package fakeslack
