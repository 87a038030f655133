// Package console is a terminal chat in a simulated workspace, for trying
// Warroom and running incident drills locally. It is also a bot.Platform
// (named "console"), so the same handlers that serve Slack and Teams answer
// in the terminal.
//
// The workspace starts with one channel, #general. Each line read from the
// input is one thing the person at the terminal does:
//
//	/incident declare Checkout is failing P2    a command (bot.EventCommand)
//	the payment provider returns 502s           a message in the current channel
//	!2                                          clicks choice 2 of the latest buttons
//	/join #general  /channels  /user bob        move around, switch who you are
//	/edit M3 text  /delete M3  /pin M3  /react M3 pushpin
//	/wait 10m                                   let time pass on the console's clock
//	/help  /quit
//
// When the bot creates a channel the person is moved into it; a form opened
// by a handler is asked field by field on the following lines. Inside a
// form /cancel abandons it, /quit quits, /incident <command> leaves it and
// runs the command, and other console commands are refused rather than
// taken as answers; a blank line keeps an optional field's default (and
// says so), a required field is asked again.
//
// The workspace knows its people (Options.People, and whoever /user
// makes the person at the terminal): the Console is a bot.Directory, so
// commands take their names and refuse anyone else. Its clock may run
// faster than real time (Options.Speed), for drills and reminders. Every line
// is handled synchronously, one at a time, and the output is plain text
// without colours, so a test (or a drill script) can pipe a whole incident
// through standard input and read a deterministic transcript:
//
//	[M3] Warroom: 🚨 INC-1: Checkout is failing
//	  Status: investigating
//	  Priority: P2 (high)
//	  [1] I'll be commander
//	  [2] Set priority → P1 (critical) — Critical: customer-facing outage ...
//
// Channels are "C1", "C2", ...; messages (the bot's and people's) are "M1",
// "M2", ..., unique for the life of a Console. Nothing is persisted: the
// workspace lives in memory, while incidents live in the store as usual.
package console
