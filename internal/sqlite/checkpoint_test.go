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
