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
// IdempotencyTTL, and a retry with the same body gets that answer again
// (with Idempotent-Replayed: true). A retry with another body is refused
// with 422. A duplicate that arrives while the first still runs waits for
// its answer. An answer other than 2xx is not kept: the key is released,
// so a retry after fixing the cause runs again.

// IdempotencyTTL is how long a first answer is kept.
const IdempotencyTTL = 24 * time.Hour

// idempotencyWait bounds how long a duplicate waits for the first request.
const idempotencyWait = 15 * time.Second

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

// idempotencyFingerprint hashes what makes two requests the same: method,
// path and body. A JSON body is canonicalised first (keys sorted, spaces
// dropped, numbers as written), so the same JSON in another layout is the
// same request.
func idempotencyFingerprint(r *http.Request, body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) == nil {
		if canon, err := json.Marshal(v); err == nil {
			body = canon
		}
	}
	h := sha256.New()
	h.Write([]byte(r.Method + " " + r.URL.Path + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// idempotent is the middleware; it needs the principal, so it runs after authenticate.
func (s *Server) idempotent(next http.Handler) http.Handler {
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
		fp := idempotencyFingerprint(r, body)
		store := s.svc.Store()
		ctx := r.Context()
		deadline := time.Now().Add(idempotencyWait)
		for {
			rec := &gateway.IdempotencyRecord{UserID: p.User.ID, Key: key, Fingerprint: fp,
				CreatedAt: time.Now(), ExpiresAt: time.Now().Add(IdempotencyTTL)}
			prev, claimed, err := store.BeginIdempotent(ctx, rec)
			if err != nil {
				writeError(w, r, s.log, err)
				return
			}
			if claimed {
				s.runIdempotent(w, r, next, p.User.ID, key)
				return
			}
			if prev.Fingerprint != fp {
				writeError(w, r, s.log, &gateway.Error{Code: gateway.CodeValidation,
					Message: "This Idempotency-Key was used with a different request; use a new key for a new request.",
					Fields:  map[string]string{"Idempotency-Key": "Already used with another method, path or body."}})
				return
			}
			// The first request is done: answer what it answered.
			for prev != nil && prev.Status == 0 && time.Now().Before(deadline) {
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
			w.Header().Set("Idempotent-Replayed", "true")
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(prev.Status)
			_, _ = w.Write(prev.Body)
			return
		}
	})
}

// runIdempotent runs the first request and keeps its 2xx answer; any other
// outcome (an error answer, a panic) releases the key.
func (s *Server) runIdempotent(w http.ResponseWriter, r *http.Request, next http.Handler, userID, key string) {
	rec := &bodyRecorder{ResponseWriter: w}
	store := s.svc.Store()
	done := false
	defer func() {
		if done {
			return
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
		defer cancel()
		if err := store.ReleaseIdempotent(ctx, userID, key); err != nil {
			s.log.Warn("release idempotency key", "err", err)
		}
	}()
	next.ServeHTTP(rec, r)
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	if status < 200 || status > 299 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	if err := store.FinishIdempotent(ctx, userID, key, status, rec.body.Bytes()); err != nil {
		s.log.Error("store idempotent answer", "err", err)
		return
	}
	done = true
}

// bodyRecorder passes an answer through and keeps a copy.
type bodyRecorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (b *bodyRecorder) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
	b.ResponseWriter.WriteHeader(code)
}

func (b *bodyRecorder) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	b.body.Write(p)
	return b.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (b *bodyRecorder) Unwrap() http.ResponseWriter { return b.ResponseWriter }
