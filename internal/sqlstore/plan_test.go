package sqlstore

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, for these tests only

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// TestSQLiteBatchStatementsFindRowsByKey asks SQLite how it runs the
// statements a batch writes through (a run of status updates by id and by
// WhatsApp id, a group commit's messages, a batch's events) on the real
// schema, and wants no full scan of messages: an UPDATE … FROM whose
// planner lost the key would read every message for every row of the batch.
func TestSQLiteBatchStatementsFindRowsByKey(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	migrations, err := Migrations(os.DirFS("../sqlite/migrations"), ".")
	if err != nil {
		t.Fatal(err)
	}
	d := Dialect{Name: "sqlite"}
	if err := Migrate(t.Context(), db, d, migrations, nil); err != nil {
		t.Fatal(err)
	}
	s := New(d, db, db, nil)
	session := uuid.NewString()
	runOf := func(us ...gateway.MessageStatusUpdate) statusRun {
		t.Helper()
		steps := make([]*statusStep, len(us))
		for i, u := range us {
			if steps[i], err = s.statusUpdate(u); err != nil {
				t.Fatal(err)
			}
		}
		runs, err := s.statusRuns(steps)
		if err != nil || len(runs) != 1 || runs[0].step != nil {
			t.Fatalf("got runs %+v (%v), want one run of %d", runs, err, len(us))
		}
		return runs[0]
	}
	byID := runOf(gateway.MessageStatusUpdate{ID: uuid.NewString(), WAMessageID: "3EB0A", Status: gateway.MessageSent},
		gateway.MessageStatusUpdate{ID: uuid.NewString(), WAMessageID: "3EB0B", Status: gateway.MessageSent})
	byWA := runOf(gateway.MessageStatusUpdate{SessionID: session, WAMessageID: "3EB0A", Status: gateway.MessageDelivered},
		gateway.MessageStatusUpdate{SessionID: session, WAMessageID: "3EB0B", Status: gateway.MessageDelivered})
	for name, query := range map[string]string{
		"status run by id": byID.query, "status run by WhatsApp id": byWA.query,
		"messages": insertMessagesJSON, "events": insertEventsJSON,
	} {
		rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, "[]")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN messages") || strings.HasPrefix(step, "SCAN x") {
				t.Errorf("%s scans messages:\n%s", name, strings.Join(plan, "\n"))
			}
		}
	}
}
