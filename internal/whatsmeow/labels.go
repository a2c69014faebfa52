package whatsmeow

import (
	"context"

	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Labels (WhatsApp Business) are app-state patches, as chat actions are:
// label_edit creates, renames, recolours or deletes a label, label_jid and
// label_message put one on a chat or a message or take it off. The
// account's other devices (the phone) follow them, and their own changes
// come back as events.LabelEdit and events.LabelAssociation*, mapped to
// EvLabelUpdate below. Whether the account is a business is WhatsApp's to
// say: a refused patch is CodeRefused.

// EditLabel sends a label_edit patch.
func (e *Engine) EditLabel(ctx context.Context, r gateway.LabelEditRequest) error {
	return e.sendLabelPatch(ctx, func() (appstate.PatchInfo, error) { return labelEditPatch(r) })
}

// LabelChat sends a label_jid patch.
func (e *Engine) LabelChat(ctx context.Context, r gateway.LabelChatRequest) error {
	return e.sendLabelPatch(ctx, func() (appstate.PatchInfo, error) { return labelChatPatch(r) })
}

// LabelMessage sends a label_message patch.
func (e *Engine) LabelMessage(ctx context.Context, r gateway.LabelMessageRequest) error {
	return e.sendLabelPatch(ctx, func() (appstate.PatchInfo, error) { return labelMessagePatch(r) })
}

func (e *Engine) sendLabelPatch(ctx context.Context, build func() (appstate.PatchInfo, error)) error {
	cli, err := e.connectedClient()
	if err != nil {
		return err
	}
	return sendLabelPatch(ctx, cli, build)
}

func sendLabelPatch(ctx context.Context, cli appStateClient, build func() (appstate.PatchInfo, error)) error {
	patch, err := build()
	if err != nil {
		return err
	}
	return sendPatch(ctx, cli, patch, "the label patch was not applied (labels need a WhatsApp Business account): ",
		"WhatsApp did not take the label change.")
}

func labelEditPatch(r gateway.LabelEditRequest) (appstate.PatchInfo, error) {
	if r.Label == "" {
		return appstate.PatchInfo{}, gateway.ValidationError(map[string]string{"label": "A label needs an id."})
	}
	return appstate.BuildLabelEdit(r.Label, r.Name, int32(r.Color), r.Deleted), nil
}

// labelChatJID parses the chat of a label association.
func labelChatJID(chat string) (types.JID, error) {
	rc, err := gateway.ParseRecipient(chat)
	if err != nil {
		return types.EmptyJID, gateway.NotFound("Chat")
	}
	jid, err := types.ParseJID(rc.JID)
	if err != nil {
		return types.EmptyJID, gateway.NotFound("Chat")
	}
	return jid, nil
}

func labelChatPatch(r gateway.LabelChatRequest) (appstate.PatchInfo, error) {
	jid, err := labelChatJID(r.Chat)
	if err != nil {
		return appstate.PatchInfo{}, err
	}
	return appstate.BuildLabelChat(jid, r.Label, r.Labeled), nil
}

func labelMessagePatch(r gateway.LabelMessageRequest) (appstate.PatchInfo, error) {
	jid, err := labelChatJID(r.Chat)
	if err != nil {
		return appstate.PatchInfo{}, err
	}
	if r.WAMessageID == "" {
		return appstate.PatchInfo{}, gateway.ValidationError(map[string]string{"message_id": "The message has no WhatsApp id yet."})
	}
	return appstate.BuildLabelMessage(jid, r.Label, r.WAMessageID, r.Labeled), nil
}

// labelEvent maps an app-state label event of another device to
// EvLabelUpdate; false for anything else.
func labelEvent(evt any) (gateway.EvLabelUpdate, bool) {
	switch v := evt.(type) {
	case *events.LabelEdit:
		if v.LabelID == "" || v.Action == nil {
			return gateway.EvLabelUpdate{}, false
		}
		return gateway.EvLabelUpdate{FromSync: v.FromFullSync, Change: gateway.LabelChange{Kind: gateway.LabelKindEdit, Label: v.LabelID,
			Name: v.Action.GetName(), Color: int(v.Action.GetColor()), Deleted: v.Action.GetDeleted(), At: v.Timestamp.UTC()}}, true
	case *events.LabelAssociationChat:
		if v.LabelID == "" || v.JID.IsEmpty() {
			return gateway.EvLabelUpdate{}, false
		}
		return gateway.EvLabelUpdate{FromSync: v.FromFullSync, Change: gateway.LabelChange{Kind: gateway.LabelKindChat, Label: v.LabelID,
			Chat: v.JID.ToNonAD().String(), Labeled: v.Action.GetLabeled(), At: v.Timestamp.UTC()}}, true
	case *events.LabelAssociationMessage:
		if v.LabelID == "" || v.JID.IsEmpty() || v.MessageID == "" {
			return gateway.EvLabelUpdate{}, false
		}
		return gateway.EvLabelUpdate{FromSync: v.FromFullSync, Change: gateway.LabelChange{Kind: gateway.LabelKindMessage, Label: v.LabelID,
			Chat: v.JID.ToNonAD().String(), WAMessageID: v.MessageID, Labeled: v.Action.GetLabeled(), At: v.Timestamp.UTC()}}, true
	}
	return gateway.EvLabelUpdate{}, false
}
