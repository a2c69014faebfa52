package api

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/whatsapp-saas/gateway/internal/service"
)

func (s *Server) apiKeyRoutes(r chi.Router) {
	r.With(requireScope(service.ScopeRead, s.log)).Get("/api-keys", s.h(s.handleAPIKeyList))
	r.Group(func(r chi.Router) {
		r.Use(requireScope(ScopeManage, s.log))
		r.Post("/api-keys", s.h(s.handleAPIKeyCreate))
		r.Delete("/api-keys/{key_id}", s.h(s.handleAPIKeyRevoke))
	})
}

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
	return ok(w, http.StatusCreated, map[string]any{"api_key": k,
		"notice": "Store this key now: it is shown only once."})
}

func (s *Server) handleAPIKeyList(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
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
	if err := s.svc.RevokeAPIKey(r.Context(), who(r).User.ID, id); err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"revoked": true, "id": id})
}
