package sqlstore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, for these tests only

	"github.com/whatsapp-saas/gateway/internal/sqlstore"
	"github.com/whatsapp-saas/gateway/internal/storetest"
)

// countingMigrator counts the transactions Migrate opens, and runs before
// (when set) ahead of the first one: another process migrating meanwhile.
type countingMigrator struct {
	*sql.DB
	begins int
	before func()
}

func (c *countingMigrator) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	if c.before != nil {
		c.before()
		c.before = nil
	}
	c.begins++
	return c.DB.BeginTx(ctx, opts)
}

// newDB opens a new SQLite file on one connection, as the sqlite adapter's
// writer is: BEGIN IMMEDIATE, so a transaction holds the write lock.
func newDB(t *testing.T) *countingMigrator {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db")+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	return &countingMigrator{DB: db}
}

var sqliteDialect = sqlstore.Dialect{Name: "sqlite"}

func migration(v int, name, sql string) sqlstore.Migration {
	return sqlstore.Migration{Version: v, Name: name, SQL: sql}
}

// hasTable reports whether the SQLite database has the table.
func hasTable(t *testing.T, db *sql.DB, name string) bool {
	t.Helper()
	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

var three = []sqlstore.Migration{
	migration(1, "0001_a.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY)"),
	migration(2, "0002_b.sql", "CREATE TABLE b (id INTEGER PRIMARY KEY); INSERT INTO a (id) VALUES (1)"),
	migration(3, "0003_c.sql", "ALTER TABLE a ADD COLUMN c TEXT NOT NULL DEFAULT 'c'"),
}

// TestMigrateOneTransaction: a first start applies every pending migration
// in one transaction (issue 12: SQLite's commits were most of it), records
// each, and a migrated database then opens none.
func TestMigrateOneTransaction(t *testing.T) {
	db := newDB(t)
	if err := sqlstore.Migrate(t.Context(), db, sqliteDialect, three, nil); err != nil {
		t.Fatal(err)
	}
	if db.begins != 1 {
		t.Fatalf("got %d transactions for 3 pending migrations, want 1", db.begins)
	}
	if d := cmp.Diff([]string{"0001_a.sql", "0002_b.sql", "0003_c.sql"}, storetest.RecordedMigrations(t, db.DB)); d != "" {
		t.Fatalf("recorded migrations (-want +got):\n%s", d)
	}
	var c string
	if err := db.QueryRowContext(t.Context(), "SELECT c FROM a WHERE id = 1").Scan(&c); err != nil || c != "c" {
		t.Fatalf("got %q (err %v) from the migrated table, want the row 0002 added with 0003's column", c, err)
	}

	db.begins = 0
	if err := sqlstore.Migrate(t.Context(), db, sqliteDialect, three, nil); err != nil {
		t.Fatalf("migrate a migrated database: %v", err)
	}
	if db.begins != 0 {
		t.Fatalf("got %d transactions on a migrated database, want 0", db.begins)
	}
}

// TestMigrateFailureRollsBackTheBatch: when one pending migration fails,
// none of the batch stays applied or recorded, what was migrated before
// stays, and the error names the migration that failed.
func TestMigrateFailureRollsBackTheBatch(t *testing.T) {
	db := newDB(t)
	if err := sqlstore.Migrate(t.Context(), db, sqliteDialect, three[:1], nil); err != nil {
		t.Fatal(err)
	}
	broken := append(three[:2:2],
		migration(3, "0003_broken.sql", "CREATE TABLE c (id INTEGER PRIMARY KEY); INSERT INTO missing (id) VALUES (1)"),
		migration(4, "0004_d.sql", "CREATE TABLE d (id INTEGER PRIMARY KEY)"))
	err := sqlstore.Migrate(t.Context(), db, sqliteDialect, broken, nil)
	if err == nil {
		t.Fatal("got no error from a failing migration")
	}
	for _, want := range []string{"migration 0003_broken.sql:", "rolled back: 0002_b.sql to 0004_d.sql (3 migrations)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got error %q, want it to say %q", err, want)
		}
	}
	if d := cmp.Diff([]string{"0001_a.sql"}, storetest.RecordedMigrations(t, db.DB)); d != "" {
		t.Errorf("recorded migrations after the failure (-want +got):\n%s", d)
	}
	for _, table := range []string{"b", "c", "d"} {
		if hasTable(t, db.DB, table) {
			t.Errorf("table %s exists after its batch failed, want it rolled back", table)
		}
	}
	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM a").Scan(&n); err != nil || n != 0 {
		t.Errorf("got %d rows in a (err %v), want 0002's insert rolled back", n, err)
	}

	// Fixed, the batch applies as a whole.
	if err := sqlstore.Migrate(t.Context(), db, sqliteDialect, three, nil); err != nil {
		t.Fatalf("migrate after the fix: %v", err)
	}
	if d := cmp.Diff([]string{"0001_a.sql", "0002_b.sql", "0003_c.sql"}, storetest.RecordedMigrations(t, db.DB)); d != "" {
		t.Errorf("recorded migrations after the fix (-want +got):\n%s", d)
	}
}

// TestMigrateRechecksInsideTheTransaction: a migration another process
// applied between Migrate's first read and its transaction is not applied
// again (here it would fail: its table exists), the rest is.
func TestMigrateRechecksInsideTheTransaction(t *testing.T) {
	db := newDB(t)
	db.before = func() {
		// The other process, migrating 0001 first (before's caller holds
		// no transaction yet, so this one runs on the free connection).
		other := &countingMigrator{DB: db.DB}
		if err := sqlstore.Migrate(t.Context(), other, sqliteDialect, three[:1], nil); err != nil {
			t.Errorf("the other migrator: %v", err)
		}
	}
	if err := sqlstore.Migrate(t.Context(), db, sqliteDialect, three, nil); err != nil {
		t.Fatalf("got %v, want 0001 skipped and the rest applied", err)
	}
	if d := cmp.Diff([]string{"0001_a.sql", "0002_b.sql", "0003_c.sql"}, storetest.RecordedMigrations(t, db.DB)); d != "" {
		t.Fatalf("recorded migrations (-want +got):\n%s", d)
	}
}

// TestMigrateFrom: a database with no migration recorded gets the baseline
// in place of the migrations up to its number (recorded as applied) and the
// later ones after it; a database with any migration recorded never gets
// the baseline; a failure after the baseline rolls the baseline back too.
func TestMigrateFrom(t *testing.T) {
	// The baseline builds what 0001 and 0002 build, and a marker table of its own.
	base := &sqlstore.Migration{Version: 2, Name: "0002_b.sql", SQL: "CREATE TABLE a (id INTEGER PRIMARY KEY); CREATE TABLE b (id INTEGER PRIMARY KEY); CREATE TABLE from_baseline (x INTEGER)"}
	all := []string{"0001_a.sql", "0002_b.sql", "0003_c.sql"}

	t.Run("new database", func(t *testing.T) {
		db := newDB(t)
		if err := sqlstore.MigrateFrom(t.Context(), db, sqliteDialect, base, three, nil); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(all, storetest.RecordedMigrations(t, db.DB)); d != "" {
			t.Errorf("recorded migrations (-want +got):\n%s", d)
		}
		if !hasTable(t, db.DB, "from_baseline") {
			t.Error("got no baseline table, want the baseline applied")
		}
		var n int
		if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM a WHERE c = 'c'").Scan(&n); err != nil {
			t.Errorf("0003's column: %v, want 0003 applied after the baseline", err)
		}
		if n != 0 {
			t.Errorf("got %d rows in a, want 0002's insert left to the baseline (which has none)", n)
		}
		if db.begins != 1 {
			t.Errorf("got %d transactions, want 1", db.begins)
		}
	})

	t.Run("migrated in part", func(t *testing.T) {
		db := newDB(t)
		if err := sqlstore.Migrate(t.Context(), db, sqliteDialect, three[:1], nil); err != nil {
			t.Fatal(err)
		}
		if err := sqlstore.MigrateFrom(t.Context(), db, sqliteDialect, base, three, nil); err != nil {
			t.Fatal(err)
		}
		if hasTable(t, db.DB, "from_baseline") {
			t.Error("got the baseline applied to a database with 0001 recorded, want the migrations")
		}
		if d := cmp.Diff(all, storetest.RecordedMigrations(t, db.DB)); d != "" {
			t.Errorf("recorded migrations (-want +got):\n%s", d)
		}
	})

	t.Run("failure after the baseline", func(t *testing.T) {
		db := newDB(t)
		broken := append(three[:2:2], migration(3, "0003_broken.sql", "INSERT INTO missing (id) VALUES (1)"))
		err := sqlstore.MigrateFrom(t.Context(), db, sqliteDialect, base, broken, nil)
		if err == nil || !strings.Contains(err.Error(), "migration 0003_broken.sql:") {
			t.Fatalf("got %v, want the error to name 0003_broken.sql", err)
		}
		if got := storetest.RecordedMigrations(t, db.DB); len(got) != 0 {
			t.Errorf("got %v recorded, want nothing", got)
		}
		if hasTable(t, db.DB, "from_baseline") || hasTable(t, db.DB, "a") {
			t.Error("got the baseline's tables after the batch failed, want them rolled back")
		}
	})

	t.Run("baseline of no migration", func(t *testing.T) {
		db := newDB(t)
		stray := &sqlstore.Migration{Version: 7, Name: "0007_x.sql", SQL: base.SQL}
		if err := sqlstore.MigrateFrom(t.Context(), db, sqliteDialect, stray, three, nil); err == nil {
			t.Fatal("got no error for a baseline numbered like no migration")
		}
	})
}
