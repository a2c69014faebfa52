package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"time"
)

// Checkpoints. In WAL mode a commit appends the pages it changed to the
// -wal file, and a checkpoint copies them back into the database file and
// syncs it. SQLite's default runs that checkpoint inside the commit that
// takes the log past 1,000 pages, on the committing connection: here the
// only writer, so every write behind it waited for the copy and the fsync
// (a twentieth of an embedded send's CPU, and its p99's spikes, issue 12).
// A goroutine now checkpoints every checkpointEvery on a read connection
// (query_only does not prevent checkpoints) beside the writer, PASSIVE so
// it never waits for or blocks a reader or the writer; the writer keeps
// checkpointing itself only past backstopPages, should this one fall behind.
const (
	checkpointEvery = 200 * time.Millisecond
	backstopPages   = "10000" // about 40 MB of log at the default 4 KiB page
)

// checkpointer checkpoints db every checkpointEvery until ctx ends. A
// failure is logged once until one succeeds again: the writer's backstop
// keeps the log bounded meanwhile.
func checkpointer(ctx context.Context, db *sql.DB, log *slog.Logger) {
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var busy, frames, copied int
		err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil && !failing:
			log.Warn("checkpoint the database's write-ahead log", "error", err)
			failing = true
		case err == nil:
			failing = false
		}
	}
}
