package faketeams

import (
	"net/http"
	"slices"
	"strconv"
)

// member is a person of a channel's roster.
type member struct{ userID, name string }

// SetMembers makes the people named (Teams user IDs "29:..." with their
// display names, as name pairs: id, name, id, name...) the members of the
// channel, as Graph lists them and the Bot Connector finds them. A
// channel whose members were never set has none.
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
		c.members = append(c.members, member{userID: idNames[i], name: idNames[i+1]})
	}
	s.notifyLocked()
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
			"id":          "MCMjMSMj" + AADObjectID(m.userID),
			"roles":       []string{},
			"displayName": m.name,
			"userId":      AADObjectID(m.userID),
			"email":       m.name + "@example.com",
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
		out["@odata.nextLink"] = s.GraphURL() + r.URL.Path[len("/graph"):] + "?" + q.Encode()
	}
	return ok(200, out)
}

// getMember answers the Bot Connector's GET
// /v3/conversations/{conversation}/members/{member}: the member's
// TeamsChannelAccount, or 404 MemberNotFoundInConversation.
func (s *Server) getMember(r *http.Request, _ []byte, _ map[string]any, _ bool) answer {
	ref, found := s.resolveLocked(r.PathValue("conversation"))
	if !found || ref.channel == nil {
		return errConversationNotFound
	}
	id := r.PathValue("member")
	i := slices.IndexFunc(ref.channel.members, func(m member) bool { return m.userID == id })
	if i < 0 {
		return connectorError(404, "MemberNotFoundInConversation", "The member was not found in the conversation.")
	}
	m := ref.channel.members[i]
	return ok(200, map[string]any{"id": m.userID, "name": m.name, "aadObjectId": AADObjectID(m.userID),
		"userPrincipalName": m.name + "@example.com", "tenantId": TenantID, "userRole": "user"})
}
