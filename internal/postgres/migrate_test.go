package postgres

import (
	"database/sql"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/postgres/pgtest"
	"github.com/whatsapp-saas/gateway/internal/sqlstore"
	"github.com/whatsapp-saas/gateway/internal/storetest"
)

// TestUpgradeWithMessages migrates a database that holds a message from
// 0005 to the last migration in one transaction. The messages table has
// deferred rollup triggers by then (0004), 0006 updates every message and
// 0011 indexes the table: PostgreSQL refuses to index or alter a table with
// trigger events pending, so in one transaction this fails unless the
// dialect's migration prelude fires them at each statement.
func TestUpgradeWithMessages(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	migrations, err := sqlstore.Migrations(migrationFS, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	upTo := 0
	for upTo < len(migrations) && migrations[upTo].Version <= 5 {
		upTo++
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := sqlstore.Migrate(t.Context(), db, dialect, migrations[:upTo], nil); err != nil {
		t.Fatalf("migrate to 0005: %v", err)
	}
	const user, session, msg = "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002", "00000000-0000-0000-0000-000000000003"
	for _, q := range []string{
		"INSERT INTO users (id, email, role, status, created_at, updated_at) VALUES ('" + user + "', 'u@example.com', 'user', 'active', 0, 0)",
		"INSERT INTO sessions (id, user_id, name, engine, status, created_at, updated_at) VALUES ('" + session + "', '" + user + "', 's', 'sandbox', 'disconnected', 0, 0)",
		"INSERT INTO messages (id, user_id, session_id, direction, type, status, status_rank, created_at, updated_at, payload) VALUES ('" +
			msg + "', '" + user + "', '" + session + "', 'outbound', 'text', 'queued', 0, 0, 0, '{\"request_id\": \"req-1\"}')",
	} {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	s := open(t, dsn)
	storetest.AssertMigrated(t, s.DB(), migrationFS)
	var requestID string
	var hourly int
	if err := s.DB().QueryRowContext(t.Context(), "SELECT request_id FROM messages WHERE id = $1", msg).Scan(&requestID); err != nil {
		t.Fatal(err)
	}
	if requestID != "req-1" {
		t.Errorf("got request_id %q, want 0006 to have copied req-1 from the payload", requestID)
	}
	if err := s.DB().QueryRowContext(t.Context(), "SELECT COALESCE(SUM(n), 0) FROM message_hourly WHERE session_id = $1", session).Scan(&hourly); err != nil {
		t.Fatal(err)
	}
	if hourly != 1 {
		t.Errorf("got %d messages in the hourly rollup, want 1", hourly)
	}
}
