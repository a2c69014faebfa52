package storetest

import (
	"testing"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func testWebhooks(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	other, theirs := newTenant(t, s)

	w1 := &gateway.Webhook{UserID: u.ID, URL: "https://example.com/all", Events: []string{"*"},
		Headers: map[string]string{"X-Token": "abc"}, Active: true, Secret: "whsec_1", CreatedAt: at(1)}
	w2 := &gateway.Webhook{UserID: u.ID, SessionID: sess.ID, URL: "https://example.com/one", Events: []string{"message", "status"},
		Active: false, Secret: "whsec_2", CreatedAt: at(2)}
	must(t, s.CreateWebhook(ctx(t), w1))
	must(t, s.CreateWebhook(ctx(t), w2))
	if w1.ID == "" || w1.UpdatedAt.IsZero() {
		t.Fatalf("got id %q updated %v, want them filled", w1.ID, w1.UpdatedAt)
	}
	got, err := s.WebhookByID(ctx(t), u.ID, w1.ID)
	must(t, err)
	diff(t, "WebhookByID", got, w1)

	wantPage(t, "ListWebhooks", []*gateway.Webhook{w2, w1}, 2)(s.ListWebhooks(ctx(t), u.ID, "", gateway.Page{Page: 1, Limit: 10}))
	wantCount(t, 2, "webhooks")(s.CountWebhooks(ctx(t), u.ID))

	t.Run("bound to another tenant's or a missing session", func(t *testing.T) {
		for _, sid := range []string{theirs.ID, uuid.NewString()} {
			w := &gateway.Webhook{UserID: u.ID, SessionID: sid, URL: "https://example.com/x", Events: []string{"*"}}
			wantCode(t, s.CreateWebhook(ctx(t), w), gateway.CodeNotFound)
		}
	})
	t.Run("update", func(t *testing.T) {
		upd := *w1
		upd.URL, upd.Events, upd.Headers, upd.Active, upd.Secret = "https://example.com/new", []string{"qr"}, nil, false, "whsec_3"
		must(t, s.UpdateWebhook(ctx(t), &upd))
		got, err := s.WebhookByID(ctx(t), u.ID, w1.ID)
		must(t, err)
		diff(t, "updated webhook", got, &upd)

		theirsW := upd
		theirsW.UserID = other.ID
		wantCode(t, s.UpdateWebhook(ctx(t), &theirsW), gateway.CodeNotFound)
		missing := upd
		missing.ID = uuid.NewString()
		wantCode(t, s.UpdateWebhook(ctx(t), &missing), gateway.CodeNotFound)
	})
	t.Run("delete", func(t *testing.T) {
		wantCode(t, s.DeleteWebhook(ctx(t), other.ID, w2.ID), gateway.CodeNotFound)
		must(t, s.DeleteWebhook(ctx(t), u.ID, w2.ID))
		_, err := s.WebhookByID(ctx(t), u.ID, w2.ID)
		wantCode(t, err, gateway.CodeNotFound)
		wantCode(t, s.DeleteWebhook(ctx(t), u.ID, w2.ID), gateway.CodeNotFound)
		wantCount(t, 1, "webhooks")(s.CountWebhooks(ctx(t), u.ID))
	})
}
