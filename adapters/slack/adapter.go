package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/internal/outbound"
	"github.com/warroomhq/warroom/bot"
)

// Name is the platform name of Slack events and the Adapter.
const Name = "slack"

// Dispatcher is what the adapter needs of the router: queue an event and
// return at once, and check a form submission synchronously (Slack shows
// field errors only in the acknowledgement). *bot.Router implements it.
type Dispatcher interface {
	Dispatch(ev bot.Event) error
	ValidateForm(ev *bot.Event) map[string]string
}

// UserCache remembers people's display names, locales and time zones
// between events; *store.Store implements it.
type UserCache interface {
	CachedUser(ctx context.Context, platform, id string) (p bot.Profile, ok bool, err error)
	CacheUser(ctx context.Context, platform, id string, p bot.Profile, ttl time.Duration) error
}

// ReplayGuard records a key once; first is false for a key seen before.
type ReplayGuard interface {
	MarkSeen(ctx context.Context, key string, ttl time.Duration) (first bool, err error)
}

// Options configures an Adapter.
type Options struct {
	// BotToken is the xoxb- token for the Web API (required).
	BotToken string
	// SigningSecret verifies HTTP requests; required unless AppToken is set.
	SigningSecret string
	// AppToken (xapp-) turns on Socket Mode.
	AppToken string
	// APIURL is the Web API base ending in "/" (default Slack's own).
	APIURL string
	// TeamID, when set, refuses requests from other workspaces.
	TeamID string
	// Lang is the language of acknowledgements for people whose locale is
	// not known yet.
	Lang bot.Lang
	// Router receives the events (required).
	Router Dispatcher
	// Users caches display names (optional; without it every event asks
	// users.info).
	Users UserCache
	// Replays remembers the signatures (the verified MACs, whatever case
	// their hex came in) of accepted HTTP requests for the five minutes
	// they stay valid, so a captured request replayed within the window is
	// refused too (optional; *store.Store implements it).
	Replays ReplayGuard
	// RateScale multiplies Slack's per-method rate tiers; 1 (the default)
	// keeps Warroom inside Slack's limits. Tests raise it.
	RateScale float64
	// HTTPClient is the base client for the Web API and response URLs.
	HTTPClient *http.Client
	// Retries and Backoff tune slack-go's retry of 429, 5xx and connection
	// errors (defaults outbound.DefaultRetries and defaultBackoff; a
	// negative Retries turns retries off). Backoff is the first wait of a
	// 5xx or connection error; slack-go doubles it up to 20 times as long.
	Retries int
	Backoff time.Duration
	// AnswerWithin is how long a slash command's HTTP acknowledgement
	// waits for the command's first reply, to carry it instead of posting
	// it to the response URL (default DefaultAnswerWithin; negative: never
	// wait).
	AnswerWithin time.Duration
	Now          func() time.Time
	Log          *zap.Logger
}

// DefaultAnswerWithin is Options.AnswerWithin when unset: quick answers
// (help, list, summary) are ready well within it, and Slack's 3 seconds
// stay far away.
const DefaultAnswerWithin = 250 * time.Millisecond

// defaultBackoff is the first wait before retrying a 5xx or a connection
// error when Options.Backoff is unset.
const defaultBackoff = 200 * time.Millisecond

// userTTL is how long a person's display name and locale are cached.
const userTTL = 24 * time.Hour

// Adapter is Warroom's Slack platform.
type Adapter struct {
	opts Options
	// api waits for the rate limit to make room; paced shares its limits
	// but fails at once with bot.ErrPaced (ChannelSpec.NoWait).
	api     *slack.Client
	paced   *slack.Client
	http    *http.Client
	sleep   func(ctx context.Context, d time.Duration) error
	log     *zap.Logger
	mu      sync.RWMutex
	botID   string // our bot's bot_id, to skip our own messages
	botUID  string // our bot's user ID
	teamID  string
	teamURL string // "https://acme.slack.com/", from auth.test
	// dir is the workspace's member list for FindUsers (directory.go).
	dir directory
}

var (
	_ bot.Platform  = (*Adapter)(nil)
	_ bot.Enricher  = (*Adapter)(nil)
	_ bot.Directory = (*Adapter)(nil)
)

// New checks opts and builds the adapter; Start connects it.
func New(opts Options) (*Adapter, error) {
	var errs []error
	if !strings.HasPrefix(opts.BotToken, "xoxb-") {
		errs = append(errs, errors.New("bot token must start with xoxb-"))
	}
	if opts.SigningSecret == "" && opts.AppToken == "" {
		errs = append(errs, errors.New("a signing secret (HTTP) or an app token (Socket Mode) is required"))
	}
	if opts.AppToken != "" && !strings.HasPrefix(opts.AppToken, "xapp-") {
		errs = append(errs, errors.New("app token must start with xapp-"))
	}
	if opts.Router == nil {
		errs = append(errs, errors.New("router is required"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("slack: %w", errors.Join(errs...))
	}
	if opts.APIURL == "" {
		opts.APIURL = slack.APIURL
	}
	if !strings.HasSuffix(opts.APIURL, "/") {
		opts.APIURL += "/"
	}
	if opts.RateScale <= 0 {
		opts.RateScale = 1
	}
	if opts.AnswerWithin == 0 {
		opts.AnswerWithin = DefaultAnswerWithin
	}
	out := outbound.Options{HTTP: opts.HTTPClient, Retries: opts.Retries, Backoff: opts.Backoff, Now: opts.Now, Log: opts.Log}.
		WithDefaults(outbound.Defaults{Backoff: defaultBackoff})
	opts.HTTPClient, opts.Retries, opts.Backoff, opts.Now, opts.Log = out.HTTP, out.Retries, out.Backoff, out.Now, out.Log
	lim := newLimits(opts.RateScale)
	return &Adapter{opts: opts, api: newClient(opts, lim, true), paced: newClient(opts, lim, false),
		http: opts.HTTPClient, sleep: out.Sleep, log: opts.Log.Named("slack")}, nil
}

// Name implements bot.Platform.
func (a *Adapter) Name() string { return Name }

// Start learns who the bot is (auth.test, bounded by callCtx), so its own
// messages are never recorded as chat, and, with an app token, runs Socket
// Mode until runCtx ends. It returns once the bot is known.
func (a *Adapter) Start(runCtx, callCtx context.Context) error {
	resp, err := a.api.AuthTestContext(callCtx)
	if err != nil {
		return fmt.Errorf("slack auth.test: %w", err)
	}
	if a.opts.TeamID != "" && resp.TeamID != a.opts.TeamID {
		return fmt.Errorf("slack: the bot token belongs to workspace %s, not SLACK_TEAM_ID %s", resp.TeamID, a.opts.TeamID)
	}
	a.mu.Lock()
	a.botID, a.botUID, a.teamID, a.teamURL = resp.BotID, resp.UserID, resp.TeamID, resp.URL
	a.mu.Unlock()
	a.log.Info("connected to slack", zap.String("team_id", resp.TeamID), zap.String("bot_user_id", resp.UserID),
		zap.Bool("socket_mode", a.opts.AppToken != ""))
	if a.opts.AppToken != "" {
		go a.runSocket(runCtx)
	}
	return nil
}

func (a *Adapter) self() (botID, botUID string) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.botID, a.botUID
}

// Enrich implements bot.Enricher: it fills the person's display name and
// language, from the cache or users.info, on the router's worker; for a
// form that started from a message, the message's author and permalink.
func (a *Adapter) Enrich(ctx context.Context, ev *bot.Event) {
	if ev.Form != nil && ev.Form.Origin != nil {
		a.enrichOrigin(ctx, ev.Form.Origin)
	}
	if ev.User.ID == "" {
		return
	}
	p, ok := a.person(ctx, ev.User.ID)
	if !ok {
		return
	}
	if p.Name != "" {
		ev.User.Name = p.Name
	}
	if ev.Locale == "" {
		ev.Locale = p.Locale
	}
	if ev.TZ == "" {
		ev.TZ = p.TZ
	}
}

// profile is what the users cache keeps of a Slack user: the name Slack
// shows, their locale and their time zone (users.info "tz").
func profile(u *slack.User) bot.Profile {
	return bot.Profile{Name: displayName(u), Locale: u.Locale, TZ: u.TZ}
}

// person is what Slack tells of a user (profile), from the cache or
// users.info (then cached).
func (a *Adapter) person(ctx context.Context, id string) (bot.Profile, bool) {
	if p, ok := a.cachedUser(ctx, id); ok {
		return p, true
	}
	u, err := a.api.GetUserInfoContext(ctx, id)
	if err != nil {
		a.log.Warn("users.info", zap.String("user_id", id), zap.Error(err))
		return bot.Profile{}, false
	}
	a.cacheUser(ctx, u)
	return profile(u), true
}

// enrichOrigin names the author of the message a form started from and
// finds its permalink (chat.getPermalink, which handles threads; when
// Slack refuses, the workspace's archive link is built instead).
func (a *Adapter) enrichOrigin(ctx context.Context, o *bot.Origin) {
	if o.Author.Name == "" && isUserID(o.Author.ID) {
		if p, ok := a.person(ctx, o.Author.ID); ok {
			o.Author.Name = p.Name
		}
	}
	if o.Link != "" || o.Channel == "" || o.Ref == "" {
		return
	}
	link, err := a.api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: o.Channel, Ts: o.Ref})
	if err != nil || link == "" {
		a.log.Warn("chat.getPermalink; building the link", zap.String("channel_id", o.Channel), zap.Error(err))
		link = a.archiveURL(o.Channel, o.Ref)
	}
	o.Link = link
}

// isUserID reports whether id names a person (U… or W…), not a bot (B…).
func isUserID(id string) bool {
	return len(id) > 1 && (id[0] == 'U' || id[0] == 'W')
}

// archiveURL is a message's link as Slack builds it,
// "https://acme.slack.com/archives/C123/p1732500000000100", or "" before
// auth.test told the workspace's URL.
func (a *Adapter) archiveURL(channel, ts string) string {
	a.mu.RLock()
	base := a.teamURL
	a.mu.RUnlock()
	if base == "" || !strings.HasPrefix(base, "https://") {
		return ""
	}
	return strings.TrimSuffix(base, "/") + "/archives/" + url.PathEscape(channel) + "/p" + strings.Replace(ts, ".", "", 1)
}

func (a *Adapter) cachedUser(ctx context.Context, id string) (bot.Profile, bool) {
	if a.opts.Users == nil {
		return bot.Profile{}, false
	}
	p, ok, err := a.opts.Users.CachedUser(ctx, Name, id)
	if err != nil {
		a.log.Warn("cached user", zap.String("user_id", id), zap.Error(err))
	}
	return p, ok && err == nil
}

// displayName is what Slack itself shows: the display name, else the real
// name, else the handle.
func displayName(u *slack.User) string {
	for _, n := range []string{u.Profile.DisplayName, u.Profile.RealName, u.RealName, u.Name} {
		if n = strings.TrimSpace(n); n != "" {
			return n
		}
	}
	return u.ID
}

// lang is the language to acknowledge a person in, before any lookup.
func (a *Adapter) lang(ctx context.Context, userID string) bot.Lang {
	if p, ok := a.cachedUser(ctx, userID); ok {
		if l, ok := bot.ParseLang(p.Locale); ok {
			return l
		}
	}
	if a.opts.Lang == "" {
		return bot.English
	}
	return a.opts.Lang
}
