package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

// adminRoutes are the operator's routes under /admin. They are invisible to
// everyone else: any caller that is not an admin with a bearer token
// (anonymous, a tenant, an API key, an admin's API key) gets the same 404 as
// a path that does not exist.
func (s *Server) adminRoutes(r chi.Router, table *routeTable) {
	r.Route("/admin", func(r chi.Router) {
		r.Use(s.requireAdmin, s.rateLimit)
		table.mount(r, isAdminRoute, "/admin", s.idempotent)
		r.NotFound(s.h(notFoundRoute))
		r.MethodNotAllowed(s.h(notFoundRoute))
	})
}

func notFoundRoute(w http.ResponseWriter, r *http.Request) error {
	return gateway.Errorf(gateway.CodeNotFound, "No route %s %s.", r.Method, r.URL.Path)
}

// requireAdmin authenticates the caller itself and answers 404 unless it is
// an admin on a bearer token.
func (s *Server) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.principalOf(r)
		if err != nil || p.APIKey != nil || p.User.Role != gateway.RoleAdmin {
			if err != nil && !gateway.IsCode(err, gateway.CodeUnauthorized) && !gateway.IsCode(err, gateway.CodeSuspended) &&
				!gateway.IsCode(err, gateway.CodeRateLimited) {
				writeError(w, r, s.log, err) // an outage stays an outage
				return
			}
			// A refused credential counts against the address, as on every
			// authenticated route (see authenticate).
			if gateway.IsCode(err, gateway.CodeUnauthorized) &&
				!s.allow(w, r, "rl:ip:"+clientIP(r.Context()), s.cfg.RateLimitMax, s.cfg.RateLimitWindow, s.cfg.RateLimitMax > 0) {
				return
			}
			writeError(w, r, s.log, gateway.Errorf(gateway.CodeNotFound, "No route %s %s.", r.Method, r.URL.Path))
			return
		}
		actingAs(r, p)
		next.ServeHTTP(w, r)
	})
}

func actorOf(r *http.Request) service.Actor {
	return service.Actor{User: who(r).User, IP: clientIP(r.Context())}
}

func (s *Server) handleAdminTenants(w http.ResponseWriter, r *http.Request) error {
	p, q, err := pageAndQuery(r)
	if err != nil {
		return err
	}
	list, err := s.svc.AdminListTenants(r.Context(), gateway.UserFilter{Query: q.Get("q"), Status: q.Get("status"), Page: p})
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, tenantList{list.Items, list.Pagination})
}

func oneTenant(_ *http.Request, v *service.TenantView) any { return tenantData{*v} }

func (s *Server) handleAdminTenantStatement(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	period, err := periodParam(r)
	if err != nil {
		return err
	}
	st, err := s.svc.AdminTenantStatement(r.Context(), id, period)
	if err != nil {
		return err
	}
	return writeStatement(w, r, st)
}

type changePlanRequest struct {
	PlanID string `json:"plan_id" desc:"The plan to move the tenant to."`
	Reason string `json:"reason" desc:"Why, kept in the plan history and the audit log."`
}

func (s *Server) handleAdminChangePlan(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	var req changePlanRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	if req.PlanID == "" {
		return gateway.ValidationError(map[string]string{"plan_id": "Give the plan to move the tenant to."})
	}
	v, err := s.svc.AdminChangePlan(r.Context(), actorOf(r), id, req.PlanID, req.Reason)
	if err != nil {
		return err
	}
	s.userChanged(r.Context(), id)
	return ok(w, http.StatusOK, tenantData{*v})
}

type suspendRequest struct {
	Reason string `json:"reason" desc:"Why, kept in the audit log."`
}

type resumeRequest struct {
	Reason string `json:"reason" desc:"Why the suspension is lifted, kept in the audit log."`
}

func (q suspendRequest) reason() string { return q.Reason }
func (q resumeRequest) reason() string  { return q.Reason }

// tenantState is the handler that suspends or resumes a tenant (act), the
// reason in an optional body of type Req.
func tenantState[Req interface{ reason() string }](s *Server,
	act func(ctx context.Context, a service.Actor, tenantID, reason string) (*service.TenantView, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "user_id")
		if err != nil {
			return err
		}
		var req Req
		if r.ContentLength != 0 {
			if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
				return err
			}
		}
		v, err := act(r.Context(), actorOf(r), id, req.reason())
		// A suspension is stored before the instances stop: forget the
		// cached user either way, so this gateway applies it at once.
		s.userChanged(r.Context(), id)
		if err != nil {
			return err
		}
		return ok(w, http.StatusOK, tenantData{*v})
	}
}

func (s *Server) handleAdminStats(w http.ResponseWriter, r *http.Request) error {
	st, err := s.svc.AdminStats(r.Context())
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, statsData{*st})
}

func (s *Server) handleAdminSessions(w http.ResponseWriter, r *http.Request) error {
	p, q, err := pageAndQuery(r)
	if err != nil {
		return err
	}
	list, err := s.svc.AdminSearchSessions(r.Context(), gateway.SessionSearch{Query: q.Get("q"), Page: p})
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, adminSessionList{list.Items, list.Pagination})
}

func (s *Server) handleAdminAudit(w http.ResponseWriter, r *http.Request) error {
	p, q, err := pageAndQuery(r)
	if err != nil {
		return err
	}
	list, err := s.svc.AdminAudit(r.Context(), gateway.AuditFilter{ActorID: q.Get("actor_id"), TargetID: q.Get("target_id"),
		Action: q.Get("action"), Page: p})
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, auditList{list.Items, list.Pagination})
}

// planRequest is a plan as admins write it.
type planRequest struct {
	ID         string               `json:"id" desc:"The plan's id, a slug (lowercase letters, digits, - and _)."`
	Name       string               `json:"name" desc:"The display name."`
	PriceCents int64                `json:"price_cents" desc:"The price of a period, in cents."`
	Currency   string               `json:"currency" desc:"ISO 4217 currency code."`
	Limits     gateway.PlanLimits   `json:"limits" desc:"What an account on the plan may hold and send."`
	Features   gateway.PlanFeatures `json:"features" desc:"What the plan turns on."`
	Overage    gateway.PlanOverage  `json:"overage" desc:"The price of messages past the monthly limit."`
}

func (p planRequest) plan() *gateway.Plan {
	return &gateway.Plan{ID: p.ID, Name: p.Name, PriceCents: p.PriceCents, Currency: p.Currency, Limits: p.Limits,
		Features: p.Features, Overage: p.Overage}
}

func (s *Server) handleAdminPlanCreate(w http.ResponseWriter, r *http.Request) error {
	var req planRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	p, err := s.svc.AdminCreatePlan(r.Context(), actorOf(r), req.plan())
	if err != nil {
		return err
	}
	return ok(w, http.StatusCreated, planData{*p})
}

func (s *Server) handleAdminPlanUpdate(w http.ResponseWriter, r *http.Request) error {
	var req planRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	id, err := pathText(r, "plan_id")
	if err != nil {
		return err
	}
	if req.ID != "" && req.ID != id {
		return gateway.ValidationError(map[string]string{"id": "A plan's id cannot change."})
	}
	p, err := s.svc.AdminUpdatePlan(r.Context(), actorOf(r), id, req.plan())
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, planData{*p})
}

func (s *Server) handleAdminPlanDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathText(r, "plan_id")
	if err != nil {
		return err
	}
	if err := s.svc.AdminDeletePlan(r.Context(), actorOf(r), id); err != nil {
		return err
	}
	return ok(w, http.StatusOK, deletedData{true, id})
}

type tenantData struct {
	Tenant service.TenantView `json:"tenant" desc:"The tenant."`
}

type tenantList struct {
	Tenants    []*service.TenantView `json:"tenants" desc:"This page of tenants."`
	Pagination service.Pagination    `json:"pagination" desc:"Where this page sits in the whole list."`
}

type adminSessionList struct {
	Sessions   []*service.SessionView `json:"sessions" desc:"This page of sessions, newest first, each with its owner."`
	Pagination service.Pagination     `json:"pagination" desc:"Where this page sits in the whole list."`
}

type statsData struct {
	Stats gateway.GlobalStats `json:"stats" desc:"The numbers."`
}

type auditList struct {
	Entries    []*gateway.AuditEntry `json:"entries" desc:"This page of entries, newest first."`
	Pagination service.Pagination    `json:"pagination" desc:"Where this page sits in the whole list."`
}
