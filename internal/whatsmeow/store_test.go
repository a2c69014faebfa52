package whatsmeow

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func schemaVersion(t *testing.T, db *sql.DB) int {
	t.Helper()
	var v int
	if err := db.QueryRowContext(context.Background(), "SELECT version FROM whatsmeow_version").Scan(&v); err != nil {
		t.Fatalf("read whatsmeow_version: %v", err)
	}
	return v
}

func TestDeviceStoreMigratesOnFirstUse(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, db *sql.DB, dialect string) {
		ds := newDeviceStore(t, db, dialect)
		var n int
		// Nothing is created before the first whatsmeow session.
		err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM whatsmeow_device").Scan(&n)
		if err == nil {
			t.Fatal("whatsmeow_device exists before first use, want it created lazily")
		}
		c1, err := ds.Container(context.Background())
		if err != nil {
			t.Fatalf("Container: %v", err)
		}
		if got := schemaVersion(t, db); got < 11 {
			t.Fatalf("got schema version %d, want at least 11", got)
		}
		c2, err := ds.Container(context.Background())
		if err != nil || c2 != c1 {
			t.Fatalf("second Container: got %p, %v; want the same container", c2, err)
		}
		// The gateway's own tables are untouched beside whatsmeow's.
		if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM sessions").Scan(&n); err != nil {
			t.Fatalf("gateway sessions table: %v", err)
		}
	})
}

func TestDeviceStoreConcurrentFirstMigration(t *testing.T) {
	t.Parallel()
	// Several stores (as several processes would) migrating the same empty
	// database at once: the lock serialises them and every one succeeds.
	databases(t, func(t *testing.T, db *sql.DB, dialect string) {
		const n = 6
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			ds := newDeviceStore(t, db, dialect)
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = ds.Container(context.Background())
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("store %d: got %v, want nil", i, err)
			}
		}
	})
}

func TestDeviceStoreSecondSchema(t *testing.T) {
	t.Parallel()
	// whatsmeow's table-exists check ignores the schema; a whatsmeow schema
	// elsewhere in the database must not break migrating this one.
	first := postgresDB(t)
	if _, err := newDeviceStore(t, first, DialectPostgres).Container(context.Background()); err != nil {
		t.Fatalf("first schema: %v", err)
	}
	second := postgresDB(t)
	if _, err := newDeviceStore(t, second, DialectPostgres).Container(context.Background()); err != nil {
		t.Fatalf("second schema: got %v, want nil", err)
	}
	if got := schemaVersion(t, second); got < 11 {
		t.Fatalf("second schema version %d, want at least 11", got)
	}
}

func TestDeviceStoreDevices(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, db *sql.DB, dialect string) {
		ctx := context.Background()
		ds := newDeviceStore(t, db, dialect)
		const jid = "15550001111:7@s.whatsapp.net"
		savePairedDevice(t, ds, jid)
		savePairedDevice(t, ds, "15550002222:3@s.whatsapp.net") // another session's device

		dev, missing, err := ds.Device(ctx, jid)
		if err != nil || missing {
			t.Fatalf("Device(%s): missing %v, err %v", jid, missing, err)
		}
		if dev.ID == nil || dev.ID.String() != jid || dev.PushName != "Test Phone" {
			t.Fatalf("got device %v %q, want %s", dev.ID, dev.PushName, jid)
		}

		dev, missing, err = ds.Device(ctx, "")
		if err != nil || missing || dev.ID != nil {
			t.Fatalf("Device(\"\"): got id %v, missing %v, err %v; want a new unpaired device", dev.ID, missing, err)
		}

		// Without the device part the JID names no device (GetDevice wants the AD-JID).
		dev, missing, err = ds.Device(ctx, "15550001111@s.whatsapp.net")
		if err != nil || !missing || dev.ID != nil {
			t.Fatalf("Device(non-AD jid): got id %v, missing %v, err %v; want missing and a new device", dev.ID, missing, err)
		}

		if _, _, err := ds.Device(ctx, "not a jid@"); !gateway.IsCode(err, gateway.CodeValidation) {
			t.Fatalf("Device(bad jid): got %v, want CodeValidation", err)
		}
	})
}

func TestNewDeviceStoreRefusesUnknownDialect(t *testing.T) {
	t.Parallel()
	if _, err := NewDeviceStore(sqliteDB(t), "mysql", nil); err == nil {
		t.Fatal("got nil error for dialect mysql, want an error (whatsmeow would panic)")
	}
	if _, err := NewDeviceStore(nil, DialectSQLite, nil); err == nil {
		t.Fatal("got nil error without a database")
	}
}
