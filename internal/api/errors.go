package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/locale"
)

// localError is err's envelope body in the language r asks for (the QR
// stream's error event; writeError does the same for answers).
func localError(r *http.Request, err error) errorBody {
	lang := locale.Negotiate(r.Header.Get("Accept-Language"))
	body := errorBody{Code: gateway.ErrorCode(err), Message: locale.Translate(lang, gateway.ErrorMessage(err))}
	var e *gateway.Error
	if errors.As(err, &e) {
		body.Fields = locale.Fields(lang, e.Fields)
	}
	return body
}

type errorBody struct {
	Code    gateway.Code      `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	Details map[string]any    `json:"details,omitempty"`
}

// StatusClientClosed is recorded for a request whose client went away
// before the answer (nginx's 499): not a server error, so neither an ERROR
// log nor a 5xx in the metrics.
const StatusClientClosed = 499

// writeError renders err in the error envelope. 5xx are logged with their
// cause; the client sees only the public sentence.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := gateway.ErrorCode(err)
	status := gateway.HTTPStatus(code)
	if status >= 500 && errors.Is(r.Context().Err(), context.Canceled) {
		// The client disconnected (the request's context ends with its
		// connection) and the work it started failed for that: nobody
		// reads this answer. The status is what the access log and the
		// metrics record.
		log.Debug("client went away", "method", r.Method, "path", r.URL.Path,
			"request_id", gateway.RequestID(r.Context()), "err", err)
		w.WriteHeader(StatusClientClosed)
		return
	}
	// The sentences are in the client's language (Accept-Language); the
	// code and the field names are not translated.
	lang := locale.Negotiate(r.Header.Get("Accept-Language"))
	h := w.Header()
	h.Set("Content-Language", lang)
	h.Add("Vary", "Accept-Language")
	body := errorBody{Code: code, Message: locale.Translate(lang, gateway.ErrorMessage(err))}
	var e *gateway.Error
	if errors.As(err, &e) {
		body.Fields, body.Details = locale.Fields(lang, e.Fields), e.Details
		if secs, ok := e.Details["retry_after_seconds"].(int); ok && secs > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
	}
	if status >= 500 {
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", status,
			"request_id", gateway.RequestID(r.Context()), "err", err)
	}
	writeJSON(w, status, envelope{Success: false, Error: &body})
}
