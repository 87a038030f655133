// Package web is Warroom in a browser: one more place where people act,
// beside Slack, Teams and the console. It serves server-rendered pages
// (html/template, whose escaping is the injection defence) under a
// Content-Security-Policy without 'unsafe-inline', in English and
// Japanese.
//
// A browser signs in as a chat person, through a single-use link that
// `/incident web` sends in chat (handlers make it, the store keeps it).
// GET /signin/{token} only shows a "Sign in as <name>" page, so the link
// previews of Slack and Safe Links do not use the link up; the page's own
// script posts its form at once, and only that POST consumes the link and
// starts a session. Sessions live in Redis (any replica serves them),
// behind an HttpOnly, SameSite=Lax cookie that is Secure when the public
// URL is https. Every state-changing request carries the session's CSRF
// token. Optionally (Options.OIDC) a company's identity provider signs the
// browser in instead: Sign in with Slack, Microsoft Entra ID or any
// OpenID Connect issuer, whose ID token names the chat user (Slack's
// https://slack.com/user_id, Entra's oid, or a configured claim).
//
// The package decides nothing about incidents: what a viewer may see is
// the handlers' audience rule, asked through the Incidents interface, and
// sign-ins and sessions are the store's, through Sessions.
//
// Routes (mount the Server at "/"; more specific routes of other packages,
// such as /api/ or /slack/events, keep theirs):
//
//	GET  /signin               how to sign in (type /incident web in chat)
//	GET  /signin/{token}       the "Sign in as <name>" page; changes nothing
//	POST /signin/{token}       uses up the link, starts a session, opens the
//	                           incident it names or the dashboard
//	GET  /signin/oidc          with Options.OIDC: sends the browser to the
//	                           identity provider (state, nonce, PKCE)
//	GET  /signin/oidc/callback its answer: the ID token verified, the same
//	                           session as a link's, or a page saying why not
//	POST /signout              ends the session (CSRF)
//	GET  /                     the dashboard: incidents, filters, search
//	GET  /incidents/{id}       an incident (INC-42 or 42), its actions and a page of its
//	                           curated timeline (?kind=… filters, ?before= and
//	                           ?after= page)
//	GET  /incidents/{id}/events  the live timeline (Server-Sent Events), with
//	                           Options.Tail
//	POST /incidents/{id}/timeline  a curation form (CSRF): a backdated note, a
//	                           correction, hide or unhide, run as the chat
//	                           command through Options.Router
//	POST /incidents/{id}/actions/{action}
//	                           acknowledge (ack), priority, status, role,
//	                           update, resolve, close (CSRF); 303 back to
//	                           the incident, whose page shows the answer
//	GET  /static/{file}        the embedded CSS and script
//
// Without a session every other request is redirected (303) to /signin.
//
// The Server is also a bot.Platform, named "web": an action is the
// command a chat button runs (a bot.Event of platform "web" whose
// UserPlatform is the chat platform the browser is signed in on), handed
// to the router (Options.Router), so the router's permissions and the
// handlers' audience rule judge it exactly as that person in chat, and
// the handlers tell the incident's channel and update its card on the
// incident's own platform. The web's Reply keeps the answer for the next
// page, in a cookie signed with the session's CSRF secret; everything that
// needs a channel is refused (bot.ErrUnsupported), since incidents live in
// chat. Without a Router the incident page is read-only.
package web
