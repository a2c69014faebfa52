package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func msgID(m *gateway.Message) string { return m.ID }

func testMessages(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	other, theirs := newTenant(t, s)

	m := &gateway.Message{UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound, Type: gateway.TypeImage,
		Recipient: "120363000000000001@g.us", Chat: "120363000000000001@g.us", IsGroup: true, Body: "caption",
		Payload: json.RawMessage(`{"media": {"url": "https://example.com/a.png", "mime_type": "image/png"}, "n": 1}`),
		ReplyTo: "3EB0AAAA", WAMessageID: gateway.NewWAMessageID(), CreatedAt: at(1)}
	must(t, s.CreateMessage(ctx(t), m))
	if m.ID == "" || m.Status != gateway.MessageQueued {
		t.Fatalf("got id %q status %q, want id filled and queued", m.ID, m.Status)
	}
	got, err := s.MessageByID(ctx(t), u.ID, m.ID)
	must(t, err)
	diff(t, "MessageByID", got, m)

	in := &gateway.Message{UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionInbound, Type: gateway.TypeText,
		Recipient: "15550001111@s.whatsapp.net", Chat: "15550002222@s.whatsapp.net", Sender: "15550002222@s.whatsapp.net",
		SenderPhone: "15550002222", SenderLID: "123456789@lid", Body: "hi", WAMessageID: "3EB0BBBB", CreatedAt: at(2)}
	must(t, s.CreateMessage(ctx(t), in))
	if in.Status != gateway.MessageReceived {
		t.Fatalf("got inbound status %q, want received", in.Status)
	}
	got, err = s.MessageByID(ctx(t), u.ID, in.ID)
	must(t, err)
	diff(t, "inbound MessageByID", got, in)

	t.Run("absent or another tenant's", func(t *testing.T) {
		for _, tt := range []struct{ user, id string }{{other.ID, m.ID}, {u.ID, uuid.NewString()}, {u.ID, "nope"}} {
			_, err := s.MessageByID(ctx(t), tt.user, tt.id)
			wantCode(t, err, gateway.CodeNotFound)
		}
	})
	t.Run("into another tenant's or a missing session", func(t *testing.T) {
		for _, sid := range []string{theirs.ID, uuid.NewString()} {
			err := s.CreateMessage(ctx(t), &gateway.Message{UserID: u.ID, SessionID: sid, Direction: gateway.DirectionOutbound,
				Type: gateway.TypeText, Recipient: "x", Body: "x"})
			wantCode(t, err, gateway.CodeNotFound)
		}
	})
	t.Run("invalid", func(t *testing.T) {
		for name, m := range map[string]*gateway.Message{
			"direction": {UserID: u.ID, SessionID: sess.ID, Direction: "sideways", Type: gateway.TypeText},
			"status":    {UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound, Status: "lost", Type: gateway.TypeText},
			"payload":   {UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound, Type: gateway.TypeText, Payload: json.RawMessage("{")},
		} {
			if err := s.CreateMessage(ctx(t), m); gateway.ErrorCode(err) != gateway.CodeValidation {
				t.Fatalf("%s: got %v, want a validation error", name, err)
			}
		}
	})
}

func testListMessagesFilters(t *testing.T, s gateway.Store) {
	u := newUser(t, s)
	other := newUser(t, s)
	s1 := newSession(t, s, u.ID)
	s2 := newSession(t, s, u.ID)
	theirs := newSession(t, s, other.ID)
	alice, bob := "15550001111@s.whatsapp.net", "15550002222@s.whatsapp.net"

	a := newMessage(t, s, s1, func(m *gateway.Message) { m.Recipient, m.Chat, m.CreatedAt = alice, alice, at(1) })
	b := newMessage(t, s, s1, func(m *gateway.Message) {
		m.Recipient, m.Chat, m.Type, m.Status, m.CreatedAt = bob, bob, gateway.TypeImage, gateway.MessageSent, at(2)
	})
	c := newMessage(t, s, s2, func(m *gateway.Message) {
		m.Direction, m.Status, m.Recipient, m.Chat, m.Sender, m.SenderPhone = gateway.DirectionInbound, gateway.MessageReceived, "15559990000@s.whatsapp.net", bob, bob, "15550002222"
		m.CreatedAt = at(3)
	})
	d := newMessage(t, s, s2, func(m *gateway.Message) {
		m.Recipient, m.Chat, m.Status, m.CreatedAt = alice, alice, gateway.MessageFailed, at(4)
	})
	newMessage(t, s, theirs, func(m *gateway.Message) { m.Recipient, m.Chat, m.CreatedAt = alice, alice, at(5) })

	runFilters(t, "message ids", msgID, func(t *testing.T, f gateway.MessageFilter) ([]*gateway.Message, int, error) {
		return s.ListMessages(ctx(t), u.ID, f)
	}, []filterCase[gateway.MessageFilter]{
		{"all, newest first, tenant only", gateway.MessageFilter{}, []string{d.ID, c.ID, b.ID, a.ID}, 4},
		{"session", gateway.MessageFilter{SessionID: s1.ID}, []string{b.ID, a.ID}, 2},
		{"another tenant's session", gateway.MessageFilter{SessionID: theirs.ID}, []string{}, 0},
		{"a session id that cannot exist", gateway.MessageFilter{SessionID: "nope"}, []string{}, 0},
		{"direction", gateway.MessageFilter{Direction: gateway.DirectionInbound}, []string{c.ID}, 1},
		{"status", gateway.MessageFilter{Status: gateway.MessageFailed}, []string{d.ID}, 1},
		{"type", gateway.MessageFilter{Type: gateway.TypeImage}, []string{b.ID}, 1},
		{"recipient", gateway.MessageFilter{Recipient: alice}, []string{d.ID, a.ID}, 2},
		{"recipient matches chat or sender", gateway.MessageFilter{Recipient: bob}, []string{c.ID, b.ID}, 2},
		{"from", gateway.MessageFilter{From: ptr(at(3))}, []string{d.ID, c.ID}, 2},
		{"to", gateway.MessageFilter{To: ptr(at(2))}, []string{b.ID, a.ID}, 2},
		{"from and to", gateway.MessageFilter{From: ptr(at(2)), To: ptr(at(3))}, []string{c.ID, b.ID}, 2},
		{"combined", gateway.MessageFilter{SessionID: s2.ID, Direction: gateway.DirectionOutbound, Recipient: alice}, []string{d.ID}, 1},
		{"page", gateway.MessageFilter{Page: gateway.Page{Page: 2, Limit: 3}}, []string{a.ID}, 4},
		{"page past the end", gateway.MessageFilter{Page: gateway.Page{Page: 3, Limit: 3}}, []string{}, 4},
	})
}

// statusEvents returns a builder of one message.status event, and counts its calls.
func statusEvents(calls *int) func(m *gateway.Message) []*gateway.Event {
	return func(m *gateway.Message) []*gateway.Event {
		*calls++
		return []*gateway.Event{gateway.NewEvent(m.UserID, m.SessionID, gateway.EventMessageStatus, gateway.MessageStatusData{
			MessageID: m.ID, WAMessageID: m.WAMessageID, SessionID: m.SessionID, Recipient: m.Recipient, Status: m.Status, Error: m.Error,
		})}
	}
}

func testMessageStatusForwardOnly(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	// The payload stands for inline media: a status update does not read it
	// back, but it does read the request id that its events carry.
	m := newMessage(t, s, sess, func(m *gateway.Message) {
		m.WAMessageID, m.RequestID = "", "req-1"
		m.Payload = json.RawMessage(`{"media": {"data": "AAAA", "mime_type": "image/jpeg"}}`)
	})
	newWA := gateway.NewWAMessageID()

	steps := []struct {
		name      string
		u         gateway.MessageStatusUpdate
		moves     bool
		wantState gateway.MessageStatus
		check     func(t *testing.T, m *gateway.Message)
	}{
		{"sent stores the WA id", gateway.MessageStatusUpdate{ID: m.ID, WAMessageID: newWA, Status: gateway.MessageSent, At: at(1)},
			true, gateway.MessageSent, func(t *testing.T, got *gateway.Message) {
				if got.WAMessageID != newWA || got.SentAt == nil || !got.SentAt.Equal(at(1)) || got.DeliveredAt != nil {
					t.Fatalf("got wa id %q sent %v delivered %v, want %q, %v, nil", got.WAMessageID, got.SentAt, got.DeliveredAt, newWA, at(1))
				}
			}},
		{"sent again does not move", gateway.MessageStatusUpdate{ID: m.ID, Status: gateway.MessageSent, At: at(2)}, false, gateway.MessageSent, nil},
		{"read fills delivered", gateway.MessageStatusUpdate{ID: m.ID, Status: gateway.MessageRead, At: at(3)},
			true, gateway.MessageRead, func(t *testing.T, got *gateway.Message) {
				if got.DeliveredAt == nil || !got.DeliveredAt.Equal(at(3)) || got.ReadAt == nil || !got.ReadAt.Equal(at(3)) || !got.SentAt.Equal(at(1)) {
					t.Fatalf("got sent %v delivered %v read %v, want %v, %v, %v", got.SentAt, got.DeliveredAt, got.ReadAt, at(1), at(3), at(3))
				}
			}},
		{"late delivered is ignored", gateway.MessageStatusUpdate{ID: m.ID, Status: gateway.MessageDelivered, At: at(4)}, false, gateway.MessageRead, nil},
		{"failed after read is ignored", gateway.MessageStatusUpdate{ID: m.ID, Status: gateway.MessageFailed, Error: "late", At: at(5)}, false, gateway.MessageRead, nil},
		{"played", gateway.MessageStatusUpdate{ID: m.ID, Status: gateway.MessagePlayed, At: at(6)}, true, gateway.MessagePlayed, func(t *testing.T, got *gateway.Message) {
			if !got.ReadAt.Equal(at(3)) {
				t.Fatalf("got read %v, want %v kept", got.ReadAt, at(3))
			}
		}},
	}
	moved := 0
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			calls := 0
			got, err := s.UpdateMessageStatus(ctx(t), step.u, statusEvents(&calls))
			must(t, err)
			if step.moves {
				moved++
				if got == nil || got.Status != step.wantState || calls != 1 {
					t.Fatalf("got %+v after %d build calls, want status %q after 1", got, calls, step.wantState)
				}
				if step.check != nil {
					step.check(t, got)
				}
				stored, err := s.MessageByID(ctx(t), u.ID, m.ID)
				must(t, err)
				if len(stored.Payload) == 0 || stored.RequestID != "req-1" {
					t.Fatalf("stored payload %s, request id %q; want the payload and req-1", stored.Payload, stored.RequestID)
				}
				if got.Payload != nil || got.RequestID != "req-1" {
					t.Fatalf("status update read back payload %s, request id %q; want no payload and req-1", got.Payload, got.RequestID)
				}
				stored.Payload = nil
				diff(t, "stored message", stored, got)
			} else if got != nil || calls != 0 {
				t.Fatalf("got %+v after %d build calls, want nil and no call", got, calls)
			}
			stored, err := s.MessageByID(ctx(t), u.ID, m.ID)
			must(t, err)
			if stored.Status != step.wantState {
				t.Fatalf("got stored status %q, want %q", stored.Status, step.wantState)
			}
			events, err := s.ListEvents(ctx(t), u.ID, gateway.EventFilter{Types: []string{gateway.EventMessageStatus}})
			must(t, err)
			if len(events) != moved {
				t.Fatalf("got %d message.status events, want %d", len(events), moved)
			}
		})
	}

	t.Run("failed from queued records the error", func(t *testing.T) {
		q := newMessage(t, s, sess, nil)
		calls := 0
		got, err := s.UpdateMessageStatus(ctx(t), gateway.MessageStatusUpdate{ID: q.ID, Status: gateway.MessageFailed, Error: "not on WhatsApp"}, statusEvents(&calls))
		must(t, err)
		if got == nil || got.Status != gateway.MessageFailed || got.Error != "not on WhatsApp" || got.SentAt != nil || calls != 1 {
			t.Fatalf("got %+v (%d calls), want failed with the error, no sent time, 1 call", got, calls)
		}
		// Delivered still ranks above failed: a receipt after a failure wins.
		got, err = s.UpdateMessageStatus(ctx(t), gateway.MessageStatusUpdate{ID: q.ID, Status: gateway.MessageDelivered}, nil)
		must(t, err)
		if got == nil || got.Status != gateway.MessageDelivered {
			t.Fatalf("got %+v, want delivered", got)
		}
	})
	t.Run("several in one transaction", func(t *testing.T) {
		a, b := newMessage(t, s, sess, nil), newMessage(t, s, sess, func(m *gateway.Message) { m.Status = gateway.MessageRead })
		calls := 0
		got, err := s.UpdateMessageStatuses(ctx(t), []gateway.MessageStatusUpdate{
			{ID: a.ID, Status: gateway.MessageSent, At: at(7)},
			{ID: b.ID, Status: gateway.MessageSent, At: at(7)},             // already past sent: does not move
			{ID: uuid.NewString(), Status: gateway.MessageSent, At: at(7)}, // absent
		}, statusEvents(&calls))
		must(t, err)
		if len(got) != 3 || got[0] == nil || got[0].Status != gateway.MessageSent || got[1] != nil || got[2] != nil || calls != 1 {
			t.Fatalf("got %v after %d build calls, want a sent, nil, nil after 1", got, calls)
		}
		stored, err := s.MessageByID(ctx(t), u.ID, a.ID)
		must(t, err)
		if stored.Status != gateway.MessageSent || stored.SentAt == nil || !stored.SentAt.Equal(at(7)) {
			t.Fatalf("stored %s sent at %v, want sent at %v", stored.Status, stored.SentAt, at(7))
		}
	})
	t.Run("failed from sent", func(t *testing.T) {
		q := newMessage(t, s, sess, func(m *gateway.Message) { m.Status = gateway.MessageSent })
		got, err := s.UpdateMessageStatus(ctx(t), gateway.MessageStatusUpdate{ID: q.ID, Status: gateway.MessageFailed, Error: "timeout"}, nil)
		must(t, err)
		if got == nil || got.Status != gateway.MessageFailed {
			t.Fatalf("got %+v, want failed", got)
		}
	})
	t.Run("absent", func(t *testing.T) {
		calls := 0
		for _, u := range []gateway.MessageStatusUpdate{
			{ID: uuid.NewString(), Status: gateway.MessageSent},
			{ID: "nope", Status: gateway.MessageSent},
			{SessionID: sess.ID, WAMessageID: "3EB0NONE", Status: gateway.MessageDelivered},
		} {
			_, err := s.UpdateMessageStatus(ctx(t), u, statusEvents(&calls))
			wantCode(t, err, gateway.CodeNotFound)
		}
		if calls != 0 {
			t.Fatalf("got %d build calls, want 0", calls)
		}
	})
	t.Run("build events roll back with a failed write", func(t *testing.T) {
		before, err := s.CountEvents(ctx(t), u.ID, time.Time{})
		must(t, err)
		q := newMessage(t, s, sess, nil)
		_, err = s.UpdateMessageStatus(ctx(t), gateway.MessageStatusUpdate{ID: q.ID, Status: gateway.MessageSent},
			func(m *gateway.Message) []*gateway.Event {
				return []*gateway.Event{{UserID: m.UserID, Type: gateway.EventMessageStatus, Data: json.RawMessage("{bad")}}
			})
		if err == nil {
			t.Fatal("got nil error for an event with invalid data, want an error")
		}
		stored, err := s.MessageByID(ctx(t), u.ID, q.ID)
		must(t, err)
		if stored.Status != gateway.MessageQueued {
			t.Fatalf("got status %q, want queued: the update must roll back with its events", stored.Status)
		}
		after, err := s.CountEvents(ctx(t), u.ID, time.Time{})
		must(t, err)
		if after != before {
			t.Fatalf("got %d events, want %d", after, before)
		}
	})
}

func testMessageStatusReceipts(t *testing.T, s gateway.Store) {
	u, s1 := newTenant(t, s)
	s2 := newSession(t, s, u.ID)
	m1 := newMessage(t, s, s1, func(m *gateway.Message) { m.Status = gateway.MessageSent })
	// The same WA id in another session, and echoed inbound in the same one.
	m2 := newMessage(t, s, s2, func(m *gateway.Message) { m.WAMessageID, m.Status = m1.WAMessageID, gateway.MessageSent })
	echo := newMessage(t, s, s1, func(m *gateway.Message) {
		m.Direction, m.Status, m.WAMessageID = gateway.DirectionInbound, gateway.MessageReceived, m1.WAMessageID
	})

	calls := 0
	got, err := s.UpdateMessageStatus(ctx(t), gateway.MessageStatusUpdate{SessionID: s1.ID, WAMessageID: m1.WAMessageID,
		Status: gateway.MessageDelivered, At: at(1)}, statusEvents(&calls))
	must(t, err)
	if got == nil || got.ID != m1.ID || got.Status != gateway.MessageDelivered || calls != 1 {
		t.Fatalf("got %+v (%d calls), want message %s delivered", got, calls, m1.ID)
	}
	for _, id := range []string{m2.ID, echo.ID} {
		other, err := s.MessageByID(ctx(t), u.ID, id)
		must(t, err)
		if other.Status == gateway.MessageDelivered {
			t.Fatalf("got message %s delivered, want only %s moved", id, m1.ID)
		}
	}
	events, err := s.ListEvents(ctx(t), u.ID, gateway.EventFilter{})
	must(t, err)
	if len(events) != 1 || events[0].SessionID != s1.ID || events[0].Type != gateway.EventMessageStatus {
		t.Fatalf("got events %+v, want one message.status of session %s", events, s1.ID)
	}
	var data gateway.MessageStatusData
	must(t, json.Unmarshal(events[0].Data, &data))
	if data.MessageID != m1.ID || data.Status != gateway.MessageDelivered {
		t.Fatalf("got event data %+v, want message %s delivered (build sees the updated message)", data, m1.ID)
	}
}

func testInboundDuplicates(t *testing.T, s gateway.Store) {
	u, s1 := newTenant(t, s)
	s2 := newSession(t, s, u.ID)
	inbound := func(sess *gateway.Session, wa string) *gateway.Message {
		return &gateway.Message{UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionInbound, Type: gateway.TypeText,
			Chat: "15550002222@s.whatsapp.net", Sender: "15550002222@s.whatsapp.net", Body: "hi", WAMessageID: wa}
	}
	first := inbound(s1, "3EB0DUP")
	ev := gateway.NewEvent(u.ID, s1.ID, gateway.EventMessage, first)
	must(t, s.CreateMessage(ctx(t), first, ev))

	dup := inbound(s1, "3EB0DUP")
	evDup := gateway.NewEvent(u.ID, s1.ID, gateway.EventMessage, dup)
	wantCode(t, s.CreateMessage(ctx(t), dup, evDup), gateway.CodeConflict)
	wantCode(t, s.CreateMessage(ctx(t), inbound(s1, "3EB0DUP")), gateway.CodeConflict)

	wantEvents(t, s, u.ID, gateway.EventFilter{Types: []string{gateway.EventMessage}}, 1, ev.ID,
		"only the first message event: a redelivery writes no event")
	// Another session, another direction, or no WA id at all are not duplicates.
	must(t, s.CreateMessage(ctx(t), inbound(s2, "3EB0DUP")))
	out := inbound(s1, "3EB0DUP")
	out.Direction, out.Status = gateway.DirectionOutbound, gateway.MessageSent
	must(t, s.CreateMessage(ctx(t), out))
	must(t, s.CreateMessage(ctx(t), inbound(s1, "")))
	must(t, s.CreateMessage(ctx(t), inbound(s1, "")))
}

func testQueuedMessages(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	other := newSession(t, s, u.ID)
	q3 := newMessage(t, s, sess, func(m *gateway.Message) { m.CreatedAt = at(3) })
	q1 := newMessage(t, s, sess, func(m *gateway.Message) { m.CreatedAt = at(1) })
	q2 := newMessage(t, s, sess, func(m *gateway.Message) { m.CreatedAt = at(2) })
	newMessage(t, s, sess, func(m *gateway.Message) { m.Status, m.CreatedAt = gateway.MessageSent, at(0) })
	newMessage(t, s, sess, func(m *gateway.Message) {
		m.Direction, m.Status, m.CreatedAt = gateway.DirectionInbound, gateway.MessageReceived, at(0)
	})
	newMessage(t, s, other, func(m *gateway.Message) { m.CreatedAt = at(0) })

	list, err := s.QueuedMessages(ctx(t), sess.ID, 10)
	must(t, err)
	diff(t, "queued", ids(list, msgID), []string{q1.ID, q2.ID, q3.ID})
	list, err = s.QueuedMessages(ctx(t), sess.ID, 2)
	must(t, err)
	diff(t, "queued, limit 2", ids(list, msgID), []string{q1.ID, q2.ID})
	diff(t, "queued message", list[0], q1)

	_, err = s.UpdateMessageStatus(ctx(t), gateway.MessageStatusUpdate{ID: q1.ID, Status: gateway.MessageSent}, nil)
	must(t, err)
	list, err = s.QueuedMessages(ctx(t), sess.ID, 0)
	must(t, err)
	diff(t, "queued after a send", ids(list, msgID), []string{q2.ID, q3.ID})
	for _, id := range []string{uuid.NewString(), "nope"} {
		list, err = s.QueuedMessages(ctx(t), id, 0)
		must(t, err)
		diff(t, "queued of a missing session", ids(list, msgID), []string{})
	}
}

func testCountMessages(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	_, theirs := newTenant(t, s)
	for i, st := range []gateway.MessageStatus{
		gateway.MessageQueued, gateway.MessageSent, gateway.MessageDelivered, gateway.MessageRead,
		gateway.MessagePlayed, gateway.MessageFailed, gateway.MessageQueued,
	} {
		newMessage(t, s, sess, func(m *gateway.Message) { m.Status, m.CreatedAt = st, at(10*i) })
	}
	newMessage(t, s, sess, func(m *gateway.Message) {
		m.Direction, m.Status, m.CreatedAt = gateway.DirectionInbound, gateway.MessageReceived, at(15)
	})
	newMessage(t, s, sess, func(m *gateway.Message) {
		m.Direction, m.Status, m.CreatedAt = gateway.DirectionInbound, gateway.MessageRead, at(45)
	})
	newMessage(t, s, theirs, func(m *gateway.Message) { m.Status, m.CreatedAt = gateway.MessageSent, at(30) })

	tests := []struct {
		name     string
		since    time.Time
		want     gateway.MessageCounts
		outbound int
	}{
		{"all time", time.Time{}, gateway.MessageCounts{Sent: 4, Delivered: 3, Read: 2, Failed: 1, Queued: 2, Received: 2, Total: 9}, 7},
		{"since minute 30", at(30), gateway.MessageCounts{Sent: 2, Delivered: 2, Read: 2, Failed: 1, Queued: 1, Received: 1, Total: 5}, 4},
		{"since minute 50", at(50), gateway.MessageCounts{Failed: 1, Queued: 1, Total: 2}, 2},
		{"future", at(1000), gateway.MessageCounts{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.CountMessages(ctx(t), u.ID, tt.since)
			must(t, err)
			diff(t, "counts", got, tt.want)
			n, err := s.CountOutboundSince(ctx(t), u.ID, tt.since)
			must(t, err)
			if n != tt.outbound {
				t.Fatalf("got %d outbound, want %d", n, tt.outbound)
			}
		})
	}
}
