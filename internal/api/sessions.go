package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
	"github.com/whatsapp-saas/gateway/internal/locale"
	"github.com/whatsapp-saas/gateway/internal/service"
)

// ScopeManage is the scope routes that change sessions, instances,
// webhooks and keys need: only full-access ("*") keys have it.
const ScopeManage = "manage"

type createSessionRequest struct {
	SessionName string                   `json:"session_name" desc:"A name, unique in the account."`
	WebhookURL  string                   `json:"webhook_url" desc:"Creates a webhook for this session at this address."`
	Settings    *gateway.SessionSettings `json:"settings" desc:"The session's settings."`
	Engine      string                   `json:"engine" desc:"sandbox or whatsmeow (default: the gateway's WHATSAPP_ENGINE)."`
	Proxy       string                   `json:"proxy" desc:"The session's own proxy to WhatsApp: an http://, https:// or socks5:// URL, with user:password@ when it needs them (stored as a secret, answered masked). Absent: the gateway's WHATSAPP_PROXY."`
}

func (s *Server) handleSessionCreate(w http.ResponseWriter, r *http.Request) error {
	var req createSessionRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	sess, err := s.svc.CreateSession(r.Context(), who(r).User, service.CreateSessionInput{
		Name: req.SessionName, WebhookURL: req.WebhookURL, Settings: req.Settings, Engine: req.Engine, Proxy: req.Proxy,
	})
	if err != nil {
		return err
	}
	return ok(w, http.StatusCreated, sessionData{*localSession(langOf(r), sess)})
}

func (s *Server) handleSessionList(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	if sid := boundSession(r); sid != "" {
		// A session-bound key's account has one session: its own.
		sess, err := s.svc.Session(r.Context(), who(r).User.ID, sid)
		if err != nil {
			return err
		}
		return ok(w, http.StatusOK, sessionList{[]*gateway.Session{localSession(langOf(r), sess)}, onePage})
	}
	list, err := s.svc.ListSessions(r.Context(), who(r).User.ID, p)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, sessionList{localSessions(langOf(r), list.Items), list.Pagination})
}

// oneSession answers a session, its state's reason in the caller's language.
func oneSession(r *http.Request, sess *gateway.Session) any {
	return sessionData{*localSession(langOf(r), sess)}
}

func sessionGone(r *http.Request, sess *gateway.Session) any {
	return sessionDeleted{*localSession(langOf(r), sess), true}
}

// statusView is a worker's report, its reason in lang.
func statusView(lang string, st *instanceapi.Status) any {
	local := *st
	local.Reason = locale.TranslateReason(lang, st.Reason)
	return workerStatusData{local}
}

type updateSessionRequest struct {
	SessionName *string                  `json:"session_name" desc:"A new name."`
	WebhookURL  *string                  `json:"webhook_url" desc:"A new address for the session's webhook."`
	Settings    *gateway.SessionSettings `json:"settings" desc:"New settings."`
	Proxy       *string                  `json:"proxy" desc:"A new proxy URL for the session (http://, https:// or socks5://, credentials allowed); \"\" removes it, back to the gateway's WHATSAPP_PROXY. It applies from the session's next connection (restart its instance)."`
}

func (s *Server) updateSession(ctx context.Context, userID, id string, req updateSessionRequest) (*gateway.Session, error) {
	return s.svc.UpdateSession(ctx, userID, id, service.UpdateSessionInput{
		Name: req.SessionName, WebhookURL: req.WebhookURL, Settings: req.Settings, Proxy: req.Proxy,
	})
}

// qrView is the QR code as JSON: the raw string to render, and a PNG.
type qrView struct {
	Code      string    `json:"code" desc:"The raw pairing code, to render as a QR code."`
	QRImage   string    `json:"qr_image" desc:"The code as a PNG, a data: URL."` // data:image/png;base64,…
	ExpiresAt time.Time `json:"expires_at" desc:"When WhatsApp replaces the code."`
}

func qrPNG(code string) ([]byte, error) {
	png, err := qrcode.Encode(code, qrcode.Medium, 320)
	if err != nil {
		return nil, gateway.WrapError(err, gateway.CodeInternal, "The QR image could not be drawn.")
	}
	return png, nil
}

func newQRView(qr *instanceapi.QR) (*qrView, error) {
	png, err := qrPNG(qr.Code)
	if err != nil {
		return nil, err
	}
	return &qrView{Code: qr.Code, QRImage: "data:image/png;base64," + base64.StdEncoding.EncodeToString(png), ExpiresAt: qr.ExpiresAt}, nil
}

// handleSessionQR answers the current pairing code as JSON, as image/png
// (Accept: image/png or ?format=png), or as a server-sent event stream
// (Accept: text/event-stream or ?stream=true) pushing each new code and the
// outcome.
func (s *Server) handleSessionQR(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	q, err := query(r)
	if err != nil {
		return err
	}
	accept := r.Header.Get("Accept")
	if strings.Contains(accept, "text/event-stream") || q.Get("stream") == "true" {
		return s.streamQR(w, r, id)
	}
	qr, err := s.svc.SessionQR(r.Context(), who(r).User.ID, id)
	if err != nil {
		return err
	}
	if strings.Contains(accept, "image/png") || q.Get("format") == "png" {
		png, err := qrPNG(qr.Code)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(png)
		return nil
	}
	v, err := newQRView(qr)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, qrData{*v})
}

// streamQR pushes "qr" events with each new code and a final "status"
// event once the session leaves pairing (connected, failed, …), for at most
// five minutes.
func (s *Server) streamQR(w http.ResponseWriter, r *http.Request, id string) error {
	userID := who(r).User.ID
	release, err := s.streamSlots.take(userID)
	if err != nil {
		return err
	}
	defer release()
	// Fail before the stream starts, with a proper envelope, when there is no worker.
	if _, err := s.svc.WorkerStatus(r.Context(), userID, id); err != nil {
		return err
	}
	flusher, canFlush := w.(http.Flusher)
	if !canFlush {
		return gateway.Errorf(gateway.CodeInternal, "Streaming is not supported here.")
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(event string, data any) {
		b, _ := json.Marshal(data)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
		flusher.Flush()
	}
	ctx := r.Context()
	deadline := time.After(5 * time.Minute)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	last := ""
	for {
		st, err := s.svc.WorkerStatus(ctx, userID, id)
		if err != nil {
			send("error", localError(r, err))
			return nil
		}
		if st.QR != nil && st.QR.Code != last {
			last = st.QR.Code
			if v, err := newQRView(st.QR); err == nil {
				send("qr", v)
			}
		}
		switch st.State {
		// A worker that answers is running: "" (placed, engine not built yet)
		// and "stopped" (the stored state it loaded, just after a start) are
		// on the way to a QR code, not an outcome.
		case "", gateway.SessionStopped, gateway.SessionQRPending, gateway.SessionStarting, gateway.SessionCreated:
		default:
			send("status", map[string]any{"state": st.State, "reason": locale.TranslateReason(langOf(r), st.Reason), "phone": st.Phone})
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-deadline:
			send("status", map[string]any{"state": st.State, "reason": locale.TranslateReason(langOf(r), "stream ended after 5 minutes; ask again for new codes")})
			return nil
		case <-tick.C:
		}
	}
}

type pairCodeRequest struct {
	PhoneNumber string `json:"phone_number" desc:"The phone's number, with its country code."`
	Phone       string `json:"phone" desc:"Same as phone_number (older name)."`
}

func (s *Server) pairCode(ctx context.Context, userID, id string, req pairCodeRequest) (pairCodeData, error) {
	phone := req.PhoneNumber
	if phone == "" {
		phone = req.Phone
	}
	code, err := s.svc.PairCode(ctx, userID, id, phone)
	if err != nil {
		return pairCodeData{}, err
	}
	return pairCodeData{Code: code,
		Instructions: "On the phone: WhatsApp > Linked devices > Link a device > Link with phone number instead, then type this code."}, nil
}

type scanRequest struct {
	Phone string `json:"phone" desc:"The number the simulated phone pairs as (default: one the sandbox makes up)."`
}

// handleSessionScan completes a sandbox pairing, as a phone scanning the
// code would. The body is optional.
func (s *Server) handleSessionScan(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	var req scanRequest
	if r.ContentLength != 0 {
		if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil && !strings.Contains(gateway.ErrorMessage(err), "empty") {
			return err
		}
	}
	st, err := s.svc.ScanSandbox(r.Context(), who(r).User.ID, id, req.Phone)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, statusView(langOf(r), st))
}

// sessionData is the answer of the routes that act on one session.
type sessionData struct {
	Session gateway.Session `json:"session" desc:"The session."`
}

type sessionList struct {
	Sessions   []*gateway.Session `json:"sessions" desc:"This page of sessions."`
	Pagination service.Pagination `json:"pagination" desc:"Where this page sits in the whole list."`
}

type sessionDeleted struct {
	Session gateway.Session `json:"session" desc:"The session as it was."`
	Deleted bool            `json:"deleted" desc:"Always true."`
}

// workerStatusData is the live state the session's worker reports.
type workerStatusData struct {
	Status instanceapi.Status `json:"status" desc:"The worker's report."`
}

type qrData struct {
	QR qrView `json:"qr" desc:"The current code."`
}

type pairCodeData struct {
	Code         string `json:"code" desc:"The 8-character code to type on the phone."`
	Instructions string `json:"instructions" desc:"Where to type it."`
}
