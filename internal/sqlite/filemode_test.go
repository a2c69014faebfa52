package sqlite

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// TestFilesArePrivate: the database, its WAL and its shared-memory file
// are 0600 whatever the directory's mode and the umask, and an older file
// left 0644 is tightened when opened.
func TestFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // whatever the umask
		t.Fatal(err)
	}
	path := filepath.Join(dir, "gateway.db")
	assertPrivate := func(t *testing.T) {
		t.Helper()
		for _, name := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(name)
			if err != nil {
				t.Fatalf("stat: %v", err)
			}
			if got := fi.Mode().Perm(); got != 0o600 {
				t.Errorf("%s: got mode %#o, want 0600", filepath.Base(name), got)
			}
		}
	}

	s := open(t, path)
	if err := s.CreateUser(t.Context(), &gateway.User{Email: "a@example.com", Name: "A"}); err != nil {
		t.Fatal(err)
	}
	assertPrivate(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// A file from an older version, readable by all.
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(name, 0o644); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	s = open(t, path)
	if err := s.CreateUser(t.Context(), &gateway.User{Email: "b@example.com", Name: "B"}); err != nil {
		t.Fatal(err)
	}
	assertPrivate(t)
}
