package whatsmeow

import (
	"context"
	"time"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// History sync. After pairing, the phone sends history sync notifications;
// the engine downloads each blob itself (whatsmeow's automatic download is
// off: ManualHistorySyncDownload), converts it to an EvHistorySync within
// Options.HistoryDays, and acknowledges the notification only once the
// worker stored it, so a blob that was not stored is offered again. Media
// of history messages is referenced in their payload, not downloaded.

// historyDownloadTimeout bounds the download of one history blob.
const historyDownloadTimeout = 2 * time.Minute

// setHistoryDays tells WhatsApp, in the device properties sent when
// pairing, how many days of recent history to push (0: WhatsApp's default;
// nothing is stored then anyway). The properties are whatsmeow's global.
func setHistoryDays(days int) {
	if days > 0 && store.DeviceProps.HistorySyncConfig != nil {
		store.DeviceProps.HistorySyncConfig.RecentSyncDaysLimit = proto.Uint32(uint32(days))
	}
}

// webParser parses a history message as a live one (*wa.Client).
type webParser interface {
	ParseWebMessage(chat types.JID, m *waWeb.WebMessageInfo) (*events.Message, error)
}

// onHistoryNotification downloads and hands over one history blob; its
// answer is whether to acknowledge the notification.
func (e *Engine) onHistoryNotification(gen uint64, cli *wa.Client, notif *waE2E.HistorySyncNotification) bool {
	if e.opts.HistoryDays <= 0 {
		return true // nothing is kept: acknowledged, not downloaded
	}
	e.mu.Lock()
	hctx := e.hctx
	e.mu.Unlock()
	if hctx == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(hctx, historyDownloadTimeout)
	defer cancel()
	data, err := cli.DownloadHistorySync(ctx, notif, false)
	if err != nil {
		e.log.Warn("whatsapp history blob not downloaded; not acknowledging it", "error", err)
		return false
	}
	var lids lidMap
	if cli.Store != nil && cli.Store.LIDs != nil {
		lids = cli.Store.LIDs
	}
	ev := historyEvent(ctx, data, cli, lids, time.Now().Add(-time.Duration(e.opts.HistoryDays)*24*time.Hour))
	return e.emit(gen, ev)
}

// historyEvent converts one history blob: the conversations (their name,
// unread count, archived, pinned and muted state) and the messages sent
// since, with their sender's phone number and LID. WhatsApp's progress
// reaching 100 marks the last blob.
func historyEvent(ctx context.Context, data *waHistorySync.HistorySync, parse webParser, lids lidMap, since time.Time) gateway.EvHistorySync {
	ev := gateway.EvHistorySync{Progress: int(min(data.GetProgress(), 100))}
	ev.Done = ev.Progress >= 100
	for _, conv := range data.GetConversations() {
		chat, err := types.ParseJID(conv.GetID())
		if err != nil || chat.User == "" {
			continue
		}
		switch chat.Server {
		case types.DefaultUserServer, types.HiddenUserServer, types.GroupServer:
		default:
			continue // status updates, newsletters, broadcasts
		}
		chat = chat.ToNonAD()
		var kept int
		for _, hm := range conv.GetMessages() {
			wm := hm.GetMessage()
			if wm == nil || time.Unix(int64(wm.GetMessageTimestamp()), 0).Before(since) {
				continue
			}
			v, err := parse.ParseWebMessage(chat, wm)
			if err != nil {
				continue
			}
			in := convertMessage(v.Message)
			if in == nil {
				continue
			}
			fillSource(ctx, lids, v.Info, in)
			if in.Media != nil {
				// Referenced now, downloaded on its first request.
				in.Media.Ref = mediaRefOf(v)
			}
			ev.Messages = append(ev.Messages, in)
			kept++
		}
		last := time.Unix(int64(max(conv.GetConversationTimestamp(), conv.GetLastMsgTimestamp())), 0).UTC()
		if kept == 0 && last.Before(since) {
			continue
		}
		c := gateway.HistoryChat{JID: chat.String(), Name: conv.GetName(), UnreadCount: int(conv.GetUnreadCount()),
			Archived: conv.GetArchived(), Pinned: conv.GetPinned() > 0, LastMessageAt: last}
		if c.Name == "" {
			c.Name = conv.GetDisplayName()
		}
		// MuteEndTime is in seconds; WhatsApp's "forever" is far ahead.
		if end := conv.GetMuteEndTime(); end > 0 {
			t := time.Unix(int64(end), 0).UTC()
			if t.After(time.Now()) {
				c.Muted = true
				if t.Before(time.Now().AddDate(50, 0, 0)) {
					c.MuteUntil = &t
				}
			}
		}
		ev.Chats = append(ev.Chats, c)
	}
	return ev
}
