package faketeams

import (
	"net/http"
	"slices"
	"strconv"
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

// SetMembers makes the people named (Teams user IDs "29:..." with their
// display names, as pairs: id, name, id, name...) the members of a
// channel, as Graph lists them (GET /teams/{id}/channels/{id}/members,
// paged), each with the AAD object ID AADObjectID gives. They join the
// team's roster too, if they are not in it yet. A channel whose members
// were never set has none.
func (s *Server) SetMembers(channelID string, idNames ...string) {
	s.t.Helper()
	if len(idNames)%2 != 0 {
		s.t.Fatalf("faketeams: SetMembers wants id, name pairs")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channelID]
	if c == nil {
		s.t.Fatalf("faketeams: no channel %s", channelID)
	}
	c.members = nil
	for i := 0; i < len(idNames); i += 2 {
		m := Member{ID: idNames[i], Name: idNames[i+1], AADObjectID: AADObjectID(idNames[i]), UPN: idNames[i+1] + "@example.com"}
		c.members = append(c.members, m)
		if !slices.ContainsFunc(s.roster, func(r Member) bool { return r.ID == m.ID }) {
			s.roster = append(s.roster, m)
		}
	}
	s.changes.NotifyLocked()
}

// membersPage is how many members one Graph page lists; more come behind
// @odata.nextLink, as Graph pages long rosters.
const membersPage = 2

// listMembers answers GET /v1.0/teams/{team}/channels/{channel}/members:
// aadUserConversationMember objects, userId being the AAD object ID,
// paged with @odata.nextLink ($skiptoken).
func (s *Server) listMembers(r *http.Request, _ []byte, _ map[string]any, _ bool) answer {
	if r.PathValue("team") != TeamID {
		return graphError(404, "NotFound", "No team found with Group Id "+r.PathValue("team"))
	}
	c := s.channels[r.PathValue("channel")]
	if c == nil {
		return graphError(404, "NotFound", "Channel not found.")
	}
	skip, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
	skip = min(max(skip, 0), len(c.members))
	page := c.members[skip:min(skip+membersPage, len(c.members))]
	value := make([]map[string]any, 0, len(page))
	for _, m := range page {
		value = append(value, map[string]any{
			"@odata.type": "#microsoft.graph.aadUserConversationMember",
			"id":          "MCMjMSMj" + m.AADObjectID,
			"roles":       []string{},
			"displayName": m.Name,
			"userId":      m.AADObjectID,
			"email":       m.UPN,
			"tenantId":    TenantID,
		})
	}
	out := map[string]any{
		"@odata.context": s.GraphURL() + "/v1.0/$metadata#teams('" + TeamID + "')/channels('" + c.id + "')/members",
		"@odata.count":   len(value),
		"value":          value,
	}
	if next := skip + len(page); next < len(c.members) {
		q := r.URL.Query()
		q.Set("$skiptoken", strconv.Itoa(next))
		out["@odata.nextLink"] = s.GraphURL() + strings.TrimPrefix(r.URL.Path, "/graph") + "?" + q.Encode()
	}
	return ok(200, out)
}
