package nomad

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/whatsapp-saas/gateway/internal/backoff"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Scheduler runs one Nomad job per session.
type Scheduler struct {
	cfg Config
	log *slog.Logger

	ctx    context.Context // the watches' lifetime
	cancel context.CancelFunc
	wg     sync.WaitGroup

	verOnce sync.Once
	legacy  bool // Nomad older than 1.8: stop_after_client_disconnect

	mu       sync.Mutex
	watches  map[string]*watch // by session id
	loopOnce sync.Once         // follow starts with the first watch
	kick     chan struct{}     // wakes follow: a watch to look at now
}

var _ gateway.Scheduler = (*Scheduler)(nil)

// New returns a scheduler; it submits nothing before Start.
func New(cfg Config) (*Scheduler, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{cfg: cfg, log: cfg.Logger.With("scheduler", Driver), ctx: ctx, cancel: cancel,
		watches: map[string]*watch{}, kick: make(chan struct{}, 1)}, nil
}

// Name is "nomad".
func (s *Scheduler) Name() string { return Driver }

// Config returns the effective configuration (defaults applied).
func (s *Scheduler) Config() Config { return s.cfg }

// Ping checks Nomad answers and has a leader.
func (s *Scheduler) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var leader string
	if _, err := s.cfg.Client.Raw().Query("/v1/status/leader", &leader, s.query(ctx)); err != nil {
		return translate(err, "status")
	}
	if leader == "" {
		return gateway.Errorf(gateway.CodeUnavailable, "The cluster scheduler has no leader.")
	}
	return nil
}

func (s *Scheduler) query(ctx context.Context) *api.QueryOptions {
	return (&api.QueryOptions{Namespace: s.cfg.Namespace, Region: s.cfg.Region}).WithContext(ctx)
}

func (s *Scheduler) write(ctx context.Context) *api.WriteOptions {
	return (&api.WriteOptions{Namespace: s.cfg.Namespace, Region: s.cfg.Region}).WithContext(ctx)
}

// Start submits the session's job unless it exists (create-if-absent: a
// retried or concurrent start never makes two), revives it when it was
// stopped, then waits up to StartWait for its allocation to run and
// watches it from then on. CodeUnavailable when Nomad cannot be reached.
func (s *Scheduler) Start(ctx context.Context, spec gateway.InstanceSpec) (gateway.Placement, error) {
	if spec.SessionID == "" || spec.UserID == "" {
		return gateway.Placement{}, gateway.Errorf(gateway.CodeInvalid, "An instance needs a session and a tenant.")
	}
	job := s.cfg.Job(spec, s.legacyDisconnect(ctx))
	id := *job.ID
	log := s.log.With("session_id", spec.SessionID, "job_id", id)
	_, _, err := s.cfg.Client.Jobs().RegisterOpts(job, &api.RegisterOptions{EnforceIndex: true, ModifyIndex: 0}, s.write(ctx))
	switch {
	case err == nil:
		log.Info("session job registered")
	case isAlreadyExists(err):
		if err := s.reviveIfStopped(ctx, job, log); err != nil {
			return gateway.Placement{}, err
		}
	default:
		log.Error("register session job", "error", err)
		return gateway.Placement{}, translate(err, "register")
	}
	pl := gateway.Placement{Driver: Driver, JobID: id}
	obs := s.awaitRunning(ctx, id)
	if obs.alloc != "" {
		pl.AllocID, pl.Address, pl.Port = obs.alloc, obs.address, obs.port
	}
	s.startWatch(spec, id, obs)
	return pl, nil
}

// reviveIfStopped re-registers a job that exists but was stopped (not yet
// garbage-collected), guarded by its modify index so two starts cannot
// both revive it; a running job is adopted as it is.
func (s *Scheduler) reviveIfStopped(ctx context.Context, job *api.Job, log *slog.Logger) error {
	cur, _, err := s.cfg.Client.Jobs().Info(*job.ID, s.query(ctx))
	if err != nil {
		return translate(err, "read job")
	}
	if (cur.Stop == nil || !*cur.Stop) && (cur.Status == nil || *cur.Status != "dead") {
		log.Info("session job already registered; adopting it")
		return nil
	}
	var idx uint64
	if cur.JobModifyIndex != nil {
		idx = *cur.JobModifyIndex
	}
	if _, _, err := s.cfg.Client.Jobs().EnforceRegister(job, idx, s.write(ctx)); err != nil {
		if strings.Contains(err.Error(), api.RegisterEnforceIndexErrPrefix) {
			log.Info("session job revived concurrently")
			return nil
		}
		return translate(err, "revive")
	}
	log.Info("stopped session job registered again")
	return nil
}

// awaitRunning follows the job's allocations until one runs, StartWait
// passes or ctx ends, and returns the last observation.
func (s *Scheduler) awaitRunning(ctx context.Context, jobID string) observation {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.StartWait)
	defer cancel()
	var index uint64
	var last observation
	for ctx.Err() == nil {
		q := s.query(ctx)
		q.WaitIndex, q.WaitTime = index, s.cfg.StartWait
		allocs, meta, err := s.cfg.Client.Jobs().Allocations(jobID, false, q)
		if err != nil {
			backoff.Sleep(ctx, s.cfg.RetryMin)
			continue
		}
		index = nextIndex(index, meta.LastIndex)
		last = s.observe(ctx, allocs, last)
		if last.status == gateway.InstanceRunning || last.status == gateway.InstanceFailed {
			return last
		}
	}
	return last
}

// Stop deregisters (and purges) the session's jobs, so nothing of the
// session stays scheduled; stopping a session without a job is not an
// error. CodeUnavailable when Nomad cannot be reached.
func (s *Scheduler) Stop(ctx context.Context, sessionID string) error {
	s.stopWatch(sessionID)
	q := s.query(ctx)
	q.Prefix = jobPrefix(s.cfg.JobPrefix, sessionID)
	jobs, _, err := s.cfg.Client.Jobs().List(q)
	if err != nil {
		return translate(err, "list jobs")
	}
	for _, j := range jobs {
		if _, _, err := s.cfg.Client.Jobs().DeregisterOpts(j.ID, &api.DeregisterOptions{Purge: true}, s.write(ctx)); err != nil && !isNotFound(err) {
			return translate(err, "deregister")
		}
		s.log.Info("session job deregistered", "session_id", sessionID, "job_id", j.ID)
	}
	return nil
}

// Close stops every watch (the jobs keep running: they belong to the
// cluster, not to this gateway process).
func (s *Scheduler) Close() error {
	s.cancel()
	s.wg.Wait()
	return nil
}

// legacyDisconnect reports whether Nomad predates the disconnect block
// (1.8); it asks the agent once and assumes a current Nomad when it cannot
// tell (the token may lack agent:read; set ServerVersion then).
func (s *Scheduler) legacyDisconnect(ctx context.Context) bool {
	s.verOnce.Do(func() {
		v := s.cfg.ServerVersion
		if v == "" {
			var self api.AgentSelf
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if _, err := s.cfg.Client.Raw().Query("/v1/agent/self", &self, s.query(cctx)); err != nil {
				s.log.Warn("nomad version unknown; assuming 1.8 or later (set NOMAD_SERVER_VERSION to override)", "error", err)
				return
			}
			v = self.Member.Tags["build"]
			if cv, ok := self.Config["Version"].(map[string]any); ok && v == "" {
				v, _ = cv["Version"].(string)
			}
		}
		s.legacy = versionBefore(v, 1, 8)
		s.log.Info("nomad version", "version", v, "legacy_disconnect", s.legacy)
	})
	return s.legacy
}

// versionBefore reports whether version v (e.g. "1.6.5+ent", "2.0.6-dev")
// is older than major.minor; an unparsable version is not.
func versionBefore(v string, major, minor int) bool {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil {
		return false
	}
	return ma < major || (ma == major && mi < minor)
}

// nextIndex is the blocking-query index after an answer: reset when the
// server's index went backwards, never 0 after the first answer.
func nextIndex(prev, got uint64) uint64 {
	switch {
	case got < prev:
		return 0
	case got == 0:
		return 1
	}
	return got
}

// addressOf finds the host address of the alloc's http port.
func (s *Scheduler) addressOf(ctx context.Context, allocID string) (string, int, error) {
	a, _, err := s.cfg.Client.Allocations().Info(allocID, s.query(ctx))
	if err != nil {
		return "", 0, err
	}
	if a.AllocatedResources != nil {
		for _, p := range a.AllocatedResources.Shared.Ports {
			if p.Label == PortLabel && p.Value != 0 {
				return net.JoinHostPort(p.HostIP, strconv.Itoa(p.Value)), p.Value, nil
			}
		}
		for _, n := range a.AllocatedResources.Shared.Networks {
			for _, p := range n.DynamicPorts {
				if p.Label == PortLabel && p.Value != 0 {
					return net.JoinHostPort(n.IP, strconv.Itoa(p.Value)), p.Value, nil
				}
			}
		}
	}
	return "", 0, fmt.Errorf("allocation %s has no %q port", allocID, PortLabel)
}
