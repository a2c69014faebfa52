package worker

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// The phone's label changes are stored; a change is announced as a
// label.update event from the device, a full sync's replay is stored
// silently, and an echo that changes nothing writes no event.
func TestLabelUpdateFromDevice(t *testing.T) {
	ctx := context.Background()
	f := &fakeEngine{}
	st, s, _ := startFake(t, "15550000200:1@s.whatsapp.net", f)

	synced := gateway.EvLabelUpdate{FromSync: true, Change: gateway.LabelChange{Kind: gateway.LabelKindEdit, Label: "1", Name: "New customer"}}
	edited := gateway.EvLabelUpdate{Change: gateway.LabelChange{Kind: gateway.LabelKindEdit, Label: "1", Name: "New customer", Color: 3}}
	chat := gateway.EvLabelUpdate{Change: gateway.LabelChange{Kind: gateway.LabelKindChat, Label: "1", Chat: "15550002222@s.whatsapp.net", Labeled: true}}
	for _, ev := range []gateway.EngineEvent{synced, edited, edited, chat} {
		if err := f.emit(t, ev); err != nil {
			t.Fatal(err)
		}
	}
	labels, err := st.ListLabels(ctx, s.UserID, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(labels) != 1 || *labels[0] != (gateway.Label{ID: "1", Name: "New customer", Color: 3, Chats: 1}) {
		t.Fatalf("labels %+v, want label 1 recoloured on one chat", labels)
	}
	evs := events(t, st, s.UserID, gateway.EventLabelUpdate)
	var got []string
	for _, e := range evs {
		var d gateway.LabelUpdateData
		if err := json.Unmarshal(e.Data, &d); err != nil {
			t.Fatal(err)
		}
		got = append(got, d.Change+":"+d.Source)
	}
	if len(got) != 2 || got[0] != "edited:device" || got[1] != "chat_added:device" {
		t.Fatalf("label.update events %v, want edited and chat_added from the device (none for the sync or the echo)", got)
	}
}
