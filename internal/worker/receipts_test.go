package worker

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/sandbox"
)

// Receipts handed over together are stored together, each moving its own
// message with a message.status event at its own receipt's time; a
// receipt for a message this gateway did not send moves nothing.
func TestReceiptsStoredTogether(t *testing.T) {
	st := newStore(t)
	s := newSession(t, st, "15550001111:1@s.whatsapp.net", gateway.SessionSettings{})
	w := mustNew(t, Config{SessionID: s.ID, UserID: s.UserID, Engines: sandboxEngines(sandbox.Options{}), Store: st})
	ctx := context.Background()
	a := queue(t, st, s, "15550002222", gateway.TypeText, "a", &gateway.MessagePayload{})
	b := queue(t, st, s, "15550002222", gateway.TypeText, "b", &gateway.MessagePayload{})
	base := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	if _, err := st.UpdateMessageStatuses(ctx, []gateway.MessageStatusUpdate{
		{ID: a.ID, Status: gateway.MessageSent, At: base}, {ID: b.ID, Status: gateway.MessageSent, At: base},
	}, nil); err != nil {
		t.Fatal(err)
	}
	at := func(s int) time.Time { return base.Add(time.Duration(s) * time.Second) }
	err := w.handle(ctx, gateway.EvReceipts{Receipts: []gateway.EvReceipt{
		{WAMessageIDs: []string{a.WAMessageID}, Status: gateway.MessageDelivered, At: at(1)},
		{WAMessageIDs: []string{b.WAMessageID, "3EB0NOTOURS"}, Status: gateway.MessageDelivered, At: at(2)},
		{WAMessageIDs: []string{a.WAMessageID}, Status: gateway.MessageRead, At: at(3)},
	}})
	if err != nil {
		t.Fatalf("handle: %v", err)
	}
	if got := messageIs(t, st, a, gateway.MessageRead); !got.DeliveredAt.Equal(at(1)) || !got.ReadAt.Equal(at(3)) {
		t.Errorf("a delivered %v read %v, want %v and %v", got.DeliveredAt, got.ReadAt, at(1), at(3))
	}
	if got := messageIs(t, st, b, gateway.MessageDelivered); !got.DeliveredAt.Equal(at(2)) {
		t.Errorf("b delivered %v, want %v", got.DeliveredAt, at(2))
	}
	type key struct {
		id     string
		status gateway.MessageStatus
	}
	want := map[key]time.Time{{a.ID, gateway.MessageDelivered}: at(1), {b.ID, gateway.MessageDelivered}: at(2), {a.ID, gateway.MessageRead}: at(3)}
	got := map[key]time.Time{}
	for _, e := range events(t, st, s.UserID, gateway.EventMessageStatus) {
		var d gateway.MessageStatusData
		if err := json.Unmarshal(e.Data, &d); err != nil {
			t.Fatal(err)
		}
		got[key{d.MessageID, d.Status}] = d.At
	}
	for k, w := range want {
		if !got[k].Equal(w) {
			t.Errorf("%s %s event at %v, want %v", k.id, k.status, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d message.status events, want %d: %v", len(got), len(want), got)
	}
}
