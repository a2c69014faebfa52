package api

import (
	"context"
	"net/http"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// The session's own profile: push name, about text, picture, business
// profile and privacy settings.

// profileHandlers are the handlers of profileOperations, by operation id.
func (s *Server) profileHandlers() map[string]handler {
	return map[string]handler{
		"getProfile":            onID(s, "session_id", http.StatusOK, read(s.svc.Profile), nil),
		"updateProfile":         onID(s, "session_id", http.StatusOK, s.svc.UpdateProfile, nil),
		"setProfilePicture":     onID(s, "session_id", http.StatusOK, s.setPicture, nil),
		"removeProfilePicture":  onID(s, "session_id", http.StatusOK, read(s.removePicture), nil),
		"getPrivacySettings":    onID(s, "session_id", http.StatusOK, read(s.svc.PrivacySettings), nil),
		"updatePrivacySettings": onID(s, "session_id", http.StatusOK, s.svc.UpdatePrivacySettings, nil),
		"setPresence":           onID(s, "session_id", http.StatusOK, s.setPresence, nil),
		"subscribePresence":     onItem(s, "contact_id", http.StatusOK, readItem(s.svc.SubscribePresence), nil),
	}
}

// setPicture sets the picture the body holds.
func (s *Server) setPicture(ctx context.Context, userID, id string, req gateway.ProfilePictureRequest) (gateway.ProfilePicture, error) {
	if req.Image == nil {
		req.Image = []byte{} // given empty or left out: refused, not a removal
	}
	return s.svc.SetProfilePicture(ctx, userID, id, req.Image)
}

// removePicture is a picture set to none.
func (s *Server) removePicture(ctx context.Context, userID, id string) (gateway.ProfilePicture, error) {
	return s.svc.SetProfilePicture(ctx, userID, id, nil)
}

// setPresence shows the account online or offline.
func (s *Server) setPresence(ctx context.Context, userID, id string, req gateway.PresenceRequest) (gateway.PresenceRequest, error) {
	return s.svc.SetPresence(ctx, userID, id, req.Presence)
}
