package faketeams

import (
	"net/http"
	"strings"
)

// Member is a person in the team, as the Bot Connector's conversation
// members (TeamsChannelAccount) describe them.
type Member struct {
	// ID is the Teams user id, "29:...".
	ID string
	// Name is the display name; GivenName and Surname the parts of the
	// real name.
	Name, GivenName, Surname string
	// AADObjectID is the user's Entra object id (a GUID); UPN their
	// sign-in name.
	AADObjectID, UPN string
}

// AddMember adds a person to the team: GET v3/conversations/{id}/members
// of the team, or of any of its standard channels, lists them.
func (s *Server) AddMember(m Member) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roster = append(s.roster, m)
}

func (m Member) json() map[string]any {
	return map[string]any{
		"id": m.ID, "name": m.Name, "aadObjectId": m.AADObjectID, "givenName": m.GivenName, "surname": m.Surname,
		"email": m.UPN, "userPrincipalName": m.UPN, "tenantId": TenantID, "userRole": "user",
	}
}

// rosterOfLocked reports whether conv is the team or one of its standard
// channels (a thread of one included), whose members are the team's.
func (s *Server) rosterOfLocked(conv string) bool {
	conv, _, _ = strings.Cut(conv, ";")
	if conv == TeamThreadID {
		return true
	}
	c, ok := s.channels[conv]
	return ok && c.membershipType != "private"
}

// conversationMembers answers GET v3/conversations/{conversation}/members:
// a JSON array of the members (not an object), as the Bot Connector does.
func (s *Server) conversationMembers(r *http.Request, _ []byte, _ map[string]any, _ bool) answer {
	if !s.rosterOfLocked(r.PathValue("conversation")) {
		return errConversationNotFound
	}
	out := make([]map[string]any, 0, len(s.roster))
	for _, m := range s.roster {
		out = append(out, m.json())
	}
	return ok(200, out)
}

// conversationMember answers GET v3/conversations/{conversation}/members/{member}
// by Teams user id or AAD object id.
func (s *Server) conversationMember(r *http.Request, _ []byte, _ map[string]any, _ bool) answer {
	if !s.rosterOfLocked(r.PathValue("conversation")) {
		return errConversationNotFound
	}
	id := r.PathValue("member")
	for _, m := range s.roster {
		if m.ID == id || (m.AADObjectID != "" && m.AADObjectID == id) {
			return ok(200, m.json())
		}
	}
	return connectorError(404, "MemberNotFoundInConversation", "The member could not be found in this conversation.")
}
