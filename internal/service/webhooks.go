package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/ssrf"
)

// CreateWebhookInput is the seed's webhook body, plus custom headers.
type CreateWebhookInput struct {
	URL       string
	Events    []string
	SessionID string
	Headers   map[string]string
}

// checkWebhookURL returns a sentence about what is wrong with a URL's
// form, or "". Where it points is checkWebhookTarget's, and again the
// delivery client's at dial time, since DNS can change.
func checkWebhookURL(raw string) string {
	if len(raw) > 2048 {
		return "The URL must be at most 2048 characters."
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "Give an absolute http or https URL."
	}
	if u.User != nil {
		return "The URL must not carry a user name or password; use custom headers."
	}
	return ""
}

// privateWebhookURL is the sentence of a webhook URL refused because its
// host is on a private network: it names the setting that allows it, for
// the developer whose receiver runs on this machine.
const privateWebhookURL = "The URL points to a private, loopback or link-local address, which this server does not " +
	"deliver to. For a receiver on your own machine or network (local development), start the gateway with " +
	"WEBHOOK_ALLOW_PRIVATE_NETWORKS=true."

// checkWebhookTarget returns a sentence when the URL's host resolves to an
// address deliveries may not reach, or "". The dial-time check stays the
// guarantee (DNS can change); this one lets the caller know now, rather
// than through deliveries that all fail. A host that does not resolve yet
// is accepted: it is checked again when it does.
func (s *Service) checkWebhookTarget(ctx context.Context, raw string) string {
	if s.guard == nil {
		return ""
	}
	err := s.guard.CheckURL(ctx, raw)
	switch {
	case err == nil || !ssrf.Blocked(err):
		return ""
	case errors.Is(err, ssrf.ErrPrivateNetwork):
		return privateWebhookURL
	}
	// Metadata services and the operator's deny list: no setting opens
	// them, and which rule matched is the operator's business.
	return "The URL points to an address this server never delivers to."
}

// checkWebhookURLAt is checkWebhookURL, then checkWebhookTarget.
func (s *Service) checkWebhookURLAt(ctx context.Context, raw string) string {
	if msg := checkWebhookURL(raw); msg != "" {
		return msg
	}
	return s.checkWebhookTarget(ctx, raw)
}

// NewWebhookSecret returns a signing secret in the Standard Webhooks form.
func NewWebhookSecret() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic("service: crypto/rand: " + err.Error())
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

var forbiddenHeaders = []string{"host", "content-length", "content-type", "webhook-id", "webhook-timestamp", "webhook-signature", "connection", "transfer-encoding"}

// CreateWebhook creates a webhook; its secret is in the answer, once, and
// its header values masked.
func (s *Service) CreateWebhook(ctx context.Context, u *gateway.User, in CreateWebhookInput) (*gateway.Webhook, error) {
	w, err := s.createWebhook(ctx, u, in)
	if err != nil {
		return nil, err
	}
	return webhookView(w, true), nil
}

// headerMask stands for a custom header's value in every answer.
const headerMask = "••••"

// webhookView is w as the API answers it: header names with masked values
// (a custom header is often the receiver's credential, and read-scoped keys
// see webhooks too), and the secret only when withSecret (it is shown once,
// on creation and rotation). Deliveries read the stored webhook, never a
// view.
func webhookView(w *gateway.Webhook, withSecret bool) *gateway.Webhook {
	v := *w
	if !withSecret {
		v.Secret = ""
	}
	if w.Headers != nil {
		v.Headers = make(map[string]string, len(w.Headers))
		for k, val := range w.Headers {
			v.Headers[k] = maskHeader(val)
		}
	}
	return &v
}

// maskHeader masks a header value: a long one keeps its first two
// characters so its owner can tell which credential is set.
func maskHeader(v string) string {
	if r := []rune(v); len(r) >= 12 {
		return string(r[:2]) + headerMask
	}
	return headerMask
}

// createWebhook is the one path that creates a webhook, for POST /webhooks
// and a session's webhook_url alike: both count against the plan's quota.
func (s *Service) createWebhook(ctx context.Context, u *gateway.User, in CreateWebhookInput) (*gateway.Webhook, error) {
	if !s.cfg.EnableWebhooks {
		return nil, gateway.Errorf(gateway.CodeFeatureDisabled, "Webhooks are disabled on this server.")
	}
	fields := map[string]string{}
	if msg := s.checkWebhookURLAt(ctx, in.URL); msg != "" {
		fields["url"] = msg
	}
	events := in.Events
	if len(events) == 0 {
		fields["events"] = "Name at least one event: " + strings.Join(gateway.SubscriptionNames, ", ") + "."
	}
	for _, e := range events {
		if !gateway.ValidSubscription(e) {
			fields["events"] = "Unknown event " + quote(e) + "; use " + strings.Join(gateway.SubscriptionNames, ", ") + "."
		}
	}
	if in.SessionID != "" {
		if _, err := uuid.Parse(in.SessionID); err != nil {
			fields["session_id"] = "The session id must be a UUID."
		}
	}
	if msg := checkHeaders(in.Headers); msg != "" {
		fields["headers"] = msg
	}
	if len(fields) > 0 {
		return nil, gateway.ValidationError(fields)
	}
	if err := s.sessionFilter(ctx, u.ID, in.SessionID); err != nil {
		return nil, err
	}
	plan, err := s.webhookQuota(ctx, u)
	if err != nil {
		return nil, err
	}
	limit := plan.Limits.Webhooks
	now := s.now()
	w := &gateway.Webhook{
		ID: uuid.NewString(), UserID: u.ID, SessionID: in.SessionID, URL: in.URL, Events: slices.Compact(slices.Sorted(slices.Values(events))),
		Headers: in.Headers, Active: true, Secret: NewWebhookSecret(), CreatedAt: now, UpdatedAt: now,
	}
	if err := s.webhooks.CreateWebhookWithin(ctx, w, limit); err != nil {
		return nil, capped(err, plan, "webhooks", limit)
	}
	return w, nil
}

// webhookQuota returns the caller's plan, refused with CodeQuotaExceeded
// when the plan's webhooks are all used. The insert counts again in its own
// transaction (CreateWebhookWithin); this early check answers before any
// other work.
func (s *Service) webhookQuota(ctx context.Context, u *gateway.User) (*gateway.Plan, error) {
	plan, err := s.PlanOf(ctx, u)
	if err != nil {
		return nil, err
	}
	n, err := s.webhooks.CountWebhooks(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if err := quota(plan, "webhooks", plan.Limits.Webhooks, n); err != nil {
		return nil, err
	}
	return plan, nil
}

func validHeaderName(k string) bool {
	if k == "" || len(k) > 100 {
		return false
	}
	return http.CanonicalHeaderKey(k) != "" && !strings.ContainsAny(k, " :\t\r\n")
}

// ListWebhooks lists the caller's webhooks, without their secrets and with
// header values masked; only session sessionID's endpoints when it is not "".
func (s *Service) ListWebhooks(ctx context.Context, userID, sessionID string, p gateway.Page) (List[*gateway.Webhook], error) {
	if !s.cfg.EnableWebhooks {
		return List[*gateway.Webhook]{}, gateway.Errorf(gateway.CodeFeatureDisabled, "Webhooks are disabled on this server.")
	}
	p = p.Normalize()
	items, total, err := s.webhooks.ListWebhooks(ctx, userID, sessionID, p)
	if err != nil {
		return List[*gateway.Webhook]{}, err
	}
	for i, w := range items {
		items[i] = webhookView(w, false)
	}
	return newList(items, total, p), nil
}

// Webhook returns one of the caller's webhooks, without its secret and
// with header values masked.
func (s *Service) Webhook(ctx context.Context, userID, id string) (*gateway.Webhook, error) {
	w, err := s.webhooks.WebhookByID(ctx, userID, id)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, gateway.NotFound("Webhook")
	}
	if err != nil {
		return nil, err
	}
	return webhookView(w, false), nil
}

// DeleteWebhook deletes one of the caller's webhooks.
func (s *Service) DeleteWebhook(ctx context.Context, userID, id string) error {
	err := s.webhooks.DeleteWebhook(ctx, userID, id)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return gateway.NotFound("Webhook")
	}
	return err
}
