package nomad_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/nomad"
	"github.com/whatsapp-saas/gateway/internal/nomad/nomadtest"
	"github.com/whatsapp-saas/gateway/internal/polltest"
)

var spec = gateway.InstanceSpec{InstanceID: "i1", SessionID: "s1", UserID: "u1", Engine: "sandbox"}

// reports collects what the scheduler reports.
type reports struct {
	mu  sync.Mutex
	got []gateway.InstanceReport
}

func (r *reports) add(x gateway.InstanceReport) { r.mu.Lock(); r.got = append(r.got, x); r.mu.Unlock() }

func (r *reports) all() []gateway.InstanceReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]gateway.InstanceReport(nil), r.got...)
}

func (r *reports) last() (gateway.InstanceReport, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.got) == 0 {
		return gateway.InstanceReport{}, false
	}
	return r.got[len(r.got)-1], true
}

func (r *reports) waitFor(t *testing.T, status gateway.InstanceStatus) gateway.InstanceReport {
	t.Helper()
	return polltest.Until(t, 10*time.Second, fmt.Sprintf("a %q report", status), func() (gateway.InstanceReport, bool) {
		l, ok := r.last()
		return l, ok && l.Update.Status == status
	})
}

func newScheduler(t *testing.T, fake *nomadtest.Server, mod func(*nomad.Config)) (*nomad.Scheduler, *reports) {
	t.Helper()
	rep := &reports{}
	cfg := nomad.Config{
		Client: fake.Client("whatsapp"), Namespace: "whatsapp", Datacenters: []string{"dc1"}, NodePool: "whatsapp",
		Image: "ghcr.io/acme/wa-instance:1.0", StartWait: 2 * time.Second, WatchWait: 2 * time.Second,
		RetryMin: 5 * time.Millisecond, RetryMax: 20 * time.Millisecond, Settle: time.Millisecond, Report: rep.add,
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := nomad.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, rep
}

// started starts spec's session on s, which must succeed.
func started(t *testing.T, s *nomad.Scheduler) gateway.Placement {
	t.Helper()
	pl, err := s.Start(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

func TestStartRegistersOneJobPerSession(t *testing.T) {
	fake := nomadtest.New(t)
	s, _ := newScheduler(t, fake, nil)
	pl := started(t, s)
	jobID := nomad.JobID("wa", "s1", "u1")
	if pl.Driver != "nomad" || pl.JobID != jobID || pl.AllocID == "" || !strings.HasPrefix(pl.Address, "127.0.0.1:") || pl.Port == 0 {
		t.Fatalf("got placement %+v", pl)
	}
	job := fake.Job("whatsapp", jobID)
	if job == nil {
		t.Fatal("job not registered in namespace whatsapp")
	}
	tg := job.TaskGroups[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"type", *job.Type, "service"},
		{"meta session", job.Meta["session_id"], "s1"},
		{"meta tenant", job.Meta["tenant_id"], "u1"},
		{"datacenters", strings.Join(job.Datacenters, ","), "dc1"},
		{"node pool", *job.NodePool, "whatsapp"},
		{"count", *tg.Count, 1},
		{"port", tg.Networks[0].DynamicPorts[0].Label, "http"},
		{"canary", *tg.Update.Canary, 0},
		{"max parallel", *tg.Update.MaxParallel, 1},
		{"stop on disconnect", *tg.Disconnect.StopOnClientAfter, 30 * time.Second},
		{"legacy field unset", tg.StopAfterClientDisconnect == nil, true},
		{"service", tg.Services[0].Name, "wa-worker"},
		{"provider", tg.Services[0].Provider, "consul"},
		{"check path", tg.Services[0].Checks[0].Path, "/health"},
		{"spread", tg.Spreads[0].Attribute, "${node.unique.id}"},
		{"restart mode", *tg.RestartPolicy.Mode, "fail"},
		{"reschedule unlimited", *tg.ReschedulePolicy.Unlimited, true},
		{"driver", tg.Tasks[0].Driver, "docker"},
		{"image", tg.Tasks[0].Config["image"], "ghcr.io/acme/wa-instance:1.0"},
		{"session env", tg.Tasks[0].Env["SESSION_ID"], "s1"},
		{"templates", len(tg.Tasks[0].Templates), 2},
		{"kill timeout", *tg.Tasks[0].KillTimeout, 30 * time.Second},
		{"media disk", *tg.EphemeralDisk.SizeMB, 1024},
		{"sticky disk", *tg.EphemeralDisk.Sticky, true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	// No secret in the spec: only template references.
	raw, _ := json.Marshal(job)
	for _, bad := range []string{"DATABASE_URL\":", "REDIS_URL\":", "INTERNAL_SECRET\":", "postgres://"} {
		if strings.Contains(string(raw), bad) {
			t.Errorf("job spec carries %q", bad)
		}
	}
}

func TestStartIsCreateIfAbsent(t *testing.T) {
	fake := nomadtest.New(t)
	s, _ := newScheduler(t, fake, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for range 5 {
		wg.Go(func() {
			_, err := s.Start(context.Background(), spec)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := fake.Registers(); got != 1 {
		t.Errorf("got %d registrations, want 1", got)
	}
	if got := len(fake.Allocs(nomad.JobID("wa", "s1", "u1"))); got != 1 {
		t.Errorf("got %d allocations, want 1", got)
	}
}

func TestStopDeregistersAndStartAgainRegisters(t *testing.T) {
	fake := nomadtest.New(t)
	s, _ := newScheduler(t, fake, nil)
	ctx := context.Background()
	started(t, s)
	if err := s.Stop(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if fake.Jobs() != 0 {
		t.Fatalf("got %d jobs after stop, want 0 (purged)", fake.Jobs())
	}
	if len(s.Watching()) != 0 {
		t.Errorf("still watching %v", s.Watching())
	}
	if err := s.Stop(ctx, "never-started"); err != nil {
		t.Errorf("stopping an absent session: %v", err)
	}
	started(t, s)
	if fake.Jobs() != 1 || fake.Registers() != 2 {
		t.Errorf("got %d jobs and %d registrations, want 1 and 2", fake.Jobs(), fake.Registers())
	}
}

func TestStartRevivesAStoppedJob(t *testing.T) {
	fake := nomadtest.New(t)
	s, _ := newScheduler(t, fake, nil)
	started(t, s)
	// Someone ran `nomad job stop` without purge: the job stays, dead.
	c := fake.Client("whatsapp")
	if _, _, err := c.Jobs().Deregister(nomad.JobID("wa", "s1", "u1"), false, nil); err != nil {
		t.Fatal(err)
	}
	started(t, s)
	job := fake.Job("whatsapp", nomad.JobID("wa", "s1", "u1"))
	if *job.Stop || *job.Version != 1 {
		t.Errorf("got stop=%v version=%d, want a revived version 1", *job.Stop, *job.Version)
	}
}

func TestLegacyDisconnectOnNomad16(t *testing.T) {
	fake := nomadtest.New(t)
	fake.Version = "1.6.5"
	s, _ := newScheduler(t, fake, nil)
	started(t, s)
	tg := fake.Job("whatsapp", nomad.JobID("wa", "s1", "u1")).TaskGroups[0]
	if tg.Disconnect != nil {
		t.Errorf("disconnect block sent to Nomad 1.6: %+v", tg.Disconnect)
	}
	if tg.StopAfterClientDisconnect == nil || *tg.StopAfterClientDisconnect != 30*time.Second {
		t.Errorf("stop_after_client_disconnect: got %v, want 30s", tg.StopAfterClientDisconnect)
	}
}

func TestStateFollowsAllocations(t *testing.T) {
	fake := nomadtest.New(t)
	s, rep := newScheduler(t, fake, nil)
	ctx := context.Background()
	pl, err := s.Start(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	alloc := pl.AllocID

	// The task crashes and Nomad restarts it in place.
	fake.SetTask(alloc, api.AllocClientStatusRunning, "pending", 1, api.TaskRestarting, "Task restarting in 5s")
	r := rep.waitFor(t, gateway.InstanceRestarting)
	if r.InstanceID != "i1" || r.SessionID != "s1" || r.UserID != "u1" || r.Update.Restarts != 1 || r.Update.LastError == "" {
		t.Errorf("restarting report: %+v", r)
	}
	if strings.Contains(r.Update.LastError, "5s") {
		t.Errorf("reason leaks Nomad's text: %q", r.Update.LastError)
	}
	fake.SetTask(alloc, api.AllocClientStatusRunning, "running", 1, api.TaskStarted, "Task started by client")
	r = rep.waitFor(t, gateway.InstanceRunning)
	if r.Update.AllocID != alloc || r.Update.Address == "" || r.Update.Restarts != 1 {
		t.Errorf("running report: %+v", r)
	}

	// The node is lost and Nomad places a replacement elsewhere.
	fake.SetTask(alloc, api.AllocClientStatusLost, "dead", 1, "", "")
	rep.waitFor(t, gateway.InstanceRestarting)
	next := fake.Replace(alloc)
	r = rep.waitFor(t, gateway.InstanceRunning)
	if r.Update.AllocID != next || r.Update.Restarts != 2 {
		t.Errorf("after reschedule: %+v, want alloc %s and 2 restarts", r, next)
	}

	// Nomad gives up: failed, with a reason.
	fake.SetJobStatus("whatsapp", nomad.JobID("wa", "s1", "u1"), "dead")
	fake.SetTask(next, api.AllocClientStatusFailed, "dead", 3, api.TaskNotRestarting, "Exceeded allowed attempts 3 in interval 5m0s")
	r = rep.waitFor(t, gateway.InstanceFailed)
	if !strings.Contains(r.Update.LastError, "gave up") || r.Update.StoppedAt == nil {
		t.Errorf("failed report: %+v", r)
	}
}

func TestWatchEndsQuietlyWhenStoppedElsewhere(t *testing.T) {
	fake := nomadtest.New(t)
	s, rep := newScheduler(t, fake, nil)
	started(t, s)
	// Another gateway replica stops the session.
	if _, _, err := fake.Client("whatsapp").Jobs().Deregister(nomad.JobID("wa", "s1", "u1"), true, nil); err != nil {
		t.Fatal(err)
	}
	polltest.Eventually(t, 5*time.Second, "the watch ended", func() bool { return len(s.Watching()) == 0 })
	if r, ok := rep.last(); ok {
		t.Errorf("reported %+v for a job stopped elsewhere; the stopper records it", r)
	}
}

func TestWatchSurvivesFailuresAndIndexResets(t *testing.T) {
	fake := nomadtest.New(t)
	s, rep := newScheduler(t, fake, nil)
	pl := started(t, s)
	fake.FailNext(3)
	fake.ResetIndex(5)
	fake.SetTask(pl.AllocID, api.AllocClientStatusRunning, "pending", 1, api.TaskRestarting, "")
	rep.waitFor(t, gateway.InstanceRestarting)
}

func TestNomadDown(t *testing.T) {
	fake := nomadtest.New(t)
	s, _ := newScheduler(t, fake, nil)
	fake.Close()
	ctx := context.Background()
	if _, err := s.Start(ctx, spec); gateway.ErrorCode(err) != gateway.CodeUnavailable {
		t.Errorf("start: got %v, want CodeUnavailable", err)
	}
	if err := s.Stop(ctx, "s1"); gateway.ErrorCode(err) != gateway.CodeUnavailable {
		t.Errorf("stop: got %v, want CodeUnavailable", err)
	}
	if err := s.Ping(ctx); gateway.ErrorCode(err) != gateway.CodeUnavailable {
		t.Errorf("ping: got %v, want CodeUnavailable", err)
	}
}

func TestServerErrorsAreUnavailable(t *testing.T) {
	fake := nomadtest.New(t)
	s, _ := newScheduler(t, fake, func(c *nomad.Config) { c.ServerVersion = "1.9.0" })
	fake.FailNext(1)
	_, err := s.Start(context.Background(), spec)
	if gateway.ErrorCode(err) != gateway.CodeUnavailable || strings.Contains(gateway.ErrorMessage(err), "simulated") {
		t.Fatalf("got %v, want CodeUnavailable without Nomad's text", err)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("ping: %v", err)
	}
}

func TestRawExecJob(t *testing.T) {
	fake := nomadtest.New(t)
	_, _ = newScheduler(t, fake, nil)
	cfg := nomad.Config{Client: fake.Client(""), Driver: nomad.DriverRawExec, Command: "/usr/local/bin/instance", ConsulAddr: "127.0.0.1:8500"}
	s, err := nomad.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := s.Config()
	job := c.Job(spec, false)
	task := job.TaskGroups[0].Tasks[0]
	if task.Driver != "raw_exec" || task.Config["command"] != "/usr/local/bin/instance" || task.Config["image"] != nil {
		t.Errorf("task: driver %q config %v", task.Driver, task.Config)
	}
	if job.TaskGroups[0].Networks[0].DynamicPorts[0].To != 0 {
		t.Error("raw_exec job maps a port")
	}
	if task.Env["CONSUL_HTTP_ADDR"] != "127.0.0.1:8500" {
		t.Errorf("consul addr: %q", task.Env["CONSUL_HTTP_ADDR"])
	}
	for _, bad := range []nomad.Config{{Client: cfg.Client, Driver: "raw_exec"}, {Client: cfg.Client}, {Client: cfg.Client, Driver: "podman", Image: "x"}} {
		if _, err := nomad.New(bad); err == nil {
			t.Errorf("config %+v accepted", bad)
		}
	}
}

// TestVaultBlockByNomadVersion: with INSTANCE_SECRETS=vault the task asks
// for the role (workload identity); before Nomad 1.8 it also names the
// policy, which is all Nomad 1.6 understands.
func TestVaultBlockByNomadVersion(t *testing.T) {
	s, err := nomad.New(nomad.Config{Image: "img", Secrets: nomad.SecretsVault, VaultRole: "wa-worker"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := s.Config()
	spec := gateway.InstanceSpec{SessionID: "s1", UserID: "u1"}
	current := c.Job(spec, false).TaskGroups[0].Tasks[0].Vault
	if current == nil || current.Role != "wa-worker" || len(current.Policies) != 0 {
		t.Fatalf("current Nomad: vault block %+v, want the role only", current)
	}
	legacy := c.Job(spec, true).TaskGroups[0].Tasks[0].Vault
	if legacy == nil || legacy.Role != "wa-worker" || len(legacy.Policies) != 1 || legacy.Policies[0] != "wa-worker" {
		t.Fatalf("Nomad before 1.8: vault block %+v, want the role and the policy", legacy)
	}
}

// A Nomad agent accepts 100 connections from one address by default: the
// sessions' jobs are followed by one blocking query, not one per session,
// and a change to one session's allocation re-reads nothing of the others.
func TestOneWatchForManySessions(t *testing.T) {
	fake := nomadtest.New(t)
	s, rep := newScheduler(t, fake, nil)
	ctx := context.Background()
	const n = 30
	allocs := map[string]string{}
	for i := range n {
		sp := spec
		sp.SessionID, sp.InstanceID = fmt.Sprintf("s%02d", i), fmt.Sprintf("i%02d", i)
		pl, err := s.Start(ctx, sp)
		if err != nil {
			t.Fatal(err)
		}
		allocs[sp.SessionID] = pl.AllocID
	}
	if got := len(s.Watching()); got != n {
		t.Fatalf("watching %d sessions, want %d", got, n)
	}
	polltest.Eventually(t, 5*time.Second, "a blocking query", func() bool { return fake.Blocking() > 0 })
	time.Sleep(100 * time.Millisecond) // room for more queries to show up, if any would: only a wait shows there are none
	if got := fake.Blocking(); got != 1 {
		t.Fatalf("%d blocking queries wait on Nomad for %d sessions, want 1", got, n)
	}

	infoCalls := func() int {
		c := 0
		for _, r := range fake.Requests() {
			if strings.HasPrefix(r, "GET /v1/allocation/") {
				c++
			}
		}
		return c
	}
	before, reported := infoCalls(), len(rep.all())
	fake.SetTask(allocs["s07"], api.AllocClientStatusRunning, "pending", 1, api.TaskRestarting, "")
	if r := rep.waitFor(t, gateway.InstanceRestarting); r.SessionID != "s07" {
		t.Fatalf("restarting report for %s, want s07", r.SessionID)
	}
	fake.SetTask(allocs["s07"], api.AllocClientStatusRunning, "running", 1, api.TaskStarted, "")
	rep.waitFor(t, gateway.InstanceRunning)
	for _, r := range rep.all()[reported:] {
		if r.SessionID != "s07" {
			t.Errorf("a change to s07 reported %s: %+v", r.SessionID, r)
		}
	}
	if got := infoCalls() - before; got > 1 {
		t.Errorf("%d allocation reads for one session's restart, want at most 1 (its new address)", got)
	}
}

func TestJobResources(t *testing.T) {
	cfg := nomad.Config{Client: nomadtest.New(t).Client(""), Image: "wa:1", CPU: 50, MemoryMB: 64, DiskMB: 300}
	s, err := nomad.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Config()
	tg := c.Job(spec, false).TaskGroups[0]
	if *tg.EphemeralDisk.SizeMB != 300 || *tg.Tasks[0].Resources.CPU != 50 || *tg.Tasks[0].Resources.MemoryMB != 64 {
		t.Errorf("disk %d MB, cpu %d MHz, memory %d MB; want 300, 50, 64", *tg.EphemeralDisk.SizeMB, *tg.Tasks[0].Resources.CPU, *tg.Tasks[0].Resources.MemoryMB)
	}
	// Nomad refuses a job whose logs do not fit on its disk.
	cfg.DiskMB = 50
	if _, err := nomad.New(cfg); err == nil || !strings.Contains(err.Error(), "logs") {
		t.Errorf("a 50 MB disk: got %v, want an error about the logs", err)
	}
}

// TestDockerJobHardening: the docker task cannot write its image, holds no
// capability, gains no privilege, has bounded pids, and its secret files
// are readable by the image's non-root user; in host network mode it
// listens on the dynamic port itself.
func TestDockerJobHardening(t *testing.T) {
	fake := nomadtest.New(t)
	for _, mode := range []string{"", nomad.NetworkHost} {
		s, err := nomad.New(nomad.Config{Client: fake.Client(""), Image: "wa:1", NetworkMode: mode})
		if err != nil {
			t.Fatal(err)
		}
		c := s.Config()
		job := c.Job(spec, false)
		s.Close()
		task := job.TaskGroups[0].Tasks[0]
		if task.Config["readonly_rootfs"] != true || fmt.Sprint(task.Config["cap_drop"]) != "[all]" ||
			fmt.Sprint(task.Config["security_opt"]) != "[no-new-privileges]" || task.Config["pids_limit"] != 512 {
			t.Errorf("mode %q: config %v is not hardened", mode, task.Config)
		}
		for _, tmpl := range task.Templates {
			if tmpl.Uid == nil || *tmpl.Uid != nomad.ImageUser || tmpl.Gid == nil || *tmpl.Gid != nomad.ImageUser {
				t.Errorf("template %s not owned by the image's user", *tmpl.DestPath)
			}
		}
		port := job.TaskGroups[0].Networks[0].DynamicPorts[0]
		switch mode {
		case nomad.NetworkHost:
			if task.Config["network_mode"] != "host" || task.Config["ports"] != nil || port.To != 0 {
				t.Errorf("host mode: config %v, port to %d", task.Config, port.To)
			}
		default:
			if task.Config["network_mode"] != nil || port.To != 8080 {
				t.Errorf("bridge mode: config %v, port to %d", task.Config, port.To)
			}
		}
	}
	if _, err := nomad.New(nomad.Config{Client: fake.Client(""), Image: "wa:1", NetworkMode: "overlay"}); err == nil {
		t.Error("an unknown network mode was accepted")
	}
	// raw_exec runs as the client (root): its templates keep their owner.
	s, err := nomad.New(nomad.Config{Client: fake.Client(""), Driver: nomad.DriverRawExec, Command: "/bin/instance"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := s.Config()
	for _, tmpl := range c.Job(spec, false).TaskGroups[0].Tasks[0].Templates {
		if tmpl.Uid != nil {
			t.Errorf("raw_exec template %s owned by %d", *tmpl.DestPath, *tmpl.Uid)
		}
	}
}
