package teams

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/infracloudio/msbotbuilder-go/core"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/internal/outbound"
	"github.com/warroomhq/warroom/bot"
)

// Name is the platform name of Teams events and of the Adapter.
const Name = "teams"

// Router is what the adapter needs of the router: queue events, check a
// form, and run a card click synchronously (its answer, the refreshed card,
// goes in the HTTP response). *bot.Router implements it.
type Router interface {
	Dispatch(ev bot.Event) error
	Serve(ctx context.Context, ev bot.Event) error
	ValidateForm(ev *bot.Event) map[string]string
}

// UserCache remembers people's display names between activities, across
// restarts and replicas; *store.Store implements it (the same cache the
// Slack adapter uses, under the platform name "teams").
type UserCache interface {
	CachedUser(ctx context.Context, platform, id string) (p bot.Profile, ok bool, err error)
	CacheUser(ctx context.Context, platform, id string, p bot.Profile, ttl time.Duration) error
}

// userTTL is how long a person's display name is cached; seeing them again
// with the same name does not write it again.
const userTTL = 24 * time.Hour

// cacheTimeout bounds the users cache's work while an activity waits for
// its answer: a slow Redis costs a name, never the acknowledgement.
const cacheTimeout = time.Second

// Options configures an Adapter. AppID, AppPassword, TenantID and Router
// are required, and TeamID or IncidentsChannel.
type Options struct {
	AppID, AppPassword, TenantID string
	// LoginURL, GraphURL and MetadataURL default to Microsoft's; ServiceURL
	// is the Bot Connector for conversations Warroom starts, replaced by
	// the one inbound activities carry.
	LoginURL, GraphURL, MetadataURL, ServiceURL string
	// TeamID is the team's group ID: incident channels are created there.
	TeamID string
	// IncidentsChannel holds incidents as threads when no channel can be
	// created; PrivateChannel holds private incidents (bots cannot post in
	// private channels).
	IncidentsChannel, PrivateChannel string
	Lang                             bot.Lang
	Router                           Router
	// Users caches the display names activities and lookups tell
	// (optional; without it a name is known only from the activity that
	// carries it, and Warroom's mentions and deletions show the user ID).
	Users      UserCache
	HTTPClient *http.Client
	// Retries and Backoff tune the retries of 429, 412, 502, 503, 504 and
	// transport errors (defaults outbound.DefaultRetries and
	// defaultBackoff; a negative Retries turns retries off). Backoff is the
	// first wait without Retry-After; it doubles with each retry.
	Retries int
	Backoff time.Duration
	Now     func() time.Time
	Log     *zap.Logger
}

// defaultBackoff is the first wait before a retry without Retry-After when
// Options.Backoff is unset.
const defaultBackoff = 300 * time.Millisecond

// Adapter is Warroom's Teams platform.
type Adapter struct {
	opts      Options
	log       *zap.Logger
	validator *Validator
	tokens    *Tokens
	api       *caller
	bf        *core.BotFrameworkAdapter
	mu        sync.RWMutex
	service   string              // current Bot Connector base URL
	aad       map[string]string   // user ID → AAD object ID, from activities (roster.go)
	rosters   map[string]roster   // channel ID → its members, read from Graph (roster.go)
	rosterMu  sync.Mutex          // one Graph read of a roster at a time
	forms     map[string]bot.Form // form card activity ID → form, to show errors on it
	captures  sync.Map            // card activity ID → *capture, during a click
	team      string              // the team's Bot Framework id, channelData.team.id
	dir       directory           // the team's members, for FindUsers
}

var (
	_ bot.Platform  = (*Adapter)(nil)
	_ bot.Directory = (*Adapter)(nil)
	_ bot.Enricher  = (*Adapter)(nil)
)

// New checks opts and builds the adapter.
func New(opts Options) (*Adapter, error) {
	var errs []error
	for name, v := range map[string]string{"app ID": opts.AppID, "app password": opts.AppPassword, "tenant ID": opts.TenantID} {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is required", name))
		}
	}
	if opts.TeamID == "" && opts.IncidentsChannel == "" {
		errs = append(errs, errors.New("a team ID or an incidents channel is required"))
	}
	if opts.Router == nil {
		errs = append(errs, errors.New("router is required"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("teams: %w", errors.Join(errs...))
	}
	if opts.GraphURL == "" {
		opts.GraphURL = "https://graph.microsoft.com"
	}
	if opts.ServiceURL == "" {
		opts.ServiceURL = "https://smba.trafficmanager.net/teams/"
	}
	out := outbound.Options{HTTP: opts.HTTPClient, Retries: opts.Retries, Backoff: opts.Backoff, Now: opts.Now, Log: opts.Log}.
		WithDefaults(outbound.Defaults{Backoff: defaultBackoff})
	opts.HTTPClient, opts.Retries, opts.Backoff, opts.Now, opts.Log = out.HTTP, out.Retries, out.Backoff, out.Now, out.Log
	if opts.Lang == "" {
		opts.Lang = bot.English
	}
	log := opts.Log.Named("teams")
	v, err := NewValidator(ValidatorOptions{AppID: opts.AppID, MetadataURL: opts.MetadataURL, HTTPClient: opts.HTTPClient, Now: opts.Now, Log: log})
	if err != nil {
		return nil, err
	}
	t, err := NewTokens(TokenOptions{AppID: opts.AppID, AppPassword: opts.AppPassword, TenantID: opts.TenantID,
		LoginURL: opts.LoginURL, HTTPClient: opts.HTTPClient, Now: opts.Now})
	if err != nil {
		return nil, err
	}
	a := &Adapter{opts: opts, log: log, validator: v, tokens: t, service: opts.ServiceURL, forms: map[string]bot.Form{},
		aad: map[string]string{}, rosters: map[string]roster{}}
	a.api = newCaller(out, t.Token)
	// msbotbuilder-go parses and authenticates requests with our
	// validator; it never sends anything for us.
	a.bf = &core.BotFrameworkAdapter{AdapterSetting: core.AdapterSetting{AppID: opts.AppID}, TokenValidator: v}
	return a, nil
}

// Name implements bot.Platform.
func (a *Adapter) Name() string { return Name }

func (a *Adapter) serviceURL() string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.service
}

// learnService remembers the Bot Connector URL of a verified activity.
func (a *Adapter) learnService(serviceURL string) {
	if serviceURL == "" {
		return
	}
	if !strings.HasSuffix(serviceURL, "/") {
		serviceURL += "/"
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.service = serviceURL
}

// learnPeople keeps people's display names (user ID → name) in the users
// cache, writing only those it does not hold already (the store answers
// repeated reads from its process).
func (a *Adapter) learnPeople(ctx context.Context, people map[string]string) {
	if a.opts.Users == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, cacheTimeout)
	defer cancel()
	for id, name := range people {
		if id == "" || name == "" {
			continue
		}
		p, ok, err := a.opts.Users.CachedUser(ctx, Name, id)
		if err == nil && ok && p.Name == name {
			continue
		}
		p.Name = name
		if err := a.opts.Users.CacheUser(ctx, Name, id, p, userTTL); err != nil {
			if ctx.Err() == nil {
				a.log.Warn("cache user", zap.String("user_id", id), zap.Error(err))
			}
			return
		}
	}
}

// Enrich implements bot.Enricher: an activity without its author's name
// (a deletion carries none) gets it from the users cache, on the router's
// worker rather than while Teams waits for the answer.
func (a *Adapter) Enrich(ctx context.Context, ev *bot.Event) {
	if ev.User.Name == "" && ev.User.ID != "" {
		ev.User.Name = a.nameOf(ctx, ev.User.ID)
	}
}

// nameOf is the display name of the user with id, from the users cache;
// the ID itself when it holds none.
func (a *Adapter) nameOf(ctx context.Context, id string) string {
	if a.opts.Users == nil {
		return id
	}
	ctx, cancel := context.WithTimeout(ctx, cacheTimeout)
	defer cancel()
	p, ok, err := a.opts.Users.CachedUser(ctx, Name, id)
	if err != nil {
		a.log.Warn("cached user", zap.String("user_id", id), zap.Error(err))
	}
	if err != nil || !ok || p.Name == "" {
		return id
	}
	return p.Name
}

// conversationsURL is the Bot Connector's conversations endpoint, with
// optional escaped path elements after it.
func (a *Adapter) conversationsURL(parts ...string) string {
	u := a.serviceURL() + "v3/conversations"
	for _, p := range parts {
		u += "/" + url.PathEscape(p)
	}
	return u
}

// outActivity is a message Warroom sends: only the fields Teams needs
// (msbotbuilder-go's schema.Activity would send zero timestamps and empty
// objects).
type outActivity struct {
	Type        string           `json:"type"`
	Summary     string           `json:"summary,omitempty"`
	Text        string           `json:"text,omitempty"`
	TextFormat  string           `json:"textFormat,omitempty"`
	Attachments []map[string]any `json:"attachments,omitempty"`
	Entities    []mention        `json:"entities,omitempty"`
	ReplyToID   string           `json:"replyToId,omitempty"`
}

type mention struct {
	Type      string         `json:"type"`
	Mentioned mentionedParty `json:"mentioned"`
	Text      string         `json:"text"`
}

type mentionedParty struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// createThread starts a conversation (a new thread) in a channel and
// returns its ID ("<channel>;messageid=<activity>") and the first
// activity's ID.
func (a *Adapter) createThread(ctx context.Context, channelID string, act outActivity) (conv, activityID string, err error) {
	body := map[string]any{
		"isGroup":     true,
		"channelData": map[string]any{"channel": map[string]string{"id": channelID}, "tenant": map[string]string{"id": a.opts.TenantID}},
		"activity":    act,
		"tenantId":    a.opts.TenantID,
	}
	var out struct {
		ID         string `json:"id"`
		ActivityID string `json:"activityId"`
	}
	if err := a.api.call(ctx, ScopeConnector, http.MethodPost, a.conversationsURL(), "createConversation", channelID, body, &out); err != nil {
		return "", "", err
	}
	if out.ID == "" {
		out.ID = channelID + ";messageid=" + out.ActivityID
	}
	return out.ID, out.ActivityID, nil
}

// send posts act into a conversation and returns the new activity's ID,
// which msbotbuilder-go would have dropped.
func (a *Adapter) send(ctx context.Context, conv string, act outActivity) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	err := a.api.call(ctx, ScopeConnector, http.MethodPost, a.conversationsURL(conv, "activities"), "sendToConversation", conv, act, &out)
	return out.ID, err
}

// update replaces an activity in place.
func (a *Adapter) update(ctx context.Context, conv, activityID string, act outActivity) error {
	return a.api.call(ctx, ScopeConnector, http.MethodPut, a.conversationsURL(conv, "activities", activityID), "updateActivity", conv, act, nil)
}

// cardActivity is msg as an Adaptive Card message. It carries no text:
// Teams splits text and a card into two messages, and the card's ID would
// be lost; the summary is what notifications show.
func cardActivity(msg bot.Message) outActivity {
	return outActivity{Type: "message", Attachments: []map[string]any{attachment(renderCard(msg))}, Summary: bot.CutRunes(bot.Visible(fallbackText(msg)), 200)}
}

// fallbackText is what notifications show for a card.
func fallbackText(msg bot.Message) string {
	if msg.Title != "" {
		return msg.Title
	}
	return msg.Text
}
