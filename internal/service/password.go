package service

import (
	"context"

	"github.com/whatsapp-saas/gateway/internal/auth"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// setPassword stores a new password for u (with whatever else changed on
// u) and raises u's token version, so every token issued before is refused.
func (s *Service) setPassword(ctx context.Context, u *gateway.User, password string) error {
	hash, err := auth.HashPassword(password, s.cfg.BcryptRounds)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	u.TokenVersion++
	return s.users.UpdateUser(ctx, u)
}

// ChangePassword sets a new password for the caller, who proves the current
// one. Every token issued before is revoked, the caller's own included: the
// answer carries a new token. A wrong current password counts as a failed
// login from clientIP (and locks out the same way).
func (s *Service) ChangePassword(ctx context.Context, caller *gateway.User, current, password, clientIP string) (*LoginResult, error) {
	if current == "" {
		return nil, gateway.ValidationError(map[string]string{"current_password": "Give your current password."})
	}
	if msg := passwordProblem(password); msg != "" {
		return nil, gateway.ValidationError(map[string]string{"new_password": msg})
	}
	if err := s.loginLocked(ctx, caller.Email, clientIP); err != nil {
		return nil, err
	}
	// The stored user, not a cached copy: its hash and version are current.
	u, err := s.users.UserByID(ctx, caller.ID)
	if err != nil {
		return nil, err
	}
	if !auth.CheckPassword(u.PasswordHash, current) {
		s.loginFailed(ctx, u.Email, clientIP)
		return nil, gateway.ValidationError(map[string]string{"current_password": "The current password is wrong."})
	}
	if err := s.setPassword(ctx, u, password); err != nil {
		return nil, err
	}
	s.loginSucceeded(ctx, u.Email, clientIP)
	s.log.Info("password changed", "user_id", u.ID)
	tok, exp, err := s.tokens.Sign(ctx, u.ID, u.Role, u.TokenVersion)
	if err != nil {
		return nil, err
	}
	return &LoginResult{Token: tok, ExpiresAt: exp, User: u}, nil
}
