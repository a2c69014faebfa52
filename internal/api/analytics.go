package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/whatsapp-saas/gateway/internal/service"
)

func (s *Server) analyticsRoutes(r chi.Router) {
	r.With(requireScope(service.ScopeRead, s.log)).Get("/analytics/overview", s.h(s.handleAnalyticsOverview))
}

func (s *Server) handleAnalyticsOverview(w http.ResponseWriter, r *http.Request) error {
	o, err := s.svc.Overview(r.Context(), who(r).User)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, o)
}
