package api

import (
	"net/http"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

type createAPIKeyRequest struct {
	Name      string     `json:"name" desc:"A name to recognise the key by."`
	Scopes    []string   `json:"scopes" desc:"* (everything, default), read, send."`
	SessionID string     `json:"session_id" desc:"Binds the key to this session only."`
	ExpiresAt *time.Time `json:"expires_at" desc:"When the key stops working (default: never)."`
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
	return keepForReplay(w, r, http.StatusCreated, apiKeyData{APIKey: *k, Notice: "Store this key now: it is shown only once."},
		apiKeyData{APIKey: withheld, Notice: "This is a replay: the key was shown once, in the first answer, and is not kept."})
}

func (s *Server) handleAPIKeyList(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	if k := who(r).APIKey; k != nil && k.SessionID != "" {
		// A session-bound key sees itself, not the account's other keys.
		self := *k
		return ok(w, http.StatusOK, apiKeyList{[]*gateway.APIKey{&self}, onePage})
	}
	list, err := s.svc.ListAPIKeys(r.Context(), who(r).User.ID, p)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, apiKeyList{list.Items, list.Pagination})
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
	return ok(w, http.StatusOK, revokedData{true, id})
}

type apiKeyData struct {
	APIKey gateway.APIKey `json:"api_key" desc:"The key; key holds the secret, in this answer only."`
	Notice string         `json:"notice" desc:"A reminder that the key is shown only in this answer."`
}

type apiKeyList struct {
	APIKeys    []*gateway.APIKey  `json:"api_keys" desc:"This page of keys (without their secrets)."`
	Pagination service.Pagination `json:"pagination" desc:"Where this page sits in the whole list."`
}

type revokedData struct {
	Revoked bool   `json:"revoked" desc:"Always true."`
	ID      string `json:"id" desc:"The revoked key's id."`
}
