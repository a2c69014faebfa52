package api

import (
	"context"

	"github.com/whatsapp-saas/gateway/internal/changes"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
)

// settledStatus reports whether a worker's status may be kept: not while
// the worker is on its way somewhere (no engine yet, starting, reconnecting).
func settledStatus(st *instanceapi.Status) bool {
	switch st.State {
	case "", gateway.SessionCreated, gateway.SessionStarting, gateway.SessionReconnecting:
		return false
	}
	return true
}

// settledInstance reports whether an instance's view may be kept: not while
// it is pending, starting or restarting.
func settledInstance(i *gateway.Instance) bool {
	switch i.Status {
	case gateway.InstancePending, gateway.InstanceStarting, gateway.InstanceRestarting:
		return false
	}
	return true
}

// sessionStatus is GET /sessions/{id}/status's answer, through the cache.
func (s *Server) sessionStatus(ctx context.Context, userID, id string) (*instanceapi.Status, error) {
	return s.statuses.Get(ctx, userID, id, func(ctx context.Context) (*instanceapi.Status, error) {
		return s.svc.WorkerStatus(ctx, userID, id)
	}, settledStatus)
}

// instance is one of the tenant's instances, through the cache.
func (s *Server) instance(ctx context.Context, userID, id string) (*gateway.Instance, error) {
	return s.instances.Get(ctx, userID, id, func(ctx context.Context) (*gateway.Instance, error) {
		return s.svc.Instance(ctx, userID, id)
	}, settledInstance)
}

// SessionChanged drops the session's status here and tells the other
// gateways. The composition root calls it for each change an in-process
// worker reports and each change the use cases commit; it never blocks.
func (s *Server) SessionChanged(id string) {
	s.forgetSession(id)
	s.notices.publish(gateway.TopicSessionsChanged, id)
}

// SessionQueueChanged drops the session's status here and tells the other
// gateways, keeping every gateway's ready-to-send check: the worker's queue
// filling or emptying is a change of the status alone. It never blocks.
func (s *Server) SessionQueueChanged(id string) {
	s.statuses.Forget(id)
	s.notices.publish(gateway.TopicSessionQueueChanged, id)
}

// forgetSession drops what this gateway keeps about a session: its status
// and whether it can send.
func (s *Server) forgetSession(id string) {
	s.statuses.Forget(id)
	s.svc.ForgetSession(id)
}

// PlanChanged tells the other gateways to drop their cached plans (the
// service dropped this gateway's); it never blocks.
func (s *Server) PlanChanged(id string) {
	s.notices.publish(gateway.TopicPlansChanged, id)
}

// InstanceChanged drops the instance's view here and tells the other
// gateways; it never blocks.
func (s *Server) InstanceChanged(id string) {
	s.instances.Forget(id)
	s.notices.publish(gateway.TopicInstancesChanged, id)
}

// notices publishes change notices when there is a bus (nil: none).
type notices struct{ p *changes.Publisher }

func (n notices) publish(topic, id string) {
	if n.p != nil {
		n.p.Publish(topic, id)
	}
}

// watchStatusChanges forgets the statuses and instances other gateways and
// workers say changed.
func (s *Server) watchStatusChanges() {
	if s.deps.Bus == nil {
		return
	}
	s.notices.p = changes.NewPublisher(s.deps.Bus, s.log)
	s.subscribe(gateway.TopicPlansChanged, func(string) { s.svc.ForgetPlans() }, func(err error) {
		// The plan cache's short TTL bounds an edit made elsewhere.
		s.log.Warn("plan edits on other gateways apply within the plan cache's TTL: no change notices", "err", err)
	})
	for topic, forget := range map[string]func(string){
		gateway.TopicSessionsChanged:     s.forgetSession,
		gateway.TopicSessionQueueChanged: s.statuses.Forget,
		gateway.TopicInstancesChanged:    s.instances.Forget,
	} {
		s.subscribe(topic, forget, func(err error) {
			// Without notices another gateway's change would go unseen
			// for a whole TTL: answer every read live instead.
			s.log.Warn("status cache off: no change notices", "topic", topic, "err", err)
			s.statuses.Off()
			s.instances.Off()
			s.svc.SessionNoticesLost()
		})
	}
}

// subscribe calls forget with the id of every notice on topic, or failed
// when the bus refuses the subscription. It lasts as long as the server.
func (s *Server) subscribe(topic string, forget func(string), failed func(error)) {
	cancel, err := s.deps.Bus.Subscribe(context.Background(), topic, func(p []byte) { forget(string(p)) })
	if err != nil {
		failed(err)
		return
	}
	s.watch.mu.Lock()
	s.watch.cancels = append(s.watch.cancels, cancel)
	s.watch.mu.Unlock()
}
