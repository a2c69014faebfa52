package whatsmeow

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"

	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"

	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Dialects of the gateway's database that the device store can share.
const (
	DialectPostgres = "postgres"
	DialectSQLite   = "sqlite"
)

// sqliteMigrate serialises whatsmeow's migrations on SQLite within the
// process. One gateway process owns the SQLite file, so a process mutex is
// the lock PostgreSQL's advisory lock is across processes.
var sqliteMigrate sync.Mutex

// DeviceStore is whatsmeow's device store (keys, sessions, contacts, the LID
// map) kept in the gateway's own database beside its tables. Its schema is
// migrated once, on first use, under a lock, so gateways that never run a
// whatsmeow session never create its tables.
type DeviceStore struct {
	db      *sql.DB
	dialect string
	log     *slog.Logger

	mu        sync.Mutex
	container *sqlstore.Container
}

// NewDeviceStore returns the device store on db, the gateway's own pool:
// dialect is DialectPostgres, or DialectSQLite with db the single writer
// connection (foreign keys on, WAL, busy timeout, BEGIN IMMEDIATE: whatsmeow
// runs read-then-write transactions that fail with SQLITE_BUSY otherwise).
func NewDeviceStore(db *sql.DB, dialect string, log *slog.Logger) (*DeviceStore, error) {
	if db == nil {
		return nil, fmt.Errorf("whatsmeow device store: no database")
	}
	switch dialect {
	case DialectPostgres, DialectSQLite:
	default:
		// whatsmeow panics on a dialect it does not know; refuse it here instead.
		return nil, fmt.Errorf("whatsmeow device store: unsupported dialect %q", dialect)
	}
	return &DeviceStore{db: db, dialect: dialect, log: defaults.Logger(log)}, nil
}

// Container returns whatsmeow's container, migrating the schema on the
// first call. A failed migration is retried on the next call.
func (d *DeviceStore) Container(ctx context.Context) (*sqlstore.Container, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.container != nil {
		return d.container, nil
	}
	c := sqlstore.NewWithDB(d.db, d.dialect, newWALogger(d.log, "Database"))
	var err error
	if d.dialect == DialectPostgres {
		err = d.upgradePostgres(ctx, c)
	} else {
		sqliteMigrate.Lock()
		err = c.Upgrade(ctx)
		sqliteMigrate.Unlock()
	}
	if err != nil {
		return nil, gateway.WrapError(fmt.Errorf("migrate whatsmeow device store: %w", err),
			gateway.CodeUnavailable, "The WhatsApp device store is unavailable.")
	}
	d.container = c
	return c, nil
}

// upgradePostgres runs whatsmeow's Upgrade under a session advisory lock
// held on a connection of its own: whatsmeow takes no lock, and concurrent
// first migrations fail (measured: 7 of 8).
//
// It also creates the version table in the current schema first.
// whatsmeow's "does the version table exist" check reads
// information_schema without a schema filter, so a whatsmeow schema
// elsewhere in the database (another gateway's search_path, a test schema)
// makes it skip creating its own and then fail to read it. Creating it is
// exactly what whatsmeow would do, so it is harmless everywhere else.
func (d *DeviceStore) upgradePostgres(ctx context.Context, c *sqlstore.Container) error {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("lock connection: %w", err)
	}
	defer conn.Close()
	const key = "SELECT hashtextextended('whatsapp-gateway whatsmeow ' || current_schema(), 0)"
	var lock int64
	if err := conn.QueryRowContext(ctx, key).Scan(&lock); err != nil {
		return fmt.Errorf("lock key: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lock); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must go even when ctx ended.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lock)
	}()
	if _, err := conn.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS whatsmeow_version (version INTEGER, compat INTEGER)"); err != nil {
		return fmt.Errorf("create version table: %w", err)
	}
	return c.Upgrade(ctx)
}

// Device loads the paired device jid (the AD-JID stored on the session,
// e.g. 15550001111:7@s.whatsapp.net), or returns a new unpaired device when
// jid is empty. missing reports a stored JID whose device is gone from the
// store (whatsmeow deletes it on a logout), so pairing again is needed.
// whatsmeow's GetFirstDevice is never used: on a shared database it returns
// an arbitrary session's device.
func (d *DeviceStore) Device(ctx context.Context, jid string) (dev *store.Device, missing bool, err error) {
	c, err := d.Container(ctx)
	if err != nil {
		return nil, false, err
	}
	if jid == "" {
		return c.NewDevice(), false, nil
	}
	j, err := types.ParseJID(jid)
	if err != nil || j.User == "" || j.Server != types.DefaultUserServer {
		return nil, false, gateway.Errorf(gateway.CodeValidation, "The session's device JID %q is not valid.", jid)
	}
	dev, err = c.GetDevice(ctx, j)
	if err != nil {
		return nil, false, gateway.WrapError(fmt.Errorf("load whatsmeow device: %w", err),
			gateway.CodeUnavailable, "The WhatsApp device store is unavailable.")
	}
	if dev == nil {
		return c.NewDevice(), true, nil
	}
	return dev, false, nil
}
