package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Idempotency-Key handling. A POST with the header is run once per tenant
// and key: the first request claims the key in the database (so it holds
// across restarts and gateways), its 2xx answer is stored for
// IdempotencyTTL, and a retry with the same body by the same caller gets that
// answer again (with Idempotent-Replayed: true). A retry with another body,
// or by another credential of the tenant, is refused with 422. A duplicate
// that arrives while the first still runs waits for its answer. An answer
// other than 2xx is not kept: the key is released, so a retry after fixing
// the cause runs again.
//
// The check runs after the route's scope and session checks (guard), so a
// replay is never the way around them. Secrets are never kept: a route that
// answers one (a new API key, a webhook's signing secret) stores its answer
// without it (keepForReplay).
//
// A claim names its request and carries a lease its owner renews while the
// request runs. A claim still running past its lease lost its gateway (a
// crash, a kill): the next duplicate resolves it, to the answer rebuilt from
// what the request committed when the route can tell (a send: the message
// stored with the request's id), or by taking the claim over and running the
// request again when it committed nothing.

// IdempotencyTTL is how long a first answer is kept.
const IdempotencyTTL = 24 * time.Hour

// idempotencyWait bounds how long a duplicate waits for the first request.
const idempotencyWait = 15 * time.Second

// idempotencyLease is how long a claim's owner is taken to be alive without
// renewing; it renews every idempotencyRenew while its request runs.
const (
	idempotencyLease = 30 * time.Second
	idempotencyRenew = idempotencyLease / 3
)

func validIdempotencyKey(k string) bool {
	if k == "" || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// idempotencyFingerprint hashes what makes two requests the same: the
// caller (the tenant's own token, or one API key), method, path and body. A
// JSON body is canonicalised first (keys sorted, spaces dropped, numbers as
// written), so the same JSON in another layout is the same request.
func idempotencyFingerprint(r *http.Request, caller string, body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) == nil {
		if canon, err := json.Marshal(v); err == nil {
			body = canon
		}
	}
	h := sha256.New()
	h.Write([]byte(caller + "\n" + r.Method + " " + r.URL.Path + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// caller names the credential of a request for the fingerprint: every token
// of the user is the same caller (a client that logs in again may retry),
// each API key is its own.
func (p *principal) caller() string {
	if p.APIKey != nil {
		return "key:" + p.APIKey.ID
	}
	return "user"
}

// idempotent is the middleware of operation o; guard runs it after
// authentication, the scope and the session checks.
func (s *Server) idempotent(o operation, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		p := who(r)
		if key == "" || r.Method != http.MethodPost || p == nil {
			next.ServeHTTP(w, r)
			return
		}
		if !validIdempotencyKey(key) {
			writeError(w, r, s.log, gateway.Errorf(gateway.CodeInvalid, "The Idempotency-Key must be 1 to 255 visible ASCII characters."))
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, s.cfg.MaxBodyBytes))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				writeError(w, r, s.log, gateway.Errorf(gateway.CodeTooLarge, "The request body is larger than %d bytes.", s.cfg.MaxBodyBytes))
				return
			}
			writeError(w, r, s.log, gateway.WrapError(err, gateway.CodeInvalid, "The request body could not be read."))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		fp := idempotencyFingerprint(r, p.caller(), body)
		store := s.svc.Idempotency()
		ctx := r.Context()
		claim := func() *gateway.IdempotencyRecord {
			now := time.Now()
			return &gateway.IdempotencyRecord{UserID: p.User.ID, Key: key, Fingerprint: fp, RequestID: gateway.RequestID(ctx),
				CreatedAt: now, ExpiresAt: now.Add(IdempotencyTTL), LeaseUntil: now.Add(idempotencyLease)}
		}
		deadline := time.Now().Add(idempotencyWait)
		for {
			rec := claim()
			prev, claimed, err := store.BeginIdempotent(ctx, rec)
			if err != nil {
				writeError(w, r, s.log, err)
				return
			}
			if claimed {
				s.runIdempotent(w, r, next, rec)
				return
			}
			if prev.Fingerprint != fp {
				writeError(w, r, s.log, &gateway.Error{Code: gateway.CodeValidation,
					Message: "This Idempotency-Key was used with a different request or by another credential; use a new key for a new request.",
					Fields:  map[string]string{"Idempotency-Key": "Already used with another method, path, body or credential."}})
				return
			}
			// Wait for the first request's answer, resolving its claim if
			// its gateway died.
			for prev != nil && prev.Status == 0 {
				if time.Now().After(prev.LeaseUntil) {
					done, err := s.resolveAbandoned(w, r, next, o, prev, claim())
					if err != nil {
						writeError(w, r, s.log, err)
						return
					}
					if done {
						return
					}
				}
				if !time.Now().Before(deadline) {
					break
				}
				select {
				case <-ctx.Done():
					return
				case <-time.After(25 * time.Millisecond):
				}
				prev, err = store.IdempotentRecord(ctx, p.User.ID, key)
				if gateway.IsCode(err, gateway.CodeNotFound) {
					prev = nil // released: the first request failed, so this one runs
				} else if err != nil {
					writeError(w, r, s.log, err)
					return
				}
			}
			if prev == nil {
				continue
			}
			if prev.Status == 0 {
				writeError(w, r, s.log, gateway.Errorf(gateway.CodeConflict,
					"A request with this Idempotency-Key is still being processed; retry shortly."))
				return
			}
			replay(w, prev.Status, prev.Body)
			return
		}
	})
}

func replay(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Idempotent-Replayed", "true")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// resolveAbandoned settles a claim whose owner stopped renewing it: when
// the route can tell what the request committed and it did, that is the
// answer, stored and replayed; otherwise the claim is taken over and the
// request runs as the first. It reports whether it answered.
func (s *Server) resolveAbandoned(w http.ResponseWriter, r *http.Request, next http.Handler, o operation,
	prev, rec *gateway.IdempotencyRecord) (bool, error) {
	ctx, store := r.Context(), s.svc.Idempotency()
	status, data, found, err := s.committedAnswer(ctx, o, prev)
	if err != nil {
		return false, err
	}
	if found {
		body, err := json.Marshal(envelope{Success: true, Data: data})
		if err != nil {
			return false, err
		}
		if err := store.FinishIdempotent(ctx, prev.UserID, prev.Key, status, body); err != nil {
			return false, err
		}
		s.log.Info("idempotency claim of a lost request resolved to what it committed", "request_id", gateway.RequestID(ctx),
			"lost_request_id", prev.RequestID)
		replay(w, status, body)
		return true, nil
	}
	taken, err := store.TakeOverIdempotent(ctx, rec, prev.RequestID)
	if err != nil || !taken {
		return false, err
	}
	s.log.Info("idempotency claim of a lost request taken over", "request_id", gateway.RequestID(ctx), "lost_request_id", prev.RequestID)
	s.runIdempotent(w, r, next, rec)
	return true, nil
}

// committedAnswer rebuilds the answer of operation o's request rec, cut
// after it committed, from what it stored under its request id; found is
// false when it stored nothing or the operation cannot tell.
func (s *Server) committedAnswer(ctx context.Context, o operation, rec *gateway.IdempotencyRecord) (status int, data any, found bool, err error) {
	switch o.ID {
	case "sendMessage":
		msgs, err := s.svc.MessagesOfRequest(ctx, rec.UserID, rec.RequestID, rec.CreatedAt)
		if err != nil || len(msgs) == 0 {
			return 0, nil, false, err
		}
		return http.StatusCreated, sendResponse{Message: msgs[0]}, true, nil
	}
	return 0, nil, false, nil
}

// replayKey is the context key of the answer to keep instead of the one sent.
type replayKey struct{}

// keepForReplay answers data, and has the idempotency store keep replayData
// instead: the same answer without its secrets, which are shown once and
// never stored in clear.
func keepForReplay(w http.ResponseWriter, r *http.Request, status int, data, replayData any) error {
	if keep, _ := r.Context().Value(replayKey{}).(*[]byte); keep != nil {
		b, err := json.Marshal(envelope{Success: true, Data: replayData})
		if err != nil {
			return err
		}
		*keep = b
	}
	return ok(w, status, data)
}

// runIdempotent runs the first request, renewing its claim's lease while it
// runs, and keeps its 2xx answer; any other outcome (an error answer, a
// panic) releases the key.
func (s *Server) runIdempotent(w http.ResponseWriter, r *http.Request, next http.Handler, claim *gateway.IdempotencyRecord) {
	rec := &bodyRecorder{statusRecorder: statusRecorder{ResponseWriter: w}}
	store := s.svc.Idempotency()
	userID, key := claim.UserID, claim.Key
	done := false
	stop := make(chan struct{})
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(idempotencyRenew)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
				if err := store.RenewIdempotent(ctx, userID, key, claim.RequestID, time.Now().Add(idempotencyLease)); err != nil {
					s.log.Warn("renew idempotency claim", "err", err)
				}
				cancel()
			}
		}
	}()
	defer func() {
		close(stop)
		<-renewed
		if done {
			return
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
		defer cancel()
		if err := store.ReleaseIdempotent(ctx, userID, key); err != nil {
			s.log.Warn("release idempotency key", "err", err)
		}
	}()
	var keep []byte
	next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), replayKey{}, &keep)))
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	if status < 200 || status > 299 {
		return
	}
	body := rec.body.Bytes()
	if keep != nil {
		body = keep
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	if err := store.FinishIdempotent(ctx, userID, key, status, body); err != nil {
		s.log.Error("store idempotent answer", "err", err)
		return
	}
	done = true
}

// bodyRecorder passes an answer through, recording its status as the
// access log's recorder does, and keeps a copy of its body.
type bodyRecorder struct {
	statusRecorder
	body bytes.Buffer
}

func (b *bodyRecorder) Write(p []byte) (int, error) {
	b.body.Write(p)
	return b.statusRecorder.Write(p)
}
