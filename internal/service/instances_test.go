package service

import (
	"context"
	"sync"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// fakeScheduler records what the service asks of a scheduler and places
// every worker at one address, or refuses with err.
type fakeScheduler struct {
	mu     sync.Mutex
	starts []gateway.InstanceSpec
	stops  []string
	err    error
}

func (f *fakeScheduler) Name() string { return "fake" }

func (f *fakeScheduler) Start(_ context.Context, spec gateway.InstanceSpec) (gateway.Placement, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return gateway.Placement{}, f.err
	}
	f.starts = append(f.starts, spec)
	return gateway.Placement{Driver: "fake", Address: "127.0.0.1:4100", Port: 4100}, nil
}

func (f *fakeScheduler) Stop(_ context.Context, sessionID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stops = append(f.stops, sessionID)
	return nil
}

func (f *fakeScheduler) Ping(context.Context) error { return nil }

func withScheduler(t *testing.T, sch *fakeScheduler) *fixture {
	f := newFixture(t)
	f.scheduler = sch
	return f
}

func TestInstanceLifecycle(t *testing.T) {
	sch := &fakeScheduler{}
	f := withScheduler(t, sch)
	ctx := t.Context()
	ann, bob := f.register(t, "ann@example.com"), f.register(t, "bob@example.com")
	sess, err := f.CreateSession(ctx, ann, CreateSessionInput{Name: "shop"})
	must(t, err)

	_, err = f.StartInstance(ctx, bob, sess.ID)
	wantCode(t, err, gateway.CodeNotFound)
	inst, err := f.StartInstance(ctx, ann, sess.ID)
	must(t, err)
	if inst.Status != gateway.InstanceRunning || inst.Address != "127.0.0.1:4100" || len(sch.starts) != 1 ||
		sch.starts[0].SessionID != sess.ID || sch.starts[0].Engine != gateway.EngineSandbox {
		t.Fatalf("started %+v with specs %+v, want running at the placement", inst, sch.starts)
	}
	_, err = f.StartInstance(ctx, ann, sess.ID)
	wantCode(t, err, gateway.CodeConflict)
	_, err = f.Instance(ctx, bob.ID, inst.ID)
	wantCode(t, err, gateway.CodeNotFound)

	re, err := f.RestartInstance(ctx, ann, inst.ID)
	must(t, err)
	if re.Status != gateway.InstanceRunning || re.Restarts != 1 || len(sch.stops) != 1 || len(sch.starts) != 2 {
		t.Fatalf("restart gave %+v after %d stops, %d starts; want running, 1 restart", re, len(sch.stops), len(sch.starts))
	}

	stopped, err := f.StopInstance(ctx, ann.ID, inst.ID)
	must(t, err)
	if stopped.Status != gateway.InstanceStopped {
		t.Fatalf("stop gave %s", stopped.Status)
	}
	s, err := f.Session(ctx, ann.ID, sess.ID)
	must(t, err)
	if s.Status != gateway.SessionStopped {
		t.Fatalf("session %s after its instance stopped, want stopped", s.Status)
	}
	// Stopping a stopped instance answers it as it is, without the scheduler.
	if again, err := f.StopInstance(ctx, ann.ID, inst.ID); err != nil || again.Status != gateway.InstanceStopped || len(sch.stops) != 2 {
		t.Fatalf("second stop: %v, %d scheduler stops; want the instance unchanged", err, len(sch.stops))
	}
	back, err := f.StartStoppedInstance(ctx, ann, inst.ID)
	must(t, err)
	if back.ID != inst.ID || back.Status != gateway.InstanceRunning {
		t.Fatalf("started again %+v, want the same instance running", back)
	}
	list, err := f.ListInstances(ctx, ann.ID, sess.ID, gateway.Page{})
	must(t, err)
	if list.Pagination.Total != 1 {
		t.Fatalf("%d instances of the session, want 1", list.Pagination.Total)
	}

	// After a gateway restart the live instance is placed again.
	n, err := f.RecoverInstances(ctx)
	must(t, err)
	if n != 1 || len(sch.starts) != 4 {
		t.Fatalf("recovered %d with %d starts in all, want 1 and 4", n, len(sch.starts))
	}
}

func TestInstanceQuotaAndSchedulerFailure(t *testing.T) {
	sch := &fakeScheduler{}
	f := withScheduler(t, sch) // MaxInstancesPerUser 2 on the default plan
	ctx := t.Context()
	u := f.register(t, "ann@example.com")
	var sessions []*gateway.Session
	for _, name := range []string{"a", "b", "c"} {
		s, err := f.CreateSession(ctx, u, CreateSessionInput{Name: name})
		must(t, err)
		sessions = append(sessions, s)
	}
	for _, s := range sessions[:2] {
		_, err := f.StartInstance(ctx, u, s.ID)
		must(t, err)
	}
	_, err := f.StartInstance(ctx, u, sessions[2].ID)
	wantCode(t, err, gateway.CodeQuotaExceeded)

	other := f.register(t, "bob@example.com")
	s, err := f.CreateSession(ctx, other, CreateSessionInput{Name: "x"})
	must(t, err)
	sch.err = gateway.Errorf(gateway.CodeUnavailable, "No capacity.")
	_, err = f.StartInstance(ctx, other, s.ID)
	wantCode(t, err, gateway.CodeUnavailable)
	list, err := f.ListInstances(ctx, other.ID, "", gateway.Page{})
	must(t, err)
	if len(list.Items) != 1 || list.Items[0].Status != gateway.InstanceFailed || list.Items[0].LastError != "No capacity." {
		t.Fatalf("instances %+v, want one failed with the scheduler's sentence", list.Items)
	}
}
