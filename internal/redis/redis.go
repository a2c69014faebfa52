// Package redis holds the Redis adapters of gateway.Cache,
// gateway.RateLimiter and gateway.Bus, used when several gateway and worker
// processes share state (REDIS_URL set). Every key and channel is
// namespaced by a prefix, so several deployments can share one server.
//
// Redis is a cache and a wake-up channel here, never the only copy of
// anything: an outage degrades the product, it does not lose data.
package redis

import (
	"context"
	"errors"
	"net/url"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// openTimeout bounds Open's ping when ctx has no deadline of its own.
const openTimeout = 5 * time.Second

// Open connects to the server of a redis:// or rediss:// URL and pings it.
// A URL that does not parse is a CodeInvalid error (with the URL's password
// kept out of the message and the cause); a server that does not answer is
// CodeUnavailable.
func Open(ctx context.Context, rawURL string) (*goredis.Client, error) {
	opts, err := goredis.ParseURL(rawURL)
	if err != nil {
		// url.Error repeats the whole URL, password included: keep only
		// what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, gateway.WrapError(err, gateway.CodeInvalid, "The Redis URL is not valid.")
	}
	client := goredis.NewClient(opts)
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, openTimeout)
		defer cancel()
	}
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, unavailable(err)
	}
	return client, nil
}

// unavailable is the error of a Redis call that did not get an answer.
func unavailable(err error) error {
	return gateway.WrapError(err, gateway.CodeUnavailable, "The cache is unavailable.")
}

// translate turns a go-redis error into a *gateway.Error: a server's error
// reply is a bug on our side (CodeInternal); anything else (network,
// timeout, closed client, ended context) means Redis could not be reached.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var rerr goredis.Error
	if errors.As(err, &rerr) {
		return gateway.WrapError(err, gateway.CodeInternal, "The cache refused a command.")
	}
	return unavailable(err)
}

// ping checks the server answers.
func ping(ctx context.Context, c goredis.UniversalClient) error {
	if err := c.Ping(ctx).Err(); err != nil {
		return unavailable(err)
	}
	return nil
}

// milliseconds rounds d up to whole milliseconds, Redis's finest expiry, so
// a positive duration never becomes "no expiry".
func milliseconds(d time.Duration) int64 {
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}
