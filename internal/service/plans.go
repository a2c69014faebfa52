package service

import (
	"context"
	"fmt"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// DefaultPlanID is the plan new accounts get.
const DefaultPlanID = "free"

// DefaultPlans are the plans `gateway seed` creates. The free plan's
// instance limit is MAX_INSTANCES_PER_USER, applied at every start. The
// free plan stops sends at its monthly limit; the paid plans bill messages
// past it (starter up to 100 000 extra, business without a cap).
func DefaultPlans(maxInstances int) []*gateway.Plan {
	all := []string{gateway.EngineSandbox, gateway.EngineWhatsmeow}
	return []*gateway.Plan{
		{ID: "free", Name: "Free", PriceCents: 0, Currency: "USD",
			Limits:   gateway.PlanLimits{Sessions: 10, Instances: maxInstances, MessagesPerMonth: 10000, Webhooks: 10, APIKeys: 10, RequestsPerMinute: 600, MediaBytes: 16 << 20},
			Features: gateway.PlanFeatures{Engines: all, Webhooks: true, APIKeys: true}},
		{ID: "starter", Name: "Starter", PriceCents: 1900, Currency: "USD",
			Limits:   gateway.PlanLimits{Sessions: 25, Instances: 10, MessagesPerMonth: 100000, Webhooks: 25, APIKeys: 25, RequestsPerMinute: 1200, MediaBytes: 64 << 20},
			Features: gateway.PlanFeatures{Engines: all, Webhooks: true, APIKeys: true},
			Overage:  gateway.PlanOverage{MessagesPer1000Cents: 50, MaxExtraMessages: 100000}},
		{ID: "business", Name: "Business", PriceCents: 9900, Currency: "USD",
			Limits:   gateway.PlanLimits{Sessions: 200, Instances: 100, MessagesPerMonth: 1000000, Webhooks: 100, APIKeys: 100, RequestsPerMinute: 6000, MediaBytes: 100 << 20},
			Features: gateway.PlanFeatures{Engines: all, Webhooks: true, APIKeys: true},
			Overage:  gateway.PlanOverage{MessagesPer1000Cents: 30, MaxExtraMessages: -1}},
	}
}

// EnsureDefaultPlan makes sure the plan new accounts get exists, and keeps
// its instance limit equal to MAX_INSTANCES_PER_USER. Other plans are the
// operator's (created by `gateway seed` and the admin API).
func (s *Service) EnsureDefaultPlan(ctx context.Context) error {
	want := DefaultPlans(s.cfg.MaxInstancesPerUser)[0]
	p, err := s.users.PlanByID(ctx, DefaultPlanID)
	switch {
	case gateway.IsCode(err, gateway.CodeNotFound):
		return s.users.UpsertPlan(ctx, want)
	case err != nil:
		return err
	case p.Limits.Instances != s.cfg.MaxInstancesPerUser:
		p.Limits.Instances = s.cfg.MaxInstancesPerUser
		return s.users.UpsertPlan(ctx, p)
	}
	return nil
}

// PlanOf returns a user's plan, falling back to the default plan. The plan
// id is read from the store, not from u, which may come from a gateway's
// user cache: a plan change applies at once on every gateway.
func (s *Service) PlanOf(ctx context.Context, u *gateway.User) (*gateway.Plan, error) {
	planID := u.PlanID
	if u.ID != "" {
		fresh, err := s.users.UserByID(ctx, u.ID)
		if err != nil && !gateway.IsCode(err, gateway.CodeNotFound) {
			return nil, err
		}
		if err == nil {
			planID = fresh.PlanID
		}
	}
	return s.planByID(ctx, planID)
}

// planByID reads a plan, falling back to the default plan when it is gone.
func (s *Service) planByID(ctx context.Context, planID string) (*gateway.Plan, error) {
	p, err := s.users.PlanByID(ctx, planID)
	if gateway.IsCode(err, gateway.CodeNotFound) && planID != DefaultPlanID {
		p, err = s.users.PlanByID(ctx, DefaultPlanID)
	}
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return DefaultPlans(s.cfg.MaxInstancesPerUser)[0], nil
	}
	return p, err
}

// capped turns the store's refusal of a create past its cap (another
// request took the last place between the count and the insert) into the
// plan's quota error.
func capped(err error, plan *gateway.Plan, what string, limit int) error {
	if gateway.IsCode(err, gateway.CodeQuotaExceeded) {
		return quota(plan, what, limit, limit)
	}
	return err
}

// quota refuses when used has reached limit (negative limit: unlimited).
func quota(plan *gateway.Plan, what string, limit, used int) error {
	if limit < 0 || used < limit {
		return nil
	}
	return &gateway.Error{
		Code:    gateway.CodeQuotaExceeded,
		Message: fmt.Sprintf("Your %s plan allows %d %s; you have %d.", plan.Name, limit, what, used),
		Details: map[string]any{"limit": what, "allowed": limit, "used": used, "plan": plan.ID},
	}
}
