package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/cmd/internal/servetest"
	"github.com/whatsapp-saas/gateway/internal/config"
	"github.com/whatsapp-saas/gateway/internal/polltest"
	"github.com/whatsapp-saas/gateway/internal/postgres/pgtest"
)

// patience is how long a test waits for asynchronous work.
const patience = 20 * time.Second

// testEnv is the environment of an in-process gateway: embedded, sandbox,
// fast pairing and receipts, a port picked by the kernel.
func testEnv(t *testing.T, extra map[string]string) map[string]string {
	t.Helper()
	env := map[string]string{
		"PORT":                      "0",
		"DATA_DIR":                  t.TempDir(),
		"WHATSAPP_ENGINE":           "sandbox",
		"BCRYPT_ROUNDS":             "4",
		"SANDBOX_PAIR_DELAY":        "200ms",
		"SANDBOX_DELIVERY_DELAY":    "100ms",
		"SANDBOX_READ_DELAY":        "200ms",
		"RATE_LIMIT_MAX_REQUESTS":   "100000",
		"INSTANCE_PORT_RANGE_START": "21000",
		"INSTANCE_PORT_RANGE_END":   "29999",
		"LOG_LEVEL":                 "warn",
	}
	maps.Copy(env, extra)
	return env
}

// pairAtOnce makes sandbox sessions pair as soon as they are scanned (read
// only: copy it to add settings).
var pairAtOnce = map[string]string{"SANDBOX_PAIR_DELAY": "0"}

// noHistory makes sandbox sessions pair without a seeded history (read only).
var noHistory = map[string]string{"HISTORY_SYNC_DAYS": "0"}

// instantSandbox starts a sandbox gateway whose sessions pair at once,
// with the settings of extras on top.
func instantSandbox(t *testing.T, extras ...map[string]string) string {
	t.Helper()
	env := maps.Clone(pairAtOnce)
	for _, e := range extras {
		maps.Copy(env, e)
	}
	return startGateway(t, testEnv(t, env))
}

// sharedStores are the settings of the shape several processes share: a
// fresh PostgreSQL schema, and the bus and sandbox network on Redis
// database redisDB (flushed). The test skips unless TEST_REDIS_URL and
// TEST_DATABASE_URL are set.
func sharedStores(t *testing.T, redisDB int) map[string]string {
	t.Helper()
	redisURL := ownRedis(t, redisDB)
	return map[string]string{"DATABASE_URL": pgtest.FreshSchema(t), "REDIS_URL": redisURL}
}

// twoGateways starts two gateways of one installation, as a cluster runs
// them: one PostgreSQL schema, Redis database redisDB and the same
// secrets, with extra on top; env builds each one's environment (testEnv
// or a wrapper of it). The second takes other instance ports.
func twoGateways(t *testing.T, redisDB int, extra map[string]string, env func(*testing.T, map[string]string) map[string]string) (a, b string) {
	t.Helper()
	shared := sharedStores(t, redisDB)
	shared["JWT_SECRET"] = "two-gateways-jwt-secret-0123456789abcdef0123"
	shared["INTERNAL_SECRET"] = "two-gateways-internal-0123456789abcdef0123"
	shared["WEBHOOK_SECRET"] = "two-gateways-webhook-0123456789abcdef01234"
	maps.Copy(shared, extra)
	a = startGateway(t, env(t, shared))
	shared["INSTANCE_PORT_RANGE_START"], shared["INSTANCE_PORT_RANGE_END"] = "30000", "30999"
	return a, startGateway(t, env(t, shared))
}

// postgresRedis are the settings of a gateway on a fresh PostgreSQL schema
// and the Redis of TEST_REDIS_URL as it is (not flushed). The test skips
// unless TEST_REDIS_URL and TEST_DATABASE_URL are set.
func postgresRedis(t testing.TB) map[string]string {
	t.Helper()
	redisURL := os.Getenv("TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("TEST_REDIS_URL is not set")
	}
	return map[string]string{"DATABASE_URL": pgtest.FreshSchema(t), "REDIS_URL": redisURL}
}

// eachStore runs walk as subtest "sqlite" with env, and as "postgres" with
// env on a fresh PostgreSQL schema when TEST_DATABASE_URL is set; a
// redisDB above 0 also puts the bus and sandbox network on that Redis
// database, and then needs TEST_REDIS_URL too. Each subtest gets its own
// copy of env, which walk may add to.
func eachStore(t *testing.T, env map[string]string, redisDB int, walk func(t *testing.T, env map[string]string)) {
	t.Helper()
	own := func(more map[string]string) map[string]string {
		c := map[string]string{}
		maps.Copy(c, env)
		maps.Copy(c, more)
		return c
	}
	t.Run("sqlite", func(t *testing.T) { walk(t, own(nil)) })
	if os.Getenv("TEST_DATABASE_URL") == "" || redisDB > 0 && os.Getenv("TEST_REDIS_URL") == "" {
		return
	}
	t.Run("postgres", func(t *testing.T) {
		if redisDB > 0 {
			walk(t, own(sharedStores(t, redisDB)))
			return
		}
		walk(t, own(map[string]string{"DATABASE_URL": pgtest.FreshSchema(t)}))
	})
}

// startGateway runs serve in-process and returns its base URL; it stops
// with the test. Logs go to the test's log.
func startGateway(t testing.TB, env map[string]string) string {
	t.Helper()
	return startGatewayLogging(t, env, testWriter{t})
}

// startGatewayLogging is startGateway with the logs written to w.
func startGatewayLogging(t testing.TB, env map[string]string, w io.Writer) string {
	t.Helper()
	base, _ := runGateway(t, env, w)
	return base
}

// runGateway runs serve in-process and returns its base URL and a stop
// function, which waits for serve to return (a restart within a test
// starts another on the same DATA_DIR); it also runs when the test ends.
func runGateway(t testing.TB, env map[string]string, w io.Writer) (string, func()) {
	t.Helper()
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cfg, err := config.Load(lookup)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	log := newLogger(cfg, w)
	srv := servetest.Start(t, 30*time.Second, func(ctx context.Context, addrc chan<- string) error {
		return serve(ctx, cfg, log, addrc)
	})
	stop := func() {
		if errors.Is(srv.Stop(30*time.Second), servetest.ErrStillRunning) {
			t.Error("gateway did not stop")
		}
	}
	t.Cleanup(stop)
	waitReady(t, srv.URL)
	return srv.URL, stop
}

func waitReady(t testing.TB, base string) {
	t.Helper()
	polltest.Until(t, 30*time.Second, "the gateway ready", func() (any, bool) {
		resp, err := checkedClient(t, http.DefaultClient).Get(base + "/health/ready")
		if err != nil {
			return err, false
		}
		resp.Body.Close()
		return resp.StatusCode, resp.StatusCode == http.StatusOK
	})
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// client speaks the public API as the seed's example client does.
type client struct {
	t      *testing.T
	base   string
	token  string
	apiKey string
	header http.Header
	http   *http.Client // nil: http.DefaultClient
}

// reply is one answer: status, headers and the decoded envelope.
type reply struct {
	Status  int
	Header  http.Header
	Success bool            `json:"success"`
	Data    json.RawMessage `json:"data"`
	Error   struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
		Details map[string]any    `json:"details"`
	} `json:"error"`
	Raw []byte
}

func (c *client) do(method, path string, body any) *reply {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.apiKey != "" {
		req.Header.Set("X-API-Key", c.apiKey)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	hc := http.DefaultClient
	if c.http != nil {
		hc = c.http
	}
	resp, err := checkedClient(c.t, hc).Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := &reply{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, r); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return r
}

// must asserts the status and decodes data into out.
func (r *reply) must(t *testing.T, status int, out any) *reply {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body %s", r.Status, status, r.Raw)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatalf("decode data %s: %v", r.Data, err)
		}
	}
	return r
}

// member asserts r's status and answers the member key of its data,
// decoded as T.
func member[T any](t *testing.T, r *reply, status int, key string) T {
	t.Helper()
	var data map[string]json.RawMessage
	r.must(t, status, &data)
	var v T
	if err := json.Unmarshal(data[key], &v); err != nil {
		t.Fatalf("decode %s of %s: %v", key, r.Data, err)
	}
	return v
}

// fails asserts an error answer with a status and code.
func (r *reply) fails(t *testing.T, status int, code string) *reply {
	t.Helper()
	if r.Status != status || r.Error.Code != code || r.Success {
		t.Fatalf("got status %d code %q, want %d %q; body %s", r.Status, r.Error.Code, status, code, r.Raw)
	}
	if r.Error.Message == "" || strings.Contains(strings.ToLower(r.Error.Message), "sql") {
		t.Fatalf("error message %q is empty or leaks internals", r.Error.Message)
	}
	return r
}

type userView struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// register makes a fresh account and returns a client logged in as it.
func register(t *testing.T, base, email string) *client {
	t.Helper()
	c := &client{t: t, base: base}
	var out struct {
		Token string   `json:"token"`
		User  userView `json:"user"`
	}
	c.do("POST", "/api/v1/auth/register", map[string]any{"email": email, "password": "battery-staple-42", "name": "Test User", "phone": "+1234567890"}).
		must(t, http.StatusCreated, &out)
	if out.Token == "" || out.User.Email != email {
		t.Fatalf("register: got %+v", out)
	}
	c.token = out.Token
	return c
}

// aliceAndBob registers two tenants, prefix-alice@ and prefix-bob@example.com.
func aliceAndBob(t *testing.T, base, prefix string) (alice, bob *client) {
	t.Helper()
	return register(t, base, prefix+"-alice@example.com"), register(t, base, prefix+"-bob@example.com")
}

// startSession creates a session named name and starts its instance.
func startSession(t *testing.T, c *client, name string) (sessionView, instanceView) {
	t.Helper()
	s := newSession(t, c, name)
	return s, startInstance(t, c, s.ID)
}

// getMessage reads a stored message, decoded as M.
func getMessage[M any](t *testing.T, c *client, id string) M {
	t.Helper()
	return member[M](t, c.do("GET", "/api/v1/messages/"+id, nil), http.StatusOK, "message")
}

// operationView is one entry of a session's operations log.
type operationView struct {
	Op        string `json:"op"`
	Result    string `json:"result"`
	ErrorCode string `json:"error_code"`
}

// operations reads a session's operations log, newest first; query (such
// as "?limit=3") pages it.
func operations(t *testing.T, c *client, sessionID, query string) []operationView {
	t.Helper()
	return member[[]operationView](t, c.do("GET", "/api/v1/sessions/"+sessionID+"/operations"+query, nil), http.StatusOK, "operations")
}

// opResults answers each operation as op:result.
func opResults(ops []operationView) []string {
	var out []string
	for _, o := range ops {
		out = append(out, o.Op+":"+o.Result)
	}
	return out
}

func TestMain(m *testing.M) {
	os.Exit(m.Run())
}

// historySyncView is a session's history sync progress.
type historySyncView struct {
	Status   string `json:"status"`
	Chats    int    `json:"chats"`
	Messages int    `json:"messages"`
	Progress int    `json:"progress"`
}

// waitHistorySync waits until the session's history sync reports status
// (done, off, …) and answers its progress.
func waitHistorySync(t *testing.T, c *client, sessionID, status string, within time.Duration) historySyncView {
	t.Helper()
	return polltest.Until(t, within, "history sync "+status, func() (historySyncView, bool) {
		var out struct {
			Session struct {
				HistorySync *historySyncView `json:"history_sync"`
			} `json:"session"`
		}
		c.do("GET", "/api/v1/sessions/"+sessionID, nil).must(t, http.StatusOK, &out)
		if out.Session.HistorySync == nil {
			return historySyncView{Status: "none"}, false
		}
		return *out.Session.HistorySync, out.Session.HistorySync.Status == status
	})
}
