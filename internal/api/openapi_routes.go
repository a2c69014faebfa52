package api

import (
	"net/http"
	"reflect"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
	"github.com/whatsapp-saas/gateway/internal/service"
)

// This file is the documentation of every route: one operation each. The
// test TestOpenAPIMatchesRouter (cmd/gateway) walks the real router and
// fails, naming the entry to add, when a route is missing here or an entry
// names a route that does not exist.

// requestRequired names the required fields of request bodies (the Go types
// cannot say it).
var requestRequired = map[reflect.Type][]string{
	reflect.TypeFor[registerRequest]():       {"email", "password", "name"},
	reflect.TypeFor[loginRequest]():          {"email", "password"},
	reflect.TypeFor[changePasswordRequest](): {"current_password", "new_password"},
	reflect.TypeFor[createSessionRequest]():  {"session_name"},
	reflect.TypeFor[createInstanceRequest](): {"session_id"},
	reflect.TypeFor[sendRequest]():           {"session_id", "recipient"},
	reflect.TypeFor[readRequest]():           {"session_id"},
	reflect.TypeFor[checkRequest]():          {"session_id", "phones"},
	reflect.TypeFor[typingRequest]():         {"chat"},
	reflect.TypeFor[createWebhookRequest]():  {"url"},
}

// Sample values: the examples of the document are these, marshalled.
var (
	exampleTime    = time.Date(2026, 1, 15, 9, 30, 0, 0, time.UTC)
	exampleExpiry  = exampleTime.Add(7 * 24 * time.Hour)
	exampleUserID  = "7d7b1c9e-3f51-4c55-9a53-1c4b8f0e2a10"
	exampleSession = "5b0e8a52-6d1f-4b8a-9f0c-2a6f5d3e9c41"
	exampleUser    = gateway.User{ID: exampleUserID, Email: "demo@whatsapp-saas.com", Name: "Demo User", Phone: "+1234567890",
		Role: gateway.RoleUser, Status: gateway.UserActive, PlanID: "free", CreatedAt: exampleTime, UpdatedAt: exampleTime}
	examplePlan = gateway.Plan{ID: "free", Name: "Free", Currency: "USD",
		Limits:   gateway.PlanLimits{Sessions: 1, Instances: 1, MessagesPerMonth: 1000, Webhooks: 2, APIKeys: 2, RequestsPerMinute: 60, MediaBytes: 16 << 20},
		Features: gateway.PlanFeatures{Engines: []string{"sandbox", "whatsmeow"}, Webhooks: true, APIKeys: true}, CreatedAt: exampleTime, UpdatedAt: exampleTime}
	exampleUsage       = service.Usage{Sessions: 1, Instances: 1, MessagesThisMonth: 42, Webhooks: 1, APIKeys: 1}
	exampleSessionData = gateway.Session{ID: exampleSession, UserID: exampleUserID, Name: "my-whatsapp-session", Engine: "sandbox",
		Status: gateway.SessionConnected, WebhookURL: "https://your-webhook-url.com/webhook",
		Settings: gateway.SessionSettings{WebhookEvents: []string{"message", "status"}}, Phone: "15550001111", PushName: "Shop",
		Proxy:       &gateway.SessionProxy{URL: "socks5://proxyuser:xxxxx@proxy.example.com:1080", Source: gateway.ProxyFromSession},
		ConnectedAt: &exampleTime, CreatedAt: exampleTime, UpdatedAt: exampleTime}
	exampleInstance = gateway.Instance{ID: "0f8e4a1d-2b6c-4f3e-8d7a-9c1b5e2f4a60", SessionID: exampleSession, UserID: exampleUserID,
		Status: gateway.InstanceRunning, Driver: "local", Address: "127.0.0.1", Port: 21000, StartedAt: &exampleTime,
		CreatedAt: exampleTime, UpdatedAt: exampleTime}
	examplePollTally = gateway.PollTally{MessageID: "c3a1f0e2-8b4d-4e6f-a1c2-3d4e5f6a7b8c", Question: "Lunch?", Voters: 2,
		Options: []gateway.PollOptionTally{{Name: "Pizza", Votes: 2, Voters: []string{"15550002222@s.whatsapp.net", "15550003333@s.whatsapp.net"}},
			{Name: "Sushi", Votes: 0, Voters: []string{}}},
		Votes: []*gateway.PollVote{
			{Voter: "15550002222@s.whatsapp.net", VoterPhone: "15550002222", Options: []string{"Pizza"}, WAMessageID: "3EB0B1C2D3E4F5A6B7C8D9", VotedAt: exampleTime},
			{Voter: "15550003333@s.whatsapp.net", VoterPhone: "15550003333", Options: []string{"Pizza"}, WAMessageID: "3EB0C1D2E3F4A5B6C7D8E9", VotedAt: exampleTime}}}
	exampleMessage = gateway.Message{ID: "c3a1f0e2-8b4d-4e6f-a1c2-3d4e5f6a7b8c", SessionID: exampleSession, Direction: gateway.DirectionOutbound,
		Type: gateway.TypeText, Recipient: "1234567890@s.whatsapp.net", Chat: "1234567890@s.whatsapp.net",
		Body: "مرحباً من نظام WhatsApp SaaS!", Status: gateway.MessageDelivered, WAMessageID: "3EB0A1B2C3D4E5F6A7B8C9",
		CreatedAt: exampleTime, UpdatedAt: exampleTime, SentAt: &exampleTime, DeliveredAt: &exampleTime}
	exampleWebhook = gateway.Webhook{ID: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", SessionID: exampleSession, URL: "https://your-domain.com/webhook",
		Events: []string{"message", "status", "qr"}, Headers: map[string]string{"Authorization": "Be••••"}, Active: true,
		CreatedAt: exampleTime, UpdatedAt: exampleTime}
	exampleAPIKey = gateway.APIKey{ID: "1b2c3d4e-5f60-4718-9a0b-c1d2e3f4a5b6", Name: "backend", Prefix: "wsa_1a2b3c4d",
		Scopes: []string{"send", "read"}, CreatedAt: exampleTime}
	examplePage = service.Pagination{Page: 1, Limit: 20, Total: 1, Pages: 1}
	exampleQR   = qrView{Code: "2@AbCdEf0123456789,XyZ9876543210,MTIzNDU2Nzg5MA==", QRImage: "data:image/png;base64,iVBORw0KGgo=", ExpiresAt: exampleTime}
	exampleWS   = instanceapi.Status{SessionID: exampleSession, Engine: "sandbox", State: gateway.SessionConnected, Phone: "15550001111",
		Connection: gateway.EngineStatus{Connected: true, LoggedIn: true, Paired: true, JID: "15550001111:1@s.whatsapp.net", LastActivity: exampleTime},
		StartedAt:  exampleTime}
)

func exampleOverview() service.Overview {
	var o service.Overview
	o.Sessions = service.SessionCounts{Total: 1, ByStatus: map[string]int{"connected": 1}}
	o.Instances.Running, o.Instances.Total = 1, 1
	o.Messages.Today = gateway.MessageCounts{Sent: 3, Delivered: 2, Read: 1, Received: 4, Total: 7}
	o.Messages.ThisMonth = gateway.MessageCounts{Sent: 30, Delivered: 25, Read: 20, Failed: 1, Received: 40, Total: 71}
	o.Messages.Total = o.Messages.ThisMonth
	o.Webhooks.Endpoints, o.Webhooks.EventsToday = 1, 12
	o.Plan, o.Usage = &examplePlan, exampleUsage
	return o
}

var pageParams = []param{
	{Name: "page", Type: "integer", Description: "Page number, from 1.", Example: 1},
	{Name: "limit", Type: "integer", Description: "Items per page, 1 to 100 (default 20).", Example: 20},
}

func withPage(ps ...param) []param { return append(append([]param{}, pageParams...), ps...) }

// operations lists every documented route.
func operations() []operation {
	parts := [][]operation{coreOperations(), webhookDeliveryOperations(), saasOperations(), accountOperations(),
		chatOperations(), contactOperations(), profileOperations(), callOperations(), channelOperations(), labelOperations()}
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	ops := make([]operation, 0, n)
	for _, p := range parts {
		ops = append(ops, p...)
	}
	return ops
}

// coreOperations are the operations listed here; other files add theirs in operations.
func coreOperations() []operation {
	checks := []checkResult{{Name: "database", Status: "up", LatencyMS: 1}, {Name: "cache", Status: "up"}}
	return []operation{
		// Service
		{Method: "GET", Path: "/", ID: "getServiceInfo", Tag: "Service", Public: true, Summary: "Service name, version, mode and services",
			Description: "Browsers asking for text/html are sent to the dashboard; JSON clients get this.",
			Data: rootData{Service: "whatsapp-gateway", Description: "Multi-tenant WhatsApp gateway API", Version: "1.0.0", Mode: "embedded",
				API: "/api/v1", Engines: []string{"sandbox"}, Services: []serviceState{{Name: "database", Status: "up"}}, Docs: "/docs"}},
		{Method: "GET", Path: "/health", ID: "getHealth", Down: true, Tag: "Service", Public: true, Summary: "Health of every dependency",
			Description: "503 when a critical dependency (the database) is down.",
			Data:        healthData{Status: "ok", Checks: checks, UptimeSeconds: 3600, Version: "1.0.0"}},
		{Method: "GET", Path: "/health/database", ID: "getHealthDatabase", Down: true, Tag: "Service", Public: true, Summary: "The database check alone",
			Data: healthDatabaseData{"ok", &checks[0]}},
		{Method: "GET", Path: "/health/live", ID: "getHealthLive", Tag: "Service", Public: true, Summary: "Liveness: the process serves requests",
			Data: statusData{Status: "ok"}},
		{Method: "GET", Path: "/health/ready", ID: "getHealthReady", Down: true, Tag: "Service", Public: true, Summary: "Readiness: start-up done and critical dependencies up",
			Data: statusData{Status: "ready"}},
		{Method: "GET", Path: "/openapi.json", ID: "getOpenAPI", Tag: "Service", Public: true, Summary: "This document (OpenAPI 3.1)",
			NoEnvelopeErrors: true, Content: map[string]mediaDoc{"application/json": {Schema: map[string]any{"type": "object"}}}},
		{Method: "GET", Path: "/docs", ID: "getDocs", Tag: "Service", Public: true, Summary: "This document rendered as a page",
			NoEnvelopeErrors: true, Content: map[string]mediaDoc{"text/html": {}}},
		{Method: "GET", Path: "/metrics", ID: "getMetrics", Tag: "Service", Public: true, Summary: "Prometheus metrics",
			Description:      "HTTP requests by route and code, sessions, instances and messages by state, webhook deliveries, Go runtime. No tenant, session or phone labels.",
			NoEnvelopeErrors: true, Content: map[string]mediaDoc{"text/plain": {Example: "wagw_sessions{state=\"connected\"} 3\n"}}},

		// Accounts
		{Method: "POST", Path: "/auth/register", API: true, ID: "register", Errors: []int{http.StatusConflict}, Tag: "Accounts", Public: true, Summary: "Create an account and log in",
			Description: "The password needs 8 characters or more, at most 72 bytes, and must not be one of the most common " +
				"passwords (12345678, password, qwerty123, …): otherwise 422 naming password.",
			Body:    registerRequest{},
			Example: registerRequest{Email: "user@example.com", Password: "a-long-password", Name: "Sara", Phone: "+966500000000"},
			Status:  201, Data: authResponse{User: &exampleUser, Token: "eyJhbGciOiJIUzI1NiIsImtpZCI6IjEifQ.e30.sig", ExpiresAt: exampleExpiry}},
		{Method: "POST", Path: "/auth/login", API: true, ID: "login", Errors: []int{http.StatusUnauthorized}, Tag: "Accounts", Public: true, Summary: "Log in with email and password",
			Description: "Wrong passwords lock the account for the client's address after LOGIN_MAX_ATTEMPTS (the owner elsewhere can " +
				"still log in), and the account itself only when they come from LOGIN_LOCKOUT_ADDRESSES addresses. A lock answers " +
				"429 rate_limited saying when it ends: in the message, in details.retry_after_seconds and in Retry-After.",
			Body:    loginRequest{},
			Example: loginRequest{Email: "demo@whatsapp-saas.com", Password: "demo123"},
			Data:    authResponse{User: &exampleUser, Token: "eyJhbGciOiJIUzI1NiIsImtpZCI6IjEifQ.e30.sig", ExpiresAt: exampleExpiry}},
		{Method: "GET", Path: "/auth/me", API: true, ID: "getMe", Bound: boundOpen, Tag: "Accounts", Summary: "The account with its plan and usage",
			Data: service.Profile{User: &exampleUser, Plan: &examplePlan, Usage: exampleUsage, Engines: []string{"sandbox", "whatsmeow"}, DefaultEngine: "whatsmeow"}},

		// Sessions
		{Method: "POST", Path: "/sessions", API: true, ID: "createSession", Tag: "Sessions", Scope: ScopeManage, Summary: "Create a session",
			Description: "Creates the session record; start it with POST /instances. A webhook_url creates a webhook for the session. " +
				"A proxy (http://, https:// or socks5://, with user:password@ when needed) is the session's own way to WhatsApp instead of the gateway's WHATSAPP_PROXY; " +
				"its password is never answered: the session shows proxy.url masked and proxy.source (session or default). " +
				"When the proxy cannot be reached the session's status_reason says \"Cannot reach the proxy …\".",
			Body: createSessionRequest{},
			Example: map[string]any{"session_name": "my-whatsapp-session", "webhook_url": "https://your-webhook-url.com/webhook",
				"settings": map[string]any{"auto_reply": false, "webhook_events": []string{"message", "status"}}},
			Status: 201, Data: sessionData{exampleSessionData}},
		{Method: "GET", Path: "/sessions", API: true, ID: "listSessions", Bound: boundHandler, Tag: "Sessions", Scope: service.ScopeRead, Summary: "List sessions",
			Query: pageParams, Data: sessionList{[]*gateway.Session{&exampleSessionData}, examplePage}},
		{Method: "GET", Path: "/sessions/{session_id}", API: true, ID: "getSession", Bound: boundPath, Tag: "Sessions", Scope: service.ScopeRead, Summary: "Get a session",
			Data: sessionData{exampleSessionData}},
		{Method: "PATCH", Path: "/sessions/{session_id}", API: true, ID: "updateSession", Bound: boundPath, Tag: "Sessions", Scope: ScopeManage, Summary: "Rename a session or change its settings",
			Description: "Fields left out stay as they are. A new proxy applies from the session's next connection (restart its instance); proxy \"\" goes back to the gateway's WHATSAPP_PROXY.",
			Body:        updateSessionRequest{}, Example: map[string]any{"session_name": "support-line"},
			Data: sessionData{exampleSessionData}},
		{Method: "DELETE", Path: "/sessions/{session_id}", API: true, ID: "deleteSession", Bound: boundPath, Tag: "Sessions", Scope: ScopeManage, Summary: "Delete a session",
			Description: "Stops its instance and logs the device out.",
			Data:        sessionDeleted{exampleSessionData, true}},
		{Method: "GET", Path: "/sessions/{session_id}/status", API: true, ID: "getSessionStatus", Errors: []int{http.StatusConflict}, Bound: boundPath, Tag: "Sessions", Scope: service.ScopeRead,
			Summary: "Live state from the session's worker",
			Description: "409 conflict when the session has no running instance. A warm gateway answers from memory: every change of " +
				"the worker's state, QR code or queue (filled or emptied) and of its instance drops the copy on every gateway through the bus; " +
				"queue_depth between those and connection.last_activity may be up to STATUS_CACHE_TTL old.",
			Data: workerStatusData{exampleWS}},
		{Method: "GET", Path: "/sessions/{session_id}/qr", API: true, ID: "getSessionQR", Errors: []int{http.StatusConflict}, Bound: boundPath, Tag: "Sessions", Scope: service.ScopeRead,
			Summary: "The current pairing QR code",
			Description: "JSON with the raw code and a PNG data URL; `image/png` with `Accept: image/png` or `?format=png`; a server-sent " +
				"event stream with `Accept: text/event-stream` or `?stream=true`, pushing `qr` events with each new code and a final `status` event " +
				"(it counts against the account's open event streams, EVENT_STREAMS_PER_TENANT; 429 beyond).",
			Query: []param{{Name: "format", Type: "string", Enum: []string{"png"}, Description: "png answers the image."},
				{Name: "stream", Type: "string", Enum: []string{"true"}, Description: "true answers an event stream."}},
			Data: qrData{exampleQR},
			Alt: map[string]mediaDoc{
				"image/png":         {Schema: map[string]any{"type": "string", "contentMediaType": "image/png"}},
				"text/event-stream": {Example: "event: qr\ndata: {\"code\":\"2@…\",\"qr_image\":\"data:image/png;base64,…\",\"expires_at\":\"…\"}\n\nevent: status\ndata: {\"state\":\"connected\",\"phone\":\"15550001111\"}\n\n"},
			}},
		{Method: "POST", Path: "/sessions/{session_id}/pair-code", API: true, ID: "requestPairCode", Errors: []int{http.StatusConflict}, Bound: boundPath, Tag: "Sessions", Scope: ScopeManage,
			Summary: "Pair by phone number instead of a QR code", Body: pairCodeRequest{}, Example: map[string]any{"phone_number": "+966500000000"},
			Data: pairCodeData{"ABCD-EFGH", "On the phone: WhatsApp > Linked devices > Link a device > Link with phone number instead, then type this code."}},
		{Method: "POST", Path: "/sessions/{session_id}/logout", API: true, ID: "logoutSession", Bound: boundPath, Tag: "Sessions", Scope: ScopeManage,
			Summary: "Log the device out", Data: sessionData{exampleSessionData}},
		{Method: "POST", Path: "/sessions/{session_id}/scan", API: true, ID: "scanSandboxSession", Errors: []int{http.StatusConflict}, Bound: boundPath, Tag: "Sessions", Scope: ScopeManage,
			Summary: "Sandbox only: complete pairing as a phone scanning the code would", Body: scanRequest{}, Example: map[string]any{"phone": "15550001111"},
			Description: "The body is optional. A number another account's session is paired to is refused (409 conflict); " +
				"with SANDBOX_ENABLED=false the sandbox is off and the scan is refused (403 feature_disabled).",
			Data: workerStatusData{exampleWS}},

		// Instances
		{Method: "POST", Path: "/instances", API: true, ID: "createInstance", Errors: []int{http.StatusNotFound, http.StatusConflict}, Bound: boundHandler, Tag: "Instances", Scope: ScopeManage, Summary: "Start a session's worker",
			Body: createInstanceRequest{}, Example: createInstanceRequest{SessionID: exampleSession}, Status: 201,
			Data: instanceData{exampleInstance}},
		{Method: "GET", Path: "/instances", API: true, ID: "listInstances", Bound: boundHandler, Tag: "Instances", Scope: service.ScopeRead, Summary: "List instances",
			Query: pageParams, Data: instanceList{[]*gateway.Instance{&exampleInstance}, examplePage}},
		{Method: "GET", Path: "/instances/{instance_id}", API: true, ID: "getInstance", Bound: boundPath, Tag: "Instances", Scope: service.ScopeRead, Summary: "Get an instance",
			Data: instanceData{exampleInstance}},
		{Method: "POST", Path: "/instances/{instance_id}/start", API: true, ID: "startInstance", Bound: boundPath, Tag: "Instances", Scope: ScopeManage, Summary: "Start a stopped instance again",
			Data: instanceData{exampleInstance}},
		{Method: "POST", Path: "/instances/{instance_id}/stop", API: true, ID: "stopInstance", Bound: boundPath, Tag: "Instances", Scope: ScopeManage, Summary: "Stop an instance",
			Data: instanceData{exampleInstance}},
		{Method: "POST", Path: "/instances/{instance_id}/restart", API: true, ID: "restartInstance", Bound: boundPath, Tag: "Instances", Scope: ScopeManage, Summary: "Restart an instance",
			Data: instanceData{exampleInstance}},

		// Messages
		{Method: "POST", Path: "/messages/send", API: true, ID: "sendMessage", Errors: []int{http.StatusNotFound, http.StatusConflict}, Bound: boundHandler, Tag: "Messages", Scope: service.ScopeSend, Summary: "Send a message",
			Description: "Queues the message and answers at once with status queued; follow it with GET /messages/{message_id}, the events " +
				"stream or a webhook. recipient takes 1234567890@c.us, a bare or +-prefixed number, …@s.whatsapp.net, …@g.us or …@lid. " +
				"message_type: text (default), image, video, audio, document, sticker (media or media_url), location, contact, reaction " +
				"(target, reaction), edit (target, message), revoke (target), poll (poll: question, 2-12 options, multiple_answers), " +
				"poll_vote (target: the poll, votes: the answers chosen; recipient: the poll's chat). Options: mentions and mention_all (text and captions), " +
				"view_once (image, video, audio), forward_of (send a stored message again, marked forwarded), link_preview (text: the card under the first link, " +
				"made by the gateway from the link's page when it sends unless link_preview is false, or the caller's own). " +
				"A sticker is made from any PNG, JPEG (turned upright as its EXIF orientation says), GIF or WebP: the gateway converts it " +
				"to a 512×512 WebP (fitted inside, aspect kept, transparent padding) once, before storing the message (by URL: when the " +
				"worker fetches it); a GIF of several frames becomes an animated WebP sticker (its frames, timing and loop count kept; at " +
				"most 120 frames and 67,108,864 pixels in all); an animated WebP is sent unchanged; at most 16 MiB and 4096×4096 pixels " +
				"(422 naming media past that). " +
				"A voice note (audio with media.voice true) must be Ogg/Opus; other audio, given as media.data or by URL (fetched by the " +
				"gateway through the SSRF guard, a 422 naming media.url when it cannot be), is converted with the operator's " +
				"AUDIO_CONVERTER command before the message is stored, and refused with a 422 saying to set it when it is not configured. " +
				"send_at schedules it: status scheduled until then (kept across restarts; DELETE /messages/{message_id} cancels it), " +
				"then it is queued and paced like any send; a scheduled message counts against the month it was accepted in. " +
				"Status posts (stories): recipient status@broadcast (or status), message_type text, image or video; status_style " +
				"(text: background_color, text_color, font) and status_audience (numbers who see it; left out, the account's " +
				"contacts; whatsmeow sessions post to the audience the phone's status privacy setting chooses and refuse " +
				"status_audience). It goes through the same queue and pacing; viewers' receipts move it to delivered and read. " +
				"Channels: recipient a channel JID (…@newsletter) the account administers; text, media, location, contact, edit, revoke. " +
				"Accepts Idempotency-Key.",
			Body: sendRequest{},
			Example: map[string]any{"session_id": exampleSession, "recipient": "1234567890@c.us",
				"message": "مرحباً من نظام WhatsApp SaaS!", "message_type": "text"},
			Status: 201, Data: sendResponse{func() *gateway.Message {
				m := exampleMessage
				m.Status, m.SentAt, m.DeliveredAt = gateway.MessageQueued, nil, nil
				return &m
			}()}},
		{Method: "GET", Path: "/messages", API: true, ID: "listMessages", Errors: []int{http.StatusNotFound}, Bound: boundHandler, Tag: "Messages", Scope: service.ScopeRead, Summary: "The message log",
			Query: withPage(
				param{Name: "session_id", Type: "string", Description: "Only this session's messages."},
				param{Name: "direction", Type: "string", Enum: []string{"inbound", "outbound"}},
				param{Name: "status", Type: "string", Enum: enums[reflect.TypeFor[gateway.MessageStatus]()]},
				param{Name: "recipient", Type: "string", Description: "Matches recipient, chat or sender."},
				param{Name: "message_type", Type: "string", Enum: enums[reflect.TypeFor[gateway.MessageType]()]},
				param{Name: "from", Type: "string", Description: "RFC 3339 time or date (YYYY-MM-DD): created at or after."},
				param{Name: "to", Type: "string", Description: "RFC 3339 time or date (YYYY-MM-DD): created before."},
			),
			Data: messageList{[]*gateway.Message{&exampleMessage}, examplePage}},
		{Method: "GET", Path: "/messages/{message_id}", API: true, ID: "getMessage", Bound: boundPath, Tag: "Messages", Scope: service.ScopeRead, Summary: "Get a message",
			Description: "With receipts: for a message sent to a group, each participant's receipts (receipt events announce each).",
			Data:        messageDetail{&exampleMessage, []gateway.MessageReceipt{exampleReceipt}}},
		{Method: "DELETE", Path: "/messages/{message_id}", API: true, ID: "cancelMessage", Errors: []int{http.StatusConflict}, Bound: boundPath, Tag: "Messages", Scope: service.ScopeSend,
			Summary: "Cancel a scheduled message",
			Description: "Cancels a message sent with send_at while it is still scheduled: it ends canceled and a message.status event " +
				"says so. 409 conflict once it left scheduled (queued to go out, sent, or canceled already).",
			Data: sendResponse{func() *gateway.Message {
				m := exampleMessage
				due := exampleTime.Add(24 * time.Hour)
				m.Status, m.SentAt, m.DeliveredAt, m.SendAt = gateway.MessageCanceled, nil, nil, &due
				return &m
			}()}},
		{Method: "GET", Path: "/messages/{message_id}/poll", API: true, ID: "getMessagePoll", Bound: boundPath, Tag: "Messages", Scope: service.ScopeRead,
			Summary: "A poll's current tally",
			Description: "For a sent or received poll: every voter's current vote (a later vote replaces an earlier one; an empty one " +
				"withdraws it) and each answer's count. Votes arrive encrypted and are decrypted with the poll's secret when they arrive; " +
				"each is also a poll.vote event. 404 when the message is not a poll.",
			Data: pollData{&examplePollTally}},
		{Method: "GET", Path: "/messages/{message_id}/media", API: true, ID: "getMessageMedia", Bound: boundPath, Tag: "Messages", Scope: service.ScopeRead,
			Summary: "Download a received message's media",
			Description: "The file as received (an attachment, with its media type). Received media is downloaded to MEDIA_STORAGE_PATH " +
				"shortly after the message arrives; 404 until then, or when the message has no media. The media of a history " +
				"message (history: true) is downloaded on this route's first request, which needs the session connected " +
				"(409 with details.state otherwise), then served from MEDIA_STORAGE_PATH; 404 when WhatsApp's servers no longer " +
				"keep it (the phone is asked to upload it again: try again later).",
			Errors:  []int{http.StatusConflict},
			Content: map[string]mediaDoc{"*/*": {Schema: map[string]any{"type": "string", "contentMediaType": "application/octet-stream"}}}},
		{Method: "POST", Path: "/messages/read", API: true, ID: "markMessagesRead", Errors: []int{http.StatusNotFound, http.StatusConflict}, Bound: boundHandler, Tag: "Messages", Scope: service.ScopeSend,
			Summary: "Mark received messages read",
			Description: "Sends read receipts (played for voice notes): give message_ids (received messages of the session), or chat with " +
				"wa_message_ids (and sender, in groups).",
			Body: readRequest{}, Example: map[string]any{"session_id": exampleSession, "message_ids": []string{exampleMessage.ID}},
			Data: markedData{1}},
		{Method: "POST", Path: "/contacts/check", API: true, ID: "checkContacts", Errors: []int{http.StatusNotFound, http.StatusConflict}, Bound: boundHandler, Tag: "Messages", Scope: service.ScopeSend,
			Summary:     "Which phone numbers are on WhatsApp",
			Description: "Asks WhatsApp through the session, at most 50 numbers at a time. Numbers in any format with their country code.",
			Body:        checkRequest{}, Example: map[string]any{"session_id": exampleSession, "phones": []string{"+1 555 000 1111", "15550002222"}},
			Data: checkData{[]gateway.NumberCheck{{Phone: "15550001111", JID: "15550001111@s.whatsapp.net", OnWA: true}, {Phone: "15550002222"}}}},
		{Method: "POST", Path: "/sessions/{session_id}/typing", API: true, ID: "setTyping", Errors: []int{http.StatusConflict}, Bound: boundPath, Tag: "Sessions", Scope: service.ScopeSend,
			Summary:     "Show or clear \"typing…\" in a chat",
			Description: "typing defaults to true; audio shows \"recording…\" instead.",
			Body:        typingRequest{}, Example: map[string]any{"chat": "1234567890@c.us", "typing": true},
			Data: typingData{"1234567890@c.us", true, false}},

		// Webhooks
		{Method: "POST", Path: "/webhooks", API: true, ID: "createWebhook", Errors: []int{http.StatusNotFound}, Bound: boundHandler, Tag: "Webhooks", Scope: ScopeManage, Summary: "Add a webhook endpoint",
			Description: "The signing secret is in this answer only. A URL whose host is (or resolves to) a private, loopback or " +
				"link-local address answers 422 on `url`, unless the gateway runs with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true " +
				"(local development); the same holds for PATCH and a session's `webhook_url`.",
			Body: createWebhookRequest{}, Example: map[string]any{"url": "https://your-domain.com/webhook", "events": []string{"message", "status", "qr"}, "session_id": exampleSession},
			Status: 201, Data: webhookData{Webhook: func() gateway.Webhook {
				w := exampleWebhook
				w.Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
				return w
			}()}},
		{Method: "GET", Path: "/webhooks", API: true, ID: "listWebhooks", Bound: boundHandler, Tag: "Webhooks", Scope: service.ScopeRead, Summary: "List webhook endpoints",
			Query: pageParams, Data: webhookList{[]*gateway.Webhook{&exampleWebhook}, examplePage}},
		{Method: "GET", Path: "/webhooks/{webhook_id}", API: true, ID: "getWebhook", Bound: boundPath, Tag: "Webhooks", Scope: service.ScopeRead, Summary: "Get a webhook endpoint",
			Data: webhookData{Webhook: exampleWebhook}},
		{Method: "DELETE", Path: "/webhooks/{webhook_id}", API: true, ID: "deleteWebhook", Bound: boundPath, Tag: "Webhooks", Scope: ScopeManage, Summary: "Delete a webhook endpoint",
			Data: deletedData{true, exampleWebhook.ID}},

		// API keys
		{Method: "POST", Path: "/api-keys", API: true, ID: "createAPIKey", Errors: []int{http.StatusNotFound}, Tag: "API keys", Scope: ScopeManage, Summary: "Create an API key",
			Description: "The key is in this answer only. scopes: * (everything), read, send; session_id binds the key to one session.",
			Body:        createAPIKeyRequest{}, Example: map[string]any{"name": "backend", "scopes": []string{"send", "read"}},
			Status: 201, Data: apiKeyData{func() gateway.APIKey {
				k := exampleAPIKey
				k.Key = "wsa_1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"
				return k
			}(), "Store this key now: it is shown only once."}},
		{Method: "GET", Path: "/api-keys", API: true, ID: "listAPIKeys", Bound: boundHandler, Tag: "API keys", Scope: service.ScopeRead, Summary: "List API keys",
			Query: pageParams, Data: apiKeyList{[]*gateway.APIKey{&exampleAPIKey}, examplePage}},
		{Method: "DELETE", Path: "/api-keys/{key_id}", API: true, ID: "revokeAPIKey", Bound: boundHandler, Tag: "API keys", Scope: ScopeManage, Summary: "Revoke an API key",
			Data: revokedData{true, exampleAPIKey.ID}},

		// Analytics
		{Method: "GET", Path: "/analytics/overview", API: true, ID: "getAnalyticsOverview", Tag: "Analytics", Scope: service.ScopeRead,
			Summary: "Usage and health of the account", Data: exampleOverview()},
	}
}
