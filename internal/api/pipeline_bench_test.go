package api

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/inmem"
	"github.com/whatsapp-saas/gateway/internal/metrics"
)

// The request pipeline's own cost (issue 12): what a request costs the
// gateway between the connection and the handler's answer, without the
// network, so the figures hold still on a loaded machine. The gateway is
// the one the status cache tests run (SQLite, a sandbox worker), with
// request metrics and a logger at warn, as scripts/bench-http.sh runs it.
//
//	go test -tags nodynamic -run XXX -bench Pipeline -benchmem ./internal/api

// pipelineFixture is a warm gateway with a connected session, its
// instance, a JWT and an API key of the session's owner.
type pipelineFixture struct {
	s                   *Server
	session, instance   string
	bearer, key         string
	statusURL, readURL  string
	instanceURL, health string
	webhookURL          string // a read of one query
}

func newPipelineFixture(b *testing.B) *pipelineFixture {
	f := newStatusFixture(b, inmem.NewBus(), "embedded")
	// With what the composition root adds: request metrics and a logger
	// that drops request lines (LOG_LEVEL=warn).
	m := metrics.New(metrics.Options{Version: "bench", Mode: "embedded", Database: "sqlite"})
	gw := f.gateway(time.Hour, func(d *Deps) {
		d.Observe = m.ObserveHTTP
		d.Logger = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	})
	sid, iid := f.paired(gw)
	var wh struct {
		Webhook struct{ ID string } `json:"webhook"`
	}
	f.must(gw, "POST", "/webhooks", map[string]any{"url": "https://hooks.example.com/bench", "events": []string{"qr"}, "session_id": sid},
		http.StatusCreated, &wh)
	f.settle(gw, sid)
	f.quiet(gw)
	token, _, err := f.tokens.Sign(b.Context(), f.user.ID, f.user.Role, f.user.TokenVersion)
	if err != nil {
		b.Fatal(err)
	}
	return &pipelineFixture{s: gw, session: sid, instance: iid, bearer: "Bearer " + token, key: f.key,
		statusURL: "/api/v1/sessions/" + sid + "/status", readURL: "/api/v1/sessions/" + sid,
		instanceURL: "/api/v1/instances/" + iid, health: "/health/live", webhookURL: "/api/v1/webhooks/" + wh.Webhook.ID}
}

// run serves b.N requests for url from parallel goroutines, each with the
// header set, and wants every one answered 200.
func (f *pipelineFixture) run(b *testing.B, url, header, value string) {
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodGet, url, nil)
			if header != "" {
				req.Header.Set(header, value)
			}
			rec := httptest.NewRecorder()
			f.s.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Errorf("%s: %d %s", url, rec.Code, rec.Body)
				return
			}
		}
	})
}

func BenchmarkPipeline(b *testing.B) {
	f := newPipelineFixture(b)
	b.Run("live", func(b *testing.B) { f.run(b, f.health, "", "") })
	b.Run("status-jwt", func(b *testing.B) { f.run(b, f.statusURL, "Authorization", f.bearer) })
	b.Run("status-key", func(b *testing.B) { f.run(b, f.statusURL, "X-API-Key", f.key) })
	b.Run("instance-jwt", func(b *testing.B) { f.run(b, f.instanceURL, "Authorization", f.bearer) })
	b.Run("read-jwt", func(b *testing.B) { f.run(b, f.readURL, "Authorization", f.bearer) })
	b.Run("webhook-jwt", func(b *testing.B) { f.run(b, f.webhookURL, "Authorization", f.bearer) })
	b.Run("webhook-key", func(b *testing.B) { f.run(b, f.webhookURL, "X-API-Key", f.key) })
}
