package sqlstore

import (
	"context"
	"database/sql"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

var _ gateway.StatsStore = (*Store)(nil)

// StateCounts counts sessions, instances and messages of every tenant by
// state (metrics). The message count scans the messages table's
// (direction, status) groups, so callers run it periodically, not per request.
func (s *Store) StateCounts(ctx context.Context) (*gateway.StateCounts, error) {
	c := &gateway.StateCounts{
		Sessions:   map[gateway.SessionStatus]int{},
		Instances:  map[gateway.InstanceStatus]int{},
		Messages:   map[string]map[gateway.MessageStatus]int{},
		Deliveries: map[gateway.DeliveryStatus]int{},
	}
	err := s.groupCount(ctx, "SELECT status, '', COUNT(*) FROM sessions GROUP BY status", func(status, _ string, n int) {
		c.Sessions[gateway.SessionStatus(status)] = n
	})
	if err == nil {
		err = s.groupCount(ctx, "SELECT status, '', COUNT(*) FROM instances GROUP BY status", func(status, _ string, n int) {
			c.Instances[gateway.InstanceStatus(status)] = n
		})
	}
	if err == nil {
		err = s.groupCount(ctx, "SELECT status, direction, COUNT(*) FROM messages WHERE NOT history GROUP BY direction, status", func(status, dir string, n int) {
			if c.Messages[dir] == nil {
				c.Messages[dir] = map[gateway.MessageStatus]int{}
			}
			c.Messages[dir][gateway.MessageStatus(status)] = n
		})
	}
	if err == nil {
		err = s.groupCount(ctx, "SELECT status, '', COUNT(*) FROM deliveries GROUP BY status", func(status, _ string, n int) {
			c.Deliveries[gateway.DeliveryStatus(status)] = n
		})
	}
	if err == nil {
		var oldest sql.NullInt64
		err = s.reader.QueryRowContext(ctx, s.q("SELECT MIN(created_at) FROM deliveries WHERE status IN ('pending', 'failed')")).Scan(&oldest)
		if oldest.Valid {
			c.OldestUndelivered = fromMicros(oldest.Int64)
		}
	}
	if err != nil {
		return nil, s.fail(err, "count states", "", "")
	}
	return c, nil
}

func (s *Store) groupCount(ctx context.Context, query string, add func(a, b string, n int)) error {
	return s.eachRow(ctx, query, nil, func(sc scanner) error {
		var a, b string
		var n int
		if err := sc.Scan(&a, &b, &n); err != nil {
			return err
		}
		add(a, b, n)
		return nil
	})
}
