package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

type envelope struct {
	Success bool       `json:"success"`
	Data    any        `json:"data,omitempty"`
	Error   *errorBody `json:"error,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"success":false,"error":{"code":"internal","message":"An internal error occurred."}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// ok writes the success envelope.
func ok(w http.ResponseWriter, status int, data any) error {
	writeJSON(w, status, envelope{Success: true, Data: data})
	return nil
}

// decode reads a JSON body into v: at most max bytes, unknown fields
// refused, one value only. Every failure is a sentence naming the problem.
func decode(r *http.Request, max int64, v any) error {
	body := http.MaxBytesReader(nil, r.Body, max)
	raw, err := io.ReadAll(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return gateway.Errorf(gateway.CodeTooLarge, "The request body is larger than %d bytes.", max)
		}
		return gateway.WrapError(err, gateway.CodeInvalid, "The request body could not be read.")
	}
	return decodeBytes(raw, v)
}

// decodeBytes is decode's parser, separate so it can be fuzzed.
func decodeBytes(raw []byte, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return gateway.Errorf(gateway.CodeInvalid, "The request body is empty; send a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return gateway.Errorf(gateway.CodeInvalid, "The request body must hold one JSON object only.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return gateway.Errorf(gateway.CodeInvalid, "The request body must hold one JSON object only.")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return gateway.Errorf(gateway.CodeInvalid, "The request body is not valid JSON (at byte %d).", syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return gateway.Errorf(gateway.CodeInvalid, "The request body is not valid JSON: it ends too early.")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return gateway.Errorf(gateway.CodeInvalid, "The request body must be a JSON object.")
		}
		return gateway.Errorf(gateway.CodeInvalid, "The field %q must be %s.", typ.Field, jsonKind(typ.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return gateway.Errorf(gateway.CodeInvalid, "The field %s is not known here.", name)
	}
	return gateway.WrapError(err, gateway.CodeInvalid, "The request body is not valid JSON.")
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	case "float32", "float64":
		return "a number"
	}
	if strings.HasPrefix(k, "int") || strings.HasPrefix(k, "uint") {
		return "a whole number"
	}
	return fmt.Sprintf("of another type (%s)", k)
}
