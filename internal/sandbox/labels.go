package sandbox

import (
	"context"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Labels in the sandbox. Labels are a WhatsApp Business feature: a
// session paired as a business test number (one ending in 0200, see
// accounts.go) may edit and apply them; any other account is refused, as
// WhatsApp refuses a label patch from a personal account. A label's state
// is the account's own app state, which the gateway's store keeps for
// both engines; the sandbox checks each operation as WhatsApp does.

// notBusiness is the refusal of a label operation by a personal account.
func notBusiness() *gateway.Error {
	return gateway.Refused("labels are a WhatsApp Business feature and this account is not a business account (sandbox business numbers end in 0200)")
}

// labelAccount is the connected account's phone when it may use labels.
func (e *Engine) labelAccount() (string, error) {
	me, err := e.me()
	if err != nil {
		return "", err
	}
	if !IsBusiness(me) {
		return "", notBusiness()
	}
	return me, nil
}

// EditLabel checks a label edit: a business account, a label id and, unless
// it is a deletion, a name and a colour of the palette.
func (e *Engine) EditLabel(_ context.Context, r gateway.LabelEditRequest) error {
	if _, err := e.labelAccount(); err != nil {
		return err
	}
	switch {
	case r.Label == "":
		return gateway.ValidationError(map[string]string{"label": "sandbox: a label needs an id."})
	case !r.Deleted && (r.Name == "" || r.Color < 0 || r.Color >= gateway.LabelColors):
		return gateway.ValidationError(map[string]string{"name": "sandbox: a label needs a name and a colour from 0 to 19."})
	}
	return nil
}

// LabelChat checks a chat label: a business account and a chat it has (a
// group it is in).
func (e *Engine) LabelChat(ctx context.Context, r gateway.LabelChatRequest) error {
	me, err := e.labelAccount()
	if err != nil {
		return err
	}
	return e.labelTarget(ctx, me, r.Label, r.Chat)
}

// LabelMessage checks a message label as LabelChat does, with the message's id.
func (e *Engine) LabelMessage(ctx context.Context, r gateway.LabelMessageRequest) error {
	me, err := e.labelAccount()
	if err != nil {
		return err
	}
	if r.WAMessageID == "" {
		return gateway.ValidationError(map[string]string{"wa_message_id": "sandbox: a message label needs the message's WhatsApp id."})
	}
	return e.labelTarget(ctx, me, r.Label, r.Chat)
}

func (e *Engine) labelTarget(ctx context.Context, me, label, chat string) error {
	if label == "" {
		return gateway.ValidationError(map[string]string{"label": "sandbox: a label needs an id."})
	}
	_, err := e.knownChat(ctx, me, chat)
	return err
}
