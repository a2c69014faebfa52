package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Mailer sends one plain-text mail.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// Lifetimes of mailed tokens.
const (
	verifyTokenTTL = 24 * time.Hour
	resetTokenTTL  = time.Hour
	// mailsPerHour caps account mail per address and per client, so the
	// routes cannot be used to flood an inbox.
	mailsPerHour = 5
)

func newMailToken() (token, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("service: crypto/rand: " + err.Error())
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashMailToken(token)
}

func hashMailToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func (s *Service) link(path, token string) string {
	base := s.cfg.PublicURL
	if base == "" {
		base = "http://localhost:3000"
	}
	return base + path + "?token=" + url.QueryEscape(token)
}

// consumeMailToken uses up a mailed token of purpose and returns its
// account; invalid (CodeInvalid) when it is unknown, used or expired.
func (s *Service) consumeMailToken(ctx context.Context, token, purpose, invalid string) (*gateway.User, error) {
	t, err := s.saasStore.ConsumeUserToken(ctx, hashMailToken(strings.TrimSpace(token)), purpose, s.now())
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, &gateway.Error{Code: gateway.CodeInvalid, Message: invalid}
	}
	if err != nil {
		return nil, err
	}
	return s.users.UserByID(ctx, t.UserID)
}

// mailAllowed counts one mail to key and reports whether it is under the hourly cap.
func (s *Service) mailAllowed(ctx context.Context, key string) bool {
	n, err := s.cache.Incr(ctx, "mail:"+key, 1, time.Hour)
	return err != nil || n <= mailsPerHour // a cache outage must not stop mail
}

// sendVerification mails a verification link to u.
func (s *Service) sendVerification(ctx context.Context, u *gateway.User) error {
	if s.saas.mailer == nil {
		return gateway.Errorf(gateway.CodeUnavailable, "Email is not configured on this server; ask the operator to set SMTP_HOST.")
	}
	if !s.mailAllowed(ctx, "verify:"+u.ID) {
		return &gateway.Error{Code: gateway.CodeRateLimited, Message: "Too many verification mails; try again in an hour.",
			Details: map[string]any{"retry_after_seconds": 3600}}
	}
	token, hash := newMailToken()
	if err := s.saasStore.CreateUserToken(ctx, &gateway.UserToken{Hash: hash, UserID: u.ID, Purpose: gateway.TokenVerifyEmail,
		ExpiresAt: s.now().Add(verifyTokenTTL)}); err != nil {
		return err
	}
	body := fmt.Sprintf("Hello %s,\r\n\r\nConfirm your email address by opening this link within 24 hours:\r\n\r\n%s\r\n\r\n"+
		"or by sending this token to POST /api/v1/auth/verify-email:\r\n\r\n%s\r\n\r\nIf you did not create an account, ignore this mail.\r\n",
		u.Name, s.link("/api/v1/auth/verify-email", token), token)
	if err := s.saas.mailer.Send(ctx, u.Email, "Confirm your email address", body); err != nil {
		return gateway.WrapError(err, gateway.CodeUnavailable, "The verification mail could not be sent; try again later.")
	}
	return nil
}

// afterRegister mails the verification link when verification is on. A
// mail failure does not undo the registration: the user can ask again.
func (s *Service) afterRegister(ctx context.Context, u *gateway.User) {
	if _, err := s.Subscription(ctx, u); err != nil {
		// Subscription creates it on the next read; the account is usable.
		s.log.Warn("create subscription", "user_id", u.ID, "err", err)
	}
	if !s.cfg.EnableEmailVerification {
		return
	}
	if err := s.sendVerification(ctx, u); err != nil {
		s.log.Warn("send verification mail", "user_id", u.ID, "err", err)
	}
}

// RequestEmailVerification mails the caller a new verification link.
func (s *Service) RequestEmailVerification(ctx context.Context, u *gateway.User) error {
	if !s.cfg.EnableEmailVerification {
		return gateway.Errorf(gateway.CodeFeatureDisabled, "Email verification is disabled on this server.")
	}
	if u.EmailVerified {
		return gateway.Errorf(gateway.CodeConflict, "Your email address is verified already.")
	}
	return s.sendVerification(ctx, u)
}

// VerifyEmail marks the token's account verified; a token works once.
func (s *Service) VerifyEmail(ctx context.Context, token string) (*gateway.User, error) {
	if !s.cfg.EnableEmailVerification {
		return nil, gateway.Errorf(gateway.CodeFeatureDisabled, "Email verification is disabled on this server.")
	}
	u, err := s.consumeMailToken(ctx, token, gateway.TokenVerifyEmail, "The verification link is invalid, used or expired; ask for a new one.")
	if err != nil {
		return nil, err
	}
	u.EmailVerified = true
	if err := s.users.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	s.log.Info("email verified", "user_id", u.ID)
	return u, nil
}

// ForgotPassword mails a reset link when the address has an account. The
// answer is the same whether it has one or not, so the route cannot be used
// to find out who has an account.
func (s *Service) ForgotPassword(ctx context.Context, email, clientIP string) error {
	if s.saas.mailer == nil {
		return gateway.Errorf(gateway.CodeFeatureDisabled, "Password reset by email is not configured on this server.")
	}
	norm := strings.ToLower(strings.TrimSpace(email))
	if _, err := ValidateEmail(norm); err != nil {
		return gateway.ValidationError(map[string]string{"email": "Give a valid email address, like user@example.com."})
	}
	if !s.mailAllowed(ctx, "reset:ip:"+clientIP) || !s.mailAllowed(ctx, "reset:acct:"+norm) {
		return &gateway.Error{Code: gateway.CodeRateLimited, Message: "Too many password reset requests; try again in an hour.",
			Details: map[string]any{"retry_after_seconds": 3600}}
	}
	u, err := s.users.UserByEmail(ctx, norm)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if u.Status == gateway.UserSuspended {
		return nil
	}
	token, hash := newMailToken()
	if err := s.saasStore.CreateUserToken(ctx, &gateway.UserToken{Hash: hash, UserID: u.ID, Purpose: gateway.TokenResetPassword,
		ExpiresAt: s.now().Add(resetTokenTTL)}); err != nil {
		return err
	}
	body := fmt.Sprintf("Hello %s,\r\n\r\nSomeone asked to reset the password of your account. To choose a new one within an hour, "+
		"send this token with your new password to POST /api/v1/auth/password/reset:\r\n\r\n%s\r\n\r\n(link: %s)\r\n\r\n"+
		"If it was not you, ignore this mail: your password stays as it is.\r\n",
		u.Name, token, s.link("/reset-password", token))
	if err := s.saas.mailer.Send(ctx, u.Email, "Reset your password", body); err != nil {
		s.log.Warn("send reset mail", "user_id", u.ID, "err", err)
		return gateway.WrapError(err, gateway.CodeUnavailable, "The reset mail could not be sent; try again later.")
	}
	return nil
}

// ResetPassword sets a new password with a mailed token; the token works
// once. A reset also verifies the email, since the mail reached it, and
// revokes every token issued before it (the user's token version goes up).
// It returns the user, whom the caller forgets from its caches.
func (s *Service) ResetPassword(ctx context.Context, token, password string) (*gateway.User, error) {
	if s.saas.mailer == nil {
		return nil, gateway.Errorf(gateway.CodeFeatureDisabled, "Password reset by email is not configured on this server.")
	}
	if msg := passwordProblem(password); msg != "" {
		return nil, gateway.ValidationError(map[string]string{"password": msg})
	}
	u, err := s.consumeMailToken(ctx, token, gateway.TokenResetPassword, "The reset token is invalid, used or expired; ask for a new one.")
	if err != nil {
		return nil, err
	}
	u.EmailVerified = true
	if err := s.setPassword(ctx, u, password); err != nil {
		return nil, err
	}
	s.unlockAccount(ctx, u.Email)
	s.log.Info("password reset", "user_id", u.ID)
	return u, nil
}
