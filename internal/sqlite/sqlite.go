// Package sqlite is the embedded gateway.Store: one SQLite file through the
// pure-Go driver modernc.org/sqlite (no cgo). It opens one writer connection
// (BEGIN IMMEDIATE, so writers queue in Go instead of failing on a lock
// upgrade) and a pool of read-only connections beside it, both in WAL mode,
// applies its embedded migrations, and hands both to internal/sqlstore.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// baselineFS holds one file, named after the last migration: the schema all
// the migrations leave, which a new database gets in their stead (see
// TestBaseline, which writes it, and sqlstore.MigrateFrom).
//
//go:embed baseline/*.sql
var baselineFS embed.FS

// Store is the SQLite gateway.Store.
type Store struct {
	*sqlstore.Store
	writer *sql.DB
	// stop ends warmReader, when the store closes first, and the checkpointer;
	// Close waits for both (background) before it closes the pools, so no
	// connection of theirs outlives the store: one that closed later would be
	// the file's last and checkpoint, or open it again, after the caller
	// believes the database closed (and maybe removes its directory).
	stop       context.CancelFunc
	background sync.WaitGroup
}

var _ gateway.Store = (*Store)(nil)

// dialect is what SQLite needs from sqlstore: ? placeholders as they are.
var dialect = sqlstore.Dialect{Name: "sqlite", Classify: classify}

// Connection settings. foreign_keys is per connection and off by default;
// busy_timeout lets a reader or another process wait for a lock instead of
// failing at once; WAL lets readers run beside the writer; synchronous NORMAL
// is durable in WAL mode except for the last transactions on power loss.
// temp_store MEMORY keeps the writer's statement journals in memory: a
// statement inside a transaction that may have to be undone alone (every
// write to messages, whose triggers keep the chats and rollups) first
// copies each page it changes to that journal, which is a temp file by
// default: one pwrite per page, about a quarter of the CPU of a batch of
// status updates. The statement journal only serves rolling back one
// statement inside its transaction; the WAL alone makes commits durable.
const (
	commonParams = "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)"
	writerParams = commonParams + "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_txlock=immediate" +
		"&_pragma=wal_autocheckpoint(" + backstopPages + ")"
	readerParams = commonParams + "&_pragma=query_only(1)"
)

// Open opens (creating when needed) the database file at path and migrates
// it. The path must not contain '?'. ":memory:" gives a private in-memory
// database on one connection (tests).
func Open(ctx context.Context, path string, log *slog.Logger) (*Store, error) {
	log = defaults.Logger(log)
	memory := path == ":memory:"
	if !memory {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
		if err := privateFiles(path, log); err != nil {
			return nil, err
		}
	}
	writer, err := openWriter(path)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, writer, log); err != nil {
		_ = writer.Close()
		return nil, err
	}
	reader := writer
	if !memory {
		reader, err = sql.Open("sqlite", path+"?"+readerParams)
		if err != nil {
			_ = writer.Close()
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		n := max(4, 2*runtime.GOMAXPROCS(0))
		reader.SetMaxOpenConns(n)
		reader.SetMaxIdleConns(n)
		reader.SetConnMaxLifetime(0)
		reader.SetConnMaxIdleTime(0)
		// The writer has opened this file already, so a reader that cannot
		// is not expected; its first connection (pragmas, then parsing the
		// schema, a few milliseconds) is opened beside the rest of the
		// start-up instead of before it (issue 12). The readiness check
		// (Ping) still pings both pools, and a failure here is logged.
		background, stop := context.WithCancel(context.Background())
		s := &Store{Store: sqlstore.New(dialect, reader, writer, log), writer: writer, stop: stop}
		s.background.Go(func() {
			warm, warmed := context.WithTimeout(background, 30*time.Second)
			defer warmed()
			warmReader(warm, reader, log)
		})
		s.background.Go(func() { checkpointer(background, reader, log) })
		return s, nil
	}
	return &Store{Store: sqlstore.New(dialect, reader, writer, log), writer: writer, stop: func() {}}, nil
}

// openWriter opens the pool of the database's one writer connection at
// path (not migrated).
func openWriter(path string) (*sql.DB, error) {
	writer, err := sql.Open("sqlite", path+"?"+writerParams)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// One writer: SQLite runs one write transaction at a time anyway, and
	// queueing in database/sql is cheaper than spinning on SQLITE_BUSY.
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	return writer, nil
}

// warmReader opens the reader pool's first connection ahead of the first
// read. A store closed meanwhile (a short-lived one) cancels it quietly.
func warmReader(ctx context.Context, reader *sql.DB, log *slog.Logger) {
	if err := reader.PingContext(ctx); err != nil && ctx.Err() != context.Canceled {
		log.Warn("the database's read connections cannot be opened; reads will fail", "err", err)
	}
}

// Close ends the background work, then closes both pools.
func (s *Store) Close() error {
	s.stop()
	s.background.Wait()
	return s.Store.Close()
}

// privateFiles makes the database file 0600 before the driver opens it:
// created so when missing, tightened when an older version left it (or its
// WAL and shared-memory files) readable by others. SQLite creates the -wal
// and -shm files later with the database file's own permissions, so they
// are 0600 too, whatever the directory's mode or the umask.
func privateFiles(path string, log *slog.Logger) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return translateOpen(fmt.Errorf("create database file: %w", err))
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("create database file: %w", err)
	}
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if err != nil || fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err := os.Chmod(name, 0o600); err != nil {
			log.Warn("database file is readable by other users and cannot be made private", "path", name, "mode", fmt.Sprintf("%#o", fi.Mode().Perm()), "error", err)
			continue
		}
		log.Warn("database file was readable by other users; made it 0600", "path", name, "mode", fmt.Sprintf("%#o", fi.Mode().Perm()))
	}
	return nil
}

// DB returns the writer connection, for whatsmeow's device store to share
// the file. Its transactions take the write lock at BEGIN.
func (s *Store) DB() *sql.DB { return s.writer }

func migrate(ctx context.Context, db *sql.DB, log *slog.Logger) error {
	if err := db.PingContext(ctx); err != nil {
		return translateOpen(err)
	}
	migrations, err := sqlstore.Migrations(migrationFS, "migrations")
	if err != nil {
		return err
	}
	base, err := sqlstore.Migrations(baselineFS, "baseline")
	if err != nil {
		return err
	}
	if len(base) != 1 {
		return fmt.Errorf("migrate sqlite: got %d baselines, want 1", len(base))
	}
	if err := sqlstore.MigrateFrom(ctx, db, dialect, &base[0], migrations, log); err != nil {
		if classify(err) == sqlstore.ErrUnavailable {
			return translateOpen(err)
		}
		return fmt.Errorf("migrate sqlite: %w", err)
	}
	return nil
}

// translateOpen reports a database that cannot be opened as CodeUnavailable.
func translateOpen(err error) error {
	return gateway.WrapError(err, gateway.CodeUnavailable, "The database is unavailable.")
}

// classify reads the driver's (extended) result code; text is never matched.
func classify(err error) sqlstore.ErrKind {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return sqlstore.ErrOther
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return sqlstore.ErrUnique
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return sqlstore.ErrForeignKey
	}
	switch se.Code() & 0xff { // the primary result code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR,
		sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY:
		return sqlstore.ErrUnavailable
	}
	return sqlstore.ErrOther
}
