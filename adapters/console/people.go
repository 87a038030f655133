package console

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/warroomhq/warroom/bot"
)

var _ bot.Directory = (*Console)(nil)

// FindUsers implements bot.Directory: the workspace's person called name
// (case-insensitively), if any. A console person's ID is their name.
func (c *Console) FindUsers(ctx context.Context, name string) ([]bot.User, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.people[strings.ToLower(strings.TrimPrefix(strings.TrimSpace(name), "@"))]; ok {
		return []bot.User{{ID: n, Name: n}}, nil
	}
	return nil, nil
}

// LookupUser implements bot.Directory.
func (c *Console) LookupUser(ctx context.Context, id string) (bot.User, error) {
	us, err := c.FindUsers(ctx, id)
	if err != nil {
		return bot.User{}, err
	}
	if len(us) == 0 {
		return bot.User{}, fmt.Errorf("user %q: %w", id, bot.ErrNotFound)
	}
	return us[0], nil
}

// person reads a form's answer word as one of the workspace's people: a
// mention or a bare name. Callers hold mu.
func (c *Console) person(word string) (string, bool) {
	if u, ok := bot.ParseMention(word); ok {
		word = u.ID
	}
	n, ok := c.people[strings.ToLower(word)]
	return n, ok
}

// peopleList is the workspace's people, sorted, as "@alice @bob".
// Callers hold mu.
func (c *Console) peopleList() string {
	names := make([]string, 0, len(c.people))
	for _, n := range c.people {
		names = append(names, "@"+n)
	}
	slices.Sort(names)
	return strings.Join(names, " ")
}
