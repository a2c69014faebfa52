package whatsmeow

import (
	"fmt"
	"strings"
	"testing"
	"time"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Each label operation builds the app-state patch WhatsApp's own clients
// send: the regular collection, the label_edit / label_jid / label_message
// index, and the action's value.
func TestLabelPatches(t *testing.T) {
	user := otherUser.String()
	p, err := labelEditPatch(gateway.LabelEditRequest{Label: "3", Name: "Paid", Color: 5})
	if err != nil {
		t.Fatal(err)
	}
	m := p.Mutations[0]
	if p.Type != appstate.WAPatchRegular || fmt.Sprint(m.Index) != "[label_edit 3]" {
		t.Fatalf("edit: collection %s index %v", p.Type, m.Index)
	}
	if a := m.Value.GetLabelEditAction(); a.GetName() != "Paid" || a.GetColor() != 5 || a.GetDeleted() {
		t.Fatalf("edit: action %v", a)
	}
	p, _ = labelEditPatch(gateway.LabelEditRequest{Label: "3", Name: "Paid", Color: 5, Deleted: true})
	if !p.Mutations[0].Value.GetLabelEditAction().GetDeleted() {
		t.Fatal("delete: deleted is false")
	}
	p, err = labelChatPatch(gateway.LabelChatRequest{Label: "3", Chat: "+1 555 000 2222", Labeled: true})
	if err != nil {
		t.Fatal(err)
	}
	m = p.Mutations[0]
	if p.Type != appstate.WAPatchRegular || fmt.Sprint(m.Index) != "[label_jid 3 "+user+"]" || !m.Value.GetLabelAssociationAction().GetLabeled() {
		t.Fatalf("chat: collection %s index %v value %v", p.Type, m.Index, m.Value)
	}
	p, err = labelMessagePatch(gateway.LabelMessageRequest{Label: "3", Chat: aGroup.String(), WAMessageID: "3EB0AA", Labeled: false})
	if err != nil {
		t.Fatal(err)
	}
	m = p.Mutations[0]
	if fmt.Sprint(m.Index) != "[label_message 3 "+aGroup.String()+" 3EB0AA 0 0]" || m.Value.GetLabelAssociationAction().GetLabeled() {
		t.Fatalf("message: index %v value %v", m.Index, m.Value)
	}
	if _, err := labelChatPatch(gateway.LabelChatRequest{Label: "3", Chat: "not a chat@"}); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Errorf("bad chat: got %v, want not_found", err)
	}
	if _, err := labelMessagePatch(gateway.LabelMessageRequest{Label: "3", Chat: user}); !gateway.IsCode(err, gateway.CodeValidation) {
		t.Errorf("no message id: got %v, want validation_failed", err)
	}
	if _, err := labelEditPatch(gateway.LabelEditRequest{Name: "x"}); !gateway.IsCode(err, gateway.CodeValidation) {
		t.Errorf("no label id: got %v, want validation_failed", err)
	}
}

// A patch WhatsApp refuses (a personal account's labels) is CodeRefused
// naming WhatsApp Business; one it took is sent once.
func TestLabelPatchRefused(t *testing.T) {
	f := &fakeAppState{}
	build := func() (appstate.PatchInfo, error) {
		return labelChatPatch(gateway.LabelChatRequest{Label: "1", Chat: otherUser.String(), Labeled: true})
	}
	if err := sendLabelPatch(t.Context(), f, build); err != nil || len(f.sent) != 1 {
		t.Fatalf("got %v with %d patches sent, want one", err, len(f.sent))
	}
	f.err = fmt.Errorf("%w (regular): <error code=\"403\"/>", wa.ErrAppStateUpdate)
	err := sendLabelPatch(t.Context(), f, build)
	if !gateway.IsCode(err, gateway.CodeRefused) || !strings.Contains(gateway.ErrorMessage(err), "WhatsApp Business") {
		t.Fatalf("refused patch: got %v, want whatsapp_refused naming WhatsApp Business", err)
	}
}

// The phone's label changes map to EvLabelUpdate; a full sync's are marked.
func TestLabelEvents(t *testing.T) {
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		evt  any
		want gateway.EvLabelUpdate
	}{
		{&events.LabelEdit{LabelID: "4", Timestamp: at, Action: &waSyncAction.LabelEditAction{Name: proto.String("VIP"), Color: proto.Int32(7)}},
			gateway.EvLabelUpdate{Change: gateway.LabelChange{Kind: gateway.LabelKindEdit, Label: "4", Name: "VIP", Color: 7, At: at}}},
		{&events.LabelEdit{LabelID: "4", Timestamp: at, FromFullSync: true, Action: &waSyncAction.LabelEditAction{Deleted: proto.Bool(true)}},
			gateway.EvLabelUpdate{FromSync: true, Change: gateway.LabelChange{Kind: gateway.LabelKindEdit, Label: "4", Deleted: true, At: at}}},
		{&events.LabelAssociationChat{LabelID: "4", JID: otherUser, Timestamp: at, Action: &waSyncAction.LabelAssociationAction{Labeled: proto.Bool(true)}},
			gateway.EvLabelUpdate{Change: gateway.LabelChange{Kind: gateway.LabelKindChat, Label: "4", Chat: otherUser.String(), Labeled: true, At: at}}},
		{&events.LabelAssociationMessage{LabelID: "4", JID: aGroup, MessageID: "3EB0BB", Timestamp: at, Action: &waSyncAction.LabelAssociationAction{Labeled: proto.Bool(false)}},
			gateway.EvLabelUpdate{Change: gateway.LabelChange{Kind: gateway.LabelKindMessage, Label: "4", Chat: aGroup.String(), WAMessageID: "3EB0BB", At: at}}},
	}
	for i, c := range cases {
		got, ok := labelEvent(c.evt)
		if !ok || got != c.want {
			t.Errorf("case %d: got %+v %v, want %+v", i, got, ok, c.want)
		}
	}
	for _, bad := range []any{&events.LabelEdit{Action: &waSyncAction.LabelEditAction{}}, &events.LabelAssociationChat{LabelID: "1"},
		&events.LabelAssociationMessage{LabelID: "1", JID: otherUser}, &events.Star{}} {
		if _, ok := labelEvent(bad); ok {
			t.Errorf("%T without its ids: mapped, want ignored", bad)
		}
	}
}
