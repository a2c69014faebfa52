package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

func newSession(t *testing.T, c *client, name string) sessionView {
	t.Helper()
	var out struct {
		Session sessionView `json:"session"`
	}
	c.do("POST", "/api/v1/sessions", map[string]any{"session_name": name}).must(t, http.StatusCreated, &out)
	return out.Session
}

func startInstance(t *testing.T, c *client, sessionID string) instanceView {
	t.Helper()
	var out struct {
		Instance instanceView `json:"instance"`
	}
	c.do("POST", "/api/v1/instances", map[string]any{"session_id": sessionID}).must(t, http.StatusCreated, &out)
	return out.Instance
}

// connectedSessions creates a session of c for each name, starts them all,
// and answers each once it is connected, in the order of names.
func connectedSessions(t *testing.T, c *client, names ...string) []sessionView {
	t.Helper()
	ss := make([]sessionView, len(names))
	for i, name := range names {
		ss[i] = newSession(t, c, name)
		startInstance(t, c, ss[i].ID)
	}
	for i := range ss {
		ss[i] = waitConnected(t, c, ss[i].ID)
	}
	return ss
}

// sessionsByName lists c's sessions (the first page) by name.
func sessionsByName(t *testing.T, c *client) map[string]sessionView {
	t.Helper()
	var list struct {
		Sessions []sessionView `json:"sessions"`
	}
	c.do("GET", "/api/v1/sessions", nil).must(t, http.StatusOK, &list)
	byName := map[string]sessionView{}
	for _, s := range list.Sessions {
		byName[s.Name] = s
	}
	return byName
}

func waitConnected(t *testing.T, c *client, sessionID string) sessionView {
	t.Helper()
	var got struct {
		Session sessionView `json:"session"`
	}
	polltest.Eventually(t, patience, "session connected", func() bool {
		c.do("GET", "/api/v1/sessions/"+sessionID, nil).must(t, http.StatusOK, &got)
		return got.Session.Status == "connected"
	})
	return got.Session
}

func TestBadInput(t *testing.T) {
	base := startGateway(t, testEnv(t, map[string]string{"MAX_BODY_BYTES": "2048"}))
	c := register(t, base, "bad-input@example.com")
	sess := newSession(t, c, "s1")

	tests := []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"malformed json", "POST", "/api/v1/sessions", `{"session_name": `, 400, "invalid_request"},
		{"not an object", "POST", "/api/v1/sessions", `[1,2]`, 400, "invalid_request"},
		{"unknown field", "POST", "/api/v1/sessions", `{"session_name":"x","plan":"business"}`, 400, "invalid_request"},
		{"wrong type", "POST", "/api/v1/sessions", `{"session_name": 12}`, 400, "invalid_request"},
		{"two objects", "POST", "/api/v1/sessions", `{"session_name":"a"}{"session_name":"b"}`, 400, "invalid_request"},
		{"empty body", "POST", "/api/v1/sessions", ``, 400, "invalid_request"},
		{"oversize", "POST", "/api/v1/sessions", `{"session_name":"` + strings.Repeat("x", 4096) + `"}`, 413, "payload_too_large"},
		{"missing name", "POST", "/api/v1/sessions", `{}`, 422, "validation_failed"},
		{"bad webhook url", "POST", "/api/v1/sessions", `{"session_name":"a","webhook_url":"ftp://x"}`, 422, "validation_failed"},
		{"bad event", "POST", "/api/v1/sessions", `{"session_name":"a","settings":{"webhook_events":["nope"]}}`, 422, "validation_failed"},
		{"bad engine", "POST", "/api/v1/sessions", `{"session_name":"a","engine":"telegram"}`, 422, "validation_failed"},
		{"id not uuid", "GET", "/api/v1/sessions/not-a-uuid", nil, 400, "invalid_request"},
		{"unknown session", "GET", "/api/v1/sessions/00000000-0000-4000-8000-000000000000", nil, 404, "not_found"},
		{"instance bad session id", "POST", "/api/v1/instances", `{"session_id":"x"}`, 422, "validation_failed"},
		{"instance no session", "POST", "/api/v1/instances", `{"session_id":"00000000-0000-4000-8000-000000000000"}`, 404, "not_found"},
		{"send bad recipient", "POST", "/api/v1/messages/send", fmt.Sprintf(`{"session_id":%q,"recipient":"12","message":"hi"}`, sess.ID), 422, "validation_failed"},
		{"send bad server", "POST", "/api/v1/messages/send", fmt.Sprintf(`{"session_id":%q,"recipient":"123456789@example.com","message":"hi"}`, sess.ID), 422, "validation_failed"},
		{"send empty text", "POST", "/api/v1/messages/send", fmt.Sprintf(`{"session_id":%q,"recipient":"1234567890","message":" "}`, sess.ID), 422, "validation_failed"},
		{"send bad type", "POST", "/api/v1/messages/send", fmt.Sprintf(`{"session_id":%q,"recipient":"1234567890","message":"x","message_type":"fax"}`, sess.ID), 422, "validation_failed"},
		{"send not running", "POST", "/api/v1/messages/send", fmt.Sprintf(`{"session_id":%q,"recipient":"1234567890","message":"x"}`, sess.ID), 409, "conflict"},
		{"bad page", "GET", "/api/v1/messages?page=0", nil, 400, "invalid_request"},
		{"bad limit", "GET", "/api/v1/messages?limit=abc", nil, 400, "invalid_request"},
		{"bad direction", "GET", "/api/v1/messages?direction=sideways", nil, 400, "invalid_request"},
		{"bad from", "GET", "/api/v1/messages?from=yesterday", nil, 400, "invalid_request"},
		{"webhook no events", "POST", "/api/v1/webhooks", `{"url":"https://example.com/h","events":[]}`, 422, "validation_failed"},
		{"webhook bad url", "POST", "/api/v1/webhooks", `{"url":"not a url","events":["message"]}`, 422, "validation_failed"},
		{"webhook bad header", "POST", "/api/v1/webhooks", `{"url":"https://example.com/h","events":["message"],"headers":{"webhook-signature":"x"}}`, 422, "validation_failed"},
		{"unknown route", "GET", "/api/v1/nope", nil, 404, "not_found"},
		{"register bad email", "POST", "/api/v1/auth/register", `{"email":"nope","password":"battery-staple-42","name":"x"}`, 422, "validation_failed"},
		{"register short password", "POST", "/api/v1/auth/register", `{"email":"a@example.com","password":"short","name":"x"}`, 422, "validation_failed"},
		{"register bad phone", "POST", "/api/v1/auth/register", `{"email":"a@example.com","password":"battery-staple-42","name":"x","phone":"abc"}`, 422, "validation_failed"},
		{"register taken", "POST", "/api/v1/auth/register", `{"email":"BAD-INPUT@example.com","password":"battery-staple-42","name":"x"}`, 409, "conflict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			c.do(tt.method, tt.path, tt.body).fails(t, tt.status, tt.code)
		})
	}
	c.t = t

	// Nothing half-written: the refused creates left one session only.
	var list struct {
		Pagination pagination `json:"pagination"`
	}
	c.do("GET", "/api/v1/sessions", nil).must(t, http.StatusOK, &list)
	if list.Pagination.Total != 1 {
		t.Fatalf("sessions after refused creates = %d, want 1", list.Pagination.Total)
	}
	// Validation errors name the fields.
	r := c.do("POST", "/api/v1/auth/register", `{"email":"nope","password":"x","name":""}`)
	for _, f := range []string{"email", "password", "name"} {
		if r.Error.Fields[f] == "" {
			t.Errorf("no message for field %q in %s", f, r.Raw)
		}
	}
}

func TestAuthentication(t *testing.T) {
	base := startGateway(t, testEnv(t, map[string]string{"LOGIN_MAX_ATTEMPTS": "3"}))
	anon := &client{t: t, base: base}
	anon.do("GET", "/api/v1/sessions", nil).fails(t, http.StatusUnauthorized, "unauthorized")
	(&client{t: t, base: base, token: "garbage"}).do("GET", "/api/v1/sessions", nil).fails(t, http.StatusUnauthorized, "unauthorized")
	(&client{t: t, base: base, header: http.Header{"Authorization": {"Basic abc"}}}).do("GET", "/api/v1/sessions", nil).fails(t, http.StatusUnauthorized, "unauthorized")
	(&client{t: t, base: base, apiKey: "wsa_your_api_key_here"}).do("GET", "/api/v1/sessions", nil).fails(t, http.StatusUnauthorized, "unauthorized")

	c := register(t, base, "auth@example.com")
	c.do("GET", "/api/v1/auth/me", nil).must(t, http.StatusOK, nil)

	// Login throttling per account: after 3 failures even the right password waits.
	for i := 0; i < 3; i++ {
		anon.do("POST", "/api/v1/auth/login", map[string]any{"email": "auth@example.com", "password": "wrong-password"}).fails(t, 401, "unauthorized")
	}
	r := anon.do("POST", "/api/v1/auth/login", map[string]any{"email": "auth@example.com", "password": "battery-staple-42"}).fails(t, 429, "rate_limited")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("locked login has no Retry-After")
	}
	// Unknown accounts answer like wrong passwords.
	anon.do("POST", "/api/v1/auth/login", map[string]any{"email": "nobody@example.com", "password": "battery-staple-42"}).fails(t, 401, "unauthorized")

	// API keys: created once, work as X-API-Key, listed without the key, revoked at once.
	var created struct {
		APIKey struct {
			ID     string   `json:"id"`
			Key    string   `json:"key"`
			Prefix string   `json:"prefix"`
			Scopes []string `json:"scopes"`
		} `json:"api_key"`
	}
	c.do("POST", "/api/v1/api-keys", map[string]any{"name": "ci"}).must(t, http.StatusCreated, &created)
	key := created.APIKey
	if !strings.HasPrefix(key.Key, "wsa_") || !strings.HasPrefix(key.Key, key.Prefix) {
		t.Fatalf("key: %+v", key)
	}
	kc := &client{t: t, base: base, apiKey: key.Key}
	kc.do("GET", "/api/v1/auth/me", nil).must(t, http.StatusOK, nil)
	// The route table marks the password change token-only: a key is refused.
	kc.do("POST", "/api/v1/auth/password/change", map[string]any{"current_password": "battery-staple-42", "new_password": "another-long-one-7"}).
		fails(t, http.StatusForbidden, "forbidden")
	sess := newSession(t, kc, "by-key")
	var keys struct {
		APIKeys []map[string]any `json:"api_keys"`
	}
	c.do("GET", "/api/v1/api-keys", nil).must(t, http.StatusOK, &keys)
	if len(keys.APIKeys) != 1 || keys.APIKeys[0]["key"] != nil {
		t.Fatalf("key list: %+v", keys)
	}
	if strings.Contains(string(c.do("GET", "/api/v1/api-keys", nil).Raw), key.Key) {
		t.Fatal("key list contains the key")
	}

	// A send-only key cannot manage sessions, a read-only key cannot send.
	var sendOnly, readOnly struct {
		APIKey struct{ Key string } `json:"api_key"`
	}
	c.do("POST", "/api/v1/api-keys", map[string]any{"name": "send", "scopes": []string{"send"}}).must(t, 201, &sendOnly)
	c.do("POST", "/api/v1/api-keys", map[string]any{"name": "read", "scopes": []string{"read"}}).must(t, 201, &readOnly)
	(&client{t: t, base: base, apiKey: sendOnly.APIKey.Key}).do("POST", "/api/v1/sessions", map[string]any{"session_name": "x"}).fails(t, 403, "forbidden")
	(&client{t: t, base: base, apiKey: sendOnly.APIKey.Key}).do("GET", "/api/v1/sessions", nil).fails(t, 403, "forbidden")
	(&client{t: t, base: base, apiKey: readOnly.APIKey.Key}).do("GET", "/api/v1/sessions/"+sess.ID, nil).must(t, 200, nil)
	(&client{t: t, base: base, apiKey: readOnly.APIKey.Key}).do("POST", "/api/v1/messages/send",
		map[string]any{"session_id": sess.ID, "recipient": "1234567890", "message": "x"}).fails(t, 403, "forbidden")

	c.do("DELETE", "/api/v1/api-keys/"+key.ID, nil).must(t, http.StatusOK, nil)
	kc.do("GET", "/api/v1/auth/me", nil).fails(t, http.StatusUnauthorized, "unauthorized")
}

func TestTenantIsolation(t *testing.T) {
	base := startGateway(t, testEnv(t, nil))
	alice := register(t, base, "alice@example.com")
	bob := register(t, base, "bob@example.com")

	sess := newSession(t, alice, "alice-session")
	inst := startInstance(t, alice, sess.ID)
	waitConnected(t, alice, sess.ID)
	var sent struct {
		Message messageView `json:"message"`
	}
	alice.do("POST", "/api/v1/messages/send", map[string]any{"session_id": sess.ID, "recipient": "+1 555 000 1111", "message": "secret"}).
		must(t, http.StatusCreated, &sent)
	var hook struct {
		Webhook struct{ ID string } `json:"webhook"`
	}
	alice.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://alice.example.com/h", "events": []string{"*"}}).must(t, 201, &hook)
	var key struct {
		APIKey struct{ ID string } `json:"api_key"`
	}
	alice.do("POST", "/api/v1/api-keys", map[string]any{"name": "k"}).must(t, 201, &key)

	// Every probe of Bob's at Alice's resources is a 404, never a 403.
	for _, p := range []struct{ method, path string }{
		{"GET", "/api/v1/sessions/" + sess.ID},
		{"PATCH", "/api/v1/sessions/" + sess.ID},
		{"DELETE", "/api/v1/sessions/" + sess.ID},
		{"GET", "/api/v1/sessions/" + sess.ID + "/qr"},
		{"POST", "/api/v1/sessions/" + sess.ID + "/logout"},
		{"GET", "/api/v1/instances/" + inst.ID},
		{"POST", "/api/v1/instances/" + inst.ID + "/stop"},
		{"POST", "/api/v1/instances/" + inst.ID + "/restart"},
		{"GET", "/api/v1/messages/" + sent.Message.ID},
		{"GET", "/api/v1/webhooks/" + hook.Webhook.ID},
		{"DELETE", "/api/v1/webhooks/" + hook.Webhook.ID},
		{"DELETE", "/api/v1/api-keys/" + key.APIKey.ID},
	} {
		t.Run(p.method+" "+p.path, func(t *testing.T) {
			bob.t = t
			var body any
			if p.method == "PATCH" {
				body = map[string]any{"session_name": "mine now"}
			}
			bob.do(p.method, p.path, body).fails(t, http.StatusNotFound, "not_found")
		})
	}
	bob.t = t
	bob.do("POST", "/api/v1/instances", map[string]any{"session_id": sess.ID}).fails(t, 404, "not_found")
	bob.do("POST", "/api/v1/messages/send", map[string]any{"session_id": sess.ID, "recipient": "1234567890", "message": "x"}).fails(t, 404, "not_found")
	bob.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://bob.example.com", "events": []string{"*"}, "session_id": sess.ID}).fails(t, 404, "not_found")

	// Bob's lists are empty; Alice still has everything.
	for _, path := range []string{"/api/v1/sessions", "/api/v1/instances", "/api/v1/messages", "/api/v1/webhooks", "/api/v1/api-keys"} {
		var l struct {
			Pagination pagination `json:"pagination"`
		}
		bob.do("GET", path, nil).must(t, 200, &l)
		if l.Pagination.Total != 0 {
			t.Errorf("bob sees %d items at %s", l.Pagination.Total, path)
		}
		alice.do("GET", path, nil).must(t, 200, &l)
		if l.Pagination.Total == 0 {
			t.Errorf("alice sees nothing at %s", path)
		}
	}
	var ov struct {
		Messages struct {
			Total struct{ Total int } `json:"total"`
		} `json:"messages"`
	}
	bob.do("GET", "/api/v1/analytics/overview", nil).must(t, 200, &ov)
	if ov.Messages.Total.Total != 0 {
		t.Fatalf("bob's overview counts alice's messages: %+v", ov)
	}
	alice.do("GET", "/api/v1/sessions/"+sess.ID, nil).must(t, 200, nil)
}

func TestRateLimit(t *testing.T) {
	base := startGateway(t, testEnv(t, map[string]string{"RATE_LIMIT_MAX_REQUESTS": "5", "RATE_LIMIT_WINDOW_MS": "60000"}))
	c := register(t, base, "rl@example.com")
	var last *reply
	for i := 0; i < 5; i++ {
		last = c.do("GET", "/api/v1/sessions", nil).must(t, 200, nil)
	}
	if last.Header.Get("RateLimit-Limit") != "5" || last.Header.Get("RateLimit-Remaining") != "0" {
		t.Fatalf("headers: limit %q remaining %q", last.Header.Get("RateLimit-Limit"), last.Header.Get("RateLimit-Remaining"))
	}
	r := c.do("GET", "/api/v1/sessions", nil).fails(t, http.StatusTooManyRequests, "rate_limited")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	// Another client is counted on its own.
	other := register(t, base, "rl2@example.com")
	other.do("GET", "/api/v1/sessions", nil).must(t, 200, nil)
	// Health is never limited.
	for i := 0; i < 10; i++ {
		(&client{t: t, base: base}).do("GET", "/health/live", nil).must(t, 200, nil)
	}
}

func TestInstanceQuotaAndLifecycle(t *testing.T) {
	base := startGateway(t, testEnv(t, map[string]string{"MAX_INSTANCES_PER_USER": "2"}))
	c := register(t, base, "quota@example.com")
	var ids []string
	for i := 0; i < 3; i++ {
		ids = append(ids, newSession(t, c, fmt.Sprintf("s%d", i)).ID)
	}
	a := startInstance(t, c, ids[0])
	startInstance(t, c, ids[1])
	r := c.do("POST", "/api/v1/instances", map[string]any{"session_id": ids[2]}).fails(t, http.StatusTooManyRequests, "quota_exceeded")
	if !strings.Contains(r.Error.Message, "2") {
		t.Fatalf("quota message does not name the limit: %q", r.Error.Message)
	}
	// Stopping one frees a slot.
	c.do("POST", "/api/v1/instances/"+a.ID+"/stop", nil).must(t, 200, nil)
	startInstance(t, c, ids[2])
	// The stopped one cannot come back while at the limit; restart of a running one works.
	c.do("POST", "/api/v1/instances/"+a.ID+"/start", nil).fails(t, http.StatusTooManyRequests, "quota_exceeded")
	var list struct {
		Instances []instanceView `json:"instances"`
	}
	c.do("GET", "/api/v1/instances", nil).must(t, 200, &list)
	if len(list.Instances) != 3 {
		t.Fatalf("instances: %+v", list.Instances)
	}
	var restarted struct {
		Instance instanceView `json:"instance"`
	}
	c.do("POST", "/api/v1/instances/"+list.Instances[0].ID+"/restart", nil).must(t, 200, &restarted)
	if restarted.Instance.Status != "running" {
		t.Fatalf("restarted: %+v", restarted.Instance)
	}
}

// TestTrustedProxiesSeparateClients: behind a load balancer listed in
// TRUSTED_PROXIES (here the test's own loopback connections), clients
// get a rate-limit bucket each, by X-Forwarded-For; without the listing, a
// client rotating a forged header still gets one bucket.
func TestTrustedProxiesSeparateClients(t *testing.T) {
	login := func(c *client) *reply {
		return c.do("POST", "/api/v1/auth/login", map[string]string{"email": "nobody@example.com", "password": "wrong-password"})
	}
	behind := func(base, addr string) *client {
		return &client{t: t, base: base, header: http.Header{"X-Forwarded-For": {"6.6.6.6, " + addr}}}
	}

	base := startGateway(t, testEnv(t, map[string]string{"RATE_LIMIT_MAX_REQUESTS": "3", "TRUSTED_PROXIES": "127.0.0.0/8,::1"}))
	a, b := behind(base, "198.51.100.1"), behind(base, "198.51.100.2")
	for i := 0; i < 3; i++ {
		if r := login(a); r.Status == http.StatusTooManyRequests {
			t.Fatalf("client A, request %d: got 429 within its limit", i+1)
		}
	}
	login(a).fails(t, http.StatusTooManyRequests, "rate_limited")
	if r := login(b); r.Status == http.StatusTooManyRequests {
		t.Fatalf("client B behind the same proxy: got 429, want a bucket of its own")
	}

	// The proxy is not trusted: the header is the client's word, ignored.
	base = startGateway(t, testEnv(t, map[string]string{"RATE_LIMIT_MAX_REQUESTS": "3", "TRUSTED_PROXIES": "10.0.0.0/8"}))
	for i := 0; i < 3; i++ {
		if r := login(behind(base, fmt.Sprintf("198.51.100.%d", i+1))); r.Status == http.StatusTooManyRequests {
			t.Fatalf("request %d: got 429 within the limit", i+1)
		}
	}
	login(behind(base, "198.51.100.99")).fails(t, http.StatusTooManyRequests, "rate_limited")
}
