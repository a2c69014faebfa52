package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// testCappedCreates fires many concurrent creates of each capped kind at
// one tenant: exactly the cap succeed, the rest are CodeQuotaExceeded,
// and another tenant is not counted.
func testCappedCreates(t *testing.T, s gateway.Store) {
	const capN, tries = 3, 12
	u, fresh, other := newUser(t, s), newUser(t, s), newUser(t, s)
	for range capN {
		newSession(t, s, other.ID) // another tenant's rows never count
	}
	sessions := make([]*gateway.Session, tries)
	for i := range sessions {
		sessions[i] = newSession(t, s, u.ID)
	}
	kinds := []struct {
		name   string
		create func(i int) error
		count  func() (int, error)
	}{
		{"sessions", func(i int) error {
			return s.CreateSessionWithin(ctx(t), &gateway.Session{UserID: fresh.ID, Name: fmt.Sprintf("capped-%d", i), Engine: gateway.EngineSandbox}, capN)
		}, func() (int, error) { return s.CountSessions(ctx(t), fresh.ID) }},
		{"instances", func(i int) error {
			return s.CreateInstanceWithin(ctx(t), &gateway.Instance{ID: uuid.NewString(), SessionID: sessions[i].ID, UserID: u.ID,
				Status: gateway.InstancePending, Driver: "local"}, capN)
		}, func() (int, error) { return s.CountLiveInstances(ctx(t), u.ID) }},
		{"webhooks", func(i int) error {
			return s.CreateWebhookWithin(ctx(t), &gateway.Webhook{UserID: u.ID, URL: fmt.Sprintf("https://example.com/%d", i),
				Events: []string{gateway.EventAll}, Active: true, Secret: "whsec_x"}, capN)
		}, func() (int, error) { return s.CountWebhooks(ctx(t), u.ID) }},
		{"api keys", func(i int) error {
			return s.CreateAPIKeyWithin(ctx(t), &gateway.APIKey{UserID: u.ID, Name: "k", Prefix: "wsa_x", Hash: uuid.NewString(),
				Scopes: []string{"read"}}, capN)
		}, func() (int, error) { return s.CountAPIKeys(ctx(t), u.ID) }},
	}
	for _, k := range kinds {
		var wg sync.WaitGroup
		errs := make([]error, tries)
		for i := range tries {
			wg.Go(func() { errs[i] = k.create(i) })
		}
		wg.Wait()
		ok, refused := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case gateway.IsCode(err, gateway.CodeQuotaExceeded):
				refused++
			default:
				t.Fatalf("%s: unexpected error %v", k.name, err)
			}
		}
		n, err := k.count()
		must(t, err)
		if n != capN || ok != capN || refused != tries-capN {
			t.Fatalf("%s: %d created, %d refused, %d stored; want the cap (%d) and no more", k.name, ok, refused, n, capN)
		}
	}
	// No cap at all: -1.
	must(t, s.CreateWebhookWithin(ctx(t), &gateway.Webhook{UserID: u.ID, URL: "https://example.com/free", Events: []string{gateway.EventAll},
		Active: true, Secret: "whsec_y"}, -1))
}
