package storetest

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// waLookup is the optional lookup of a session's message by WhatsApp id
// (the whatsmeow engine's replies, reactions and retries).
type waLookup interface {
	MessageByWAID(ctx context.Context, sessionID, waMessageID string) (*gateway.Message, error)
}

func testMessageByWAID(t *testing.T, s gateway.Store) {
	l, ok := s.(waLookup)
	if !ok {
		t.Skip("the store has no lookup by WhatsApp id")
	}
	u, sess := newTenant(t, s)
	other := newSession(t, s, u.ID)
	const wa = "3EB0C0FFEE0000000000AA"
	in := &gateway.Message{UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionInbound, Type: gateway.TypeText,
		Chat: "15550002222@s.whatsapp.net", Sender: "15550002222@s.whatsapp.net", Recipient: "15550001111@s.whatsapp.net",
		Body: "from the phone", WAMessageID: wa, CreatedAt: at(1)}
	must(t, s.CreateMessage(ctx(t), in))
	got, err := l.MessageByWAID(ctx(t), sess.ID, wa)
	must(t, err)
	if got.ID != in.ID {
		t.Fatalf("got %s, want the inbound message %s", got.ID, in.ID)
	}
	out := &gateway.Message{UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound, Type: gateway.TypeText,
		Chat: "15550002222@s.whatsapp.net", Recipient: "15550002222@s.whatsapp.net", Body: "mine", WAMessageID: wa, CreatedAt: at(2)}
	must(t, s.CreateMessage(ctx(t), out))
	got, err = l.MessageByWAID(ctx(t), sess.ID, wa)
	must(t, err)
	if got.ID != out.ID || got.Body != "mine" {
		t.Fatalf("got %s %q, want the outbound message first", got.ID, got.Body)
	}
	for _, c := range []struct{ session, wa string }{{other.ID, wa}, {sess.ID, "3EB0NOPE"}, {uuid.NewString(), wa}, {"nope", wa}, {sess.ID, ""}} {
		_, err := l.MessageByWAID(ctx(t), c.session, c.wa)
		wantCode(t, err, gateway.CodeNotFound)
	}
}
