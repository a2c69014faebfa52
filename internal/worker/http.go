package worker

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
)

// maxBody caps instance API request bodies.
const maxBody = 1 << 20

// scanWait is how long /v1/scan waits for the session to connect before
// answering, so a client sees the outcome of its scan.
const scanWait = 2 * time.Second

// qrWait is how long /v1/qr waits for new codes after the old ones ran out.
const qrWait = 5 * time.Second

// Handler serves the instance API (routes in internal/instanceapi). Every
// route but /health requires the internal secret.
func (w *Worker) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+instanceapi.PathHealth, w.handleHealth)
	route := func(pattern string, h func(http.ResponseWriter, *http.Request) error) {
		mux.Handle(pattern, w.authenticated(h))
	}
	route("GET "+instanceapi.PathStatus, w.handleStatus)
	route("GET "+instanceapi.PathQR, w.handleQR)
	route("POST "+instanceapi.PathPairCode, w.handlePairCode)
	route("POST "+instanceapi.PathScan, w.handleScan)
	route("POST "+instanceapi.PathSend, w.handleSend)
	route("POST "+instanceapi.PathLogout, w.handleLogout)
	route("POST "+instanceapi.PathRead, w.handleRead)
	route("POST "+instanceapi.PathTyping, w.handleTyping)
	route("POST "+instanceapi.PathCheck, w.handleCheck)
	route("GET "+instanceapi.PathMedia, w.handleMedia)
	route("POST "+instanceapi.PathMediaFetch, w.handleMediaFetch)
	route("POST "+instanceapi.PathAccount, w.handleAccount)
	return mux
}

// authenticated checks the internal secret, then runs h and renders its error.
func (w *Worker) authenticated(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var want []byte
		if w.cfg.Secret != nil {
			s, err := w.cfg.Secret(r.Context())
			if err != nil {
				w.log.Error("read internal secret", "error", err)
				writeError(rw, gateway.Errorf(gateway.CodeUnavailable, "The internal secret is unavailable."))
				return
			}
			want = s
		}
		if !instanceapi.CheckSecret(r, want) {
			writeError(rw, gateway.Errorf(gateway.CodeUnauthorized, "The internal secret is missing or wrong."))
			return
		}
		// The gateway's request id, so one request can be followed from the
		// API's log line to the worker's.
		w.log.Debug("instance api", "method", r.Method, "path", r.URL.Path, "request_id", r.Header.Get(instanceapi.RequestIDHeader))
		if err := h(rw, r); err != nil {
			if gateway.ErrorCode(err) == gateway.CodeInternal {
				w.log.Error("instance api", "path", r.URL.Path, "request_id", r.Header.Get(instanceapi.RequestIDHeader), "error", err)
			}
			writeError(rw, err)
		}
	})
}

func (w *Worker) handleHealth(rw http.ResponseWriter, _ *http.Request) {
	w.mu.Lock()
	running := w.running
	w.mu.Unlock()
	if !running {
		writeError(rw, gateway.Errorf(gateway.CodeUnavailable, "The worker is not running."))
		return
	}
	writeJSON(rw, http.StatusOK, w.Status())
}

func (w *Worker) handleStatus(rw http.ResponseWriter, _ *http.Request) error {
	writeJSON(rw, http.StatusOK, w.Status())
	return nil
}

func (w *Worker) handleQR(rw http.ResponseWriter, r *http.Request) error {
	w.mu.Lock()
	state, reason, qr, eng, runCtx := w.state, w.reason, w.qr, w.engine, w.runCtx
	w.mu.Unlock()
	if qr == nil && state == gateway.SessionDisconnected && reason == reasonQRTimeout && eng != nil && runCtx != nil {
		// The codes ran out: asking again starts a new pairing attempt
		// rather than leaving a dead session.
		if err := eng.Connect(runCtx); err != nil && !gateway.IsCode(err, gateway.CodeConflict) {
			return err
		}
		w.waitFor(r.Context(), qrWait, func(s gateway.SessionStatus) bool { return s != gateway.SessionDisconnected })
		w.mu.Lock()
		state, reason, qr = w.state, w.reason, w.qr
		w.mu.Unlock()
	}
	if qr == nil || state != gateway.SessionQRPending {
		if reason != "" {
			return gateway.Errorf(gateway.CodeConflict, "The session is not waiting for a QR scan (state: %s; %s)", state, reason)
		}
		return gateway.Errorf(gateway.CodeConflict, "The session is not waiting for a QR scan (state: %s).", state)
	}
	writeJSON(rw, http.StatusOK, *qr)
	return nil
}

// runningEngine returns the engine, or CodeUnavailable while there is none.
func (w *Worker) runningEngine() (gateway.Engine, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.engine == nil || !w.running {
		return nil, gateway.Errorf(gateway.CodeUnavailable, "The session's worker is not running.")
	}
	if w.halted {
		return nil, gateway.Errorf(gateway.CodeConflict, "The session was replaced by another connection; restart it.")
	}
	return w.engine, nil
}

// connectedEngine returns the engine of a running, connected session:
// CodeUnavailable while there is none, NotConnected with the state otherwise.
func (w *Worker) connectedEngine() (gateway.Engine, error) {
	eng, err := w.runningEngine()
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	state := w.state
	w.mu.Unlock()
	if state != gateway.SessionConnected {
		return nil, gateway.NotConnected(state)
	}
	return eng, nil
}

// withEngine decodes the request's body, then runs do with the running
// engine and the request.
func withEngine[Req any](w *Worker, r *http.Request, do func(eng gateway.Engine, req Req) error) error {
	var req Req
	if err := decode(r, &req); err != nil {
		return err
	}
	eng, err := w.runningEngine()
	if err != nil {
		return err
	}
	return do(eng, req)
}

// connectedAs returns the connected engine as an E, the optional part of
// an engine an operation needs; CodeNotImplemented (missing) for an
// engine without it.
func connectedAs[E any](w *Worker, missing string) (E, error) {
	var none E
	eng, err := w.connectedEngine()
	if err != nil {
		return none, err
	}
	e, ok := eng.(E)
	if !ok {
		return none, gateway.Errorf(gateway.CodeNotImplemented, "%s", missing)
	}
	return e, nil
}

// ownMessage is one of this session's stored messages; CodeNotFound for
// another session's.
func (w *Worker) ownMessage(ctx context.Context, id string) (*gateway.Message, error) {
	m, err := w.cfg.Store.MessageByID(ctx, w.cfg.UserID, id)
	if err != nil {
		return nil, err
	}
	if m.SessionID != w.cfg.SessionID {
		return nil, gateway.NotFound("Message")
	}
	return m, nil
}

func (w *Worker) handlePairCode(rw http.ResponseWriter, r *http.Request) error {
	return withEngine(w, r, func(eng gateway.Engine, req instanceapi.PairCodeRequest) error {
		code, err := eng.PairPhone(r.Context(), req.Phone)
		return answerOK(rw, instanceapi.PairCodeResponse{Code: code}, err)
	})
}

func (w *Worker) handleScan(rw http.ResponseWriter, r *http.Request) error {
	return withEngine(w, r, func(eng gateway.Engine, req instanceapi.ScanRequest) error {
		sc, ok := eng.(gateway.Scanner)
		if !ok {
			return gateway.Errorf(gateway.CodeConflict, "Only sandbox sessions can be scanned through the API.")
		}
		if err := sc.Scan(r.Context(), req.Phone); err != nil {
			return err
		}
		w.waitFor(r.Context(), scanWait, func(s gateway.SessionStatus) bool { return s == gateway.SessionConnected })
		writeJSON(rw, http.StatusOK, w.Status())
		return nil
	})
}

func (w *Worker) handleSend(rw http.ResponseWriter, r *http.Request) error {
	var req instanceapi.SendRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.MessageID != "" {
		if _, err := w.ownMessage(r.Context(), req.MessageID); err != nil {
			return err
		}
	}
	w.log.Info("send requested", "message_id", req.MessageID, "request_id", r.Header.Get(instanceapi.RequestIDHeader))
	w.Nudge()
	writeJSON(rw, http.StatusAccepted, nil)
	return nil
}

func (w *Worker) handleLogout(rw http.ResponseWriter, r *http.Request) error {
	eng, err := w.runningEngine()
	if err != nil {
		return err
	}
	if err := eng.Logout(r.Context()); err != nil {
		return err
	}
	w.clearQR()
	// The device is gone from WhatsApp now: record it even if the caller hangs up.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
	defer cancel()
	err = w.setState(ctx, gateway.SessionState{
		Status: gateway.SessionLoggedOut, StatusReason: "Logged out through the API.", ClearDevice: true,
	}, true)
	return answerOK(rw, w.Status(), err)
}

func (w *Worker) handleRead(rw http.ResponseWriter, r *http.Request) error {
	return withEngine(w, r, func(eng gateway.Engine, req gateway.ReadReceipt) error {
		if err := eng.MarkRead(r.Context(), req); err != nil {
			return err
		}
		at := w.now()
		for _, id := range req.WAMessageIDs {
			_, err := w.cfg.Store.UpdateMessageStatus(r.Context(), gateway.MessageStatusUpdate{
				SessionID: w.cfg.SessionID, WAMessageID: id, Status: gateway.MessageRead, At: at,
			}, nil)
			if err != nil && !gateway.IsCode(err, gateway.CodeNotFound) {
				return err
			}
		}
		rw.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func (w *Worker) handleTyping(rw http.ResponseWriter, r *http.Request) error {
	return withEngine(w, r, func(eng gateway.Engine, req instanceapi.TypingRequest) error {
		return answerNoContent(rw, eng.SetTyping(r.Context(), req.Chat, req.Typing, req.Audio))
	})
}

func (w *Worker) handleCheck(rw http.ResponseWriter, r *http.Request) error {
	return withEngine(w, r, func(eng gateway.Engine, req instanceapi.CheckRequest) error {
		res, err := eng.CheckNumbers(r.Context(), req.Phones)
		return answerOK(rw, instanceapi.CheckResponse{Results: res}, err)
	})
}

// decode reads a JSON body with a size cap, refusing unknown fields; an
// empty body leaves v as it is.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return gateway.WrapError(err, gateway.CodeInvalid, "The request body is not valid JSON for this route.")
	}
	return nil
}

// answerOK answers 200 with res, unless err says the operation failed.
func answerOK(rw http.ResponseWriter, res any, err error) error {
	if err != nil {
		return err
	}
	writeJSON(rw, http.StatusOK, res)
	return nil
}

// answerNoContent answers 204, unless err says the operation failed.
func answerNoContent(rw http.ResponseWriter, err error) error {
	if err != nil {
		return err
	}
	rw.WriteHeader(http.StatusNoContent)
	return nil
}

func writeJSON(rw http.ResponseWriter, status int, data any) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	_ = json.NewEncoder(rw).Encode(instanceapi.Envelope{Success: true, Data: data})
}

func writeError(rw http.ResponseWriter, err error) {
	code := gateway.ErrorCode(err)
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(gateway.HTTPStatus(code))
	body := &instanceapi.ErrorBody{Code: code, Message: gateway.ErrorMessage(err)}
	var ge *gateway.Error
	if errors.As(err, &ge) {
		body.Details = ge.Details
	}
	_ = json.NewEncoder(rw).Encode(instanceapi.Envelope{Error: body})
}

// handleMedia serves a received media file from MediaDir: in a cluster the
// worker's node holds the files, and the gateway asks for them here. The
// path cannot leave MediaDir (os.OpenInRoot refuses .. and symlinks out).
func (w *Worker) handleMedia(rw http.ResponseWriter, r *http.Request) error {
	rel := r.URL.Query().Get("path")
	notFound := gateway.Errorf(gateway.CodeNotFound, "The media is not stored on this worker.")
	if w.cfg.MediaDir == "" || rel == "" {
		return notFound
	}
	f, err := os.OpenInRoot(w.cfg.MediaDir, filepath.FromSlash(rel))
	if err != nil {
		return notFound
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return notFound
	}
	rw.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(rw, r, "", st.ModTime(), f)
	return nil
}

// handleMediaFetch downloads the media of a history message of this
// session, which history sync referenced without downloading, into
// MediaDir, where handleMedia (and the gateway, on a shared disk) find it
// like received media. A file already there is not downloaded again.
// WhatsApp serves media only to a logged-in connection: the session must be
// connected.
func (w *Worker) handleMediaFetch(rw http.ResponseWriter, r *http.Request) error {
	var req instanceapi.MediaFetchRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	m, err := w.ownMessage(r.Context(), req.MessageID)
	if err != nil {
		return err
	}
	p, err := gateway.ParsePayload(m.Payload)
	if err != nil {
		return err
	}
	if w.cfg.MediaDir == "" || p.Media == nil || p.Media.Path == "" || len(m.MediaRef) == 0 {
		return gateway.Errorf(gateway.CodeNotFound, "The message has no media to download.")
	}
	// The directory is made on first use: a history file can be the first
	// media the session ever stores (the default DATA_DIR/media included).
	if err := os.MkdirAll(w.cfg.MediaDir, 0o700); err != nil {
		return gateway.WrapError(err, gateway.CodeUnavailable, "The media storage is unavailable.")
	}
	root, err := os.OpenRoot(w.cfg.MediaDir)
	if err != nil {
		return gateway.WrapError(err, gateway.CodeUnavailable, "The media storage is unavailable.")
	}
	defer root.Close()
	if st, err := root.Stat(filepath.FromSlash(p.Media.Path)); err == nil && st.Mode().IsRegular() {
		rw.WriteHeader(http.StatusNoContent)
		return nil
	}
	me, err := connectedAs[gateway.MediaEngine](w, "This session's engine cannot download history media.")
	if err != nil {
		return err
	}
	// The path was made by gateway.MediaPath (session/message.ext) and is
	// checked against MediaDir again by OpenRoot above.
	dest := filepath.Join(w.cfg.MediaDir, filepath.FromSlash(p.Media.Path))
	return answerNoContent(rw, me.FetchMedia(r.Context(), m.MediaRef, dest))
}
