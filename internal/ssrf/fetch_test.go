package ssrf

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func TestHTTPFetcher(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/a.pdf", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		_, _ = w.Write([]byte("%PDF-1.4"))
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/a.pdf", http.StatusFound) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(make([]byte, 100)) })
	mux.HandleFunc("/gone", func(w http.ResponseWriter, _ *http.Request) { http.NotFound(w, nil) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	blockedErr := errors.New("blocked by the guard")
	// A plain client stands in for the guard's (which would refuse loopback).
	f := NewFetcher(srv.Client(), func(err error) bool { return errors.Is(err, blockedErr) })
	for _, path := range []string{"/a.pdf", "/moved"} {
		data, ct, err := f.Fetch(context.Background(), srv.URL+path, 1024)
		if err != nil || string(data) != "%PDF-1.4" || ct != "application/pdf" {
			t.Fatalf("Fetch(%s): %q %q %v, want the PDF", path, data, ct, err)
		}
	}
	if _, _, err := f.Fetch(context.Background(), srv.URL+"/big", 10); !gateway.IsCode(err, gateway.CodeTooLarge) {
		t.Fatalf("over the cap: got %v, want CodeTooLarge", err)
	}
	if data, _, err := f.FetchPrefix(context.Background(), srv.URL+"/big", 10); err != nil || len(data) != 10 {
		t.Fatalf("prefix over the cap: got %d bytes, %v; want the first 10", len(data), err)
	}
	if data, _, err := f.FetchPrefix(context.Background(), srv.URL+"/a.pdf", 1024); err != nil || string(data) != "%PDF-1.4" {
		t.Fatalf("prefix under the cap: got %q, %v; want the whole body", data, err)
	}
	if _, _, err := f.Fetch(context.Background(), srv.URL+"/gone", 10); !gateway.IsCode(err, gateway.CodeValidation) {
		t.Fatalf("404: got %v, want CodeValidation", err)
	}
}

// A guard's own fetcher refuses a loopback test server unless private
// networks are allowed, and reaches it when they are.
func TestGuardFetcher(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("inside")) }))
	t.Cleanup(srv.Close)
	_, _, err := New(Options{}).Fetcher(time.Minute).Fetch(context.Background(), srv.URL, 1024)
	if !gateway.IsCode(err, gateway.CodeValidation) || !Blocked(errors.Unwrap(err)) {
		t.Fatalf("strict guard: got %v, want a refusal of the private address", err)
	}
	data, _, err := New(Options{AllowPrivate: true}).Fetcher(time.Minute).Fetch(context.Background(), srv.URL, 1024)
	if err != nil || string(data) != "inside" {
		t.Fatalf("guard allowing private networks: got %q, %v; want the page", data, err)
	}
}
