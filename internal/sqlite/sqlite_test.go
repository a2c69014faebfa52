package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/storetest"
)

// open opens a store on the file at path, closed with the test.
var open = storetest.Opener(Open)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) gateway.Store {
		return open(t, filepath.Join(t.TempDir(), "gateway.db"))
	})
}

func TestMigrationsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "gateway.db")
	storetest.AssertReopens(t, func() (*Store, error) { return Open(t.Context(), path, nil) }, migrationFS)
}

func TestPragmas(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "gateway.db"))
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
		{"synchronous", "1"},
		{"temp_store", "2"},             // MEMORY
		{"wal_autocheckpoint", "10000"}, // the backstop: the checkpointer does the rest
	}
	for _, tt := range tests {
		t.Run(tt.pragma, func(t *testing.T) {
			var got string
			if err := s.DB().QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %s = %s, want %s", tt.pragma, got, tt.want)
			}
		})
	}
}

func TestOpenUnavailable(t *testing.T) {
	// A directory where the file should be cannot be opened as a database.
	_, err := Open(t.Context(), t.TempDir(), nil)
	if gateway.ErrorCode(err) != gateway.CodeUnavailable {
		t.Fatalf("got %v, want CodeUnavailable", err)
	}
}

func TestMemory(t *testing.T) {
	s := open(t, ":memory:")
	u := &gateway.User{Email: "m@example.com"}
	if err := s.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByEmail(t.Context(), "M@example.com"); err != nil {
		t.Fatalf("got %v, want the user read back from memory", err)
	}
}

func BenchmarkCreateMessage(b *testing.B) {
	storetest.BenchCreateMessage(b, open(b, filepath.Join(b.TempDir(), "gateway.db")), 1)
}

// BenchmarkMessageLife is a message's writes on the send path, in batches
// of 64 as a busy session's group commits and worker batches make them.
func BenchmarkMessageLife(b *testing.B) {
	storetest.BenchMessageLife(b, open(b, filepath.Join(b.TempDir(), "gateway.db")), 64)
}

func BenchmarkSessionByID(b *testing.B) {
	storetest.BenchSessionByID(b, open(b, filepath.Join(b.TempDir(), "gateway.db")))
}

// BenchmarkOpenEmpty is the store's share of a first start (issue 12): open
// a new database file and apply every migration.
func BenchmarkOpenEmpty(b *testing.B) {
	for b.Loop() {
		s, err := Open(b.Context(), filepath.Join(b.TempDir(), "gateway.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		_ = s.Close()
	}
}

// BenchmarkOpenMigrated is a restart's share: open a migrated database.
func BenchmarkOpenMigrated(b *testing.B) {
	path := filepath.Join(b.TempDir(), "gateway.db")
	s, err := Open(b.Context(), path, nil)
	if err != nil {
		b.Fatal(err)
	}
	_ = s.Close()
	for b.Loop() {
		s, err := Open(b.Context(), path, nil)
		if err != nil {
			b.Fatal(err)
		}
		_ = s.Close()
	}
}
