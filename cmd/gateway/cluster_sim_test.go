package main

import (
	"bytes"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	consulapi "github.com/hashicorp/consul/api"
	nomadapi "github.com/hashicorp/nomad/api"

	"github.com/whatsapp-saas/gateway/internal/consul/consultest"
	"github.com/whatsapp-saas/gateway/internal/nomad"
	"github.com/whatsapp-saas/gateway/internal/nomad/nomadtest"
	"github.com/whatsapp-saas/gateway/internal/polltest"
	"github.com/whatsapp-saas/gateway/internal/postgres/pgtest"
	"github.com/whatsapp-saas/gateway/internal/vault/vaulttest"
)

// simNode plays a Nomad client and Consul's health checker for the fakes:
// it runs the real instance binary for every allocation the fake Nomad
// places (the job's env, the templates rendered from the Nomad variable
// into a secrets directory), restarts it when it dies, as the job's
// restart block says, and reports its /health to the fake Consul.
type simNode struct {
	t     *testing.T
	bin   string
	dir   string
	nomad *nomadtest.Server
	cons  *consultest.Server

	mu    sync.Mutex
	procs map[string]*simProc
	logs  bytes.Buffer
}

type simProc struct {
	mu      sync.Mutex
	cmd     *exec.Cmd
	stopped bool
	done    chan struct{}
}

func (n *simNode) Write(p []byte) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.logs.Write(p)
}

func (n *simNode) place(a *nomadapi.Allocation) {
	task := a.Job.TaskGroups[0].Tasks[0]
	port := a.AllocatedResources.Shared.Ports[0].Value
	secrets := filepath.Join(n.dir, a.ID)
	if err := os.MkdirAll(secrets, 0o700); err != nil {
		n.t.Error(err)
		return
	}
	vars := n.nomad.Variable("", "nomad/jobs")
	if err := os.WriteFile(filepath.Join(secrets, "internal_secret"), []byte(vars["internal_secret"]), 0o400); err != nil {
		n.t.Error(err)
		return
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + n.dir, "NOMAD_ALLOC_ID=" + a.ID, "NOMAD_PORT_http=" + strconv.Itoa(port),
		"DATABASE_URL=" + vars["database_url"], "REDIS_URL=" + vars["redis_url"]}
	for k, v := range task.Env {
		v = strings.ReplaceAll(v, "${NOMAD_PORT_http}", strconv.Itoa(port))
		v = strings.ReplaceAll(v, "${NOMAD_SECRETS_DIR}", secrets)
		v = strings.ReplaceAll(v, "${NOMAD_ALLOC_DIR}", filepath.Join(secrets, "alloc"))
		env = append(env, k+"="+v)
	}
	p := &simProc{done: make(chan struct{})}
	n.mu.Lock()
	n.procs[a.ID] = p
	n.mu.Unlock()
	go func() { // the task, restarted when it dies
		defer close(p.done)
		for {
			cmd := exec.Command(n.bin)
			cmd.Env, cmd.Stdout, cmd.Stderr = env, n, n
			p.mu.Lock()
			if p.stopped {
				p.mu.Unlock()
				return
			}
			if err := cmd.Start(); err != nil {
				p.mu.Unlock()
				n.t.Errorf("start instance: %v", err)
				return
			}
			p.cmd = cmd
			p.mu.Unlock()
			_ = cmd.Wait()
			p.mu.Lock()
			stopped := p.stopped
			p.mu.Unlock()
			if stopped {
				return
			}
			time.Sleep(500 * time.Millisecond) // the restart delay
		}
	}()
	go func() { // Consul's HTTP check
		svcID := "_nomad-task-" + a.ID + "-instance-wa-worker-http"
		url := "http://127.0.0.1:" + strconv.Itoa(port) + nomad.HealthPath
		last := ""
		for {
			select {
			case <-p.done:
				n.cons.Remove(svcID)
				return
			case <-time.After(100 * time.Millisecond):
			}
			status := consulapi.HealthCritical
			if resp, err := http.Get(url); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					status = consulapi.HealthPassing
				}
			}
			switch {
			case last == "":
				n.cons.AddWorker("wa-worker", svcID, task.Env["SESSION_ID"], "127.0.0.1", port, status)
			case status != last:
				n.cons.SetCheck(svcID, status)
			}
			last = status
		}
	}()
}

func (n *simNode) stop(allocID string) {
	n.mu.Lock()
	p := n.procs[allocID]
	n.mu.Unlock()
	if p == nil {
		return
	}
	p.mu.Lock()
	p.stopped = true
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	p.mu.Unlock()
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		n.t.Errorf("allocation %s did not stop within its kill timeout", allocID)
	}
}

// kill SIGKILLs the running process of an allocation.
func (n *simNode) kill(allocID string) {
	n.mu.Lock()
	p := n.procs[allocID]
	n.mu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.cmd.Process.Kill()
}

// TestClusterSimulated walks the cluster flow with the real instance
// binary under a simulated Nomad client: SCHEDULER=nomad DISCOVERY=consul
// SECRETS=vault against the fakes, the seed flow on the sandbox engine,
// the worker SIGKILLed and back (failover time logged), and a stop that
// leaves no job, no Consul entry and no process. Needs PostgreSQL and Redis.
func TestClusterSimulated(t *testing.T) {
	base, fn, fc, node := simulatedCluster(t, "", nil)
	c := register(t, base, "sim@example.com")
	sess, inst := startSession(t, c, "sim")
	sid := sess.ID
	// A retried start is refused by the API and never makes a second job.
	c.do("POST", "/api/v1/instances", map[string]any{"session_id": sid}).fails(t, http.StatusConflict, "conflict")
	if fn.Jobs() != 1 {
		t.Fatalf("%d jobs, want 1", fn.Jobs())
	}
	waitStatusWithin(t, c, sid, "connected", time.Minute) // through the worker process
	send := func() string {
		var sent struct {
			Message messageView `json:"message"`
		}
		c.do("POST", "/api/v1/messages/send", map[string]any{"session_id": sid, "recipient": "1234567890@c.us", "message": "hi", "message_type": "text"}).
			must(t, http.StatusCreated, &sent)
		return sent.Message.ID
	}
	delivered := func(id string) func() bool {
		return func() bool {
			got := getMessage[messageView](t, c, id)
			return got.Status == "delivered" || got.Status == "read"
		}
	}
	first := send()
	polltest.Eventually(t, 30*time.Second, "first message delivered", delivered(first))
	clusterMedia(t, c, sid)
	clusterHistoryMedia(t, c, sid)

	allocs := fn.Allocs(nomad.JobID("wa", sid, simUserID(t, c)))
	if len(allocs) != 1 {
		t.Fatalf("allocations: %v", allocs)
	}
	killed := time.Now()
	node.kill(allocs[0])
	second := send()
	polltest.Eventually(t, time.Minute, "message sent after the kill delivered", delivered(second))
	t.Logf("simulated failover (SIGKILL, restart after 500 ms, same allocation): %v until the next message was delivered", time.Since(killed).Round(10*time.Millisecond))

	c.do("POST", "/api/v1/instances/"+inst.ID+"/stop", nil).must(t, http.StatusOK, nil)
	if fn.Jobs() != 0 {
		t.Error("job still registered after stop")
	}
	polltest.Eventually(t, 20*time.Second, "worker gone from Consul", func() bool {
		entries, _, err := fc.Client().Catalog().Service("wa-worker", "", nil)
		return err == nil && len(entries) == 0 && fc.Registered("_nomad-task-"+allocs[0]+"-instance-wa-worker-http") == nil
	})
	if h, _ := fc.Holder("whatsapp-gateway/locks/session/" + sid); h != "" {
		t.Errorf("session lock still held after stop by %s", h)
	}
}

// simulatedCluster starts the cluster shape over the fakes: a gateway with
// SCHEDULER=nomad DISCOVERY=consul SECRETS=vault on a fresh PostgreSQL
// schema and Redis, whose sessions run in the real instance binary under
// a simNode; bin is that binary ("": built here, instanceBinary), extra
// adds to (or overrides) the gateway's environment. It skips without
// TEST_REDIS_URL (and PostgreSQL) and in -short.
func simulatedCluster(t *testing.T, bin string, extra map[string]string) (string, *nomadtest.Server, *consultest.Server, *simNode) {
	t.Helper()
	redisURL := os.Getenv("TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("TEST_REDIS_URL is not set")
	}
	if testing.Short() {
		t.Skip("builds the instance binary")
	}
	dbURL := pgtest.FreshSchema(t)
	dir := t.TempDir()
	if bin == "" {
		bin = instanceBinary(t)
	}
	fn, fc := nomadtest.New(t), consultest.New(t)
	fv := vaulttest.New(t, "root")
	fv.Put("whatsapp-gateway", map[string]any{"jwt_secret": strings.Repeat("k", 48), "webhook_secret": "w", "internal_secret": "sim-internal"}, time.Now())
	node := &simNode{t: t, bin: bin, dir: dir, nomad: fn, cons: fc, procs: map[string]*simProc{}}
	fn.OnPlace, fn.OnStop = node.place, node.stop
	t.Cleanup(func() {
		node.mu.Lock()
		ids := make([]string, 0, len(node.procs))
		for id := range node.procs {
			ids = append(ids, id)
		}
		node.mu.Unlock()
		for _, id := range ids {
			node.stop(id)
		}
		if t.Failed() {
			node.mu.Lock()
			t.Logf("instance logs:\n%s", node.logs.String())
			node.mu.Unlock()
		}
	})
	for k, v := range map[string]string{
		"NOMAD_ADDR": fn.URL, "CONSUL_HTTP_ADDR": fc.URL, "VAULT_ADDR": fv.URL, "VAULT_TOKEN": "root",
		"INSTANCE_DRIVER": "raw_exec", "INSTANCE_COMMAND": bin, "INSTANCE_CONSUL_ADDR": fc.URL, "INSTANCE_START_WAIT": "1s",
	} {
		t.Setenv(k, v)
	}
	env := map[string]string{"SCHEDULER": "nomad", "DISCOVERY": "consul", "SECRETS": "vault", "DATABASE_URL": dbURL, "REDIS_URL": redisURL}
	maps.Copy(env, extra)
	return startGateway(t, testEnv(t, env)), fn, fc, node
}

// instanceBinary builds cmd/instance into the test's temporary directory.
func instanceBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the instance binary")
	}
	bin := filepath.Join(t.TempDir(), "instance")
	if out, err := exec.Command("go", "build", "-o", bin, "../instance").CombinedOutput(); err != nil {
		t.Fatalf("build instance: %v\n%s", err, out)
	}
	return bin
}

func simUserID(t *testing.T, c *client) string {
	var me struct {
		User userView `json:"user"`
	}
	c.do("GET", "/api/v1/auth/me", nil).must(t, http.StatusOK, &me)
	return me.User.ID
}

// clusterMedia starts a second session, sends it a document from the
// first, and downloads the received file through the gateway: it is on
// the receiving worker's disk only (its allocation directory), so the
// gateway must ask that worker for it.
func clusterMedia(t *testing.T, c *client, from string) {
	t.Helper()
	sess, inst := startSession(t, c, "sim-b")
	to := sess.ID
	b := waitSession(t, c, to, "second session connected", time.Minute, func(s sessionView) bool { return s.Status == "connected" && s.Phone != "" })
	c.do("POST", "/api/v1/messages/send", map[string]any{"session_id": from, "recipient": b.Phone, "message_type": "document",
		"media": map[string]any{"data": "JVBERi0xLjQgY2x1c3Rlcg==", "mime_type": "application/pdf", "file_name": "c.pdf"}}).must(t, http.StatusCreated, nil)
	doc := waitInbound(t, c, to, "the document arrives", 30*time.Second, func(got []messageView) bool { return len(got) == 1 })[0]
	var r *reply
	polltest.Eventually(t, 10*time.Second, "the media is served", func() bool {
		r = c.do("GET", "/api/v1/messages/"+doc.ID+"/media", nil)
		return r.Status == http.StatusOK
	})
	if string(r.Raw) != "%PDF-1.4 cluster" || r.Header.Get("Content-Type") != "application/pdf" || r.Header.Get("Content-Length") != "16" {
		t.Fatalf("media from the worker: %q %v", r.Raw, r.Header)
	}
	// Stopped, the worker cannot serve it: a clear 503, not a 500.
	c.do("POST", "/api/v1/instances/"+inst.ID+"/stop", nil).must(t, http.StatusOK, nil)
	c.do("GET", "/api/v1/messages/"+doc.ID+"/media", nil).fails(t, http.StatusServiceUnavailable, "unavailable")
}

// clusterHistoryMedia downloads a picture of the session's seeded history
// through the gateway: history sync referenced it without downloading it,
// so the gateway's first request has the session's worker (another process,
// with its own allocation directory) download it, then serves it from
// there, and again on the next request.
func clusterHistoryMedia(t *testing.T, c *client, sid string) {
	t.Helper()
	waitHistorySync(t, c, sid, "done", time.Minute)
	photo, _, chats := firstHistoryImage(t, c, sid, 100)
	if photo == "" {
		t.Fatalf("no history picture among the chats %s", chatJIDsOf(chats))
	}
	for i := range 2 {
		r := c.do("GET", "/api/v1/messages/"+photo+"/media", nil)
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(r.Raw, []byte("\x89PNG\r\n\x1a\n")) {
			t.Fatalf("request %d of the history picture through the worker: %d %v, %d bytes", i+1, r.Status, r.Header, len(r.Raw))
		}
	}
}
