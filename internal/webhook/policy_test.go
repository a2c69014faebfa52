package webhook

import (
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func TestDecide(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	ptr := func(t time.Time) *time.Time { return &t }
	ok := func(hook string, s int) gateway.DeliveryResult {
		return gateway.DeliveryResult{WebhookID: hook, Status: gateway.DeliverySucceeded, Attempted: true, At: at(s)}
	}
	fail := func(hook string, s int) gateway.DeliveryResult {
		return gateway.DeliveryResult{WebhookID: hook, Status: gateway.DeliveryFailed, Attempted: true, At: at(s)}
	}
	gone := func(hook string, s int) gateway.DeliveryResult {
		r := fail(hook, s)
		r.Status, r.Disable = gateway.DeliveryAbandoned, "The endpoint answered 410 Gone."
		return r
	}
	active := gateway.EndpointStreak{Active: true}
	tests := []struct {
		name          string
		stored        map[string]gateway.EndpointStreak
		applied       []gateway.DeliveryResult
		disableBefore time.Time
		want          []gateway.StreakDecision
	}{
		{"a success ends the streak", map[string]gateway.EndpointStreak{"a": {Active: true, FailingSince: ptr(at(-100))}},
			[]gateway.DeliveryResult{fail("a", 1), ok("a", 2)}, time.Time{},
			[]gateway.StreakDecision{{WebhookID: "a"}}},
		{"the latest by time decides, not by order", map[string]gateway.EndpointStreak{"a": active},
			[]gateway.DeliveryResult{fail("a", 5), ok("a", 3)}, time.Time{},
			[]gateway.StreakDecision{{WebhookID: "a", FailingSince: ptr(at(5))}}},
		{"failing since the first failure after the last success", map[string]gateway.EndpointStreak{"a": active},
			[]gateway.DeliveryResult{fail("a", 9), fail("a", 1), ok("a", 4), fail("a", 6)}, time.Time{},
			[]gateway.StreakDecision{{WebhookID: "a", FailingSince: ptr(at(6))}}},
		{"a stored streak carries on without a success", map[string]gateway.EndpointStreak{"a": {Active: true, FailingSince: ptr(at(-50))}},
			[]gateway.DeliveryResult{fail("a", 1)}, time.Time{},
			[]gateway.StreakDecision{{WebhookID: "a", FailingSince: ptr(at(-50))}}},
		{"a success in the batch ends the stored streak", map[string]gateway.EndpointStreak{"a": {Active: true, FailingSince: ptr(at(-50))}},
			[]gateway.DeliveryResult{ok("a", 1), fail("a", 2)}, time.Time{},
			[]gateway.StreakDecision{{WebhookID: "a", FailingSince: ptr(at(2))}}},
		{"a failure tied with a success fails from then", map[string]gateway.EndpointStreak{"a": active},
			[]gateway.DeliveryResult{ok("a", 3), fail("a", 3)}, time.Time{},
			[]gateway.StreakDecision{{WebhookID: "a", FailingSince: ptr(at(3))}}},
		{"a long streak turns the endpoint off", map[string]gateway.EndpointStreak{"a": {Active: true, FailingSince: ptr(at(-50))}},
			[]gateway.DeliveryResult{fail("a", 1)}, at(-50),
			[]gateway.StreakDecision{{WebhookID: "a", FailingSince: ptr(at(-50)), Disable: reasonFailing}}},
		{"a shorter one does not", map[string]gateway.EndpointStreak{"a": {Active: true, FailingSince: ptr(at(-50))}},
			[]gateway.DeliveryResult{fail("a", 1)}, at(-51),
			[]gateway.StreakDecision{{WebhookID: "a", FailingSince: ptr(at(-50))}}},
		{"no limit, never off for failing", map[string]gateway.EndpointStreak{"a": {Active: true, FailingSince: ptr(at(-5000))}},
			[]gateway.DeliveryResult{fail("a", 1)}, time.Time{},
			[]gateway.StreakDecision{{WebhookID: "a", FailingSince: ptr(at(-5000))}}},
		{"a recovered endpoint is not turned off", map[string]gateway.EndpointStreak{"a": {Active: true, FailingSince: ptr(at(-50))}},
			[]gateway.DeliveryResult{ok("a", 1)}, at(0),
			[]gateway.StreakDecision{{WebhookID: "a"}}},
		{"410 turns it off even after a later success", map[string]gateway.EndpointStreak{"a": active},
			[]gateway.DeliveryResult{gone("a", 1), ok("a", 2)}, time.Time{},
			[]gateway.StreakDecision{{WebhookID: "a", Disable: "The endpoint answered 410 Gone."}}},
		{"an endpoint already off is left off without a second decision to turn it off", map[string]gateway.EndpointStreak{"a": {FailingSince: ptr(at(-50))}},
			[]gateway.DeliveryResult{gone("a", 1)}, at(0),
			[]gateway.StreakDecision{{WebhookID: "a", FailingSince: ptr(at(-50))}}},
		{"an endpoint the store does not know counts as active", nil,
			[]gateway.DeliveryResult{gone("x", 1)}, time.Time{},
			[]gateway.StreakDecision{{WebhookID: "x", FailingSince: ptr(at(1)), Disable: "The endpoint answered 410 Gone."}}},
		{"endpoints apart, in order of first result", map[string]gateway.EndpointStreak{"a": active, "b": active},
			[]gateway.DeliveryResult{fail("b", 1), ok("a", 2), ok("b", 3), fail("a", 4)}, time.Time{},
			[]gateway.StreakDecision{{WebhookID: "b"}, {WebhookID: "a", FailingSince: ptr(at(4))}}},
		{"nothing applied, nothing decided", map[string]gateway.EndpointStreak{"a": active}, nil, at(0), []gateway.StreakDecision{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decide(tt.stored, tt.applied, tt.disableBefore)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d decisions %+v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if g.WebhookID != w.WebhookID || g.Disable != w.Disable || !sameTime(g.FailingSince, w.FailingSince) {
					t.Errorf("decision %d = {%s since %v disable %q}, want {%s since %v disable %q}",
						i, g.WebhookID, g.FailingSince, g.Disable, w.WebhookID, w.FailingSince, w.Disable)
				}
			}
		})
	}
}

func TestPolicyPassesDisableBefore(t *testing.T) {
	t0 := time.Now()
	stored := map[string]gateway.EndpointStreak{"a": {Active: true, FailingSince: &t0}}
	applied := []gateway.DeliveryResult{{WebhookID: "a", Status: gateway.DeliveryFailed, Attempted: true, At: t0.Add(time.Second)}}
	if d := Policy(t0)(stored, applied); len(d) != 1 || d[0].Disable != reasonFailing {
		t.Fatalf("Policy(t0) = %+v, want a for disabling", d)
	}
	if d := Policy(time.Time{})(stored, applied); len(d) != 1 || d[0].Disable != "" {
		t.Fatalf("Policy(zero) = %+v, want a kept on", d)
	}
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
