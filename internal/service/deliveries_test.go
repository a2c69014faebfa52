package service

import (
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// TestWebhookTestDeliveryAndRetry: a webhook.test event is owed to the one
// endpoint, listed with its webhook's deliveries, read with its attempts,
// retried; all of it within the tenant and refused while disabled.
func TestWebhookTestDeliveryAndRetry(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	ann, bob := f.register(t, "ann@example.com"), f.register(t, "bob@example.com")
	w, err := f.CreateWebhook(ctx, ann, CreateWebhookInput{URL: "https://hooks.example.com/a", Events: []string{gateway.EventMessage}})
	must(t, err)

	_, err = f.TestWebhook(ctx, bob.ID, w.ID)
	wantCode(t, err, gateway.CodeNotFound)
	d, err := f.TestWebhook(ctx, ann.ID, w.ID)
	must(t, err)
	if d.WebhookID != w.ID || d.EventType != gateway.EventWebhookTest || d.Status != gateway.DeliveryPending {
		t.Fatalf("test delivery %+v, want a pending webhook.test to the endpoint", d)
	}

	list, err := f.ListDeliveries(ctx, ann.ID, w.ID, "", gateway.Page{})
	must(t, err)
	if list.Pagination.Total != 1 || list.Items[0].ID != d.ID {
		t.Fatalf("deliveries %+v, want the test delivery", list.Items)
	}
	none, err := f.ListDeliveries(ctx, ann.ID, w.ID, string(gateway.DeliverySucceeded), gateway.Page{})
	must(t, err)
	if none.Pagination.Total != 0 {
		t.Fatalf("%d succeeded deliveries, want none", none.Pagination.Total)
	}
	_, err = f.ListDeliveries(ctx, ann.ID, w.ID, "lost", gateway.Page{})
	wantFields(t, err, "status")
	_, err = f.ListDeliveries(ctx, bob.ID, w.ID, "", gateway.Page{})
	wantCode(t, err, gateway.CodeNotFound)

	got, attempts, err := f.Delivery(ctx, ann.ID, w.ID, d.ID)
	must(t, err)
	if got.ID != d.ID || attempts == nil || len(attempts) != 0 {
		t.Fatalf("delivery %+v with attempts %v, want it with an empty attempt list", got, attempts)
	}
	_, _, err = f.Delivery(ctx, ann.ID, w.ID, "00000000-0000-0000-0000-000000000000")
	wantCode(t, err, gateway.CodeNotFound)

	re, err := f.RetryDelivery(ctx, ann.ID, w.ID, d.ID)
	must(t, err)
	if re.ID != d.ID || re.Status != gateway.DeliveryPending {
		t.Fatalf("retried %+v, want the delivery pending again", re)
	}
	_, err = f.RetryDelivery(ctx, ann.ID, w.ID, "00000000-0000-0000-0000-000000000000")
	wantCode(t, err, gateway.CodeNotFound)
	_, err = f.RetryDeliveries(ctx, ann.ID, w.ID, time.Time{})
	wantFields(t, err, "since")
	// Only failed or abandoned deliveries are sent again in bulk.
	n, err := f.RetryDeliveries(ctx, ann.ID, w.ID, f.now.Add(-time.Hour))
	must(t, err)
	if n != 0 {
		t.Fatalf("bulk retry took %d pending deliveries, want 0", n)
	}

	off := false
	_, err = f.UpdateWebhook(ctx, ann.ID, w.ID, UpdateWebhookInput{Active: &off})
	must(t, err)
	_, err = f.TestWebhook(ctx, ann.ID, w.ID)
	wantCode(t, err, gateway.CodeConflict)
	_, err = f.RetryDelivery(ctx, ann.ID, w.ID, d.ID)
	wantCode(t, err, gateway.CodeConflict)
	_, err = f.RetryDeliveries(ctx, ann.ID, w.ID, f.now)
	wantCode(t, err, gateway.CodeConflict)
}

// TestAdminTenantsAndStats: the admin's list and view of tenants, their
// statement and the global counts, from what the tenants did.
func TestAdminTenantsAndStats(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	ann := f.register(t, "ann@example.com")
	f.register(t, "bob@example.com")
	_, err := f.CreateSession(ctx, ann, CreateSessionInput{Name: "shop"})
	must(t, err)

	all, err := f.AdminListTenants(ctx, gateway.UserFilter{})
	must(t, err)
	if all.Pagination.Total != 2 {
		t.Fatalf("%d tenants listed, want 2", all.Pagination.Total)
	}
	v, err := f.AdminTenant(ctx, ann.ID)
	must(t, err)
	if v.User.ID != ann.ID || v.Plan == nil || v.Plan.ID != DefaultPlanID || v.Usage.Sessions != 1 {
		t.Fatalf("tenant view %+v (plan %+v, usage %+v), want ann on the default plan with her session", v.User, v.Plan, v.Usage)
	}
	_, err = f.AdminTenant(ctx, "00000000-0000-0000-0000-000000000000")
	wantCode(t, err, gateway.CodeNotFound)
	st, err := f.AdminTenantStatement(ctx, ann.ID, PeriodOf(f.now))
	must(t, err)
	if st.Period.Name != PeriodOf(f.now).Name || st.UserID != ann.ID {
		t.Fatalf("statement of %q for %q, want ann's for %q", st.UserID, st.Period.Name, PeriodOf(f.now).Name)
	}
	stats, err := f.AdminStats(ctx)
	must(t, err)
	if stats.Users[gateway.UserActive] != 2 || stats.UsersByPlan[DefaultPlanID] != 2 || stats.Sessions != 1 {
		t.Fatalf("stats %+v, want 2 users and 1 session", stats)
	}
}
