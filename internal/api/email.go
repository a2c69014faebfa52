package api

import (
	"net/http"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

type tokenRequest struct {
	Token string `json:"token" desc:"The mailed token."`
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
	return ok(w, http.StatusOK, verifiedData{true, *u})
}

func (s *Server) handleRequestVerification(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.RequestEmailVerification(r.Context(), who(r).User); err != nil {
		return err
	}
	return ok(w, http.StatusAccepted, sentData{true})
}

type forgotRequest struct {
	Email string `json:"email" desc:"The account's login address."`
}

func (s *Server) handleForgotPassword(w http.ResponseWriter, r *http.Request) error {
	var req forgotRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	if err := s.svc.ForgotPassword(r.Context(), req.Email, clientIP(r.Context())); err != nil {
		return err
	}
	return ok(w, http.StatusAccepted, forgotData{"If an account has this address, a reset mail is on its way."})
}

type resetRequest struct {
	Token    string `json:"token" desc:"The mailed token."`
	Password string `json:"password" desc:"The new password: 8 characters or more, at most 72 bytes, not a common password."`
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
	return ok(w, http.StatusOK, resetData{true})
}

type verifiedData struct {
	Verified bool         `json:"verified" desc:"Always true."`
	User     gateway.User `json:"user" desc:"The account, now verified."`
}

type sentData struct {
	Sent bool `json:"sent" desc:"Always true: the mail was handed to the mail server."`
}

type forgotData struct {
	Message string `json:"message" desc:"The same sentence whether the address has an account or not."`
}

type resetData struct {
	Reset bool `json:"reset" desc:"Always true."`
}
