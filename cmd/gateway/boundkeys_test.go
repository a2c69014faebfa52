package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// boundFixture is a tenant with two sessions, A and B, each with its
// instance, a message and a webhook, a tenant-wide webhook, and a key bound
// to A with every scope.
type boundFixture struct {
	owner, boundKey           *client
	a, b                      sessionView
	instA, instB              instanceView
	msgB, hookB, hookAll      string
	otherKey, deliveryB, keyA string
}

func newBoundFixture(t *testing.T) *boundFixture {
	t.Helper()
	base := startGateway(t, testEnv(t, map[string]string{"WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true"}))
	f := &boundFixture{owner: register(t, base, "bound@example.com")}
	f.a, f.instA = startSession(t, f.owner, "a")
	f.b, f.instB = startSession(t, f.owner, "b")
	waitConnected(t, f.owner, f.a.ID)
	waitConnected(t, f.owner, f.b.ID)

	var hook struct {
		Webhook struct {
			ID string `json:"id"`
		} `json:"webhook"`
	}
	f.owner.do("POST", "/api/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/b", "events": []string{"*"}, "session_id": f.b.ID}).must(t, 201, &hook)
	f.hookB = hook.Webhook.ID
	f.owner.do("POST", "/api/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/all", "events": []string{"*"}}).must(t, 201, &hook)
	f.hookAll = hook.Webhook.ID

	var sent struct {
		Message struct {
			ID string `json:"id"`
		} `json:"message"`
	}
	f.owner.do("POST", "/api/v1/messages/send", map[string]any{"session_id": f.b.ID, "recipient": "1234567890", "message": "secret of b"}).
		must(t, 201, &sent)
	f.msgB = sent.Message.ID
	var deliveries struct {
		Deliveries []struct {
			ID string `json:"id"`
		} `json:"deliveries"`
	}
	polltest.Eventually(t, patience, "a delivery to B's webhook", func() bool {
		f.owner.do("GET", "/api/v1/webhooks/"+f.hookB+"/deliveries", nil).must(t, 200, &deliveries)
		return len(deliveries.Deliveries) > 0
	})
	f.deliveryB = deliveries.Deliveries[0].ID

	var key struct {
		APIKey struct {
			ID  string `json:"id"`
			Key string `json:"key"`
		} `json:"api_key"`
	}
	f.owner.do("POST", "/api/v1/api-keys", map[string]any{"name": "other", "scopes": []string{"read"}}).must(t, 201, &key)
	f.otherKey = key.APIKey.ID
	f.owner.do("POST", "/api/v1/api-keys", map[string]any{"name": "bound-a", "scopes": []string{"*"}, "session_id": f.a.ID}).must(t, 201, &key)
	f.keyA = key.APIKey.ID
	// A stream the key should not get must not hang the test.
	f.boundKey = &client{t: t, base: base, apiKey: key.APIKey.Key, http: &http.Client{Timeout: 3 * time.Second}}
	return f
}

// TestBoundKeyConfinedOnEveryRoute walks every tenant route of the served
// OpenAPI document with a key bound to session A, naming session B's
// resources wherever a route takes one: no answer may act on B, show B's
// data, or reach the whole account, and B's resources are intact at the end.
func TestBoundKeyConfinedOnEveryRoute(t *testing.T) {
	f := newBoundFixture(t)
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Bound       string `json:"x-session-bound-key"`
			Security    []any  `json:"security"`
		} `json:"paths"`
	}
	resp, err := http.Get(f.owner.base + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	ids := map[string]string{"session_id": f.b.ID, "instance_id": f.instB.ID, "webhook_id": f.hookB,
		"message_id": f.msgB, "delivery_id": f.deliveryB, "key_id": f.otherKey, "plan_id": "free",
		"group_id": "120363000000000001@g.us", "chat_id": "1234567890@s.whatsapp.net", "contact_id": "1234567890",
		"lid": "123456789012345@lid", "phone": "1234567890", "label_id": "1", "channel_id": "120363000000000002@newsletter"}
	// What the answers must never show: B's resources, the tenant-wide
	// webhook, the other key.
	secret := []string{f.b.ID, f.instB.ID, f.hookB, f.hookAll, f.msgB, f.otherKey, "secret of b"}
	param := regexp.MustCompile(`\{([a-z_]+)\}`)
	body := map[string]any{"session_id": f.b.ID, "recipient": "1234567890", "message": "from a bound key",
		"url": "http://127.0.0.1:9/x", "events": []string{"*"}, "phones": []string{"1234567890"}, "chat": "1234567890", "name": "k",
		"scopes": []string{"*"}, "session_name": "n", "message_ids": []string{f.msgB}}

	var paths []string
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	walked := 0
	for _, p := range paths {
		if !strings.HasPrefix(p, "/api/v1/") || strings.HasPrefix(p, "/api/v1/admin") {
			continue
		}
		for method, op := range doc.Paths[p] {
			if len(op.Security) == 0 {
				continue // public route
			}
			method = strings.ToUpper(method)
			url := param.ReplaceAllStringFunc(p, func(m string) string { return ids[m[1:len(m)-1]] })
			if method == "GET" {
				url += "?session_id=" + f.b.ID
			}
			var r *reply
			if method == "GET" || method == "DELETE" {
				r = f.boundKey.do(method, url, nil)
			} else {
				r = f.boundKey.do(method, url, body)
			}
			walked++
			if r.Status >= 500 {
				t.Errorf("%s %s (%s): status %d: %s", method, url, op.OperationID, r.Status, r.Raw)
				continue
			}
			if op.Bound == "refused" && r.Status != http.StatusForbidden {
				t.Errorf("%s %s (%s) is refused to bound keys, got %d: %s", method, url, op.OperationID, r.Status, r.Raw)
			}
			if strings.Contains(p, "{") && op.Bound != "allowed" && r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
				t.Errorf("%s %s (%s) names B's resource: got %d, want 404: %s", method, url, op.OperationID, r.Status, r.Raw)
			}
			for _, s := range secret {
				if strings.Contains(string(r.Raw), s) {
					t.Errorf("%s %s (%s): answer shows %q: %s", method, url, op.OperationID, s, r.Raw)
				}
			}
		}
	}
	if walked < 45 {
		t.Fatalf("walked %d routes, want every tenant route (45+)", walked)
	}

	// B is intact: session, instance, webhook, message and the other key.
	if s := getSession(t, f.owner, f.b.ID); s.Status != "connected" {
		t.Errorf("session B is %q after the walk, want connected", s.Status)
	}
	var inst struct {
		Instance instanceView `json:"instance"`
	}
	f.owner.do("GET", "/api/v1/instances/"+f.instB.ID, nil).must(t, 200, &inst)
	if inst.Instance.Status != "running" {
		t.Errorf("instance B is %q after the walk, want running", inst.Instance.Status)
	}
	f.owner.do("GET", "/api/v1/webhooks/"+f.hookB, nil).must(t, 200, nil)
	var keys struct {
		APIKeys []struct {
			ID        string  `json:"id"`
			RevokedAt *string `json:"revoked_at"`
		} `json:"api_keys"`
	}
	f.owner.do("GET", "/api/v1/api-keys", nil).must(t, 200, &keys)
	if len(keys.APIKeys) != 2 {
		t.Errorf("the account has %d keys after the walk, want 2 (no key minted by the bound key)", len(keys.APIKeys))
	}
	for _, k := range keys.APIKeys {
		if k.RevokedAt != nil {
			t.Errorf("key %s was revoked by the bound key", k.ID)
		}
	}
}

// TestBoundKeyWorksOnItsSession: confinement takes nothing from the key's
// own session, and what it creates is its session's.
func TestBoundKeyWorksOnItsSession(t *testing.T) {
	f := newBoundFixture(t)
	k := f.boundKey
	var sessions struct {
		Sessions []sessionView `json:"sessions"`
	}
	k.do("GET", "/api/v1/sessions", nil).must(t, 200, &sessions)
	if len(sessions.Sessions) != 1 || sessions.Sessions[0].ID != f.a.ID {
		t.Fatalf("bound key lists %+v, want session A alone", sessions.Sessions)
	}
	k.do("GET", "/api/v1/sessions/"+f.a.ID+"/status", nil).must(t, 200, nil)
	k.do("GET", "/api/v1/instances/"+f.instA.ID, nil).must(t, 200, nil)
	// A send without session_id goes from the key's session.
	var sent struct {
		Message struct {
			SessionID string `json:"session_id"`
		} `json:"message"`
	}
	k.do("POST", "/api/v1/messages/send", map[string]any{"recipient": "1234567890", "message": "hi"}).must(t, 201, &sent)
	if sent.Message.SessionID != f.a.ID {
		t.Fatalf("send from a bound key went from %q, want session A", sent.Message.SessionID)
	}
	// A webhook made without session_id is the session's, not tenant-wide.
	var hook struct {
		Webhook struct {
			ID        string `json:"id"`
			SessionID string `json:"session_id"`
		} `json:"webhook"`
	}
	k.do("POST", "/api/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/a", "events": []string{"*"}}).must(t, 201, &hook)
	if hook.Webhook.SessionID != f.a.ID {
		t.Fatalf("webhook made by a bound key has session %q, want A", hook.Webhook.SessionID)
	}
	var hooks struct {
		Webhooks []struct {
			ID string `json:"id"`
		} `json:"webhooks"`
	}
	k.do("GET", "/api/v1/webhooks", nil).must(t, 200, &hooks)
	if len(hooks.Webhooks) != 1 || hooks.Webhooks[0].ID != hook.Webhook.ID {
		t.Fatalf("bound key lists webhooks %+v, want its own alone", hooks.Webhooks)
	}
	var keys struct {
		APIKeys []struct {
			ID string `json:"id"`
		} `json:"api_keys"`
	}
	k.do("GET", "/api/v1/api-keys", nil).must(t, 200, &keys)
	if len(keys.APIKeys) != 1 || keys.APIKeys[0].ID != f.keyA {
		t.Fatalf("bound key lists keys %+v, want itself alone", keys.APIKeys)
	}

	// The event stream, replayed from the start, carries session A's
	// events and none of B's.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", k.base+"/api/v1/events", nil)
	req.Header.Set("X-API-Key", k.apiKey)
	req.Header.Set("Last-Event-ID", "0")
	resp, err := checkedClient(t, http.DefaultClient).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var seenA bool
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, f.b.ID) {
			t.Fatalf("bound key's event stream carries session B's event: %s", line)
		}
		seenA = seenA || strings.Contains(line, f.a.ID)
	}
	if !seenA {
		t.Fatal("bound key's event stream carried none of session A's events")
	}
	// It may revoke itself.
	k.do("DELETE", "/api/v1/api-keys/"+f.keyA, nil).must(t, 200, nil)
	k.do("GET", "/api/v1/sessions", nil).fails(t, 401, "unauthorized")
}
