package worker

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/inmem"
	"github.com/whatsapp-saas/gateway/internal/outbound"
	"github.com/whatsapp-saas/gateway/internal/polltest"
	"github.com/whatsapp-saas/gateway/internal/sandbox"
)

func TestAutoPairStoresConnectedState(t *testing.T) {
	st := newStore(t)
	s := newSession(t, st, "", gateway.SessionSettings{})
	w := newWorker(t, st, s, sandboxEngines(sandbox.Options{PairDelay: time.Millisecond}))
	if got := w.Status().State; got != "" {
		t.Errorf("got state %q before Run, want none", got)
	}
	start(t, w)
	sessionIs(t, st, s, gateway.SessionConnected)

	got, err := st.SessionByID(context.Background(), s.UserID, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	phone := sandbox.DerivedPhone(s.ID)
	if got.Phone != phone || got.DeviceJID != phone+":1@s.whatsapp.net" || !strings.HasPrefix(got.PushName, "Sandbox") || got.ConnectedAt == nil {
		t.Errorf("got phone %q jid %q push name %q connected at %v, want the sandbox device", got.Phone, got.DeviceJID, got.PushName, got.ConnectedAt)
	}
	var statuses []gateway.SessionStatus
	for _, e := range events(t, st, s.UserID, gateway.EventSessionStatus) {
		var d gateway.SessionStatusData
		if err := json.Unmarshal(e.Data, &d); err != nil {
			t.Fatal(err)
		}
		if d.SessionID != s.ID || e.SessionID != s.ID {
			t.Errorf("event of session %q/%q, want %q", d.SessionID, e.SessionID, s.ID)
		}
		statuses = append(statuses, d.Status)
	}
	want := []gateway.SessionStatus{gateway.SessionStarting, gateway.SessionQRPending, gateway.SessionConnected}
	if diff := cmp.Diff(want, statuses); diff != "" {
		t.Errorf("session.status events (-want +got):\n%s", diff)
	}
	qrs := events(t, st, s.UserID, gateway.EventQR)
	if len(qrs) == 0 {
		t.Fatal("no qr event stored")
	}
	var qr gateway.QRData
	if err := json.Unmarshal(qrs[0].Data, &qr); err != nil || !strings.HasPrefix(qr.Code, "SANDBOX") {
		t.Errorf("got qr data %+v (%v), want a sandbox code", qr, err)
	}
	// The worker's view follows the store's commit.
	polltest.Until(t, patience, "worker state", func() (string, bool) { return string(w.Status().State), w.Status().State == gateway.SessionConnected })
	status := w.Status()
	if status.State != gateway.SessionConnected || !status.Connection.LoggedIn || status.Phone != phone || status.QR != nil {
		t.Errorf("got worker status %+v, want connected as %s without a QR", status, phone)
	}
}

func TestQueuedMessagesSentOnConnect(t *testing.T) {
	st := newStore(t)
	s := newSession(t, st, "15550001111:1@s.whatsapp.net", gateway.SessionSettings{})
	text := queue(t, st, s, "+1 555 000 2222", gateway.TypeText, "hello", nil)
	voice := queue(t, st, s, "15550002222", gateway.TypeAudio, "", &gateway.MessagePayload{Media: &gateway.PayloadMedia{URL: "https://e.com/v.ogg", Voice: true}})
	missing := queue(t, st, s, "15550000000", gateway.TypeText, "anyone?", nil)
	invalid := queue(t, st, s, "15550002222", gateway.TypeImage, "no media", nil)

	w := newWorker(t, st, s, sandboxEngines(sandbox.Options{DeliveryDelay: time.Millisecond, ReadDelay: time.Millisecond}))
	r := start(t, w)

	for _, c := range []struct {
		m      *gateway.Message
		want   gateway.MessageStatus
		events []gateway.MessageStatus
	}{
		{text, gateway.MessageRead, []gateway.MessageStatus{gateway.MessageSent, gateway.MessageDelivered, gateway.MessageRead}},
		{voice, gateway.MessagePlayed, []gateway.MessageStatus{gateway.MessageSent, gateway.MessageDelivered, gateway.MessagePlayed}},
		{missing, gateway.MessageFailed, []gateway.MessageStatus{gateway.MessageSent, gateway.MessageFailed}},
		{invalid, gateway.MessageFailed, []gateway.MessageStatus{gateway.MessageFailed}},
	} {
		got := messageIs(t, st, c.m, c.want)
		if got.WAMessageID != c.m.WAMessageID {
			t.Errorf("got wa id %q, want the stored %q", got.WAMessageID, c.m.WAMessageID)
		}
		var seen []gateway.MessageStatus
		for _, e := range events(t, st, s.UserID, gateway.EventMessageStatus) {
			var d gateway.MessageStatusData
			if err := json.Unmarshal(e.Data, &d); err != nil {
				t.Fatal(err)
			}
			if d.MessageID == c.m.ID {
				seen = append(seen, d.Status)
			}
		}
		if diff := cmp.Diff(c.events, seen); diff != "" {
			t.Errorf("message.status events of %s (-want +got):\n%s", c.m.Body, diff)
		}
		if c.want != gateway.MessageFailed && (got.SentAt == nil || got.DeliveredAt == nil || got.ReadAt == nil) {
			t.Errorf("got sent %v delivered %v read %v, want all set", got.SentAt, got.DeliveredAt, got.ReadAt)
		}
	}
	if got := messageIs(t, st, missing, gateway.MessageFailed); got.Error != sandbox.NotOnWhatsAppReason {
		t.Errorf("got error %q, want %q", got.Error, sandbox.NotOnWhatsAppReason)
	}
	if got := messageIs(t, st, invalid, gateway.MessageFailed); got.Error == "" {
		t.Error("invalid message failed without a reason")
	}

	// A message queued while running is sent on the API's nudge.
	later := queue(t, st, s, "15550002222", gateway.TypeLocation, "", &gateway.MessagePayload{Location: &gateway.Location{Latitude: 1, Longitude: 2}})
	if err := r.client.Send(context.Background(), r.ep, later.ID); err != nil {
		t.Fatalf("nudge: %v", err)
	}
	messageIs(t, st, later, gateway.MessageRead)
}

func TestQueueSurvivesRestart(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	s := newSession(t, st, "", gateway.SessionSettings{})

	// The first worker waits for a scan that never comes: its queue cannot move.
	first := start(t, newWorker(t, st, s, sandboxEngines(sandbox.Options{})))
	sessionIs(t, st, s, gateway.SessionQRPending)
	m := queue(t, st, s, "15550002222", gateway.TypeText, "survive", nil)
	if err := first.client.Send(ctx, first.ep, m.ID); err != nil {
		t.Fatalf("nudge: %v", err)
	}
	first.stop(t)
	if got, err := st.MessageByID(ctx, s.UserID, m.ID); err != nil || got.Status != gateway.MessageQueued {
		t.Fatalf("got %v (%v) after the first worker, want queued", got.Status, err)
	}

	// A new worker that pairs by itself sends it.
	start(t, newWorker(t, st, s, sandboxEngines(sandbox.Options{PairDelay: time.Millisecond})))
	messageIs(t, st, m, gateway.MessageRead)
}

func TestRunAgainAfterReturn(t *testing.T) {
	st, s, r := startSandbox(t)
	w := r.w
	r.stop(t)
	rec := httptest.NewRecorder()
	w.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/health", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("got health %d after Run returned, want 503", rec.Code)
	}
	// A supervisor restart calls Run on the same worker again.
	r = start(t, w)
	m := queue(t, st, s, "15550002222", gateway.TypeText, "again", nil)
	w.Nudge()
	messageIs(t, st, m, gateway.MessageRead)
}

func TestTwoWorkersMessageEachOther(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	net := sandbox.NewBusNetwork(inmem.NewBus())
	engines := sandboxEngines(sandbox.Options{Network: net, Directory: sandbox.StoreDirectory{Sessions: st}})
	alice := newSession(t, st, "15550001111:1@s.whatsapp.net", gateway.SessionSettings{})
	bob := newSessionOf(t, st, alice.UserID, "15550002222:1@s.whatsapp.net", gateway.SessionSettings{AutoReply: true})
	a := start(t, newWorker(t, st, alice, engines))
	start(t, newWorker(t, st, bob, engines))
	sessionIs(t, st, alice, gateway.SessionConnected)
	sessionIs(t, st, bob, gateway.SessionConnected)

	list := func(s *gateway.Session, dir string) []*gateway.Message {
		t.Helper()
		l, _, err := st.ListMessages(ctx, s.UserID, gateway.MessageFilter{SessionID: s.ID, Direction: dir, Page: gateway.Page{Page: 1, Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	inbound := func(s *gateway.Session, n int) []*gateway.Message {
		t.Helper()
		var l []*gateway.Message
		polltest.Until(t, patience, "inbound messages", func() (string, bool) {
			l = list(s, gateway.DirectionInbound)
			return "fewer than wanted", len(l) >= n
		})
		return l
	}
	send := func(typ gateway.MessageType, body string, p *gateway.MessagePayload) *gateway.Message {
		t.Helper()
		m := queue(t, st, alice, "15550002222", typ, body, p)
		if err := a.client.Send(ctx, a.ep, m.ID); err != nil {
			t.Fatalf("nudge: %v", err)
		}
		return m
	}

	sent := send(gateway.TypeContact, "", &gateway.MessagePayload{Contact: &gateway.Contact{Name: "Ann", Phone: "15550003333"}})
	got := inbound(bob, 1)[0]
	out := messageIs(t, st, sent, gateway.MessageRead)
	want := &gateway.Message{
		ID: got.ID, UserID: bob.UserID, SessionID: bob.ID, Direction: gateway.DirectionInbound, Type: gateway.TypeContact,
		Recipient: "15550002222@s.whatsapp.net", Sender: "15550001111@s.whatsapp.net", SenderPhone: "15550001111",
		SenderLID: got.SenderLID, Chat: "15550001111@s.whatsapp.net", Status: gateway.MessageReceived,
		WAMessageID: out.WAMessageID, Payload: got.Payload, CreatedAt: got.CreatedAt, UpdatedAt: got.UpdatedAt, SentAt: got.SentAt,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored inbound message (-want +got):\n%s", diff)
	}
	p, err := gateway.ParsePayload(got.Payload)
	if err != nil || p.Contact == nil || p.Contact.Name != "Ann" || !strings.HasPrefix(p.PushName, "Sandbox") {
		t.Errorf("got payload %s (%v), want the contact and the sender's push name", got.Payload, err)
	}
	if !strings.HasSuffix(got.SenderLID, "@lid") || got.SentAt == nil {
		t.Errorf("got sender lid %q sent at %v", got.SenderLID, got.SentAt)
	}
	// The message event carries the stored message.
	var evs []*gateway.Event
	for _, e := range events(t, st, bob.UserID, gateway.EventMessage) {
		if e.SessionID == bob.ID { // Alice, of the same tenant, may have Bob's auto-reply already
			evs = append(evs, e)
		}
	}
	if len(evs) != 1 {
		t.Fatalf("got %d message events of Bob's session, want 1", len(evs))
	}
	var data gateway.Message
	if err := json.Unmarshal(evs[0].Data, &data); err != nil || data.ID != got.ID || data.WAMessageID != got.WAMessageID {
		t.Errorf("got event data %+v (%v), want the stored message %s", data, err, got.ID)
	}

	// Bob auto-replies once; Alice stores the reply.
	reply := inbound(alice, 1)[0]
	if reply.Body != DefaultAutoReplyMessage || reply.SenderPhone != "15550002222" {
		t.Errorf("got reply %q from %s, want the default auto-reply from bob", reply.Body, reply.SenderPhone)
	}
	// Within the cooldown a second message gets no second reply. The third
	// message is handled after the second's auto-reply step, so once it is
	// stored the count is final.
	send(gateway.TypeText, "second", nil)
	send(gateway.TypeText, "third", nil)
	inbound(bob, 3)
	if n := len(list(bob, gateway.DirectionOutbound)); n != 1 {
		t.Errorf("bob queued %d auto-replies, want 1", n)
	}
}

func TestPayloadRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		m    gateway.Message
		want gateway.OutboundMessage
	}{
		{"text with reply", gateway.Message{Type: gateway.TypeText, Body: "hi", ReplyTo: "3EB0A", Recipient: "1@s.whatsapp.net", WAMessageID: "3EB0B"},
			gateway.OutboundMessage{Type: gateway.TypeText, Text: "hi", ReplyTo: "3EB0A", To: "1@s.whatsapp.net", WAMessageID: "3EB0B"}},
		{"image caption from body", gateway.Message{Type: gateway.TypeImage, Body: "look", Payload: json.RawMessage(`{"media":{"url":"https://e.com/a.jpg","data":"AQI="}}`)},
			gateway.OutboundMessage{Type: gateway.TypeImage, Text: "look", Media: &gateway.Media{URL: "https://e.com/a.jpg", Data: []byte{1, 2}, Caption: "look"}}},
		{"reaction", gateway.Message{Type: gateway.TypeReaction, Payload: json.RawMessage(`{"target":"3EB0A","reaction":"👍"}`)},
			gateway.OutboundMessage{Type: gateway.TypeReaction, Target: "3EB0A", Reaction: "👍"}},
		{"location", gateway.Message{Type: gateway.TypeLocation, Payload: json.RawMessage(`{"location":{"latitude":1.5,"longitude":2}}`)},
			gateway.OutboundMessage{Type: gateway.TypeLocation, Location: &gateway.Location{Latitude: 1.5, Longitude: 2}}},
		{"revoke", gateway.Message{Type: gateway.TypeRevoke, Payload: json.RawMessage(`{"target":"3EB0A"}`)},
			gateway.OutboundMessage{Type: gateway.TypeRevoke, Target: "3EB0A"}},
		{"default type", gateway.Message{Body: "x"}, gateway.OutboundMessage{Type: gateway.TypeText, Text: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := outbound.FromStored(&tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := outbound.FromStored(&gateway.Message{Payload: json.RawMessage(`{"media":`)}); !gateway.IsCode(err, gateway.CodeValidation) {
		t.Errorf("bad payload: got %v, want validation", err)
	}
	if raw, err := (&gateway.MessagePayload{}).Marshal(); raw != nil || err != nil {
		t.Errorf("empty payload marshalled to %s (%v), want nil", raw, err)
	}
}

// TestQueuePolledWithoutNudge: a message queued while no nudge reaches the
// worker (a gateway that could not find it, or died after storing the
// message) is sent on the next queue poll.
func TestQueuePolledWithoutNudge(t *testing.T) {
	st := newStore(t)
	s := newSession(t, st, "15550001111:1@s.whatsapp.net", gateway.SessionSettings{})
	w := mustNew(t, Config{SessionID: s.ID, UserID: s.UserID, Store: st, Secret: secretFn, QueuePoll: 50 * time.Millisecond,
		Engines: sandboxEngines(sandbox.Options{DeliveryDelay: time.Millisecond, ReadDelay: time.Millisecond})})
	start(t, w)
	polltest.Until(t, patience, "connected", func() (string, bool) { return string(w.Status().State), w.Status().State == gateway.SessionConnected })
	m := queue(t, st, s, "15550002222", gateway.TypeText, "no nudge", nil)
	messageIs(t, st, m, gateway.MessageRead)
}
