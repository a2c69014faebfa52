package redis

import (
	"context"
	"math/rand/v2"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

var _ gateway.RateLimiter = (*RateLimiter)(nil)

// RateLimiter is an exact sliding-window limiter shared by every process
// using the same Redis and prefix: a key is allowed limit requests in any
// window-long span. Each key is a sorted set of its allowed requests'
// instants (at most limit members), kept and checked by one Lua script on
// the server's clock, so gateways with skewed clocks still agree and
// concurrent requests cannot both take the last slot.
type RateLimiter struct {
	client goredis.UniversalClient
	prefix string
}

// NewRateLimiter returns a limiter on client whose keys start with prefix
// (such as "wsg:").
func NewRateLimiter(client goredis.UniversalClient, prefix string) *RateLimiter {
	return &RateLimiter{client: client, prefix: prefix + "rate:"}
}

// allowScript is the sliding-window log. KEYS[1] is the key's sorted set,
// ARGV the limit, the window in milliseconds and a unique member for this
// request. It answers {allowed, count, retry_ms, reset_ms}. Denied requests
// are not recorded, which bounds the set at limit members. Times are whole
// milliseconds (13 digits), which Lua 5.1 passes to Redis without loss.
var allowScript = goredis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < limit then
  redis.call('ZADD', key, now, ARGV[3])
  count = count + 1
  allowed = 1
end
local retry = 0
if allowed == 0 then
  -- The request passes once enough of the oldest hits have left the window
  -- for the count to drop below limit (the limit may have been lowered).
  local at = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
  retry = tonumber(at[2]) + window - now
end
local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
local reset = tonumber(newest[2]) + window - now
redis.call('PEXPIRE', key, reset)
return {allowed, count, retry, reset}
`)

// Allow counts one request for key against limit per window. A denied
// request is not counted. limit < 1 or window <= 0 is a CodeInternal error;
// CodeUnavailable when Redis cannot be reached (callers decide whether to
// fail open).
func (l *RateLimiter) Allow(ctx context.Context, key string, limit int, window time.Duration) (gateway.RateResult, error) {
	if limit < 1 || window <= 0 {
		return gateway.RateResult{}, gateway.Errorf(gateway.CodeInternal, "The rate limit is misconfigured.")
	}
	member := strconv.FormatUint(rand.Uint64(), 36)
	res, err := allowScript.Run(ctx, l.client, []string{l.prefix + key}, limit, milliseconds(window), member).Int64Slice()
	if err != nil {
		return gateway.RateResult{}, translate(err)
	}
	if len(res) != 4 {
		return gateway.RateResult{}, gateway.Errorf(gateway.CodeInternal, "The cache answered in an unexpected form.")
	}
	return gateway.RateResult{
		Allowed:    res[0] == 1,
		Limit:      limit,
		Remaining:  max(0, limit-int(res[1])),
		RetryAfter: time.Duration(res[2]) * time.Millisecond,
		ResetAfter: time.Duration(res[3]) * time.Millisecond,
	}, nil
}

// Reset forgets key.
func (l *RateLimiter) Reset(ctx context.Context, key string) error {
	return translate(l.client.Del(ctx, l.prefix+key).Err())
}
