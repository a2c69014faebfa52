// Package instanceapi is the internal HTTP API between the gateway and a
// session's worker: its wire types and the gateway-side client. The worker
// serves it on a loopback port (embedded) or on its Nomad port (cluster);
// every route but /health requires the internal secret, so the routing code
// of the gateway has one path in both shapes.
package instanceapi

import (
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// SecretHeader carries the internal secret on every call.
const SecretHeader = "X-Internal-Secret"

// RequestIDHeader carries the request id from the API to the worker.
const RequestIDHeader = "X-Request-Id"

// Routes of the instance API.
const (
	PathHealth   = "/health"            // GET: 200 while the worker runs (no secret: for health checks)
	PathStatus   = "/v1/status"         // GET: Status
	PathQR       = "/v1/qr"             // GET: QR; 409 conflict when not pairing
	PathPairCode = "/v1/pair-code"      // POST PairCodeRequest: PairCodeResponse
	PathScan     = "/v1/scan"           // POST ScanRequest: Status (sandbox only; 409 otherwise)
	PathSend     = "/v1/send"           // POST SendRequest: 202, the worker drains its queue
	PathLogout   = "/v1/logout"         // POST: Status
	PathRead     = "/v1/read"           // POST gateway.ReadReceipt: 204
	PathTyping   = "/v1/typing"         // POST TypingRequest: 204
	PathCheck    = "/v1/contacts/check" // POST CheckRequest: CheckResponse
	PathMedia    = "/v1/media"          // GET ?path=: a received media file's bytes; not_found when absent
	// PathMediaFetch downloads a history message's media (referenced at
	// sync, downloaded on first request) into the worker's media storage:
	// POST MediaFetchRequest, 204 once stored.
	PathMediaFetch = "/v1/media/fetch"
	// PathAccount runs one account operation by name (gateway.AccountOps):
	// POST its request type, answered with its response type.
	PathAccount = "/v1/account/{op}"
)

// Status is a worker's view of its session.
type Status struct {
	SessionID  string                `json:"session_id" desc:"The session the worker runs."`
	Engine     string                `json:"engine" desc:"The engine: sandbox or whatsmeow."`
	State      gateway.SessionStatus `json:"state" desc:"The session's state, as the worker sees it."`
	Reason     string                `json:"reason,omitempty" desc:"Why it is in that state, when known."`
	Phone      string                `json:"phone,omitempty" desc:"The paired phone number."`
	PushName   string                `json:"push_name,omitempty" desc:"The paired account's display name."`
	Connection gateway.EngineStatus  `json:"connection" desc:"The engine's connection."`
	QR         *QR                   `json:"qr,omitempty" desc:"The current pairing code, while waiting for a scan."`
	QueueDepth int                   `json:"queue_depth" desc:"Messages waiting to be sent."`
	StartedAt  time.Time             `json:"started_at" desc:"When the worker started."`
}

// QR is the current pairing code.
type QR struct {
	Code      string    `json:"code" desc:"The raw pairing code."`
	ExpiresAt time.Time `json:"expires_at" desc:"When WhatsApp replaces it."`
}

// PairCodeRequest asks for a pairing code for a phone number.
type PairCodeRequest struct {
	Phone string `json:"phone"`
}

// PairCodeResponse is the 8-character code to type on the phone.
type PairCodeResponse struct {
	Code string `json:"code"`
}

// ScanRequest completes a sandbox pairing; Phone is optional.
type ScanRequest struct {
	Phone string `json:"phone,omitempty"`
}

// SendRequest tells the worker a message is queued; the message itself is
// read from the database, which is the queue.
type SendRequest struct {
	MessageID string `json:"message_id"`
}

// MediaFetchRequest names the history message whose media to download;
// the worker reads its reference from the database.
type MediaFetchRequest struct {
	MessageID string `json:"message_id"`
}

// TypingRequest shows or clears the typing indicator in a chat.
type TypingRequest struct {
	Chat   string `json:"chat"`
	Typing bool   `json:"typing"`
	Audio  bool   `json:"audio,omitempty"`
}

// CheckRequest asks which phone numbers are on WhatsApp.
type CheckRequest struct {
	Phones []string `json:"phones"`
}

// CheckResponse answers a CheckRequest.
type CheckResponse struct {
	Results []gateway.NumberCheck `json:"results"`
}

// Envelope is the wire form of every answer, the same as the public API's.
type Envelope struct {
	Success bool       `json:"success"`
	Data    any        `json:"data,omitempty"`
	Error   *ErrorBody `json:"error,omitempty"`
}

// ErrorBody is the error part of an Envelope.
type ErrorBody struct {
	Code    gateway.Code `json:"code"`
	Message string       `json:"message"`
	// Details carries machine-readable context (the session's state when
	// it is not connected, WhatsApp's reason when it refused).
	Details map[string]any `json:"details,omitempty"`
}
