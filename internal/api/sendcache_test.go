package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/polltest"
	"github.com/whatsapp-saas/gateway/internal/service"
)

// send posts a text from the session through gateway s and returns the HTTP status.
func (f *statusFixture) send(s *Server, sessionID string) int {
	f.t.Helper()
	return f.call(s, "POST", "/messages/send", map[string]any{
		"session_id": sessionID, "recipient": "15550002222", "message": "hi", "message_type": "text"}, nil)
}

// sendBody is send's answer body.
func (f *statusFixture) sendBody(s *Server, sessionID string) string {
	f.t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/messages/send", strings.NewReader(
		`{"session_id":"`+sessionID+`","recipient":"15550002222","message":"hi","message_type":"text"}`))
	req.Header.Set("X-API-Key", f.key)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec.Body.String()
}

// TestSendCheckDroppedOnEveryGateway: a gateway keeps a session it found
// ready to send (STATUS_CACHE_TTL, an hour here), and the instance stopped
// through another gateway makes it refuse the next send once the
// sessions.changed notice arrives. Without the notice it would accept
// sends for the rest of the hour.
func TestSendCheckDroppedOnEveryGateway(t *testing.T) {
	buses(t, func(t *testing.T, bus gateway.Bus) {
		f := newStatusFixture(t, bus, "embedded")
		a, b := f.gateway(time.Hour), f.gateway(time.Hour)
		sid, iid := f.start(a)
		for range 2 {
			if code := f.send(b, sid); code != http.StatusCreated {
				t.Fatalf("send with a running instance: %d, want 201", code)
			}
		}
		f.must(a, "POST", "/instances/"+iid+"/stop", nil, http.StatusOK, nil)
		if code := f.send(a, sid); code != http.StatusConflict {
			t.Fatalf("send through the gateway that stopped the instance: %d, want 409 at once", code)
		}
		polltest.Until(t, patience, "the other gateway refusing the send", func() (string, bool) {
			code := f.send(b, sid)
			return http.StatusText(code), code == http.StatusConflict
		})
	})
}

// TestPlanEditReachesEveryGateway: an admin's plan edit on one gateway
// applies to the sends of the plan's tenants on another once the
// plans.changed notice arrives, though that gateway keeps plans an hour.
func TestPlanEditReachesEveryGateway(t *testing.T) {
	buses(t, func(t *testing.T, bus gateway.Bus) {
		f := newStatusFixture(t, bus, "embedded")
		a, b := f.gateway(time.Hour), f.gateway(time.Hour)
		ctx := t.Context()
		admin := service.Actor{User: f.user, IP: "192.0.2.1"}
		plan := func(monthly int) *gateway.Plan {
			return &gateway.Plan{ID: "metered", Name: "Metered", Currency: "USD",
				Limits: gateway.PlanLimits{Sessions: -1, Instances: -1, MessagesPerMonth: monthly, Webhooks: -1, APIKeys: -1,
					RequestsPerMinute: -1, MediaBytes: -1},
				Features: gateway.PlanFeatures{Engines: []string{gateway.EngineSandbox}, APIKeys: true}}
		}
		if _, err := a.svc.AdminCreatePlan(ctx, admin, plan(100)); err != nil {
			t.Fatal(err)
		}
		if _, err := a.svc.AdminChangePlan(ctx, admin, f.user.ID, "metered", "test"); err != nil {
			t.Fatal(err)
		}
		sid, _ := f.start(a)
		if code := f.send(b, sid); code != http.StatusCreated {
			t.Fatalf("send within the plan: %d, want 201", code)
		}
		if _, err := a.svc.AdminUpdatePlan(ctx, admin, "metered", plan(1)); err != nil {
			t.Fatal(err)
		}
		if code := f.send(a, sid); code != http.StatusTooManyRequests {
			t.Fatalf("send past the edited plan through the gateway that edited it: %d, want 429 at once", code)
		}
		// Each accepted send counts: without the notice this gateway would
		// go on to the old plan's 100 and refuse naming it.
		polltest.Until(t, patience, "the other gateway applying the edited plan", func() (string, bool) {
			body := f.sendBody(b, sid)
			return body, strings.Contains(body, `"code":"quota_exceeded"`) && strings.Contains(body, `"allowed":1,`)
		})
	})
}
