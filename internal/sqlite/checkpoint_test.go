package sqlite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// TestCheckpointsBesideTheWriter writes far fewer pages than the writer's
// own checkpoint threshold and wants them copied into the database file
// anyway, by the background checkpointer, while the writer stays free.
func TestCheckpointsBesideTheWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gateway.db")
	s := open(t, path)
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	// Let the checkpointer settle what the migrations wrote.
	polltest.Eventually(t, 5*time.Second, "the migrations checkpointed", func() bool {
		before := size()
		time.Sleep(2 * checkpointEvery)
		return size() == before
	})
	before := size()
	ctx := t.Context()
	if _, err := s.DB().ExecContext(ctx, "CREATE TABLE scratch (b BLOB)"); err != nil {
		t.Fatal(err)
	}
	blob := strings.Repeat("x", 3000) // about one page a row
	for range 200 {
		if _, err := s.DB().ExecContext(ctx, "INSERT INTO scratch (b) VALUES (?)", blob); err != nil {
			t.Fatal(err)
		}
	}
	polltest.Eventually(t, 5*time.Second, "the new pages copied into the database file", func() bool {
		return size() >= before+150*4096
	})
}

// TestCloseWaitsForTheCheckpointer closes the store while the background
// checkpointer is copying pages and wants the write-ahead log gone when
// Close returns: SQLite removes it as the file's last connection closes, so
// a checkpointer connection left open would keep it (and, closing later,
// touch the files after their owner believed them closed and removed them).
func TestCloseWaitsForTheCheckpointer(t *testing.T) {
	for i := range 5 {
		path := filepath.Join(t.TempDir(), "gateway.db")
		s, err := Open(t.Context(), path, nil)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		before := fi.Size()
		if _, err := s.DB().ExecContext(t.Context(), "CREATE TABLE scratch (b BLOB)"); err != nil {
			t.Fatal(err)
		}
		// One transaction, so one checkpoint copies all its pages.
		if _, err := s.DB().ExecContext(t.Context(), `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 4000)
			INSERT INTO scratch (b) SELECT zeroblob(3000) FROM n`); err != nil {
			t.Fatal(err)
		}
		// Close as soon as the checkpointer has begun copying.
		polltest.Eventually(t, 5*time.Second, "a checkpoint under way", func() bool {
			fi, err := os.Stat(path)
			return err == nil && fi.Size() > before
		})
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path + "-wal"); !os.IsNotExist(err) {
			t.Fatalf("round %d: got %v for the write-ahead log after Close, want it removed", i, err)
		}
	}
}
