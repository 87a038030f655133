// Package zoom starts an incident's video meeting through Zoom's REST API
// with a Server-to-Server OAuth app: it implements bot.CallProvider.
//
// The app's account ID, client ID and client secret buy an access token
// (POST https://zoom.us/oauth/token?grant_type=account_credentials&account_id=…
// with Basic client_id:client_secret), answered as
//
//	{"access_token":"eyJ…","token_type":"bearer","expires_in":3600,"scope":"meeting:write:admin"}
//
// The token is kept until shortly before it expires (there is no refresh
// token; several may be valid at once) and fetched again after a 401. A
// meeting is created with POST https://api.zoom.us/v2/users/me/meetings,
// answered 201 with its id, join_url, start_url and password.
//
// UNCONFIRMED (PROTOCOLS-2 section 9): that POST /v2/users/me/meetings
// with a Server-to-Server token creates the meeting as the app's owner,
// and the exact 201 body. Test against the real service before relying on
// it. The join URL carries the meeting's password ("pwd=") and the start
// URL is the host's key: neither is ever logged, and the start URL is not
// kept at all.
package zoom
