package sandbox

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/inmem"
)

func TestTwoEnginesMessageEachOther(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		net := NewBusNetwork(inmem.NewBus())
		dir := directory{"user-1/15550001111": true, "user-1/15550002222": true}
		// b first: a session coming online makes the others offer again what
		// waits for it, which could offer the first message twice.
		b := connected(t, "15550002222", Options{Network: net, Directory: dir, ReadDelay: time.Second})
		a := connected(t, "15550001111", Options{Network: net, Directory: dir, DeliveryDelay: time.Second, ReadDelay: time.Second})

		tests := []struct {
			name string
			msg  gateway.OutboundMessage
			want gateway.InboundMessage
		}{
			{"text reply", gateway.OutboundMessage{Type: gateway.TypeText, Text: "hello", ReplyTo: "3EB0PREV"},
				gateway.InboundMessage{Type: gateway.TypeText, Text: "hello", ReplyTo: "3EB0PREV"}},
			{"image", gateway.OutboundMessage{Type: gateway.TypeImage, Media: &gateway.Media{URL: "https://e.com/a.jpg",
				MIMEType: "image/jpeg", Caption: "look", Data: []byte{1, 2, 3}}},
				gateway.InboundMessage{Type: gateway.TypeImage, Text: "look", Media: &gateway.Media{URL: "https://e.com/a.jpg",
					MIMEType: "image/jpeg", Caption: "look", Data: []byte{1, 2, 3}}}},
			{"location", gateway.OutboundMessage{Type: gateway.TypeLocation, Location: &gateway.Location{Latitude: 1.5, Longitude: 2.5, Name: "here"}},
				gateway.InboundMessage{Type: gateway.TypeLocation, Location: &gateway.Location{Latitude: 1.5, Longitude: 2.5, Name: "here"}}},
			{"contact", gateway.OutboundMessage{Type: gateway.TypeContact, Contact: &gateway.Contact{Name: "Ann", Phone: "15550003333"}},
				gateway.InboundMessage{Type: gateway.TypeContact, Contact: &gateway.Contact{Name: "Ann", Phone: "15550003333"}}},
			{"reaction", gateway.OutboundMessage{Type: gateway.TypeReaction, Target: "3EB0PREV", Reaction: "👍"},
				gateway.InboundMessage{Type: gateway.TypeReaction, Target: "3EB0PREV", Reaction: "👍"}},
			{"text with mentions, forwarded, with a link preview", gateway.OutboundMessage{Type: gateway.TypeText, Text: "@15550003333 https://e.com",
				Mentions: []string{"15550003333@s.whatsapp.net"}, Forwarded: true, LinkPreview: &gateway.LinkPreview{URL: "https://e.com", Title: "E"}},
				gateway.InboundMessage{Type: gateway.TypeText, Text: "@15550003333 https://e.com", Mentions: []string{"15550003333@s.whatsapp.net"},
					Forwarded: true, LinkPreview: &gateway.LinkPreview{URL: "https://e.com", Title: "E"}}},
			{"view-once video", gateway.OutboundMessage{Type: gateway.TypeVideo, ViewOnce: true, Media: &gateway.Media{MIMEType: "video/mp4", Data: []byte{4}}},
				gateway.InboundMessage{Type: gateway.TypeVideo, ViewOnce: true, Media: &gateway.Media{MIMEType: "video/mp4", Data: []byte{4}}}},
		}
		// One bubble for the whole conversation, so the cases are a loop, not
		// subtests (a bubble runs none); each failure names its case.
		for _, tt := range tests {
			m := tt.msg
			m.To = "+1 555 000 2222"
			m.WAMessageID = gateway.NewWAMessageID()
			res, err := a.e.Send(ctx, &m)
			if err != nil {
				t.Fatalf("%s: Send: %v", tt.name, err)
			}
			in := nextAs[gateway.EvInbound](t, b.rec).Message
			want := tt.want
			want.WAMessageID = m.WAMessageID
			want.Chat = "15550001111@s.whatsapp.net"
			want.Sender = "15550001111@s.whatsapp.net"
			want.SenderPhone = "15550001111"
			want.SenderLID = derivedLID("15550001111")
			want.PushName = "Sandbox 1111"
			want.Timestamp = res.Timestamp
			if diff := cmp.Diff(&want, in); diff != "" {
				t.Errorf("%s: inbound message (-want +got):\n%s", tt.name, diff)
			}
			// The sender gets its receipts from the receiver: delivered
			// once stored, read after the receiver's ReadDelay.
			if r := nextAs[gateway.EvReceipt](t, a.rec); r.Status != gateway.MessageDelivered || r.WAMessageIDs[0] != m.WAMessageID {
				t.Errorf("%s: got %+v, want delivered for %s", tt.name, r, m.WAMessageID)
			}
			synctest.Wait()
			advance(time.Second)
			if r := nextAs[gateway.EvReceipt](t, a.rec); r.Status != gateway.MessageRead || r.WAMessageIDs[0] != m.WAMessageID {
				t.Errorf("%s: got %+v, want read for %s", tt.name, r, m.WAMessageID)
			}
		}

		// And back.
		if _, err := b.e.Send(ctx, &gateway.OutboundMessage{To: "15550001111@c.us", Type: gateway.TypeText, Text: "hi back"}); err != nil {
			t.Fatalf("Send back: %v", err)
		}
		if in := nextAs[gateway.EvInbound](t, a.rec).Message; in.Text != "hi back" || in.SenderPhone != "15550002222" {
			t.Errorf("got %+v, want the reply from 15550002222", in)
		}
		nextAs[gateway.EvReceipt](t, b.rec) // delivered

		// A disconnected engine no longer listens.
		b.e.Disconnect()
		if _, err := a.e.Send(ctx, &gateway.OutboundMessage{To: "15550002222", Type: gateway.TypeText, Text: "anyone?"}); err != nil {
			t.Fatalf("Send: %v", err)
		}
		b.rec.None(t)
	})
}

func TestInboundOfferedAgainWhenNotPersisted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		net := NewBusNetwork(inmem.NewBus())
		dir := directory{"user-1/15550001111": true, "user-1/15550002222": true}
		b := connected(t, "15550002222", Options{Network: net, Directory: dir, RetryDelay: time.Second, MaxRetries: 3, ReadDelay: -1})
		a := connected(t, "15550001111", Options{Network: net, Directory: dir, RetryDelay: time.Hour})
		failures := 0
		b.rec.mu.Lock()
		b.rec.fail = func(ev gateway.EngineEvent) error {
			if _, ok := ev.(gateway.EvInbound); ok && failures < 2 {
				failures++
				return errors.New("database down")
			}
			return nil
		}
		b.rec.mu.Unlock()
		if _, err := a.e.Send(ctx, &gateway.OutboundMessage{WAMessageID: "3EB0RETRY", To: "15550002222", Type: gateway.TypeText, Text: "x"}); err != nil {
			t.Fatalf("Send: %v", err)
		}
		for i := range 3 {
			if in := nextAs[gateway.EvInbound](t, b.rec).Message; in.WAMessageID != "3EB0RETRY" {
				t.Fatalf("offer %d: got %q", i, in.WAMessageID)
			}
			// The retry timer is scheduled once the handler answered; wait for it.
			if i < 2 {
				synctest.Wait()
				advance(time.Second)
			}
		}
		// Stored at the third offer: delivered, and only then.
		if r := nextAs[gateway.EvReceipt](t, a.rec); r.Status != gateway.MessageDelivered || r.WAMessageIDs[0] != "3EB0RETRY" {
			t.Errorf("got %+v, want delivered for 3EB0RETRY", r)
		}
		advance(time.Hour)
		b.rec.None(t)
		a.rec.None(t) // ReadDelay < 0 at the receiver: never read
	})
}
