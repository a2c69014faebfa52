package service

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/livecache"
)

// saasState is the SaaS layer's share of the Service: the mailer and a
// short-lived plan cache for the hot paths (rate limits, sends).
type saasState struct {
	mailer Mailer
	ttl    time.Duration
	mu     sync.Mutex
	plans  map[string]cachedPlan
	gen    uint64 // counts forgets, so a read overtaken by one keeps nothing
}

type cachedPlan struct {
	p   *gateway.Plan
	exp time.Time
}

func newSaaSState(m Mailer, ttl time.Duration) saasState {
	if ttl == 0 {
		ttl = defaultPlanCacheTTL
	}
	return saasState{mailer: m, ttl: ttl, plans: map[string]cachedPlan{}}
}

// defaultPlanCacheTTL bounds how long a plan edit takes to apply on a
// gateway whose plans.changed notice was lost; edits apply at once here
// and, through the notice, on the other gateways.
const defaultPlanCacheTTL = 2 * time.Second

// cachedPlanOf is the plan of u for the hot paths (rate limits, sends): the
// plan u.PlanID names, through the plan cache. u may come from the API's
// user cache, which a tenant's plan change empties at once on every
// gateway (the users.changed notice), as an admin's plan edit empties the
// plan cache (plans.changed).
func (s *Service) cachedPlanOf(ctx context.Context, u *gateway.User) (*gateway.Plan, error) {
	id := u.PlanID
	if id == "" {
		id = DefaultPlanID
	}
	now := time.Now()
	s.saas.mu.Lock()
	e, ok := s.saas.plans[id]
	gen := s.saas.gen
	s.saas.mu.Unlock()
	if ok && now.Before(e.exp) {
		return e.p, nil
	}
	p, err := s.planByID(ctx, id)
	if err != nil {
		return nil, err
	}
	s.saas.mu.Lock()
	if s.saas.ttl > 0 && s.saas.gen == gen {
		if len(s.saas.plans) >= livecache.MaxEntries {
			clear(s.saas.plans)
		}
		s.saas.plans[id] = cachedPlan{p: p, exp: now.Add(s.saas.ttl)}
	}
	s.saas.mu.Unlock()
	return p, nil
}

// ForgetPlans drops the cached plans; the API calls it for every
// plans.changed notice.
func (s *Service) ForgetPlans() { s.forgetPlans() }

func (s *Service) forgetPlans() {
	s.saas.mu.Lock()
	clear(s.saas.plans)
	s.saas.gen++
	s.saas.mu.Unlock()
}

// planChanged drops the cached plans here and has Changes tell the other gateways.
func (s *Service) planChanged(id string) {
	s.forgetPlans()
	if s.changes != nil {
		s.changes.PlanChanged(id)
	}
}

// RateLimitOf returns the request limit of a tenant: the default plan's is
// RATE_LIMIT_MAX_REQUESTS per RATE_LIMIT_WINDOW_MS (given as fallback), any
// other plan's is its requests per minute. ok is false for no limit.
func (s *Service) RateLimitOf(ctx context.Context, u *gateway.User, fallback int, window time.Duration) (limit int, win time.Duration, ok bool) {
	p, err := s.cachedPlanOf(ctx, u)
	if err != nil || p.ID == DefaultPlanID || p.Limits.RequestsPerMinute == 0 {
		return fallback, window, fallback > 0
	}
	if p.Limits.RequestsPerMinute < 0 {
		return 0, 0, false
	}
	return p.Limits.RequestsPerMinute, time.Minute, true
}

// Period names a billing period: a calendar month in UTC.
type Period struct {
	Name  string    `json:"name" desc:"The month, YYYY-MM."` // "2026-11"
	Start time.Time `json:"start" desc:"Its first instant (UTC)."`
	End   time.Time `json:"end" desc:"The first instant after it."`
}

// PeriodOf returns the billing period holding t.
func PeriodOf(t time.Time) Period {
	start := monthStart(t.UTC())
	return Period{Name: start.Format("2006-01"), Start: start, End: start.AddDate(0, 1, 0)}
}

// ParsePeriod reads a period name ("2026-11").
func ParsePeriod(name string) (Period, error) {
	t, err := time.Parse("2006-01", name)
	if err != nil || t.Year() < 2000 || t.Year() > 9999 {
		return Period{}, gateway.Errorf(gateway.CodeInvalid, "The period must be a month like 2026-11.")
	}
	return PeriodOf(t), nil
}

// SubscriptionView is a tenant's subscription with its plan and history.
type SubscriptionView struct {
	Subscription *gateway.Subscription         `json:"subscription" desc:"The subscription."`
	Plan         *gateway.Plan                 `json:"plan" desc:"Its plan."`
	History      []*gateway.SubscriptionChange `json:"history" desc:"The plan changes, newest first."`
}

// Subscription returns the tenant's subscription, creating it (on the
// user's plan, for the current period) when the account predates it, and
// moving its period forward when a month has passed.
func (s *Service) Subscription(ctx context.Context, u *gateway.User) (*gateway.Subscription, error) {
	p := PeriodOf(s.now())
	sub, err := s.saasStore.EnsureSubscription(ctx, u.ID, u.PlanID, p.Start, p.End)
	if err != nil {
		return nil, err
	}
	if !sub.CurrentPeriodEnd.After(s.now()) {
		if err := s.saasStore.RenewSubscription(ctx, u.ID, p.Start, p.End); err != nil {
			return nil, err
		}
		sub.CurrentPeriodStart, sub.CurrentPeriodEnd = p.Start, p.End
	}
	return sub, nil
}

// SubscriptionOf returns the subscription view of a tenant.
func (s *Service) SubscriptionOf(ctx context.Context, u *gateway.User) (*SubscriptionView, error) {
	sub, err := s.Subscription(ctx, u)
	if err != nil {
		return nil, err
	}
	plan, err := s.PlanOf(ctx, u)
	if err != nil {
		return nil, err
	}
	hist, err := s.saasStore.SubscriptionHistory(ctx, u.ID, 50)
	if err != nil {
		return nil, err
	}
	if hist == nil {
		hist = []*gateway.SubscriptionChange{}
	}
	return &SubscriptionView{Subscription: sub, Plan: plan, History: hist}, nil
}

// planAt returns the id of the plan a tenant was on at t, from its history.
func planAt(current string, history []*gateway.SubscriptionChange, t time.Time) string {
	plan := current
	for _, c := range history { // newest first
		if !c.CreatedAt.Before(t) {
			plan = c.FromPlanID
		}
	}
	return plan
}

// ListPlans lists every plan, cheapest first.
func (s *Service) ListPlans(ctx context.Context) ([]*gateway.Plan, error) {
	list, err := s.users.ListPlans(ctx)
	if list == nil {
		list = []*gateway.Plan{}
	}
	return list, err
}

// messageLimit is the hard monthly cap on accepted messages of a plan
// (negative: none): the included amount, plus the allowed extra when the
// plan bills overage.
func messageLimit(p *gateway.Plan) int64 {
	inc := int64(p.Limits.MessagesPerMonth)
	if inc < 0 {
		return -1
	}
	if p.Overage.MessagesPer1000Cents > 0 {
		if p.Overage.MaxExtraMessages < 0 {
			return -1
		}
		return inc + int64(p.Overage.MaxExtraMessages)
	}
	return inc
}

// storeOutbound stores an accepted outbound message counted against the
// tenant's monthly quota, and announces usage thresholds it crosses.
func (s *Service) storeOutbound(ctx context.Context, u *gateway.User, m *gateway.Message) error {
	plan, err := s.cachedPlanOf(ctx, u)
	if err != nil {
		return err
	}
	p := PeriodOf(m.CreatedAt)
	limit := messageLimit(plan)
	used, err := s.sends.storeMessage(m, p, limit)
	if gateway.IsCode(err, gateway.CodeQuotaExceeded) {
		return &gateway.Error{
			Code: gateway.CodeQuotaExceeded,
			Message: fmt.Sprintf("Your %s plan allows %d messages a month; %d have been sent in %s. Upgrade your plan or wait for the next month.",
				plan.Name, limit, used, p.Name),
			Details: map[string]any{"limit": "messages_per_month", "allowed": limit, "used": used, "plan": plan.ID, "period": p.Name},
		}
	}
	if err != nil {
		return err
	}
	s.announceThresholds(ctx, u.ID, plan, p, used)
	return nil
}

// usageThresholds are the percentages of included usage announced once a period.
var usageThresholds = []int{80, 100}

func (s *Service) announceThresholds(ctx context.Context, userID string, plan *gateway.Plan, p Period, used int64) {
	included := int64(plan.Limits.MessagesPerMonth)
	if included <= 0 {
		return
	}
	for _, t := range usageThresholds {
		bound := (included*int64(t) + 99) / 100
		if used < bound || used-1 >= bound {
			continue // not the message that crossed it
		}
		ev := gateway.NewEvent(userID, "", gateway.EventUsageThreshold, gateway.UsageThresholdData{
			Metric: "messages", Period: p.Name, Threshold: t, Used: used, Included: included, PlanID: plan.ID,
		})
		if _, err := s.saasStore.RecordThreshold(context.WithoutCancel(ctx), userID, p.Name, "messages", t, ev); err != nil {
			s.log.Warn("record usage threshold", "user_id", userID, "threshold", t, "err", err)
		}
	}
}

// checkMediaSize refuses inline media larger than the plan's media size
// (media by URL is sized by the worker that fetches it).
func (s *Service) checkMediaSize(ctx context.Context, u *gateway.User, size int64) error {
	plan, err := s.cachedPlanOf(ctx, u)
	if err != nil {
		return err
	}
	if max := plan.Limits.MediaBytes; max >= 0 && size > max {
		return &gateway.Error{Code: gateway.CodeTooLarge,
			Message: fmt.Sprintf("Your %s plan allows media of at most %d bytes; this one has %d.", plan.Name, max, size),
			Details: map[string]any{"limit": "media_bytes", "allowed": max, "used": size, "plan": plan.ID}}
	}
	return nil
}
