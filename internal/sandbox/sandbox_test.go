package sandbox

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/inmem"
)

type harness struct {
	e   *Engine
	rec *recorder
}

func newHarness(t *testing.T, deviceJID string, opts Options) *harness {
	t.Helper()
	return newTenantHarness(t, "user-1", deviceJID, opts)
}

// newTenantHarness is newHarness for a session of tenant.
func newTenantHarness(t *testing.T, tenant, deviceJID string, opts Options) *harness {
	t.Helper()
	rec := newRecorder()
	e, err := New(gateway.EngineConfig{SessionID: "sess-1", UserID: tenant, DeviceJID: deviceJID, Handler: rec.handle}, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(e.Disconnect)
	return &harness{e: e, rec: rec}
}

// connected returns a harness whose engine is paired as phone and connected.
func connected(t *testing.T, phone string, opts Options) *harness {
	t.Helper()
	return connectedIn(t, "user-1", phone, opts)
}

// connectedIn is connected for a session of tenant.
func connectedIn(t *testing.T, tenant, phone string, opts Options) *harness {
	t.Helper()
	h := newTenantHarness(t, tenant, phone+":1@s.whatsapp.net", opts)
	if err := h.e.Connect(context.Background()); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	nextAs[gateway.EvConnected](t, h.rec)
	return h
}

func TestPairAfterDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, "", Options{PairDelay: 3 * time.Second})
		if err := h.e.Connect(context.Background()); err != nil {
			t.Fatalf("Connect: %v", err)
		}
		qr := nextAs[gateway.EvQR](t, h.rec)
		if !strings.HasPrefix(qr.Code, "SANDBOX") {
			t.Errorf("got QR %q, want a SANDBOX prefix", qr.Code)
		}
		h.rec.None(t)
		advance(3 * time.Second)
		paired := nextAs[gateway.EvPaired](t, h.rec)
		want := DerivedPhone("sess-1")
		if paired.Phone != want || paired.JID != want+":1@s.whatsapp.net" {
			t.Errorf("got phone %q jid %q, want %q and its device jid", paired.Phone, paired.JID, want)
		}
		if !strings.HasPrefix(paired.PushName, "Sandbox ") || !strings.HasSuffix(paired.LID, "@lid") {
			t.Errorf("got push name %q lid %q", paired.PushName, paired.LID)
		}
		conn := nextAs[gateway.EvConnected](t, h.rec)
		if conn.Phone != want || conn.JID != paired.JID {
			t.Errorf("got connected %+v, want phone %q", conn, want)
		}
		st := h.e.Status()
		if !st.Connected || !st.LoggedIn || !st.Paired || st.JID != paired.JID {
			t.Errorf("got status %+v, want connected, logged in and paired", st)
		}
		if hs := nextAs[gateway.EvHistorySync](t, h.rec); !hs.Off {
			t.Errorf("history without HistoryDays: got %+v, want off", hs)
		}
		h.rec.settled(t) // the QR refresh stopped
	})
}

func TestDerivedPhone(t *testing.T) {
	for _, id := range []string{"a", "b", "sess-1", "0f2c9a1e-5b1e-4c1f-9c7e-1d2e3f4a5b6c"} {
		p := DerivedPhone(id)
		if !regexp.MustCompile(`^999\d{9}$`).MatchString(p) || NotOnWhatsApp(p) {
			t.Errorf("DerivedPhone(%q) = %q, want 999 and 9 digits, not ending in 0000", id, p)
		}
		if DerivedPhone(id) != p {
			t.Errorf("DerivedPhone(%q) is not stable", id)
		}
	}
	if DerivedPhone("a") == DerivedPhone("b") {
		t.Error("different sessions got the same number")
	}
}

func TestScan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, "", Options{})
		ctx := context.Background()
		if err := h.e.Scan(ctx, ""); !gateway.IsCode(err, gateway.CodeConflict) {
			t.Fatalf("Scan before Connect: got %v, want conflict", err)
		}
		if err := h.e.Connect(ctx); err != nil {
			t.Fatalf("Connect: %v", err)
		}
		nextAs[gateway.EvQR](t, h.rec)
		// Without a PairDelay nothing happens until the scan.
		advance(59 * time.Second)
		h.rec.None(t)
		if err := h.e.Scan(ctx, "12"); !gateway.IsCode(err, gateway.CodeValidation) {
			t.Fatalf("Scan with a bad number: got %v, want validation", err)
		}
		if err := h.e.Scan(ctx, "+1 555 000 1111"); err != nil {
			t.Fatalf("Scan: %v", err)
		}
		paired := nextAs[gateway.EvPaired](t, h.rec)
		if paired.Phone != "15550001111" || paired.JID != "15550001111:1@s.whatsapp.net" {
			t.Errorf("got %+v, want phone 15550001111", paired)
		}
		nextAs[gateway.EvConnected](t, h.rec)
		if err := h.e.Scan(ctx, ""); !gateway.IsCode(err, gateway.CodeConflict) {
			t.Errorf("second Scan: got %v, want conflict", err)
		}
		if err := h.e.Connect(ctx); !gateway.IsCode(err, gateway.CodeConflict) {
			t.Errorf("second Connect: got %v, want conflict", err)
		}
	})
}

func TestQRRefreshAndTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, "", Options{})
		ctx := context.Background()
		start := time.Now()
		if err := h.e.Connect(ctx); err != nil {
			t.Fatalf("Connect: %v", err)
		}
		seen := map[string]bool{}
		for i := range DefaultQRCodes {
			qr := nextAs[gateway.EvQR](t, h.rec)
			if seen[qr.Code] {
				t.Errorf("code %d repeats an earlier one", i)
			}
			seen[qr.Code] = true
			ttl := DefaultQRNextTTL
			if i == 0 {
				ttl = DefaultQRFirstTTL
			}
			if got, want := qr.ExpiresAt, time.Now().Add(ttl); !got.Equal(want) {
				t.Errorf("code %d expires at %v, want %v", i, got, want)
			}
			advance(ttl)
		}
		nextAs[gateway.EvQRTimeout](t, h.rec)
		if got, want := time.Now().Sub(start), DefaultQRFirstTTL+5*DefaultQRNextTTL; got != want {
			t.Errorf("codes lasted %v of clock time, want %v", got, want)
		}
		if st := h.e.Status(); st.Connected || st.Paired {
			t.Errorf("got status %+v after the timeout, want disconnected and unpaired", st)
		}
		h.rec.settled(t)
		if err := h.e.Scan(ctx, ""); !gateway.IsCode(err, gateway.CodeConflict) {
			t.Errorf("Scan after the timeout: got %v, want conflict", err)
		}
		// A new Connect gives new codes.
		if err := h.e.Connect(ctx); err != nil {
			t.Fatalf("Connect again: %v", err)
		}
		if qr := nextAs[gateway.EvQR](t, h.rec); seen[qr.Code] {
			t.Error("new Connect repeated an old code")
		}
	})
}

func TestConnectPairedDevice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, "15550001111:1@s.whatsapp.net", Options{PairDelay: time.Second})
		if err := h.e.Connect(context.Background()); err != nil {
			t.Fatalf("Connect: %v", err)
		}
		conn := nextAs[gateway.EvConnected](t, h.rec)
		if conn.Phone != "15550001111" || conn.JID != "15550001111:1@s.whatsapp.net" {
			t.Errorf("got %+v", conn)
		}
		advance(time.Minute)
		h.rec.None(t)
	})
}

func TestPairPhone(t *testing.T) {
	ctx := context.Background()
	t.Run("not connecting", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, "", Options{})
			if _, err := h.e.PairPhone(ctx, "15550001111"); !gateway.IsCode(err, gateway.CodeUnavailable) {
				t.Errorf("got %v, want unavailable", err)
			}
		})
	})
	t.Run("already paired", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := connected(t, "15550001111", Options{})
			if _, err := h.e.PairPhone(ctx, "15550001111"); !gateway.IsCode(err, gateway.CodeConflict) {
				t.Errorf("got %v, want conflict", err)
			}
		})
	})
	t.Run("bad number", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, "", Options{})
			if _, err := h.e.PairPhone(ctx, "0555"); !gateway.IsCode(err, gateway.CodeValidation) {
				t.Errorf("got %v, want validation", err)
			}
		})
	})
	for _, delay := range []time.Duration{0, 2 * time.Second} {
		t.Run("pairs with delay "+delay.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, "", Options{PairDelay: delay})
				if err := h.e.Connect(ctx); err != nil {
					t.Fatalf("Connect: %v", err)
				}
				nextAs[gateway.EvQR](t, h.rec)
				code, err := h.e.PairPhone(ctx, "+44 7700 900123")
				if err != nil {
					t.Fatalf("PairPhone: %v", err)
				}
				if !regexp.MustCompile(`^[1-9A-HJ-NP-TV-Z]{4}-[1-9A-HJ-NP-TV-Z]{4}$`).MatchString(code) {
					t.Errorf("got code %q, want XXXX-XXXX from WhatsApp's alphabet", code)
				}
				if delay > 0 {
					advance(delay)
				} else {
					h.rec.None(t)
					if err := h.e.Scan(ctx, ""); err != nil {
						t.Fatalf("Scan: %v", err)
					}
				}
				if p := nextAs[gateway.EvPaired](t, h.rec); p.Phone != "447700900123" {
					t.Errorf("paired as %q, want the number given to PairPhone", p.Phone)
				}
				nextAs[gateway.EvConnected](t, h.rec)
			})
		})
	}
}

func TestSendReceipts(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		msg    gateway.OutboundMessage
		want   []gateway.MessageStatus
		reason string
	}{
		{"text", gateway.OutboundMessage{To: "15550002222@s.whatsapp.net", Type: gateway.TypeText, Text: "hi"},
			[]gateway.MessageStatus{gateway.MessageDelivered, gateway.MessageRead}, ""},
		{"voice note", gateway.OutboundMessage{To: "15550002222@s.whatsapp.net", Type: gateway.TypeAudio,
			Media: &gateway.Media{URL: "https://example.com/a.ogg", Voice: true}},
			[]gateway.MessageStatus{gateway.MessageDelivered, gateway.MessagePlayed}, ""},
		{"not on WhatsApp", gateway.OutboundMessage{To: "15550000000@s.whatsapp.net", Type: gateway.TypeText, Text: "hi"},
			[]gateway.MessageStatus{gateway.MessageFailed}, NotOnWhatsAppReason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := connected(t, "15550001111", Options{DeliveryDelay: time.Second, ReadDelay: 2 * time.Second})
				tt.msg.WAMessageID = "3EB0TEST" + strings.ToUpper(strings.ReplaceAll(tt.name, " ", ""))
				res, err := h.e.Send(ctx, &tt.msg)
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				if res.WAMessageID != tt.msg.WAMessageID || res.Timestamp.IsZero() {
					t.Errorf("got result %+v, want the given id and a timestamp", res)
				}
				h.rec.None(t)
				for i, want := range tt.want {
					// Each receipt is timed once the one before it is stored;
					// the clock moves by exactly its delay, so that a timer
					// scheduled meanwhile does not fall within the step.
					synctest.Wait()
					advance(time.Duration(i+1) * time.Second)
					r := nextAs[gateway.EvReceipt](t, h.rec)
					if r.Status != want || len(r.WAMessageIDs) != 1 || r.WAMessageIDs[0] != res.WAMessageID {
						t.Errorf("got receipt %+v, want %s for %s", r, want, res.WAMessageID)
					}
					if r.Chat != "15550002222@s.whatsapp.net" && r.Chat != "15550000000@s.whatsapp.net" {
						t.Errorf("got chat %q", r.Chat)
					}
					if r.Reason != tt.reason {
						t.Errorf("got reason %q, want %q", r.Reason, tt.reason)
					}
				}
				h.rec.None(t)
			})
		})
	}
}

func TestSendGeneratesIDAndNeedsConnection(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, "", Options{})
	msg := &gateway.OutboundMessage{To: "15550002222", Type: gateway.TypeText, Text: "hi"}
	if _, err := h.e.Send(ctx, msg); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Fatalf("Send before Connect: got %v, want unavailable", err)
	}
	h = connected(t, "15550001111", Options{})
	res, err := h.e.Send(ctx, msg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if !strings.HasPrefix(res.WAMessageID, "3EB0") {
		t.Errorf("got id %q, want a generated WhatsApp-style id", res.WAMessageID)
	}
	h.e.Disconnect()
	if _, err := h.e.Send(ctx, msg); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Errorf("Send after Disconnect: got %v, want unavailable", err)
	}
}

func TestSendValidation(t *testing.T) {
	to := "15550002222@s.whatsapp.net"
	img := &gateway.Media{URL: "https://example.com/a.jpg"}
	tests := []struct {
		name  string
		msg   gateway.OutboundMessage
		field string // "" when valid
	}{
		{"text", gateway.OutboundMessage{Type: gateway.TypeText, Text: "hello", ReplyTo: "3EB0AA"}, ""},
		{"empty text", gateway.OutboundMessage{Type: gateway.TypeText, Text: "  "}, "message"},
		{"long text", gateway.OutboundMessage{Type: gateway.TypeText, Text: strings.Repeat("a", MaxTextLength+1)}, "message"},
		{"bad recipient", gateway.OutboundMessage{To: "abc", Type: gateway.TypeText, Text: "x"}, "recipient"},
		{"image by url", gateway.OutboundMessage{Type: gateway.TypeImage, Media: img}, ""},
		{"image by data", gateway.OutboundMessage{Type: gateway.TypeImage, Media: &gateway.Media{Data: []byte{1, 2}}}, ""},
		{"image without media", gateway.OutboundMessage{Type: gateway.TypeImage}, "media"},
		{"image with empty media", gateway.OutboundMessage{Type: gateway.TypeImage, Media: &gateway.Media{}}, "media"},
		{"image with bad url", gateway.OutboundMessage{Type: gateway.TypeImage, Media: &gateway.Media{URL: "ftp://x/y"}}, "media.url"},
		{"video", gateway.OutboundMessage{Type: gateway.TypeVideo, Media: img}, ""},
		{"video without media", gateway.OutboundMessage{Type: gateway.TypeVideo}, "media"},
		{"audio", gateway.OutboundMessage{Type: gateway.TypeAudio, Media: &gateway.Media{URL: "https://e.com/a.ogg", Voice: true}}, ""},
		{"audio without media", gateway.OutboundMessage{Type: gateway.TypeAudio}, "media"},
		{"voice image", gateway.OutboundMessage{Type: gateway.TypeImage, Media: &gateway.Media{URL: "https://e.com/a", Voice: true}}, "media.voice"},
		{"document", gateway.OutboundMessage{Type: gateway.TypeDocument, Media: &gateway.Media{URL: "https://e.com/a.pdf", FileName: "a.pdf"}}, ""},
		{"document without media", gateway.OutboundMessage{Type: gateway.TypeDocument}, "media"},
		{"location", gateway.OutboundMessage{Type: gateway.TypeLocation, Location: &gateway.Location{Latitude: 51.5, Longitude: -0.12}}, ""},
		{"location missing", gateway.OutboundMessage{Type: gateway.TypeLocation}, "location"},
		{"latitude out of range", gateway.OutboundMessage{Type: gateway.TypeLocation, Location: &gateway.Location{Latitude: 91}}, "location.latitude"},
		{"longitude out of range", gateway.OutboundMessage{Type: gateway.TypeLocation, Location: &gateway.Location{Longitude: -181}}, "location.longitude"},
		{"contact", gateway.OutboundMessage{Type: gateway.TypeContact, Contact: &gateway.Contact{Name: "Ann", Phone: "+1 555 000 3333"}}, ""},
		{"contact by vcard", gateway.OutboundMessage{Type: gateway.TypeContact, Contact: &gateway.Contact{Name: "Ann", VCard: "BEGIN:VCARD"}}, ""},
		{"contact missing", gateway.OutboundMessage{Type: gateway.TypeContact}, "contact"},
		{"contact without name", gateway.OutboundMessage{Type: gateway.TypeContact, Contact: &gateway.Contact{Phone: "15550003333"}}, "contact.name"},
		{"contact with bad phone", gateway.OutboundMessage{Type: gateway.TypeContact, Contact: &gateway.Contact{Name: "A", Phone: "12"}}, "contact.phone"},
		{"reaction", gateway.OutboundMessage{Type: gateway.TypeReaction, Target: "3EB0AA", Reaction: "👍"}, ""},
		{"reaction removed", gateway.OutboundMessage{Type: gateway.TypeReaction, Target: "3EB0AA"}, ""},
		{"reaction without target", gateway.OutboundMessage{Type: gateway.TypeReaction, Reaction: "👍"}, "target"},
		{"edit", gateway.OutboundMessage{Type: gateway.TypeEdit, Target: "3EB0AA", Text: "fixed"}, ""},
		{"edit without target", gateway.OutboundMessage{Type: gateway.TypeEdit, Text: "fixed"}, "target"},
		{"edit without text", gateway.OutboundMessage{Type: gateway.TypeEdit, Target: "3EB0AA"}, "message"},
		{"revoke", gateway.OutboundMessage{Type: gateway.TypeRevoke, Target: "3EB0AA"}, ""},
		{"revoke without target", gateway.OutboundMessage{Type: gateway.TypeRevoke}, "target"},
		{"unknown type", gateway.OutboundMessage{Type: "carousel"}, "message_type"},
		{"mentions", gateway.OutboundMessage{Type: gateway.TypeText, Text: "@1", Mentions: []string{"15550003333@s.whatsapp.net"}}, ""},
		{"group mentioned", gateway.OutboundMessage{Type: gateway.TypeText, Text: "x", Mentions: []string{"120363000000000001@g.us"}}, "mentions[0]"},
		{"mention_all: a group the number is not in", gateway.OutboundMessage{To: "120363000000000001@g.us", Type: gateway.TypeText, Text: "x", MentionAll: true}, "mention_all"},
		{"mention_all to a person", gateway.OutboundMessage{Type: gateway.TypeText, Text: "x", MentionAll: true}, "mention_all"},
		{"view-once audio", gateway.OutboundMessage{Type: gateway.TypeAudio, Media: &gateway.Media{Data: []byte{1}}, ViewOnce: true}, ""},
		{"view-once document", gateway.OutboundMessage{Type: gateway.TypeDocument, Media: &gateway.Media{Data: []byte{1}}, ViewOnce: true}, "view_once"},
		{"link preview", gateway.OutboundMessage{Type: gateway.TypeText, Text: "https://e.com", LinkPreview: &gateway.LinkPreview{URL: "https://e.com"}}, ""},
		{"link preview not in the text", gateway.OutboundMessage{Type: gateway.TypeText, Text: "x", LinkPreview: &gateway.LinkPreview{URL: "https://e.com"}}, "link_preview.url"},
	}
	h := connected(t, "15550001111", Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.msg
			if m.To == "" {
				m.To = to
			}
			_, err := h.e.Send(context.Background(), &m)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			var ge *gateway.Error
			if !gateway.IsCode(err, gateway.CodeValidation) {
				t.Fatalf("got %v, want a validation error", err)
			}
			ge = err.(*gateway.Error)
			if _, ok := ge.Fields[tt.field]; !ok {
				t.Errorf("got fields %v, want %q named", ge.Fields, tt.field)
			}
		})
	}
}

func TestCheckNumbers(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, "", Options{})
	if _, err := h.e.CheckNumbers(ctx, []string{"15550002222"}); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Fatalf("not connected: got %v, want unavailable", err)
	}
	h = connected(t, "15550001111", Options{})
	got, err := h.e.CheckNumbers(ctx, []string{"+1 555 000 2222", "15550000000"})
	if err != nil {
		t.Fatalf("CheckNumbers: %v", err)
	}
	want := []gateway.NumberCheck{
		{Phone: "15550002222", JID: "15550002222@s.whatsapp.net", OnWA: true},
		{Phone: "15550000000", OnWA: false},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := h.e.CheckNumbers(ctx, []string{"x"}); !gateway.IsCode(err, gateway.CodeValidation) {
		t.Errorf("bad number: got %v, want validation", err)
	}
	if err := h.e.MarkRead(ctx, gateway.ReadReceipt{Chat: "15550002222", WAMessageIDs: []string{"A"}}); err != nil {
		t.Errorf("MarkRead: %v", err)
	}
	if err := h.e.SetTyping(ctx, "15550002222", true, false); err != nil {
		t.Errorf("SetTyping: %v", err)
	}
}

func TestDisconnectAndLogoutStopEverything(t *testing.T) {
	ctx := context.Background()
	for _, stop := range []string{"disconnect", "logout", "context"} {
		t.Run(stop, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				net := NewBusNetwork(inmem.NewBus())
				cctx, cancel := context.WithCancel(ctx)
				defer cancel()
				h := newHarness(t, "", Options{PairDelay: time.Second, DeliveryDelay: time.Second, ReadDelay: time.Second,
					Network: net, Directory: directory{}})
				if err := h.e.Connect(cctx); err != nil {
					t.Fatalf("Connect: %v", err)
				}
				nextAs[gateway.EvQR](t, h.rec)
				advance(time.Second)
				paired := nextAs[gateway.EvPaired](t, h.rec)
				nextAs[gateway.EvConnected](t, h.rec)
				if hs := nextAs[gateway.EvHistorySync](t, h.rec); !hs.Off || !hs.Done {
					t.Fatalf("history without HistoryDays: got %+v, want off", hs)
				}
				if _, err := h.e.Send(ctx, &gateway.OutboundMessage{To: "15550002222", Type: gateway.TypeText, Text: "x"}); err != nil {
					t.Fatalf("Send: %v", err)
				}
				switch stop {
				case "disconnect":
					h.e.Disconnect()
				case "logout":
					if err := h.e.Logout(ctx); err != nil {
						t.Fatalf("Logout: %v", err)
					}
				case "context":
					cancel()
					synctest.Wait() // the context's hook has disconnected
				}
				// The engine no longer listens on its number.
				if err := net.Deliver(ctx, "user-1", paired.Phone, Envelope{ID: "3EB0LATE", FromPhone: "15550002222", Type: gateway.TypeText, Text: "late"}); err != nil {
					t.Fatalf("Deliver: %v", err)
				}
				advance(time.Hour)
				h.rec.None(t)
				st := h.e.Status()
				if st.Connected || st.LoggedIn {
					t.Errorf("got status %+v, want disconnected", st)
				}
				if got, want := st.Paired, stop != "logout"; got != want {
					t.Errorf("got paired %v, want %v", got, want)
				}
				// Connecting again: a paired device comes back, a logged-out one needs a QR.
				if err := h.e.Connect(ctx); err != nil {
					t.Fatalf("Connect again: %v", err)
				}
				if stop == "logout" {
					nextAs[gateway.EvQR](t, h.rec)
				} else {
					nextAs[gateway.EvConnected](t, h.rec)
				}
			})
		})
	}
}

// TestReplayOutstandingReceipts checks that a reconnecting engine plays the
// receipts owed to messages sent before a restart, as WhatsApp's servers do.
func TestReplayOutstandingReceipts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := newRecorder()
		asked := make(chan struct{}, 1)
		e, err := New(gateway.EngineConfig{SessionID: "sess-1", UserID: "user-1", DeviceJID: "15550001111:1@s.whatsapp.net", Handler: rec.handle,
			Outstanding: func(context.Context) ([]gateway.Outstanding, error) {
				asked <- struct{}{}
				return []gateway.Outstanding{
					{WAMessageID: "3EB0A", To: "15550002222@s.whatsapp.net"},
					{WAMessageID: "3EB0B", To: "15550003333@s.whatsapp.net", Voice: true},
				}, nil
			}},
			Options{DeliveryDelay: time.Second, ReadDelay: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(e.Disconnect)
		if err := e.Connect(context.Background()); err != nil {
			t.Fatal(err)
		}
		nextAs[gateway.EvConnected](t, rec)
		select {
		case <-asked:
		case <-time.After(5 * time.Second):
			t.Fatal("the engine never asked for outstanding messages")
		}
		got := map[string][]gateway.MessageStatus{}
		for i := 0; i < 4; i++ {
			if i%2 == 0 {
				// The reads are timed once the deliveries are stored.
				synctest.Wait()
				advance(time.Second)
			}
			r := nextAs[gateway.EvReceipt](t, rec)
			got[r.WAMessageIDs[0]] = append(got[r.WAMessageIDs[0]], r.Status)
		}
		want := map[string][]gateway.MessageStatus{
			"3EB0A": {gateway.MessageDelivered, gateway.MessageRead},
			"3EB0B": {gateway.MessageDelivered, gateway.MessagePlayed},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("got receipts %v, want %v", got, want)
		}
	})
}
