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
// order, each in its own transaction with its record. Whether a migration is
// applied is checked inside that transaction, so two processes migrating one
// database at once (SQLite's BEGIN IMMEDIATE serialises them; PostgreSQL's
// adapter also holds an advisory lock) each apply it at most once.
func Migrate(ctx context.Context, db Migrator, d Dialect, migrations []Migration, log *slog.Logger) error {
	log = defaults.Logger(log)
	_, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    BIGINT PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at BIGINT NOT NULL
	)`)
	if err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	q := func(s string) string {
		if d.NumberedParams {
			return numberParams(s)
		}
		return s
	}
	// One read of what is recorded, so a restart on a migrated database
	// costs one query instead of a write transaction per migration (the
	// gateway's start-up, issue 12). What it does not list is checked
	// again inside its own transaction below, so a concurrent migrator is
	// still safe.
	done, err := recordedVersions(ctx, db)
	if err != nil {
		return err
	}
	for _, m := range migrations {
		if done[m.Version] {
			continue
		}
		applied, err := applyMigration(ctx, db, q, m)
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if applied {
			log.Info("database migrated", "dialect", d.Name, "migration", m.Name)
		}
	}
	return nil
}

// recordedVersions reads the versions schema_migrations records.
func recordedVersions(ctx context.Context, db Migrator) (map[int]bool, error) {
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

// applyMigration applies m unless it is recorded already, and reports whether it did.
func applyMigration(ctx context.Context, db Migrator, q func(string) string, m Migration) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer func() { _ = tx.Rollback() }()
	var n int
	if err := tx.QueryRowContext(ctx, q("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), m.Version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, q("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
		m.Version, m.Name, time.Now().UnixMicro()); err != nil {
		return false, err
	}
	return true, tx.Commit()
}
