package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/sqlstore"
	"github.com/whatsapp-saas/gateway/internal/storetest"
)

// countingMigrator counts the write transactions Migrate opens.
type countingMigrator struct {
	*sql.DB
	begins int
}

func (c *countingMigrator) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	c.begins++
	return c.DB.BeginTx(ctx, opts)
}

// TestFirstOpenOneTransaction: a new database gets every migration in one
// write transaction (issue 12: one commit per migration was most of a
// first start), and all of them are recorded.
func TestFirstOpenOneTransaction(t *testing.T) {
	writer := newWriter(t)
	migrations, err := sqlstore.Migrations(migrationFS, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	db := &countingMigrator{DB: writer}
	if err := sqlstore.Migrate(t.Context(), db, dialect, migrations, nil); err != nil {
		t.Fatal(err)
	}
	if db.begins != 1 {
		t.Fatalf("got %d transactions migrating a new database, want 1", db.begins)
	}
	storetest.AssertMigrated(t, writer, migrationFS)
}

// TestRestartOpensNoMigrationTransaction keeps a restart cheap (issue 12's
// start-up): on a database every migration is recorded in, Migrate reads
// schema_migrations once and opens no transaction; a new migration costs
// exactly its own.
func TestRestartOpensNoMigrationTransaction(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "gateway.db"))
	migrations, err := sqlstore.Migrations(migrationFS, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	db := &countingMigrator{DB: s.DB()}
	if err := sqlstore.Migrate(t.Context(), db, dialect, migrations, nil); err != nil {
		t.Fatalf("migrate a migrated database: %v", err)
	}
	if db.begins != 0 {
		t.Fatalf("got %d transactions migrating a migrated database, want 0", db.begins)
	}

	next := sqlstore.Migration{Version: migrations[len(migrations)-1].Version + 1000, Name: "test_added.sql",
		SQL: "CREATE TABLE test_added (id INTEGER PRIMARY KEY)"}
	if err := sqlstore.Migrate(t.Context(), db, dialect, append(migrations, next), nil); err != nil {
		t.Fatalf("migrate with one new migration: %v", err)
	}
	if db.begins != 1 {
		t.Fatalf("got %d transactions for one new migration, want 1", db.begins)
	}
	var n int
	if err := s.DB().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", next.Version).Scan(&n); err != nil || n != 1 {
		t.Fatalf("got %d records of the new migration (err %v), want 1", n, err)
	}
	if _, err := s.DB().ExecContext(t.Context(), "INSERT INTO test_added (id) VALUES (1)"); err != nil {
		t.Fatalf("the new migration's table: %v", err)
	}
}
