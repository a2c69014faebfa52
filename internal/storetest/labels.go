package storetest

import (
	"strconv"
	"sync"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func labelIDs(list []*gateway.Label) []gateway.Label {
	out := []gateway.Label{}
	for _, l := range list {
		out = append(out, *l)
	}
	return out
}

// testLabels: labels are created, edited and deleted; put on and taken
// off chats and messages, each change reporting whether it changed
// anything and writing its events only then; the chat list shows a chat's
// labels and filters by one; deleting a label takes it off everything; an
// association naming an unknown label stores the label nameless; a label
// operation's change is applied with its record; another tenant sees none.
func testLabels(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	newMessage(t, s, sess, outbound(chatA, 1))
	newMessage(t, s, sess, inbound(chatB, 2))
	apply := func(c gateway.LabelChange, wantChanged bool) {
		t.Helper()
		ev := gateway.NewEvent(u.ID, sess.ID, gateway.EventLabelUpdate, gateway.LabelUpdate(sess.ID, gateway.ChangeByDevice, c, false))
		changed, err := s.ApplyLabelChange(ctx(t), u.ID, sess.ID, c, ev)
		must(t, err)
		if changed != wantChanged {
			t.Fatalf("%+v: changed %v, want %v", c, changed, wantChanged)
		}
	}
	list, err := s.ListLabels(ctx(t), u.ID, sess.ID)
	must(t, err)
	diff(t, "no labels", labelIDs(list), []gateway.Label{})

	edit := gateway.LabelChange{Kind: gateway.LabelKindEdit, Label: "10", Name: "VIP", Color: 3, At: at(3)}
	apply(edit, true)
	apply(edit, false) // the same again changes nothing
	edit.Color = 4
	apply(edit, true)
	onA := gateway.LabelChange{Kind: gateway.LabelKindChat, Label: "10", Chat: chatA, Labeled: true, At: at(4)}
	apply(onA, true)
	apply(onA, false)
	// The phone's sync can name a label before its edit arrives.
	apply(gateway.LabelChange{Kind: gateway.LabelKindChat, Label: "2", Chat: chatA, Labeled: true, At: at(5)}, true)
	apply(gateway.LabelChange{Kind: gateway.LabelKindMessage, Label: "10", Chat: chatB, WAMessageID: "3EB0AA", Labeled: true, At: at(6)}, true)
	list, err = s.ListLabels(ctx(t), u.ID, sess.ID)
	must(t, err)
	diff(t, "labels", labelIDs(list), []gateway.Label{{ID: "2", Chats: 1}, {ID: "10", Name: "VIP", Color: 4, Chats: 1, Messages: 1}})

	chats, _, err := s.ListChats(ctx(t), u.ID, sess.ID, gateway.ChatFilter{Label: "10", Page: gateway.Page{Page: 1, Limit: 10}})
	must(t, err)
	if len(chats) != 1 || chats[0].JID != chatA {
		t.Fatalf("chats with label 10: %v, want %s", chatJIDs(chats), chatA)
	}
	diff(t, "chat labels", chats[0].Labels, []string{"2", "10"})
	all := listChats(t, s, u.ID, sess.ID, nil)
	for _, c := range all {
		if c.JID == chatB && (c.Labels == nil || len(c.Labels) != 0) {
			t.Fatalf("unlabelled chat labels %#v, want an empty list", c.Labels)
		}
	}

	apply(gateway.LabelChange{Kind: gateway.LabelKindChat, Label: "2", Chat: chatA, At: at(7)}, true)
	apply(gateway.LabelChange{Kind: gateway.LabelKindChat, Label: "2", Chat: chatA, At: at(7)}, false)
	apply(gateway.LabelChange{Kind: gateway.LabelKindEdit, Label: "10", Deleted: true, At: at(8)}, true)
	apply(gateway.LabelChange{Kind: gateway.LabelKindEdit, Label: "10", Deleted: true, At: at(8)}, false)
	list, err = s.ListLabels(ctx(t), u.ID, sess.ID)
	must(t, err)
	diff(t, "labels after deleting 10", labelIDs(list), []gateway.Label{{ID: "2"}})
	c, err := s.ChatByJID(ctx(t), u.ID, sess.ID, chatA)
	must(t, err)
	diff(t, "chat labels after the deletion", c.Labels, []string{})

	events, err := s.ListEvents(ctx(t), u.ID, gateway.EventFilter{Types: []string{gateway.EventLabelUpdate}})
	must(t, err)
	if len(events) != 7 {
		t.Fatalf("got %d label.update events, want 7 (one per change that changed something)", len(events))
	}

	// An operation's change is applied with its record, only when it succeeded.
	op := &gateway.AccountOperation{UserID: u.ID, SessionID: sess.ID, Op: gateway.OpLabelCreate.Name, Result: gateway.OperationSucceeded,
		Label: &gateway.LabelChange{Kind: gateway.LabelKindEdit, Label: "3", Name: "Paid", Color: 1}}
	must(t, s.RecordAccountOperation(ctx(t), op))
	failed := &gateway.AccountOperation{UserID: u.ID, SessionID: sess.ID, Op: gateway.OpLabelCreate.Name, Result: gateway.OperationFailed,
		Label: &gateway.LabelChange{Kind: gateway.LabelKindEdit, Label: "4", Name: "Refused"}}
	must(t, s.RecordAccountOperation(ctx(t), failed))
	list, err = s.ListLabels(ctx(t), u.ID, sess.ID)
	must(t, err)
	diff(t, "labels after the operations", labelIDs(list), []gateway.Label{{ID: "2"}, {ID: "3", Name: "Paid", Color: 1}})

	// Tenant isolation.
	other := newUser(t, s)
	_, err = s.ListLabels(ctx(t), other.ID, sess.ID)
	wantCode(t, err, gateway.CodeNotFound)
	_, err = s.ApplyLabelChange(ctx(t), other.ID, sess.ID, gateway.LabelChange{Kind: gateway.LabelKindEdit, Label: "3", Deleted: true})
	wantCode(t, err, gateway.CodeNotFound)
	list, err = s.ListLabels(ctx(t), u.ID, sess.ID)
	must(t, err)
	if len(list) != 2 {
		t.Fatalf("labels after another tenant's delete: %d, want 2", len(list))
	}
}

// testLabelIDs: label ids handed out at the same time are all different
// and follow one another; a label the phone made with a higher id moves
// the next one past it; another tenant's session is not found. The
// message log filtered by a label lists the session's messages carrying
// it, and nothing of another tenant or without the session.
func testLabelIDs(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	const n = 16
	got := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], errs[i] = s.NextLabelID(ctx(t), u.ID, sess.ID) })
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, id := range got {
		must(t, errs[i])
		if seen[id] {
			t.Fatalf("label id %s handed out twice: %v", id, got)
		}
		seen[id] = true
	}
	for i := 1; i <= n; i++ {
		if !seen[strconv.Itoa(i)] {
			t.Fatalf("ids %v, want 1 to %d", got, n)
		}
	}
	_, err := s.ApplyLabelChange(ctx(t), u.ID, sess.ID, gateway.LabelChange{Kind: gateway.LabelKindEdit, Label: "40", Name: "From the phone", At: at(1)})
	must(t, err)
	id, err := s.NextLabelID(ctx(t), u.ID, sess.ID)
	must(t, err)
	if id != "41" {
		t.Fatalf("next id after the phone's label 40: %s, want 41", id)
	}
	other := newUser(t, s)
	_, err = s.NextLabelID(ctx(t), other.ID, sess.ID)
	wantCode(t, err, gateway.CodeNotFound)

	a := newMessage(t, s, sess, outbound(chatA, 2))
	newMessage(t, s, sess, outbound(chatA, 3))
	b := newMessage(t, s, sess, inbound(chatB, 4))
	for _, m := range []*gateway.Message{a, b} {
		_, err := s.ApplyLabelChange(ctx(t), u.ID, sess.ID, gateway.LabelChange{Kind: gateway.LabelKindMessage, Label: "40",
			Chat: m.Chat, WAMessageID: m.WAMessageID, Labeled: true, At: at(5)})
		must(t, err)
	}
	list, total, err := s.ListMessages(ctx(t), u.ID, gateway.MessageFilter{SessionID: sess.ID, Label: "40", Page: gateway.Page{Page: 1, Limit: 1}})
	must(t, err)
	if total != 2 || len(list) != 1 || list[0].ID != b.ID {
		t.Fatalf("messages with label 40, first page of 1: %v (total %d), want %s of 2", ids(list, func(m *gateway.Message) string { return m.ID }), total, b.ID)
	}
	list, total, err = s.ListMessages(ctx(t), u.ID, gateway.MessageFilter{SessionID: sess.ID, Label: "40", Page: gateway.Page{Page: 2, Limit: 1}})
	must(t, err)
	if total != 2 || len(list) != 1 || list[0].ID != a.ID {
		t.Fatalf("messages with label 40, second page: %v (total %d), want %s", ids(list, func(m *gateway.Message) string { return m.ID }), total, a.ID)
	}
	for name, f := range map[string]struct {
		user string
		f    gateway.MessageFilter
	}{
		"another label":  {u.ID, gateway.MessageFilter{SessionID: sess.ID, Label: "1"}},
		"no session":     {u.ID, gateway.MessageFilter{Label: "40"}},
		"another tenant": {other.ID, gateway.MessageFilter{SessionID: sess.ID, Label: "40"}},
	} {
		f.f.Page = gateway.Page{Page: 1, Limit: 10}
		list, total, err := s.ListMessages(ctx(t), f.user, f.f)
		must(t, err)
		if len(list) != 0 || total != 0 {
			t.Fatalf("%s: %d messages (total %d), want none", name, len(list), total)
		}
	}
}
