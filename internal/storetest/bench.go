package storetest

import (
	"context"
	"fmt"
	"testing"

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
