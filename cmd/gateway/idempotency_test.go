package main

import (
	"database/sql"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// idempotencyDB opens the gateway's SQLite file beside it, to look at (and,
// for the crash cases, put back into the state a killed gateway leaves)
// what the idempotency store keeps.
func idempotencyDB(t *testing.T, dataDir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dataDir, "gateway.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestIdempotentReplayOnlyForTheSameCaller: an Idempotency-Key used by the
// tenant's token on POST /api-keys cannot be replayed by a narrower key to
// obtain the new full-access key, nor by another full key; and the stored
// answer keeps no secret.
func TestIdempotentReplayOnlyForTheSameCaller(t *testing.T) {
	env := testEnv(t, map[string]string{"WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true"})
	base := startGateway(t, env)
	owner := register(t, base, "idem@example.com")
	sess, _ := startSession(t, owner, "s")

	mint := func(c *client, body map[string]any) string {
		var out struct {
			APIKey struct {
				Key string `json:"key"`
			} `json:"api_key"`
		}
		c.do("POST", "/api/v1/api-keys", body).must(t, 201, &out)
		return out.APIKey.Key
	}
	readKey := &client{t: t, base: base, apiKey: mint(owner, map[string]any{"name": "r", "scopes": []string{"read"}})}
	sendKey := &client{t: t, base: base, apiKey: mint(owner, map[string]any{"name": "s", "scopes": []string{"send"}})}
	fullKey := &client{t: t, base: base, apiKey: mint(owner, map[string]any{"name": "f", "scopes": []string{"*"}})}
	boundKey := &client{t: t, base: base, apiKey: mint(owner, map[string]any{"name": "b", "scopes": []string{"*"}, "session_id": sess.ID})}

	body := map[string]any{"name": "ci", "scopes": []string{"*"}}
	var first struct {
		APIKey struct {
			Key string `json:"key"`
		} `json:"api_key"`
	}
	owner.with("Idempotency-Key", "mint-1").do("POST", "/api/v1/api-keys", body).must(t, 201, &first)
	if !strings.HasPrefix(first.APIKey.Key, "wsa_") {
		t.Fatalf("first answer has key %q", first.APIKey.Key)
	}
	for name, c := range map[string]*client{"read": readKey, "send": sendKey, "bound": boundKey} {
		r := c.with("Idempotency-Key", "mint-1").do("POST", "/api/v1/api-keys", body)
		if r.Header.Get("Idempotent-Replayed") != "" || strings.Contains(string(r.Raw), first.APIKey.Key) {
			t.Fatalf("%s key got the replay of the token's answer: %d %s", name, r.Status, r.Raw)
		}
		t.Logf("%s: %d %s", name, r.Status, r.Raw)
		r.fails(t, 403, "forbidden")
	}
	r := fullKey.with("Idempotency-Key", "mint-1").do("POST", "/api/v1/api-keys", body)
	if strings.Contains(string(r.Raw), first.APIKey.Key) {
		t.Fatalf("another full key got the replay: %s", r.Raw)
	}
	r.fails(t, 422, "validation_failed")

	// The same caller gets the replay, without the key: it is not kept.
	r = owner.with("Idempotency-Key", "mint-1").do("POST", "/api/v1/api-keys", body).must(t, 201, nil)
	if r.Header.Get("Idempotent-Replayed") != "true" || strings.Contains(string(r.Raw), first.APIKey.Key) || strings.Contains(string(r.Raw), `"key":"wsa_`) {
		t.Fatalf("replay: replayed=%q body %s, want the answer without the key", r.Header.Get("Idempotent-Replayed"), r.Raw)
	}

	var hook struct {
		Webhook struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		} `json:"webhook"`
	}
	hookBody := map[string]any{"url": "http://127.0.0.1:9/h", "events": []string{"*"}}
	owner.with("Idempotency-Key", "hook-1").do("POST", "/api/v1/webhooks", hookBody).must(t, 201, &hook)
	var rotated struct {
		Webhook struct {
			Secret string `json:"secret"`
		} `json:"webhook"`
	}
	owner.with("Idempotency-Key", "rotate-1").do("POST", "/api/v1/webhooks/"+hook.Webhook.ID+"/rotate-secret", nil).must(t, 200, &rotated)
	if hook.Webhook.Secret == "" || rotated.Webhook.Secret == "" {
		t.Fatal("webhook answers carry no secret")
	}
	r = owner.with("Idempotency-Key", "hook-1").do("POST", "/api/v1/webhooks", hookBody).must(t, 201, nil)
	if r.Header.Get("Idempotent-Replayed") != "true" || strings.Contains(string(r.Raw), hook.Webhook.Secret) {
		t.Fatalf("webhook replay shows the secret: %s", r.Raw)
	}

	// Nothing secret at rest in the idempotency store.
	db := idempotencyDB(t, env["DATA_DIR"])
	rows, err := db.Query("SELECT key, COALESCE(body, '') FROM idempotency_keys")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var k, b string
		if err := rows.Scan(&k, &b); err != nil {
			t.Fatal(err)
		}
		n++
		for _, secret := range []string{first.APIKey.Key, hook.Webhook.Secret, rotated.Webhook.Secret} {
			if strings.Contains(b, secret) {
				t.Fatalf("idempotency record %q keeps a secret: %s", k, b)
			}
		}
	}
	if n != 3 {
		t.Fatalf("%d idempotency records, want 3", n)
	}
}

// TestIdempotencyClaimOfACrashedRequest puts a claim back into the state a
// gateway killed mid-request leaves it (running, lease lapsed) and retries:
// a send that had committed answers the stored message, one that had not
// runs; neither waits for the claim's day to pass, and nothing is sent twice.
func TestIdempotencyClaimOfACrashedRequest(t *testing.T) {
	env := testEnv(t, nil)
	base := startGateway(t, env)
	c := register(t, base, "crash@example.com")
	sess, _ := startSession(t, c, "s")
	db := idempotencyDB(t, env["DATA_DIR"])
	crash := func(key, requestID string) {
		t.Helper()
		res, err := db.Exec(`UPDATE idempotency_keys SET status = 0, body = NULL, lease_until = ?, request_id = ? WHERE key = ?`,
			time.Now().Add(-time.Second).UnixMicro(), requestID, key)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("claim %s: %d rows", key, n)
		}
	}
	count := func(text string) int {
		var list struct {
			Messages []struct {
				Body string `json:"message"`
			} `json:"messages"`
		}
		c.do("GET", "/api/v1/messages?direction=outbound&limit=100", nil).must(t, 200, &list)
		n := 0
		for _, m := range list.Messages {
			if m.Body == text {
				n++
			}
		}
		return n
	}
	type sent struct {
		Message struct {
			ID string `json:"id"`
		} `json:"message"`
	}

	// Committed, then killed before the answer was kept.
	body := map[string]any{"session_id": sess.ID, "recipient": "1234567890", "message": "committed"}
	var first sent
	c.with("Idempotency-Key", "send-1").with("X-Request-Id", "req-committed").do("POST", "/api/v1/messages/send", body).
		must(t, http.StatusCreated, &first)
	crash("send-1", "req-committed")
	var again sent
	r := c.with("Idempotency-Key", "send-1").do("POST", "/api/v1/messages/send", body).must(t, http.StatusCreated, &again)
	if r.Header.Get("Idempotent-Replayed") != "true" || again.Message.ID != first.Message.ID {
		t.Fatalf("retry after the crash: replayed=%q message %s, want the stored %s", r.Header.Get("Idempotent-Replayed"), again.Message.ID, first.Message.ID)
	}
	if n := count("committed"); n != 1 {
		t.Fatalf("%d messages 'committed', want 1", n)
	}
	// Resolved for good: the next retry is a plain replay.
	c.with("Idempotency-Key", "send-1").do("POST", "/api/v1/messages/send", body).must(t, http.StatusCreated, &again)
	if again.Message.ID != first.Message.ID {
		t.Fatalf("second retry answered message %s, want %s", again.Message.ID, first.Message.ID)
	}

	// Killed before it stored anything: the retry runs.
	body2 := map[string]any{"session_id": sess.ID, "recipient": "1234567890", "message": "lost"}
	c.with("Idempotency-Key", "send-2").do("POST", "/api/v1/messages/send", map[string]any{"session_id": sess.ID, "recipient": "1234567890", "message": "placeholder"}).
		must(t, http.StatusCreated, nil)
	// The claim of a request with this body that stored nothing.
	c.with("Idempotency-Key", "send-3").do("POST", "/api/v1/messages/send", body2).must(t, http.StatusCreated, &first)
	if _, err := db.Exec("DELETE FROM messages WHERE id = ?", first.Message.ID); err != nil {
		t.Fatal(err)
	}
	crash("send-3", "req-that-stored-nothing")
	r = c.with("Idempotency-Key", "send-3").do("POST", "/api/v1/messages/send", body2).must(t, http.StatusCreated, &again)
	if r.Header.Get("Idempotent-Replayed") == "true" || again.Message.ID == first.Message.ID {
		t.Fatalf("retry of a request that stored nothing was replayed (%s)", r.Raw)
	}
	if n := count("lost"); n != 1 {
		t.Fatalf("%d messages 'lost', want 1", n)
	}
	// Its answer is kept like any first answer.
	var third sent
	c.with("Idempotency-Key", "send-3").do("POST", "/api/v1/messages/send", body2).must(t, http.StatusCreated, &third)
	if third.Message.ID != again.Message.ID {
		t.Fatalf("replay answered %s, want %s", third.Message.ID, again.Message.ID)
	}
}
