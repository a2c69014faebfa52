package storetest

import (
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// testStateCounts checks the cross-tenant counts behind the metrics: every
// tenant's rows, grouped by state. Stores without StatsStore skip.
func testStateCounts(t *testing.T, s gateway.Store) {
	ss, ok := s.(gateway.StatsStore)
	if !ok {
		t.Skip("the store does not count states")
	}
	empty, err := ss.StateCounts(ctx(t))
	must(t, err)
	if len(empty.Sessions)+len(empty.Instances)+len(empty.Messages)+len(empty.Deliveries) != 0 || !empty.OldestUndelivered.IsZero() {
		t.Fatalf("got %+v from an empty store, want no counts", empty)
	}
	a, b := newUser(t, s), newUser(t, s)
	sa, sb := newSession(t, s, a.ID), newSession(t, s, b.ID)
	_, err = s.SetSessionState(ctx(t), b.ID, sb.ID, gateway.SessionState{Status: gateway.SessionConnected})
	must(t, err)
	must(t, s.CreateInstance(ctx(t), &gateway.Instance{SessionID: sa.ID, UserID: a.ID, Status: gateway.InstanceRunning, Driver: "local"}))
	must(t, s.CreateWebhook(ctx(t), &gateway.Webhook{UserID: a.ID, URL: "https://example.com/hook", Events: []string{"*"}, Active: true, Secret: "whsec_x"}))
	for i, m := range []*gateway.Message{
		{UserID: a.ID, SessionID: sa.ID, Direction: gateway.DirectionOutbound, Type: gateway.TypeText, Recipient: "1@s.whatsapp.net", Chat: "1@s.whatsapp.net", WAMessageID: gateway.NewWAMessageID()},
		{UserID: b.ID, SessionID: sb.ID, Direction: gateway.DirectionOutbound, Type: gateway.TypeText, Recipient: "1@s.whatsapp.net", Chat: "1@s.whatsapp.net", WAMessageID: gateway.NewWAMessageID()},
		{UserID: b.ID, SessionID: sb.ID, Direction: gateway.DirectionInbound, Type: gateway.TypeText, Recipient: "2@s.whatsapp.net", Chat: "1@s.whatsapp.net", WAMessageID: "3EB0CC"},
	} {
		if i == 0 {
			// One event for a's webhook: one pending delivery.
			must(t, s.CreateMessage(ctx(t), m, gateway.NewEvent(a.ID, sa.ID, gateway.EventMessage, map[string]string{"id": "x"})))
			continue
		}
		must(t, s.CreateMessage(ctx(t), m))
	}
	got, err := ss.StateCounts(ctx(t))
	must(t, err)
	if got.OldestUndelivered.IsZero() {
		t.Error("got no oldest undelivered time with a pending delivery")
	}
	got.OldestUndelivered = time.Time{}
	want := &gateway.StateCounts{
		Sessions:  map[gateway.SessionStatus]int{gateway.SessionCreated: 1, gateway.SessionConnected: 1},
		Instances: map[gateway.InstanceStatus]int{gateway.InstanceRunning: 1},
		Messages: map[string]map[gateway.MessageStatus]int{
			gateway.DirectionOutbound: {gateway.MessageQueued: 2},
			gateway.DirectionInbound:  {gateway.MessageReceived: 1},
		},
		Deliveries: map[gateway.DeliveryStatus]int{gateway.DeliveryPending: 1},
	}
	diff(t, "StateCounts", got, want)
}
