package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

type updateWebhookRequest struct {
	URL     *string            `json:"url" desc:"A new address."`
	Events  *[]string          `json:"events" desc:"A new list of events."`
	Headers *map[string]string `json:"headers"`
	Active  *bool              `json:"active" desc:"true turns the endpoint back on (also after the gateway disabled it); false turns it off."`
}

func (s *Server) updateWebhook(ctx context.Context, userID, id string, req updateWebhookRequest) (*gateway.Webhook, error) {
	return s.svc.UpdateWebhook(ctx, userID, id, service.UpdateWebhookInput{
		URL: req.URL, Events: req.Events, Headers: req.Headers, Active: req.Active,
	})
}

func (s *Server) handleWebhookRotate(w http.ResponseWriter, r *http.Request) error {
	wh, err := byID(r, "webhook_id", s.svc.RotateWebhookSecret)
	if err != nil {
		return err
	}
	return keepForReplay(w, r, http.StatusOK, webhookData{Webhook: *wh}, withoutSecret(wh))
}

func oneDelivery(_ *http.Request, d *gateway.Delivery) any { return deliveryData{*d} }

func (s *Server) handleDeliveryList(w http.ResponseWriter, r *http.Request) error {
	id, p, q, err := idAndPage(r, "webhook_id")
	if err != nil {
		return err
	}
	list, err := s.svc.ListDeliveries(r.Context(), who(r).User.ID, id, q.Get("status"), p)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, deliveryList{list.Items, list.Pagination})
}

// webhookAndDelivery reads the path of one delivery: its webhook_id and
// its delivery_id.
func webhookAndDelivery(r *http.Request) (string, string, error) {
	id, err := pathID(r, "webhook_id")
	if err != nil {
		return "", "", err
	}
	did, err := pathID(r, "delivery_id")
	if err != nil {
		return "", "", err
	}
	return id, did, nil
}

func (s *Server) handleDeliveryGet(w http.ResponseWriter, r *http.Request) error {
	id, did, err := webhookAndDelivery(r)
	if err != nil {
		return err
	}
	d, attempts, err := s.svc.Delivery(r.Context(), who(r).User.ID, id, did)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, deliveryDetail{*d, attempts})
}

func (s *Server) handleDeliveryRetry(w http.ResponseWriter, r *http.Request) error {
	id, did, err := webhookAndDelivery(r)
	if err != nil {
		return err
	}
	d, err := s.svc.RetryDelivery(r.Context(), who(r).User.ID, id, did)
	if err != nil {
		return err
	}
	return ok(w, http.StatusAccepted, deliveryData{*d})
}

type retryWebhookRequest struct {
	Since time.Time `json:"since" desc:"Send again the failed and abandoned deliveries created at or after this time."`
}

func (s *Server) retryDeliveries(ctx context.Context, userID, id string, req retryWebhookRequest) (retriedData, error) {
	if req.Since.IsZero() {
		return retriedData{}, gateway.ValidationError(map[string]string{"since": "Give the time (RFC 3339) to retry from."})
	}
	n, err := s.svc.RetryDeliveries(ctx, userID, id, req.Since)
	return retriedData{n}, err
}

type deliveryData struct {
	Delivery gateway.Delivery `json:"delivery" desc:"The delivery."`
}

type deliveryList struct {
	Deliveries []*gateway.Delivery `json:"deliveries" desc:"This page of deliveries, newest first."`
	Pagination service.Pagination  `json:"pagination" desc:"Where this page sits in the whole list."`
}

type deliveryDetail struct {
	Delivery gateway.Delivery           `json:"delivery" desc:"The delivery."`
	Attempts []*gateway.DeliveryAttempt `json:"attempts" desc:"Every attempt, oldest first."`
}

type retriedData struct {
	Retried int `json:"retried" desc:"How many deliveries were queued again."`
}

// webhookStatsDays is the period of GET /webhooks/stats when days is not given.
const webhookStatsDays = 7

func (s *Server) handleWebhookStats(w http.ResponseWriter, r *http.Request) error {
	q, err := query(r)
	if err != nil {
		return err
	}
	days := webhookStatsDays
	if v := q.Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 90 {
			return gateway.ValidationError(map[string]string{"days": "Give a whole number of days from 1 to 90."})
		}
		days = n
	}
	since := time.Now().UTC().AddDate(0, 0, -days)
	list, err := s.svc.WebhookStats(r.Context(), who(r).User.ID, since)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, webhookStatsData{Since: since, Stats: list})
}

type webhookStatsData struct {
	Since time.Time               `json:"since" desc:"The start of the period counted (deliveries created since then)."`
	Stats []gateway.DeliveryStats `json:"stats" desc:"One entry per endpoint of the account, with its deliveries by outcome and its success rate."`
}
