package main

import (
	"net/http"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// TestSeedFlowPostgresRedis walks the seed flow with the production
// adapters: PostgreSQL through pgx and Redis for cache, limits and the bus.
func TestSeedFlowPostgresRedis(t *testing.T) {
	base := startGateway(t, testEnv(t, postgresRedis(t)))

	var root struct {
		Services []struct{ Name, Status string } `json:"services"`
	}
	(&client{t: t, base: base}).do("GET", "/", nil).must(t, http.StatusOK, &root)
	for _, s := range root.Services {
		if s.Status != "up" {
			t.Fatalf("service %s is %s", s.Name, s.Status)
		}
	}

	alice, bob := aliceAndBob(t, base, "pg")
	as := connectedSessions(t, alice, "a", "a2")
	a, a2 := as[0], as[1]
	b := connectedSessions(t, bob, "b")[0]

	// Alice's sandbox session messages her other one: it walks to read,
	// and the other records an inbound message (through Redis).
	sent := sendText(t, alice, a.ID, "+"+a2.Phone, "hello a2")
	waitMessageStatus(t, alice, sent.ID, "read")
	polltest.Eventually(t, patience, "inbound at a2", func() bool {
		got := inbound(t, alice, a2.ID)
		return len(got) == 1 && got[0].Body == "hello a2"
	})
	bob.do("GET", "/api/v1/messages/"+sent.ID, nil).fails(t, 404, "not_found")

	// Bob's sandbox number is another tenant's: like any number outside
	// the sandbox, nothing reaches his session.
	sent = sendText(t, alice, a.ID, "+"+b.Phone, "hello bob")
	waitMessageStatus(t, alice, sent.ID, "read")
	if got := inbound(t, bob, b.ID); len(got) != 0 {
		t.Fatalf("got inbound at bob %+v, want none across tenants", got)
	}
	(&client{t: t, base: base}).do("GET", "/health/database", nil).must(t, 200, nil)
}
