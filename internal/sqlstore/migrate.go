package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/defaults"
)

// Migrator is what migrations run on: a pool (SQLite's one writer) or one
// connection (PostgreSQL's, holding the advisory lock).
type Migrator interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Migration is one numbered, forward-only schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations reads the numbered migrations of fsys (files named like
// 0001_init.sql in dir), in order. Two files with one number are an error.
func Migrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var list []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: the name must start with a positive number", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		list = append(list, Migration{Version: v, Name: name, SQL: string(b)})
	}
	slices.SortFunc(list, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(list); i++ {
		if list[i].Version == list[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share a number", list[i-1].Name, list[i].Name)
		}
	}
	return list, nil
}

// Migrate applies the migrations not yet recorded in schema_migrations, in
// order, all in one transaction with their records: a failing migration
// rolls back every one of the batch, so the database is either as it was or
// fully migrated, and the error names the migration that failed (and a
// first start commits once instead of once per migration, issue 12). What
// is recorded is read again inside that transaction, so two processes
// migrating one database at once (SQLite's BEGIN IMMEDIATE serialises them;
// PostgreSQL's adapter also holds an advisory lock) each apply a migration
// at most once. A database with nothing pending costs one read and no
// transaction.
func Migrate(ctx context.Context, db Migrator, d Dialect, migrations []Migration, log *slog.Logger) error {
	return MigrateFrom(ctx, db, d, nil, migrations, log)
}

// MigrateFrom is Migrate with a baseline: base.SQL is the schema that the
// migrations up to base.Version leave, as one script, and a database with no
// migration recorded gets it in their stead (in the same transaction, those
// migrations recorded as applied), then the migrations after it. On SQLite
// that is most of a first start saved: each ALTER TABLE there parses the
// whole schema again. A nil base is Migrate; base.Version must be one of
// the migrations'.
func MigrateFrom(ctx context.Context, db Migrator, d Dialect, base *Migration, migrations []Migration, log *slog.Logger) error {
	log = defaults.Logger(log)
	if base != nil && !slices.ContainsFunc(migrations, func(m Migration) bool { return m.Version == base.Version }) {
		return fmt.Errorf("baseline %s: no migration has its number", base.Name)
	}
	_, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    BIGINT PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at BIGINT NOT NULL
	)`)
	if err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	done, err := recordedVersions(ctx, db)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(migrations, func(m Migration) bool { return !done[m.Version] }) {
		return nil
	}
	r, err := applyPending(ctx, db, d, base, migrations)
	if err != nil {
		return err
	}
	if r.baseline > 0 {
		log.Info("database created", "dialect", d.Name, "baseline", base.Name, "migrations", r.baseline)
	}
	for _, m := range r.applied {
		log.Info("database migrated", "dialect", d.Name, "migration", m.Name)
	}
	return nil
}

// migrated is what applyPending did: how many migrations the baseline
// stood for, and the migrations it applied one by one.
type migrated struct {
	baseline int
	applied  []Migration
}

// applyPending applies, in one transaction, what schema_migrations does not
// list once that transaction holds the write lock: base when nothing is
// listed (base may be nil), then each migration still missing.
func applyPending(ctx context.Context, db Migrator, d Dialect, base *Migration, migrations []Migration) (migrated, error) {
	var r migrated
	q := func(s string) string {
		if d.NumberedParams {
			return numberParams(s)
		}
		return s
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return r, fmt.Errorf("migrate: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if d.MigrationPrelude != "" {
		if _, err := tx.ExecContext(ctx, d.MigrationPrelude); err != nil {
			return r, fmt.Errorf("migrate: %w", err)
		}
	}
	done, err := recordedVersions(ctx, tx)
	if err != nil {
		return r, err
	}
	pending := pendingNames(migrations, done)
	now := time.Now().UnixMicro()
	record := func(m Migration) error {
		_, err := tx.ExecContext(ctx, q("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
			m.Version, m.Name, now)
		if err != nil {
			return fmt.Errorf("migration %s: record: %w (rolled back: %s)", m.Name, err, pending)
		}
		return nil
	}
	if base != nil && len(done) == 0 {
		if _, err := tx.ExecContext(ctx, base.SQL); err != nil {
			return r, fmt.Errorf("baseline %s: %w (rolled back: %s)", base.Name, err, pending)
		}
		for _, m := range migrations {
			if m.Version > base.Version {
				continue
			}
			if err := record(m); err != nil {
				return r, err
			}
			done[m.Version] = true
			r.baseline++
		}
	}
	for _, m := range migrations {
		if done[m.Version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return r, fmt.Errorf("migration %s: %w (rolled back: %s)", m.Name, err, pending)
		}
		if err := record(m); err != nil {
			return r, err
		}
		r.applied = append(r.applied, m)
	}
	if err := tx.Commit(); err != nil {
		return r, fmt.Errorf("migrate: commit %s: %w", pending, err)
	}
	return r, nil
}

// pendingNames names the migrations done does not list: "0003_a.sql to
// 0021_b.sql (19 migrations)", or the one name.
func pendingNames(migrations []Migration, done map[int]bool) string {
	var first, last string
	n := 0
	for _, m := range migrations {
		if done[m.Version] {
			continue
		}
		if n == 0 {
			first = m.Name
		}
		last = m.Name
		n++
	}
	if n == 1 {
		return first
	}
	return fmt.Sprintf("%s to %s (%d migrations)", first, last, n)
}

// rowsQuerier is what recordedVersions reads through: a pool, a connection or a transaction.
type rowsQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// recordedVersions reads the versions schema_migrations records.
func recordedVersions(ctx context.Context, db rowsQuerier) (map[int]bool, error) {
	rows, err := db.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer func() { _ = rows.Close() }()
	done := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		done[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	return done, nil
}
