package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

type fakeStats struct {
	c   *gateway.StateCounts
	err error
}

func (f *fakeStats) StateCounts(context.Context) (*gateway.StateCounts, error) { return f.c, f.err }

// scrape fetches /metrics and parses the text exposition format.
func scrape(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got status %d, want 200", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse exposition: %v", err)
	}
	return fams
}

// value returns the value of the series of family name with exactly these labels.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

func TestHTTPMetrics(t *testing.T) {
	m := New(Options{Version: "1.2.3", Mode: "embedded", Database: "sqlite"})
	m.ObserveHTTP("/api/v1/sessions/{session_id}", "GET", 200, 3*time.Millisecond)
	m.ObserveHTTP("/api/v1/sessions/{session_id}", "GET", 200, 5*time.Millisecond)
	m.ObserveHTTP("/api/v1/sessions/{session_id}", "GET", 404, time.Millisecond)
	// Made-up methods share one series, so clients cannot grow the set.
	m.ObserveHTTP("unmatched", "BREW", 405, time.Millisecond)
	m.ObserveHTTP("unmatched", "FOO1", 405, time.Millisecond)
	fams := scrape(t, m)
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"wagw_http_requests_total", map[string]string{"route": "/api/v1/sessions/{session_id}", "method": "GET", "code": "200"}, 2},
		{"wagw_http_requests_total", map[string]string{"route": "/api/v1/sessions/{session_id}", "method": "GET", "code": "404"}, 1},
		{"wagw_http_request_duration_seconds", map[string]string{"route": "/api/v1/sessions/{session_id}", "method": "GET"}, 3},
		{"wagw_http_requests_total", map[string]string{"route": "unmatched", "method": "other", "code": "405"}, 2},
		{"wagw_build_info", map[string]string{"version": "1.2.3", "mode": "embedded", "database": "sqlite"}, 1},
	}
	for _, tt := range tests {
		got, ok := value(t, fams, tt.name, tt.labels)
		if !ok || got != tt.want {
			t.Errorf("%s%v = %v (found %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_cpu_seconds_total"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("runtime metric %s missing", name)
		}
	}
	for _, mf := range fams["wagw_http_requests_total"].GetMetric() {
		for _, l := range mf.GetLabel() {
			if l.GetName() == "method" && (l.GetValue() == "BREW" || l.GetValue() == "FOO1") {
				t.Errorf("a made-up method has a series of its own: %v", mf.GetLabel())
			}
		}
	}
	if fams["wagw_http_request_duration_seconds"].GetType() != dto.MetricType_HISTOGRAM {
		t.Errorf("got duration type %v, want histogram", fams["wagw_http_request_duration_seconds"].GetType())
	}
}

func TestStateGauges(t *testing.T) {
	m := New(Options{})
	st := &fakeStats{c: &gateway.StateCounts{
		Sessions:  map[gateway.SessionStatus]int{gateway.SessionConnected: 3, gateway.SessionQRPending: 1},
		Instances: map[gateway.InstanceStatus]int{gateway.InstanceRunning: 4},
		Messages: map[string]map[gateway.MessageStatus]int{
			gateway.DirectionOutbound: {gateway.MessageQueued: 5, gateway.MessageDelivered: 7},
			gateway.DirectionInbound:  {gateway.MessageReceived: 2},
		},
		Deliveries:        map[gateway.DeliveryStatus]int{gateway.DeliveryPending: 1, gateway.DeliveryFailed: 3, gateway.DeliverySucceeded: 9},
		OldestUndelivered: time.Now().Add(-time.Hour),
	}}
	if err := m.Refresh(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	fams := scrape(t, m)
	if got, _ := value(t, fams, "wagw_webhook_oldest_undelivered_seconds", map[string]string{}); got < 3600 {
		t.Errorf("oldest undelivered = %v, want at least an hour", got)
	}
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"wagw_sessions", map[string]string{"state": "connected"}, 3},
		{"wagw_sessions", map[string]string{"state": "qr_pending"}, 1},
		{"wagw_sessions", map[string]string{"state": "failed"}, 0},
		{"wagw_instances", map[string]string{"state": "running"}, 4},
		{"wagw_instances", map[string]string{"state": "lost"}, 0},
		{"wagw_messages", map[string]string{"direction": "outbound", "status": "delivered"}, 7},
		{"wagw_messages", map[string]string{"direction": "inbound", "status": "received"}, 2},
		{"wagw_queue_depth", map[string]string{"queue": "send"}, 5},
		{"wagw_queue_depth", map[string]string{"queue": "webhook_deliveries"}, 4},
		{"wagw_webhook_deliveries", map[string]string{"status": "failed"}, 3},
		{"wagw_webhook_deliveries", map[string]string{"status": "abandoned"}, 0},
		{"wagw_state_refreshes_total", map[string]string{"result": "ok"}, 1},
	}
	for _, tt := range tests {
		got, ok := value(t, fams, tt.name, tt.labels)
		if !ok || got != tt.want {
			t.Errorf("%s%v = %v (found %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}

	// A direction/status pair with no rows any more disappears rather than
	// keeping its old value; a failed count keeps the last good values.
	st.c = &gateway.StateCounts{Messages: map[string]map[gateway.MessageStatus]int{gateway.DirectionOutbound: {gateway.MessageRead: 1}}}
	if err := m.Refresh(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	st.err = errors.New("database down")
	if err := m.Refresh(t.Context(), st); err == nil {
		t.Fatal("got no error from a failing count")
	}
	fams = scrape(t, m)
	if _, ok := value(t, fams, "wagw_messages", map[string]string{"direction": "outbound", "status": "delivered"}); ok {
		t.Error("stale series outbound/delivered still exported")
	}
	if got, _ := value(t, fams, "wagw_sessions", map[string]string{"state": "connected"}); got != 0 {
		t.Errorf("connected sessions = %v, want 0", got)
	}
	if got, _ := value(t, fams, "wagw_state_refreshes_total", map[string]string{"result": "error"}); got != 1 {
		t.Errorf("refresh errors = %v, want 1", got)
	}
}

func TestDeliveryMetrics(t *testing.T) {
	m := New(Options{})
	m.ObserveDelivery("succeeded", 20*time.Millisecond, 2*time.Second)
	m.ObserveDelivery("failed", 5*time.Second, 0)
	m.ObserveDelivery("failed", 5*time.Second, 0)
	m.SetQueueDepth("webhook_deliveries", 9)
	fams := scrape(t, m)
	for _, tt := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"wagw_webhook_deliveries_total", map[string]string{"result": "succeeded"}, 1},
		{"wagw_webhook_deliveries_total", map[string]string{"result": "failed"}, 2},
		{"wagw_webhook_delivery_lag_seconds", map[string]string{}, 1},
		{"wagw_webhook_attempt_duration_seconds", map[string]string{}, 3},
		{"wagw_queue_depth", map[string]string{"queue": "webhook_deliveries"}, 9},
	} {
		got, ok := value(t, fams, tt.name, tt.labels)
		if !ok || got != tt.want {
			t.Errorf("%s%v = %v (found %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
}

// TestNoHighCardinalityLabels fails when a metric grows a label that
// would identify a tenant, session or phone.
func TestNoHighCardinalityLabels(t *testing.T) {
	m := New(Options{})
	m.ObserveHTTP("/x", "GET", 200, time.Millisecond)
	m.ObserveDelivery("succeeded", time.Millisecond, time.Millisecond)
	_ = m.Refresh(t.Context(), &fakeStats{c: &gateway.StateCounts{Sessions: map[gateway.SessionStatus]int{"connected": 1}}})
	for name, f := range scrape(t, m) {
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				n := strings.ToLower(l.GetName())
				for _, bad := range []string{"tenant", "user", "session_id", "phone", "message_id", "jid", "recipient"} {
					if strings.Contains(n, bad) {
						t.Errorf("%s has label %q", name, l.GetName())
					}
				}
			}
		}
	}
}

// TestScrapeRecounts checks a scrape counts states from the store, and that
// a second scrape within MinRefresh reuses the count.
func TestScrapeRecounts(t *testing.T) {
	st := &fakeStats{c: &gateway.StateCounts{Sessions: map[gateway.SessionStatus]int{gateway.SessionConnected: 2}}}
	m := New(Options{Stats: st, MinRefresh: time.Hour})
	if got, _ := value(t, scrape(t, m), "wagw_sessions", map[string]string{"state": "connected"}); got != 2 {
		t.Fatalf("connected sessions = %v, want 2", got)
	}
	st.c = &gateway.StateCounts{Sessions: map[gateway.SessionStatus]int{gateway.SessionConnected: 9}}
	fams := scrape(t, m)
	if got, _ := value(t, fams, "wagw_sessions", map[string]string{"state": "connected"}); got != 2 {
		t.Errorf("connected sessions = %v after a second scrape within MinRefresh, want the cached 2", got)
	}
	if got, _ := value(t, fams, "wagw_state_refreshes_total", map[string]string{"result": "ok"}); got != 1 {
		t.Errorf("refreshes = %v, want 1", got)
	}
}

// TestGrafanaDashboardNamesExist fails when deploy/grafana/gateway.json
// queries a wagw_ metric this package does not export.
func TestGrafanaDashboardNamesExist(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/grafana/gateway.json")
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(raw) {
		t.Fatal("the dashboard is not valid JSON")
	}
	m := New(Options{})
	m.ObserveHTTP("/x", "GET", 200, time.Millisecond)
	m.ObserveDelivery("succeeded", time.Millisecond, time.Millisecond)
	m.SetQueueDepth("webhook_deliveries", 1)
	_ = m.Refresh(t.Context(), &fakeStats{c: &gateway.StateCounts{Sessions: map[gateway.SessionStatus]int{"connected": 1},
		Instances: map[gateway.InstanceStatus]int{"running": 1}, Messages: map[string]map[gateway.MessageStatus]int{"outbound": {"sent": 1}}}})
	fams := scrape(t, m)
	names := regexp.MustCompile(`wagw_[a-z_]+`).FindAllString(string(raw), -1)
	if len(names) < 10 {
		t.Fatalf("found %d metric names in the dashboard, want at least 10", len(names))
	}
	for _, n := range names {
		base := n
		for _, suffix := range []string{"_bucket", "_count", "_sum"} {
			base = strings.TrimSuffix(base, suffix)
		}
		if _, ok := fams[base]; !ok {
			t.Errorf("the dashboard queries %s, which is not exported", n)
		}
	}
}
