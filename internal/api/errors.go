package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// statusOf is the one map from error code to HTTP status.
var statusOf = map[gateway.Code]int{
	gateway.CodeInvalid:         http.StatusBadRequest,
	gateway.CodeValidation:      http.StatusUnprocessableEntity,
	gateway.CodeRefused:         http.StatusUnprocessableEntity,
	gateway.CodeUnauthorized:    http.StatusUnauthorized,
	gateway.CodeForbidden:       http.StatusForbidden,
	gateway.CodeSuspended:       http.StatusForbidden,
	gateway.CodeFeatureDisabled: http.StatusForbidden,
	gateway.CodeNotFound:        http.StatusNotFound,
	gateway.CodeConflict:        http.StatusConflict,
	gateway.CodeTooLarge:        http.StatusRequestEntityTooLarge,
	gateway.CodeQuotaExceeded:   http.StatusTooManyRequests,
	gateway.CodeRateLimited:     http.StatusTooManyRequests,
	gateway.CodeUnavailable:     http.StatusServiceUnavailable,
	gateway.CodeNotImplemented:  http.StatusNotImplemented,
	gateway.CodeInternal:        http.StatusInternalServerError,
}

// HTTPStatus returns the status of an error code.
func HTTPStatus(c gateway.Code) int {
	if s, ok := statusOf[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Code    gateway.Code      `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	Details map[string]any    `json:"details,omitempty"`
}

// writeError renders err in the error envelope. 5xx are logged with their
// cause; the client sees only the public sentence.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := gateway.ErrorCode(err)
	status := HTTPStatus(code)
	body := errorBody{Code: code, Message: gateway.ErrorMessage(err)}
	var e *gateway.Error
	if errors.As(err, &e) {
		body.Fields, body.Details = e.Fields, e.Details
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
