package main

import (
	"net/http"
	"os"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/postgres/pgtest"
)

// TestSeedFlowPostgresRedis walks the seed flow with the production
// adapters: PostgreSQL through pgx and Redis for cache, limits and the bus.
func TestSeedFlowPostgresRedis(t *testing.T) {
	redisURL := os.Getenv("TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("TEST_REDIS_URL is not set")
	}
	dbURL := pgtest.FreshSchema(t)
	base := startGateway(t, testEnv(t, map[string]string{"DATABASE_URL": dbURL, "REDIS_URL": redisURL}))

	var root struct {
		Services []struct{ Name, Status string } `json:"services"`
	}
	(&client{t: t, base: base}).do("GET", "/", nil).must(t, http.StatusOK, &root)
	for _, s := range root.Services {
		if s.Status != "up" {
			t.Fatalf("service %s is %s", s.Name, s.Status)
		}
	}

	alice := register(t, base, "pg-alice@example.com")
	bob := register(t, base, "pg-bob@example.com")
	a := newSession(t, alice, "a")
	b := newSession(t, bob, "b")
	startInstance(t, alice, a.ID)
	startInstance(t, bob, b.ID)
	waitConnected(t, alice, a.ID)
	bs := waitConnected(t, bob, b.ID)

	// Alice's sandbox session messages Bob's: it walks to read, and Bob's
	// session records an inbound message (across tenants, through Redis).
	var sent struct {
		Message messageView `json:"message"`
	}
	alice.do("POST", "/api/v1/messages/send", map[string]any{"session_id": a.ID, "recipient": "+" + bs.Phone, "message": "hello bob"}).
		must(t, http.StatusCreated, &sent)
	eventually(t, "read", func() bool {
		var got struct {
			Message messageView `json:"message"`
		}
		alice.do("GET", "/api/v1/messages/"+sent.Message.ID, nil).must(t, 200, &got)
		return got.Message.Status == "read"
	})
	eventually(t, "inbound at bob", func() bool {
		var got struct {
			Messages []messageView `json:"messages"`
		}
		bob.do("GET", "/api/v1/messages?direction=inbound&session_id="+b.ID, nil).must(t, 200, &got)
		return len(got.Messages) == 1 && got.Messages[0].Body == "hello bob"
	})
	alice.do("GET", "/api/v1/messages/"+sent.Message.ID, nil).must(t, 200, nil)
	bob.do("GET", "/api/v1/messages/"+sent.Message.ID, nil).fails(t, 404, "not_found")
	(&client{t: t, base: base}).do("GET", "/health/database", nil).must(t, 200, nil)
}
