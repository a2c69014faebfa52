package api

import (
	"net/http"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

type createAPIKeyRequest struct {
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	SessionID string     `json:"session_id"`
	ExpiresAt *time.Time `json:"expires_at"`
}

func (s *Server) handleAPIKeyCreate(w http.ResponseWriter, r *http.Request) error {
	var req createAPIKeyRequest
	if r.ContentLength != 0 {
		if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
			return err
		}
	}
	k, err := s.svc.CreateAPIKey(r.Context(), who(r).User, service.CreateAPIKeyInput{
		Name: req.Name, Scopes: req.Scopes, SessionID: req.SessionID, ExpiresAt: req.ExpiresAt,
	})
	if err != nil {
		return err
	}
	withheld := *k
	withheld.Key = ""
	return keepForReplay(w, r, http.StatusCreated, map[string]any{"api_key": k, "notice": "Store this key now: it is shown only once."},
		map[string]any{"api_key": &withheld, "notice": "This is a replay: the key was shown once, in the first answer, and is not kept."})
}

func (s *Server) handleAPIKeyList(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	if k := who(r).APIKey; k != nil && k.SessionID != "" {
		// A session-bound key sees itself, not the account's other keys.
		self := *k
		return ok(w, http.StatusOK, listOne("api_keys", &self))
	}
	list, err := s.svc.ListAPIKeys(r.Context(), who(r).User.ID, p)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, listData("api_keys", list.Items, list.Pagination))
}

func (s *Server) handleAPIKeyRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "key_id")
	if err != nil {
		return err
	}
	if k := who(r).APIKey; k != nil && k.SessionID != "" && k.ID != id {
		// A session-bound key may revoke itself, and no other key.
		return gateway.NotFound("API key")
	}
	if err := s.svc.RevokeAPIKey(r.Context(), who(r).User.ID, id); err != nil {
		return err
	}
	// Refused from now on here, and on the other gateways at the notice.
	s.apiKeyChanged(r.Context(), id)
	return ok(w, http.StatusOK, map[string]any{"revoked": true, "id": id})
}
