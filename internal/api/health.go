package api

import (
	"context"
	"net/http"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

type checkResult struct {
	Name      string `json:"name"`
	Status    string `json:"status"` // "up" or "down"
	LatencyMS int64  `json:"latency_ms"`
	Error     string `json:"error,omitempty"`
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
	writeJSON(w, code, envelope{Success: status != "down", Data: map[string]any{
		"status": status, "checks": checks, "uptime_seconds": int(time.Since(s.started).Seconds()),
		"version": s.svc.Settings().Version,
	}})
	return nil
}

func (s *Server) handleHealthDatabase(w http.ResponseWriter, r *http.Request) error {
	status, checks := s.runChecks(r.Context(), "database")
	code := http.StatusOK
	if status != "ok" {
		code, status = http.StatusServiceUnavailable, "down"
	}
	var check any
	if len(checks) > 0 {
		check = checks[0]
	}
	writeJSON(w, code, envelope{Success: code == http.StatusOK, Data: map[string]any{"status": status, "database": check}})
	return nil
}

// handleHealthLive says the process serves requests (liveness).
func (s *Server) handleHealthLive(w http.ResponseWriter, r *http.Request) error {
	return ok(w, http.StatusOK, map[string]any{"status": "ok"})
}

// handleHealthReady says the gateway can take traffic: start-up done and
// critical dependencies up (readiness).
func (s *Server) handleHealthReady(w http.ResponseWriter, r *http.Request) error {
	if !s.deps.Ready() {
		writeJSON(w, http.StatusServiceUnavailable, envelope{Success: false, Data: map[string]any{"status": "starting"}})
		return nil
	}
	status, checks := s.runChecks(r.Context(), "")
	if status == "down" {
		writeJSON(w, http.StatusServiceUnavailable, envelope{Success: false, Data: map[string]any{"status": status, "checks": checks}})
		return nil
	}
	return ok(w, http.StatusOK, map[string]any{"status": "ready"})
}

// handleRoot names the service, its version and mode, and its services.
func (s *Server) handleRoot(w http.ResponseWriter, r *http.Request) error {
	if prefersHTML(r) {
		// A browser: the dashboard. JSON clients get the service info.
		http.Redirect(w, r, "/app/", http.StatusFound)
		return nil
	}
	_, checks := s.runChecks(r.Context(), "")
	services := make([]map[string]string, 0, len(checks))
	for _, c := range checks {
		services = append(services, map[string]string{"name": c.Name, "status": c.Status})
	}
	st := s.svc.Settings()
	return ok(w, http.StatusOK, map[string]any{
		"service":     "whatsapp-gateway",
		"description": "Multi-tenant WhatsApp gateway API",
		"version":     st.Version,
		"mode":        st.Mode,
		"api":         "/api/" + s.cfg.APIVersion,
		"engines":     st.Engines,
		"services":    services,
		"docs":        "/docs",
	})
}
