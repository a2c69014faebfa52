// Package postgres is the cluster gateway.Store: PostgreSQL through pgx's
// database/sql driver. Several gateways share one database, so migrations run
// under an advisory lock; one pool serves both reads and writes, and the SQL
// itself lives in internal/sqlstore.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Store is the PostgreSQL gateway.Store.
type Store struct {
	*sqlstore.Store
	db *sql.DB
}

var _ gateway.Store = (*Store)(nil)

// dialect is what PostgreSQL needs from sqlstore: $n placeholders, and
// deferred constraint triggers (the rollups' and the chats', 0004 and 0014)
// fired at the end of each statement while migrating instead of at commit.
// The pending migrations run in one transaction, and PostgreSQL refuses to
// alter or index a table with trigger events still pending: on a database
// with messages, 0006's UPDATE of messages would otherwise stop 0011's
// CREATE INDEX on it (TestUpgradeWithMessages). The rollups come out the same.
var dialect = sqlstore.Dialect{Name: "postgres", NumberedParams: true, Classify: classify,
	MigrationPrelude: "SET CONSTRAINTS ALL IMMEDIATE"}

// Pool sizing: enough connections for the API's concurrency without
// crowding PostgreSQL's max_connections when several gateways run.
const (
	maxConns        = 20
	connMaxIdleTime = 5 * time.Minute
	connMaxLifetime = time.Hour
)

// migrationLock is the advisory lock key's text, hashed with the schema so
// gateways on different schemas of one database do not wait for each other.
const migrationLock = "whatsapp-gateway schema_migrations "

// Open connects to the database at url (a postgres:// URL or key=value
// string; search_path may be set in it) and migrates it. CodeUnavailable
// when the database cannot be reached.
func Open(ctx context.Context, url string, log *slog.Logger) (*Store, error) {
	log = defaults.Logger(log)
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(connMaxIdleTime)
	db.SetConnMaxLifetime(connMaxLifetime)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, gateway.WrapError(err, gateway.CodeUnavailable, "The database is unavailable.")
	}
	if err := migrate(ctx, db, log); err != nil {
		_ = db.Close()
		if classify(err) == sqlstore.ErrUnavailable {
			return nil, gateway.WrapError(err, gateway.CodeUnavailable, "The database is unavailable.")
		}
		return nil, err
	}
	return &Store{Store: sqlstore.New(dialect, db, db, log), db: db}, nil
}

// DB returns the pool, for whatsmeow's device store to share the database.
func (s *Store) DB() *sql.DB { return s.db }

// migrate applies the migrations on one connection holding a session-level
// advisory lock, so gateways starting at once migrate one after the other.
func migrate(ctx context.Context, db *sql.DB, log *slog.Logger) (err error) {
	migrations, err := sqlstore.Migrations(migrationFS, "migrations")
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate postgres: %w", err)
	}
	defer conn.Close()
	const key = "hashtext('" + migrationLock + "' || COALESCE(current_schema(), ''))"
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock("+key+")"); err != nil {
		return fmt.Errorf("migrate postgres: take lock: %w", err)
	}
	defer func() {
		_, uerr := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock("+key+")")
		if uerr != nil {
			// Never hand a connection that may still hold the lock back to the pool.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	if err := sqlstore.Migrate(ctx, conn, dialect, migrations, log); err != nil {
		return fmt.Errorf("migrate postgres: %w", err)
	}
	return nil
}

// classify reads PostgreSQL's SQLSTATE codes and pgconn's network errors; text is never matched.
func classify(err error) sqlstore.ErrKind {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return sqlstore.ErrUnique
		case "23503": // foreign_key_violation
			return sqlstore.ErrForeignKey
		case "22P02": // invalid_text_representation: a malformed UUID
			return sqlstore.ErrBadValue
		}
		if len(pe.Code) < 2 {
			return sqlstore.ErrOther
		}
		switch pe.Code[:2] {
		case "08", // connection exception
			"53", // insufficient resources (too many connections, disk full)
			"57": // operator intervention (shutdown, cannot connect now, canceled)
			return sqlstore.ErrUnavailable
		}
		return sqlstore.ErrOther
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) || errors.Is(err, driver.ErrBadConn) {
		return sqlstore.ErrUnavailable
	}
	return sqlstore.ErrOther
}
