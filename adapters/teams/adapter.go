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
	HTTPClient                       *http.Client
	// Retries and Backoff tune retries of 429, 412, 502 and 504 (defaults
	// 4 and 300ms).
	Retries int
	Backoff time.Duration
	Now     func() time.Time
	Log     *zap.Logger
}

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
	names     map[string]string   // user ID → display name, from activities
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
	if opts.Retries == 0 {
		opts.Retries = 4
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 300 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
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
	a := &Adapter{opts: opts, log: log, validator: v, tokens: t, service: opts.ServiceURL, names: map[string]string{}, forms: map[string]bot.Form{},
		aad: map[string]string{}, rosters: map[string]roster{}}
	a.api = newCaller(opts.HTTPClient, t.Token, opts.Retries, opts.Backoff)
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

// learn remembers the Bot Connector URL and people's names from a verified
// activity.
func (a *Adapter) learn(serviceURL string, people map[string]string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if serviceURL != "" {
		if !strings.HasSuffix(serviceURL, "/") {
			serviceURL += "/"
		}
		a.service = serviceURL
	}
	if len(a.names) > 50000 {
		a.names = map[string]string{}
	}
	for id, name := range people {
		if id != "" && name != "" {
			a.names[id] = name
		}
	}
}

func (a *Adapter) nameOf(id string) string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if n := a.names[id]; n != "" {
		return n
	}
	return id
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
