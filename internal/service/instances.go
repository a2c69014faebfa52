package service

import (
	"context"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func instanceEvent(i *gateway.Instance) *gateway.Event {
	return gateway.NewEvent(i.UserID, i.SessionID, gateway.EventInstanceStatus, gateway.InstanceStatusData{
		InstanceID: i.ID, SessionID: i.SessionID, Status: i.Status, Driver: i.Driver, Error: i.LastError, Restarts: i.Restarts,
	})
}

func sessionEvent(userID, sessionID string, st gateway.SessionStatus, reason string) *gateway.Event {
	return gateway.NewEvent(userID, sessionID, gateway.EventSessionStatus, gateway.SessionStatusData{SessionID: sessionID, Status: st, Reason: reason})
}

// StartInstance starts a worker for one of the caller's sessions: the
// seed's POST /instances. CodeQuotaExceeded past the plan's instance limit
// (MAX_INSTANCES_PER_USER on the default plan), CodeConflict when the session
// already has a live instance.
func (s *Service) StartInstance(ctx context.Context, u *gateway.User, sessionID string) (*gateway.Instance, error) {
	sess, err := s.Session(ctx, u.ID, sessionID)
	if err != nil {
		return nil, err
	}
	if live, err := s.instances.LiveInstance(ctx, u.ID, sessionID); err == nil {
		return nil, &gateway.Error{Code: gateway.CodeConflict,
			Message: "The session already has a running instance (" + live.ID + ").",
			Details: map[string]any{"instance_id": live.ID}}
	} else if !gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, err
	}
	plan, limit, err := s.instanceQuota(ctx, u)
	if err != nil {
		return nil, err
	}
	now := s.now()
	inst := &gateway.Instance{
		ID: uuid.NewString(), SessionID: sess.ID, UserID: u.ID, Status: gateway.InstancePending,
		Driver: s.scheduler.Name(), CreatedAt: now, UpdatedAt: now,
	}
	if err := s.instances.CreateInstanceWithin(ctx, inst, limit, instanceEvent(inst)); err != nil {
		if gateway.IsCode(err, gateway.CodeQuotaExceeded) {
			return nil, capped(err, plan, "running instances", limit)
		}
		if gateway.IsCode(err, gateway.CodeConflict) {
			return nil, gateway.Errorf(gateway.CodeConflict, "The session already has a running instance.")
		}
		return nil, err
	}
	s.instanceChanged(inst)
	return s.place(ctx, inst, sess.Engine)
}

// instanceQuota checks the tenant may run one more instance and returns
// its plan and limit, for the insert to check again in its transaction.
func (s *Service) instanceQuota(ctx context.Context, u *gateway.User) (*gateway.Plan, int, error) {
	plan, err := s.PlanOf(ctx, u)
	if err != nil {
		return nil, 0, err
	}
	limit := plan.Limits.Instances
	if plan.ID == DefaultPlanID {
		limit = s.cfg.MaxInstancesPerUser
	}
	n, err := s.instances.CountLiveInstances(ctx, u.ID)
	if err != nil {
		return nil, 0, err
	}
	return plan, limit, quota(plan, "running instances", limit, n)
}

// place asks the scheduler to run the instance and records the outcome.
// It runs on the server's lifetime context: a client that hangs up must not
// leave a worker running that the database says is pending.
func (s *Service) place(ctx context.Context, inst *gateway.Instance, engine string) (*gateway.Instance, error) {
	ctx = context.WithoutCancel(ctx)
	pl, err := s.scheduler.Start(ctx, gateway.InstanceSpec{InstanceID: inst.ID, SessionID: inst.SessionID, UserID: inst.UserID, Engine: engine})
	if err != nil {
		inst.Status, inst.LastError = gateway.InstanceFailed, gateway.ErrorMessage(err)
		stopped := s.now()
		if _, uerr := s.instances.UpdateInstance(ctx, inst.UserID, inst.ID, gateway.InstanceUpdate{
			Status: gateway.InstanceFailed, LastError: inst.LastError, Restarts: -1, StoppedAt: &stopped,
		}, instanceEvent(inst)); uerr != nil {
			s.log.Error("record failed instance", "instance_id", inst.ID, "err", uerr)
		}
		s.instanceChanged(inst)
		s.log.Warn("instance start failed", "instance_id", inst.ID, "session_id", inst.SessionID, "err", err)
		return nil, err
	}
	now := s.now()
	inst.Status = gateway.InstanceRunning
	inst.Driver = pl.Driver
	upd := gateway.InstanceUpdate{Status: gateway.InstanceRunning, Address: pl.Address, Port: pl.Port, JobID: pl.JobID,
		AllocID: pl.AllocID, Restarts: -1, StartedAt: &now}
	out, err := s.instances.UpdateInstance(ctx, inst.UserID, inst.ID, upd, instanceEvent(inst))
	if err != nil {
		return nil, err
	}
	s.instanceChanged(inst)
	s.log.Info("instance started", "instance_id", inst.ID, "session_id", inst.SessionID, "address", pl.Address)
	return out, nil
}

// ListInstances lists the caller's instances; only session sessionID's
// when it is not "".
func (s *Service) ListInstances(ctx context.Context, userID, sessionID string, p gateway.Page) (List[*gateway.Instance], error) {
	p = p.Normalize()
	items, total, err := s.instances.ListInstances(ctx, userID, sessionID, p)
	if err != nil {
		return List[*gateway.Instance]{}, err
	}
	return newList(items, total, p), nil
}

// Instance returns one of the caller's instances.
func (s *Service) Instance(ctx context.Context, userID, id string) (*gateway.Instance, error) {
	inst, err := s.instances.InstanceByID(ctx, userID, id)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, gateway.NotFound("Instance")
	}
	return inst, err
}

// StopInstance stops one of the caller's instances; stopping a stopped one
// returns it as it is.
func (s *Service) StopInstance(ctx context.Context, userID, id string) (*gateway.Instance, error) {
	inst, err := s.Instance(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	if !inst.Status.Live() {
		return inst, nil
	}
	return s.stopInstance(ctx, inst)
}

// ReasonStopped is a stopped session's status reason: the dashboard and the
// CLI show it beside the state, so it says what to do next.
const ReasonStopped = "The instance was stopped; start it to connect again."

func (s *Service) stopInstance(ctx context.Context, inst *gateway.Instance) (*gateway.Instance, error) {
	ctx = context.WithoutCancel(ctx)
	if err := s.scheduler.Stop(ctx, inst.SessionID); err != nil {
		return nil, err
	}
	now := s.now()
	inst.Status, inst.LastError = gateway.InstanceStopped, ""
	out, err := s.instances.UpdateInstance(ctx, inst.UserID, inst.ID,
		gateway.InstanceUpdate{Status: gateway.InstanceStopped, Restarts: -1, StoppedAt: &now}, instanceEvent(inst))
	if err != nil {
		return nil, err
	}
	s.instanceChanged(inst)
	if _, err := s.sessions.SetSessionState(ctx, inst.UserID, inst.SessionID,
		gateway.SessionState{Status: gateway.SessionStopped, StatusReason: ReasonStopped},
		sessionEvent(inst.UserID, inst.SessionID, gateway.SessionStopped, ReasonStopped)); err != nil && !gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, err
	}
	s.log.Info("instance stopped", "instance_id", inst.ID, "session_id", inst.SessionID)
	return out, nil
}

// StartStoppedInstance starts a stopped or failed instance again under its id.
func (s *Service) StartStoppedInstance(ctx context.Context, u *gateway.User, id string) (*gateway.Instance, error) {
	inst, err := s.Instance(ctx, u.ID, id)
	if err != nil {
		return nil, err
	}
	if inst.Status.Live() {
		return inst, nil
	}
	sess, err := s.Session(ctx, u.ID, inst.SessionID)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.instanceQuota(ctx, u); err != nil {
		return nil, err
	}
	inst.Status, inst.LastError = gateway.InstancePending, ""
	if _, err := s.instances.UpdateInstance(ctx, u.ID, id, gateway.InstanceUpdate{Status: gateway.InstancePending, Restarts: -1}, instanceEvent(inst)); err != nil {
		if gateway.IsCode(err, gateway.CodeConflict) {
			return nil, gateway.Errorf(gateway.CodeConflict, "The session already has another running instance.")
		}
		return nil, err
	}
	s.instanceChanged(inst)
	return s.place(ctx, inst, sess.Engine)
}

// RestartInstance stops and starts an instance's worker again.
func (s *Service) RestartInstance(ctx context.Context, u *gateway.User, id string) (*gateway.Instance, error) {
	inst, err := s.Instance(ctx, u.ID, id)
	if err != nil {
		return nil, err
	}
	sess, err := s.Session(ctx, u.ID, inst.SessionID)
	if err != nil {
		return nil, err
	}
	if !inst.Status.Live() {
		return s.StartStoppedInstance(ctx, u, id)
	}
	bg := context.WithoutCancel(ctx)
	if err := s.scheduler.Stop(bg, inst.SessionID); err != nil {
		return nil, err
	}
	inst.Status, inst.Restarts = gateway.InstanceRestarting, inst.Restarts+1
	if _, err := s.instances.UpdateInstance(bg, u.ID, id, gateway.InstanceUpdate{Status: gateway.InstanceRestarting, Restarts: inst.Restarts}, instanceEvent(inst)); err != nil {
		return nil, err
	}
	s.instanceChanged(inst)
	return s.place(bg, inst, sess.Engine)
}

// HandleReport records what a scheduler says about a worker (crashed,
// restarting, running again).
func (s *Service) HandleReport(r gateway.InstanceReport) {
	ctx := s.bg
	inst := &gateway.Instance{ID: r.InstanceID, SessionID: r.SessionID, UserID: r.UserID, Status: r.Update.Status,
		Driver: s.scheduler.Name(), LastError: r.Update.LastError, Restarts: r.Update.Restarts}
	if _, err := s.instances.UpdateInstance(ctx, r.UserID, r.InstanceID, r.Update, instanceEvent(inst)); err != nil {
		s.log.Error("record instance report", "instance_id", r.InstanceID, "status", r.Update.Status, "err", err)
	}
	s.instanceChanged(inst)
}

// RecoverInstances starts again the workers of every live instance, after a
// gateway restart, so sessions that were running come back by themselves.
func (s *Service) RecoverInstances(ctx context.Context) (int, error) {
	live, err := s.instances.ListLiveInstances(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, inst := range live {
		sess, err := s.sessions.SessionByID(ctx, inst.UserID, inst.SessionID)
		if err != nil {
			s.log.Warn("recover instance: session", "instance_id", inst.ID, "err", err)
			continue
		}
		if _, err := s.place(ctx, inst, sess.Engine); err == nil {
			n++
		}
	}
	if len(live) > 0 {
		s.log.Info("instances recovered", "recovered", n, "live", len(live))
	}
	return n, nil
}
