// Package nomadtest is a protocol-faithful fake of the Nomad HTTP API
// endpoints the gateway uses: job register (with EnforceIndex), info,
// list, allocations of a job and of a namespace (blocking queries),
// deregister (purge), allocation
// info, native services, variables, leader status and agent self. A
// simulated scheduler places one allocation per registered job; hooks
// drive it (crash, restart, node lost) and inject failures (500s, index
// resets).
package nomadtest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/whatsapp-saas/gateway/internal/hashitest"
)

// Server is a fake Nomad agent (server and client in one, like -dev).
type Server struct {
	*httptest.Server

	// Version is what /v1/agent/self reports (default "1.11.0").
	Version string
	// AutoRun moves new allocations to running at once (default true).
	AutoRun bool
	// OnPlace, when set, is called (in its own goroutine) with every new
	// allocation, and OnStop with every allocation told to stop: a test
	// can run real processes for them, as a Nomad client would.
	OnPlace func(a *api.Allocation)
	OnStop  func(allocID string)

	hashitest.Failures // FailNext

	mu        sync.Mutex
	index     hashitest.Index
	jobs      map[string]*api.Job // by namespace/id
	allocs    map[string]*api.Allocation
	order     []string // alloc ids in creation order
	vars      map[string]*api.Variable
	services  map[string][]*api.ServiceRegistration // by service name
	registers int
	nextPort  int
	requests  []string
	blocking  int // blocking queries waiting now
}

// New starts a fake; it is closed with the test.
func New(t interface{ Cleanup(func()) }) *Server {
	s := &Server{Version: "1.11.0", AutoRun: true, index: hashitest.Index{N: 100},
		jobs: map[string]*api.Job{}, allocs: map[string]*api.Allocation{}, vars: map[string]*api.Variable{},
		services: map[string][]*api.ServiceRegistration{}, nextPort: 23000}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Client returns a Nomad client for the fake, in namespace ns ("" for default).
func (s *Server) Client(ns string) *api.Client {
	c, err := api.NewClient(&api.Config{Address: s.URL, Namespace: ns})
	if err != nil {
		panic(err)
	}
	return c
}

func (s *Server) bump() { s.index.Bump() }

func key(ns, id string) string {
	if ns == "" {
		ns = "default"
	}
	return ns + "/" + id
}

// Job returns a registered job (as stored, canonicalized), or nil.
func (s *Server) Job(ns, id string) *api.Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobs[key(ns, id)]
}

// Jobs counts the registered jobs.
func (s *Server) Jobs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.jobs)
}

// Registers counts register calls that created or changed a job.
func (s *Server) Registers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.registers
}

// Requests returns the "METHOD path" of every request so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// Allocs returns the ids of a job's allocations, oldest first.
func (s *Server) Allocs(jobID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, id := range s.order {
		if a := s.allocs[id]; a != nil && a.JobID == jobID {
			out = append(out, id)
		}
	}
	return out
}

// Variable returns a stored variable's items, or nil.
func (s *Server) Variable(ns, path string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.vars[key(ns, path)]; v != nil {
		return v.Items
	}
	return nil
}

// ResetIndex moves the index back and wakes blocking queries.
func (s *Server) ResetIndex(to uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.index.Set(to)
}

// SetTask sets the task state of an allocation: clientStatus (pending,
// running, failed, lost, complete), the task's state (pending, running,
// dead), its restart count and a last event.
func (s *Server) SetTask(allocID, clientStatus, state string, restarts uint64, eventType, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.allocs[allocID]
	if a == nil {
		return
	}
	s.bump()
	a.ClientStatus, a.ModifyIndex = clientStatus, s.index.N
	for _, ts := range a.TaskStates {
		ts.State, ts.Restarts = state, restarts
		ts.Failed = clientStatus == api.AllocClientStatusFailed
		if eventType != "" {
			ts.Events = append(ts.Events, &api.TaskEvent{Type: eventType, Time: time.Now().UnixNano(), DisplayMessage: message})
		}
	}
	if clientStatus != api.AllocClientStatusRunning {
		s.removeServicesLocked(allocID)
	} else {
		s.addServicesLocked(a)
	}
}

// Replace creates a new allocation for the job of allocID (a reschedule),
// marking the old one stopped, and returns the new id.
func (s *Server) Replace(allocID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.allocs[allocID]
	if old == nil {
		return ""
	}
	job := s.jobs[key(old.Namespace, old.JobID)]
	s.bump()
	old.DesiredStatus = api.AllocDesiredStatusStop
	s.removeServicesLocked(allocID)
	s.stopped(allocID)
	n := s.placeLocked(job)
	old.NextAllocation = n.ID
	return n.ID
}

// SetJobStatus sets a job's status (e.g. "dead" when Nomad gave up).
func (s *Server) SetJobStatus(ns, id, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j := s.jobs[key(ns, id)]; j != nil {
		s.bump()
		j.Status = new(status)
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
	s.mu.Unlock()
	if s.Fail(w) {
		return
	}
	p := r.URL.EscapedPath()
	ns := r.URL.Query().Get("namespace")
	switch {
	case p == "/v1/status/leader" && r.Method == http.MethodGet:
		s.writeJSON(w, "127.0.0.1:4647")
	case p == "/v1/agent/self" && r.Method == http.MethodGet:
		s.writeJSON(w, map[string]any{"config": map[string]any{"Version": map[string]any{"Version": s.Version}},
			"member": map[string]any{"Name": "dev", "Tags": map[string]string{"build": s.Version}}})
	case p == "/v1/jobs" && (r.Method == http.MethodPut || r.Method == http.MethodPost):
		s.register(w, r, ns)
	case p == "/v1/jobs" && r.Method == http.MethodGet:
		s.list(w, r, ns)
	case strings.HasPrefix(p, "/v1/job/") && strings.HasSuffix(p, "/allocations"):
		id, _ := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(p, "/v1/job/"), "/allocations"))
		s.jobAllocs(w, r, ns, id)
	case strings.HasPrefix(p, "/v1/job/"):
		id, _ := url.PathUnescape(strings.TrimPrefix(p, "/v1/job/"))
		switch r.Method {
		case http.MethodGet:
			writeFound(s, w, "job not found", func() *api.Job { return s.jobs[key(ns, id)] })
		case http.MethodDelete:
			s.deregister(w, r, ns, id)
		default:
			http.Error(w, "Invalid method", http.StatusMethodNotAllowed)
		}
	case p == "/v1/allocations" && r.Method == http.MethodGet:
		s.allocList(w, r, ns)
	case strings.HasPrefix(p, "/v1/allocation/") && r.Method == http.MethodGet:
		writeFound(s, w, "alloc not found", func() *api.Allocation { return s.allocs[strings.TrimPrefix(p, "/v1/allocation/")] })
	case strings.HasPrefix(p, "/v1/service/") && r.Method == http.MethodGet:
		s.block(r)
		s.mu.Lock()
		out := append([]*api.ServiceRegistration{}, s.services[strings.TrimPrefix(p, "/v1/service/")]...)
		s.mu.Unlock()
		s.writeJSON(w, out)
	case strings.HasPrefix(p, "/v1/var/"):
		s.variable(w, r, ns, strings.TrimPrefix(p, "/v1/var/"))
	default:
		http.Error(w, "Invalid path", http.StatusNotFound)
	}
}

// writeFound answers what get looks up (under mu), or 404 with notFound
// when it is not there.
func writeFound[T any](s *Server, w http.ResponseWriter, notFound string, get func() *T) {
	s.mu.Lock()
	v := get()
	s.mu.Unlock()
	if v == nil {
		http.Error(w, notFound, http.StatusNotFound)
		return
	}
	s.writeJSON(w, v)
}

func (s *Server) writeJSON(w http.ResponseWriter, v any) {
	hashitest.WriteJSON(w, "Nomad", &s.mu, &s.index.N, v)
}

// Blocking counts the blocking queries waiting for a change right now.
func (s *Server) Blocking() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.blocking
}

func (s *Server) block(r *http.Request) {
	s.mu.Lock()
	s.blocking++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.blocking--
		s.mu.Unlock()
	}()
	hashitest.Block(r, 5*time.Minute, func() (uint64, <-chan struct{}) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.index.State()
	})
}

func (s *Server) register(w http.ResponseWriter, r *http.Request, ns string) {
	var req api.JobRegisterRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Job == nil {
		http.Error(w, "Job must be specified", http.StatusBadRequest)
		return
	}
	job := req.Job
	// Namespace precedence: query, body, job, default.
	switch {
	case ns != "":
	case req.Namespace != "":
		ns = req.Namespace
	case job.Namespace != nil && *job.Namespace != "":
		ns = *job.Namespace
	default:
		ns = "default"
	}
	if msg := validate(job); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	job.Canonicalize()
	job.Namespace = new(ns)
	s.mu.Lock()
	k := key(ns, *job.ID)
	old := s.jobs[k]
	if req.EnforceIndex {
		switch {
		case req.JobModifyIndex == 0 && old != nil:
			s.mu.Unlock()
			http.Error(w, fmt.Sprintf("%s 0: job already exists", api.RegisterEnforceIndexErrPrefix), http.StatusInternalServerError)
			return
		case req.JobModifyIndex != 0 && old == nil:
			s.mu.Unlock()
			http.Error(w, fmt.Sprintf("%s %d: job does not exist", api.RegisterEnforceIndexErrPrefix, req.JobModifyIndex), http.StatusInternalServerError)
			return
		case req.JobModifyIndex != 0 && *old.JobModifyIndex != req.JobModifyIndex:
			s.mu.Unlock()
			http.Error(w, fmt.Sprintf("%s %d: job exists with conflicting job modify index: %d", api.RegisterEnforceIndexErrPrefix, req.JobModifyIndex, *old.JobModifyIndex), http.StatusInternalServerError)
			return
		}
	}
	s.bump()
	s.registers++
	job.Status, job.Stop = new("pending"), new(false)
	job.SubmitTime = new(time.Now().UnixNano())
	job.Version = new(uint64(0))
	job.CreateIndex = new(s.index.N)
	if old != nil {
		job.Version = new(*old.Version + 1)
		job.CreateIndex = old.CreateIndex
		for _, id := range s.order {
			if a := s.allocs[id]; a != nil && a.JobID == *job.ID && a.DesiredStatus == api.AllocDesiredStatusRun {
				a.DesiredStatus, a.ClientStatus = api.AllocDesiredStatusStop, api.AllocClientStatusComplete
				s.removeServicesLocked(id)
				s.stopped(id)
			}
		}
	}
	job.ModifyIndex, job.JobModifyIndex = new(s.index.N), new(s.index.N)
	s.jobs[k] = job
	s.placeLocked(job)
	idx := s.index.N
	s.mu.Unlock()
	s.writeJSON(w, api.JobRegisterResponse{EvalID: fmt.Sprintf("eval-%d", idx), EvalCreateIndex: idx, JobModifyIndex: idx})
}

// validate replicates the server's checks that matter for our jobs.
func validate(job *api.Job) string {
	if job.ID == nil || *job.ID == "" || strings.ContainsAny(*job.ID, " \x00") {
		return "1 error occurred:\n\t* Job ID contains a space, null character or is empty"
	}
	if job.Type != nil && *job.Type != "service" {
		return "only service jobs are simulated"
	}
	for _, tg := range job.TaskGroups {
		if tg.Disconnect != nil && tg.Disconnect.StopOnClientAfter != nil && tg.Disconnect.LostAfter != nil && *tg.Disconnect.LostAfter != 0 {
			return "stop_on_client_after and lost_after are mutually exclusive"
		}
		if tg.Update != nil && tg.Update.Canary != nil && *tg.Update.Canary != 0 && tg.Count != nil && *tg.Count == 1 {
			return "" // allowed by Nomad; our scheduler never sends it
		}
		labels := map[string]bool{}
		for _, n := range tg.Networks {
			for _, p := range n.DynamicPorts {
				labels[p.Label] = true
			}
		}
		for _, svc := range tg.Services {
			if !labels[svc.PortLabel] {
				return fmt.Sprintf("Service %s port label %q referenced is not defined", svc.Name, svc.PortLabel)
			}
			for _, c := range svc.Checks {
				if c.Interval < time.Second || c.Timeout < time.Second {
					return "interval and timeout cannot be lower than 1s"
				}
			}
		}
		for _, t := range tg.Tasks {
			if ports, ok := t.Config["ports"].([]any); ok {
				for _, p := range ports {
					if !labels[fmt.Sprint(p)] {
						return fmt.Sprintf("port label %q not defined", p)
					}
				}
			}
		}
	}
	return ""
}

// placeLocked creates an allocation for the job's group.
func (s *Server) placeLocked(job *api.Job) *api.Allocation {
	tg := job.TaskGroups[0]
	s.nextPort = freePort(s.nextPort)
	id := fmt.Sprintf("%08d-0000-0000-0000-000000000000", len(s.order)+1)
	states := map[string]*api.TaskState{}
	for _, t := range tg.Tasks {
		states[t.Name] = &api.TaskState{State: "pending", Events: []*api.TaskEvent{{Type: api.TaskReceived, DisplayMessage: "Task received by client"}}}
	}
	a := &api.Allocation{
		ID: id, Namespace: *job.Namespace, EvalID: "eval", Name: *job.ID + "." + *tg.Name + "[0]", NodeID: "node-1", NodeName: "client-1",
		JobID: *job.ID, Job: job, TaskGroup: *tg.Name, DesiredStatus: api.AllocDesiredStatusRun, ClientStatus: api.AllocClientStatusPending,
		TaskStates: states, CreateIndex: s.index.N, ModifyIndex: s.index.N, CreateTime: time.Now().UnixNano(),
		AllocatedResources: &api.AllocatedResources{Shared: api.AllocatedSharedResources{
			Ports: []api.PortMapping{{Label: "http", Value: s.nextPort, To: 8080, HostIP: "127.0.0.1"}},
		}},
	}
	s.allocs[id] = a
	s.order = append(s.order, id)
	if s.OnPlace != nil {
		go s.OnPlace(a)
	}
	if s.AutoRun {
		a.ClientStatus = api.AllocClientStatusRunning
		for _, ts := range states {
			ts.State = "running"
			ts.Events = append(ts.Events, &api.TaskEvent{Type: api.TaskStarted, DisplayMessage: "Task started by client"})
		}
		job.Status = new("running")
		s.addServicesLocked(a)
	}
	return a
}

// stopped calls OnStop in the background; mu is held.
func (s *Server) stopped(allocID string) {
	if s.OnStop != nil {
		go s.OnStop(allocID)
	}
}

// freePort returns a port nothing listens on, after prev when possible.
func freePort(prev int) int {
	for p := prev + 1; p < 32000; p++ {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err == nil {
			ln.Close()
			return p
		}
	}
	return prev + 1
}

func (s *Server) addServicesLocked(a *api.Allocation) {
	for _, svc := range a.Job.TaskGroups[0].Services {
		if svc.Provider != "nomad" {
			continue
		}
		s.removeServicesLocked(a.ID)
		s.services[svc.Name] = append(s.services[svc.Name], &api.ServiceRegistration{
			ID: "_nomad-task-" + a.ID + "-group-" + a.TaskGroup + "-" + svc.Name + "-" + svc.PortLabel, ServiceName: svc.Name,
			Namespace: a.Namespace, NodeID: a.NodeID, Datacenter: "dc1", JobID: a.JobID, AllocID: a.ID, Tags: svc.Tags,
			Address: a.AllocatedResources.Shared.Ports[0].HostIP, Port: a.AllocatedResources.Shared.Ports[0].Value,
			CreateIndex: s.index.N, ModifyIndex: s.index.N,
		})
	}
}

func (s *Server) removeServicesLocked(allocID string) {
	for name, regs := range s.services {
		var keep []*api.ServiceRegistration
		for _, r := range regs {
			if r.AllocID != allocID {
				keep = append(keep, r)
			}
		}
		s.services[name] = keep
	}
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, ns string) {
	prefix := r.URL.Query().Get("prefix")
	s.mu.Lock()
	out := []*api.JobListStub{}
	for _, j := range s.jobs {
		if (ns == "" || ns == *j.Namespace || ns == "*") && strings.HasPrefix(*j.ID, prefix) {
			out = append(out, &api.JobListStub{ID: *j.ID, Name: *j.Name, Namespace: *j.Namespace, Type: *j.Type, Status: *j.Status, Stop: *j.Stop, Meta: j.Meta})
		}
	}
	s.mu.Unlock()
	s.writeJSON(w, out)
}

// allocList is GET /v1/allocations: the namespace's allocations ("*" for
// all), narrowed by ?filter. Of Nomad's filter language the fake knows the
// one form the gateway sends, `JobID matches "<regexp>"`; anything else is
// a 400, as an expression Nomad cannot parse is.
func (s *Server) allocList(w http.ResponseWriter, r *http.Request, ns string) {
	var re *regexp.Regexp
	if f := r.URL.Query().Get("filter"); f != "" {
		m := filterJobMatches.FindStringSubmatch(f)
		if m == nil {
			http.Error(w, "failed to read filter expression: unsupported by the fake: "+f, http.StatusBadRequest)
			return
		}
		pat, err := strconv.Unquote(m[1])
		if err == nil {
			re, err = regexp.Compile(pat)
		}
		if err != nil {
			http.Error(w, "failed to read filter expression: "+err.Error(), http.StatusBadRequest)
			return
		}
	}
	s.block(r)
	s.mu.Lock()
	out := []*api.AllocationListStub{}
	for _, aid := range s.order {
		a := s.allocs[aid]
		if a == nil || (ns != "*" && key(ns, "") != key(a.Namespace, "")) || (re != nil && !re.MatchString(a.JobID)) {
			continue
		}
		out = append(out, stubOf(a))
	}
	s.mu.Unlock()
	s.writeJSON(w, out)
}

var filterJobMatches = regexp.MustCompile(`^\s*JobID\s+matches\s+("(?:[^"\\]|\\.)*")\s*$`)

func stubOf(a *api.Allocation) *api.AllocationListStub {
	return &api.AllocationListStub{
		ID: a.ID, EvalID: a.EvalID, Name: a.Name, Namespace: a.Namespace, NodeID: a.NodeID, NodeName: a.NodeName, JobID: a.JobID,
		JobType: "service", TaskGroup: a.TaskGroup, DesiredStatus: a.DesiredStatus, ClientStatus: a.ClientStatus,
		ClientDescription: a.ClientDescription, TaskStates: a.TaskStates, NextAllocation: a.NextAllocation,
		CreateIndex: a.CreateIndex, ModifyIndex: a.ModifyIndex, CreateTime: a.CreateTime,
	}
}

func (s *Server) jobAllocs(w http.ResponseWriter, r *http.Request, ns, id string) {
	s.block(r)
	s.mu.Lock()
	out := []*api.AllocationListStub{}
	for _, aid := range s.order {
		a := s.allocs[aid]
		if a == nil || a.JobID != id || (ns != "" && a.Namespace != ns) {
			continue
		}
		out = append(out, stubOf(a))
	}
	s.mu.Unlock()
	s.writeJSON(w, out)
}

func (s *Server) deregister(w http.ResponseWriter, r *http.Request, ns, id string) {
	purge := r.URL.Query().Get("purge") == "true"
	s.mu.Lock()
	k := key(ns, id)
	j := s.jobs[k]
	if j == nil {
		s.mu.Unlock()
		http.Error(w, "job not found", http.StatusNotFound)
		return
	}
	s.bump()
	for _, aid := range s.order {
		if a := s.allocs[aid]; a != nil && a.JobID == id {
			a.DesiredStatus, a.ClientStatus = api.AllocDesiredStatusStop, api.AllocClientStatusComplete
			s.removeServicesLocked(aid)
			s.stopped(aid)
			if purge {
				delete(s.allocs, aid)
			}
		}
	}
	if purge {
		delete(s.jobs, k)
	} else {
		j.Stop, j.Status = new(true), new("dead")
		j.ModifyIndex = new(s.index.N)
	}
	idx := s.index.N
	s.mu.Unlock()
	s.writeJSON(w, api.JobDeregisterResponse{EvalID: fmt.Sprintf("eval-%d", idx), EvalCreateIndex: idx, JobModifyIndex: idx})
}

func (s *Server) variable(w http.ResponseWriter, r *http.Request, ns, path string) {
	k := key(ns, path)
	switch r.Method {
	case http.MethodGet:
		writeFound(s, w, "variable not found", func() *api.Variable { return s.vars[k] })
	case http.MethodPut:
		var v api.Variable
		if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.bump()
		if ns == "" {
			ns = "default"
		}
		v.Namespace, v.Path, v.ModifyIndex = ns, path, s.index.N
		s.vars[k] = &v
		s.mu.Unlock()
		s.writeJSON(w, v)
	default:
		http.Error(w, "Invalid method", http.StatusMethodNotAllowed)
	}
}
