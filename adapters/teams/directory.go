package teams

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/warroomhq/warroom/adapters/internal/outbound"
	"github.com/warroomhq/warroom/bot"
)

// directoryTTL is how long the team's member list answers FindUsers
// before it is read again (Teams allows a bot about 14 get-members calls a
// second per thread; people are looked up far less often than that).
const directoryTTL = 5 * time.Minute

// member is a conversation member as the Bot Connector returns it
// (TeamsChannelAccount).
type member struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	GivenName   string `json:"givenName"`
	Surname     string `json:"surname"`
	AADObjectID string `json:"aadObjectId"`
}

// directory is the last member list read.
type directory = outbound.Snapshot[member]

// learnTeam remembers the team's Bot Framework id from an activity.
func (a *Adapter) learnTeam(id string) {
	if id == "" {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.team = id
}

// rosterConversation is the conversation whose members are the team's:
// the team itself once an activity named it, else the incidents channel.
// "" when neither is known.
func (a *Adapter) rosterConversation() string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.team != "" {
		return a.team
	}
	return a.opts.IncidentsChannel
}

// FindUsers implements bot.Directory with the Bot Connector's
// GET v3/conversations/{team}/members: the members whose display name or
// real name (given name and surname, in either order) is name, compared
// case-insensitively in full. Before Warroom knows its team (no activity
// yet and no incidents channel) it is bot.ErrUnsupported.
func (a *Adapter) FindUsers(ctx context.Context, name string) ([]bot.User, error) {
	name = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), "@"))
	if name == "" {
		return nil, nil
	}
	members, err := a.members(ctx)
	if err != nil {
		return nil, err
	}
	var out []bot.User
	for _, m := range members {
		given, sur := strings.TrimSpace(m.GivenName), strings.TrimSpace(m.Surname)
		for _, n := range []string{m.Name, given + " " + sur, sur + " " + given, sur + given} {
			if n = strings.TrimSpace(n); n != "" && strings.EqualFold(n, name) {
				out = append(out, bot.User{ID: m.ID, Name: m.Name})
				break
			}
		}
	}
	// The people found are likely mentioned or invited next: keep their
	// names, as an activity's are kept.
	found := make(map[string]string, len(out))
	for _, u := range out {
		found[u.ID] = u.Name
	}
	a.learnPeople(ctx, found)
	return out, nil
}

// LookupUser implements bot.Directory with
// GET v3/conversations/{team}/members/{id}; a person not in the team is
// bot.ErrNotFound.
func (a *Adapter) LookupUser(ctx context.Context, id string) (bot.User, error) {
	conv := a.rosterConversation()
	if conv == "" {
		return bot.User{}, fmt.Errorf("look up a member: the team is not known yet: %w", bot.ErrUnsupported)
	}
	var m member
	err := a.api.call(ctx, ScopeConnector, http.MethodGet, a.conversationsURL(conv, "members", id), "getConversationMember", "", nil, &m)
	switch {
	case statusOf(err) == http.StatusNotFound:
		return bot.User{}, fmt.Errorf("member %s: %w", id, bot.ErrNotFound)
	case err != nil:
		return bot.User{}, err
	}
	a.learnPeople(ctx, map[string]string{m.ID: m.Name})
	return bot.User{ID: m.ID, Name: m.Name}, nil
}

// members returns the team's members, read again when the last read is
// older than directoryTTL.
func (a *Adapter) members(ctx context.Context) ([]member, error) {
	conv := a.rosterConversation()
	if conv == "" {
		return nil, fmt.Errorf("list members: the team is not known yet: %w", bot.ErrUnsupported)
	}
	return a.dir.Get(a.opts.Now, directoryTTL, func() ([]member, error) {
		var ms []member
		err := a.api.call(ctx, ScopeConnector, http.MethodGet, a.conversationsURL(conv, "members"), "getConversationMembers", "", nil, &ms)
		return ms, err
	})
}
