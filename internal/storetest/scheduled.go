package storetest

import (
	"testing"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// testScheduledMessages: a scheduled message keeps its send_at, is not in
// the send queue before it is due, is queued by ReleaseScheduled once due
// (which says when the next is due), and can be canceled while scheduled
// only, by its tenant only, with its event.
func testScheduledMessages(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	other := newSession(t, s, u.ID)
	schedule := func(sess *gateway.Session, due int) *gateway.Message {
		return newMessage(t, s, sess, func(m *gateway.Message) {
			m.Status, m.SendAt, m.CreatedAt = gateway.MessageScheduled, ptr(at(due)), at(-due)
		})
	}
	// A scheduled message without its time is refused.
	err := s.CreateMessage(ctx(t), &gateway.Message{UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound,
		Type: gateway.TypeText, Recipient: "1@s.whatsapp.net", Status: gateway.MessageScheduled})
	wantCode(t, err, gateway.CodeValidation)

	m10 := schedule(sess, 10)
	m20 := schedule(sess, 20)
	m30 := schedule(sess, 30)
	o5 := schedule(other, 5)
	got, err := s.MessageByID(ctx(t), u.ID, m10.ID)
	must(t, err)
	diff(t, "scheduled message", got, m10)

	queued, err := s.QueuedMessages(ctx(t), sess.ID, 0)
	must(t, err)
	diff(t, "queue before any is due", ids(queued, msgID), []string{})

	n, next, err := s.ReleaseScheduled(ctx(t), sess.ID, at(9))
	must(t, err)
	if n != 0 || next == nil || !next.Equal(at(10)) {
		t.Fatalf("release at 9: got %d released, next %v; want 0, next %v", n, next, at(10))
	}
	n, next, err = s.ReleaseScheduled(ctx(t), sess.ID, at(20))
	must(t, err)
	if n != 2 || next == nil || !next.Equal(at(30)) {
		t.Fatalf("release at 20: got %d released, next %v; want 2, next %v", n, next, at(30))
	}
	queued, err = s.QueuedMessages(ctx(t), sess.ID, 0)
	must(t, err)
	// In the order they were accepted, as every queued message.
	diff(t, "queue once two are due", ids(queued, msgID), []string{m20.ID, m10.ID})
	if queued[1].SendAt == nil || !queued[1].SendAt.Equal(at(10)) {
		t.Fatalf("released message send_at %v, want %v kept", queued[1].SendAt, at(10))
	}
	// The other session's schedule is its own.
	got, err = s.MessageByID(ctx(t), u.ID, o5.ID)
	must(t, err)
	if got.Status != gateway.MessageScheduled {
		t.Fatalf("other session's message is %s, want scheduled", got.Status)
	}

	// Cancel: only the tenant's own, only while scheduled.
	stranger := newUser(t, s)
	_, err = s.CancelScheduled(ctx(t), stranger.ID, m30.ID, at(21), nil)
	wantCode(t, err, gateway.CodeNotFound)
	_, err = s.CancelScheduled(ctx(t), u.ID, uuid.NewString(), at(21), nil)
	wantCode(t, err, gateway.CodeNotFound)
	_, err = s.CancelScheduled(ctx(t), u.ID, m10.ID, at(21), nil)
	wantCode(t, err, gateway.CodeConflict)
	calls := 0
	c, err := s.CancelScheduled(ctx(t), u.ID, m30.ID, at(21), statusEvents(&calls))
	must(t, err)
	if c.Status != gateway.MessageCanceled || calls != 1 || !c.UpdatedAt.Equal(at(21)) {
		t.Fatalf("canceled: status %s, %d events built, updated %v; want canceled, 1, %v", c.Status, calls, c.UpdatedAt, at(21))
	}
	evs, err := s.ListEvents(ctx(t), u.ID, gateway.EventFilter{Types: []string{gateway.EventMessageStatus}})
	must(t, err)
	if len(evs) != 1 {
		t.Fatalf("got %d message.status events, want the cancel's", len(evs))
	}
	_, err = s.CancelScheduled(ctx(t), u.ID, m30.ID, at(22), nil)
	wantCode(t, err, gateway.CodeConflict)
	// Nothing releases or moves a canceled message.
	n, next, err = s.ReleaseScheduled(ctx(t), sess.ID, at(60))
	must(t, err)
	if n != 0 || next != nil {
		t.Fatalf("release after the cancel: got %d, next %v; want 0, none", n, next)
	}
	moved, err := s.UpdateMessageStatus(ctx(t), gateway.MessageStatusUpdate{ID: m30.ID, Status: gateway.MessagePlayed}, nil)
	must(t, err)
	if moved != nil {
		t.Fatalf("a receipt moved a canceled message to %s", moved.Status)
	}
	for _, id := range []string{uuid.NewString(), "nope"} {
		n, next, err = s.ReleaseScheduled(ctx(t), id, at(60))
		must(t, err)
		if n != 0 || next != nil {
			t.Fatalf("release of a missing session: %d, %v", n, next)
		}
	}
}
