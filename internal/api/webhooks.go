package api

import (
	"net/http"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

type createWebhookRequest struct {
	URL       string            `json:"url"`
	Events    []string          `json:"events"`
	SessionID string            `json:"session_id"`
	Headers   map[string]string `json:"headers"`
}

func (s *Server) handleWebhookCreate(w http.ResponseWriter, r *http.Request) error {
	var req createWebhookRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	// A session-bound key's endpoint is its session's: never one that
	// would receive every session's events.
	sid, err := ownSession(r, req.SessionID)
	if err != nil {
		return err
	}
	req.SessionID = sid
	wh, err := s.svc.CreateWebhook(r.Context(), who(r).User, service.CreateWebhookInput{
		URL: req.URL, Events: req.Events, SessionID: req.SessionID, Headers: req.Headers,
	})
	if err != nil {
		return err
	}
	return keepForReplay(w, r, http.StatusCreated, map[string]any{"webhook": wh}, withoutSecret(wh))
}

// withoutSecret is a webhook's answer as kept for an idempotent replay: the
// signing secret is shown once and never stored with the answer.
func withoutSecret(wh *gateway.Webhook) map[string]any {
	c := *wh
	c.Secret = ""
	return map[string]any{"webhook": &c,
		"notice": "This is a replay: the signing secret was shown once, in the first answer, and is not kept; rotate it if it was lost."}
}

func (s *Server) handleWebhookList(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	list, err := s.svc.ListWebhooks(r.Context(), who(r).User.ID, boundSession(r), p)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, listData("webhooks", list.Items, list.Pagination))
}

func (s *Server) handleWebhookGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "webhook_id")
	if err != nil {
		return err
	}
	wh, err := s.svc.Webhook(r.Context(), who(r).User.ID, id)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"webhook": wh})
}

func (s *Server) handleWebhookDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "webhook_id")
	if err != nil {
		return err
	}
	if err := s.svc.DeleteWebhook(r.Context(), who(r).User.ID, id); err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"deleted": true, "id": id})
}
