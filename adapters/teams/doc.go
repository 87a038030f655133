// Package teams connects Warroom to Microsoft Teams: POST /teams/messages
// receives Bot Framework activities (each verified by Validator against the
// Bot Framework's OpenID keys), and Adapter implements bot.Platform on the
// Bot Connector and Microsoft Graph.
//
// It uses github.com/infracloudio/msbotbuilder-go v0.2.5 for the activity
// schema and its BotFrameworkAdapter's request parsing, with this package's
// own token validator injected; everything the library does not do (or does
// unsafely: creating conversations, keeping sent activity IDs, edits,
// deletions, reactions, invoke responses, timeouts, retries) is done here.
//
// Incidents get a standard channel in the configured team through Graph;
// when Graph refuses, a thread in the incidents channel. Cards are Adaptive
// Cards whose buttons use Action.Execute, answered in the HTTP response
// with the refreshed card, with an Action.Submit fallback.
package teams
