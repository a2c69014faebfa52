package api

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// TestQueryReadersRefuseNULAndInvalidUTF8 checks every query reader: a
// parameter holding %00 or a byte that is not UTF-8 is a 400 naming it,
// never a value handed on to the store.
func TestQueryReadersRefuseNULAndInvalidUTF8(t *testing.T) {
	readers := map[string]func(string) error{
		"query": func(target string) error {
			_, err := query(httptest.NewRequest("GET", target, nil))
			return err
		},
		"pageOf": func(target string) error {
			_, err := pageOf(httptest.NewRequest("GET", target, nil))
			return err
		},
		"timeParam": func(target string) error {
			_, err := timeParam(httptest.NewRequest("GET", target, nil), "from")
			return err
		},
	}
	tests := []struct{ target, param string }{
		{"/x?recipient=a%00b", "recipient"},
		{"/x?status=%ff", "status"},
		{"/x?page=1&q=%c3%28", "q"},
		{"/x?from=%00", "from"},
		{"/x?a%00=1", `a\u0000`},
	}
	for name, read := range readers {
		for _, tt := range tests {
			t.Run(name+" "+tt.target, func(t *testing.T) {
				err := read(tt.target)
				if c := gateway.ErrorCode(err); c != gateway.CodeInvalid {
					t.Fatalf("code = %q, want %q (%v)", c, gateway.CodeInvalid, err)
				}
				var e *gateway.Error
				if !errors.As(err, &e) || e.Fields[tt.param] == "" || !strings.Contains(e.Message, tt.param) {
					t.Fatalf("error %v (fields %v) does not name %q", err, e.Fields, tt.param)
				}
			})
		}
		if err := read("/x?recipient=%C3%A9t%C3%A9&page=2&from=2024-01-02"); err != nil {
			t.Errorf("%s refused good UTF-8: %v", name, err)
		}
	}
}

// TestQueryReadThroughQuery keeps every handler on the checked readers: a
// raw r.URL.Query() or chi.URLParam would hand %00 or %ff on to the store.
func TestQueryReadThroughQuery(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f == "params.go" || strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("URL.Query()")) {
			t.Errorf("%s reads URL.Query() directly; use query(r)", f)
		}
		// The docs' file path is the one free path parameter not stored.
		if bytes.Contains(bytes.ReplaceAll(b, []byte(`chi.URLParam(r, "*")`), nil), []byte("chi.URLParam(")) {
			t.Errorf("%s reads chi.URLParam directly; use pathID or pathText", f)
		}
	}
}
