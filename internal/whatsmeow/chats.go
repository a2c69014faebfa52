package whatsmeow

import (
	"context"
	"errors"
	"time"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Chat actions are app-state patches: WhatsApp keeps a chat's archived,
// pinned, muted and read state in the account's synced app state, and its
// other devices (the phone) follow the patch. Their own changes come back
// as app-state events, mapped to EvChatUpdate below.

// appStateClient is the part of *wa.Client chat actions use.
type appStateClient interface {
	SendAppState(ctx context.Context, patch appstate.PatchInfo) error
}

var _ appStateClient = (*wa.Client)(nil)

// ChatAction sends the chat action's app-state patch.
func (e *Engine) ChatAction(ctx context.Context, r gateway.ChatActionRequest) error {
	cli, err := e.connectedClient()
	if err != nil {
		return err
	}
	return chatAction(ctx, cli, r)
}

func chatAction(ctx context.Context, cli appStateClient, r gateway.ChatActionRequest) error {
	patch, err := chatPatch(r)
	if err != nil {
		return err
	}
	return sendPatch(ctx, cli, patch, "the app-state patch was not applied: ", "WhatsApp did not take the chat change.")
}

// sendPatch sends an app-state patch. One WhatsApp did not apply is a
// refusal, its reason after notApplied; any other failure is the
// socket's, failed its message.
func sendPatch(ctx context.Context, cli appStateClient, patch appstate.PatchInfo, notApplied, failed string) error {
	if err := cli.SendAppState(ctx, patch); err != nil {
		if errors.Is(err, wa.ErrAppStateUpdate) {
			e := gateway.Refused(notApplied + err.Error())
			e.Err = err
			return e
		}
		return offlineError(err, failed)
	}
	return nil
}

// chatPatch builds the app-state patch of a chat action. Archive, read,
// unread and delete name the chat's newest message, as WhatsApp's own
// clients do, so a message arriving meanwhile is not swept along.
func chatPatch(r gateway.ChatActionRequest) (appstate.PatchInfo, error) {
	rc, err := gateway.ParseRecipient(r.Chat)
	if err != nil {
		return appstate.PatchInfo{}, gateway.NotFound("Chat")
	}
	chat, err := types.ParseJID(rc.JID)
	if err != nil {
		return appstate.PatchInfo{}, gateway.NotFound("Chat")
	}
	var (
		ts  time.Time
		key *waCommon.MessageKey
	)
	if lm := r.LastMessage; lm != nil && lm.WAMessageID != "" {
		ts = lm.Timestamp
		key = &waCommon.MessageKey{RemoteJID: proto.String(chat.String()), FromMe: proto.Bool(lm.FromMe), ID: proto.String(lm.WAMessageID)}
		if chat.Server == types.GroupServer && !lm.FromMe && lm.Sender != "" {
			key.Participant = proto.String(lm.Sender)
		}
	}
	switch r.Action {
	case gateway.ChatArchive, gateway.ChatUnarchive:
		return appstate.BuildArchive(chat, r.Action == gateway.ChatArchive, ts, key), nil
	case gateway.ChatPin, gateway.ChatUnpin:
		return appstate.BuildPin(chat, r.Action == gateway.ChatPin), nil
	case gateway.ChatMute:
		var end *int64 // nil: forever (-1)
		if r.MuteUntil != nil {
			end = proto.Int64(r.MuteUntil.UnixMilli())
		}
		return appstate.BuildMuteAbs(chat, true, end), nil
	case gateway.ChatUnmute:
		return appstate.BuildMuteAbs(chat, false, nil), nil
	case gateway.ChatRead, gateway.ChatUnread:
		return appstate.BuildMarkChatAsRead(chat, r.Action == gateway.ChatRead, ts, key), nil
	case gateway.ChatDelete:
		return appstate.BuildDeleteChat(chat, ts, key), nil
	}
	return appstate.PatchInfo{}, gateway.ValidationError(map[string]string{"action": "Unknown chat action."})
}

// chatEvent maps an app-state event of another device to EvChatUpdate;
// false for anything else.
func chatEvent(evt any) (gateway.EvChatUpdate, bool) {
	var (
		jid  types.JID
		at   time.Time
		sync bool
		c    gateway.ChatChange
	)
	switch v := evt.(type) {
	case *events.Archive:
		jid, at, sync = v.JID, v.Timestamp, v.FromFullSync
		c.Action = onOff(v.Action.GetArchived(), gateway.ChatArchive, gateway.ChatUnarchive)
	case *events.Pin:
		jid, at, sync = v.JID, v.Timestamp, v.FromFullSync
		c.Action = onOff(v.Action.GetPinned(), gateway.ChatPin, gateway.ChatUnpin)
	case *events.Mute:
		jid, at, sync = v.JID, v.Timestamp, v.FromFullSync
		c.Action = gateway.ChatUnmute
		if v.Action.GetMuted() {
			c.Action = gateway.ChatMute
			if end := v.Action.GetMuteEndTimestamp(); end > 0 {
				t := time.UnixMilli(end).UTC()
				c.MuteUntil = &t
			}
		}
	case *events.MarkChatAsRead:
		jid, at, sync = v.JID, v.Timestamp, v.FromFullSync
		c.Action = onOff(v.Action.GetRead(), gateway.ChatRead, gateway.ChatUnread)
	case *events.DeleteChat:
		jid, at, sync = v.JID, v.Timestamp, v.FromFullSync
		c.Action = gateway.ChatDelete
	default:
		return gateway.EvChatUpdate{}, false
	}
	if jid.IsEmpty() {
		return gateway.EvChatUpdate{}, false
	}
	c.Chat, c.At = jid.ToNonAD().String(), at.UTC()
	return gateway.EvChatUpdate{Change: c, FromSync: sync}, true
}

// onOff is the action of a setting's new state.
func onOff(set bool, on, off string) string {
	if set {
		return on
	}
	return off
}
