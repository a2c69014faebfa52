package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// receiver is a customer's webhook endpoint for tests: it checks every
// request's Standard Webhooks signature with its own verifier (written from
// the spec, independent of internal/webhook), fails the first attempts of
// each event when asked, and counts what it accepted.
type receiver struct {
	srv *httptest.Server

	mu        sync.Mutex
	secrets   []string       // a request must verify with every one of them
	failFirst int            // answer 500 to the first failFirst attempts of each event
	failAll   bool           // answer 503 to everything
	attempts  map[string]int // event id -> requests
	accepted  map[string]int // event id -> 2xx answers
	types     map[string]string
	badSig    int
	sigCount  map[int]int // signatures per request -> requests
	first     map[string]time.Time
	bodies    map[string][]byte // event id -> the body accepted
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{attempts: map[string]int{}, accepted: map[string]int{}, types: map[string]string{},
		sigCount: map[int]int{}, first: map[string]time.Time{}, bodies: map[string][]byte{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) URL() string { return r.srv.URL + "/hook" }

func (r *receiver) setSecrets(s ...string) {
	r.mu.Lock()
	r.secrets = s
	r.mu.Unlock()
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.secrets {
		if err := verifyStandardWebhook(s, req.Header, body, time.Now()); err != nil {
			r.badSig++
			w.WriteHeader(http.StatusBadRequest)
			return
		}
	}
	r.sigCount[len(strings.Fields(req.Header.Get("webhook-signature")))]++
	var env struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.ID == "" || env.ID != req.Header.Get("webhook-id") {
		r.badSig++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.attempts[env.ID]++
	r.types[env.ID] = env.Type
	if r.failAll || r.attempts[env.ID] <= r.failFirst {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if r.accepted[env.ID] == 0 {
		r.first[env.ID] = time.Now()
	}
	r.accepted[env.ID]++
	r.bodies[env.ID] = body
	w.WriteHeader(http.StatusNoContent)
}

// acceptedOf returns the bodies of the accepted events of type typ.
func (r *receiver) acceptedOf(typ string) [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out [][]byte
	for id, b := range r.bodies {
		if r.types[id] == typ {
			out = append(out, b)
		}
	}
	return out
}

// snapshot returns copies of the counters.
func (r *receiver) snapshot() (accepted map[string]int, badSig int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	accepted = make(map[string]int, len(r.accepted))
	maps.Copy(accepted, r.accepted)
	return accepted, r.badSig
}

// verifyStandardWebhook verifies a request per the Standard Webhooks spec:
// HMAC-SHA256 over "webhook-id.webhook-timestamp.body" keyed with the
// base64-decoded part of the whsec_ secret, compared in constant time with
// each space-separated "v1,<base64>" of webhook-signature, and a timestamp
// within five minutes.
func verifyStandardWebhook(secret string, h http.Header, body []byte, now time.Time) error {
	id, ts, sig := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sig == "" {
		return fmt.Errorf("missing webhook headers")
	}
	sent, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("bad timestamp %q", ts)
	}
	if skew := now.Unix() - sent; skew > 300 || skew < -300 {
		return fmt.Errorf("timestamp outside the tolerance")
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return fmt.Errorf("bad secret")
	}
	mac := hmac.New(sha256.New, key)
	io.WriteString(mac, id+"."+ts+".")
	mac.Write(body)
	expected := mac.Sum(nil)
	for _, part := range strings.Split(sig, " ") {
		v, b64, _ := strings.Cut(part, ",")
		got, err := base64.StdEncoding.DecodeString(b64)
		if v == "v1" && err == nil && hmac.Equal(got, expected) {
			return nil
		}
	}
	return fmt.Errorf("no valid signature")
}

// sseEvent is one server-sent event.
type sseEvent struct {
	ID, Event string
	Data      json.RawMessage
}

// openStream opens GET /api/v1/events and returns its events on a channel
// that closes when the stream ends (cancel to end it).
func openStream(t *testing.T, c *client, query, lastID string) (<-chan sseEvent, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/v1/events"+query, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := checkedClient(t, http.DefaultClient).Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		t.Fatalf("GET /events: status %d %s", resp.StatusCode, b)
	}
	out := make(chan sseEvent, 1024)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Data != nil {
					select {
					case out <- ev:
					case <-ctx.Done():
						return
					}
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.Event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.Data = json.RawMessage(line[6:])
			}
		}
	}()
	t.Cleanup(cancel)
	return out, cancel
}
