package faketeams

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// graphHandler serves one Graph route with s.mu held, after authentication,
// the permission check and injected faults.
type graphHandler func(s *Server, r *http.Request, raw []byte, body map[string]any, isJSON bool) answer

// graph wraps a Graph route under "graph.channels".
func (s *Server) graph(h graphHandler) http.HandlerFunc { return s.graphRoute("graph.channels", h) }

// graphRoute is graph for the endpoint named route (in Calls and FailNext).
func (s *Server) graphRoute(route string, h graphHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw, body, isJSON := readBody(r)
		s.mu.Lock()
		resource, reason := s.resourceOfLocked(r)
		var a answer
		switch {
		case reason == "missing":
			a = graphError(401, "InvalidAuthenticationToken", "Access token is empty.")
		case reason == "unknown":
			a = graphError(401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed, there are no dots (.).")
		case reason == "expired":
			a = graphError(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
		case resource != "graph":
			a = graphError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
		case s.graphDenied:
			a = graphError(403, "Forbidden", "Missing role permissions on the request. API requires one of "+
				"'Channel.Create.Group, Channel.Create, Teamwork.Migrate.All, Group.ReadWrite.All, Directory.ReadWrite.All'. "+
				"Roles on the request ''. Resource specific consent grants on the request ''.")
		default:
			if f := s.takeFaultLocked(route); f != nil {
				a = faultAnswer(f, route)
			} else {
				a = h(s, r, raw, body, isJSON)
			}
		}
		if reason != "" {
			resource = ""
		}
		s.mu.Unlock()
		s.record(w, r, route, body, resource, a)
	}
}

// Teams' channel name rules (Microsoft support, "Create a standard, private,
// or shared channel in Teams"; Graph channel resource: displayName at most
// 50 characters).
const (
	maxChannelName    = 50
	forbiddenInName   = `~#%&*{}+/\:<>?|'",`
	forbiddenNameHelp = `~ # % & * { } + / \ : < > ? | ' " , ..`
)

var reservedChannelNames = []string{"forms", "con", "conin$", "conout$", "prn", "aux", "nul",
	"com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9",
	"lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9", "desktop.ini", "_vti_"}

// createChannel answers POST /v1.0/teams/{team-id}/channels.
func (s *Server) createChannel(r *http.Request, _ []byte, body map[string]any, isJSON bool) answer {
	team := r.PathValue("team")
	if team != TeamID {
		return graphError(404, "NotFound", "No team found with Group Id "+team)
	}
	if !isJSON {
		return graphError(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
	}
	name, _ := body["displayName"].(string)
	desc, _ := body["description"].(string)
	membership, _ := body["membershipType"].(string)
	if msg := channelNameProblem(name); msg != "" {
		return graphError(400, "BadRequest", msg)
	}
	switch membership {
	case "", "standard":
		membership = "standard"
	case "private", "shared":
		if members, _ := body["members"].([]any); len(members) == 0 {
			return graphError(400, "BadRequest", "A "+membership+" channel created with application permissions must have an owner in members.")
		}
		return graphError(400, "BadRequest", "faketeams creates standard channels only.")
	default:
		return graphError(400, "BadRequest", "Invalid value '"+membership+"' for membershipType.")
	}
	if s.channelNamedLocked(name) != nil {
		return graphError(400, "NameAlreadyExists", "Channel name already existed, please use other name.")
	}
	if len(s.channels) >= s.cfg.channelLimit {
		return graphError(400, "BadRequest", fmt.Sprintf("Maximum number of channels (%d) reached for this team.", s.cfg.channelLimit))
	}
	c := &channel{id: s.newChannelIDLocked(), displayName: name, description: desc, membershipType: membership, viaGraph: true}
	s.addChannelLocked(c)
	res := channelJSON(c)
	res["@odata.context"] = s.GraphURL() + "/v1.0/$metadata#teams('" + TeamID + "')/channels/$entity"
	return ok(201, res)
}

// channelNameProblem says what is wrong with a channel name, "" if nothing.
func channelNameProblem(name string) string {
	n := utf8.RuneCountInString(name)
	switch {
	case strings.TrimSpace(name) == "":
		return "displayName is required."
	case n > maxChannelName:
		return fmt.Sprintf("Channel name length (%d) exceeds the maximum of %d characters.", n, maxChannelName)
	case strings.ContainsAny(name, forbiddenInName) || strings.Contains(name, ".."),
		strings.IndexFunc(name, func(r rune) bool { return r < 0x20 || r >= 0x7f && r <= 0x9f || r == unicode.ReplacementChar }) >= 0:
		return "Channel name contains invalid characters; these are not allowed: " + forbiddenNameHelp
	case strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") || strings.HasSuffix(name, "."):
		return "Channel name cannot start with an underscore or a period, or end with a period."
	case slices.Contains(reservedChannelNames, strings.ToLower(name)):
		return "Channel name '" + name + "' is reserved."
	}
	return ""
}

// listChannels answers GET /v1.0/teams/{team-id}/channels.
func (s *Server) listChannels(r *http.Request, _ []byte, _ map[string]any, _ bool) answer {
	team := r.PathValue("team")
	if team != TeamID {
		return graphError(404, "NotFound", "No team found with Group Id "+team)
	}
	value := []map[string]any{}
	for _, id := range s.chanOrder {
		value = append(value, channelJSON(s.channels[id]))
	}
	return ok(200, map[string]any{
		"@odata.context": s.GraphURL() + "/v1.0/$metadata#teams('" + TeamID + "')/channels",
		"@odata.count":   len(value),
		"value":          value,
	})
}

func channelJSON(c *channel) map[string]any {
	var desc any
	if c.description != "" {
		desc = c.description
	}
	return map[string]any{
		"id":                  c.id,
		"createdDateTime":     c.created.UTC().Format("2006-01-02T15:04:05.000Z"),
		"displayName":         c.displayName,
		"description":         desc,
		"isFavoriteByDefault": nil,
		"email":               "",
		"tenantId":            TenantID,
		"webUrl":              c.webURL(),
		"membershipType":      c.membershipType,
	}
}
