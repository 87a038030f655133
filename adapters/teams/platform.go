package teams

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// maxChannelName is Teams' limit on a channel's display name.
const maxChannelName = 50

// errNoPrivate refuses a private incident when no restricted channel is
// configured: it must never land silently in a public one.
var errNoPrivate = errors.New("private incidents need TEAMS_PRIVATE_CHANNEL: Teams bots cannot post in private channels")

// CreateChannel implements bot.Platform: a standard channel in the team
// through Graph, or, when Graph refuses (no permission, channel limit), a
// thread in the incidents channel, which then says why. A private incident
// always gets a thread in the private channel.
func (a *Adapter) CreateChannel(ctx context.Context, spec bot.ChannelSpec) (bot.Channel, error) {
	name := channelDisplayName(spec)
	if spec.Private {
		if a.opts.PrivateChannel == "" {
			return bot.Channel{}, errNoPrivate
		}
		return a.threadChannel(ctx, a.opts.PrivateChannel, name, "")
	}
	if a.opts.TeamID != "" {
		ch, err := a.graphChannel(ctx, graphName(name), spec.Title)
		if err == nil || a.opts.IncidentsChannel == "" {
			return ch, err
		}
		a.log.Warn("graph refused the incident channel; using a thread", zap.Int("status", statusOf(err)), zap.Error(err))
		return a.threadChannel(ctx, a.opts.IncidentsChannel, name, bot.T(a.opts.Lang, "teams.thread_fallback"))
	}
	return a.threadChannel(ctx, a.opts.IncidentsChannel, name, "")
}

// graphChannel creates a standard channel, adding " 2", " 3" while the
// name is taken.
func (a *Adapter) graphChannel(ctx context.Context, name, description string) (bot.Channel, error) {
	for i := 1; i <= 5; i++ {
		display := name
		if i > 1 {
			suffix := fmt.Sprintf(" %d", i)
			display = bot.CutRunes(name, maxChannelName-len(suffix)) + suffix
		}
		var out struct {
			ID     string `json:"id"`
			Name   string `json:"displayName"`
			WebURL string `json:"webUrl"`
		}
		body := map[string]string{"displayName": display, "description": bot.CutRunes(bot.Visible(description), 1024), "membershipType": "standard"}
		u := strings.TrimSuffix(a.opts.GraphURL, "/") + "/v1.0/teams/" + url.PathEscape(a.opts.TeamID) + "/channels"
		err := a.api.call(ctx, ScopeGraph, http.MethodPost, u, "graph.createChannel", "", body, &out)
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusBadRequest && ae.Code == "NameAlreadyExists" {
			continue
		}
		if err != nil {
			return bot.Channel{}, fmt.Errorf("create channel: %w", err)
		}
		return bot.Channel{ID: out.ID, Name: out.Name, URL: out.WebURL}, nil
	}
	return bot.Channel{}, errors.New("create channel: name taken 5 times")
}

// threadChannel starts the incident's thread in a channel; its
// conversation is the incident's "channel".
func (a *Adapter) threadChannel(ctx context.Context, channelID, name, note string) (bot.Channel, error) {
	text := "**" + name + "**"
	if note != "" {
		text += "\n\n" + note
	}
	conv, _, err := a.createThread(ctx, channelID, outActivity{Type: "message", Text: text, TextFormat: "markdown"})
	if err != nil {
		return bot.Channel{}, fmt.Errorf("create incident thread: %w", err)
	}
	return bot.Channel{ID: conv, Name: name}, nil
}

// channelDisplayName names the channel "INC-42 Checkout is failing", the
// incident's key and title, fitted to Teams' rules for a channel's display
// name: at most 50 characters, none of # % & * { } / \ : < > ? + | ' "
// (nor ~), and no invisible character (bot.Visible). An incident without
// a title takes its dated name instead ("INC-42 inc-20261125-42").
func channelDisplayName(spec bot.ChannelSpec) string {
	title := spec.Title
	if title == "" {
		title = spec.DatedName(maxChannelName)
	}
	id := ""
	if spec.ID > 0 {
		id = bot.FormatID(spec.ID) + " "
	}
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`~#%&*{}+/\:<>?|'"`, r) || r < ' ' {
			return ' '
		}
		return r
	}, bot.Visible(id+title))
	name = strings.Join(strings.Fields(name), " ")
	name = strings.Trim(bot.CutRunes(name, maxChannelName), " .")
	if name == "" {
		name = "incident"
	}
	return name
}

// graphName fits a display name to the rest of what Graph refuses in a
// channel's name: a comma, two periods in a row, or an underscore or
// period first (Microsoft's rules for channel names). An incident thread
// keeps its name as channelDisplayName made it.
func graphName(name string) string {
	name = strings.ReplaceAll(name, ",", " ")
	for strings.Contains(name, "..") {
		name = strings.ReplaceAll(name, "..", ".")
	}
	name = strings.TrimLeft(strings.Join(strings.Fields(name), " "), "_.")
	name = strings.Trim(name, " .")
	if name == "" {
		name = "incident"
	}
	return name
}

// isThread reports whether a "channel" is an incident thread.
func isThread(id string) bool { return strings.Contains(id, ";messageid=") }

// isChannel reports whether id is a team channel, where posting starts a
// thread; anything else (a thread, a group or personal chat) is a
// conversation to post into.
func isChannel(id string) bool {
	return !isThread(id) && (strings.HasSuffix(id, "@thread.tacv2") || strings.HasSuffix(id, "@thread.skype"))
}

// encodeRef and decodeRef keep a posted activity's conversation and ID in
// one bot.MessageRef.ID.
func encodeRef(conv, activityID string) string { return conv + "|" + activityID }

func decodeRef(id string) (conv, activityID string) {
	i := strings.LastIndex(id, "|")
	if i < 0 {
		return "", id
	}
	return id[:i], id[i+1:]
}

// Invite implements bot.Platform: everyone in a team sees its standard
// channels, so inviting is mentioning the people in the incident.
func (a *Adapter) Invite(ctx context.Context, channelID string, userIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	act := outActivity{Type: "message", TextFormat: "xml"}
	var names []string
	for _, id := range userIDs {
		name := bot.Visible(a.nameOf(ctx, id))
		tag := "<at>" + name + "</at>"
		names = append(names, tag)
		act.Entities = append(act.Entities, mention{Type: "mention", Mentioned: mentionedParty{ID: id, Name: name}, Text: tag})
	}
	act.Text = bot.T(a.opts.Lang, "teams.invited", "people", strings.Join(names, ", "))
	_, err := a.postActivity(ctx, channelID, act)
	return err
}

// Post implements bot.Platform: into an incident thread as a reply, into a
// channel as a new thread.
func (a *Adapter) Post(ctx context.Context, channelID string, msg bot.Message) (bot.MessageRef, error) {
	ref, err := a.postActivity(ctx, channelID, cardActivity(msg))
	if err != nil {
		a.log.Warn("post", zap.Int("status", statusOf(err)), zap.Error(err))
	}
	return ref, err
}

func (a *Adapter) postActivity(ctx context.Context, channelID string, act outActivity) (bot.MessageRef, error) {
	if !isChannel(channelID) {
		id, err := a.send(ctx, channelID, act)
		if err != nil {
			return bot.MessageRef{}, err
		}
		return bot.MessageRef{ChannelID: channelID, ID: encodeRef(channelID, id)}, nil
	}
	conv, id, err := a.createThread(ctx, channelID, act)
	if err != nil {
		return bot.MessageRef{}, err
	}
	return bot.MessageRef{ChannelID: channelID, ID: encodeRef(conv, id)}, nil
}

// Update implements bot.Platform: the card is replaced in place through
// the activity ID kept when it was posted. During a card click the new
// card goes in the click's answer instead.
func (a *Adapter) Update(ctx context.Context, ref bot.MessageRef, msg bot.Message) error {
	conv, id := decodeRef(ref.ID)
	if c, ok := a.captures.Load(id); ok {
		c.(*capture).setCard(renderCard(msg))
		return nil
	}
	if err := a.update(ctx, conv, id, cardActivity(msg)); err != nil {
		a.log.Warn("update card", zap.Int("status", statusOf(err)), zap.Error(err))
		return err
	}
	return nil
}

// SetTopic implements bot.Platform: the card and the thread's first line
// carry what a topic would.
func (a *Adapter) SetTopic(context.Context, string, string) error { return bot.ErrUnsupported }

// Pin implements bot.Platform: bots cannot pin in Teams.
func (a *Adapter) Pin(context.Context, bot.MessageRef) error { return bot.ErrUnsupported }

// Archive implements bot.Platform: a bot cannot archive a channel.
func (a *Adapter) Archive(context.Context, string) error { return bot.ErrUnsupported }

// OpenForm implements bot.Platform with a card holding the form, sent as a
// new message where the person asked (a clicked card stays as it is); for
// a message extension's command, as the dialog that answers it.
func (a *Adapter) OpenForm(ctx context.Context, ev *bot.Event, form bot.Form) error {
	r := replyOf(ev)
	if r.capture != nil && r.capture.dialog {
		r.capture.setForm(form, a.openDialog(form))
		return nil
	}
	if r.conversation == "" {
		return bot.ErrUnsupported
	}
	id, err := a.send(ctx, r.conversation, outActivity{Type: "message", Attachments: []map[string]any{attachment(renderForm(form, nil, nil))}})
	if err != nil {
		return err
	}
	a.mu.Lock()
	if len(a.forms) > 1000 {
		a.forms = map[string]bot.Form{}
	}
	a.forms[id] = form
	a.mu.Unlock()
	return nil
}

// Reply implements bot.Platform. Teams has no messages only one person
// sees in a channel: the answer goes in the click's response when there is
// one, else into the conversation the person wrote in.
func (a *Adapter) Reply(ctx context.Context, ev *bot.Event, msg bot.Message) error {
	r := replyOf(ev)
	if r.capture != nil && r.capture.setMessage(msg) {
		return nil
	}
	conv := r.conversation
	if conv == "" {
		conv = ev.Channel
	}
	if conv == "" {
		return bot.ErrUnsupported
	}
	act := cardActivity(msg)
	if msg.Secret && !r.personal {
		// Teams has no reply that only one member of a channel sees: a
		// secret goes to the person's 1:1 chat with the bot.
		err := a.sendPersonal(ctx, ev.User.ID, act)
		if statusOf(err) != http.StatusForbidden {
			return err
		}
		// Teams refuses the 1:1 chat with someone who has not added the
		// app for themselves: they are told so where they asked, without
		// the secret, rather than left waiting for it.
		a.log.Info("personal chat refused; the person is told in the conversation", zap.Error(err))
		notice := cardActivity(bot.Message{Text: bot.T(a.lang(ev.Locale), "teams.personal_refused", "user", ev.User.Display())})
		notice.ReplyToID = r.activityID
		_, err = a.send(ctx, conv, notice)
		return err
	}
	act.ReplyToID = r.activityID
	_, err := a.send(ctx, conv, act)
	return err
}

// sendPersonal starts (or finds) the bot's 1:1 chat with the user and
// sends act in it, in one createConversation call.
func (a *Adapter) sendPersonal(ctx context.Context, userID string, act outActivity) error {
	body := map[string]any{
		"isGroup":     false,
		"bot":         map[string]string{"id": "28:" + a.opts.AppID},
		"members":     []map[string]string{{"id": userID}},
		"channelData": map[string]any{"tenant": map[string]string{"id": a.opts.TenantID}},
		"tenantId":    a.opts.TenantID,
		"activity":    act,
	}
	return a.api.call(ctx, ScopeConnector, http.MethodPost, a.conversationsURL(), "createConversation", userID, body, nil)
}
