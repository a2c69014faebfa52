package whatsmeow

import (
	"testing"
	"time"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func webMessage(chat types.JID, id string, fromMe bool, participant string, at time.Time, text string) *waHistorySync.HistorySyncMsg {
	wm := &waWeb.WebMessageInfo{Key: &waCommon.MessageKey{RemoteJID: proto.String(chat.String()), FromMe: proto.Bool(fromMe), ID: proto.String(id)},
		MessageTimestamp: proto.Uint64(uint64(at.Unix())), Message: &waE2E.Message{Conversation: proto.String(text)}}
	if participant != "" {
		wm.Participant = proto.String(participant)
	}
	return &waHistorySync.HistorySyncMsg{Message: wm}
}

// TestHistoryEvent converts a history blob offline: chats with their
// state, messages within the days kept with their sender's phone and LID,
// status broadcasts left out, and progress 100 as the last blob.
func TestHistoryEvent(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	since := now.Add(-30 * 24 * time.Hour)
	mute := now.Add(8 * time.Hour)
	own := ownUser
	cli := &wa.Client{Store: &store.Device{ID: &own}}
	data := &waHistorySync.HistorySync{Progress: proto.Uint32(100), Conversations: []*waHistorySync.Conversation{
		{ID: proto.String(otherUser.String()), Name: proto.String("Ben"), UnreadCount: proto.Uint32(2), Pinned: proto.Uint32(1700000000),
			MuteEndTime: proto.Uint64(uint64(mute.Unix())), ConversationTimestamp: proto.Uint64(uint64(now.Unix())),
			Messages: []*waHistorySync.HistorySyncMsg{
				webMessage(otherUser, "NEW1", false, "", now.Add(-time.Hour), "see you"),
				webMessage(otherUser, "MINE", true, "", now.Add(-2*time.Hour), "ok"),
				webMessage(otherUser, "OLD1", false, "", now.Add(-40*24*time.Hour), "too old"),
			}},
		{ID: proto.String(aGroup.String()), Archived: proto.Bool(true), ConversationTimestamp: proto.Uint64(uint64(now.Unix())),
			Messages: []*waHistorySync.HistorySyncMsg{webMessage(aGroup, "GRP1", false, otherLID.String(), now.Add(-3*time.Hour), "hello all")}},
		{ID: proto.String(types.StatusBroadcastJID.String()), Messages: []*waHistorySync.HistorySyncMsg{
			webMessage(types.StatusBroadcastJID, "STAT", false, otherUser.String(), now, "my status")}},
		{ID: proto.String("15550007777@s.whatsapp.net"), ConversationTimestamp: proto.Uint64(uint64(now.Add(-60 * 24 * time.Hour).Unix()))},
	}}
	lids := &fakeLIDs{pnOf: map[string]string{otherLID.User: otherUser.User}}
	ev := historyEvent(t.Context(), data, cli, lids, since)
	if !ev.Done || ev.Progress != 100 {
		t.Errorf("got progress %d done %v, want the last blob", ev.Progress, ev.Done)
	}
	if len(ev.Chats) != 2 {
		t.Fatalf("got chats %+v, want Ben's and the group (no status, no chat older than the days kept)", ev.Chats)
	}
	ben, grp := ev.Chats[0], ev.Chats[1]
	if ben.JID != otherUser.String() || ben.Name != "Ben" || ben.UnreadCount != 2 || !ben.Pinned || !ben.Muted || ben.MuteUntil == nil || !ben.MuteUntil.Equal(mute) {
		t.Errorf("Ben's chat: got %+v", ben)
	}
	if grp.JID != aGroup.String() || !grp.Archived || grp.Muted {
		t.Errorf("group chat: got %+v", grp)
	}
	got := map[string]*gateway.InboundMessage{}
	for _, m := range ev.Messages {
		got[m.WAMessageID] = m
	}
	if len(ev.Messages) != 3 || got["OLD1"] != nil || got["STAT"] != nil {
		t.Fatalf("got %d messages, want NEW1, MINE and GRP1", len(ev.Messages))
	}
	if m := got["NEW1"]; m.Text != "see you" || m.FromMe || m.SenderPhone != "15550002222" || m.Chat != otherUser.String() || !m.Timestamp.Equal(now.Add(-time.Hour)) {
		t.Errorf("NEW1: got %+v", m)
	}
	if m := got["MINE"]; !m.FromMe || m.SenderPhone != "15550001111" {
		t.Errorf("MINE: got %+v, want from the account", m)
	}
	if m := got["GRP1"]; !m.IsGroup || m.SenderLID != otherLID.String() || m.SenderPhone != "15550002222" {
		t.Errorf("GRP1: got %+v, want the sender's LID and phone", m)
	}
}
