package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Dial parses a REDIS_URL, makes the matching client and pings it with ctx:
//
//   - redis://[user:pass@]host:port[/db] or rediss://...: a single node;
//   - the same with one or more addr= query parameters
//     (redis://h1:6379?addr=h2:6379&addr=h3:6379): Redis Cluster, seeded
//     with every address;
//   - with a master_name= query parameter: Sentinel, the host and any addr=
//     being sentinels (password= and username= give the master's
//     credentials, the userinfo the sentinels').
//
// Other query parameters are go-redis's (dial_timeout, pool_size, ...).
// When the URL is malformed, or Redis does not answer (then the error wraps
// bot.ErrUnavailable and the client is closed), Dial returns an error whose
// text never contains a password.
func Dial(ctx context.Context, rawURL string) (redis.UniversalClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // ue.Error() would quote the whole URL
		}
		return nil, fmt.Errorf("parse redis url: %w", redact(err, urlSecrets(rawURL, nil)))
	}
	secrets := urlSecrets(rawURL, u)
	rdb, err := newClient(rawURL, u.Query())
	if err != nil {
		return nil, fmt.Errorf("parse redis url: %w", redact(err, secrets))
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("connect to redis at %s: %w", u.Host, unavailable(redact(err, secrets)))
	}
	return rdb, nil
}

// newClient picks the client kind from the query parameters.
func newClient(rawURL string, q url.Values) (redis.UniversalClient, error) {
	switch {
	case q.Has("master_name"):
		opt, err := redis.ParseFailoverURL(rawURL)
		if err != nil {
			return nil, err
		}
		return redis.NewFailoverClient(opt), nil
	case q.Has("addr"):
		opt, err := redis.ParseClusterURL(rawURL)
		if err != nil {
			return nil, err
		}
		return redis.NewClusterClient(opt), nil
	default:
		opt, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, err
		}
		return redis.NewClient(opt), nil
	}
}

// urlSecrets returns the passwords a Redis URL may carry: the userinfo's
// (found by hand too, for URLs that do not parse) and the password query
// parameters, each raw and unescaped.
func urlSecrets(rawURL string, u *url.URL) []string {
	var out []string
	add := func(s string) {
		if s == "" {
			return
		}
		out = append(out, s)
		if un, err := url.PathUnescape(s); err == nil && un != s {
			out = append(out, un)
		}
	}
	if _, rest, ok := strings.Cut(rawURL, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			_, pass, _ := strings.Cut(rest[:at], ":")
			add(pass)
		}
	}
	if u != nil {
		if pass, ok := u.User.Password(); ok {
			add(pass)
		}
		for _, name := range []string{"password", "sentinel_password"} {
			for _, v := range u.Query()[name] {
				add(v)
			}
		}
	}
	return out
}

// redactedError hides secrets from its text but keeps the wrapped chain
// for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err with every secret in its text replaced by "xxxxx".
func redact(err error, secrets []string) error {
	msg := err.Error()
	for _, s := range secrets {
		msg = strings.ReplaceAll(msg, s, "xxxxx")
	}
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}
