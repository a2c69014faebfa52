package api

import (
	"bytes"
	"context"
	"net/http"
	"sync"

	"github.com/whatsapp-saas/gateway/internal/changes"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
)

// settled reports whether an answer showing a session in state may be
// kept: not while its worker is on its way somewhere (no engine yet,
// starting, reconnecting), whether the answer is the worker's status or
// the session as stored.
func settled(state gateway.SessionStatus) bool {
	switch state {
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

// answer is a live view as the status caches keep it, with its success
// envelope encoded once per language: a warm gateway answers a status poll
// by writing bytes, not by encoding the same report again (encoding was 9 %
// of a status read's CPU, docs/benchmarks.md). A change makes a new answer
// (the cache forgets the old one and loads anew), so an encoded body never
// outlives the value it was encoded from.
type answer[V any] struct {
	v      V
	mu     sync.Mutex
	bodies map[string]encodedAnswer // by language; few (locale.Negotiate's)
}

// encodedAnswer is a whole success envelope, encoded: ok writes it as is.
type encodedAnswer []byte

func newAnswer[V any](v V, err error) (*answer[V], error) {
	if err != nil {
		return nil, err
	}
	return &answer[V]{v: v}, nil
}

// in is the answer in lang: the envelope of view's data, encoded at the
// first read in that language by writeJSON's own encoder, so the kept
// bytes are what writeJSON would write. If it cannot be encoded it is not
// kept, and the data goes back to ok, which answers the error as for any
// answer.
func (a *answer[V]) in(lang string, view func(lang string, v V) any) any {
	a.mu.Lock()
	body, found := a.bodies[lang]
	a.mu.Unlock()
	if found {
		return body
	}
	data := view(lang, a.v)
	var buf bytes.Buffer
	if encodeJSON(&buf, http.StatusOK, envelope{Success: true, Data: data}) != http.StatusOK {
		return data
	}
	a.mu.Lock()
	if a.bodies == nil {
		a.bodies = map[string]encodedAnswer{}
	}
	a.bodies[lang] = buf.Bytes()
	a.mu.Unlock()
	return encodedAnswer(buf.Bytes())
}

// session is GET /sessions/{id}'s answer, through the cache: the session
// as stored changes only through writes that call SessionChanged (the
// service's updates and deletes, a worker's state reports and history
// batches), so a warm read needs no query.
func (s *Server) session(ctx context.Context, userID, id string) (*answer[*gateway.Session], error) {
	return s.sessions.Get(ctx, userID, id, func(ctx context.Context) (*answer[*gateway.Session], error) {
		return newAnswer(s.svc.Session(ctx, userID, id))
	}, func(a *answer[*gateway.Session]) bool { return settled(a.v.Status) })
}

// sessionAnswer answers GET /sessions/{id}: the session, its state's
// reason in the caller's language.
func sessionAnswer(r *http.Request, a *answer[*gateway.Session]) any {
	return a.in(langOf(r), func(lang string, sess *gateway.Session) any { return sessionData{*localSession(lang, sess)} })
}

// sessionStatus is GET /sessions/{id}/status's answer, through the cache.
func (s *Server) sessionStatus(ctx context.Context, userID, id string) (*answer[*instanceapi.Status], error) {
	return s.statuses.Get(ctx, userID, id, func(ctx context.Context) (*answer[*instanceapi.Status], error) {
		return newAnswer(s.svc.WorkerStatus(ctx, userID, id))
	}, func(a *answer[*instanceapi.Status]) bool { return settled(a.v.State) })
}

// instance is one of the tenant's instances, through the cache.
func (s *Server) instance(ctx context.Context, userID, id string) (*answer[*gateway.Instance], error) {
	return s.instances.Get(ctx, userID, id, func(ctx context.Context) (*answer[*gateway.Instance], error) {
		return newAnswer(s.svc.Instance(ctx, userID, id))
	}, func(a *answer[*gateway.Instance]) bool { return settledInstance(a.v) })
}

// statusAnswer answers GET /sessions/{id}/status: the worker's report, its
// reason in the caller's language.
func statusAnswer(r *http.Request, a *answer[*instanceapi.Status]) any {
	return a.in(langOf(r), statusView)
}

// instanceAnswer answers GET /instances/{id}; the view has no language.
func instanceAnswer(_ *http.Request, a *answer[*gateway.Instance]) any {
	return a.in("", func(_ string, inst *gateway.Instance) any { return instanceData{*inst} })
}

// SessionChanged drops the session (as stored, and its status) here and tells the other
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

// forgetSession drops what this gateway keeps about a session: the
// session as stored, its status and whether it can send.
func (s *Server) forgetSession(id string) {
	s.sessions.Forget(id)
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

// watchStatusChanges forgets the sessions, statuses and instances other
// gateways and workers say changed.
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
			s.sessions.Off()
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
