package api

import (
	"net/http"
)

func (s *Server) handleAnalyticsOverview(w http.ResponseWriter, r *http.Request) error {
	o, err := s.svc.Overview(r.Context(), who(r).User)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, o)
}
