package main

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/polltest"
	"github.com/whatsapp-saas/gateway/internal/sqlite"
)

// TestEventRetention: a gateway purges events older than EVENT_RETENTION
// (with their deliveries) seconds after it starts and every hour after, and keeps
// the recent ones.
func TestEventRetention(t *testing.T) {
	env := testEnv(t, map[string]string{"EVENT_RETENTION": "24h"})
	base := startGateway(t, env)
	c := register(t, base, "retention@example.com")
	var created struct {
		Session sessionView `json:"session"`
	}
	c.do("POST", "/api/v1/sessions", map[string]any{"session_name": "old"}).must(t, http.StatusCreated, &created)
	var me struct {
		User userView `json:"user"`
	}
	c.do("GET", "/api/v1/auth/me", nil).must(t, http.StatusOK, &me)

	// Write an event two days old straight into the database.
	st, err := sqlite.Open(context.Background(), filepath.Join(env["DATA_DIR"], "gateway.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	old := gateway.NewEvent(me.User.ID, created.Session.ID, gateway.EventSessionStatus, gateway.SessionStatusData{SessionID: created.Session.ID, Status: gateway.SessionCreated})
	old.Timestamp = time.Now().Add(-48 * time.Hour)
	if _, err := st.SetSessionState(context.Background(), me.User.ID, created.Session.ID, gateway.SessionState{}, old); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		n, err := st.CountEvents(context.Background(), me.User.ID, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	st.Close()

	// A gateway starting purges it within seconds (a second one on the same
	// database here); the session's recent events stay.
	base = startGateway(t, env)
	st, err = sqlite.Open(context.Background(), filepath.Join(env["DATA_DIR"], "gateway.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	polltest.Eventually(t, patience, "the old event purged", func() bool { return count() == before-1 })
	if count() == 0 {
		t.Fatal("recent events were purged too")
	}
	(&client{t: t, base: base, token: c.token}).do("GET", "/api/v1/sessions/"+created.Session.ID, nil).must(t, http.StatusOK, nil)
}
