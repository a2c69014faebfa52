package inmem

import (
	"hash/maphash"
	"sync"
	"time"
)

// shardCount splits maps into independently locked parts, so concurrent
// requests for different keys rarely wait for each other.
const shardCount = 32

// sweepInterval is how often what is no longer needed (expired keys, empty
// windows) is removed in the background. Reads already ignore it; the
// sweep only bounds memory.
const sweepInterval = time.Minute

// shards is the keyed state of the cache and the rate limiter: a map in
// shardCount locked parts, times on a monotonic clock since epoch, and a
// background sweep of the entries drop says are done with; Close stops it.
type shards[V any] struct {
	seed  maphash.Seed
	epoch time.Time
	parts [shardCount]shard[V]
	drop  func(now time.Duration, v V) bool
	stop  chan struct{}
	once  sync.Once
	done  chan struct{}
}

type shard[V any] struct {
	mu sync.Mutex
	m  map[string]V
}

// start makes the maps and starts the sweeper.
func (s *shards[V]) start(drop func(now time.Duration, v V) bool) {
	s.seed, s.epoch, s.drop = maphash.MakeSeed(), time.Now(), drop
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	for i := range s.parts {
		s.parts[i].m = make(map[string]V)
	}
	go s.sweepLoop(sweepInterval)
}

// Close stops the background sweep. The cache or limiter stays usable.
func (s *shards[V]) Close() error {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	return nil
}

func (s *shards[V]) now() time.Duration { return time.Since(s.epoch) }

func (s *shards[V]) shard(key string) *shard[V] {
	return &s.parts[maphash.String(s.seed, key)%shardCount]
}

func (s *shards[V]) sweepLoop(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.sweep()
		}
	}
}

// sweep removes what drop says is done with, one shard at a time so
// readers wait at most for one shard's scan.
func (s *shards[V]) sweep() {
	for i := range s.parts {
		p := &s.parts[i]
		p.mu.Lock()
		now := s.now()
		for k, v := range p.m {
			if s.drop(now, v) {
				delete(p.m, k)
			}
		}
		p.mu.Unlock()
	}
}

// len counts the keys held, swept or not yet (tests).
func (s *shards[V]) len() int {
	n := 0
	for i := range s.parts {
		p := &s.parts[i]
		p.mu.Lock()
		n += len(p.m)
		p.mu.Unlock()
	}
	return n
}
