package service

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/auth"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// RegisterInput is the seed's register body.
type RegisterInput struct {
	Email    string
	Password string
	Name     string
	Phone    string
}

// LoginResult is a token with the user it belongs to.
type LoginResult struct {
	Token     string
	ExpiresAt time.Time
	User      *gateway.User
}

// MinPasswordLen is the shortest password accepted at registration.
const MinPasswordLen = 8

// passwordProblem says what is wrong with a password chosen at registration,
// change or reset, or "" when there is nothing: too short, too long for
// bcrypt, or one of the most common passwords.
func passwordProblem(password string) string {
	switch {
	case utf8.RuneCountInString(password) < MinPasswordLen:
		return fmt.Sprintf("The password must be at least %d characters.", MinPasswordLen)
	case len(password) > auth.MaxPasswordBytes:
		return fmt.Sprintf("The password must be at most %d bytes.", auth.MaxPasswordBytes)
	case auth.CommonPassword(password):
		return "This password is one of the most common ones and is guessed first; choose another."
	}
	return ""
}

// ValidateEmail normalises an email address: trimmed and lower-cased.
func ValidateEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndexByte(email, '@'):], ".") {
		return "", errors.New("bad email")
	}
	return strings.ToLower(email), nil
}

// Register creates an account on the default plan and logs it in.
func (s *Service) Register(ctx context.Context, in RegisterInput) (*LoginResult, error) {
	if !s.cfg.EnableRegistration {
		return nil, gateway.Errorf(gateway.CodeFeatureDisabled, "Registration is disabled on this server.")
	}
	fields := map[string]string{}
	email, err := ValidateEmail(in.Email)
	if err != nil {
		fields["email"] = "Give a valid email address, like user@example.com."
	}
	if msg := passwordProblem(in.Password); msg != "" {
		fields["password"] = msg
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		fields["name"] = "Give a name of 1 to 100 characters."
	}
	phone := ""
	if strings.TrimSpace(in.Phone) != "" {
		p, err := gateway.NormalizePhone(in.Phone)
		if err != nil {
			fields["phone"] = gateway.ErrorMessage(err)
		} else {
			phone = "+" + p
		}
	}
	if len(fields) > 0 {
		return nil, gateway.ValidationError(fields)
	}
	hash, err := auth.HashPassword(in.Password, s.cfg.BcryptRounds)
	if err != nil {
		return nil, err
	}
	now := s.now()
	u := &gateway.User{
		ID: uuid.NewString(), Email: email, Name: name, Phone: phone, Role: gateway.RoleUser,
		Status: gateway.UserActive, PlanID: DefaultPlanID, PasswordHash: hash, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.users.CreateUser(ctx, u); err != nil {
		if gateway.IsCode(err, gateway.CodeConflict) {
			return nil, gateway.Errorf(gateway.CodeConflict, "An account with this email already exists.")
		}
		return nil, err
	}
	s.log.Info("user registered", "user_id", u.ID)
	s.afterRegister(ctx, u)
	tok, exp, err := s.tokens.Sign(ctx, u.ID, u.Role, u.TokenVersion)
	if err != nil {
		return nil, err
	}
	return &LoginResult{Token: tok, ExpiresAt: exp, User: u}, nil
}

// Login checks a password and returns a token. Failures lock out as
// lockout.go says, with CodeRateLimited and when the lock ends.
func (s *Service) Login(ctx context.Context, email, password, clientIP string) (*LoginResult, error) {
	norm := strings.ToLower(strings.TrimSpace(email))
	if norm == "" || password == "" {
		return nil, gateway.ValidationError(map[string]string{"email": "Give your email and password.", "password": "Give your email and password."})
	}
	if err := s.loginLocked(ctx, norm, clientIP); err != nil {
		return nil, err
	}
	u, err := s.users.UserByEmail(ctx, norm)
	if err != nil && !gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, err
	}
	ok := false
	if u != nil {
		ok = auth.CheckPassword(u.PasswordHash, password)
	} else {
		auth.CheckDummy(password, s.cfg.BcryptRounds)
	}
	if !ok {
		s.loginFailed(ctx, norm, clientIP)
		return nil, gateway.Errorf(gateway.CodeUnauthorized, "The email or password is wrong.")
	}
	if u.Status == gateway.UserSuspended {
		return nil, gateway.Errorf(gateway.CodeSuspended, "This account is suspended; contact support.")
	}
	s.loginSucceeded(ctx, norm, clientIP)
	tok, exp, err := s.tokens.Sign(ctx, u.ID, u.Role, u.TokenVersion)
	if err != nil {
		return nil, err
	}
	return &LoginResult{Token: tok, ExpiresAt: exp, User: u}, nil
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// Profile is a user with plan and usage: the seed's `me`.
type Profile struct {
	User  *gateway.User `json:"user" desc:"The account."`
	Plan  *gateway.Plan `json:"plan" desc:"Its plan."`
	Usage Usage         `json:"usage" desc:"What it holds and sent, against the plan's limits."`
	// Engines and DefaultEngine let a client offer the choice instead of
	// guessing it (the dashboard's New session form).
	Engines       []string `json:"engines" desc:"The engines this account may create sessions with: those the server runs (sandbox only when SANDBOX_ENABLED), narrowed by the plan."`
	DefaultEngine string   `json:"default_engine" desc:"The engine of a session created without one (the server's WHATSAPP_ENGINE)."`
}

// Usage is how much of a plan a tenant uses now.
type Usage struct {
	Sessions          int `json:"sessions" desc:"Sessions held."`
	Instances         int `json:"instances" desc:"Instances running."`
	MessagesThisMonth int `json:"messages_this_month" desc:"Messages sent this UTC month."`
	Webhooks          int `json:"webhooks" desc:"Webhook endpoints."`
	APIKeys           int `json:"api_keys" desc:"Active API keys."`
}

// User returns an active user; CodeUnauthorized when it no longer exists,
// CodeSuspended when suspended. Authentication calls it on every request.
func (s *Service) User(ctx context.Context, id string) (*gateway.User, error) {
	u, err := s.users.UserByID(ctx, id)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, gateway.Errorf(gateway.CodeUnauthorized, "The account no longer exists.")
	}
	if err != nil {
		return nil, err
	}
	if u.Status == gateway.UserSuspended {
		return nil, gateway.Errorf(gateway.CodeSuspended, "This account is suspended; contact support.")
	}
	return u, nil
}

// Me returns the caller's profile with plan and usage.
func (s *Service) Me(ctx context.Context, u *gateway.User) (*Profile, error) {
	plan, usage, err := s.planAndUsage(ctx, u)
	if err != nil {
		return nil, err
	}
	return &Profile{User: u, Plan: plan, Usage: usage, Engines: s.enginesOf(plan), DefaultEngine: s.cfg.DefaultEngine}, nil
}

// enginesOf lists, sorted, the engines the server runs that the plan
// allows (a plan that names none allows every engine), as CreateSession
// checks them.
func (s *Service) enginesOf(plan *gateway.Plan) []string {
	out := make([]string, 0, len(s.cfg.Engines))
	for _, e := range s.cfg.Engines {
		if plan == nil || len(plan.Features.Engines) == 0 || slices.Contains(plan.Features.Engines, e) {
			out = append(out, e)
		}
	}
	slices.Sort(out)
	return out
}

// planAndUsage is u's plan and what u uses of it now.
func (s *Service) planAndUsage(ctx context.Context, u *gateway.User) (*gateway.Plan, Usage, error) {
	plan, err := s.PlanOf(ctx, u)
	if err != nil {
		return nil, Usage{}, err
	}
	usage, err := s.usage(ctx, u.ID)
	return plan, usage, err
}

func (s *Service) usage(ctx context.Context, userID string) (Usage, error) {
	var u Usage
	var err error
	if u.Sessions, err = s.sessions.CountSessions(ctx, userID); err != nil {
		return u, err
	}
	if u.Instances, err = s.instances.CountLiveInstances(ctx, userID); err != nil {
		return u, err
	}
	if u.MessagesThisMonth, err = s.messages.CountOutboundSince(ctx, userID, monthStart(s.now())); err != nil {
		return u, err
	}
	if u.Webhooks, err = s.webhooks.CountWebhooks(ctx, userID); err != nil {
		return u, err
	}
	if u.APIKeys, err = s.apiKeys.CountAPIKeys(ctx, userID); err != nil {
		return u, err
	}
	return u, nil
}

func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

var timeZero = time.Time{}

func dayStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
