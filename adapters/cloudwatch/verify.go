package cloudwatch

import (
	"context"
	"crypto"
	"crypto/rsa"
	_ "crypto/sha1" // SignatureVersion 1
	_ "crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

// SNS message types, as in the body's Type and the x-amz-sns-message-type
// header.
const (
	typeNotification = "Notification"
	typeSubscribe    = "SubscriptionConfirmation"
	typeUnsubscribe  = "UnsubscribeConfirmation"
)

// Replay window around a message's Timestamp. SNS keeps the Timestamp of
// the first attempt on retries, and its HTTP delivery policies retry for at
// most an hour; 15 minutes ahead allows for clock skew.
const (
	maxAge    = time.Hour
	maxFuture = 15 * time.Minute
)

// defaultCertHost matches SNS's regional endpoints (aws, aws-us-gov and
// aws-cn partitions) and nothing else under amazonaws.com, such as S3,
// where anyone can publish a .pem. It is AWS's own validators' pattern.
var defaultCertHost = regexp.MustCompile(`^sns\.[a-z0-9-]{3,}\.amazonaws\.com(\.cn)?$`)

// Checks, named in refusals and logs. None carries message content.
const (
	checkTopic     = "topic not allowed"
	checkVersion   = "unsupported signature version"
	checkCertURL   = "signing certificate URL not allowed"
	checkTimestamp = "timestamp outside the replay window"
	checkSigFormat = "signature is not base64"
	checkCertTime  = "signing certificate not valid now"
	checkCertKey   = "signing certificate has no RSA key"
	checkSignature = "signature mismatch"
	checkSubscribe = "subscribe URL not allowed"
)

// envelope is the JSON body of every SNS HTTP(S) delivery. Subject, Token
// and SubscribeURL are pointers because a key is part of the signed string
// only when present: an absent Subject is not an empty one.
type envelope struct {
	Type             string  `json:"Type"`
	MessageID        string  `json:"MessageId"`
	TopicArn         string  `json:"TopicArn"`
	Subject          *string `json:"Subject"`
	Message          string  `json:"Message"`
	Timestamp        string  `json:"Timestamp"`
	Token            *string `json:"Token"`
	SubscribeURL     *string `json:"SubscribeURL"`
	SignatureVersion string  `json:"SignatureVersion"`
	Signature        string  `json:"Signature"`
	SigningCertURL   string  `json:"SigningCertURL"`
}

// stringToSign is what SNS signs: for each key in this fixed order, only if
// present, "Key\nValue\n", with the JSON-decoded values. A Notification
// yields Message, MessageId, Subject (if any), Timestamp, TopicArn, Type; a
// confirmation Message, MessageId, SubscribeURL, Timestamp, Token,
// TopicArn, Type.
func (e *envelope) stringToSign() string {
	var b strings.Builder
	add := func(k, v string) {
		b.WriteString(k)
		b.WriteByte('\n')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	addOpt := func(k string, v *string) {
		if v != nil {
			add(k, *v)
		}
	}
	add("Message", e.Message)
	add("MessageId", e.MessageID)
	addOpt("Subject", e.Subject)
	addOpt("SubscribeURL", e.SubscribeURL)
	add("Timestamp", e.Timestamp)
	addOpt("Token", e.Token)
	add("TopicArn", e.TopicArn)
	add("Type", e.Type)
	return b.String()
}

// refusal is one failed check: why, for the 403 and the log.
type refusal string

func (r refusal) Error() string { return string(r) }

// verify checks everything that makes a message trustworthy, cheapest
// first: nothing is fetched for a topic that is not ours or a certificate
// URL that is not an SNS host's. A refusal is a 403; a certificate that
// cannot be fetched is a 503, so SNS delivers again.
func (a *Adapter) verify(ctx context.Context, e *envelope) error {
	if !a.topics[e.TopicArn] {
		return a.refuse(e, checkTopic)
	}
	var hash crypto.Hash
	switch e.SignatureVersion {
	case "1":
		hash = crypto.SHA1
	case "2":
		hash = crypto.SHA256
	default:
		return a.refuse(e, checkVersion)
	}
	if !a.certURLOK(e.SigningCertURL) {
		return a.refuse(e, checkCertURL)
	}
	now := a.opts.Now()
	ts, err := time.Parse(time.RFC3339, e.Timestamp)
	if err != nil || now.Sub(ts) > maxAge || ts.Sub(now) > maxFuture {
		return a.refuse(e, checkTimestamp)
	}
	sig, err := base64.StdEncoding.DecodeString(e.Signature)
	if err != nil || len(sig) == 0 {
		return a.refuse(e, checkSigFormat)
	}
	pub, err := a.publicKey(ctx, e.SigningCertURL, now)
	if err != nil {
		var r refusal
		if errors.As(err, &r) {
			return a.refuse(e, string(r))
		}
		a.log.Warn("signing certificate unavailable", zap.String("cert_host", hostOf(e.SigningCertURL)),
			zap.String("message_id", e.MessageID), zap.Error(err))
		return errCertUnavailable
	}
	h := hash.New()
	h.Write([]byte(e.stringToSign()))
	if rsa.VerifyPKCS1v15(pub, hash, h.Sum(nil), sig) != nil {
		return a.refuse(e, checkSignature)
	}
	return nil
}

// publicKey returns the RSA key of the certificate at u, valid at now. A
// cached certificate that is no longer valid is fetched again once, in
// case SNS renewed it under the same URL.
func (a *Adapter) publicKey(ctx context.Context, u string, now time.Time) (*rsa.PublicKey, error) {
	cert, cached, err := a.certs.get(ctx, u)
	if err != nil {
		return nil, err
	}
	if cached && (now.Before(cert.NotBefore) || now.After(cert.NotAfter)) {
		a.certs.forget(u, cert)
		if cert, _, err = a.certs.get(ctx, u); err != nil {
			return nil, err
		}
	}
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return nil, refusal(checkCertTime)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, refusal(checkCertKey)
	}
	return pub, nil
}

// refuse logs a failed check and returns its 403.
func (a *Adapter) refuse(e *envelope, check string) error {
	a.log.Warn("refused SNS message", zap.String("check", check), zap.String("type", e.Type),
		zap.String("topic_arn", e.TopicArn), zap.String("message_id", e.MessageID))
	return &httpx.Error{Status: http.StatusForbidden, Code: bot.CodeForbidden, Msg: "SNS message refused: " + check}
}

// certURLOK says whether u may be fetched as a signing certificate: https,
// a path ending in .pem, no query, and an allowed host.
func (a *Adapter) certURLOK(raw string) bool {
	u, ok := a.snsURL(raw)
	return ok && strings.HasSuffix(u.Path, ".pem") && u.RawQuery == "" && u.Fragment == ""
}

// snsURL parses raw and says whether it is an https URL on an allowed SNS
// host (any port: tests serve their own certificates).
func (a *Adapter) snsURL(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Opaque != "" || u.User != nil {
		return nil, false
	}
	return u, a.opts.CertHost.MatchString(strings.ToLower(u.Hostname()))
}

// hostOf is the host of a URL, for logs: URLs may carry tokens.
func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Host
	}
	return ""
}
