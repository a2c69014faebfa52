package storetest

import (
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// ScaleMessages reads ANALYTICS_SCALE: the number of messages the analytics
// scale test generates (0, the default, skips it).
func ScaleMessages(t *testing.T) int {
	n, _ := strconv.Atoi(os.Getenv("ANALYTICS_SCALE"))
	if n <= 0 {
		t.Skip("set ANALYTICS_SCALE=1000000 to time analytics on a large generated data set")
	}
	return n
}

// RunAnalyticsScale generates n messages of one tenant over the year before
// end, plus n/4 of a second tenant, straight into the database with one
// INSERT … SELECT (the same rows in both databases), then times the
// analytics queries through the store and logs the numbers. db is the
// store's writer pool; series is the row generator of the dialect (a
// recursive CTE for SQLite, generate_series for PostgreSQL).
func RunAnalyticsScale(t *testing.T, s gateway.Store, db *sql.DB, n int) {
	ctx := t.Context()
	u, other := newUser(t, s), newUser(t, s)
	sess, otherSess := newSession(t, s, u.ID), newSession(t, s, other.ID)
	end := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	start := end.AddDate(-1, 0, 0)
	span := end.Sub(start).Microseconds()

	gen := func(userID, sessionID string, count int, salt int) time.Duration {
		// Pseudo-random but reproducible columns from the row number i:
		// h spreads i over [0, 2^31); direction 1 in 20 inbound; status by h % 100.
		var rows, id, h string
		if s.Dialect() == "postgres" {
			rows = fmt.Sprintf("(SELECT i FROM generate_series(0::BIGINT, %d::BIGINT) AS g(i)) AS r", count-1)
			id = fmt.Sprintf("md5('%d-' || i::text)::uuid", salt)
			h = "((i * 2654435761::BIGINT) % 2147483648)"
		} else {
			rows = fmt.Sprintf("(WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < %d) SELECT i FROM c) AS r", count-1)
			id = fmt.Sprintf("printf('%%08x-%%04x-4000-8000-%%012x', i, %d, i)", salt)
			h = "((i * 2654435761) % 2147483648)"
		}
		created := fmt.Sprintf("(%d + i * %d)", start.UnixMicro(), span/int64(count))
		q := fmt.Sprintf(`INSERT INTO messages (id, user_id, session_id, direction, type, recipient, chat, body, status, status_rank,
			created_at, updated_at, sent_at, delivered_at)
			SELECT %[1]s, '%[2]s', '%[3]s',
				CASE WHEN %[4]s %% 20 = 0 THEN 'inbound' ELSE 'outbound' END, 'text', '15550001111@s.whatsapp.net',
				'15550001111@s.whatsapp.net', 'generated',
				CASE WHEN %[4]s %% 20 = 0 THEN 'received' WHEN %[4]s %% 100 < 3 THEN 'failed' WHEN %[4]s %% 100 < 8 THEN 'sent'
					WHEN %[4]s %% 100 < 60 THEN 'delivered' ELSE 'read' END,
				CASE WHEN %[4]s %% 20 = 0 THEN 1 WHEN %[4]s %% 100 < 3 THEN 2 WHEN %[4]s %% 100 < 8 THEN 1
					WHEN %[4]s %% 100 < 60 THEN 3 ELSE 4 END,
				%[5]s, %[5]s,
				CASE WHEN %[4]s %% 20 = 0 OR %[4]s %% 100 < 3 THEN NULL ELSE %[5]s + 300000 END,
				CASE WHEN %[4]s %% 20 = 0 OR %[4]s %% 100 < 8 THEN NULL ELSE %[5]s + 300000 + (%[4]s %% 1000) * (%[4]s %% 1000) * 5 END
			FROM %[6]s`, id, userID, sessionID, h, created, rows)
		t0 := time.Now()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("generate messages: %v", err)
		}
		return time.Since(t0)
	}
	d := gen(u.ID, sess.ID, n, 1)
	t.Logf("generated %d messages of the measured tenant in %v", n, d.Round(time.Millisecond))
	d = gen(other.ID, otherSess.ID, n/4, 2)
	t.Logf("generated %d messages of another tenant in %v", n/4, d.Round(time.Millisecond))
	// Statistics and, in PostgreSQL, the vacuum autovacuum would run after a
	// bulk load (the rollup rows were updated once per message).
	// The bulk load updated each rollup row about a hundred times in a
	// row, which leaves PostgreSQL's rollup tables many times their size;
	// in service the updates are spread over hours, page pruning of HOT
	// updates and autovacuum keep them compact. VACUUM FULL of the rollups
	// stands for that steady state.
	stats := []string{"ANALYZE"}
	if s.Dialect() == "postgres" {
		stats = []string{"VACUUM FULL message_hourly", "VACUUM FULL message_latency_daily", "VACUUM ANALYZE"}
	}
	for _, q := range stats {
		t0 := time.Now()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s in %v", q, time.Since(t0).Round(time.Millisecond))
	}
	counts, err := s.CountMessages(ctx, u.ID, time.Time{})
	must(t, err)
	if counts.Total != n {
		t.Fatalf("got %d messages stored, want %d", counts.Total, n)
	}

	time3 := func(name string, fn func() (int, error)) {
		best := time.Duration(1 << 62)
		var rows int
		for i := 0; i < 3; i++ {
			t0 := time.Now()
			r, err := fn()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			best, rows = min(best, time.Since(t0)), r
		}
		t.Logf("%-58s best of 3: %8.1f ms (%d rows)", name, float64(best.Microseconds())/1000, rows)
	}
	year := gateway.SeriesFilter{From: start, To: end, Bucket: 24 * time.Hour}
	time3("series, a year by day", func() (int, error) { r, err := s.MessageSeries(ctx, u.ID, year); return len(r), err })
	hours := gateway.SeriesFilter{From: end.AddDate(0, 0, -92), To: end, Bucket: time.Hour}
	time3("series, 92 days by hour", func() (int, error) { r, err := s.MessageSeries(ctx, u.ID, hours); return len(r), err })
	bySess := year
	bySess.SessionID = sess.ID
	time3("series, a year by day, one session", func() (int, error) { r, err := s.MessageSeries(ctx, u.ID, bySess); return len(r), err })
	time3("latency histogram, a year", func() (int, error) { r, err := s.DeliveryLatency(ctx, u.ID, year); return len(r), err })
	month := end.AddDate(0, -1, 0)
	time3("latency histogram, a month", func() (int, error) {
		r, err := s.DeliveryLatency(ctx, u.ID, gateway.SeriesFilter{From: month, To: end})
		return len(r), err
	})
	time3("usage per day, a month (statement)", func() (int, error) { r, err := s.UsageDays(ctx, u.ID, month, end); return len(r), err })
	time3("usage per day, a year", func() (int, error) { r, err := s.UsageDays(ctx, u.ID, start, end); return len(r), err })
	time3("overview counts, all time", func() (int, error) { c, err := s.CountMessages(ctx, u.ID, time.Time{}); return c.Total, err })
	// The first send of a month initialises the quota counter from the month's messages.
	time3("quota counter initialisation (first send of a month)", func() (int, error) {
		m := &gateway.Message{UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound, Type: gateway.TypeText,
			Recipient: "1555@s.whatsapp.net", CreatedAt: end.Add(-time.Minute)}
		period := fmt.Sprintf("scale-%d", time.Now().UnixNano())
		used, err := sendOne(ctx, s, m, period, month, end, -1)
		return int(used), err
	})
}
