package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

type envelope struct {
	Success bool       `json:"success"`
	Data    any        `json:"data,omitempty"`
	Error   *errorBody `json:"error,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := jsonBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledJSON {
			buf.Reset()
			jsonBuffers.Put(buf)
		}
	}()
	buf.Reset()
	writeBody(w, encodeJSON(buf, status, v), buf.Bytes())
}

// encodeJSON writes v's answer into buf, as Marshal would with a newline
// (Encode: no copy of the answer per request), and says its status: status,
// or 500 with the internal error's envelope when v cannot be encoded.
func encodeJSON(buf *bytes.Buffer, status int, v any) int {
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		buf.Reset()
		buf.WriteString(`{"success":false,"error":{"code":"internal","message":"An internal error occurred."}}` + "\n")
		return http.StatusInternalServerError
	}
	return status
}

// writeBody answers body, a JSON document, with status.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// jsonBuffers are writeJSON's buffers; one that grew past maxPooledJSON
// (a long list) is left to the collector rather than kept.
var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledJSON = 64 << 10

// ok writes the success envelope; data may be one encoded already
// (encodedAnswer, see answer).
func ok(w http.ResponseWriter, status int, data any) error {
	if body, done := data.(encodedAnswer); done {
		writeBody(w, status, body)
		return nil
	}
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
	return checkText(raw)
}

// checkText refuses a body with a string (key or value, at any depth) that
// holds a NUL character or bytes that are not UTF-8, naming the field by its
// JSON path ("headers.X-Foo", "contacts[0].name"). encoding/json lets both
// through (a \u0000 escape as NUL, bad bytes silently replaced), SQLite
// would store them and PostgreSQL's text refuses them, and no field of this
// API has a use for them. A body with neither costs one scan; only a
// suspect one is walked. raw has already been decoded without error.
func checkText(raw []byte) error {
	if utf8.Valid(raw) && !bytes.Contains(raw, []byte(`\u0000`)) {
		return nil
	}
	type frame struct {
		path    string
		object  bool
		wantKey bool   // in an object: the next string is a key
		key     string // in an object: the key of the value being read
		index   int    // in an array: the index of the next value
	}
	child := func(f *frame) string {
		if f.object {
			if f.path == "" {
				return f.key
			}
			return f.path + "." + f.key
		}
		return fmt.Sprintf("%s[%d]", f.path, f.index)
	}
	// done moves the enclosing container past the value just read.
	done := func(f *frame) {
		if f.object {
			f.wantKey = true
		} else {
			f.index++
		}
	}
	fields := map[string]string{}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	prev := int64(0)
	for {
		tok, err := dec.Token()
		if err != nil {
			break // io.EOF: the body was decoded once already
		}
		// The bytes of this token, with the separators before it: every
		// byte outside a string is ASCII, so a bad byte is in this string.
		span := raw[prev:dec.InputOffset()]
		prev = dec.InputOffset()
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				path := ""
				if top != nil {
					path = child(top)
				}
				stack = append(stack, &frame{path: path, object: t == '{', wantKey: t == '{'})
			default:
				stack = stack[:len(stack)-1]
				if len(stack) > 0 {
					done(stack[len(stack)-1])
				}
			}
		case string:
			if top != nil && top.object && top.wantKey {
				top.key, top.wantKey = strings.ReplaceAll(t, "\x00", `\u0000`), false
				if msg := textProblem(t, span); msg != "" {
					fields[child(top)] = msg
				}
				continue
			}
			path := "body"
			if top != nil {
				path = child(top)
				done(top)
			}
			if msg := textProblem(t, span); msg != "" {
				fields[path] = msg
			}
		default:
			if top != nil {
				done(top)
			}
		}
	}
	if len(fields) == 0 {
		return nil
	}
	names := slices.Sorted(maps.Keys(fields))
	return &gateway.Error{Code: gateway.CodeValidation, Fields: fields,
		Message: fmt.Sprintf("The field \"%s\" %s", names[0], "m"+strings.TrimPrefix(fields[names[0]], "M"))}
}

// textProblem says what is wrong with a decoded string s read from span.
func textProblem(s string, span []byte) string {
	switch {
	case strings.ContainsRune(s, 0):
		return "Must not contain a NUL character (\\u0000)."
	case !utf8.Valid(span):
		return "Must be valid UTF-8 text."
	}
	return ""
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
