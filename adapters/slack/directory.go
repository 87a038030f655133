package slack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/internal/outbound"
	"github.com/warroomhq/warroom/bot"
)

// directoryTTL is how long the member list read by users.list answers
// FindUsers before it is read again. users.list is Tier 2 and a workspace
// may have thousands of members: one read serves every lookup meanwhile. A
// person who joined since is still found by mention (LookupUser asks
// users.info).
const directoryTTL = 5 * time.Minute

// directoryPage is users.list's page size (Slack advises at most 200).
const directoryPage = 200

// directory is the last member list read, shared by the adapter's
// lookups.
type directory = outbound.Snapshot[slack.User]

// FindUsers implements bot.Directory: the active, human members whose
// display name, real name or handle is name, compared case-insensitively
// in full. A bot token without users:read is bot.ErrUnsupported.
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
	for i := range members {
		u := &members[i]
		if u.Deleted || u.IsBot || u.ID == "USLACKBOT" {
			continue
		}
		for _, n := range []string{u.Profile.DisplayName, u.Profile.RealName, u.RealName, u.Name} {
			if n = strings.TrimSpace(n); n != "" && strings.EqualFold(n, name) {
				out = append(out, bot.User{ID: u.ID, Name: displayName(u)})
				a.cacheUser(ctx, u)
				break
			}
		}
	}
	return out, nil
}

// LookupUser implements bot.Directory with the users cache, else
// users.info. A user Slack does not know, or one deactivated, is
// bot.ErrNotFound.
func (a *Adapter) LookupUser(ctx context.Context, id string) (bot.User, error) {
	if p, ok := a.cachedUser(ctx, id); ok {
		return bot.User{ID: id, Name: p.Name}, nil
	}
	u, err := a.api.GetUserInfoContext(ctx, id)
	switch code := slackErr(err); {
	case err == nil && u.Deleted:
		return bot.User{}, fmt.Errorf("users.info %s: deactivated: %w", id, bot.ErrNotFound)
	case err == nil:
		a.cacheUser(ctx, u)
		return bot.User{ID: u.ID, Name: displayName(u)}, nil
	case code == "user_not_found" || code == "user_not_visible":
		return bot.User{}, fmt.Errorf("users.info %s: %w", id, bot.ErrNotFound)
	case code == "missing_scope" || code == "not_allowed_token_type":
		return bot.User{}, fmt.Errorf("users.info: %s: %w", code, bot.ErrUnsupported)
	}
	return bot.User{}, fmt.Errorf("users.info %s: %w", id, err)
}

// members returns the workspace's member list, read through users.list
// (every page, waiting out 429s) when the last read is older than
// directoryTTL.
func (a *Adapter) members(ctx context.Context) ([]slack.User, error) {
	return a.dir.Get(a.opts.Now, directoryTTL, func() ([]slack.User, error) {
		members, err := a.api.GetUsersContext(ctx, slack.GetUsersOptionLimit(directoryPage), slack.GetUsersOptionIncludeLocale(true))
		if err != nil {
			if code := slackErr(err); code == "missing_scope" || code == "not_allowed_token_type" {
				return nil, fmt.Errorf("users.list: %s: %w", code, bot.ErrUnsupported)
			}
			return nil, fmt.Errorf("users.list: %w", err)
		}
		return members, nil
	})
}

// cacheUser keeps a person's display name, locale and time zone in the
// users cache.
func (a *Adapter) cacheUser(ctx context.Context, u *slack.User) {
	if a.opts.Users == nil {
		return
	}
	if err := a.opts.Users.CacheUser(ctx, Name, u.ID, profile(u), userTTL); err != nil && !errors.Is(err, context.Canceled) {
		a.log.Warn("cache user", zap.String("user_id", u.ID), zap.Error(err))
	}
}
