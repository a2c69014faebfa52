package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/config"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/logtest"
)

// TestWorkerMediaFetchGoesThroughTheSSRFGuard checks the fetcher the
// worker makes its link previews with (engines.MediaFetcher, as its
// whatsmeow engine's media): the product's guard, with the gateway's
// WEBHOOK_* settings, refusing what the guard refuses.
func TestWorkerMediaFetchGoesThroughTheSSRFGuard(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits++
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write([]byte("png"))
	}))
	t.Cleanup(srv.Close)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	env := workerEnv
	fetch := func(t *testing.T, vars map[string]string, url string) ([]byte, error) {
		t.Helper()
		cfg, err := config.LoadWorker(envOf(vars))
		if err != nil {
			t.Fatal(err)
		}
		p, err := linkPreviews(context.Background(), cfg, slog.New(slog.NewTextHandler(&logtest.Buffer{}, nil)))
		if err != nil {
			t.Fatal(err)
		}
		f := p.Fetch
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		data, _, err := f.Fetch(ctx, url, 1<<20)
		return data, err
	}

	refused := []string{
		"http://[64:ff9b::a9fe:a9fe]/latest/meta-data/", // the metadata address through NAT64
		"http://[2002:a9fe:a9fe::1]/x.png",              // 6to4
		"http://198.18.0.1/x.png",                       // benchmarking
		"http://[::127.0.0.1]:" + port + "/x.png",       // IPv4-compatible loopback
		"http://[::ffff:127.0.0.1]:" + port + "/x.png",  // IPv4-mapped loopback
		srv.URL + "/x.png",                              // loopback
	}
	for _, u := range refused {
		t.Run(u, func(t *testing.T) {
			data, err := fetch(t, env(), u)
			if !gateway.IsCode(err, gateway.CodeValidation) || data != nil || !strings.Contains(err.Error(), "private address") {
				t.Fatalf("got %q, %v; want the URL refused as a private address", data, err)
			}
		})
	}
	if hits != 0 {
		t.Fatalf("the loopback server got %d requests, want 0", hits)
	}

	// WEBHOOK_ALLOW_PRIVATE_NETWORKS opens loopback (development), and
	// WEBHOOK_DENY_NETWORKS closes it again.
	data, err := fetch(t, env("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true"), srv.URL+"/x.png")
	if err != nil || string(data) != "png" {
		t.Fatalf("private networks allowed: got %q, %v; want the file", data, err)
	}
	data, err = fetch(t, env("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true", "WEBHOOK_DENY_NETWORKS", "10.9.0.0/16, 127.0.0.0/8"), srv.URL+"/x.png")
	if !gateway.IsCode(err, gateway.CodeValidation) || data != nil {
		t.Fatalf("denied network: got %q, %v; want the URL refused", data, err)
	}
	// The metadata address stays refused with private networks allowed.
	data, err = fetch(t, env("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true"), "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/")
	if !gateway.IsCode(err, gateway.CodeValidation) || data != nil {
		t.Fatalf("metadata through NAT64, private allowed: got %q, %v; want the URL refused", data, err)
	}
	if hits != 1 {
		t.Fatalf("the loopback server got %d requests, want 1", hits)
	}
}
