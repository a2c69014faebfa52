package sandbox

import (
	"context"
	"slices"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Chats in the sandbox. A chat's state (archived, pinned, muted, read) is
// the account's own, synced by WhatsApp between its devices; the sandbox
// account has no other device to tell, so a chat action is checked as
// WhatsApp checks it and the gateway's store keeps the state, as it does
// for the real engine.
//
// Test chat: a direct chat with a number ending in 0409 refuses every
// action, as WhatsApp refuses a patch it cannot apply (409 conflict).

// ChatAction checks a chat action: the account must be connected, a group
// must be one the account is in (CodeNotFound otherwise), and the action
// one WhatsApp knows.
func (e *Engine) ChatAction(ctx context.Context, r gateway.ChatActionRequest) error {
	me, err := e.me()
	if err != nil {
		return err
	}
	if !slices.Contains(gateway.ChatActions, r.Action) {
		return gateway.ValidationError(map[string]string{"action": "sandbox: unknown chat action."})
	}
	rc, err := e.knownChat(ctx, me, r.Chat)
	if err != nil || rc.IsGroup() {
		return err
	}
	if len(rc.User) >= 4 && rc.User[len(rc.User)-4:] == "0409" {
		return gateway.Refused("sandbox: the app-state patch conflicted (409)")
	}
	return nil
}

// knownChat parses a chat the account acts on; a group must be one it is
// in (CodeNotFound otherwise, as for a chat that does not parse).
func (e *Engine) knownChat(ctx context.Context, me, chat string) (gateway.Recipient, error) {
	rc, err := gateway.ParseRecipient(chat)
	if err != nil {
		return gateway.Recipient{}, gateway.NotFound("Chat")
	}
	if rc.IsGroup() {
		if _, err := e.group(ctx, rc.JID, me); err != nil {
			return gateway.Recipient{}, err
		}
	}
	return rc, nil
}
