package storetest

import (
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
	u := newUser(t, s)
	sess := newSession(t, s, u.ID)
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
