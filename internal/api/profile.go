package api

import (
	"net/http"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// The session's own profile: push name, about text, picture, business
// profile and privacy settings.

// profileHandlers are the handlers of profileOperations, by operation id.
func (s *Server) profileHandlers() map[string]handler {
	return map[string]handler{
		"getProfile":            s.handleProfileGet,
		"updateProfile":         s.handleProfileUpdate,
		"setProfilePicture":     s.handlePictureSet,
		"removeProfilePicture":  s.handlePictureRemove,
		"getPrivacySettings":    s.handlePrivacyGet,
		"updatePrivacySettings": s.handlePrivacyUpdate,
		"setPresence":           s.handlePresenceSet,
		"subscribePresence":     s.handlePresenceSubscribe,
	}
}

func (s *Server) handleProfileGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	res, err := s.svc.Profile(r.Context(), who(r).User.ID, id)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}

func (s *Server) handleProfileUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	var req gateway.ProfileUpdateRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	res, err := s.svc.UpdateProfile(r.Context(), who(r).User.ID, id, req)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}

func (s *Server) handlePictureSet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	var req gateway.ProfilePictureRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.Image == nil {
		req.Image = []byte{} // given empty or left out: refused, not a removal
	}
	res, err := s.svc.SetProfilePicture(r.Context(), who(r).User.ID, id, req.Image)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}

func (s *Server) handlePictureRemove(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	res, err := s.svc.SetProfilePicture(r.Context(), who(r).User.ID, id, nil)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}

func (s *Server) handlePrivacyGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	res, err := s.svc.PrivacySettings(r.Context(), who(r).User.ID, id)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}

func (s *Server) handlePrivacyUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	var req gateway.PrivacyUpdateRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	res, err := s.svc.UpdatePrivacySettings(r.Context(), who(r).User.ID, id, req)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}

func (s *Server) handlePresenceSet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	var req gateway.PresenceRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	res, err := s.svc.SetPresence(r.Context(), who(r).User.ID, id, req.Presence)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}

func (s *Server) handlePresenceSubscribe(w http.ResponseWriter, r *http.Request) error {
	id, contact, err := sessionAndParam(r, "contact_id")
	if err != nil {
		return err
	}
	res, err := s.svc.SubscribePresence(r.Context(), who(r).User.ID, id, contact)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}
