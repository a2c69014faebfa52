package storetest

import (
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func testInstances(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	_, theirs := newTenant(t, s)

	first := &gateway.Instance{SessionID: sess.ID, UserID: u.ID, Status: gateway.InstanceStarting, Driver: "local",
		Address: "127.0.0.1:4001", Port: 4001, StartedAt: ptr(at(1)), CreatedAt: at(1)}
	ev := gateway.NewEvent(u.ID, sess.ID, gateway.EventInstanceStatus, gateway.InstanceStatusData{SessionID: sess.ID, Status: gateway.InstanceStarting})
	must(t, s.CreateInstance(ctx(t), first, ev))
	if first.ID == "" {
		t.Fatal("got empty instance id, want it filled")
	}
	got, err := s.InstanceByID(ctx(t), u.ID, first.ID)
	must(t, err)
	diff(t, "InstanceByID", got, first)
	wantEvents(t, s, u.ID, gateway.EventFilter{Types: []string{gateway.EventInstanceStatus}}, 1, ev.ID, "the instance's")

	t.Run("one live instance per session", func(t *testing.T) {
		for _, st := range gateway.LiveInstanceStatuses {
			second := &gateway.Instance{SessionID: sess.ID, UserID: u.ID, Status: st, Driver: "local"}
			evDup := gateway.NewEvent(u.ID, sess.ID, gateway.EventInstanceStatus, nil)
			wantCode(t, s.CreateInstance(ctx(t), second, evDup), gateway.CodeConflict)
		}
		events, err := s.ListEvents(ctx(t), u.ID, gateway.EventFilter{Types: []string{gateway.EventInstanceStatus}})
		must(t, err)
		if len(events) != 1 {
			t.Fatalf("got %d instance events, want 1: a refused create writes none", len(events))
		}
		// A stopped instance does not count.
		dead := &gateway.Instance{SessionID: sess.ID, UserID: u.ID, Status: gateway.InstanceFailed, Driver: "local", CreatedAt: at(0)}
		must(t, s.CreateInstance(ctx(t), dead))
	})

	live, err := s.LiveInstance(ctx(t), u.ID, sess.ID)
	must(t, err)
	if live.ID != first.ID {
		t.Fatalf("got live instance %s, want %s", live.ID, first.ID)
	}
	_, err = s.UpdateInstance(ctx(t), u.ID, first.ID, gateway.InstanceUpdate{Status: gateway.InstanceStopped, StoppedAt: ptr(at(2)), Restarts: -1})
	must(t, err)
	_, err = s.LiveInstance(ctx(t), u.ID, sess.ID)
	wantCode(t, err, gateway.CodeNotFound)

	second := &gateway.Instance{SessionID: sess.ID, UserID: u.ID, Status: gateway.InstancePending, Driver: "local", CreatedAt: at(3)}
	must(t, s.CreateInstance(ctx(t), second))
	live, err = s.LiveInstance(ctx(t), u.ID, sess.ID)
	must(t, err)
	if live.ID != second.ID {
		t.Fatalf("got live instance %s, want %s", live.ID, second.ID)
	}
	t.Run("making a stopped instance live again conflicts", func(t *testing.T) {
		_, err := s.UpdateInstance(ctx(t), u.ID, first.ID, gateway.InstanceUpdate{Status: gateway.InstanceRunning, Restarts: -1})
		wantCode(t, err, gateway.CodeConflict)
	})

	theirInst := newInstance(t, s, theirs, gateway.InstanceRunning)

	t.Run("lists and counts", func(t *testing.T) {
		list, total, err := s.ListInstances(ctx(t), u.ID, "", gateway.Page{Page: 1, Limit: 10})
		must(t, err)
		if total != 3 || len(list) != 3 || list[0].ID != second.ID {
			t.Fatalf("got %d of total %d starting %v, want 3 of 3 starting with %s", len(list), total, ids(list, instID), second.ID)
		}
		all, err := s.ListLiveInstances(ctx(t))
		must(t, err)
		got, want := ids(all, instID), []string{second.ID, theirInst.ID}
		slices.Sort(got)
		slices.Sort(want)
		diff(t, "ListLiveInstances", got, want)
		wantCount(t, 1, "live instances")(s.CountLiveInstances(ctx(t), u.ID))
	})
	t.Run("another tenant's session", func(t *testing.T) {
		i := &gateway.Instance{SessionID: theirs.ID, UserID: u.ID, Status: gateway.InstanceFailed, Driver: "local"}
		wantCode(t, s.CreateInstance(ctx(t), i), gateway.CodeNotFound)
		i = &gateway.Instance{SessionID: uuid.NewString(), UserID: u.ID, Status: gateway.InstanceFailed, Driver: "local"}
		wantCode(t, s.CreateInstance(ctx(t), i), gateway.CodeNotFound)
	})
}

func instID(i *gateway.Instance) string { return i.ID }

func testUpdateInstance(t *testing.T, s gateway.Store) {
	u := newUser(t, s)
	other := newUser(t, s)
	sess := newSession(t, s, u.ID)
	inst := &gateway.Instance{SessionID: sess.ID, UserID: u.ID, Status: gateway.InstancePending, Driver: "nomad",
		Address: "10.0.0.1:20000", Port: 20000, JobID: "job-1", AllocID: "alloc-1", Restarts: 2, LastError: "old",
		StartedAt: ptr(at(1)), CreatedAt: at(1)}
	must(t, s.CreateInstance(ctx(t), inst))

	steps := []struct {
		name string
		u    gateway.InstanceUpdate
		want func(i *gateway.Instance)
	}{
		{"empty values leave stored ones, last error replaced, restarts -1 kept",
			gateway.InstanceUpdate{Restarts: -1},
			func(i *gateway.Instance) { i.LastError = "" }},
		{"running on a new placement",
			gateway.InstanceUpdate{Status: gateway.InstanceRunning, Address: "10.0.0.2:20001", Port: 20001, AllocID: "alloc-2",
				Restarts: 3, StartedAt: ptr(at(5))},
			func(i *gateway.Instance) {
				i.Status, i.Address, i.Port, i.AllocID, i.Restarts, i.StartedAt = gateway.InstanceRunning, "10.0.0.2:20001", 20001, "alloc-2", 3, ptr(at(5))
			}},
		{"zero restarts replace the count",
			gateway.InstanceUpdate{Status: gateway.InstanceRestarting, LastError: "crashed", JobID: "job-2"},
			func(i *gateway.Instance) {
				i.Status, i.LastError, i.JobID, i.Restarts = gateway.InstanceRestarting, "crashed", "job-2", 0
			}},
		{"failed",
			gateway.InstanceUpdate{Status: gateway.InstanceFailed, LastError: "gave up", Restarts: -1, StoppedAt: ptr(at(9))},
			func(i *gateway.Instance) {
				i.Status, i.LastError, i.StoppedAt = gateway.InstanceFailed, "gave up", ptr(at(9))
			}},
	}
	want := *inst
	for i, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			ev := gateway.NewEvent(u.ID, sess.ID, gateway.EventInstanceStatus, gateway.InstanceStatusData{InstanceID: inst.ID, Status: step.u.Status})
			got, err := s.UpdateInstance(ctx(t), u.ID, inst.ID, step.u, ev)
			must(t, err)
			step.want(&want)
			want.UpdatedAt = got.UpdatedAt
			diff(t, "returned instance", got, &want)
			stored, err := s.InstanceByID(ctx(t), u.ID, inst.ID)
			must(t, err)
			diff(t, "stored instance", stored, &want)
			wantEvents(t, s, u.ID, gateway.EventFilter{}, i+1, ev.ID, "one per update")
		})
	}
	t.Run("absent or another tenant's", func(t *testing.T) {
		for _, tt := range []struct{ user, id string }{{other.ID, inst.ID}, {u.ID, uuid.NewString()}, {u.ID, "nope"}} {
			ev := gateway.NewEvent(tt.user, sess.ID, gateway.EventInstanceStatus, nil)
			_, err := s.UpdateInstance(ctx(t), tt.user, tt.id, gateway.InstanceUpdate{Status: gateway.InstanceStopped}, ev)
			wantCode(t, err, gateway.CodeNotFound)
		}
		wantEvents(t, s, other.ID, gateway.EventFilter{}, 0, "", "none of refused updates")
	})
}
