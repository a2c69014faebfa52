package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Code is a stable, snake_case error code that clients can switch on.
type Code string

// Error codes. The HTTP status of each lives in one map, statusOf, below.
const (
	CodeInvalid         Code = "invalid_request"
	CodeValidation      Code = "validation_failed"
	CodeUnauthorized    Code = "unauthorized"
	CodeForbidden       Code = "forbidden"
	CodeNotFound        Code = "not_found"
	CodeConflict        Code = "conflict"
	CodeTooLarge        Code = "payload_too_large"
	CodeQuotaExceeded   Code = "quota_exceeded"
	CodeRateLimited     Code = "rate_limited"
	CodeUnavailable     Code = "unavailable"
	CodeInternal        Code = "internal"
	CodeNotImplemented  Code = "not_implemented"
	CodeSuspended       Code = "account_suspended"
	CodeFeatureDisabled Code = "feature_disabled"
	// CodeMethodNotAllowed is a known path asked with a method it does not
	// take; the Allow header lists those it does.
	CodeMethodNotAllowed Code = "method_not_allowed"
	// CodeRefused is WhatsApp refusing an account operation (not an admin,
	// privacy settings, …); details.reason says why.
	CodeRefused Code = "whatsapp_refused"
)

// statusOf is the one map from error code to HTTP status, read by the public
// API and by the worker's instance API alike.
var statusOf = map[Code]int{
	CodeInvalid:          http.StatusBadRequest,
	CodeValidation:       http.StatusUnprocessableEntity,
	CodeRefused:          http.StatusUnprocessableEntity,
	CodeUnauthorized:     http.StatusUnauthorized,
	CodeForbidden:        http.StatusForbidden,
	CodeSuspended:        http.StatusForbidden,
	CodeFeatureDisabled:  http.StatusForbidden,
	CodeNotFound:         http.StatusNotFound,
	CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	CodeConflict:         http.StatusConflict,
	CodeTooLarge:         http.StatusRequestEntityTooLarge,
	CodeQuotaExceeded:    http.StatusTooManyRequests,
	CodeRateLimited:      http.StatusTooManyRequests,
	CodeUnavailable:      http.StatusServiceUnavailable,
	CodeNotImplemented:   http.StatusNotImplemented,
	CodeInternal:         http.StatusInternalServerError,
}

// Codes lists every error code, sorted: the OpenAPI document's enum is
// built from it, so a new code is documented as it is declared.
func Codes() []Code {
	out := make([]Code, 0, len(statusOf))
	for c := range statusOf {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// HTTPStatus returns the HTTP status of an error code; a code without one
// (only "" in practice: the test holds every constant to the map) is a 500.
func HTTPStatus(c Code) int {
	if s, ok := statusOf[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Error is the error type of the whole product. Message is a sentence that is
// safe to show a user; Err is the internal cause, logged but never shown.
type Error struct {
	Code    Code
	Message string
	// Fields names invalid input fields with a sentence each (validation errors).
	Fields map[string]string
	// Details carries machine-readable context (a quota's limit and usage, say).
	Details map[string]any
	Err     error
}

// Error implements error. It includes the cause for logs.
func (e *Error) Error() string {
	if e.Err != nil {
		// Public messages are sentences; the cause follows the sentence
		// without its full stop ("… (token lookup): Error making …").
		return fmt.Sprintf("%s: %s: %v", e.Code, strings.TrimSuffix(e.Message, "."), e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted public message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with a public message and an internal cause.
func WrapError(err error, code Code, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// ValidationError returns a CodeValidation error naming the invalid fields.
func ValidationError(fields map[string]string) *Error {
	return &Error{Code: CodeValidation, Message: "Some fields are invalid.", Fields: fields}
}

// ErrorCode returns the code of err: its *Error's code, CodeInternal for any
// other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the public message of err; internal errors get a
// generic sentence so no driver text reaches a client.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}

// IsCode reports whether err carries code.
func IsCode(err error, code Code) bool { return ErrorCode(err) == code }

// NotFound is shorthand for a CodeNotFound error about a kind of resource.
func NotFound(what string) *Error { return Errorf(CodeNotFound, "%s not found.", what) }
