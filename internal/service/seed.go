package service

import (
	"context"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/auth"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// The seed's demo account, which its example client logs in with.
const (
	DemoEmail    = "demo@whatsapp-saas.com"
	DemoPassword = "demo123"
)

// SeedResult says what Seed created.
type SeedResult struct {
	Plans       int  `json:"plans"`
	DemoCreated bool `json:"demo_created"`
}

// Seed creates the default plans (without overwriting plans an operator
// changed) and the seed's demo account. It refuses in production, where a
// well-known password must never exist.
func (s *Service) Seed(ctx context.Context, production bool) (*SeedResult, error) {
	if production {
		return nil, gateway.Errorf(gateway.CodeForbidden, "The seed command is refused when NODE_ENV=production: it creates an account with a published password.")
	}
	res := &SeedResult{}
	for _, p := range DefaultPlans(s.cfg.MaxInstancesPerUser) {
		if _, err := s.users.PlanByID(ctx, p.ID); err == nil {
			continue
		} else if !gateway.IsCode(err, gateway.CodeNotFound) {
			return nil, err
		}
		if err := s.users.UpsertPlan(ctx, p); err != nil {
			return nil, err
		}
		res.Plans++
	}
	if _, err := s.users.UserByEmail(ctx, DemoEmail); gateway.IsCode(err, gateway.CodeNotFound) {
		if err := s.createUser(ctx, DemoEmail, DemoPassword, "Demo User", gateway.RoleUser); err != nil {
			return nil, err
		}
		res.DemoCreated = true
	} else if err != nil {
		return nil, err
	}
	return res, nil
}

// EnsureAdmin creates the first admin from ADMIN_EMAIL and ADMIN_PASSWORD
// when no account has that email; an existing account is left alone.
func (s *Service) EnsureAdmin(ctx context.Context, email, password string) (bool, error) {
	if email == "" || password == "" {
		return false, nil
	}
	norm, err := ValidateEmail(email)
	if err != nil {
		return false, gateway.Errorf(gateway.CodeValidation, "ADMIN_EMAIL is not a valid email address.")
	}
	if _, err := s.users.UserByEmail(ctx, norm); err == nil {
		return false, nil
	} else if !gateway.IsCode(err, gateway.CodeNotFound) {
		return false, err
	}
	if err := s.createUser(ctx, norm, password, "Administrator", gateway.RoleAdmin); err != nil {
		return false, err
	}
	s.log.Info("admin account created", "email_domain", domainOf(norm))
	return true, nil
}

func (s *Service) createUser(ctx context.Context, email, password, name, role string) error {
	hash, err := auth.HashPassword(password, s.cfg.BcryptRounds)
	if err != nil {
		return err
	}
	now := s.now()
	return s.users.CreateUser(ctx, &gateway.User{
		ID: uuid.NewString(), Email: email, Name: name, Role: role, Status: gateway.UserActive,
		PlanID: DefaultPlanID, EmailVerified: true, PasswordHash: hash, CreatedAt: now, UpdatedAt: now,
	})
}

func domainOf(email string) string {
	for i := len(email) - 1; i >= 0; i-- {
		if email[i] == '@' {
			return email[i+1:]
		}
	}
	return ""
}
