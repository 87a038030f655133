package teams

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/warroomhq/warroom/bot"
)

// rosterTTL is how long a channel's member list read from Graph is
// trusted: someone removed from the restricted channel may still see its
// incidents for this long. rosterRetry is how long a failed read is
// remembered: meanwhile the roster is refused at once (nobody but role
// holders and people in the thread sees a private incident), so that an
// outsider's list of many private incidents costs one failing read, not
// one each.
const (
	rosterTTL   = time.Minute
	rosterRetry = 10 * time.Second
)

var _ bot.Roster = (*Adapter)(nil)

// roster is a channel's members (AAD object IDs) as Graph listed them, or
// the error reading them gave.
type roster struct {
	aad  []string
	err  error
	read time.Time
}

// InConversation implements bot.Roster for private incidents: their
// threads live in the restricted channel (Options.PrivateChannel), and
// whoever may read that channel may read them. It asks Graph for the
// channel's members (GET /teams/{team}/channels/{channel}/members, RSC
// ChannelMember.Read.Group), cached for rosterTTL, and matches the user by
// AAD object ID, learned from their activities or asked of the Bot
// Connector. Conversations elsewhere are followed by the core itself:
// false.
func (a *Adapter) InConversation(ctx context.Context, channelID, userID string) (bool, error) {
	private := a.opts.PrivateChannel
	if private == "" || userID == "" || (channelID != private && !strings.HasPrefix(channelID, private+";messageid=")) {
		return false, nil
	}
	if a.opts.TeamID == "" {
		return false, errors.New("read the restricted channel's members: no team ID configured")
	}
	members, err := a.channelMembers(ctx, private)
	if err != nil {
		return false, err
	}
	aad, err := a.aadOf(ctx, private, userID)
	if err != nil || aad == "" {
		return false, err
	}
	return slices.Contains(members, aad), nil
}

// channelMembers lists the AAD object IDs of a channel's members, every
// page of them, from the cache while it is fresh.
func (a *Adapter) channelMembers(ctx context.Context, channelID string) ([]string, error) {
	fresh := func() (roster, bool) {
		a.mu.RLock()
		defer a.mu.RUnlock()
		r, ok := a.rosters[channelID]
		age := a.opts.Now().Sub(r.read)
		return r, ok && ((r.err == nil && age < rosterTTL) || (r.err != nil && age < rosterRetry))
	}
	if r, ok := fresh(); ok {
		return r.aad, r.err
	}
	// One read at a time: the others wait for it and take its answer.
	a.rosterMu.Lock()
	defer a.rosterMu.Unlock()
	if r, ok := fresh(); ok {
		return r.aad, r.err
	}
	aad, err := a.readMembers(ctx, channelID)
	a.mu.Lock()
	a.rosters[channelID] = roster{aad: aad, err: err, read: a.opts.Now()}
	a.mu.Unlock()
	return aad, err
}

// readMembers reads every page of a channel's members from Graph.
func (a *Adapter) readMembers(ctx context.Context, channelID string) ([]string, error) {
	next := strings.TrimSuffix(a.opts.GraphURL, "/") + "/v1.0/teams/" + url.PathEscape(a.opts.TeamID) +
		"/channels/" + url.PathEscape(channelID) + "/members"
	var aad []string
	for pages := 0; next != ""; pages++ {
		if pages == 100 {
			return nil, errors.New("read channel members: more than 100 pages")
		}
		var page struct {
			Value []struct {
				UserID string `json:"userId"`
			} `json:"value"`
			NextLink string `json:"@odata.nextLink"`
		}
		if err := a.api.call(ctx, ScopeGraph, http.MethodGet, next, "graph.channelMembers", "", nil, &page); err != nil {
			return nil, fmt.Errorf("read channel members: %w", err)
		}
		for _, m := range page.Value {
			aad = append(aad, strings.ToLower(m.UserID))
		}
		next = page.NextLink
		if next != "" && !strings.HasPrefix(next, strings.TrimSuffix(a.opts.GraphURL, "/")+"/") {
			return nil, errors.New("read channel members: next page is not on Graph")
		}
	}
	return aad, nil
}

// aadOf is a Teams user's AAD object ID: as their activities told it, or
// as the Bot Connector tells it for a member of conversation; "" for
// someone who is not one.
func (a *Adapter) aadOf(ctx context.Context, conversation, userID string) (string, error) {
	a.mu.RLock()
	aad := a.aad[userID]
	a.mu.RUnlock()
	if aad != "" {
		return aad, nil
	}
	var m struct {
		AADObjectID string `json:"aadObjectId"`
	}
	err := a.api.call(ctx, ScopeConnector, http.MethodGet, a.conversationsURL(conversation, "members", userID), "connector.member", "", nil, &m)
	if statusOf(err) == http.StatusNotFound {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("look up member: %w", err)
	}
	a.learnAAD(userID, m.AADObjectID)
	return strings.ToLower(m.AADObjectID), nil
}

// learnAAD remembers a user's AAD object ID from a verified activity.
func (a *Adapter) learnAAD(userID, aad string) {
	if userID == "" || aad == "" {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.aad) > 50000 {
		a.aad = map[string]string{}
	}
	a.aad[userID] = strings.ToLower(aad)
}
