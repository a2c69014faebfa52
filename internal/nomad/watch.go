package nomad

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"sync/atomic"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/whatsapp-saas/gateway/internal/backoff"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// observation is what the allocations of a session's job say.
type observation struct {
	status   gateway.InstanceStatus // "" when there is nothing to report (being stopped)
	alloc    string
	address  string
	port     int
	restarts int
	reason   string // public, a sentence
	detail   string // Nomad's own words, for the log
	terminal bool   // the current alloc will not run again by itself
}

// same reports whether two observations would write the same row.
func (o observation) same(p observation) bool {
	return o.status == p.status && o.alloc == p.alloc && o.restarts == p.restarts && o.reason == p.reason && o.address == p.address
}

// watch is one session's job that this scheduler follows. Every watch is
// served by the one loop in follow: a blocking query per session would hold
// a connection per session open to the Nomad agent, and agents refuse more
// than limits.http_max_conns_per_client (100 by default) from one address.
type watch struct {
	spec  gateway.InstanceSpec
	jobID string
	since time.Time // first evaluated then (Settle after the start)

	// Owned by the loop once the watch is in the map.
	last   observation
	seen   allocsMark
	looked bool // seen is what the loop last looked at
}

// allocsMark tells whether a job's allocations changed since the loop last
// looked: any change to an allocation raises its modify index, and garbage
// collection changes the count.
type allocsMark struct {
	n   int
	max uint64
}

func markOf(allocs []*api.AllocationListStub) allocsMark {
	m := allocsMark{n: len(allocs)}
	for _, a := range allocs {
		m.max = max(m.max, a.ModifyIndex)
	}
	return m
}

func (s *Scheduler) startWatch(spec gateway.InstanceSpec, jobID string, baseline observation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w, ok := s.watches[spec.SessionID]; ok && w.jobID == jobID && w.spec.InstanceID == spec.InstanceID {
		return
	}
	// What Start's caller records is "running" at the placement's alloc.
	baseline.status = gateway.InstanceRunning
	s.watches[spec.SessionID] = &watch{spec: spec, jobID: jobID, since: time.Now().Add(s.cfg.Settle), last: baseline}
	s.loopOnce.Do(func() { s.wg.Go(func() { s.follow(s.ctx) }) })
	time.AfterFunc(s.cfg.Settle, s.poke)
}

func (s *Scheduler) stopWatch(sessionID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.watches, sessionID)
}

// poke makes the loop look again now, cutting its blocking query short.
func (s *Scheduler) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Watching lists the sessions whose jobs this scheduler follows.
func (s *Scheduler) Watching() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.watches))
	for id := range s.watches {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func (s *Scheduler) watching() []*watch {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*watch, 0, len(s.watches))
	for _, w := range s.watches {
		out = append(out, w)
	}
	return out
}

// follow is the one blocking-query loop over the allocations of every
// session job (those whose ID starts with the job prefix, filtered by
// Nomad). Each answer is split by job and only the watches whose
// allocations changed are looked at again.
func (s *Scheduler) follow(ctx context.Context) {
	var index uint64
	failures := 0
	filter := fmt.Sprintf("JobID matches %q", "^"+regexp.QuoteMeta(s.cfg.JobPrefix+"-"))
	for ctx.Err() == nil {
		if len(s.watching()) == 0 {
			select {
			case <-ctx.Done():
				return
			case <-s.kick:
			}
			index = 0
			continue
		}
		allocs, last, kicked, err := s.listAllocs(ctx, filter, index)
		switch {
		case ctx.Err() != nil:
			return
		case kicked:
			index = 0 // a new watch: look at everything now
			continue
		case err != nil:
			failures++
			if failures == 1 || failures%10 == 0 {
				s.log.Warn("nomad watch failed; retrying", "error", err, "failures", failures)
			}
			backoff.Sleep(ctx, backoff.Jittered(s.cfg.RetryMin, s.cfg.RetryMax, failures))
			continue
		}
		failures = 0
		index = nextIndex(index, last)
		byJob := map[string][]*api.AllocationListStub{}
		for _, a := range allocs {
			byJob[a.JobID] = append(byJob[a.JobID], a)
		}
		now := time.Now()
		for _, w := range s.watching() {
			mine := byJob[w.jobID]
			// Unchanged allocations say nothing new, also when there are
			// none (a job waiting for room would cost a job read per answer).
			if now.Before(w.since) || (w.looked && w.seen == markOf(mine)) {
				continue
			}
			w.seen, w.looked = markOf(mine), true
			s.look(ctx, w, mine)
		}
		// Coalesce bursts: many allocations change at once on a busy node.
		backoff.Sleep(ctx, 50*time.Millisecond)
	}
}

// listAllocs runs one blocking query; a poke cuts it short (kicked).
func (s *Scheduler) listAllocs(ctx context.Context, filter string, index uint64) (allocs []*api.AllocationListStub, last uint64, kicked bool, err error) {
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var poked atomic.Bool
	go func() {
		select {
		case <-s.kick:
			poked.Store(true)
			cancel()
		case <-qctx.Done():
		}
	}()
	q := s.query(qctx)
	q.WaitIndex, q.WaitTime, q.Filter = index, s.cfg.WatchWait, filter
	allocs, meta, err := s.cfg.Client.Allocations().List(q)
	if poked.Load() {
		return nil, 0, true, nil
	}
	if err != nil {
		return nil, 0, false, err
	}
	return allocs, meta.LastIndex, false, nil
}

// look reports what a job's allocations now say, and ends the watch
// quietly when the job is gone or stopped: whoever stopped it (this or
// another gateway) records the instance as stopped.
func (s *Scheduler) look(ctx context.Context, w *watch, allocs []*api.AllocationListStub) {
	log := s.log.With("session_id", w.spec.SessionID, "job_id", w.jobID)
	obs := s.observe(ctx, allocs, w.last)
	if obs.terminal || len(allocs) == 0 {
		// Is the job still wanted? Gone or stopped: stop watching.
		job, _, err := s.cfg.Client.Jobs().Info(w.jobID, s.query(ctx))
		switch {
		case isNotFound(err), err == nil && job.Stop != nil && *job.Stop:
			log.Info("session job gone or stopped; watch ends")
			s.mu.Lock()
			if s.watches[w.spec.SessionID] == w {
				delete(s.watches, w.spec.SessionID)
			}
			s.mu.Unlock()
			return
		case err != nil:
			w.looked = false // look again on the next answer
			return
		case obs.terminal && job.Status != nil && *job.Status == "dead":
			obs = finalOf(obs)
		case obs.terminal:
			obs = replacingOf(obs)
		}
	}
	if obs.status == "" || obs.same(w.last) {
		return
	}
	log.Info("instance state changed", "status", obs.status, "alloc_id", obs.alloc, "restarts", obs.restarts, "nomad_says", obs.detail)
	w.last = obs
	s.report(w.spec, obs)
}

func (s *Scheduler) report(spec gateway.InstanceSpec, o observation) {
	if s.cfg.Report == nil {
		return
	}
	u := gateway.InstanceUpdate{Status: o.status, AllocID: o.alloc, Address: o.address, Port: o.port, Restarts: o.restarts, LastError: o.reason}
	if o.status == gateway.InstanceFailed || o.status == gateway.InstanceLost {
		now := time.Now().UTC().Truncate(time.Microsecond)
		u.StoppedAt = &now
	}
	s.cfg.Report(gateway.InstanceReport{InstanceID: spec.InstanceID, SessionID: spec.SessionID, UserID: spec.UserID, Update: u})
}

// observe reads the state of the current allocation: the newest one Nomad
// wants running, or else the newest of all. The address of a running
// allocation is asked of Nomad only when it is not prev's.
func (s *Scheduler) observe(ctx context.Context, allocs []*api.AllocationListStub, prev observation) observation {
	var mine []*api.AllocationListStub
	for _, a := range allocs {
		if a != nil && a.TaskGroup == GroupName {
			mine = append(mine, a)
		}
	}
	if len(mine) == 0 {
		return observation{status: gateway.InstancePending, reason: "Nomad has not placed the worker yet (waiting for a node with room)."}
	}
	// Replacements are always newer: the newest allocation is the current one.
	slices.SortFunc(mine, func(a, b *api.AllocationListStub) int { return cmp.Compare(b.CreateIndex, a.CreateIndex) })
	cur := mine[0]
	if cur.DesiredStatus != api.AllocDesiredStatusRun && cur.ClientStatus != api.AllocClientStatusLost && cur.ClientStatus != api.AllocClientStatusFailed {
		return observation{} // being stopped or migrated on purpose
	}
	// Restarts: in place (every alloc's task) plus replacements.
	restarts := len(mine) - 1
	for _, a := range mine {
		if t := a.TaskStates[TaskName]; t != nil {
			restarts += int(t.Restarts)
		}
	}
	ts := cur.TaskStates[TaskName]
	o := observation{alloc: cur.ID, restarts: restarts}
	lastEvent := ""
	if ts != nil && len(ts.Events) > 0 {
		e := ts.Events[len(ts.Events)-1]
		lastEvent = e.Type
		o.detail = e.DisplayMessage
	}
	if o.detail == "" {
		o.detail = cur.ClientDescription
	}
	switch cur.ClientStatus {
	case api.AllocClientStatusPending:
		o.status = gateway.InstancePending
		switch {
		case ts != nil && ts.Restarts > 0:
			o.status, o.reason = gateway.InstanceRestarting, "The worker stopped and Nomad is restarting it."
		case lastEvent == "Template":
			o.reason = "The worker is waiting for its secrets (Nomad Variables or Vault)."
		case len(mine) > 1:
			o.status, o.reason = gateway.InstanceRestarting, "The worker is being started again on another node."
		}
	case api.AllocClientStatusRunning:
		if ts != nil && ts.State != "running" {
			o.status, o.reason = gateway.InstanceRestarting, reasonOf(lastEvent)
			break
		}
		o.status = gateway.InstanceRunning
		if prev.alloc == cur.ID && prev.address != "" {
			o.address, o.port = prev.address, prev.port
		} else if addr, port, err := s.addressOf(ctx, cur.ID); err == nil {
			o.address, o.port = addr, port
		}
	case api.AllocClientStatusFailed:
		o.status, o.reason, o.terminal = gateway.InstanceFailed, "The worker kept failing on its node.", true
	case api.AllocClientStatusLost, api.AllocClientStatusUnknown:
		o.status, o.reason, o.terminal = gateway.InstanceLost, "The node running the worker stopped answering.", true
	case api.AllocClientStatusComplete:
		o.status, o.reason, o.terminal = gateway.InstanceFailed, "The worker exited.", true
	}
	return o
}

// replacingOf is a terminal allocation Nomad is replacing: the instance
// is restarting, not finished.
func replacingOf(o observation) observation {
	o.terminal = false
	o.address, o.port = "", 0
	o.reason = o.reason[:len(o.reason)-1] + "; Nomad is starting it elsewhere."
	o.status = gateway.InstanceRestarting
	return o
}

// finalOf is a terminal allocation of a job Nomad gave up on.
func finalOf(o observation) observation {
	o.reason = o.reason[:len(o.reason)-1] + "; Nomad gave up. Start the instance again."
	return o
}

func reasonOf(event string) string {
	switch event {
	case api.TaskDriverFailure, api.TaskSetupFailure:
		return "The worker could not be started on its node; Nomad is retrying."
	case api.TaskKilled, api.TaskKilling:
		return "The worker was stopped by Nomad."
	}
	return "The worker stopped and Nomad is restarting it."
}
