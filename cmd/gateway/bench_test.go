package main

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// benchGateway starts a gateway with a connected sandbox session and
// returns its base URL, a token and the session id.
func benchGateway(b *testing.B, extra map[string]string) (string, string, string) {
	b.Helper()
	env := map[string]string{
		"PORT": "0", "DATA_DIR": b.TempDir(), "WHATSAPP_ENGINE": "sandbox", "BCRYPT_ROUNDS": "4",
		"SANDBOX_PAIR_DELAY": "50ms", "SANDBOX_DELIVERY_DELAY": "1s", "SANDBOX_READ_DELAY": "1s",
		"RATE_LIMIT_MAX_REQUESTS": "1000000000", "LOG_LEVEL": "error",
		"INSTANCE_PORT_RANGE_START": "36000", "INSTANCE_PORT_RANGE_END": "36999",
		"ADMIN_EMAIL": "admin@example.com", "ADMIN_PASSWORD": "bench-admin-password",
	}
	maps.Copy(env, extra)
	base := startGateway(b, env)
	token, session := prepareSession(b, base)
	return base, token, session
}

func prepareSession(b *testing.B, base string) (string, string) {
	b.Helper()
	post := func(path, token string, body string) []byte {
		req, _ := http.NewRequest("POST", base+path, bytes.NewBufferString(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			b.Fatalf("%s: %d %s", path, resp.StatusCode, raw)
		}
		return raw
	}
	reg := post("/api/v1/auth/register", "", `{"email":"bench@example.com","password":"battery-staple-42","name":"Bench"}`)
	token, user := field(b, reg, "token"), field(b, reg, "id")
	// An unlimited plan, so quotas and plan rates measure nothing.
	admin := field(b, post("/api/v1/auth/login", "", `{"email":"admin@example.com","password":"bench-admin-password"}`), "token")
	post("/api/v1/admin/plans", admin, `{"id":"bench","name":"Bench","price_cents":0,"currency":"USD","limits":{"sessions":-1,"instances":-1,"messages_per_month":-1,"webhooks":-1,"api_keys":-1,"requests_per_minute":-1,"media_bytes":-1},"features":{"engines":["sandbox"],"webhooks":true,"api_keys":true}}`)
	req, _ := http.NewRequest("PATCH", base+"/api/v1/admin/tenants/"+user+"/plan", bytes.NewBufferString(`{"plan_id":"bench"}`))
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		b.Fatalf("change plan: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}
	session := field(b, post("/api/v1/sessions", token, `{"session_name":"bench"}`), "id")
	post("/api/v1/instances", token, fmt.Sprintf(`{"session_id":%q}`, session))
	polltest.Eventually(b, 20*time.Second, "the session connected", func() bool {
		req, _ := http.NewRequest("GET", base+"/api/v1/sessions/"+session, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return bytes.Contains(raw, []byte(`"status":"connected"`))
	})
	return token, session
}

// field finds the first "name":"value" in a JSON answer (enough here).
func field(b *testing.B, raw []byte, name string) string {
	b.Helper()
	key := []byte(`"` + name + `":"`)
	i := bytes.Index(raw, key)
	if i < 0 {
		b.Fatalf("no %s in %s", name, raw)
	}
	rest := raw[i+len(key):]
	return string(rest[:bytes.IndexByte(rest, '"')])
}

// hammer sends the requests newRequest makes from 16 goroutines a CPU,
// b.N in all, and wants each answered with status want.
func hammer(b *testing.B, want int, newRequest func() *http.Request) {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := hc.Do(newRequest())
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

func runRead(b *testing.B, base, token, session string) {
	url := base + "/api/v1/sessions/" + session
	hammer(b, 200, func() *http.Request {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return req
	})
}

func runSend(b *testing.B, base, token, session string) {
	body := fmt.Sprintf(`{"session_id":%q,"recipient":"1234567890@c.us","message":"bench","message_type":"text"}`, session)
	hammer(b, 201, func() *http.Request {
		req, _ := http.NewRequest("POST", base+"/api/v1/messages/send", bytes.NewBufferString(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		return req
	})
}

// BenchmarkAuthenticatedRead is GET /api/v1/sessions/{id} with a JWT on
// the embedded gateway (SQLite, in-memory cache), client in the same process.
func BenchmarkAuthenticatedRead(b *testing.B) {
	base, token, session := benchGateway(b, nil)
	runRead(b, base, token, session)
}

// BenchmarkSend is POST /api/v1/messages/send on the embedded gateway.
func BenchmarkSend(b *testing.B) {
	base, token, session := benchGateway(b, nil)
	runSend(b, base, token, session)
}

// BenchmarkAuthenticatedReadPostgres is the read on PostgreSQL and Redis.
func BenchmarkAuthenticatedReadPostgres(b *testing.B) {
	base, token, session := benchGateway(b, postgresRedis(b))
	runRead(b, base, token, session)
}

// BenchmarkSendPostgres is the send on PostgreSQL and Redis.
func BenchmarkSendPostgres(b *testing.B) {
	base, token, session := benchGateway(b, postgresRedis(b))
	runSend(b, base, token, session)
}
