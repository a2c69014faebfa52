package api

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// decodeOutcome decodes in into v. A body not to be refused must decode
// (nil is answered); a refused one must be refused with code, and its
// error is answered for the caller's own checks.
func decodeOutcome(t *testing.T, in string, v any, refused bool, code gateway.Code) error {
	t.Helper()
	err := decodeBytes([]byte(in), v)
	if !refused {
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		return nil
	}
	if c := gateway.ErrorCode(err); c != code {
		t.Fatalf("code = %q, want %q (%v)", c, code, err)
	}
	return err
}

func TestDecodeBytes(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string // substring of the public message; "" for success
	}{
		{"ok", `{"session_id":"x","recipient":"1","message":"hi"}`, ""},
		{"empty", ``, "empty"},
		{"spaces", "  \n", "empty"},
		{"syntax", `{"a":}`, "not valid JSON"},
		{"truncated", `{"message":"hi"`, "ends too early"},
		{"unknown field", `{"nope":1}`, `"nope" is not known`},
		{"wrong type", `{"message":5}`, `"message" must be a string`},
		{"nested wrong type", `{"location":{"latitude":"north"}}`, "must be a number"},
		{"array", `[]`, "must be a JSON object"},
		{"trailing", `{"message":"a"} {"message":"b"}`, "one JSON object"},
		{"trailing garbage", `{"message":"a"} x`, "one JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req sendRequest
			err := decodeOutcome(t, tt.in, &req, tt.wantErr != "", gateway.CodeInvalid)
			if err == nil {
				return
			}
			if msg := gateway.ErrorMessage(err); !strings.Contains(msg, tt.wantErr) {
				t.Fatalf("message %q does not contain %q", msg, tt.wantErr)
			}
		})
	}
}

// FuzzDecode checks that request decoding never panics and that every
// refusal is an invalid_request (or, for text no field may hold, a
// validation_failed) with a readable sentence.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"session_id":"s","recipient":"1234567890@c.us","message":"Hello","message_type":"text"}`,
		`{"location":{"latitude":1.5,"longitude":2}}`, `{"media":{"url":"https://x/y.png"}}`,
		`{`, `[]`, `null`, `{"message":1}`, `{"a":1}`, "\xff", `{"message":"\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var req sendRequest
		err := decodeBytes(raw, &req)
		if err == nil {
			return
		}
		if c := gateway.ErrorCode(err); c != gateway.CodeInvalid && c != gateway.CodeValidation {
			t.Fatalf("code %q for %q", c, raw)
		}
		msg := gateway.ErrorMessage(err)
		if msg == "" || (!utf8.ValidString(msg) && utf8.Valid(raw)) {
			t.Fatalf("bad message %q for %q", msg, raw)
		}
	})
}

// textBody stands for any request body: strings at the top, in a map, in
// an array of objects, and free-form JSON.
type textBody struct {
	Name     string            `json:"name"`
	Headers  map[string]string `json:"headers"`
	Contacts []struct {
		Name string `json:"name"`
	} `json:"contacts"`
	Extra map[string]any `json:"extra"`
}

func TestDecodeRefusesNULAndInvalidUTF8(t *testing.T) {
	tests := []struct {
		name, in, field string // field "" for success
	}{
		{"plain", `{"name":"ok","headers":{"X-Foo":"bar"},"contacts":[{"name":"a"}]}`, ""},
		{"escaped backslash is not NUL", `{"name":"a\\u0000b"}`, ""},
		{"lone surrogate is replaced, not NUL", `{"name":"\ud800"}`, ""},
		{"top-level NUL", `{"name":"a\u0000b"}`, "name"},
		{"header value NUL", `{"headers":{"X-Foo":"\u0000"}}`, "headers.X-Foo"},
		{"array element NUL", `{"contacts":[{"name":"ok"},{"name":"x\u0000"}]}`, "contacts[1].name"},
		{"free-form NUL deep", `{"extra":{"a":[1,{"b":["\u0000"]}]}}`, "extra.a[1].b[0]"},
		{"NUL in a key", `{"headers":{"X\u0000":"v"}}`, `headers.X\u0000`},
		{"invalid UTF-8", "{\"name\":\"a\xffb\"}", "name"},
		{"invalid UTF-8 in a header", "{\"headers\":{\"X-Foo\":\"\xc3\x28\"}}", "headers.X-Foo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v textBody
			err := decodeOutcome(t, tt.in, &v, tt.field != "", gateway.CodeValidation)
			if err == nil {
				return
			}
			var e *gateway.Error
			if !errors.As(err, &e) || e.Fields[tt.field] == "" {
				t.Fatalf("fields = %v, want one for %q", e.Fields, tt.field)
			}
			if msg := gateway.ErrorMessage(err); !strings.Contains(msg, tt.field) || !utf8.ValidString(msg) || strings.ContainsRune(msg, 0) {
				t.Fatalf("message %q does not name %q readably", msg, tt.field)
			}
		})
	}
}
