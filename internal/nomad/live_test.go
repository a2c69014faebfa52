package nomad_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/nomad"
	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// patience is how long a test waits for asynchronous work.
const patience = time.Minute

// liveWorkerEnv makes this test binary, started by Nomad's raw_exec
// driver, play the per-session worker: it answers the health check on
// the port Nomad gave it and tells which session it serves, so the live
// test needs nothing but a Nomad agent (no database, no Consul).
const liveWorkerEnv = "WA_NOMAD_LIVE_WORKER"

func TestMain(m *testing.M) {
	if os.Getenv(liveWorkerEnv) == "1" {
		os.Exit(liveWorker())
	}
	os.Exit(m.Run())
}

func liveWorker() int {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+nomad.HealthPath, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		secret, _ := os.ReadFile(os.Getenv("INTERNAL_SECRET_FILE"))
		fmt.Fprintf(w, "%s %s %t", os.Getenv("SESSION_ID"), os.Getenv("USER_ID"), len(secret) > 0)
	})
	exit := make(chan struct{})
	mux.HandleFunc("POST /exit", func(w http.ResponseWriter, r *http.Request) { close(exit) })
	srv := &http.Server{Addr: ":" + os.Getenv("PORT"), Handler: mux}
	go srv.ListenAndServe()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-stop: // Nomad stops the job: a clean exit
		return 0
	case <-exit: // a crash, as far as Nomad can tell
		time.Sleep(50 * time.Millisecond) // lets the /exit answer leave before the process does
		return 3
	}
}

// TestLiveNomad runs the scheduler and the Nomad service registry against
// a live agent (TEST_NOMAD_ADDR, TEST_NOMAD_TOKEN when ACLs are on) with
// raw_exec enabled, as a -dev agent has it: three session jobs placed and
// answering on their dynamic ports with their secrets rendered, found
// through Nomad's service discovery, one crashed and followed through
// restarting back to running, all stopped and gone.
func TestLiveNomad(t *testing.T) {
	s, client, run, rep := liveScheduler(t, 50, 64, 100)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	specs := make([]gateway.InstanceSpec, 3)
	for i := range specs {
		specs[i] = gateway.InstanceSpec{InstanceID: fmt.Sprintf("i%d", i), SessionID: fmt.Sprintf("s%d-%s", i, run), UserID: "u" + run, Engine: "sandbox"}
		t.Cleanup(func() { s.Stop(context.Background(), specs[i].SessionID) })
	}
	places := make([]gateway.Placement, len(specs))
	for i, sp := range specs {
		began := time.Now()
		pl, err := s.Start(ctx, sp)
		if err != nil {
			t.Fatal(err)
		}
		if pl.AllocID == "" || pl.Address == "" {
			t.Fatalf("start %s: not running after %s: %+v", sp.SessionID, time.Since(began).Round(time.Millisecond), pl)
		}
		t.Logf("session %d running at %s after %s", i, pl.Address, time.Since(began).Round(time.Millisecond))
		places[i] = pl
	}
	for i, pl := range places {
		want := fmt.Sprintf("%s %s true", specs[i].SessionID, specs[i].UserID)
		if got := polltest.Until(t, patience, "worker at "+pl.Address, func() (string, bool) {
			body, err := httpGet("http://" + pl.Address + "/whoami")
			return body, err == nil && body == want
		}); got != want {
			t.Fatalf("worker %d answers %q, want %q (session env and rendered secret)", i, got, want)
		}
	}
	if got := len(s.Watching()); got != len(specs) {
		t.Fatalf("watching %d sessions, want %d", got, len(specs))
	}

	reg := s.NewRegistry()
	t.Cleanup(func() { reg.Close() })
	for i, pl := range places {
		polltest.Until(t, patience, "registry entry of session "+fmt.Sprint(i), func() (string, bool) {
			ep, err := reg.Endpoint(ctx, specs[i].SessionID)
			return fmt.Sprint(ep.URL, err), err == nil && ep.URL == "http://"+pl.Address
		})
	}

	// The second worker crashes: Nomad restarts it in place, and the
	// instance goes restarting, then running again at the same allocation.
	if _, err := http.Post("http://"+places[1].Address+"/exit", "text/plain", nil); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	polltest.Until(t, patience, "a restarting report", func() (string, bool) {
		for _, r := range rep.all() {
			if r.SessionID == specs[1].SessionID && r.Update.Status == gateway.InstanceRestarting {
				return fmt.Sprintf("%+v", r), true
			}
		}
		return fmt.Sprintf("%+v", rep.all()), false
	})
	polltest.Until(t, patience, "running again", func() (string, bool) {
		l, ok := rep.last()
		return fmt.Sprintf("%+v", l), ok && l.SessionID == specs[1].SessionID && l.Update.Status == gateway.InstanceRunning &&
			l.Update.Restarts >= 1 && l.Update.AllocID == places[1].AllocID && l.Update.Address != ""
	})
	t.Logf("crash to running again: %s", time.Since(began).Round(time.Millisecond))
	for _, r := range rep.all() {
		if r.SessionID != specs[1].SessionID {
			t.Errorf("a crash of session 1 reported session %s: %+v", r.SessionID, r)
		}
	}

	for _, sp := range specs {
		if err := s.Stop(ctx, sp.SessionID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := client.Jobs().Info(nomad.JobID("walive"+run, sp.SessionID, sp.UserID), nil); err == nil || !strings.Contains(err.Error(), "404") {
			t.Errorf("job of %s after stop: err %v, want 404", sp.SessionID, err)
		}
	}
	if w := s.Watching(); len(w) != 0 {
		t.Errorf("still watching %v after stop", w)
	}
	polltest.Until(t, patience, "registry entries gone", func() (string, bool) {
		_, err := reg.Endpoint(ctx, specs[0].SessionID)
		return fmt.Sprint(err), gateway.IsCode(err, gateway.CodeUnavailable)
	})
}

// liveScheduler returns a scheduler on the live agent (skipping the test
// without one) whose jobs run this test binary as their worker with cpu MHz
// and mem MB and disk MB, with a run id that keeps its jobs and services apart from
// any other run's, and the reports it made. (The disk, MB, is small: a
// dev agent's node has room for few 1 GB media disks.)
func liveScheduler(t *testing.T, cpu, mem, disk int) (*nomad.Scheduler, *api.Client, string, *reports) {
	t.Helper()
	addr := os.Getenv("TEST_NOMAD_ADDR")
	if addr == "" {
		t.Skip("set TEST_NOMAD_ADDR to run against a live Nomad agent with raw_exec")
	}
	client, err := api.NewClient(&api.Config{Address: addr, SecretID: os.Getenv("TEST_NOMAD_TOKEN")})
	if err != nil {
		t.Fatal(err)
	}
	rawExec := false
	nodes, _, err := client.Nodes().List(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if d := n.Drivers[nomad.DriverRawExec]; n.Status == "ready" && d != nil && d.Detected && d.Healthy {
			rawExec = true
		}
	}
	if !rawExec {
		t.Fatal("no ready Nomad node runs raw_exec, which these tests start workers with: a -dev agent has it, " +
			`other agents need plugin "raw_exec" { config { enabled = true } }`)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	rand.Read(b)
	run := hex.EncodeToString(b)
	rep := &reports{}
	s, err := nomad.New(nomad.Config{
		Client: client, JobPrefix: "walive" + run, Driver: nomad.DriverRawExec, Command: self,
		Env:         map[string]string{liveWorkerEnv: "1"},
		ServiceName: "wa-live-" + run, ServiceProvider: "nomad", CheckInterval: time.Second,
		CPU: cpu, MemoryMB: mem, DiskMB: disk, RestartDelay: time.Second, KillTimeout: 5 * time.Second,
		StartWait: 2 * time.Minute, RetryMin: 100 * time.Millisecond, RetryMax: time.Second,
		Report: rep.add,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SyncVariable(ctx, nomad.WorkerSecrets{DatabaseURL: "postgres://unused", InternalSecret: "live-" + run}); err != nil {
		t.Fatal(err)
	}
	return s, client, run, rep
}

// TestLiveNomadManySessions starts TEST_NOMAD_SESSIONS sessions (say 120:
// more than the 100 connections a Nomad agent accepts from one address by
// default) on the live agent, checks that one scheduler follows them all
// over a single connection held open to the agent, and that a crash of one
// is still seen. Heavy (a worker process per session), so only when asked.
func TestLiveNomadManySessions(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("TEST_NOMAD_SESSIONS"))
	if n <= 0 {
		t.Skip("set TEST_NOMAD_SESSIONS (and TEST_NOMAD_ADDR) to start that many sessions on a live Nomad agent")
	}
	s, _, run, rep := liveScheduler(t, 20, 32, 100)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	specs := make([]gateway.InstanceSpec, n)
	places := make([]gateway.Placement, n)
	for i := range specs {
		specs[i] = gateway.InstanceSpec{InstanceID: fmt.Sprintf("i%d", i), SessionID: fmt.Sprintf("m%03d-%s", i, run), UserID: "u" + run}
		t.Cleanup(func() { s.Stop(context.Background(), specs[i].SessionID) })
	}
	began := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 8) // as a gateway restarting with many sessions would
	for i := range specs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			pl, err := s.Start(ctx, specs[i])
			if err == nil && pl.Address == "" {
				err = fmt.Errorf("session %d not running: %+v", i, pl)
			}
			places[i] = pl
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("%d sessions running after %s", n, time.Since(began).Round(time.Millisecond))
	if got := len(s.Watching()); got != n {
		t.Fatalf("watching %d sessions, want %d", got, n)
	}
	time.Sleep(2 * time.Second) // the watch settles into its blocking query
	conns := agentConns(t, os.Getenv("TEST_NOMAD_ADDR"))
	t.Logf("connections from this process to the Nomad agent while following %d sessions: %d", n, conns)
	// The watch's one, plus what the client's pool keeps idle after the
	// starts (cleanhttp's pooled transport: GOMAXPROCS+1 per host).
	if limit := 1 + runtime.GOMAXPROCS(0) + 1; conns > limit {
		t.Errorf("%d connections to the agent for %d idle sessions; want at most %d (the one watch and idle keep-alives)", conns, n, limit)
	}

	last := n - 1
	crashed := time.Now()
	if _, err := http.Post("http://"+places[last].Address+"/exit", "text/plain", nil); err != nil {
		t.Fatal(err)
	}
	polltest.Until(t, patience, "session "+specs[last].SessionID+" restarting and running again", func() (string, bool) {
		restarting := false
		for _, r := range rep.all() {
			if r.SessionID != specs[last].SessionID {
				continue
			}
			if r.Update.Status == gateway.InstanceRestarting {
				restarting = true
			}
			if restarting && r.Update.Status == gateway.InstanceRunning {
				return "", true
			}
		}
		return fmt.Sprintf("%d reports", len(rep.all())), false
	})
	t.Logf("crash to running again with %d sessions followed: %s", n, time.Since(crashed).Round(time.Millisecond))
}

// agentConns counts this process's established TCP connections to the
// agent's address (from /proc: Linux only).
func agentConns(t *testing.T, agent string) int {
	t.Helper()
	u, err := url.Parse(agent)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(u.Port())
	inodes := map[string]bool{}
	fds, _ := os.ReadDir("/proc/self/fd")
	for _, fd := range fds {
		if l, err := os.Readlink("/proc/self/fd/" + fd.Name()); err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	n := 0
	for _, table := range []string{"/proc/self/net/tcp", "/proc/self/net/tcp6"} {
		b, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "01" { // 01: ESTABLISHED
				continue
			}
			remote := f[2][strings.LastIndex(f[2], ":")+1:]
			if p, err := strconv.ParseUint(remote, 16, 32); err == nil && int(p) == port && inodes[f[9]] {
				n++
			}
		}
	}
	return n
}

func httpGet(url string) (string, error) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b)), err
}
