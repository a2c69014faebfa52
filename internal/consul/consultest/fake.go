// Package consultest is a protocol-faithful fake of the Consul HTTP API
// endpoints the gateway uses (health with blocking queries, agent service
// registration, sessions, KV with acquire/release, leader status), with
// hooks to inject failures: 500s, index resets, expired sessions.
package consultest

import (
	"encoding/json"
	"fmt"
	"github.com/whatsapp-saas/gateway/internal/hashitest"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/consul/api"
)

// Server is a fake Consul agent.
type Server struct {
	*httptest.Server

	hashitest.Failures // FailNext

	mu       sync.Mutex
	index    hashitest.Index
	services map[string]*api.ServiceEntry // by service ID
	sessions map[string]*session
	kv       map[string]*api.KVPair
	nextID   int
	requests map[string]int // "METHOD /path" without query → count
}

type session struct {
	entry   api.SessionEntry
	renewed time.Time
}

// New starts a fake; it is closed with the test.
func New(t interface{ Cleanup(func()) }) *Server {
	s := &Server{index: hashitest.Index{N: 10}, services: map[string]*api.ServiceEntry{},
		sessions: map[string]*session{}, kv: map[string]*api.KVPair{}, requests: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Client returns a Consul client for the fake.
func (s *Server) Client() *api.Client {
	cfg := api.DefaultConfig()
	cfg.Address = s.URL
	cfg.Token = ""
	c, err := api.NewClient(cfg)
	if err != nil {
		panic(err)
	}
	return c
}

// bump moves the index on and wakes blocked queries; mu must be held.
func (s *Server) bump() { s.index.Bump() }

// AddWorker registers a worker instance of service with its session meta
// and one HTTP check in status ("passing", "critical", …).
func (s *Server) AddWorker(service, id, sessionID, addr string, port int, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bump()
	s.services[id] = &api.ServiceEntry{
		Node: &api.Node{Node: "client-1", Address: "10.0.0.1", Datacenter: "dc1"},
		Service: &api.AgentService{ID: id, Service: service, Tags: []string{"session-" + sessionID}, Address: addr, Port: port,
			Meta: map[string]string{"session_id": sessionID, "external-source": "nomad"}, CreateIndex: s.index.N, ModifyIndex: s.index.N, Datacenter: "dc1"},
		Checks: api.HealthChecks{
			{Node: "client-1", CheckID: "serfHealth", Name: "Serf Health Status", Status: api.HealthPassing},
			{Node: "client-1", CheckID: "_nomad-check-" + id, Name: "health", Status: status, ServiceID: id, ServiceName: service, Type: "http"},
		},
	}
}

// SetCheck flips the service check of a registered instance.
func (s *Server) SetCheck(id, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.services[id]; ok {
		s.bump()
		e.Checks[1].Status = status
	}
}

// Remove deregisters an instance.
func (s *Server) Remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bump()
	delete(s.services, id)
}

// ResetIndex sets the index back (a snapshot restore) and wakes watchers.
func (s *Server) ResetIndex(to uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.index.Set(to)
}

// ExpireSession invalidates a Consul session as a TTL expiry would,
// releasing its locks.
func (s *Server) ExpireSession(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.destroyLocked(id)
}

// Sessions lists the live session ids.
func (s *Server) Sessions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id := range s.sessions {
		out = append(out, id)
	}
	return out
}

// Holder returns the session holding key ("" when free) and the key's value.
func (s *Server) Holder(key string) (string, []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.kv[key]; ok {
		return p.Session, p.Value
	}
	return "", nil
}

// Registered returns the agent registration of a service ID, or nil.
func (s *Server) Registered(id string) *api.ServiceEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.services[id]
}

// Requests counts requests by "METHOD /path".
func (s *Server) Requests(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[key]
}

func (s *Server) destroyLocked(id string) {
	if _, ok := s.sessions[id]; !ok {
		return
	}
	delete(s.sessions, id)
	for _, p := range s.kv {
		if p.Session == id {
			p.Session = ""
			p.ModifyIndex = s.index.N + 1
		}
	}
	s.bump()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.Method+" "+r.URL.Path]++
	s.mu.Unlock()
	if s.Fail(w) {
		return
	}
	p := r.URL.Path
	switch {
	case r.Method == http.MethodGet && p == "/v1/status/leader":
		s.writeJSON(w, "10.0.0.1:8300")
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/v1/health/service/"):
		s.health(w, r, strings.TrimPrefix(p, "/v1/health/service/"))
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/v1/catalog/service/"):
		s.catalog(w, r, strings.TrimPrefix(p, "/v1/catalog/service/"))
	case r.Method == http.MethodPut && p == "/v1/agent/service/register":
		s.register(w, r)
	case r.Method == http.MethodPut && strings.HasPrefix(p, "/v1/agent/service/deregister/"):
		s.Remove(strings.TrimPrefix(p, "/v1/agent/service/deregister/"))
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodPut && p == "/v1/session/create":
		s.sessionCreate(w, r)
	case r.Method == http.MethodPut && strings.HasPrefix(p, "/v1/session/renew/"):
		s.sessionRenew(w, strings.TrimPrefix(p, "/v1/session/renew/"))
	case r.Method == http.MethodPut && strings.HasPrefix(p, "/v1/session/destroy/"):
		s.ExpireSession(strings.TrimPrefix(p, "/v1/session/destroy/"))
		s.writeJSON(w, true)
	case strings.HasPrefix(p, "/v1/kv/"):
		s.kvHandle(w, r, strings.TrimPrefix(p, "/v1/kv/"))
	default:
		http.Error(w, "no handler for "+r.Method+" "+p, http.StatusNotFound)
	}
}

func (s *Server) writeJSON(w http.ResponseWriter, v any) {
	hashitest.WriteJSON(w, "Consul", &s.mu, &s.index.N, v)
}

// block waits while the query's index is current, up to its wait time.
func (s *Server) block(r *http.Request) {
	hashitest.Block(r, 10*time.Minute, func() (uint64, <-chan struct{}) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.index.State()
	})
}

func (s *Server) health(w http.ResponseWriter, r *http.Request, name string) {
	s.block(r)
	passing := r.URL.Query().Get("passing")
	s.mu.Lock()
	out := []*api.ServiceEntry{}
	for _, e := range s.services {
		if e.Service.Service != name {
			continue
		}
		if (passing == "1" || passing == "true") && e.Checks.AggregatedStatus() != api.HealthPassing {
			continue
		}
		// A copy, so SetCheck may flip the live entry while this one is encoded.
		c := *e
		c.Checks = slices.Clone(e.Checks)
		for i, chk := range c.Checks {
			cc := *chk
			c.Checks[i] = &cc
		}
		out = append(out, &c)
	}
	s.mu.Unlock()
	s.writeJSON(w, out)
}

// catalog lists every instance of a service, healthy or not, filtered by
// the repeated tag parameters.
func (s *Server) catalog(w http.ResponseWriter, r *http.Request, name string) {
	s.block(r)
	tags := r.URL.Query()["tag"]
	s.mu.Lock()
	out := []*api.CatalogService{}
	for _, e := range s.services {
		if e.Service.Service != name {
			continue
		}
		match := true
		for _, tag := range tags {
			if !slices.Contains(e.Service.Tags, tag) {
				match = false
			}
		}
		if match {
			out = append(out, &api.CatalogService{Node: e.Node.Node, Address: e.Node.Address, Datacenter: e.Node.Datacenter,
				ServiceID: e.Service.ID, ServiceName: e.Service.Service, ServiceAddress: e.Service.Address, ServicePort: e.Service.Port,
				ServiceTags: e.Service.Tags, ServiceMeta: e.Service.Meta, CreateIndex: e.Service.CreateIndex, ModifyIndex: e.Service.ModifyIndex})
		}
	}
	s.mu.Unlock()
	s.writeJSON(w, out)
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	var reg api.AgentServiceRegistration
	if err := json.NewDecoder(r.Body).Decode(&reg); err != nil {
		http.Error(w, "Request decode failed: "+err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.bump()
	e := &api.ServiceEntry{
		Node:    &api.Node{Node: "client-1", Address: "10.0.0.1"},
		Service: &api.AgentService{ID: reg.ID, Service: reg.Name, Tags: reg.Tags, Address: reg.Address, Port: reg.Port, Meta: reg.Meta, CreateIndex: s.index.N, ModifyIndex: s.index.N},
		Checks:  api.HealthChecks{{CheckID: "service:" + reg.ID, Status: api.HealthCritical, ServiceID: reg.ID, ServiceName: reg.Name, Type: "http"}},
	}
	if reg.Check != nil {
		e.Checks[0].Definition = api.HealthCheckDefinition{HTTP: reg.Check.HTTP}
		e.Checks[0].Name = reg.Check.Interval + "/" + reg.Check.Timeout + "/" + reg.Check.DeregisterCriticalServiceAfter
	}
	s.services[reg.ID] = e
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (s *Server) sessionCreate(w http.ResponseWriter, r *http.Request) {
	// The client sends LockDelay as a duration string ("5s"); Consul also
	// accepts a number (seconds when small, else nanoseconds).
	var in struct {
		Name, Behavior, TTL string
		LockDelay           json.RawMessage
	}
	body, _ := io.ReadAll(r.Body)
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			http.Error(w, "Request decode failed: "+err.Error(), http.StatusBadRequest)
			return
		}
	}
	e := api.SessionEntry{Name: in.Name, Behavior: in.Behavior, TTL: in.TTL}
	if len(in.LockDelay) > 0 {
		var str string
		var n int64
		switch {
		case json.Unmarshal(in.LockDelay, &str) == nil:
			d, err := time.ParseDuration(str)
			if err != nil {
				http.Error(w, "Request decode failed: invalid LockDelay", http.StatusBadRequest)
				return
			}
			e.LockDelay = d
		case json.Unmarshal(in.LockDelay, &n) == nil:
			e.LockDelay = time.Duration(n)
			if n < 1000 {
				e.LockDelay = time.Duration(n) * time.Second
			}
		}
	}
	if e.TTL != "" {
		d, err := time.ParseDuration(e.TTL)
		if err != nil || d < 10*time.Second || d > 24*time.Hour {
			http.Error(w, "Invalid Session TTL '"+e.TTL+"'", http.StatusBadRequest)
			return
		}
	}
	s.mu.Lock()
	s.nextID++
	e.ID = fmt.Sprintf("00000000-0000-0000-0000-%012d", s.nextID)
	s.bump()
	e.CreateIndex = s.index.N
	s.sessions[e.ID] = &session{entry: e, renewed: time.Now()}
	s.mu.Unlock()
	s.writeJSON(w, map[string]string{"ID": e.ID})
}

func (s *Server) sessionRenew(w http.ResponseWriter, id string) {
	s.mu.Lock()
	se, ok := s.sessions[id]
	if ok {
		se.renewed = time.Now()
	}
	s.mu.Unlock()
	if !ok {
		http.Error(w, "Session id '"+id+"' not found", http.StatusNotFound)
		return
	}
	s.writeJSON(w, []api.SessionEntry{se.entry})
}

func (s *Server) kvHandle(w http.ResponseWriter, r *http.Request, key string) {
	q := r.URL.Query()
	switch r.Method {
	case http.MethodGet:
		s.block(r)
		s.mu.Lock()
		p, ok := s.kv[key]
		var cp api.KVPair
		if ok {
			cp = *p
		}
		s.mu.Unlock()
		if !ok {
			w.Header().Set("X-Consul-Index", strconv.FormatUint(s.currentIndex(), 10))
			w.WriteHeader(http.StatusNotFound)
			return
		}
		s.writeJSON(w, []api.KVPair{cp})
	case http.MethodPut:
		val, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		p := s.kv[key]
		if p == nil {
			p = &api.KVPair{Key: key, CreateIndex: s.index.N + 1}
		}
		var res bool
		switch {
		case q.Has("acquire"):
			id := q.Get("acquire")
			if _, live := s.sessions[id]; !live {
				s.mu.Unlock()
				http.Error(w, "invalid session \""+id+"\"", http.StatusInternalServerError)
				return
			}
			if p.Session == "" || p.Session == id {
				res = true
				if p.Session == "" {
					p.LockIndex++
				}
				p.Session, p.Value = id, val
			}
		case q.Has("release"):
			id := q.Get("release")
			if p.Session == id {
				res = true
				p.Session = ""
			}
		default:
			res, p.Value = true, val
		}
		if res {
			s.bump()
			p.ModifyIndex = s.index.N
			s.kv[key] = p
		}
		s.mu.Unlock()
		s.writeJSON(w, res)
	case http.MethodDelete:
		s.mu.Lock()
		delete(s.kv, key)
		s.bump()
		s.mu.Unlock()
		s.writeJSON(w, true)
	}
}

func (s *Server) currentIndex() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.index.N
}
