package service

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
)

// CreateSessionInput is the seed's session body, plus the engine.
type CreateSessionInput struct {
	Name       string
	WebhookURL string
	Settings   *gateway.SessionSettings
	Engine     string
	// Proxy is the session's own proxy URL ("": WHATSAPP_PROXY).
	Proxy string
}

// checkProxy validates a session's proxy URL into fields; "" is none.
func checkProxy(raw string, fields map[string]string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	if msg := gateway.CheckProxyURL(raw); msg != "" {
		fields["proxy"] = msg
	}
	return raw
}

// present fills what a session shows but does not store: the proxy it
// uses, masked, and where that comes from.
func (s *Service) present(sess *gateway.Session) *gateway.Session {
	if sess != nil {
		sess.Proxy = gateway.ProxyOf(sess, s.cfg.DefaultProxy)
	}
	return sess
}

// defaultWebhookEvents are the events of a session's webhook_url when its
// settings name none: what the seed's example subscribes to.
var defaultWebhookEvents = []string{gateway.EventMessage, gateway.EventGroupStatus}

func validateSettings(st *gateway.SessionSettings, fields map[string]string) {
	for _, e := range st.WebhookEvents {
		if !gateway.ValidSubscription(e) {
			fields["settings.webhook_events"] = "Unknown event " + quote(e) + "; use " + strings.Join(gateway.SubscriptionNames, ", ") + "."
		}
	}
	if utf8.RuneCountInString(st.AutoReplyMessage) > 4096 {
		fields["settings.auto_reply_message"] = "The auto-reply message must be at most 4096 characters."
	}
	st.AutoRejectMessage = strings.TrimSpace(st.AutoRejectMessage)
	if utf8.RuneCountInString(st.AutoRejectMessage) > 4096 {
		fields["settings.auto_reject_message"] = "The auto-reject message must be at most 4096 characters."
	}
}

func validateSessionName(name string, fields map[string]string) string {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		fields["session_name"] = "Give a session name of 1 to 100 characters."
	}
	return name
}

// CreateSession creates a session; with a webhook_url it also creates a
// webhook bound to the session for settings.webhook_events, counted against
// the plan's webhook quota like any other (CodeQuotaExceeded, and no
// session, when it is used up).
func (s *Service) CreateSession(ctx context.Context, u *gateway.User, in CreateSessionInput) (*gateway.Session, error) {
	fields := map[string]string{}
	name := validateSessionName(in.Name, fields)
	settings := gateway.SessionSettings{}
	if in.Settings != nil {
		settings = *in.Settings
	}
	if settings.WebhookEvents == nil {
		settings.WebhookEvents = slices.Clone(defaultWebhookEvents)
	}
	validateSettings(&settings, fields)
	proxy := checkProxy(in.Proxy, fields)
	engine := strings.TrimSpace(in.Engine)
	if engine == "" {
		engine = s.cfg.DefaultEngine
	}
	switch {
	case engine == gateway.EngineSandbox && !s.sandboxEnabled():
		fields["engine"] = sandboxDisabled
	case !slices.Contains(s.cfg.Engines, engine):
		fields["engine"] = "The engine " + quote(engine) + " is not available here; use one of " + strings.Join(s.cfg.Engines, ", ") + "."
	}
	if in.WebhookURL != "" {
		if msg := s.checkWebhookURLAt(ctx, in.WebhookURL); msg != "" {
			fields["webhook_url"] = msg
		}
	}
	if len(fields) > 0 {
		return nil, gateway.ValidationError(fields)
	}
	plan, err := s.PlanOf(ctx, u)
	if err != nil {
		return nil, err
	}
	if len(plan.Features.Engines) > 0 && !slices.Contains(plan.Features.Engines, engine) {
		return nil, gateway.Errorf(gateway.CodeForbidden, "Your %s plan does not include the %s engine.", plan.Name, engine)
	}
	n, err := s.sessions.CountSessions(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if err := quota(plan, "sessions", plan.Limits.Sessions, n); err != nil {
		return nil, err
	}
	withWebhook := in.WebhookURL != "" && s.cfg.EnableWebhooks
	if withWebhook {
		// Refused before the session exists, so a refusal leaves nothing.
		if _, err := s.webhookQuota(ctx, u); err != nil {
			return nil, err
		}
	}
	now := s.now()
	sess := &gateway.Session{
		ID: uuid.NewString(), UserID: u.ID, Name: name, Engine: engine, Status: gateway.SessionCreated,
		WebhookURL: in.WebhookURL, Settings: settings, ProxyURL: proxy, CreatedAt: now, UpdatedAt: now,
	}
	ev := gateway.NewEvent(u.ID, sess.ID, gateway.EventSessionStatus, gateway.SessionStatusData{SessionID: sess.ID, Status: sess.Status})
	if err := s.sessions.CreateSessionWithin(ctx, sess, plan.Limits.Sessions, ev); err != nil {
		return nil, capped(err, plan, "sessions", plan.Limits.Sessions)
	}
	if withWebhook {
		if _, err := s.createWebhook(ctx, u, CreateWebhookInput{URL: in.WebhookURL, Events: settings.WebhookEvents, SessionID: sess.ID}); err != nil {
			// The quota filled up since the check (a concurrent create):
			// the session goes too, so the answer is all or nothing.
			ev := gateway.NewEvent(u.ID, sess.ID, gateway.EventSessionStatus, gateway.SessionStatusData{SessionID: sess.ID,
				Status: gateway.SessionStopped, Reason: "session webhook refused"})
			if derr := s.sessions.DeleteSession(ctx, u.ID, sess.ID, ev); derr != nil {
				s.log.Error("remove session after its webhook was refused", "session_id", sess.ID, "err", derr)
			}
			return nil, err
		}
	}
	s.log.Info("session created", "user_id", u.ID, "session_id", sess.ID, "engine", engine)
	return s.present(sess), nil
}

// ListSessions lists the caller's sessions.
func (s *Service) ListSessions(ctx context.Context, userID string, p gateway.Page) (List[*gateway.Session], error) {
	p = p.Normalize()
	items, total, err := s.sessions.ListSessions(ctx, userID, p)
	if err != nil {
		return List[*gateway.Session]{}, err
	}
	for _, sess := range items {
		s.present(sess)
	}
	return newList(items, total, p), nil
}

// sessionFilter refuses a session a request is narrowed to (a key's, a
// webhook's, a filter's) unless it is one of the caller's; "" names none.
func (s *Service) sessionFilter(ctx context.Context, userID, id string) error {
	if id == "" {
		return nil
	}
	_, err := s.Session(ctx, userID, id)
	return err
}

// Session returns one of the caller's sessions.
func (s *Service) Session(ctx context.Context, userID, id string) (*gateway.Session, error) {
	sess, err := s.sessions.SessionByID(ctx, userID, id)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, gateway.NotFound("Session")
	}
	return s.present(sess), err
}

// UpdateSessionInput changes a session; nil fields stay as they are.
type UpdateSessionInput struct {
	Name       *string
	WebhookURL *string
	Settings   *gateway.SessionSettings
	// Proxy replaces the session's own proxy; "" removes it (back to
	// WHATSAPP_PROXY). It applies from the session's next connection.
	Proxy *string
}

// UpdateSession changes name, webhook URL, settings or proxy.
func (s *Service) UpdateSession(ctx context.Context, userID, id string, in UpdateSessionInput) (*gateway.Session, error) {
	sess, err := s.Session(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if in.Name != nil {
		sess.Name = validateSessionName(*in.Name, fields)
	}
	if in.WebhookURL != nil {
		if *in.WebhookURL != "" {
			if msg := s.checkWebhookURLAt(ctx, *in.WebhookURL); msg != "" {
				fields["webhook_url"] = msg
			}
		}
		sess.WebhookURL = *in.WebhookURL
	}
	if in.Settings != nil {
		st := *in.Settings
		if st.WebhookEvents == nil {
			st.WebhookEvents = sess.Settings.WebhookEvents
		}
		validateSettings(&st, fields)
		sess.Settings = st
	}
	if in.Proxy != nil {
		sess.ProxyURL = checkProxy(*in.Proxy, fields)
	}
	if len(fields) > 0 {
		return nil, gateway.ValidationError(fields)
	}
	sess.UpdatedAt = s.now()
	if err := s.sessions.UpdateSession(ctx, sess); err != nil {
		return nil, err
	}
	s.sessionChanged(id)
	return s.present(sess), nil
}

// DeleteSession logs the device out (when a worker runs), stops the
// session's instance and deletes the session with its messages.
func (s *Service) DeleteSession(ctx context.Context, userID, id string) (*gateway.Session, error) {
	sess, err := s.Session(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	if inst, err := s.instances.LiveInstance(ctx, userID, id); err == nil {
		if ep, err := s.registry.Endpoint(ctx, id); err == nil {
			if _, err := s.workers.Logout(ctx, ep); err != nil {
				s.log.Warn("log out before delete", "session_id", id, "err", err)
			}
		}
		if _, err := s.stopInstance(ctx, inst); err != nil {
			return nil, err
		}
	} else if !gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, err
	}
	// The instances go with the session: their cached views must too.
	gone, err := s.instanceIDs(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	sess.Status = gateway.SessionStopped
	ev := gateway.NewEvent(userID, id, gateway.EventSessionStatus, gateway.SessionStatusData{SessionID: id, Status: gateway.SessionStopped, Reason: "session deleted"})
	if err := s.sessions.DeleteSession(ctx, userID, id, ev); err != nil {
		return nil, err
	}
	s.sessionChanged(id)
	if s.changes != nil {
		for _, i := range gone {
			s.changes.InstanceChanged(i)
		}
	}
	s.log.Info("session deleted", "user_id", userID, "session_id", id)
	return sess, nil
}

// instanceIDs lists the ids of every instance of a session, live or not.
func (s *Service) instanceIDs(ctx context.Context, userID, sessionID string) ([]string, error) {
	var ids []string
	for p := (gateway.Page{Page: 1, Limit: gateway.MaxPageLimit}); ; p.Page++ {
		items, total, err := s.instances.ListInstances(ctx, userID, sessionID, p)
		if err != nil {
			return nil, err
		}
		for _, i := range items {
			ids = append(ids, i.ID)
		}
		if len(items) == 0 || len(ids) >= total {
			return ids, nil
		}
	}
}

// endpoint finds the worker of one of the caller's sessions.
func (s *Service) endpoint(ctx context.Context, userID, sessionID string) (*gateway.Session, gateway.Endpoint, error) {
	sess, err := s.Session(ctx, userID, sessionID)
	if err != nil {
		return nil, gateway.Endpoint{}, err
	}
	if _, err := s.instances.LiveInstance(ctx, userID, sessionID); gateway.IsCode(err, gateway.CodeNotFound) {
		return sess, gateway.Endpoint{}, gateway.Errorf(gateway.CodeConflict,
			"The session has no running instance; start one with POST /api/v1/instances.")
	} else if err != nil {
		return sess, gateway.Endpoint{}, err
	}
	ep, err := s.registry.Endpoint(ctx, sessionID)
	if err != nil {
		return sess, gateway.Endpoint{}, err
	}
	return sess, ep, nil
}

// SessionQR returns the current pairing code from the session's worker.
func (s *Service) SessionQR(ctx context.Context, userID, id string) (*instanceapi.QR, error) {
	_, ep, err := s.endpoint(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	return s.workers.QR(ctx, ep)
}

// PairCode asks the session's worker for a phone pairing code.
func (s *Service) PairCode(ctx context.Context, userID, id, phone string) (string, error) {
	p, err := gateway.NormalizePhone(phone)
	if err != nil {
		return "", gateway.ValidationError(map[string]string{"phone_number": gateway.ErrorMessage(err)})
	}
	sess, ep, err := s.endpoint(ctx, userID, id)
	if err != nil {
		return "", err
	}
	if sess.Engine == gateway.EngineSandbox {
		// A sandbox device pairs as the number it is given: the same claim as a scan.
		if err := s.checkSandboxPhone(ctx, userID, p); err != nil {
			return "", err
		}
	}
	return s.workers.PairCode(ctx, ep, p)
}

// sandboxDisabled is the answer to a sandbox request when the operator turned the engine off.
const sandboxDisabled = "The sandbox engine is turned off on this server (SANDBOX_ENABLED=false)."

// sandboxEnabled reports whether this server runs sandbox sessions.
func (s *Service) sandboxEnabled() bool { return slices.Contains(s.cfg.Engines, gateway.EngineSandbox) }

// checkSandboxPhone refuses a sandbox pairing as a number another tenant's
// session is paired to: the sandbox would otherwise let a tenant pose as
// any number. CodeConflict, without saying whose it is.
func (s *Service) checkSandboxPhone(ctx context.Context, userID, phone string) error {
	held, err := s.sessions.PhoneHeldByOthers(ctx, userID, phone)
	if err != nil {
		return err
	}
	if held {
		return gateway.Errorf(gateway.CodeConflict,
			"The number %s is paired to a session of another account; pair the sandbox session as another number.", phone)
	}
	return nil
}

// ScanSandbox completes a sandbox session's pairing, as a phone scanning the
// code would. CodeFeatureDisabled when the sandbox is turned off,
// CodeConflict when phone is another tenant's session's number.
func (s *Service) ScanSandbox(ctx context.Context, userID, id, phone string) (*instanceapi.Status, error) {
	if !s.sandboxEnabled() {
		return nil, gateway.Errorf(gateway.CodeFeatureDisabled, sandboxDisabled)
	}
	if phone != "" {
		p, err := gateway.NormalizePhone(phone)
		if err != nil {
			return nil, gateway.ValidationError(map[string]string{"phone": gateway.ErrorMessage(err)})
		}
		phone = p
	}
	sess, ep, err := s.endpoint(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	if sess.Engine != gateway.EngineSandbox {
		return nil, gateway.Errorf(gateway.CodeConflict, "Only sandbox sessions can be scanned through the API.")
	}
	if phone != "" {
		if err := s.checkSandboxPhone(ctx, userID, phone); err != nil {
			return nil, err
		}
	}
	st, err := s.workers.Scan(ctx, ep, phone)
	if err == nil {
		s.sessionChanged(id)
	}
	return st, err
}

// LogoutSession logs the session's device out of WhatsApp; pairing again is needed after.
func (s *Service) LogoutSession(ctx context.Context, userID, id string) (*gateway.Session, error) {
	_, ep, err := s.endpoint(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.workers.Logout(ctx, ep); err != nil {
		return nil, err
	}
	// The worker's own notice may come later, from another process.
	s.sessionChanged(id)
	return s.Session(ctx, userID, id)
}

// WorkerStatus returns the live view of the session's worker.
func (s *Service) WorkerStatus(ctx context.Context, userID, id string) (*instanceapi.Status, error) {
	_, ep, err := s.endpoint(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	return s.workers.Status(ctx, ep)
}

func quote(s string) string {
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return "\"" + s + "\""
}
