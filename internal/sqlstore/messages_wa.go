package sqlstore

import (
	"context"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// MessageByWAID returns a session's message with a WhatsApp message id,
// the outbound one first when both directions carry it (a message sent
// from the owner's phone arrives as well). The engine reads it to quote a
// reply, address a reaction and answer a retry receipt. CodeNotFound when
// absent.
func (s *Store) MessageByWAID(ctx context.Context, sessionID, waMessageID string) (*gateway.Message, error) {
	if !isUUID(sessionID) || waMessageID == "" {
		return nil, gateway.NotFound("Message")
	}
	return readOne(ctx, s, scanMessage, "message by wa id", "Message",
		"SELECT "+messageCols+` FROM messages WHERE session_id = ? AND wa_message_id = ?
		ORDER BY CASE direction WHEN 'outbound' THEN 0 ELSE 1 END LIMIT 1`, sessionID, waMessageID)
}
