package cloudwatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/internal/inbound"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

// Name is the alert source name of CloudWatch alerts and events.
const Name = "cloudwatch"

// DisplayName is the source as people read it (bot.Alert.SourceName).
const DisplayName = "CloudWatch"

// headerType is the SNS header naming the message type.
const headerType = "x-amz-sns-message-type"

// confirmTimeout bounds the GET of a SubscribeURL.
const confirmTimeout = 10 * time.Second

// Refusals other than the 403s of verify.go. None carries message content.
var (
	errTypeMismatch    = &httpx.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: "x-amz-sns-message-type does not match the message's Type"}
	errUnknownType     = &httpx.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: "unknown SNS message type"}
	errNotAnAlarm      = &httpx.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: "SNS message is not a CloudWatch alarm"}
	errCertUnavailable = &httpx.Error{Status: http.StatusServiceUnavailable, Code: bot.CodeUnavailable, Msg: "SNS signing certificate could not be fetched; send it again later"}
	errConfirmFailed   = &httpx.Error{Status: http.StatusBadGateway, Code: "confirm_failed", Msg: "SNS subscription could not be confirmed"}
)

// Options configures an Adapter.
type Options struct {
	// TopicARNs are the SNS topics whose messages are accepted (required);
	// any other topic is refused before anything is fetched.
	TopicARNs []string
	// CertHost matches the host of SigningCertURL and SubscribeURL
	// (default: SNS's regional hosts, ^sns\.[a-z0-9-]{3,}\.amazonaws\.com(\.cn)?$).
	// Tests pass their own to serve their own certificate.
	CertHost *regexp.Regexp
	// HTTPClient fetches certificates and confirms subscriptions (default:
	// a client with a 10 s timeout). Redirects are followed only to hosts
	// CertHost allows.
	HTTPClient *http.Client
	// Router receives the alerts (required).
	Router inbound.Dispatcher
	Now    func() time.Time
	Log    *zap.Logger
}

// Adapter serves the SNS subscription endpoint of CloudWatch alarms.
type Adapter struct {
	opts   Options
	topics map[string]bool
	client *http.Client
	certs  *certCache
	log    *zap.Logger
}

// New checks opts and builds the adapter.
func New(opts Options) (*Adapter, error) {
	var errs []error
	topics := make(map[string]bool, len(opts.TopicARNs))
	for _, arn := range opts.TopicARNs {
		arn = strings.TrimSpace(arn)
		if !strings.HasPrefix(arn, "arn:") || strings.Count(arn, ":") < 5 {
			errs = append(errs, fmt.Errorf("topic ARN %q is not an SNS topic ARN", arn))
			continue
		}
		topics[arn] = true
	}
	if len(opts.TopicARNs) == 0 {
		errs = append(errs, errors.New("at least one SNS topic ARN is required"))
	}
	if opts.Router == nil {
		errs = append(errs, errors.New("router is required"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("cloudwatch: %w", errors.Join(errs...))
	}
	if opts.CertHost == nil {
		opts.CertHost = defaultCertHost
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	a := &Adapter{opts: opts, topics: topics, log: opts.Log.Named(Name)}
	// A copy, so that the caller's client keeps its own redirect policy.
	client := *opts.HTTPClient
	client.CheckRedirect = a.checkRedirect
	a.client = &client
	a.certs = newCertCache(a.client, certCacheSize)
	return a, nil
}

// checkRedirect lets a fetch follow a redirect only to another allowed
// SNS host, so a signed URL cannot lead anywhere else.
func (a *Adapter) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 3 {
		return errors.New("too many redirects")
	}
	if _, ok := a.snsURL(req.URL.String()); !ok {
		return fmt.Errorf("redirect to %q not allowed", req.URL.Host)
	}
	return nil
}

// Handle serves POST /alerts/cloudwatch. Every message is verified first
// (verify.go); a Notification's alarm is then queued as one bot.Alert
// event and acknowledged, a SubscriptionConfirmation is confirmed, an
// UnsubscribeConfirmation is logged. Errors are *httpx.Error.
func (a *Adapter) Handle(w http.ResponseWriter, r *http.Request) error {
	body, err := inbound.Body(r)
	if err != nil {
		return err
	}
	// SNS sends JSON as text/plain, so the Content-Type says nothing.
	var e envelope
	if err := json.Unmarshal(body, &e); err != nil || e.MessageID == "" {
		return inbound.ErrBadRequest
	}
	switch e.Type {
	case typeNotification, typeSubscribe, typeUnsubscribe:
	default:
		return errUnknownType
	}
	if h := r.Header.Get(headerType); h != "" && h != e.Type {
		return errTypeMismatch
	}
	if err := a.verify(r.Context(), &e); err != nil {
		return err
	}
	switch e.Type {
	case typeSubscribe:
		return a.confirm(r.Context(), w, &e)
	case typeUnsubscribe:
		a.log.Info("SNS subscription ended", zap.String("topic_arn", e.TopicArn), zap.String("message_id", e.MessageID))
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return nil
	}
	return a.notify(w, &e)
}

// confirm confirms a subscription by fetching its SubscribeURL, which must
// name an SNS host too: the signature proves SNS sent it, the host check
// keeps Warroom from fetching anywhere else if that ever fails.
func (a *Adapter) confirm(ctx context.Context, w http.ResponseWriter, e *envelope) error {
	if e.SubscribeURL == nil {
		return a.refuse(e, checkSubscribe)
	}
	if _, ok := a.snsURL(*e.SubscribeURL); !ok {
		return a.refuse(e, checkSubscribe)
	}
	log := a.log.With(zap.String("topic_arn", e.TopicArn), zap.String("message_id", e.MessageID))
	ctx, cancel := context.WithTimeout(ctx, confirmTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *e.SubscribeURL, nil)
	if err != nil {
		return a.refuse(e, checkSubscribe)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		// The URL holds the subscription token: log its host only.
		log.Error("SNS subscription confirmation failed", zap.String("host", req.URL.Host), zap.Error(errors.Unwrap(err)))
		return errConfirmFailed
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		log.Error("SNS subscription confirmation refused", zap.String("host", req.URL.Host), zap.Int("status", resp.StatusCode))
		return errConfirmFailed
	}
	log.Info("SNS subscription confirmed")
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "confirmed"})
	return nil
}

// notify queues the alarm of a Notification.
func (a *Adapter) notify(w http.ResponseWriter, e *envelope) error {
	al, err := parseAlarm(e.Message)
	if err != nil {
		a.log.Warn("SNS notification is not a CloudWatch alarm", zap.String("topic_arn", e.TopicArn),
			zap.String("message_id", e.MessageID))
		return errNotAnAlarm
	}
	alert := al.alert(a.opts.Now())
	ev := bot.Event{
		// SNS keeps the MessageId on retries: the router drops the second.
		ID: "sns:" + e.MessageID, Kind: bot.EventAlert, Platform: Name, At: alert.StartsAt, Alert: alert,
	}
	if err := inbound.Dispatch(a.opts.Router, []bot.Event{ev}); err != nil {
		a.log.Warn("alarm not queued", zap.String("alarm_name", al.AlarmName), zap.Error(err))
		return err
	}
	a.log.Info("alarm queued", zap.String("alarm_name", al.AlarmName), zap.String("state", al.NewStateValue),
		zap.String("message_id", e.MessageID))
	inbound.Accepted(w, 1)
	return nil
}
