package redis

import (
	"context"
	"errors"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

var _ gateway.Cache = (*Cache)(nil)

// Cache is gateway.Cache on Redis strings. Keys are stored as
// prefix+"cache:"+key.
type Cache struct {
	client goredis.UniversalClient
	prefix string
}

// NewCache returns a cache on client whose keys start with prefix
// (such as "wsg:").
func NewCache(client goredis.UniversalClient, prefix string) *Cache {
	return &Cache{client: client, prefix: prefix + "cache:"}
}

// Ping checks Redis answers; CodeUnavailable when it does not (health).
func (c *Cache) Ping(ctx context.Context) error { return ping(ctx, c.client) }

func (c *Cache) key(k string) string { return c.prefix + k }

// Get returns the value of key; ok is false when absent or expired.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	v, err := c.client.Get(ctx, c.key(key)).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, translate(err)
	}
	return v, true, nil
}

// Set stores value for ttl (no expiry when ttl <= 0).
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return translate(c.client.Set(ctx, c.key(key), value, expiry(ttl)).Err())
}

// SetNX stores value only when key is absent, and reports whether it stored.
func (c *Cache) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	ok, err := c.client.SetNX(ctx, c.key(key), value, expiry(ttl)).Result()
	if err != nil {
		return false, translate(err)
	}
	return ok, nil
}

// Delete removes keys; absent keys are not an error. Keys are deleted one
// command each in a pipeline, so they need not share a Cluster hash slot.
func (c *Cache) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := c.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, c.key(k))
		}
		return nil
	})
	return translate(err)
}

// incrScript adds to a counter and sets its expiry only when it creates it,
// atomically, so a crash between the two cannot leave an immortal counter.
// It answers {1, value}, or {0, 0} when the stored value is not an integer
// (checked here so that case needs no matching of Redis's error text).
var incrScript = goredis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v and not string.match(v, '^%-?%d+$') then
  return {0, 0}
end
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if not v and tonumber(ARGV[2]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return {1, n}
`)

// Incr adds delta to the integer at key, creating it with ttl when absent,
// and returns the new value. A value that is not an integer is a
// CodeInvalid error.
func (c *Cache) Incr(ctx context.Context, key string, delta int64, ttl time.Duration) (int64, error) {
	var ms int64
	if ttl > 0 {
		ms = milliseconds(ttl)
	}
	res, err := incrScript.Run(ctx, c.client, []string{c.key(key)}, delta, ms).Int64Slice()
	if err != nil {
		return 0, translate(err)
	}
	if len(res) != 2 {
		return 0, gateway.Errorf(gateway.CodeInternal, "The cache answered in an unexpected form.")
	}
	if res[0] == 0 {
		return 0, gateway.Errorf(gateway.CodeInvalid, "The cached value is not a number.")
	}
	return res[1], nil
}

// expiry maps the interface's "ttl <= 0 means none" to go-redis's 0, and
// rounds a sub-millisecond ttl up rather than letting it mean "none".
func expiry(ttl time.Duration) time.Duration {
	if ttl <= 0 {
		return 0
	}
	return time.Duration(milliseconds(ttl)) * time.Millisecond
}
