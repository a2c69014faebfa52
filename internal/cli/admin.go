package cli

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/whatsapp-saas/gateway/client"
)

// cmdAdmin runs the operator's verbs over the /admin routes (admin role):
// find tenants and sessions, suspend, resume and move a tenant to another
// plan (each with a reason, kept in the audit log), the installation's
// numbers and the audit log.
func cmdAdmin(r *runner, args []string) error {
	fs := r.flags("admin")
	reason := fs.String("reason", "", "suspend, resume, plan: why (required), kept in the audit log")
	query := fs.String("q", "", "tenants: search email, name or id; sessions: a phone number (or part of one) or a session id")
	status := fs.String("status", "", "tenants: only active or suspended ones")
	action := fs.String("action", "", "audit: only this action (tenant.suspend, tenant.resume, tenant.plan_change, plan.create, plan.update, plan.delete)")
	tenant := fs.String("tenant", "", "audit: only entries about this tenant (or plan) id")
	actor := fs.String("actor", "", "audit: only entries of this admin's id")
	lo := pageFlags(fs, "tenants, sessions, audit: ", "items")
	pos, err := r.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("give an admin command: %w", errUsage)
	}
	c := r.client()
	needArgs := func(n int, what string) error {
		if len(pos) != 1+n {
			return fmt.Errorf("give %s: %w", what, errUsage)
		}
		return nil
	}
	needReason := func() error {
		if strings.TrimSpace(*reason) == "" {
			return fmt.Errorf("give --reason: it is kept in the audit log: %w", errUsage)
		}
		return nil
	}
	switch pos[0] {
	case "tenants":
		return listed(r, "tenants", "tenants", tenantTable)(c.AdminTenants(r.ctx, *query, *status, *lo))
	case "tenant":
		if err := needArgs(1, "the tenant's id"); err != nil {
			return err
		}
		v, err := c.AdminTenant(r.ctx, pos[1])
		if err != nil {
			return err
		}
		return r.out(v, func(w *tabwriter.Writer) { tenantTable(w, *v) })
	case "sessions":
		if *query == "" {
			return fmt.Errorf("give --q: a phone number (or part of one) or a session id: %w", errUsage)
		}
		return listed(r, "sessions", "sessions", func(w *tabwriter.Writer, list ...client.AdminSession) {
			fmt.Fprintln(w, "SESSION\tNAME\tSTATUS\tPHONE\tTENANT\tEMAIL")
			for _, v := range list {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", v.Session.ID, trunc(v.Session.Name, 40), v.Session.Status, dash(v.Session.Phone),
					v.Tenant.ID, v.Tenant.Email)
			}
		})(c.AdminSessions(r.ctx, *query, *lo))
	case "suspend", "resume":
		if err := needArgs(1, "the tenant's id"); err != nil {
			return err
		}
		if err := needReason(); err != nil {
			return err
		}
		var v *client.Tenant
		if pos[0] == "suspend" {
			v, err = c.AdminSuspend(r.ctx, pos[1], *reason)
		} else {
			v, err = c.AdminResume(r.ctx, pos[1], *reason)
		}
		if err != nil {
			return err
		}
		return r.out(v, func(w *tabwriter.Writer) { tenantTable(w, *v) })
	case "plan":
		if err := needArgs(2, "the tenant's id and the plan's id"); err != nil {
			return err
		}
		if err := needReason(); err != nil {
			return err
		}
		v, err := c.AdminChangePlan(r.ctx, pos[1], pos[2], *reason)
		if err != nil {
			return err
		}
		return r.out(v, func(w *tabwriter.Writer) { tenantTable(w, *v) })
	case "plans":
		list, err := c.AdminPlans(r.ctx)
		if err != nil {
			return err
		}
		return r.out(map[string]any{"plans": list}, func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "ID\tNAME\tPRICE\tSESSIONS\tMESSAGES/MONTH")
			for _, p := range list {
				fmt.Fprintf(w, "%s\t%s\t%d %s\t%d\t%d\n", p.ID, p.Name, p.PriceCents, p.Currency, p.Limits.Sessions, p.Limits.MessagesPerMonth)
			}
		})
	case "stats":
		raw, err := c.AdminStats(r.ctx)
		if err != nil {
			return err
		}
		var st adminStats
		if err := json.Unmarshal(raw, &st); err != nil {
			return fmt.Errorf("read the stats: %w", err)
		}
		return r.out(json.RawMessage(raw), func(w *tabwriter.Writer) { st.table(w) })
	case "audit":
		return listed(r, "entries", "entries", func(w *tabwriter.Writer, list ...json.RawMessage) {
			fmt.Fprintln(w, "WHEN\tADMIN\tACTION\tTARGET\tREASON")
			for _, raw := range list {
				var e auditEntry
				if err := json.Unmarshal(raw, &e); err != nil {
					continue
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s %s\t%s\n", when(&e.CreatedAt), e.ActorEmail, e.Action, e.TargetType, e.TargetID,
					dash(trunc(e.Details.Reason, 60)))
			}
		})(c.AdminAudit(r.ctx, *actor, *tenant, *action, *lo))
	}
	return fmt.Errorf("unknown admin command %q: %w", pos[0], errUsage)
}

func tenantTable(w *tabwriter.Writer, list ...client.Tenant) {
	fmt.Fprintln(w, "ID\tEMAIL\tNAME\tROLE\tSTATUS\tPLAN\tSESSIONS\tMESSAGES (MONTH)")
	for _, v := range list {
		plan := v.User.PlanID
		if v.Plan != nil {
			plan = v.Plan.Name
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", v.User.ID, v.User.Email, trunc(v.User.Name, 30), v.User.Role, v.User.Status, plan,
			v.Usage.Sessions, v.Usage.MessagesThisMonth)
	}
}

// auditEntry is the part of an audit entry the table shows.
type auditEntry struct {
	ActorEmail string    `json:"actor_email"`
	Action     string    `json:"action"`
	TargetType string    `json:"target_type"`
	TargetID   string    `json:"target_id"`
	CreatedAt  time.Time `json:"created_at"`
	Details    struct {
		Reason string `json:"reason"`
	} `json:"details"`
}

// adminStats is GET /admin/stats as the table shows it.
type adminStats struct {
	Users            map[string]int `json:"users_by_status"`
	UsersByPlan      map[string]int `json:"users_by_plan"`
	Sessions         int            `json:"sessions"`
	SessionsByStatus map[string]int `json:"sessions_by_status"`
	LiveInstances    int            `json:"live_instances"`
	MessagesToday    struct {
		Total  int `json:"total"`
		Failed int `json:"failed"`
	} `json:"messages_today"`
	MessagesMonth struct {
		Total  int `json:"total"`
		Failed int `json:"failed"`
	} `json:"messages_this_month"`
	MessagesAll     int `json:"messages_total"`
	Webhooks        int `json:"webhooks"`
	WebhooksFailing int `json:"webhooks_failing"`
	ActiveAPIKeys   int `json:"active_api_keys"`
	RegisteredLast  int `json:"registered_last_30_days"`
}

func (s adminStats) table(w *tabwriter.Writer) {
	fmt.Fprintf(w, "Accounts\t%s\n", counts(s.Users))
	fmt.Fprintf(w, "Accounts by plan\t%s\n", counts(s.UsersByPlan))
	fmt.Fprintf(w, "New in 30 days\t%d\n", s.RegisteredLast)
	fmt.Fprintf(w, "Sessions\t%d (%s)\n", s.Sessions, counts(s.SessionsByStatus))
	fmt.Fprintf(w, "Running instances\t%d\n", s.LiveInstances)
	fmt.Fprintf(w, "Messages today\t%d (%d failed)\n", s.MessagesToday.Total, s.MessagesToday.Failed)
	fmt.Fprintf(w, "Messages this month\t%d (%d failed)\n", s.MessagesMonth.Total, s.MessagesMonth.Failed)
	fmt.Fprintf(w, "Messages stored\t%d\n", s.MessagesAll)
	fmt.Fprintf(w, "Webhook endpoints\t%d (%d failing)\n", s.Webhooks, s.WebhooksFailing)
	fmt.Fprintf(w, "Active API keys\t%d\n", s.ActiveAPIKeys)
}

// counts prints a map of counts as "a 1, b 2", sorted by key.
func counts(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
