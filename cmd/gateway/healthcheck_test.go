package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestHealthcheckCommand: `gateway healthcheck` exits 0 only when the
// local gateway's /health/ready (or /health/live) answers 200.
func TestHealthcheckCommand(t *testing.T) {
	var ready atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/health/live":
			w.WriteHeader(http.StatusOK)
		case r.URL.Path == "/health/ready" && ready.Load():
			w.WriteHeader(http.StatusOK)
		case r.URL.Path == "/health/ready":
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"success":false}`))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	lookup := func(k string) (string, bool) {
		if k == "PORT" {
			return port, true
		}
		return "", false
	}
	check := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"healthcheck"}, args...), lookup, &out, &errb)
		return code, out.String() + errb.String()
	}
	if code, out := check(); code != 1 || !strings.Contains(out, "503") {
		t.Errorf("not ready: got exit %d (%q), want 1 naming the 503", code, out)
	}
	if code, out := check("--live"); code != 0 {
		t.Errorf("--live: got exit %d (%q), want 0", code, out)
	}
	ready.Store(true)
	if code, out := check(); code != 0 {
		t.Errorf("ready: got exit %d (%q), want 0", code, out)
	}
	if code, _ := check("--bogus"); code != 2 {
		t.Errorf("unknown flag: got exit %d, want 2", code)
	}
	srv.Close()
	if code, _ := check(); code != 1 {
		t.Errorf("nothing listening: got exit %d, want 1", code)
	}
}
