package api

import (
	"context"
	"net/http"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

type createWebhookRequest struct {
	URL       string            `json:"url" desc:"Where to POST events: https, a public address."`
	Events    []string          `json:"events" desc:"The events to subscribe to (default: *, every event)."`
	SessionID string            `json:"session_id" desc:"Only this session's events (a session-bound key's own session when left out)."`
	Headers   map[string]string `json:"headers"`
}

func (s *Server) handleWebhookCreate(w http.ResponseWriter, r *http.Request) error {
	// A session-bound key's endpoint is its session's: never one that
	// would receive every session's events.
	var req createWebhookRequest
	if err := s.decodeForSession(r, &req, &req.SessionID, ""); err != nil {
		return err
	}
	wh, err := s.svc.CreateWebhook(r.Context(), who(r).User, service.CreateWebhookInput{
		URL: req.URL, Events: req.Events, SessionID: req.SessionID, Headers: req.Headers,
	})
	if err != nil {
		return err
	}
	return keepForReplay(w, r, http.StatusCreated, webhookData{Webhook: *wh}, withoutSecret(wh))
}

// withoutSecret is a webhook's answer as kept for an idempotent replay: the
// signing secret is shown once and never stored with the answer.
func withoutSecret(wh *gateway.Webhook) webhookData {
	c := *wh
	c.Secret = ""
	return webhookData{Webhook: c,
		Notice: "This is a replay: the signing secret was shown once, in the first answer, and is not kept; rotate it if it was lost."}
}

func webhookPage(l service.List[*gateway.Webhook]) any { return webhookList{l.Items, l.Pagination} }

func oneWebhook(_ *http.Request, wh *gateway.Webhook) any { return webhookData{Webhook: *wh} }

func (s *Server) deleteWebhook(ctx context.Context, userID, id string) (deletedData, error) {
	if err := s.svc.DeleteWebhook(ctx, userID, id); err != nil {
		return deletedData{}, err
	}
	return deletedData{true, id}, nil
}

// webhookData is the answer of the routes that act on one endpoint.
type webhookData struct {
	Webhook gateway.Webhook `json:"webhook" desc:"The endpoint."`
	Notice  string          `json:"notice,omitempty" desc:"Set on an idempotent replay of an answer that held the signing secret: the secret is not in the replay."`
}

type webhookList struct {
	Webhooks   []*gateway.Webhook `json:"webhooks" desc:"This page of endpoints."`
	Pagination service.Pagination `json:"pagination" desc:"Where this page sits in the whole list."`
}

// deletedData answers a deletion.
type deletedData struct {
	Deleted bool   `json:"deleted" desc:"Always true."`
	ID      string `json:"id" desc:"The id of what was deleted."`
}
