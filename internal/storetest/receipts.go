package storetest

import (
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// testGroupReceipts checks the participants' receipts of a group message:
// each kind is kept once (a read stands for the delivery), a repeat changes
// nothing and writes no event, and only the sending session's outbound
// message of its tenant takes them.
func testGroupReceipts(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	const group = "120363025246125486@g.us"
	m := newMessage(t, s, sess, func(m *gateway.Message) { m.Recipient, m.Chat, m.IsGroup = group, group, true })
	events := 0
	build := func(got *gateway.Message, r gateway.GroupReceipt) []*gateway.Event {
		events++
		if got.ID != m.ID {
			t.Fatalf("build got message %s, want %s", got.ID, m.ID)
		}
		return []*gateway.Event{gateway.NewEvent(u.ID, sess.ID, gateway.EventReceipt, gateway.ReceiptData{MessageID: got.ID,
			Participant: r.Participant, Status: r.Status, At: r.At})}
	}
	rec := func(participant string, st gateway.MessageStatus, when int) (bool, error) {
		return s.RecordGroupReceipt(ctx(t), gateway.GroupReceipt{UserID: u.ID, SessionID: sess.ID, WAMessageID: m.WAMessageID,
			Participant: participant + "@s.whatsapp.net", ParticipantPhone: participant, Status: st, At: at(when)}, build)
	}
	for _, tc := range []struct {
		who    string
		st     gateway.MessageStatus
		when   int
		stored bool
	}{
		{"15550002222", gateway.MessageDelivered, 1, true},
		{"15550002222", gateway.MessageDelivered, 2, false}, // a repeat
		{"15550003333", gateway.MessageRead, 3, true},       // a read alone stands for the delivery
		{"15550002222", gateway.MessageRead, 4, true},
		{"15550003333", gateway.MessageDelivered, 5, false}, // late: already delivered
	} {
		stored, err := rec(tc.who, tc.st, tc.when)
		must(t, err)
		if stored != tc.stored {
			t.Fatalf("%s %s at %d: stored %v, want %v", tc.who, tc.st, tc.when, stored, tc.stored)
		}
	}
	if events != 3 {
		t.Fatalf("build ran %d times, want once per stored receipt (3)", events)
	}
	evs, err := s.ListEvents(ctx(t), u.ID, gateway.EventFilter{Types: []string{gateway.EventReceipt}, Limit: 10})
	must(t, err)
	if len(evs) != 3 {
		t.Fatalf("stored %d receipt events, want 3", len(evs))
	}

	got, err := s.MessageReceipts(ctx(t), u.ID, m.ID)
	must(t, err)
	want := []gateway.MessageReceipt{
		{Participant: "15550002222@s.whatsapp.net", Phone: "15550002222", Status: gateway.MessageRead, DeliveredAt: ptr(at(1)), ReadAt: ptr(at(4))},
		{Participant: "15550003333@s.whatsapp.net", Phone: "15550003333", Status: gateway.MessageRead, DeliveredAt: ptr(at(3)), ReadAt: ptr(at(3))},
	}
	diff(t, "receipts", got, want)

	// Another tenant sees none and cannot record against the message;
	// an inbound message or an unknown id takes none.
	other := newUser(t, s)
	if got, err := s.MessageReceipts(ctx(t), other.ID, m.ID); err != nil || len(got) != 0 {
		t.Fatalf("another tenant's read: %v, %v", got, err)
	}
	_, err = s.RecordGroupReceipt(ctx(t), gateway.GroupReceipt{UserID: other.ID, SessionID: sess.ID, WAMessageID: m.WAMessageID,
		Participant: "x@s.whatsapp.net", Status: gateway.MessageRead}, nil)
	wantCode(t, err, gateway.CodeNotFound)
	in := newMessage(t, s, sess, func(m *gateway.Message) {
		m.Direction, m.Status, m.IsGroup = gateway.DirectionInbound, gateway.MessageReceived, true
	})
	_, err = s.RecordGroupReceipt(ctx(t), gateway.GroupReceipt{UserID: u.ID, SessionID: sess.ID, WAMessageID: in.WAMessageID,
		Participant: "x@s.whatsapp.net", Status: gateway.MessageRead}, nil)
	wantCode(t, err, gateway.CodeNotFound)
	_, err = s.RecordGroupReceipt(ctx(t), gateway.GroupReceipt{UserID: u.ID, SessionID: sess.ID, WAMessageID: m.WAMessageID,
		Participant: "x@s.whatsapp.net", Status: gateway.MessageFailed}, nil)
	wantCode(t, err, gateway.CodeValidation)
}
