package storetest

import (
	"context"
	"database/sql"
	"io/fs"
	"log/slog"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
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

// RecordedMigrations lists the names of the migrations db's
// schema_migrations records, in their order.
func RecordedMigrations(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), "SELECT name FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

// DBStore is a store over a database/sql database, as the adapters are.
type DBStore interface {
	gateway.Store
	DB() *sql.DB
}

// AssertReopens opens one database twice with open: what the first store
// wrote the second reads, and the migrations, applied again on the second
// open, stay recorded once each, up to fsys's last.
func AssertReopens[S DBStore](t *testing.T, open func() (S, error), fsys fs.FS) {
	t.Helper()
	s, err := open()
	if err != nil {
		t.Fatalf("first open: %v", err)
	}
	u := &gateway.User{Email: "a@example.com", Name: "A"}
	if err := s.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = open(); err != nil {
		t.Fatalf("second open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	got, err := s.UserByID(t.Context(), u.ID)
	if err != nil {
		t.Fatalf("got %v after reopening, want the user kept", err)
	}
	if got.Email != u.Email {
		t.Fatalf("got email %q, want %q", got.Email, u.Email)
	}
	AssertMigrated(t, s.DB(), fsys)
}

// Opener makes an adapter's test open of its Open: a store on the named
// database (a file, a URL) that fails the test when it cannot open and
// closes when the test ends.
func Opener[S DBStore](open func(ctx context.Context, name string, log *slog.Logger) (S, error)) func(t testing.TB, name string) S {
	return func(t testing.TB, name string) S {
		t.Helper()
		s, err := open(context.Background(), name, nil)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
}
