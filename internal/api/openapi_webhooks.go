package api

import (
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
	"net/http"
)

var (
	exampleDelivery = gateway.Delivery{ID: "3c9d2e1f-7a6b-4c5d-8e9f-0a1b2c3d4e5f", WebhookID: exampleWebhook.ID,
		EventID: "0f1e2d3c-4b5a-4968-8776-655443322110", EventType: gateway.EventMessage, Status: gateway.DeliveryFailed,
		Attempts: 2, NextAttemptAt: ptrTime(exampleTime.Add(30 * 60e9)), LastStatusCode: 503,
		LastError: "The endpoint answered 503 Service Unavailable.", LastLatencyMS: 84, CreatedAt: exampleTime, UpdatedAt: exampleTime}
	exampleAttempt = gateway.DeliveryAttempt{ID: "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", DeliveryID: exampleDelivery.ID,
		StatusCode: 503, Error: "The endpoint answered 503 Service Unavailable.", LatencyMS: 84, CreatedAt: exampleTime,
		RequestBody:  `{"id":"evt_…","type":"message","timestamp":"2026-01-15T09:30:00Z","session_id":"…","data":{}}`,
		ResponseBody: "upstream busy, try later"}
)

func ptrTime[T any](v T) *T { return &v }

// webhookDeliveryOperations document the delivery log, replay, test,
// update, secret rotation and the event stream.
func webhookDeliveryOperations() []operation {
	delivery := deliveryData{exampleDelivery}
	return []operation{
		{Method: "PATCH", Path: "/webhooks/{webhook_id}", API: true, ID: "updateWebhook", Bound: boundPath, Tag: "Webhooks", Scope: ScopeManage,
			Summary: "Change a webhook endpoint", Description: "Fields left out stay as they are. active: true turns an endpoint disabled by the gateway back on.",
			Body: updateWebhookRequest{}, Example: map[string]any{"url": "https://your-domain.com/webhook", "events": []string{"*"}, "active": true},
			Data: webhookData{Webhook: exampleWebhook}},
		{Method: "POST", Path: "/webhooks/{webhook_id}/test", API: true, ID: "testWebhook", Errors: []int{http.StatusConflict}, Bound: boundPath, Tag: "Webhooks", Scope: ScopeManage,
			Summary: "Send a webhook.test event to this endpoint only", Status: 202, Data: delivery},
		{Method: "POST", Path: "/webhooks/{webhook_id}/rotate-secret", API: true, ID: "rotateWebhookSecret", Bound: boundPath, Tag: "Webhooks", Scope: ScopeManage,
			Summary: "Give the endpoint a new signing secret", Description: "The new secret is in this answer only. The old one keeps signing beside it " +
				"(two signatures in webhook-signature) for WEBHOOK_SECRET_GRACE.",
			Data: webhookData{Webhook: func() gateway.Webhook {
				w := exampleWebhook
				w.Secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
				w.PreviousSecretExpiresAt = ptrTime(exampleTime.Add(24 * 3600e9))
				return w
			}()}},
		{Method: "POST", Path: "/webhooks/{webhook_id}/retry", API: true, ID: "retryWebhookDeliveries", Bound: boundPath, Tag: "Webhooks", Scope: ScopeManage,
			Summary: "Send again every failed or abandoned delivery since a time", Body: retryWebhookRequest{},
			Example: map[string]any{"since": exampleTime}, Status: 202, Data: retriedData{3}},
		{Method: "GET", Path: "/webhooks/{webhook_id}/deliveries", API: true, ID: "listWebhookDeliveries", Bound: boundPath, Tag: "Webhooks", Scope: service.ScopeRead,
			Summary: "The endpoint's delivery log, newest first",
			Query: withPage(param{Name: "status", Type: "string", Enum: []string{"pending", "succeeded", "failed", "abandoned"},
				Description: "Only deliveries in this state."}),
			Data: deliveryList{[]*gateway.Delivery{&exampleDelivery}, examplePage}},
		{Method: "GET", Path: "/webhooks/stats", API: true, ID: "getWebhookStats", Tag: "Webhooks", Scope: service.ScopeRead,
			Summary: "Each endpoint's deliveries by outcome and its success rate",
			Description: "Counts the deliveries created in the last days (default 7) per endpoint: succeeded, failed (to be retried), " +
				"abandoned, pending, and the success rate (succeeded over succeeded, failed and abandoned). Refused to a key bound to one session.",
			Query:  []param{{Name: "days", Type: "integer", Description: "The period, in days back from now: 1 to 90 (default 7).", Example: 7}},
			Errors: []int{http.StatusUnprocessableEntity},
			Data:   webhookStatsData{Since: exampleTime, Stats: []gateway.DeliveryStats{{WebhookID: exampleWebhook.ID, Succeeded: 47, Failed: 1, Abandoned: 2, Total: 50, SuccessRate: ptrTime(0.94)}}}},
		{Method: "GET", Path: "/webhooks/{webhook_id}/deliveries/{delivery_id}", API: true, ID: "getWebhookDelivery", Bound: boundPath, Tag: "Webhooks",
			Scope: service.ScopeRead, Summary: "One delivery with its attempts",
			Data: deliveryDetail{exampleDelivery, []*gateway.DeliveryAttempt{&exampleAttempt}}},
		{Method: "POST", Path: "/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", API: true, ID: "retryWebhookDelivery", Bound: boundPath, Tag: "Webhooks",
			Scope: ScopeManage, Summary: "Send one delivery again now", Status: 202, Data: delivery},
		{Method: "GET", Path: "/events", API: true, ID: "streamEvents", Errors: []int{http.StatusNotFound}, Bound: boundHandler, Tag: "Events", Scope: service.ScopeRead,
			Summary: "Live stream of the caller's events (server-sent events)",
			Description: "Each event's id is its sequence number: reconnect with Last-Event-ID (or last_event_id) to resume after it. " +
				"Without one the stream starts with the next event. data is the webhook envelope. " +
				"An account holds at most EVENT_STREAMS_PER_TENANT streams (this and QR streams together, default 10, per gateway) at once; one more is answered 429.",
			Query: []param{
				{Name: "session_id", Type: "string", Description: "Only events of this session."},
				{Name: "types", Type: "string", Description: "Comma-separated subscription names (message, status, qr, *, …).", Example: "message,status"},
				{Name: "last_event_id", Type: "string", Description: "Resume after this event id (as the Last-Event-ID header)."},
			},
			NoEnvelopeErrors: false,
			Content:          map[string]mediaDoc{"text/event-stream": {Example: "id: 42\nevent: message\ndata: {\"id\":\"…\",\"type\":\"message\",\"timestamp\":\"…\",\"session_id\":\"…\",\"data\":{}}\n\n"}}},
	}
}
