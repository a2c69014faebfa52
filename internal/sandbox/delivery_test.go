package sandbox

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/inmem"
)

// directory is a Directory over a fixed set of "tenant/phone" entries.
type directory map[string]bool

func (d directory) Holds(_ context.Context, tenant, phone string) (bool, error) {
	return d[tenant+"/"+phone], nil
}

// failFirst makes the recorder's handler refuse the first event match accepts.
func failFirst(r *recorder, match func(gateway.EngineEvent) bool) {
	failed := false
	r.mu.Lock()
	r.fail = func(ev gateway.EngineEvent) error {
		if !failed && match(ev) {
			failed = true
			return errors.New("database blip")
		}
		return nil
	}
	r.mu.Unlock()
}

func receiptIs(st gateway.MessageStatus) func(gateway.EngineEvent) bool {
	return func(ev gateway.EngineEvent) bool {
		r, ok := ev.(gateway.EvReceipt)
		return ok && r.Status == st
	}
}

func TestReceiptOfferedAgainWhenNotPersisted(t *testing.T) {
	for _, failing := range []gateway.MessageStatus{gateway.MessageDelivered, gateway.MessageRead} {
		t.Run(string(failing), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := connected(t, "15550001111", Options{DeliveryDelay: time.Second, ReadDelay: time.Second, RetryDelay: time.Second})
				failFirst(h.rec, receiptIs(failing))
				if _, err := h.e.Send(context.Background(), &gateway.OutboundMessage{WAMessageID: "3EB0BLIP",
					To: "15550002222", Type: gateway.TypeText, Text: "x"}); err != nil {
					t.Fatalf("Send: %v", err)
				}
				var got []gateway.MessageStatus
				for len(got) < 3 {
					synctest.Wait()
					advance(time.Second)
					r := nextAs[gateway.EvReceipt](t, h.rec)
					if r.WAMessageIDs[0] != "3EB0BLIP" {
						t.Fatalf("got receipt for %v", r.WAMessageIDs)
					}
					got = append(got, r.Status)
				}
				want := []gateway.MessageStatus{gateway.MessageDelivered, gateway.MessageRead}
				if failing == gateway.MessageDelivered {
					want = append([]gateway.MessageStatus{gateway.MessageDelivered}, want...)
				} else {
					want = append(want, gateway.MessageRead)
				}
				if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
					t.Fatalf("got receipts %v, want %v (the refused one offered again)", got, want)
				}
				advance(time.Hour)
				h.rec.None(t)
			})
		})
	}
}

func TestPeerDeliveredOnlyWhenStored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		net := NewBusNetwork(inmem.NewBus())
		dir := directory{"user-1/15550001111": true, "user-1/15550002222": true}
		// The receiver first: a session coming online makes the others offer
		// again what waits for it, which would make a second offer here.
		b := connected(t, "15550002222", Options{Network: net, Directory: dir, RetryDelay: 2 * time.Minute})
		a := connected(t, "15550001111", Options{Network: net, Directory: dir, DeliveryDelay: time.Second,
			ReadDelay: time.Second, RetryDelay: time.Hour})
		failFirst(b.rec, func(ev gateway.EngineEvent) bool { _, ok := ev.(gateway.EvInbound); return ok })

		if _, err := a.e.Send(ctx, &gateway.OutboundMessage{WAMessageID: "3EB0PEER", To: "15550002222",
			Type: gateway.TypeText, Text: "x"}); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if in := nextAs[gateway.EvInbound](t, b.rec).Message; in.WAMessageID != "3EB0PEER" {
			t.Fatalf("got %q", in.WAMessageID)
		}
		// b did not store it: no receipt while b waits to offer it again.
		advance(time.Minute)
		a.rec.None(t)

		// b stores it when offered again: delivered, then read (b reads at once).
		advance(time.Minute)
		if in := nextAs[gateway.EvInbound](t, b.rec).Message; in.WAMessageID != "3EB0PEER" {
			t.Fatalf("got %q", in.WAMessageID)
		}
		for _, want := range []gateway.MessageStatus{gateway.MessageDelivered, gateway.MessageRead} {
			r := nextAs[gateway.EvReceipt](t, a.rec)
			if r.Status != want || r.WAMessageIDs[0] != "3EB0PEER" || r.Chat != "15550002222@s.whatsapp.net" {
				t.Errorf("got receipt %+v, want %s for 3EB0PEER from 15550002222", r, want)
			}
		}
		a.rec.None(t)
	})
}

func TestPeerNotListeningGetsMessageWhenBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		net := NewBusNetwork(inmem.NewBus())
		dir := directory{"user-1/15550001111": true, "user-1/15550002222": true}
		b := connected(t, "15550002222", Options{Network: net, Directory: dir})
		b.e.Disconnect()
		a := connected(t, "15550001111", Options{Network: net, Directory: dir, DeliveryDelay: time.Second, ReadDelay: time.Second})

		if _, err := a.e.Send(ctx, &gateway.OutboundMessage{WAMessageID: "3EB0AWAY", To: "15550002222",
			Type: gateway.TypeText, Text: "x"}); err != nil {
			t.Fatalf("Send: %v", err)
		}
		advance(time.Hour)
		a.rec.None(t) // stays sent
		b.rec.None(t)

		if err := b.e.Connect(ctx); err != nil {
			t.Fatalf("Connect: %v", err)
		}
		nextAs[gateway.EvConnected](t, b.rec)
		if in := nextAs[gateway.EvInbound](t, b.rec).Message; in.WAMessageID != "3EB0AWAY" {
			t.Fatalf("got %q, want the message sent while away", in.WAMessageID)
		}
		for _, want := range []gateway.MessageStatus{gateway.MessageDelivered, gateway.MessageRead} {
			if r := nextAs[gateway.EvReceipt](t, a.rec); r.Status != want || r.WAMessageIDs[0] != "3EB0AWAY" {
				t.Errorf("got receipt %+v, want %s for 3EB0AWAY", r, want)
			}
		}
	})
}

func TestTenantsDoNotMessageEachOther(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		net := NewBusNetwork(inmem.NewBus())
		// Tenant one holds 1111; tenant two holds 2222 and, as well, 1111.
		dir := directory{"one/15550001111": true, "two/15550002222": true, "two/15550001111": true}
		opts := Options{Network: net, Directory: dir, DeliveryDelay: time.Second, ReadDelay: time.Second}
		a := connectedIn(t, "one", "15550001111", opts)
		b := connectedIn(t, "two", "15550002222", opts)
		c := connectedIn(t, "two", "15550001111", opts)

		// To the other tenant's number: handled as any number outside the
		// sandbox (receipts on the timers), never delivered into tenant two.
		if _, err := a.e.Send(ctx, &gateway.OutboundMessage{WAMessageID: "3EB0CROSS", To: "15550002222",
			Type: gateway.TypeText, Text: "x"}); err != nil {
			t.Fatalf("Send: %v", err)
		}
		b.rec.None(t)
		advance(time.Second)
		if r := nextAs[gateway.EvReceipt](t, a.rec); r.Status != gateway.MessageDelivered {
			t.Errorf("got %s, want delivered", r.Status)
		}

		// To a number both tenants hold: only the sender's tenant hears it.
		if _, err := b.e.Send(ctx, &gateway.OutboundMessage{WAMessageID: "3EB0OWN", To: "15550001111",
			Type: gateway.TypeText, Text: "y"}); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if in := nextAs[gateway.EvInbound](t, c.rec).Message; in.WAMessageID != "3EB0OWN" {
			t.Fatalf("got %q", in.WAMessageID)
		}
		synctest.Wait() // a's read receipt for 3EB0CROSS
		advance(time.Second)
		if r := nextAs[gateway.EvReceipt](t, a.rec); r.Status != gateway.MessageRead || r.WAMessageIDs[0] != "3EB0CROSS" {
			t.Errorf("got %+v, want read for 3EB0CROSS", r)
		}
		a.rec.None(t)
	})
}

// Receipts that queue up while the handler is busy are handed over in one
// call (stored in one transaction), each with its own message and status.
func TestQueuedReceiptsHandedOverTogether(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := connected(t, "15550001111", Options{DeliveryDelay: time.Second, ReadDelay: -1})
		release := make(chan struct{})
		blocked := false
		h.rec.mu.Lock()
		h.rec.fail = func(ev gateway.EngineEvent) error {
			if _, ok := ev.(gateway.EvReceipt); ok && !blocked {
				blocked = true
				<-release // a slow commit: the other receipts queue meanwhile
			}
			return nil
		}
		h.rec.mu.Unlock()
		send := func(id string) {
			t.Helper()
			if _, err := h.e.Send(context.Background(), &gateway.OutboundMessage{WAMessageID: id,
				To: "15550002222", Type: gateway.TypeText, Text: "x"}); err != nil {
				t.Fatalf("Send: %v", err)
			}
		}
		ids := []string{"3EB0Q1", "3EB0Q2", "3EB0Q3"}
		send(ids[0])
		synctest.Wait()
		advance(500 * time.Millisecond)
		send(ids[1])
		advance(50 * time.Millisecond) // the timers' order, as two due at the same instant fire in any
		send(ids[2])
		synctest.Wait()
		h.rec.mu.Lock()
		before := h.rec.calls
		h.rec.mu.Unlock()
		advance(500 * time.Millisecond) // the first receipt: its handler blocks
		first := nextAs[gateway.EvReceipt](t, h.rec)
		advance(500 * time.Millisecond) // the other two queue behind it
		h.e.mu.Lock()
		queued := len(h.e.queue)
		h.e.mu.Unlock()
		if queued != len(ids)-1 {
			t.Fatalf("%d receipts queued, want %d", queued, len(ids)-1)
		}
		close(release)
		got := []string{first.WAMessageIDs[0]}
		for len(got) < len(ids) {
			r := nextAs[gateway.EvReceipt](t, h.rec)
			if r.Status != gateway.MessageDelivered {
				t.Fatalf("got %s receipt, want delivered", r.Status)
			}
			got = append(got, r.WAMessageIDs[0])
		}
		if strings.Join(got, ",") != strings.Join(ids, ",") {
			t.Errorf("got receipts for %v, want %v in order", got, ids)
		}
		h.rec.mu.Lock()
		calls := h.rec.calls - before
		h.rec.mu.Unlock()
		if calls != 2 {
			t.Errorf("the handler was called %d times for %d receipts, want 2 (the first, then the two queued behind it)", calls, len(ids))
		}
	})
}
