package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// emailRoutes are the unauthenticated account-mail routes (limited per address).
func (s *Server) emailRoutes(r chi.Router) {
	r.Post("/auth/verify-email", s.h(s.handleVerifyEmail))
	r.Get("/auth/verify-email", s.h(s.handleVerifyEmail))
	r.Post("/auth/password/forgot", s.h(s.handleForgotPassword))
	r.Post("/auth/password/reset", s.h(s.handleResetPassword))
}

type tokenRequest struct {
	Token string `json:"token"`
}

// handleVerifyEmail takes the mailed token in the body or, for the mailed
// link, in the query.
func (s *Server) handleVerifyEmail(w http.ResponseWriter, r *http.Request) error {
	var req tokenRequest
	if r.Method == http.MethodGet {
		q, err := query(r)
		if err != nil {
			return err
		}
		req.Token = q.Get("token")
	} else if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	u, err := s.svc.VerifyEmail(r.Context(), req.Token)
	if err != nil {
		return err
	}
	s.userChanged(r.Context(), u.ID)
	return ok(w, http.StatusOK, map[string]any{"verified": true, "user": u})
}

func (s *Server) handleRequestVerification(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.RequestEmailVerification(r.Context(), who(r).User); err != nil {
		return err
	}
	return ok(w, http.StatusAccepted, map[string]any{"sent": true})
}

type forgotRequest struct {
	Email string `json:"email"`
}

func (s *Server) handleForgotPassword(w http.ResponseWriter, r *http.Request) error {
	var req forgotRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	if err := s.svc.ForgotPassword(r.Context(), req.Email, clientIP(r.Context())); err != nil {
		return err
	}
	return ok(w, http.StatusAccepted, map[string]any{"message": "If an account has this address, a reset mail is on its way."})
}

type resetRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

func (s *Server) handleResetPassword(w http.ResponseWriter, r *http.Request) error {
	var req resetRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	u, err := s.svc.ResetPassword(r.Context(), req.Token, req.Password)
	if err != nil {
		return err
	}
	// The reset revoked the user's earlier tokens: no gateway may answer
	// them from a cached user.
	s.userChanged(r.Context(), u.ID)
	return ok(w, http.StatusOK, map[string]any{"reset": true})
}
