package service

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Actor is the admin behind an admin action, for the audit log.
type Actor struct {
	User *gateway.User
	IP   string
}

// Admin audit actions.
const (
	AuditPlanChange   = "tenant.plan_change"
	AuditSuspend      = "tenant.suspend"
	AuditResume       = "tenant.resume"
	AuditPlanCreate   = "plan.create"
	AuditPlanUpdate   = "plan.update"
	AuditPlanDelete   = "plan.delete"
	auditTargetTenant = "tenant"
	auditTargetPlan   = "plan"
)

func (a Actor) audit(action, targetType, targetID string, details any) *gateway.AuditEntry {
	e := &gateway.AuditEntry{ActorID: a.User.ID, ActorEmail: a.User.Email, Action: action, TargetType: targetType,
		TargetID: targetID, IP: a.IP}
	if details != nil {
		b, err := json.Marshal(details)
		if err == nil {
			e.Details = b
		}
	}
	return e
}

// TenantView is a tenant as admins see it: account, plan, subscription and usage.
type TenantView struct {
	User         *gateway.User                 `json:"user" desc:"The account."`
	Plan         *gateway.Plan                 `json:"plan" desc:"Its plan."`
	Subscription *gateway.Subscription         `json:"subscription,omitempty" desc:"Its subscription."`
	Usage        Usage                         `json:"usage" desc:"What it holds and sent."`
	History      []*gateway.SubscriptionChange `json:"history,omitempty" desc:"Its plan changes, newest first."`
}

// AdminListTenants lists and searches tenants (email or name substring,
// status) with their plan and current usage.
func (s *Service) AdminListTenants(ctx context.Context, f gateway.UserFilter) (List[*TenantView], error) {
	f.Page = f.Page.Normalize()
	if f.Status != "" && f.Status != gateway.UserActive && f.Status != gateway.UserSuspended {
		return List[*TenantView]{}, gateway.ValidationError(map[string]string{"status": "The status must be active or suspended."})
	}
	users, total, err := s.users.ListUsers(ctx, f)
	if err != nil {
		return List[*TenantView]{}, err
	}
	out := make([]*TenantView, 0, len(users))
	for _, u := range users {
		v, err := s.tenantView(ctx, u, false)
		if err != nil {
			return List[*TenantView]{}, err
		}
		out = append(out, v)
	}
	return newList(out, total, f.Page), nil
}

func (s *Service) tenantView(ctx context.Context, u *gateway.User, full bool) (*TenantView, error) {
	plan, usage, err := s.planAndUsage(ctx, u)
	if err != nil {
		return nil, err
	}
	v := &TenantView{User: u, Plan: plan, Usage: usage}
	if full {
		if v.Subscription, err = s.Subscription(ctx, u); err != nil {
			return nil, err
		}
		if v.History, err = s.saasStore.SubscriptionHistory(ctx, u.ID, 50); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// adminTenant loads a tenant by id; CodeNotFound when absent.
func (s *Service) adminTenant(ctx context.Context, id string) (*gateway.User, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, gateway.NotFound("Tenant")
	}
	u, err := s.users.UserByID(ctx, id)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, gateway.NotFound("Tenant")
	}
	return u, err
}

// AdminTenant returns one tenant with subscription, history and usage.
func (s *Service) AdminTenant(ctx context.Context, id string) (*TenantView, error) {
	u, err := s.adminTenant(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.tenantView(ctx, u, true)
}

// AdminTenantStatement is a tenant's statement for a period, for admins.
func (s *Service) AdminTenantStatement(ctx context.Context, id string, p Period) (*Statement, error) {
	u, err := s.adminTenant(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.Statement(ctx, u, p)
}

// AdminChangePlan moves a tenant to another plan at once; the change is in
// the tenant's subscription history and the audit log.
func (s *Service) AdminChangePlan(ctx context.Context, a Actor, tenantID, planID, reason string) (*TenantView, error) {
	u, err := s.adminTenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(reason) > 500 {
		return nil, gateway.ValidationError(map[string]string{"reason": "The reason must be at most 500 characters."})
	}
	if _, err := s.users.PlanByID(ctx, planID); gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, gateway.ValidationError(map[string]string{"plan_id": "No plan with this id."})
	} else if err != nil {
		return nil, err
	}
	if u.PlanID == planID {
		return s.tenantView(ctx, u, true)
	}
	if _, err := s.Subscription(ctx, u); err != nil {
		return nil, err
	}
	c := &gateway.SubscriptionChange{UserID: u.ID, ToPlanID: planID, ActorID: a.User.ID, Reason: reason, CreatedAt: s.now()}
	if err := s.saasStore.ChangePlan(ctx, c, a.audit(AuditPlanChange, auditTargetTenant, u.ID,
		map[string]any{"from_plan_id": u.PlanID, "to_plan_id": planID, "reason": reason})); err != nil {
		return nil, err
	}
	s.log.Info("tenant plan changed", "user_id", u.ID, "from", u.PlanID, "to", planID, "admin_id", a.User.ID)
	u.PlanID = planID
	return s.tenantView(ctx, u, true)
}

// AdminSuspend suspends a tenant: its calls are refused with
// account_suspended from now on and its running instances are stopped
// through the same path as a tenant's own stop. The stopped instances are
// recorded in the audit entry, so a resume starts them again.
func (s *Service) AdminSuspend(ctx context.Context, a Actor, tenantID, reason string) (*TenantView, error) {
	u, err := s.adminTenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if u.ID == a.User.ID {
		return nil, gateway.Errorf(gateway.CodeConflict, "Admins cannot suspend their own account.")
	}
	if u.Status == gateway.UserSuspended {
		return s.tenantView(ctx, u, true)
	}
	live, err := s.liveInstances(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(live))
	for _, inst := range live {
		ids = append(ids, inst.ID)
	}
	if _, err := s.Subscription(ctx, u); err != nil {
		return nil, err
	}
	if err := s.saasStore.SetUserStatus(ctx, u.ID, gateway.UserSuspended, a.audit(AuditSuspend, auditTargetTenant, u.ID,
		map[string]any{"reason": reason, "stopped_instances": ids})); err != nil {
		return nil, err
	}
	u.Status = gateway.UserSuspended
	// Stop what ran, then look again for an instance started in between.
	for round := 0; round < 2; round++ {
		for _, inst := range live {
			if _, err := s.stopInstance(ctx, inst); err != nil {
				s.log.Error("stop instance of suspended tenant", "instance_id", inst.ID, "err", err)
			}
		}
		if live, err = s.liveInstances(ctx, u.ID); err != nil || len(live) == 0 {
			break
		}
	}
	s.log.Info("tenant suspended", "user_id", u.ID, "admin_id", a.User.ID, "instances_stopped", len(ids))
	return s.tenantView(ctx, u, true)
}

// AdminResume lifts a suspension and starts again the instances the
// suspension stopped.
func (s *Service) AdminResume(ctx context.Context, a Actor, tenantID, reason string) (*TenantView, error) {
	u, err := s.adminTenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if u.Status != gateway.UserSuspended {
		return s.tenantView(ctx, u, true)
	}
	var stopped []string
	entries, _, err := s.saasStore.ListAudit(ctx, gateway.AuditFilter{TargetID: u.ID, Action: AuditSuspend, Page: gateway.Page{Page: 1, Limit: 1}})
	if err != nil {
		return nil, err
	}
	if len(entries) > 0 {
		var d struct {
			Stopped []string `json:"stopped_instances"`
		}
		_ = json.Unmarshal(entries[0].Details, &d)
		stopped = d.Stopped
	}
	if err := s.saasStore.SetUserStatus(ctx, u.ID, gateway.UserActive, a.audit(AuditResume, auditTargetTenant, u.ID,
		map[string]any{"reason": reason, "restarting_instances": stopped})); err != nil {
		return nil, err
	}
	u.Status = gateway.UserActive
	for _, id := range stopped {
		if _, err := s.StartStoppedInstance(ctx, u, id); err != nil && !gateway.IsCode(err, gateway.CodeNotFound) {
			s.log.Warn("restart instance of resumed tenant", "instance_id", id, "err", err)
		}
	}
	s.log.Info("tenant resumed", "user_id", u.ID, "admin_id", a.User.ID)
	return s.tenantView(ctx, u, true)
}

func (s *Service) liveInstances(ctx context.Context, userID string) ([]*gateway.Instance, error) {
	var live []*gateway.Instance
	for p := (gateway.Page{Page: 1, Limit: gateway.MaxPageLimit}); ; p.Page++ {
		items, total, err := s.instances.ListInstances(ctx, userID, "", p)
		if err != nil {
			return nil, err
		}
		for _, i := range items {
			if i.Status.Live() {
				live = append(live, i)
			}
		}
		if p.Last(total) {
			return live, nil
		}
	}
}

// AdminStats returns the installation's numbers.
func (s *Service) AdminStats(ctx context.Context) (*gateway.GlobalStats, error) {
	now := s.now()
	return s.saasStore.GlobalStats(ctx, dayStart(now), monthStart(now))
}

// SessionView is a session found by an admin's search, with the tenant
// who owns it.
type SessionView struct {
	Session *gateway.Session `json:"session" desc:"The session."`
	Tenant  *gateway.User    `json:"tenant" desc:"The account that owns it."`
}

// AdminSearchSessions finds the sessions of every tenant by phone number
// (any part of it, only its digits count) or by id, newest first, each with
// its owner.
func (s *Service) AdminSearchSessions(ctx context.Context, f gateway.SessionSearch) (List[*SessionView], error) {
	f.Page = f.Page.Normalize()
	f.Query = strings.TrimSpace(f.Query)
	if f.Query == "" {
		return List[*SessionView]{}, gateway.ValidationError(map[string]string{"q": "Give a phone number, or part of one, or a session id."})
	}
	list, total, err := s.sessions.SearchSessions(ctx, f)
	if err != nil {
		return List[*SessionView]{}, err
	}
	owners := map[string]*gateway.User{}
	out := make([]*SessionView, 0, len(list))
	for _, sess := range list {
		u, ok := owners[sess.UserID]
		if !ok {
			if u, err = s.users.UserByID(ctx, sess.UserID); err != nil {
				return List[*SessionView]{}, err
			}
			owners[sess.UserID] = u
		}
		out = append(out, &SessionView{Session: sess, Tenant: u})
	}
	return newList(out, total, f.Page), nil
}

// AdminAudit lists the audit log, newest first.
func (s *Service) AdminAudit(ctx context.Context, f gateway.AuditFilter) (List[*gateway.AuditEntry], error) {
	f.Page = f.Page.Normalize()
	items, total, err := s.saasStore.ListAudit(ctx, f)
	if err != nil {
		return List[*gateway.AuditEntry]{}, err
	}
	return newList(items, total, f.Page), nil
}

var planIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

func (s *Service) validatePlan(p *gateway.Plan) error {
	fields := map[string]string{}
	if !planIDPattern.MatchString(p.ID) {
		fields["id"] = "The plan id is a slug: 1 to 40 lower-case letters, digits, - or _."
	}
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" || utf8.RuneCountInString(p.Name) > 100 {
		fields["name"] = "Give a name of 1 to 100 characters."
	}
	if p.PriceCents < 0 {
		fields["price_cents"] = "The price cannot be negative."
	}
	p.Currency = strings.ToUpper(strings.TrimSpace(p.Currency))
	if p.Currency == "" {
		p.Currency = "USD"
	}
	if len(p.Currency) != 3 || strings.Trim(p.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		fields["currency"] = "The currency is a three-letter ISO 4217 code, like USD."
	}
	if p.Overage.MessagesPer1000Cents < 0 {
		fields["overage.messages_per_1000_cents"] = "The overage price cannot be negative."
	}
	for _, e := range p.Features.Engines {
		if e != gateway.EngineSandbox && e != gateway.EngineWhatsmeow {
			fields["features.engines"] = "Unknown engine " + quote(e) + "; use sandbox or whatsmeow."
		}
	}
	if p.Limits.RequestsPerMinute == 0 {
		fields["limits.requests_per_minute"] = "Give the requests per minute (negative for unlimited)."
	}
	if len(fields) > 0 {
		return gateway.ValidationError(fields)
	}
	return nil
}

// AdminCreatePlan creates a plan; CodeConflict when the id is taken.
func (s *Service) AdminCreatePlan(ctx context.Context, a Actor, p *gateway.Plan) (*gateway.Plan, error) {
	if err := s.validatePlan(p); err != nil {
		return nil, err
	}
	if _, err := s.users.PlanByID(ctx, p.ID); err == nil {
		return nil, gateway.Errorf(gateway.CodeConflict, "A plan with the id %s already exists.", quote(p.ID))
	} else if !gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, err
	}
	now := s.now()
	p.CreatedAt, p.UpdatedAt = now, now
	if err := s.users.UpsertPlan(ctx, p); err != nil {
		return nil, err
	}
	s.planChanged(p.ID)
	s.recordAudit(ctx, a.audit(AuditPlanCreate, auditTargetPlan, p.ID, p))
	return p, nil
}

// AdminUpdatePlan replaces a plan's name, price, limits, features and
// overage; tenants on it get the new limits at once.
func (s *Service) AdminUpdatePlan(ctx context.Context, a Actor, id string, p *gateway.Plan) (*gateway.Plan, error) {
	old, err := s.users.PlanByID(ctx, id)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, gateway.NotFound("Plan")
	}
	if err != nil {
		return nil, err
	}
	p.ID = id
	if err := s.validatePlan(p); err != nil {
		return nil, err
	}
	if id == DefaultPlanID && p.Limits.Instances != s.cfg.MaxInstancesPerUser {
		return nil, gateway.ValidationError(map[string]string{"limits.instances": "The default plan's instance limit is MAX_INSTANCES_PER_USER; change it there."})
	}
	p.CreatedAt, p.UpdatedAt = old.CreatedAt, s.now()
	if err := s.users.UpsertPlan(ctx, p); err != nil {
		return nil, err
	}
	s.planChanged(id)
	s.recordAudit(ctx, a.audit(AuditPlanUpdate, auditTargetPlan, id, map[string]any{"before": old, "after": p}))
	return p, nil
}

// AdminDeletePlan deletes a plan no tenant is on; the default plan stays.
func (s *Service) AdminDeletePlan(ctx context.Context, a Actor, id string) error {
	if id == DefaultPlanID {
		return gateway.Errorf(gateway.CodeConflict, "The default plan cannot be deleted: new accounts get it.")
	}
	err := s.saasStore.DeletePlan(ctx, id)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return gateway.NotFound("Plan")
	}
	if err != nil {
		return err
	}
	s.planChanged(id)
	s.recordAudit(ctx, a.audit(AuditPlanDelete, auditTargetPlan, id, nil))
	return nil
}

// Plan returns one plan.
func (s *Service) Plan(ctx context.Context, id string) (*gateway.Plan, error) {
	p, err := s.users.PlanByID(ctx, id)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, gateway.NotFound("Plan")
	}
	return p, err
}

func (s *Service) recordAudit(ctx context.Context, e *gateway.AuditEntry) {
	if err := s.saasStore.AddAudit(context.WithoutCancel(ctx), e); err != nil {
		s.log.Error("record audit entry", "action", e.Action, "err", err)
	}
}
