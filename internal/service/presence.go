package service

import (
	"context"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// SetPresence marks the session's account available (online) or unavailable.
func (s *Service) SetPresence(ctx context.Context, userID, sessionID, presence string) (gateway.PresenceRequest, error) {
	if presence != gateway.PresenceAvailable && presence != gateway.PresenceUnavailable {
		return gateway.PresenceRequest{}, gateway.ValidationError(map[string]string{"presence": "Give available or unavailable."})
	}
	return runAccount(ctx, s, userID, sessionID, gateway.OpPresenceSet, gateway.PresenceRequest{Presence: presence})
}

// SubscribePresence subscribes the session to a user's presence; presence
// events follow.
func (s *Service) SubscribePresence(ctx context.Context, userID, sessionID, contact string) (gateway.PresenceSubscription, error) {
	jid, err := contactJID(contact)
	if err != nil {
		return gateway.PresenceSubscription{}, err
	}
	return runAccount(ctx, s, userID, sessionID, gateway.OpPresenceSubscribe, gateway.PresenceSubscribeRequest{Contact: jid})
}
