package storetest

import (
	"database/sql"
	"io/fs"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/sqlstore"
)

// AssertMigrated checks db recorded every migration of fsys's
// "migrations" folder, up to the last one.
func AssertMigrated(t *testing.T, db *sql.DB, fsys fs.FS) {
	t.Helper()
	migrations, err := sqlstore.Migrations(fsys, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	var n, max int
	if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*), MAX(version) FROM schema_migrations").Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	if n != len(migrations) || max != migrations[len(migrations)-1].Version {
		t.Fatalf("got %d migrations recorded up to %d, want %d up to %d", n, max, len(migrations), migrations[len(migrations)-1].Version)
	}
}
