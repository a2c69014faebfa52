package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
	"github.com/whatsapp-saas/gateway/internal/service"
)

// ScopeManage is the scope routes that change sessions, instances,
// webhooks and keys need: only full-access ("*") keys have it.
const ScopeManage = "manage"

type createSessionRequest struct {
	SessionName string                   `json:"session_name"`
	WebhookURL  string                   `json:"webhook_url"`
	Settings    *gateway.SessionSettings `json:"settings"`
	Engine      string                   `json:"engine"`
}

func (s *Server) handleSessionCreate(w http.ResponseWriter, r *http.Request) error {
	var req createSessionRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	sess, err := s.svc.CreateSession(r.Context(), who(r).User, service.CreateSessionInput{
		Name: req.SessionName, WebhookURL: req.WebhookURL, Settings: req.Settings, Engine: req.Engine,
	})
	if err != nil {
		return err
	}
	return ok(w, http.StatusCreated, map[string]any{"session": sess})
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
		return ok(w, http.StatusOK, listOne("sessions", sess))
	}
	list, err := s.svc.ListSessions(r.Context(), who(r).User.ID, p)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, listData("sessions", list.Items, list.Pagination))
}

func (s *Server) handleSessionGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	sess, err := s.svc.Session(r.Context(), who(r).User.ID, id)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"session": sess})
}

type updateSessionRequest struct {
	SessionName *string                  `json:"session_name"`
	WebhookURL  *string                  `json:"webhook_url"`
	Settings    *gateway.SessionSettings `json:"settings"`
}

func (s *Server) handleSessionUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	var req updateSessionRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	sess, err := s.svc.UpdateSession(r.Context(), who(r).User.ID, id, service.UpdateSessionInput{
		Name: req.SessionName, WebhookURL: req.WebhookURL, Settings: req.Settings,
	})
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"session": sess})
}

func (s *Server) handleSessionDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	sess, err := s.svc.DeleteSession(r.Context(), who(r).User.ID, id)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"session": sess, "deleted": true})
}

func (s *Server) handleSessionStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	st, err := s.svc.WorkerStatus(r.Context(), who(r).User.ID, id)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"status": st})
}

// qrView is the QR code as JSON: the raw string to render, and a PNG.
type qrView struct {
	Code      string    `json:"code"`
	QRImage   string    `json:"qr_image"` // data:image/png;base64,…
	ExpiresAt time.Time `json:"expires_at"`
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
	return ok(w, http.StatusOK, map[string]any{"qr": v})
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
			send("error", errorBody{Code: gateway.ErrorCode(err), Message: gateway.ErrorMessage(err)})
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
			send("status", map[string]any{"state": st.State, "reason": st.Reason, "phone": st.Phone})
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-deadline:
			send("status", map[string]any{"state": st.State, "reason": "stream ended after 5 minutes; ask again for new codes"})
			return nil
		case <-tick.C:
		}
	}
}

type pairCodeRequest struct {
	PhoneNumber string `json:"phone_number"`
	Phone       string `json:"phone"`
}

func (s *Server) handleSessionPairCode(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	var req pairCodeRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	phone := req.PhoneNumber
	if phone == "" {
		phone = req.Phone
	}
	code, err := s.svc.PairCode(r.Context(), who(r).User.ID, id, phone)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"code": code,
		"instructions": "On the phone: WhatsApp > Linked devices > Link a device > Link with phone number instead, then type this code."})
}

func (s *Server) handleSessionLogout(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	sess, err := s.svc.LogoutSession(r.Context(), who(r).User.ID, id)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"session": sess})
}

type scanRequest struct {
	Phone string `json:"phone"`
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
	return ok(w, http.StatusOK, map[string]any{"status": st})
}
