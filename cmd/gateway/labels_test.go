package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	wagw "github.com/whatsapp-saas/gateway/client"
)

type labelView struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Color    int    `json:"color"`
	Chats    int    `json:"chats"`
	Messages int    `json:"messages"`
}

// TestLabelsSandbox drives WhatsApp Business labels end to end on the
// sandbox (SQLite, in-process bus).
func TestLabelsSandbox(t *testing.T) {
	testLabels(t, instantSandbox(t, noHistory))
}

// TestLabelsSandboxPostgresRedis is TestLabelsSandbox on PostgreSQL, with
// the sandbox network on Redis.
func TestLabelsSandboxPostgresRedis(t *testing.T) {
	testLabels(t, instantSandbox(t, noHistory, sharedStores(t, 15)))
}

// testLabels: a sandbox business account (a number ending in 0200) creates,
// edits and deletes labels and puts them on a chat and a message; the chat
// list shows a chat's labels and filters by one; each write is a recorded
// operation with its label.update event. A personal account is refused as
// WhatsApp refuses it, bad input is a 422 naming the field, and another
// tenant gets 404.
func testLabels(t *testing.T, base string) {
	alice, bob := aliceAndBob(t, base, "labels")
	shop := scanAs(t, alice, "shop", "15550010200")
	cust := scanAs(t, alice, "cust", "15550011001")
	labels := "/api/v1/sessions/" + shop.ID + "/labels"
	chat := cust.Phone + "@s.whatsapp.net"

	m := sendWith(t, alice, map[string]any{"session_id": shop.ID, "recipient": cust.Phone, "message": "Your order is ready"})
	waitMessageStatus(t, alice, m.ID, "read")

	var list struct {
		Labels []labelView `json:"labels"`
		Source string      `json:"source"`
	}
	alice.do("GET", labels, nil).must(t, http.StatusOK, &list)
	if len(list.Labels) != 0 || list.Source != "store" {
		t.Fatalf("labels before any: %+v, want none from the store", list)
	}

	// A personal account cannot have labels, as on WhatsApp.
	r := alice.do("POST", "/api/v1/sessions/"+cust.ID+"/labels", map[string]any{"name": "VIP"}).
		fails(t, http.StatusUnprocessableEntity, "whatsapp_refused")
	if !strings.Contains(r.Error.Message, "WhatsApp Business") {
		t.Fatalf("refusal %q, want it to say labels need WhatsApp Business", r.Error.Message)
	}
	r = alice.do("POST", labels, map[string]any{"name": " ", "color": 20}).fails(t, http.StatusUnprocessableEntity, "validation_failed")
	if r.Error.Fields["name"] == "" || r.Error.Fields["color"] == "" {
		t.Fatalf("fields %v, want name and color named", r.Error.Fields)
	}

	var one struct {
		Label labelView `json:"label"`
	}
	alice.do("POST", labels, map[string]any{"name": "New customer", "color": 1}).must(t, http.StatusCreated, &one)
	if one.Label != (labelView{ID: "1", Name: "New customer", Color: 1}) {
		t.Fatalf("created %+v, want label 1", one.Label)
	}
	alice.do("POST", labels, map[string]any{"name": "Paid", "color": 5}).must(t, http.StatusCreated, &one)
	if one.Label.ID != "2" {
		t.Fatalf("second label id %q, want 2", one.Label.ID)
	}
	alice.do("PATCH", labels+"/2", map[string]any{"name": "Paid in full"}).must(t, http.StatusOK, &one)
	if one.Label.Name != "Paid in full" || one.Label.Color != 5 {
		t.Fatalf("edited %+v, want the new name and the colour kept", one.Label)
	}
	alice.do("PATCH", labels+"/9", map[string]any{"name": "x"}).fails(t, http.StatusNotFound, "not_found")
	alice.do("PATCH", labels+"/2", map[string]any{}).fails(t, http.StatusUnprocessableEntity, "validation_failed")

	// On a chat: the chat list shows it and filters by it.
	var c struct {
		Chat struct {
			JID    string   `json:"jid"`
			Labels []string `json:"labels"`
		} `json:"chat"`
	}
	alice.do("PUT", "/api/v1/sessions/"+shop.ID+"/chats/"+chat+"/labels/1", nil).must(t, http.StatusOK, &c)
	if c.Chat.JID != chat || strings.Join(c.Chat.Labels, ",") != "1" {
		t.Fatalf("labelled chat %+v, want %s with label 1", c.Chat, chat)
	}
	alice.do("PUT", "/api/v1/sessions/"+shop.ID+"/chats/"+chat+"/labels/7", nil).fails(t, http.StatusNotFound, "not_found")
	alice.do("PUT", "/api/v1/sessions/"+shop.ID+"/chats/15550019999@s.whatsapp.net/labels/1", nil).fails(t, http.StatusNotFound, "not_found")
	var chats struct {
		Chats []struct {
			JID    string   `json:"jid"`
			Labels []string `json:"labels"`
		} `json:"chats"`
	}
	alice.do("GET", "/api/v1/sessions/"+shop.ID+"/chats?label=1", nil).must(t, http.StatusOK, &chats)
	if len(chats.Chats) != 1 || chats.Chats[0].JID != chat || strings.Join(chats.Chats[0].Labels, ",") != "1" {
		t.Fatalf("chats with label 1: %+v, want the customer's", chats.Chats)
	}
	alice.do("GET", "/api/v1/sessions/"+shop.ID+"/chats?label=2", nil).must(t, http.StatusOK, &chats)
	if len(chats.Chats) != 0 {
		t.Fatalf("chats with label 2: %+v, want none", chats.Chats)
	}

	// On a message.
	var ml struct {
		MessageLabel struct {
			MessageID string `json:"message_id"`
			Label     string `json:"label"`
			Labeled   bool   `json:"labeled"`
		} `json:"message_label"`
	}
	alice.do("PUT", "/api/v1/messages/"+m.ID+"/labels/2", nil).must(t, http.StatusOK, &ml)
	if ml.MessageLabel.MessageID != m.ID || ml.MessageLabel.Label != "2" || !ml.MessageLabel.Labeled {
		t.Fatalf("message label %+v, want label 2 on the message", ml.MessageLabel)
	}
	alice.do("GET", labels, nil).must(t, http.StatusOK, &list)
	want := []labelView{{ID: "1", Name: "New customer", Color: 1, Chats: 1}, {ID: "2", Name: "Paid in full", Color: 5, Messages: 1}}
	if len(list.Labels) != 2 || list.Labels[0] != want[0] || list.Labels[1] != want[1] {
		t.Fatalf("labels %+v, want %+v", list.Labels, want)
	}
	// The label's messages, paginated like the message log.
	var lm struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
		Pagination struct{ Total int } `json:"pagination"`
	}
	alice.do("GET", labels+"/2/messages?limit=5", nil).must(t, http.StatusOK, &lm)
	if len(lm.Messages) != 1 || lm.Messages[0].ID != m.ID || lm.Pagination.Total != 1 {
		t.Fatalf("messages with label 2: %+v, want the one message", lm)
	}
	alice.do("GET", labels+"/1/messages", nil).must(t, http.StatusOK, &lm)
	if len(lm.Messages) != 0 {
		t.Fatalf("messages with label 1: %+v, want none", lm)
	}
	alice.do("GET", labels+"/9/messages", nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("GET", labels+"/2/messages", nil).fails(t, http.StatusNotFound, "not_found")
	gcm := sdk(t, base)
	gcm.Token = alice.token
	if ms, pg, err := gcm.LabelMessages(t.Context(), shop.ID, "2", wagw.ListOptions{Limit: 10}); err != nil || len(ms) != 1 || ms[0].ID != m.ID || pg.Total != 1 {
		t.Fatalf("client LabelMessages: got %+v %+v (%v), want the one message", ms, pg, err)
	}
	alice.do("DELETE", "/api/v1/messages/"+m.ID+"/labels/2", nil).must(t, http.StatusOK, &ml)
	if ml.MessageLabel.Labeled {
		t.Fatalf("message label %+v, want it taken off", ml.MessageLabel)
	}
	alice.do("DELETE", "/api/v1/sessions/"+shop.ID+"/chats/"+chat+"/labels/1", nil).must(t, http.StatusOK, &c)
	if len(c.Chat.Labels) != 0 {
		t.Fatalf("chat labels after removal %v, want none", c.Chat.Labels)
	}
	alice.do("PUT", "/api/v1/sessions/"+shop.ID+"/chats/"+chat+"/labels/1", nil).must(t, http.StatusOK, &c)
	var deleted struct {
		Label   labelView `json:"label"`
		Deleted bool      `json:"deleted"`
	}
	alice.do("DELETE", labels+"/1", nil).must(t, http.StatusOK, &deleted)
	if !deleted.Deleted || deleted.Label.ID != "1" {
		t.Fatalf("deleted %+v, want label 1", deleted)
	}
	alice.do("GET", labels, nil).must(t, http.StatusOK, &list)
	if len(list.Labels) != 1 || list.Labels[0].ID != "2" {
		t.Fatalf("labels after deleting 1: %+v, want only 2", list.Labels)
	}
	// A deleted label is off its chats too.
	alice.do("GET", "/api/v1/sessions/"+shop.ID+"/chats/"+chat, nil).must(t, http.StatusOK, &c)
	if len(c.Chat.Labels) != 0 {
		t.Fatalf("chat labels after deleting the label: %v, want none", c.Chat.Labels)
	}

	// Each write is an operation with its label.update event, in order.
	var changes []string
	replayEvents(t, alice, "types=label.update&session_id="+shop.ID, func(data []byte) bool {
		var ev struct {
			Data struct {
				Label, Change, Source string
			} `json:"data"`
		}
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatal(err)
		}
		changes = append(changes, ev.Data.Label+":"+ev.Data.Change+":"+ev.Data.Source)
		return len(changes) == 9
	})
	if got := strings.Join(changes, " "); got != "1:created:api 2:created:api 2:edited:api 1:chat_added:api 2:message_added:api "+
		"2:message_removed:api 1:chat_removed:api 1:chat_added:api 1:deleted:api" {
		t.Fatalf("label.update events: got %s", got)
	}
	if ops := operations(t, alice, cust.ID, ""); len(ops) != 1 || ops[0].Op != "label.create" || ops[0].Result != "failed" {
		t.Fatalf("the personal account's operations %+v, want the refused label.create", ops)
	}

	// Through the Go client.
	gc := sdk(t, base)
	gc.Token = alice.token
	name := "Order complete"
	l, err := gc.CreateLabel(t.Context(), shop.ID, wagw.LabelRequest{Name: &name})
	if err != nil || l.ID != "3" || l.Name != name {
		t.Fatalf("client CreateLabel: got %+v (%v), want label 3", l, err)
	}
	if ch, err := gc.LabelChat(t.Context(), shop.ID, chat, l.ID, true); err != nil || strings.Join(ch.Labels, ",") != "3" {
		t.Fatalf("client LabelChat: got %+v (%v), want the chat with label 3", ch, err)
	}
	if ls, err := gc.Labels(t.Context(), shop.ID); err != nil || len(ls) != 2 || ls[1].Chats != 1 {
		t.Fatalf("client Labels: got %+v (%v), want 2 and 3, 3 on one chat", ls, err)
	}
	if cs, _, err := gc.Chats(t.Context(), shop.ID, wagw.ChatListOptions{Label: "3"}); err != nil || len(cs) != 1 {
		t.Fatalf("client Chats by label: got %+v (%v), want the one chat", cs, err)
	}
	if err := gc.DeleteLabel(t.Context(), shop.ID, l.ID); err != nil {
		t.Fatalf("client DeleteLabel: %v", err)
	}

	// Creates at the same time get different ids: none overwrites another.
	const n = 6
	made := make([]labelView, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var one struct {
				Label labelView `json:"label"`
			}
			alice.do("POST", labels, map[string]any{"name": fmt.Sprintf("Batch %d", i)}).must(t, http.StatusCreated, &one)
			made[i] = one.Label
		})
	}
	wg.Wait()
	alice.do("GET", labels, nil).must(t, http.StatusOK, &list)
	byID := map[string]string{}
	for _, l := range list.Labels {
		byID[l.ID] = l.Name
	}
	for i, l := range made {
		if want := fmt.Sprintf("Batch %d", i); l.Name != want || byID[l.ID] != want {
			t.Fatalf("concurrent create %d: answered %+v, stored %q under its id, want %q (labels %+v)", i, l, byID[l.ID], want, list.Labels)
		}
	}
	if len(list.Labels) != n+1 {
		t.Fatalf("labels after %d concurrent creates: %+v, want label 2 and %d more", n, list.Labels, n)
	}

	// Another tenant sees none of it.
	bob.do("GET", labels, nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("POST", labels, map[string]any{"name": "x"}).fails(t, http.StatusNotFound, "not_found")
	bob.do("PUT", "/api/v1/messages/"+m.ID+"/labels/2", nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("DELETE", labels+"/2", nil).fails(t, http.StatusNotFound, "not_found")
}
