package gateway

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"strconv"
	"testing"
)

// TestEveryCodeHasAStatus reads the Code constants from errors.go itself, so a
// code added without a status fails here instead of answering 500.
func TestEveryCodeHasAStatus(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var codes []Code
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			if id, ok := v.Type.(*ast.Ident); !ok || id.Name != "Code" {
				continue
			}
			for _, e := range v.Values {
				lit, ok := e.(*ast.BasicLit)
				if !ok {
					t.Fatalf("a Code constant is not a string literal: %#v", e)
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				codes = append(codes, Code(s))
			}
		}
	}
	if len(codes) < 14 {
		t.Fatalf("found %d Code constants in errors.go, want at least 14: %v", len(codes), codes)
	}
	for _, c := range codes {
		if _, ok := statusOf[c]; !ok {
			t.Errorf("code %q has no HTTP status", c)
		}
	}
	if len(statusOf) != len(codes) {
		t.Errorf("statusOf has %d entries for %d codes", len(statusOf), len(codes))
	}
}

func TestHTTPStatus(t *testing.T) {
	for c, want := range map[Code]int{
		CodeValidation:      http.StatusUnprocessableEntity,
		CodeFeatureDisabled: http.StatusForbidden,
		CodeRateLimited:     http.StatusTooManyRequests,
		"":                  http.StatusInternalServerError,
		"no_such_code":      http.StatusInternalServerError,
	} {
		if got := HTTPStatus(c); got != want {
			t.Errorf("HTTPStatus(%q) = %d, want %d", c, got, want)
		}
	}
}
