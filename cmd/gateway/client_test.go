package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	wagw "github.com/whatsapp-saas/gateway/client"
	"github.com/whatsapp-saas/gateway/internal/cli"
	"github.com/whatsapp-saas/gateway/internal/logtest"
	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// TestClientSeedFlow walks the seed document's example through the Go
// client package: log in as the demo account, create a session, start it,
// watch the QR stream until the sandbox pairs, send, follow the message to
// read, list, add a webhook, read the overview, clean up.
func TestClientSeedFlow(t *testing.T) {
	env := testEnv(t, nil)
	base := startGateway(t, env)
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	if code := run(t.Context(), []string{"seed"}, lookup, io.Discard, testWriter{t}); code != 0 {
		t.Fatalf("seed exit code %d", code)
	}
	ctx := t.Context()
	c := sdk(t, base)
	if _, err := c.Me(ctx); wagw.ErrorCode(err) != wagw.CodeUnauthorized {
		t.Fatalf("Me without a token: got %v, want unauthorized", err)
	}
	if _, err := c.Login(ctx, "demo@whatsapp-saas.com", "wrong-password"); wagw.ErrorCode(err) != wagw.CodeUnauthorized {
		t.Fatalf("login with a wrong password: got %v, want unauthorized", err)
	}
	auth, err := c.Login(ctx, "demo@whatsapp-saas.com", "demo123")
	if err != nil {
		t.Fatal(err)
	}
	if auth.Token == "" || c.Token != auth.Token {
		t.Fatalf("login: got token %q, client keeps %q", auth.Token, c.Token)
	}
	me, err := c.Me(ctx)
	if err != nil || me.User.Email != "demo@whatsapp-saas.com" || me.Plan == nil {
		t.Fatalf("me: %+v, %v", me, err)
	}

	sess, err := c.CreateSession(ctx, wagw.CreateSessionRequest{SessionName: "my-whatsapp-session",
		WebhookURL: "https://your-webhook-url.com/webhook",
		Settings:   &wagw.SessionSettings{WebhookEvents: []string{"message", "status"}}})
	if err != nil || sess.Status != "created" {
		t.Fatalf("create session: %+v, %v", sess, err)
	}
	if _, err := c.CreateSession(ctx, wagw.CreateSessionRequest{}); wagw.ErrorCode(err) != wagw.CodeValidation {
		t.Fatalf("create session without a name: got %v, want validation_failed", err)
	}
	inst, err := c.StartInstance(ctx, sess.ID)
	if err != nil || inst.Status != "running" || inst.Driver != "local" {
		t.Fatalf("start instance: %+v, %v", inst, err)
	}

	// The QR stream ends with the outcome once the sandbox pairs by itself.
	var events []string
	err = c.WatchQR(ctx, sess.ID, func(e wagw.QREvent) error {
		events = append(events, e.Type)
		if e.Type == "qr" && (e.QR.Code == "" || !strings.HasPrefix(e.QR.QRImage, "data:image/png;base64,")) {
			t.Errorf("qr event: %+v", e.QR)
		}
		if e.Type == "status" && e.State != "connected" {
			t.Errorf("pairing ended %s: %s", e.State, e.Reason)
		}
		return nil
	})
	if err != nil || len(events) == 0 || events[len(events)-1] != "status" {
		t.Fatalf("watch qr: events %v, %v", events, err)
	}
	st, err := c.SessionStatus(ctx, sess.ID)
	if err != nil || st.State != "connected" {
		t.Fatalf("status: %+v, %v", st, err)
	}

	m, err := c.Send(ctx, wagw.SendRequest{SessionID: sess.ID, Recipient: "1234567890@c.us", Message: "مرحباً من نظام WhatsApp SaaS!"})
	if err != nil || m.Recipient != "1234567890@s.whatsapp.net" || m.WAMessageID == "" {
		t.Fatalf("send: %+v, %v", m, err)
	}
	polltest.Eventually(t, patience, "message read", func() bool {
		got, err := c.Message(ctx, m.ID)
		return err == nil && got.Status == "read"
	})
	list, p, err := c.ListMessages(ctx, wagw.MessageFilter{SessionID: sess.ID, Direction: "outbound"})
	if err != nil || len(list) != 1 || p.Total != 1 || list[0].Body != "مرحباً من نظام WhatsApp SaaS!" {
		t.Fatalf("messages: %+v %+v, %v", list, p, err)
	}

	wh, err := c.CreateWebhook(ctx, wagw.CreateWebhookRequest{URL: "https://your-domain.com/webhook", Events: []string{"message", "status", "qr"}, SessionID: sess.ID})
	if err != nil || !strings.HasPrefix(wh.Secret, "whsec_") {
		t.Fatalf("webhook: %+v, %v", wh, err)
	}
	hooks, _, err := c.ListWebhooks(ctx, wagw.ListOptions{})
	if err != nil || len(hooks) != 2 {
		t.Fatalf("webhooks: %+v, %v", hooks, err)
	}
	key, err := c.CreateAPIKey(ctx, wagw.CreateAPIKeyRequest{Name: "backend", Scopes: []string{"read"}})
	if err != nil || !strings.HasPrefix(key.Key, "wsa_") {
		t.Fatalf("api key: %+v, %v", key, err)
	}
	kc := sdk(t, base)
	kc.APIKey = key.Key
	if _, _, err := kc.ListSessions(ctx, wagw.ListOptions{}); err != nil {
		t.Fatalf("list with a read key: %v", err)
	}
	if _, err := kc.Send(ctx, wagw.SendRequest{SessionID: sess.ID, Recipient: "1234567890", Message: "x"}); wagw.ErrorCode(err) != wagw.CodeForbidden {
		t.Fatalf("send with a read key: got %v, want forbidden", err)
	}
	if err := c.RevokeAPIKey(ctx, key.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := kc.ListSessions(ctx, wagw.ListOptions{}); wagw.ErrorCode(err) != wagw.CodeUnauthorized {
		t.Fatalf("list with a revoked key: got %v, want unauthorized", err)
	}

	ov, err := c.Overview(ctx)
	if err != nil || ov.Messages.Total.Read != 1 || ov.Instances.Running != 1 || ov.Sessions.Total != 1 {
		t.Fatalf("overview: %+v, %v", ov, err)
	}
	if _, err := c.StopInstance(ctx, inst.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteSession(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Session(ctx, sess.ID); wagw.ErrorCode(err) != wagw.CodeNotFound {
		t.Fatalf("deleted session: got %v, want not_found", err)
	}
	info, err := c.Info(ctx)
	if err != nil || info.Service != "whatsapp-gateway" {
		t.Fatalf("info: %+v, %v", info, err)
	}
}

// runCLI runs wagw in-process with its own config file.
func runCLI(t *testing.T, cfgPath, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out logtest.Buffer
	return runCLIInto(t, &out, cfgPath, stdin, args...)
}

// runCLIInto is runCLI writing standard output to out as it goes, so a
// test can watch a command that is still running.
func runCLIInto(t *testing.T, out *logtest.Buffer, cfgPath, stdin string, args ...string) (string, string, int) {
	var errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	code := cli.Run(ctx, cli.Env{Args: args, Getenv: func(k string) string {
		if k == "WAGW_CONFIG" {
			return cfgPath
		}
		return ""
	}, Stdin: strings.NewReader(stdin), Stdout: out, Stderr: &errOut, Version: "test", HTTP: checkedClient(t, http.DefaultClient)})
	return out.String(), errOut.String(), code
}

// TestCLIAgainstGateway drives wagw as a user would against a live
// gateway: register, create and pair a session in the terminal, send and
// wait for delivery, read the log as JSON, keys, webhooks, events, metrics.
func TestCLIAgainstGateway(t *testing.T) {
	var hits atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("webhook-signature") != "" {
			hits.Add(1)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	// Sessions wait for a scan (pair delay 0), as a real phone pairs.
	base := startGateway(t, testEnv(t, map[string]string{"WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true", "WEBHOOK_POLL_INTERVAL": "50ms",
		"ADMIN_EMAIL": "ops@example.com", "ADMIN_PASSWORD": "ops-password-123", "SANDBOX_PAIR_DELAY": "0"}))
	cfg := filepath.Join(t.TempDir(), "wagw", "config.json")
	must := func(stdin string, args ...string) string {
		t.Helper()
		out, errOut, code := runCLI(t, cfg, stdin, args...)
		if code != 0 {
			t.Fatalf("wagw %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}

	must("battery-staple-42\n", "--url", base, "register", "--email", "cli@example.com", "--name", "CLI User", "--password-stdin")
	saved, err := os.ReadFile(cfg)
	if err != nil || !strings.Contains(string(saved), base) || !strings.Contains(string(saved), `"token"`) {
		t.Fatalf("config after register: %s, %v", saved, err)
	}
	if fi, _ := os.Stat(cfg); fi.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v, want 0600", fi.Mode().Perm())
	}
	must("", "logout")
	_, errOut, code := runCLI(t, cfg, "", "whoami")
	if code != 1 || !strings.Contains(errOut, "wagw login") {
		t.Fatalf("whoami logged out: exit %d, stderr %q; want 1 and a hint to log in", code, errOut)
	}
	must("battery-staple-42\n", "login", "--email", "cli@example.com", "--password-stdin")
	if out := must("", "whoami"); !strings.Contains(out, "cli@example.com") || !strings.Contains(out, "Plan") {
		t.Fatalf("whoami: %s", out)
	}

	var created struct {
		Session wagw.Session `json:"session"`
	}
	if err := json.Unmarshal([]byte(must("", "sessions", "create", "shop", "--json")), &created); err != nil || created.Session.ID == "" {
		t.Fatalf("sessions create --json: %+v, %v", created, err)
	}
	id := created.Session.ID

	// qr starts the instance, draws codes in half blocks, returns once
	// paired: here by the sandbox's scan, once a code is on the screen.
	var qrOut logtest.Buffer
	qrDone := make(chan int, 1)
	go func() {
		_, _, code := runCLIInto(t, &qrOut, cfg, "", "qr", id)
		qrDone <- code
	}()
	polltest.Eventually(t, patience, "a QR code drawn", func() bool { return strings.Contains(qrOut.String(), "Scan with WhatsApp") })
	must("", "scan", id)
	if code := <-qrDone; code != 0 {
		t.Fatalf("wagw qr: exit %d\n%s", code, qrOut.String())
	}
	out := qrOut.String()
	if !strings.Contains(out, "Paired: session "+id+" is connected") {
		t.Fatalf("qr output does not end paired:\n%s", out)
	}
	if !strings.ContainsAny(out, "▀▄█") {
		t.Fatalf("qr drew no half blocks:\n%s", out)
	}
	if out := must("", "sessions"); !strings.Contains(out, id) || !strings.Contains(out, "connected") {
		t.Fatalf("sessions list: %s", out)
	}

	out = must("", "send", id, "+1 555 000 2222", "hello", "from", "wagw", "--wait")
	if !strings.Contains(out, "delivered") && !strings.Contains(out, "read") {
		t.Fatalf("send --wait did not see delivery:\n%s", out)
	}
	var msgs struct {
		Messages []wagw.Message `json:"messages"`
	}
	if err := json.Unmarshal([]byte(must("", "messages", "--session", id, "--direction", "out", "--json")), &msgs); err != nil {
		t.Fatal(err)
	}
	if len(msgs.Messages) != 1 || msgs.Messages[0].Body != "hello from wagw" {
		t.Fatalf("messages --json: %+v", msgs)
	}
	// A scheduled send, then its cancel.
	var sched wagw.Message
	if err := json.Unmarshal([]byte(must("", "send", id, "+1 555 000 2222", "later", "--at", "1h", "--json")), &sched); err != nil ||
		sched.Status != "scheduled" || sched.SendAt == nil || time.Until(*sched.SendAt) < 59*time.Minute {
		t.Fatalf("send --at 1h: %+v, %v; want it scheduled an hour ahead", sched, err)
	}
	if out := must("", "cancel", sched.ID); !strings.Contains(out, "canceled") {
		t.Fatalf("cancel: %s", out)
	}

	var key wagw.APIKey
	if err := json.Unmarshal([]byte(must("", "keys", "create", "--name", "ci", "--scopes", "read", "--json")), &key); err != nil || key.Key == "" {
		t.Fatalf("keys create: %+v, %v", key, err)
	}
	if out := must("", "--api-key", key.Key, "sessions", "list"); !strings.Contains(out, id) {
		t.Fatalf("sessions with the new key: %s", out)
	}
	if out := must("", "keys"); !strings.Contains(out, key.Prefix) || strings.Contains(out, key.Key) {
		t.Fatalf("keys list shows %q; want the prefix, never the key", out)
	}

	var hook wagw.Webhook
	if err := json.Unmarshal([]byte(must("", "webhooks", "create", receiver.URL+"/hook", "--events", "*", "--json")), &hook); err != nil || !strings.HasPrefix(hook.Secret, "whsec_") {
		t.Fatalf("webhooks create: %+v, %v", hook, err)
	}
	out = must("", "webhooks", "test", hook.ID)
	var deliveries struct {
		Deliveries []wagw.Delivery `json:"deliveries"`
	}
	polltest.Eventually(t, patience, "the test delivery succeeded", func() bool {
		if err := json.Unmarshal([]byte(must("", "webhooks", "deliveries", hook.ID, "--json")), &deliveries); err != nil {
			t.Fatal(err)
		}
		return len(deliveries.Deliveries) > 0 && deliveries.Deliveries[0].Status == "succeeded"
	})
	if out := must("", "webhooks", "deliveries", hook.ID); !strings.Contains(out, "succeeded") || !strings.Contains(out, "webhook.test") {
		t.Fatalf("webhooks deliveries table: %s", out)
	}
	before := hits.Load()
	must("", "webhooks", "replay", hook.ID, deliveries.Deliveries[0].ID)
	polltest.Eventually(t, patience, "the replayed delivery arrived", func() bool { return hits.Load() > before })
	// The endpoint's deliveries by outcome: the test delivery counted as
	// succeeded, in JSON and in the table; --days in -h and checked.
	// The replay made the delivery pending again until its outcome is
	// recorded, which can come after the receiver saw it.
	polltest.Until(t, patience, "webhooks stats --json with the replayed delivery succeeded", func() (string, bool) {
		var stats struct {
			Stats []wagw.WebhookStats `json:"stats"`
		}
		out := must("", "webhooks", "stats", "--days", "1", "--json")
		if err := json.Unmarshal([]byte(out), &stats); err != nil {
			t.Fatalf("webhooks stats --json: %v\n%s", err, out)
		}
		s := stats.Stats
		return out, len(s) == 1 && s[0].WebhookID == hook.ID && s[0].Succeeded >= 1 && s[0].Pending == 0 &&
			s[0].Total >= s[0].Succeeded && s[0].SuccessRate != nil
	})
	if out := must("", "webhooks", "stats"); !strings.Contains(out, "SUCCEEDED") || !strings.Contains(out, hook.ID) || !strings.Contains(out, "%") {
		t.Fatalf("webhooks stats table: %s", out)
	}
	if out := must("", "webhooks", "stats", "-h"); !strings.Contains(out, "-days") || !strings.Contains(out, "stats [--days N]") {
		t.Fatalf("webhooks stats -h does not show --days:\n%s", out)
	}
	if _, errOut, code := runCLI(t, cfg, "", "webhooks", "stats", "--days", "91"); code != 1 || !strings.Contains(errOut, "1 to 90") {
		t.Fatalf("webhooks stats --days 91: exit %d, stderr %q; want 1 and the server's range", code, errOut)
	}
	if _, errOut, code := runCLI(t, cfg, "", "webhooks", "stats", "--days", "-1"); code != 2 || !strings.Contains(errOut, "usage: wagw webhooks") {
		t.Fatalf("webhooks stats --days -1: exit %d, stderr %q; want a usage error", code, errOut)
	}
	// The first event of the session, replayed from the start of the log.
	out = must("", "events", "--from-id", "0", "--count", "1", "--json")
	var ev wagw.GatewayEvent
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &ev); err != nil || ev.Type == "" || ev.ID == "" {
		t.Fatalf("events: %q, %v", out, err)
	}

	// The operator's verbs, from the admin's own config.
	adminCfg := filepath.Join(t.TempDir(), "admin.json")
	admin := func(args ...string) string {
		t.Helper()
		out, errOut, code := runCLI(t, adminCfg, "ops-password-123\n", args...)
		if code != 0 {
			t.Fatalf("wagw %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	admin("--url", base, "login", "--email", "ops@example.com", "--password-stdin")
	var tenants struct {
		Tenants []wagw.Tenant `json:"tenants"`
	}
	if err := json.Unmarshal([]byte(admin("admin", "tenants", "--q", "cli@", "--json")), &tenants); err != nil || len(tenants.Tenants) != 1 {
		t.Fatalf("admin tenants: %+v, %v", tenants, err)
	}
	userID := tenants.Tenants[0].User.ID
	// A suspension, a resume and a plan change need a reason.
	for _, args := range [][]string{{"admin", "suspend", userID}, {"admin", "resume", userID}, {"admin", "plan", userID, "starter"}} {
		if _, errOut, code := runCLI(t, adminCfg, "", args...); code != 2 || !strings.Contains(errOut, "--reason") {
			t.Errorf("wagw %s without --reason: exit %d stderr %q, want 2 asking for it", strings.Join(args, " "), code, errOut)
		}
	}
	admin("admin", "suspend", userID, "--reason", "testing")
	if _, _, code := runCLI(t, cfg, "", "whoami"); code != 1 {
		t.Fatalf("whoami while suspended: exit %d, want 1", code)
	}
	if out := admin("admin", "tenants", "--status", "suspended"); !strings.Contains(out, "cli@example.com") || !strings.Contains(out, "suspended") {
		t.Errorf("admin tenants --status suspended does not list the suspended tenant:\n%s", out)
	}
	admin("admin", "resume", userID, "--reason", "cleared by support")
	login(t, base, "ops@example.com", "ops-password-123").do("POST", "/api/v1/admin/plans", map[string]any{"id": "starter", "name": "Starter",
		"price_cents": 1900, "currency": "USD", "limits": map[string]any{"sessions": 10, "instances": 10, "messages_per_month": 100000,
			"webhooks": 10, "api_keys": 10, "requests_per_minute": 600, "media_bytes": 64 << 20}}).must(t, http.StatusCreated, nil)
	if out := admin("admin", "plan", userID, "starter", "--reason", "asked by mail"); !strings.Contains(out, "Starter") {
		t.Errorf("admin plan: the tenant is not shown on Starter:\n%s", out)
	}
	if out := admin("admin", "tenant", userID); !strings.Contains(out, "cli@example.com") || !strings.Contains(out, "Starter") {
		t.Errorf("admin tenant: %s", out)
	}
	// Every reason is in the audit log, which filters by action and tenant.
	audit := admin("admin", "audit", "--tenant", userID)
	for _, want := range []string{"tenant.suspend", "testing", "tenant.resume", "cleared by support", "tenant.plan_change", "asked by mail"} {
		if !strings.Contains(audit, want) {
			t.Errorf("admin audit --tenant lacks %q:\n%s", want, audit)
		}
	}
	if out := admin("admin", "audit", "--action", "tenant.resume", "--json"); !strings.Contains(out, "cleared by support") || strings.Contains(out, "asked by mail") {
		t.Errorf("admin audit --action tenant.resume: %s", out)
	}
	// The operator finds the session by its id, with its owner.
	if out := admin("admin", "sessions", "--q", id); !strings.Contains(out, id) || !strings.Contains(out, "cli@example.com") {
		t.Errorf("admin sessions --q ID: %s", out)
	}
	if out := admin("admin", "stats"); !strings.Contains(out, "Sessions") || !strings.Contains(out, "Webhook endpoints") {
		t.Errorf("admin stats: %s", out)
	}
	// The suspension revoked the token the CLI saved: it says to log in again.
	if _, errOut, code := runCLI(t, cfg, "", "whoami"); code != 1 || !strings.Contains(errOut, "log in again") {
		t.Fatalf("whoami with a token revoked by the suspension: exit %d stderr %q", code, errOut)
	}
	must("battery-staple-42\n", "login", "--email", "cli@example.com", "--password-stdin")
	must("", "whoami")
	if _, errOut, code := runCLI(t, cfg, "", "admin", "tenants"); code != 1 || !strings.Contains(errOut, "No route") {
		t.Fatalf("admin tenants as a tenant: exit %d stderr %q, want the admin routes hidden", code, errOut)
	}

	_, errOut, code = runCLI(t, cfg, "", "sessions", "get", "not-a-uuid")
	if code != 1 || !strings.Contains(errOut, "UUID") {
		t.Fatalf("sessions get with a bad id: exit %d stderr %q", code, errOut)
	}
	_, _, code = runCLI(t, cfg, "", "sessions", "frobnicate")
	if code != 2 {
		t.Fatalf("unknown subcommand: exit %d, want 2", code)
	}

	// The metrics of what just happened: parsed from the exposition format.
	// State gauges are counted from the database at most every 5 s, so a
	// scrape right after a change may show the count before it: scrape until
	// the connected session shows (or the deadline passes and the checks fail).
	scrape := func() map[string]*dto.MetricFamily {
		resp, err := checkedClient(t, http.DefaultClient).Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		parser := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := parser.TextToMetricFamilies(resp.Body)
		if err != nil {
			t.Fatalf("parse /metrics: %v", err)
		}
		return fams
	}
	gauge := func(fams map[string]*dto.MetricFamily, name, label, value string) float64 {
		for _, m := range fams[name].GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m.GetGauge().GetValue()
				}
			}
		}
		return -1
	}
	fams := scrape()
	for deadline := time.Now().Add(15 * time.Second); gauge(fams, "wagw_sessions", "state", "connected") != 1 && time.Now().Before(deadline); {
		time.Sleep(250 * time.Millisecond)
		fams = scrape()
	}
	found := map[string]float64{}
	for _, m := range fams["wagw_http_requests_total"].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		found[labels["method"]+" "+labels["route"]+" "+labels["code"]] += m.GetCounter().GetValue()
	}
	if found["POST /api/v1/messages/send 201"] != 2 || found["DELETE /api/v1/messages/{message_id} 200"] != 1 || found["POST /api/v1/auth/register 201"] != 1 {
		t.Errorf("http request counts: %v", found)
	}
	state := func(name, label, value string) float64 { return gauge(fams, name, label, value) }
	if got := state("wagw_sessions", "state", "connected"); got != 1 {
		t.Errorf("wagw_sessions{state=connected} = %v, want 1", got)
	}
	if got := state("wagw_instances", "state", "running"); got != 1 {
		t.Errorf("wagw_instances{state=running} = %v, want 1", got)
	}
	var delivered float64
	for _, m := range fams["wagw_webhook_deliveries_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "result" && l.GetValue() == "succeeded" {
				delivered = m.GetCounter().GetValue()
			}
		}
	}
	if delivered < 2 {
		t.Errorf("wagw_webhook_deliveries_total{result=succeeded} = %v, want at least 2 (test and replay)", delivered)
	}
	if n := fams["wagw_webhook_delivery_lag_seconds"].GetMetric(); len(n) != 1 || n[0].GetHistogram().GetSampleCount() < 2 {
		t.Errorf("delivery lag histogram: %v", n)
	}
	if _, ok := fams["go_goroutines"]; !ok {
		t.Error("go runtime metrics missing")
	}
}
