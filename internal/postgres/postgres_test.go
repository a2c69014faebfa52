package postgres

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/postgres/pgtest"
	"github.com/whatsapp-saas/gateway/internal/sqlstore"
	"github.com/whatsapp-saas/gateway/internal/storetest"
)

// open opens a store on dsn, closed with the test.
var open = storetest.Opener(Open)

func TestStore(t *testing.T) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		t.Skip("TEST_DATABASE_URL is not set")
	}
	storetest.Run(t, func(t *testing.T) gateway.Store { return open(t, pgtest.FreshSchema(t)) })
}

func TestMigrationsIdempotent(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	storetest.AssertReopens(t, func() (*Store, error) { return Open(t.Context(), dsn, nil) }, migrationFS)
}

// TestConcurrentOpen starts four stores at once on one empty schema: the
// advisory lock must let exactly one of them create the tables.
func TestConcurrentOpen(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	const n = 4
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(t.Context(), dsn, nil)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("store %d: got %v, want it opened", i, errs[i])
			continue
		}
		t.Cleanup(func() { _ = stores[i].Close() })
	}
	if t.Failed() {
		return
	}
	storetest.AssertMigrated(t, stores[0].DB(), migrationFS)
	// All four work on the same tables.
	for i, s := range stores {
		if err := s.CreateUser(t.Context(), &gateway.User{Email: fmt.Sprintf("u%d@example.com", i)}); err != nil {
			t.Fatalf("store %d: %v", i, err)
		}
	}
	list, total, err := stores[0].ListUsers(t.Context(), gateway.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if total != n || len(list) != n {
		t.Fatalf("got %d users, want %d", total, n)
	}
}

func TestOpenUnavailable(t *testing.T) {
	_, err := Open(t.Context(), "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2", nil)
	if gateway.ErrorCode(err) != gateway.CodeUnavailable {
		t.Fatalf("got %v, want CodeUnavailable", err)
	}
}

func TestClassify(t *testing.T) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		t.Skip("TEST_DATABASE_URL is not set")
	}
	s := open(t, pgtest.FreshSchema(t))
	tests := []struct {
		query string
		want  sqlstore.ErrKind
	}{
		{"INSERT INTO plans (id, name, created_at, updated_at) VALUES ('p', 'P', 0, 0), ('p', 'P', 0, 0)", sqlstore.ErrUnique},
		{"INSERT INTO sessions (id, user_id, name, engine, status, created_at, updated_at) VALUES (gen_random_uuid(), gen_random_uuid(), 'n', 'e', 's', 0, 0)", sqlstore.ErrForeignKey},
		{"SELECT 'nope'::uuid", sqlstore.ErrBadValue},
		{"SELECT 1/0", sqlstore.ErrOther},
	}
	for _, tt := range tests {
		t.Run(strings.Fields(tt.query)[0], func(t *testing.T) {
			_, err := s.DB().ExecContext(t.Context(), tt.query)
			if got := classify(err); got != tt.want {
				t.Fatalf("got kind %d for %v, want %d", got, err, tt.want)
			}
		})
	}
}

func BenchmarkCreateMessage(b *testing.B) {
	storetest.BenchCreateMessage(b, open(b, pgtest.FreshSchema(b)), 4)
}

// BenchmarkMessageLife is a message's writes on the send path, in batches
// of 64 as a busy session's group commits and worker batches make them.
func BenchmarkMessageLife(b *testing.B) {
	storetest.BenchMessageLife(b, open(b, pgtest.FreshSchema(b)), 64)
}

func BenchmarkSessionByID(b *testing.B) {
	storetest.BenchSessionByID(b, open(b, pgtest.FreshSchema(b)))
}
