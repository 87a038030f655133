package config

import "github.com/warroomhq/warroom/bot"

// The actions a policy can restrict. Each names the command (and button)
// that performs it.
const (
	ActionDeclare  = "declare"
	ActionAck      = "ack"
	ActionStatus   = "status"
	ActionPriority = "priority"
	ActionRole     = "role"
	ActionNote     = "note"
	ActionUpdate   = "update"
	ActionResolve  = "resolve"
	ActionClose    = "close"
	ActionDecline  = "decline"
	ActionReopen   = "reopen"
	// ActionPostmortem and ActionFollowup are the postmortem draft and the
	// follow-up commands.
	ActionPostmortem = "postmortem"
	ActionFollowup   = "followup"
	// ActionCurate is correcting and hiding timeline entries (`timeline
	// edit|hide|unhide`).
	ActionCurate = "curate"
	// ActionComponents is marking an incident customer-facing with its
	// status page components (`components`); ActionPublicUpdate is posting
	// a customer-facing update (`update --public`).
	ActionComponents   = "components"
	ActionPublicUpdate = "public_update"
)

// Actions lists every action a policy may name, in display order.
var Actions = []string{
	ActionDeclare, ActionAck, ActionStatus, ActionPriority, ActionRole,
	ActionNote, ActionUpdate, ActionResolve, ActionClose, ActionDecline,
	ActionReopen, ActionPostmortem, ActionFollowup, ActionCurate,
	ActionComponents, ActionPublicUpdate,
}

// Who values in a policy list. A list allows a person when any one of its
// values matches them.
const (
	// WhoAnyone allows everyone in the workspace.
	WhoAnyone = "anyone"
	// WhoCommander allows whoever holds the commander role of the incident.
	WhoCommander = "commander"
	// WhoAdmins allows the users listed in Config.Admins.
	WhoAdmins = "admins"
	// WhoRolePrefix + a role name allows that role's holder in the incident,
	// e.g. "role:scribe". After Load the name is canonical (aliases such as
	// "role:ic" become "role:commander").
	WhoRolePrefix = "role:"
	// WhoUserPrefix + a platform user ID allows that user, e.g. "user:U0123".
	WhoUserPrefix = "user:"
)

// whoWant is the hint given with a bad who value.
const whoWant = "want anyone, commander, admins, role:<name> or user:<id>"

// defaultPolicy is who may perform action when the policy does not say:
// ending an incident is for its commander and the admins, the rest is open
// to anyone.
func defaultPolicy(action string) []string {
	switch action {
	case ActionResolve, ActionClose, ActionDecline:
		return []string{WhoCommander, WhoAdmins}
	case ActionComponents, ActionPublicUpdate:
		// What customers read: the incident's communications lead, or its
		// commander (anyone while it has none), and the admins.
		return []string{WhoRolePrefix + string(bot.RoleCommunications), WhoCommander, WhoAdmins}
	}
	for _, a := range Actions {
		if a == action {
			return []string{WhoAnyone}
		}
	}
	return []string{}
}
