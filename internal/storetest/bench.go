package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// The stores' shared benchmarks: each adapter runs them on a fresh store
// of its own, under its own Benchmark names.

// benchTenant adds a user with one session to s.
func benchTenant(b *testing.B, s gateway.Store) (*gateway.User, *gateway.Session) {
	b.Helper()
	ctx := context.Background()
	u := &gateway.User{Email: "bench@example.com"}
	if err := s.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	sess := &gateway.Session{UserID: u.ID, Name: "bench", Engine: gateway.EngineSandbox}
	if err := s.CreateSession(ctx, sess); err != nil {
		b.Fatal(err)
	}
	return u, sess
}

// BenchCreateMessage writes one session's outbound messages from parallel
// goroutines, parallelism of them per GOMAXPROCS (b.SetParallelism): a
// database server takes more concurrent writers than SQLite's one.
func BenchCreateMessage(b *testing.B, s gateway.Store, parallelism int) {
	u, sess := benchTenant(b, s)
	ctx := context.Background()
	b.ReportAllocs()
	b.SetParallelism(parallelism)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			m := &gateway.Message{UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound,
				Type: gateway.TypeText, Recipient: fmt.Sprintf("1555%07d@s.whatsapp.net", i), Body: "hello",
				WAMessageID: gateway.NewWAMessageID()}
			if err := s.CreateMessage(ctx, m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchSessionByID reads one session from parallel goroutines.
func BenchSessionByID(b *testing.B, s gateway.Store) {
	u, sess := benchTenant(b, s)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.SessionByID(ctx, u.ID, sess.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchMessageLife is the store's share of an outbound message's life as a
// busy session lives it (issue 12's send path): a group commit of batch
// messages (CreateMessagesWithinQuota), the worker's batch of their "sent",
// then a batch of delivery receipts and one of read receipts by WhatsApp
// id, each status with its message.status event. It reports the time a
// message (ns/message), the figure to compare between builds: one
// goroutine, so unlike an HTTP load it moves little with the machine.
func BenchMessageLife(b *testing.B, s gateway.Store, batch int) {
	u, sess := benchTenant(b, s)
	ctx := context.Background()
	calls := 0
	events := statusEvents(&calls)
	start := time.Now().UTC().AddDate(0, 0, -1)
	move := func(us []gateway.MessageStatusUpdate) {
		got, err := s.UpdateMessageStatuses(ctx, us, events)
		if err != nil {
			b.Fatal(err)
		}
		for i, m := range got {
			if m == nil {
				b.Fatalf("update %d of %d moved nothing", i, len(us))
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		ms := make([]*gateway.Message, batch)
		for i := range ms {
			ms[i] = &gateway.Message{UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound,
				Type: gateway.TypeText, Recipient: "15550001111@s.whatsapp.net", Chat: "15550001111@s.whatsapp.net",
				Body: "hello", WAMessageID: gateway.NewWAMessageID(), RequestID: gateway.NewWAMessageID()}
		}
		if _, stored, err := s.CreateMessagesWithinQuota(ctx, ms, "bench", start, start.AddDate(0, 1, 0), -1); err != nil || stored != batch {
			b.Fatalf("stored %d of %d: %v", stored, batch, err)
		}
		us := make([]gateway.MessageStatusUpdate, batch)
		for i, m := range ms {
			us[i] = gateway.MessageStatusUpdate{ID: m.ID, WAMessageID: m.WAMessageID, Status: gateway.MessageSent, At: time.Now()}
		}
		move(us)
		for _, st := range []gateway.MessageStatus{gateway.MessageDelivered, gateway.MessageRead} {
			for i, m := range ms {
				us[i] = gateway.MessageStatusUpdate{SessionID: sess.ID, WAMessageID: m.WAMessageID, Status: st, At: time.Now()}
			}
			move(us)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/message")
}
