package main

import (
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/polltest"
	"github.com/whatsapp-saas/gateway/internal/postgres/pgtest"
	"github.com/whatsapp-saas/gateway/internal/proxytest"
)

type proxiedSession struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	StatusReason string `json:"status_reason"`
	Proxy        *struct {
		URL    string `json:"url"`
		Source string `json:"source"`
	} `json:"proxy"`
}

// A session's own proxy, set at creation and changed by an update, is what
// its whatsmeow engine dials WhatsApp through: a real HTTP CONNECT proxy,
// then a SOCKS5 one, each seeing web.whatsapp.com asked for with the
// session's credentials. Without one the session shows the gateway's
// WHATSAPP_PROXY as its default. Passwords are never answered.
func TestSessionProxy(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testSessionProxy(t, nil) })
	t.Run("postgres", func(t *testing.T) {
		testSessionProxy(t, map[string]string{"DATABASE_URL": pgtest.FreshSchema(t), "REDIS_URL": ownRedis(t, 15)})
	})
}

func testSessionProxy(t *testing.T, extra map[string]string) {
	// The default proxy is dead: a session on it says so.
	dead := strings.Replace(proxytest.Dead(t, "socks5"), "socks5://", "socks5://def:default-pass@", 1)
	env := map[string]string{"WHATSAPP_PROXY": dead, "WHATSAPP_WEB_VERSION": "2.3000.1031080782"}
	maps.Copy(env, extra)
	base := startGateway(t, testEnv(t, env))
	c := register(t, base, "proxy@example.com")
	secretFree := func(r *reply) {
		t.Helper()
		for _, pw := range []string{"default-pass", "http-pass", "socks-pass"} {
			if strings.Contains(string(r.Raw), pw) {
				t.Fatalf("answer %s holds a proxy password", r.Raw)
			}
		}
	}
	var one struct {
		Session proxiedSession `json:"session"`
	}

	// Bad proxies are refused with the field named.
	for _, bad := range []string{"ftp://proxy:21", "http://", "socks5://proxy:99999", "proxy.example.com:3128", "http://proxy:3128/path"} {
		r := c.do("POST", "/api/v1/sessions", map[string]any{"session_name": "bad", "engine": "whatsmeow", "proxy": bad}).
			fails(t, http.StatusUnprocessableEntity, "validation_failed")
		if r.Error.Fields["proxy"] == "" {
			t.Fatalf("proxy %q: fields %v, want proxy named", bad, r.Error.Fields)
		}
	}

	// Without its own proxy, a whatsmeow session uses the default, and
	// says it cannot reach it.
	r := c.do("POST", "/api/v1/sessions", map[string]any{"session_name": "default", "engine": "whatsmeow"})
	r.must(t, http.StatusCreated, &one)
	secretFree(r)
	if p := one.Session.Proxy; p == nil || p.Source != "default" || p.URL != strings.Replace(dead, "default-pass", "xxxxx", 1) {
		t.Fatalf("proxy %+v, want the default, masked", p)
	}
	def := one.Session.ID
	startInstance(t, c, def)
	polltest.Eventually(t, patience, "the default proxy reported unreachable", func() bool {
		c.do("GET", "/api/v1/sessions/"+def, nil).must(t, http.StatusOK, &one)
		return strings.HasPrefix(one.Session.StatusReason, "Cannot reach the proxy "+strings.TrimPrefix(dead, "socks5://def:default-pass@")+" (")
	})

	// A session's own HTTP proxy.
	hp := proxytest.HTTP(t, "http-user", "http-pass")
	r = c.do("POST", "/api/v1/sessions", map[string]any{"session_name": "own", "engine": "whatsmeow", "proxy": hp.URL})
	r.must(t, http.StatusCreated, &one)
	secretFree(r)
	id := one.Session.ID
	if p := one.Session.Proxy; p == nil || p.Source != "session" || p.URL != "http://http-user:xxxxx@"+hp.Addr {
		t.Fatalf("proxy %+v, want the session's, masked", p)
	}
	startInstance(t, c, id)
	polltest.Eventually(t, patience, "WhatsApp asked for through the HTTP proxy", func() bool { return len(hp.Requests()) > 0 })
	if got := hp.Requests()[0]; got.Target != "web.whatsapp.com:443" || got.User != "http-user" || got.Pass != "http-pass" {
		t.Fatalf("the HTTP proxy got %+v, want web.whatsapp.com:443 with the session's credentials", got)
	}
	polltest.Eventually(t, patience, "a status naming the proxy", func() bool {
		r := c.do("GET", "/api/v1/sessions/"+id, nil)
		r.must(t, http.StatusOK, &one)
		secretFree(r)
		return strings.HasPrefix(one.Session.StatusReason, "Cannot reach WhatsApp through the proxy "+hp.Addr+" (")
	})

	// Changed to SOCKS5: used from the next connection.
	sp := proxytest.SOCKS5(t, "socks-user", "socks-pass")
	r = c.do("PATCH", "/api/v1/sessions/"+id, map[string]any{"proxy": sp.URL})
	r.must(t, http.StatusOK, &one)
	secretFree(r)
	if p := one.Session.Proxy; p == nil || p.Source != "session" || p.URL != "socks5://socks-user:xxxxx@"+sp.Addr {
		t.Fatalf("proxy %+v, want the new one, masked", p)
	}
	c.do("PATCH", "/api/v1/sessions/"+id, map[string]any{"proxy": "gopher://x"}).fails(t, http.StatusUnprocessableEntity, "validation_failed")
	var inst struct {
		Instances []instanceView `json:"instances"`
	}
	c.do("GET", "/api/v1/instances?session_id="+id, nil).must(t, http.StatusOK, &inst)
	for _, in := range inst.Instances {
		if in.SessionID == id && in.Status == "running" {
			c.do("POST", "/api/v1/instances/"+in.ID+"/restart", nil).must(t, http.StatusOK, nil)
		}
	}
	polltest.Eventually(t, patience, "WhatsApp asked for through the SOCKS5 proxy", func() bool { return len(sp.Requests()) > 0 })
	if got := sp.Requests()[0]; got.Target != "web.whatsapp.com:443" || got.User != "socks-user" || got.Pass != "socks-pass" {
		t.Fatalf("the SOCKS5 proxy got %+v, want web.whatsapp.com:443 with the session's credentials", got)
	}

	// Removed: back to the default.
	c.do("PATCH", "/api/v1/sessions/"+id, map[string]any{"proxy": ""}).must(t, http.StatusOK, &one)
	if p := one.Session.Proxy; p == nil || p.Source != "default" {
		t.Fatalf("proxy %+v, want the default after removing the session's", p)
	}
	r = c.do("GET", "/api/v1/sessions", nil)
	r.must(t, http.StatusOK, nil)
	secretFree(r)

	// A sandbox session has no default proxy: it dials nothing.
	one.Session = proxiedSession{}
	r = c.do("POST", "/api/v1/sessions", map[string]any{"session_name": "sb", "engine": "sandbox"})
	r.must(t, http.StatusCreated, &one)
	if one.Session.Proxy != nil {
		t.Fatalf("sandbox session proxy %+v, want none", one.Session.Proxy)
	}
	// Another tenant cannot see or change the session.
	other := register(t, base, "proxy-other@example.com")
	other.do("PATCH", "/api/v1/sessions/"+id, map[string]any{"proxy": hp.URL}).fails(t, http.StatusNotFound, "not_found")
}
