package whatsmeow

import (
	"context"
	"fmt"
	"testing"
	"time"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// TestChatPatch checks the app-state patch of every chat action: its
// collection, index and value, and the newest message it names.
func TestChatPatch(t *testing.T) {
	last := &gateway.ChatMessageKey{WAMessageID: "3EB0AA", FromMe: false, Sender: "15550002222@s.whatsapp.net", Timestamp: time.Unix(1700000000, 0)}
	until := time.UnixMilli(1800000000123).UTC()
	group, user := aGroup.String(), otherUser.String()
	tests := []struct {
		action, chat string
		until        *time.Time
		typ          appstate.WAPatchName
		index        string
		check        func(t *testing.T, v *waSyncAction.SyncActionValue)
	}{
		{gateway.ChatArchive, group, nil, appstate.WAPatchRegularLow, appstate.IndexArchive, func(t *testing.T, v *waSyncAction.SyncActionValue) {
			a := v.GetArchiveChatAction()
			if !a.GetArchived() || a.GetMessageRange().GetLastMessageTimestamp() != 1700000000 {
				t.Errorf("archive: got %v", a)
			}
			k := a.GetMessageRange().GetMessages()[0].GetKey()
			if k.GetID() != "3EB0AA" || k.GetFromMe() || k.GetParticipant() != last.Sender || k.GetRemoteJID() != group {
				t.Errorf("archive: got key %v, want the group's last message from its sender", k)
			}
		}},
		{gateway.ChatUnarchive, user, nil, appstate.WAPatchRegularLow, appstate.IndexArchive, func(t *testing.T, v *waSyncAction.SyncActionValue) {
			if v.GetArchiveChatAction().GetArchived() {
				t.Error("unarchive: archived is true")
			}
			if k := v.GetArchiveChatAction().GetMessageRange().GetMessages()[0].GetKey(); k.Participant != nil {
				t.Errorf("a direct chat's key names a participant: %v", k)
			}
		}},
		{gateway.ChatPin, user, nil, appstate.WAPatchRegularLow, appstate.IndexPin, func(t *testing.T, v *waSyncAction.SyncActionValue) {
			if !v.GetPinAction().GetPinned() {
				t.Error("pin: pinned is false")
			}
		}},
		{gateway.ChatUnpin, user, nil, appstate.WAPatchRegularLow, appstate.IndexPin, func(t *testing.T, v *waSyncAction.SyncActionValue) {
			if v.GetPinAction().GetPinned() {
				t.Error("unpin: pinned is true")
			}
		}},
		{gateway.ChatMute, user, &until, appstate.WAPatchRegularHigh, appstate.IndexMute, func(t *testing.T, v *waSyncAction.SyncActionValue) {
			if m := v.GetMuteAction(); !m.GetMuted() || m.GetMuteEndTimestamp() != 1800000000123 {
				t.Errorf("mute until: got %v", m)
			}
		}},
		{gateway.ChatMute, user, nil, appstate.WAPatchRegularHigh, appstate.IndexMute, func(t *testing.T, v *waSyncAction.SyncActionValue) {
			if m := v.GetMuteAction(); !m.GetMuted() || m.GetMuteEndTimestamp() != -1 {
				t.Errorf("mute forever: got %v, want end -1", m)
			}
		}},
		{gateway.ChatUnmute, user, nil, appstate.WAPatchRegularHigh, appstate.IndexMute, func(t *testing.T, v *waSyncAction.SyncActionValue) {
			if v.GetMuteAction().GetMuted() {
				t.Error("unmute: muted is true")
			}
		}},
		{gateway.ChatRead, user, nil, appstate.WAPatchRegularLow, appstate.IndexMarkChatAsRead, func(t *testing.T, v *waSyncAction.SyncActionValue) {
			if !v.GetMarkChatAsReadAction().GetRead() {
				t.Error("read: read is false")
			}
		}},
		{gateway.ChatUnread, user, nil, appstate.WAPatchRegularLow, appstate.IndexMarkChatAsRead, func(t *testing.T, v *waSyncAction.SyncActionValue) {
			if v.GetMarkChatAsReadAction().GetRead() {
				t.Error("unread: read is true")
			}
		}},
		{gateway.ChatDelete, user, nil, appstate.WAPatchRegular, appstate.IndexDeleteChat, func(t *testing.T, v *waSyncAction.SyncActionValue) {
			if v.GetDeleteChatAction().GetMessageRange().GetLastMessageTimestamp() != 1700000000 {
				t.Errorf("delete: got %v", v.GetDeleteChatAction())
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			p, err := chatPatch(gateway.ChatActionRequest{Chat: tt.chat, Action: tt.action, MuteUntil: tt.until, LastMessage: last})
			if err != nil {
				t.Fatal(err)
			}
			if p.Type != tt.typ || len(p.Mutations) == 0 {
				t.Fatalf("got collection %s with %d mutations, want %s", p.Type, len(p.Mutations), tt.typ)
			}
			m := p.Mutations[0]
			if len(m.Index) != 2 || m.Index[0] != tt.index || m.Index[1] != tt.chat {
				t.Fatalf("got index %v, want [%s %s]", m.Index, tt.index, tt.chat)
			}
			tt.check(t, m.Value)
		})
	}
	if _, err := chatPatch(gateway.ChatActionRequest{Chat: "not a jid@", Action: gateway.ChatPin}); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Errorf("bad chat: got %v, want not_found", err)
	}
	if _, err := chatPatch(gateway.ChatActionRequest{Chat: user, Action: "star"}); !gateway.IsCode(err, gateway.CodeValidation) {
		t.Errorf("unknown action: got %v, want validation_failed", err)
	}
}

type fakeAppState struct {
	sent []appstate.PatchInfo
	err  error
}

func (f *fakeAppState) SendAppState(_ context.Context, p appstate.PatchInfo) error {
	f.sent = append(f.sent, p)
	return f.err
}

func TestChatActionErrors(t *testing.T) {
	f := &fakeAppState{}
	if err := chatAction(t.Context(), f, gateway.ChatActionRequest{Chat: otherUser.String(), Action: gateway.ChatPin}); err != nil || len(f.sent) != 1 {
		t.Fatalf("got %v with %d patches sent, want one patch", err, len(f.sent))
	}
	f.err = fmt.Errorf("%w (regular_low): <error code=\"409\"/>", wa.ErrAppStateUpdate)
	err := chatAction(t.Context(), f, gateway.ChatActionRequest{Chat: otherUser.String(), Action: gateway.ChatPin})
	if !gateway.IsCode(err, gateway.CodeRefused) {
		t.Fatalf("refused patch: got %v, want whatsapp_refused", err)
	}
}

// TestChatEvent maps the app-state events of other devices.
func TestChatEvent(t *testing.T) {
	at := time.Unix(1700000000, 0)
	ev, ok := chatEvent(&events.Mute{JID: otherUser, Timestamp: at, Action: &waSyncAction.MuteAction{Muted: proto.Bool(true), MuteEndTimestamp: proto.Int64(1800000000000)}})
	if !ok || ev.Change.Action != gateway.ChatMute || ev.Change.MuteUntil == nil || ev.Change.MuteUntil.UnixMilli() != 1800000000000 ||
		ev.Change.Chat != otherUser.String() || !ev.Change.At.Equal(at) || ev.FromSync {
		t.Fatalf("mute: got %+v", ev)
	}
	ev, _ = chatEvent(&events.Mute{JID: otherUser, Action: &waSyncAction.MuteAction{Muted: proto.Bool(true), MuteEndTimestamp: proto.Int64(-1)}})
	if ev.Change.MuteUntil != nil {
		t.Errorf("mute forever: got until %v", ev.Change.MuteUntil)
	}
	for _, c := range []struct {
		evt  any
		want string
	}{
		{&events.Archive{JID: aGroup, Action: &waSyncAction.ArchiveChatAction{Archived: proto.Bool(true)}, FromFullSync: true}, gateway.ChatArchive},
		{&events.Archive{JID: aGroup, Action: &waSyncAction.ArchiveChatAction{Archived: proto.Bool(false)}}, gateway.ChatUnarchive},
		{&events.Pin{JID: aGroup, Action: &waSyncAction.PinAction{Pinned: proto.Bool(true)}}, gateway.ChatPin},
		{&events.Pin{JID: aGroup, Action: &waSyncAction.PinAction{}}, gateway.ChatUnpin},
		{&events.MarkChatAsRead{JID: aGroup, Action: &waSyncAction.MarkChatAsReadAction{Read: proto.Bool(true)}}, gateway.ChatRead},
		{&events.MarkChatAsRead{JID: aGroup, Action: &waSyncAction.MarkChatAsReadAction{Read: proto.Bool(false)}}, gateway.ChatUnread},
		{&events.DeleteChat{JID: aGroup}, gateway.ChatDelete},
	} {
		ev, ok := chatEvent(c.evt)
		if !ok || ev.Change.Action != c.want || ev.Change.Chat != aGroup.String() {
			t.Errorf("%T: got %+v, want %s of the group", c.evt, ev, c.want)
		}
	}
	if ev, _ := chatEvent(&events.Archive{JID: aGroup, Action: &waSyncAction.ArchiveChatAction{}, FromFullSync: true}); !ev.FromSync {
		t.Error("a full sync's archive is not marked FromSync")
	}
	if _, ok := chatEvent(&events.Star{}); ok {
		t.Error("a star mapped to a chat change")
	}
}
