package api

import (
	"context"
	"net/http"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

type checkResult struct {
	Name      string `json:"name" desc:"The dependency (database, cache, …)."`
	Status    string `json:"status" desc:"up or down."` // "up" or "down"
	LatencyMS int64  `json:"latency_ms" desc:"How long the check took."`
	Error     string `json:"error,omitempty" desc:"Why it is down."`
}

func (s *Server) runChecks(ctx context.Context, only string) (string, []checkResult) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	overall := "ok"
	var out []checkResult
	for _, c := range s.deps.Checks {
		if only != "" && c.Name != only {
			continue
		}
		start := time.Now()
		err := c.Check(ctx)
		res := checkResult{Name: c.Name, Status: "up", LatencyMS: time.Since(start).Milliseconds()}
		if err != nil {
			// Public sentence only: health is unauthenticated.
			res.Status, res.Error = "down", gateway.ErrorMessage(err)
			s.log.Warn("health check failed", "check", c.Name, "err", err)
			if c.Critical {
				overall = "down"
			} else if overall == "ok" {
				overall = "degraded"
			}
		}
		out = append(out, res)
	}
	return overall, out
}

// handleHealth answers the status and one check per dependency; 503 when a
// critical dependency (the database) is down.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	status, checks := s.runChecks(r.Context(), "")
	code := http.StatusOK
	if status == "down" {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, envelope{Success: status != "down", Data: healthData{
		Status: status, Checks: checks, UptimeSeconds: int(time.Since(s.started).Seconds()),
		Version: s.svc.Settings().Version,
	}})
	return nil
}

func (s *Server) handleHealthDatabase(w http.ResponseWriter, r *http.Request) error {
	status, checks := s.runChecks(r.Context(), "database")
	code := http.StatusOK
	if status != "ok" {
		code, status = http.StatusServiceUnavailable, "down"
	}
	var check *checkResult
	if len(checks) > 0 {
		check = &checks[0]
	}
	writeJSON(w, code, envelope{Success: code == http.StatusOK, Data: healthDatabaseData{status, check}})
	return nil
}

// handleHealthLive says the process serves requests (liveness).
func (s *Server) handleHealthLive(w http.ResponseWriter, r *http.Request) error {
	return ok(w, http.StatusOK, statusData{Status: "ok"})
}

// handleHealthReady says the gateway can take traffic: start-up done and
// critical dependencies up (readiness).
func (s *Server) handleHealthReady(w http.ResponseWriter, r *http.Request) error {
	if !s.deps.Ready() {
		writeJSON(w, http.StatusServiceUnavailable, envelope{Success: false, Data: statusData{Status: "starting"}})
		return nil
	}
	status, checks := s.runChecks(r.Context(), "")
	if status == "down" {
		writeJSON(w, http.StatusServiceUnavailable, envelope{Success: false, Data: statusData{Status: status, Checks: checks}})
		return nil
	}
	return ok(w, http.StatusOK, statusData{Status: "ready"})
}

// handleRoot names the service, its version and mode, and its services.
func (s *Server) handleRoot(w http.ResponseWriter, r *http.Request) error {
	if prefersHTML(r) {
		// A browser: the dashboard. JSON clients get the service info.
		http.Redirect(w, r, "/app/", http.StatusFound)
		return nil
	}
	_, checks := s.runChecks(r.Context(), "")
	services := make([]serviceState, 0, len(checks))
	for _, c := range checks {
		services = append(services, serviceState{Name: c.Name, Status: c.Status})
	}
	st := s.svc.Settings()
	return ok(w, http.StatusOK, rootData{
		Service:     "whatsapp-gateway",
		Description: "Multi-tenant WhatsApp gateway API",
		Version:     st.Version,
		Mode:        st.Mode,
		API:         "/api/" + s.cfg.APIVersion,
		Engines:     st.Engines,
		Services:    services,
		Docs:        "/docs",
	})
}

type healthData struct {
	Status        string        `json:"status" desc:"ok, degraded (a non-critical dependency is down) or down (a critical one is)."`
	Checks        []checkResult `json:"checks" desc:"One check per dependency."`
	UptimeSeconds int           `json:"uptime_seconds" desc:"Seconds since this gateway started."`
	Version       string        `json:"version" desc:"The gateway's version."`
}

type healthDatabaseData struct {
	Status   string       `json:"status" desc:"ok or down."`
	Database *checkResult `json:"database" desc:"The database check; null when the gateway has none."`
}

// statusData is the answer of the liveness and readiness probes.
type statusData struct {
	Status string        `json:"status" desc:"ok (liveness); ready, starting or down (readiness)."`
	Checks []checkResult `json:"checks,omitempty" desc:"The dependency checks, when a critical one is down."`
}

type rootData struct {
	Service     string         `json:"service" desc:"The service's name."`
	Description string         `json:"description" desc:"What it is, in a sentence."`
	Version     string         `json:"version" desc:"The gateway's version."`
	Mode        string         `json:"mode" desc:"embedded (workers in this process) or cluster."`
	API         string         `json:"api" desc:"The path the API is served under."`
	Engines     []string       `json:"engines" desc:"The WhatsApp engines sessions can use."`
	Services    []serviceState `json:"services" desc:"The state of each dependency."`
	Docs        string         `json:"docs" desc:"The path of the API documentation."`
}

// serviceState is one dependency's state on the root route.
type serviceState struct {
	Name   string `json:"name" desc:"The dependency (database, cache, …)."`
	Status string `json:"status" desc:"up or down."`
}
