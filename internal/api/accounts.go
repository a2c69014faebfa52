package api

import (
	"net/http"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

type registerRequest struct {
	Email    string `json:"email" desc:"The login address."`
	Password string `json:"password" desc:"8 characters or more, at most 72 bytes, not a common password."`
	Name     string `json:"name" desc:"The account holder's name."`
	Phone    string `json:"phone" desc:"A contact phone number (optional)."`
}

type authResponse struct {
	User      *gateway.User `json:"user" desc:"The account."`
	Token     string        `json:"token" desc:"A bearer token (JWT) for the Authorization header."`
	ExpiresAt time.Time     `json:"expires_at" desc:"When the token stops working."`
}

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) error {
	var req registerRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	res, err := s.svc.Register(r.Context(), service.RegisterInput{Email: req.Email, Password: req.Password, Name: req.Name, Phone: req.Phone})
	if err != nil {
		return err
	}
	return ok(w, http.StatusCreated, authResponse{User: res.User, Token: res.Token, ExpiresAt: res.ExpiresAt})
}

type loginRequest struct {
	Email    string `json:"email" desc:"The login address."`
	Password string `json:"password" desc:"The password."`
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	res, err := s.svc.Login(r.Context(), req.Email, req.Password, clientIP(r.Context()))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, authResponse{User: res.User, Token: res.Token, ExpiresAt: res.ExpiresAt})
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) error {
	p, err := s.svc.Me(r.Context(), who(r).User)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, p)
}

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password" desc:"The password now."`
	NewPassword     string `json:"new_password" desc:"The new one: 8 characters or more, at most 72 bytes, not a common password."`
}

// handleChangePassword sets a new password and answers with a new token:
// every earlier token of the account, the caller's included, is refused
// from now on, on every gateway.
func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request) error {
	p := who(r) // an API key was refused by the table (TokenOnly)
	var req changePasswordRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	res, err := s.svc.ChangePassword(r.Context(), p.User, req.CurrentPassword, req.NewPassword, clientIP(r.Context()))
	if err != nil {
		return err
	}
	s.userChanged(r.Context(), res.User.ID)
	return ok(w, http.StatusOK, authResponse{User: res.User, Token: res.Token, ExpiresAt: res.ExpiresAt})
}
