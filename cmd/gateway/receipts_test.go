package main

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// TestGroupReceiptsSandbox sends a message to a group of three sandbox
// sessions: both other members receive it in the group, each one's
// receipts are receipt events (to a signature-verifying webhook too) and
// GET /messages/{id} answers them per participant. On SQLite, and on
// PostgreSQL with Redis when TEST_DATABASE_URL and TEST_REDIS_URL are set.
func TestGroupReceiptsSandbox(t *testing.T) {
	eachStore(t, pairAtOnce, 13, groupReceipts)
}

func groupReceipts(t *testing.T, extra map[string]string) {
	extra["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = "true" // the receiver listens on loopback
	base := startGateway(t, testEnv(t, extra))
	alice := register(t, base, "receipts-alice@example.com")
	a1 := scanAs(t, alice, "a1", "15550007001")
	a2 := scanAs(t, alice, "a2", "15550007002")
	a3 := scanAs(t, alice, "a3", "15550007003")
	recv := newReceiver(t)
	recv.setSecrets(createWebhook(t, alice, recv.URL(), "receipt").Secret)

	var created struct {
		Group groupView `json:"group"`
	}
	alice.do("POST", "/api/v1/sessions/"+a1.ID+"/groups", map[string]any{"subject": "Receipts",
		"participants": []string{a2.Phone, a3.Phone}}).must(t, http.StatusCreated, &created)
	group := created.Group.JID
	m := sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": group, "message": "hello all"})

	// Both members get it in the group.
	for _, s := range []sessionView{a2, a3} {
		got := receivedAs(t, alice, s.ID, m.WAMessageID)
		if got.Body != "hello all" || got.SenderPhone != a1.Phone {
			t.Fatalf("%s received %+v, want a1's message", s.Name, got)
		}
	}

	// Each member's delivery and read are receipt events on a1.
	type receiptView struct {
		MessageID        string `json:"message_id"`
		Chat             string `json:"chat"`
		Participant      string `json:"participant"`
		ParticipantPhone string `json:"participant_phone"`
		ParticipantLID   string `json:"participant_lid"`
		Status           string `json:"status"`
	}
	seen := map[string]bool{}
	replayEvents(t, alice, "types=receipt&session_id="+a1.ID, func(data []byte) bool {
		var ev struct {
			Type string      `json:"type"`
			Data receiptView `json:"data"`
		}
		if json.Unmarshal(data, &ev) != nil || ev.Type != "receipt" || ev.Data.MessageID != m.ID || ev.Data.Chat != group ||
			ev.Data.ParticipantLID == "" || ev.Data.Participant != ev.Data.ParticipantPhone+"@s.whatsapp.net" {
			t.Fatalf("unexpected receipt event %s", data)
		}
		seen[ev.Data.ParticipantPhone+":"+ev.Data.Status] = true
		return len(seen) == 4
	})
	for _, want := range []string{a2.Phone + ":delivered", a2.Phone + ":read", a3.Phone + ":delivered", a3.Phone + ":read"} {
		if !seen[want] {
			t.Fatalf("receipt events %v, want %s among them", seen, want)
		}
	}

	// GET /messages/{id} answers them per participant.
	var got struct {
		Message  messageView `json:"message"`
		Receipts []struct {
			Participant string     `json:"participant"`
			Phone       string     `json:"phone"`
			Status      string     `json:"status"`
			DeliveredAt *time.Time `json:"delivered_at"`
			ReadAt      *time.Time `json:"read_at"`
		} `json:"receipts"`
	}
	// The worker stores each participant's receipt with its event, then the
	// message's own status in the next transaction: the last receipt event
	// can be seen a moment before the message reads "read".
	polltest.Eventually(t, patience, "the message read with two participants' receipts", func() bool {
		alice.do("GET", "/api/v1/messages/"+m.ID, nil).must(t, http.StatusOK, &got)
		return got.Message.Status == "read" && len(got.Receipts) == 2
	})
	for i, p := range []string{a2.Phone, a3.Phone} {
		r := got.Receipts[i]
		if r.Phone != p || r.Status != "read" || r.DeliveredAt == nil || r.ReadAt == nil || r.ReadAt.Before(*r.DeliveredAt) {
			t.Fatalf("receipt %d: %+v, want %s delivered then read", i, r, p)
		}
	}
	// A direct message has none.
	direct := sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": a2.Phone, "message": "just you"})
	alice.do("GET", "/api/v1/messages/"+direct.ID, nil).must(t, http.StatusOK, &got)
	if len(got.Receipts) != 0 {
		t.Fatalf("a direct message answered receipts %+v", got.Receipts)
	}

	polltest.Eventually(t, patience, "the webhook receives the four receipts", func() bool {
		accepted, _ := recv.snapshot()
		return len(accepted) == 4
	})
	if _, bad := recv.snapshot(); bad != 0 {
		t.Fatalf("%d deliveries failed signature checks", bad)
	}
}
