package service

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// webhooksOn fails when the feature is off.
func (s *Service) webhooksOn() error {
	if !s.cfg.EnableWebhooks {
		return gateway.Errorf(gateway.CodeFeatureDisabled, "Webhooks are disabled on this server.")
	}
	return nil
}

// ownWebhook returns one of the caller's webhooks with its secrets; another
// tenant's is not found.
func (s *Service) ownWebhook(ctx context.Context, userID, id string) (*gateway.Webhook, error) {
	if err := s.webhooksOn(); err != nil {
		return nil, err
	}
	w, err := s.webhooks.WebhookByID(ctx, userID, id)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, gateway.NotFound("Webhook")
	}
	return w, err
}

// UpdateWebhookInput changes a webhook; nil fields stay as they are.
type UpdateWebhookInput struct {
	URL     *string
	Events  *[]string
	Headers *map[string]string
	Active  *bool
}

// UpdateWebhook changes URL, events, headers or active of one of the
// caller's webhooks, and answers it without its secret and with header
// values masked; a header value sent as it was answered (masked) keeps the
// stored value. Turning an endpoint back on clears the reason it was
// disabled.
func (s *Service) UpdateWebhook(ctx context.Context, userID, id string, in UpdateWebhookInput) (*gateway.Webhook, error) {
	w, err := s.ownWebhook(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if in.URL != nil {
		if msg := s.checkWebhookURLAt(ctx, *in.URL); msg != "" {
			fields["url"] = msg
		}
		w.URL = *in.URL
	}
	if in.Events != nil {
		if msg := checkEvents(*in.Events); msg != "" {
			fields["events"] = msg
		}
		w.Events = slices.Compact(slices.Sorted(slices.Values(*in.Events)))
	}
	if in.Headers != nil {
		if msg := checkHeaders(*in.Headers); msg != "" {
			fields["headers"] = msg
		}
		// A value sent back as it was answered (masked) keeps the stored
		// one, so a client may edit the headers it read.
		headers := make(map[string]string, len(*in.Headers))
		for k, v := range *in.Headers {
			if old, ok := w.Headers[k]; ok && v == maskHeader(old) {
				v = old
			}
			headers[k] = v
		}
		w.Headers = headers
	}
	if len(fields) > 0 {
		return nil, gateway.ValidationError(fields)
	}
	if in.Active != nil {
		if *in.Active && !w.Active {
			w.DisabledReason = ""
		}
		w.Active = *in.Active
	}
	if err := s.webhooks.UpdateWebhook(ctx, w); err != nil {
		return nil, err
	}
	return webhookView(w, false), nil
}

// checkEvents returns a sentence about what is wrong with a subscription list, or "".
func checkEvents(events []string) string {
	if len(events) == 0 {
		return "Name at least one event: " + strings.Join(gateway.SubscriptionNames, ", ") + "."
	}
	for _, e := range events {
		if !gateway.ValidSubscription(e) {
			return "Unknown event " + quote(e) + "; use " + strings.Join(gateway.SubscriptionNames, ", ") + "."
		}
	}
	return ""
}

// checkHeaders returns a sentence about what is wrong with custom headers, or "".
func checkHeaders(h map[string]string) string {
	if len(h) > 20 {
		return "At most 20 custom headers."
	}
	for k, v := range h {
		if slices.Contains(forbiddenHeaders, strings.ToLower(k)) || !validHeaderName(k) || strings.ContainsAny(v, "\r\n") {
			return "The header " + quote(k) + " cannot be set."
		}
	}
	return ""
}

// RotateWebhookSecret gives a webhook a new secret, answered once. The old
// one keeps signing beside it (both signatures are sent) for the grace
// period, so receivers can switch without losing a delivery.
func (s *Service) RotateWebhookSecret(ctx context.Context, userID, id string) (*gateway.Webhook, error) {
	w, err := s.ownWebhook(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	grace := s.cfg.WebhookSecretGrace
	if grace <= 0 {
		grace = 24 * time.Hour
	}
	expires := s.now().Add(grace)
	w.PreviousSecret, w.PreviousSecretExpiresAt, w.Secret = w.Secret, &expires, NewWebhookSecret()
	if err := s.webhooks.UpdateWebhook(ctx, w); err != nil {
		return nil, err
	}
	return webhookView(w, true), nil
}

// DeliveryList is one page of a webhook's deliveries.
type DeliveryList = List[*gateway.Delivery]

// ListDeliveries lists a webhook's deliveries, newest first, optionally of one status.
func (s *Service) ListDeliveries(ctx context.Context, userID, webhookID, status string, p gateway.Page) (DeliveryList, error) {
	if _, err := s.ownWebhook(ctx, userID, webhookID); err != nil {
		return DeliveryList{}, err
	}
	if status != "" && !gateway.ValidDeliveryStatus(status) {
		return DeliveryList{}, gateway.ValidationError(map[string]string{"status": "Use pending, succeeded, failed or abandoned."})
	}
	p = p.Normalize()
	items, total, err := s.deliveries.ListDeliveries(ctx, userID, webhookID, gateway.DeliveryFilter{Status: gateway.DeliveryStatus(status)}, p)
	if err != nil {
		return DeliveryList{}, err
	}
	return newList(items, total, p), nil
}

// Delivery returns one delivery of a webhook with its attempts.
func (s *Service) Delivery(ctx context.Context, userID, webhookID, id string) (*gateway.Delivery, []*gateway.DeliveryAttempt, error) {
	if _, err := s.ownWebhook(ctx, userID, webhookID); err != nil {
		return nil, nil, err
	}
	d, err := s.deliveries.DeliveryByID(ctx, userID, webhookID, id)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, nil, gateway.NotFound("Delivery")
	}
	if err != nil {
		return nil, nil, err
	}
	attempts, err := s.deliveries.DeliveryAttempts(ctx, userID, id)
	if err != nil {
		return nil, nil, err
	}
	if attempts == nil {
		attempts = []*gateway.DeliveryAttempt{}
	}
	return d, attempts, nil
}

// RetryDelivery sends one delivery again now, whatever its state, with a
// fresh retry schedule.
func (s *Service) RetryDelivery(ctx context.Context, userID, webhookID, id string) (*gateway.Delivery, error) {
	w, err := s.ownWebhook(ctx, userID, webhookID)
	if err != nil {
		return nil, err
	}
	if !w.Active {
		return nil, gateway.Errorf(gateway.CodeConflict, "The webhook is disabled; enable it before retrying.")
	}
	n, err := s.deliveries.RetryDeliveries(ctx, userID, webhookID, id, time.Time{}, s.now())
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, gateway.NotFound("Delivery")
	}
	d, err := s.deliveries.DeliveryByID(ctx, userID, webhookID, id)
	return d, err
}

// RetryDeliveries sends again every failed or abandoned delivery of a
// webhook created at or after since, and says how many.
func (s *Service) RetryDeliveries(ctx context.Context, userID, webhookID string, since time.Time) (int, error) {
	w, err := s.ownWebhook(ctx, userID, webhookID)
	if err != nil {
		return 0, err
	}
	if !w.Active {
		return 0, gateway.Errorf(gateway.CodeConflict, "The webhook is disabled; enable it before retrying.")
	}
	if since.IsZero() {
		return 0, gateway.ValidationError(map[string]string{"since": "Give the time (RFC 3339) to retry from."})
	}
	return s.deliveries.RetryDeliveries(ctx, userID, webhookID, "", since, s.now())
}

// TestWebhook sends a webhook.test event to one endpoint only and returns its delivery.
func (s *Service) TestWebhook(ctx context.Context, userID, id string) (*gateway.Delivery, error) {
	w, err := s.ownWebhook(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	if !w.Active {
		return nil, gateway.Errorf(gateway.CodeConflict, "The webhook is disabled; enable it before testing.")
	}
	e := gateway.NewEvent(userID, w.SessionID, gateway.EventWebhookTest, gateway.WebhookTestData{
		WebhookID: w.ID, Message: "This is a test event from your WhatsApp gateway.",
	})
	return s.deliveries.CreateTestDelivery(ctx, w, e)
}

// Events returns the caller's events after a sequence number, oldest first.
func (s *Service) Events(ctx context.Context, userID string, f gateway.EventFilter) ([]*gateway.Event, error) {
	if err := s.sessionFilter(ctx, userID, f.SessionID); err != nil {
		return nil, err
	}
	for _, t := range f.Types {
		if !gateway.ValidSubscription(t) && t != gateway.EventWebhookTest {
			return nil, gateway.ValidationError(map[string]string{"types": "Unknown event " + quote(t) + "; use " +
				strings.Join(gateway.SubscriptionNames, ", ") + "."})
		}
	}
	return s.events.ListEvents(ctx, userID, f)
}

// LastEventSeq returns the sequence number of the caller's latest event,
// where a live stream without Last-Event-ID starts.
func (s *Service) LastEventSeq(ctx context.Context, userID string) (int64, error) {
	return s.deliveries.LastEventSeq(ctx, userID)
}

// WebhookStats counts the tenant's deliveries created at or after since by
// endpoint and outcome, with each endpoint's success rate; every endpoint
// of the tenant is listed, those without deliveries with zeros.
func (s *Service) WebhookStats(ctx context.Context, userID string, since time.Time) ([]gateway.DeliveryStats, error) {
	counted, err := s.deliveries.DeliveryStatsByWebhook(ctx, userID, since)
	if err != nil {
		return nil, err
	}
	out := make([]gateway.DeliveryStats, 0, len(counted))
	seen := map[string]bool{}
	for _, st := range counted {
		out = append(out, st)
		seen[st.WebhookID] = true
	}
	for p := 1; ; p++ {
		list, err := s.ListWebhooks(ctx, userID, "", gateway.Page{Page: p, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, w := range list.Items {
			if !seen[w.ID] {
				out = append(out, gateway.DeliveryStats{WebhookID: w.ID})
			}
		}
		if p >= list.Pagination.Pages {
			break
		}
	}
	return out, nil
}
