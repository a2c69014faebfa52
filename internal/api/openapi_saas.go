package api

import (
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
	"net/http"
)

// adminNote is said of every admin route.
const adminNote = "Admins only, with a bearer token: to anyone else (anonymous, tenants, API keys) the route answers 404 as if it did not exist. "

// saasOperations document plans, subscriptions, usage and statements,
// analytics time series, account mail and the admin routes.
func saasOperations() []operation {
	period := service.PeriodOf(exampleTime)
	sub := gateway.Subscription{UserID: exampleUserID, PlanID: "free", Status: gateway.SubscriptionActive,
		CurrentPeriodStart: period.Start, CurrentPeriodEnd: period.End, CreatedAt: exampleTime, UpdatedAt: exampleTime}
	change := &gateway.SubscriptionChange{ID: "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d", UserID: exampleUserID, FromPlanID: "free",
		ToPlanID: "starter", ActorID: "8e7d6c5b-4a39-4281-9f0e-d1c2b3a4f5e6", Reason: "upgrade", CreatedAt: exampleTime}
	day := gateway.UsageDay{Day: period.Start, MessagesAccepted: 120, MessagesSent: 118, MessagesDeliver: 110, MessagesFailed: 2,
		MessagesReceived: 80, MediaBytes: 1 << 20, SessionSeconds: 86400, WebhookAttempted: 200, WebhookSucceeded: 198}
	var totals service.UsageTotals
	totals.MessagesAccepted, totals.MessagesSent, totals.MessagesDelivered, totals.MessagesFailed = 120, 118, 110, 2
	totals.MessagesReceived, totals.MediaBytes, totals.SessionHours, totals.BillableMessages = 80, 1<<20, 24, 118
	starter := examplePlan
	starter.ID, starter.Name, starter.PriceCents = "starter", "Starter", 1900
	starter.Overage = gateway.PlanOverage{MessagesPer1000Cents: 50, MaxExtraMessages: 100000}
	statement := service.Statement{Period: period, UserID: exampleUserID, Plan: &starter, Usage: totals, Currency: "USD",
		Provisional: true, GeneratedAt: exampleTime, Days: []gateway.UsageDay{day},
		Lines: []service.StatementLine{
			{Item: "plan", Description: "Starter plan, " + period.Name, Quantity: 1, Unit: 1, UnitPriceCents: 1900, AmountCents: 1900, Currency: "USD"},
			{Item: "messages", Description: "Messages sent (accepted and not failed)", Quantity: 101118, Included: 100000, Overage: 1118,
				Unit: 1000, UnitPriceCents: 50, AmountCents: 56, Currency: "USD"}},
		TotalCents: 1956}
	rate, p50, p90, p99 := 0.95, int64(450), int64(1200), int64(4000)
	series := service.Series{From: period.Start, To: period.Start.AddDate(0, 0, 1), Interval: "day", Outbound: 120, Inbound: 80,
		Delivered: 110, Failed: 2, DeliveryRate: &rate, Latency: service.Latency{Count: 110, P50: &p50, P90: &p90, P99: &p99},
		Points: []service.SeriesPoint{{Start: period.Start, Outbound: map[string]int64{"delivered": 100, "read": 10, "sent": 8, "failed": 2},
			Inbound: 80, Total: 200}}}
	tenant := service.TenantView{User: &exampleUser, Plan: &examplePlan, Subscription: &sub, Usage: exampleUsage,
		History: []*gateway.SubscriptionChange{change}}
	tenantAnswer := tenantData{tenant}
	planAnswer := planData{starter}
	planExample := planRequest{ID: "starter", Name: "Starter", PriceCents: 1900, Currency: "USD", Limits: starter.Limits,
		Features: starter.Features, Overage: starter.Overage}
	csvAlt := map[string]mediaDoc{"text/csv": {Example: "period,item,description,quantity,included,overage,unit,unit_price_cents,amount_cents,currency\n" +
		period.Name + ",plan,\"Starter plan, " + period.Name + "\",1,0,0,1,1900,1900,USD\n" +
		period.Name + ",messages,Messages sent (accepted and not failed),101118,100000,1118,1000,50,56,USD\n" +
		period.Name + ",total,,,,,,,1956,USD\n"}}
	periodParam := param{Name: "period", Type: "string", Description: "The billing period, a month in UTC (default: the current one).", Example: period.Name}
	formatParam := param{Name: "format", Type: "string", Enum: []string{"json", "csv"}, Description: "csv answers CSV (as Accept: text/csv does)."}
	statementAnswer := statementData{statement}
	return []operation{
		// Plans and billing
		{Method: "GET", Path: "/plans", API: true, ID: "listPlans", Bound: boundOpen, Tag: "Billing", Scope: service.ScopeRead, Summary: "Every plan, cheapest first",
			Data: planList{[]*gateway.Plan{&examplePlan, &starter}}},
		{Method: "GET", Path: "/plans/{plan_id}", API: true, ID: "getPlan", Bound: boundOpen, Tag: "Billing", Scope: service.ScopeRead, Summary: "One plan", Data: planAnswer},
		{Method: "GET", Path: "/billing/subscription", API: true, ID: "getSubscription", Tag: "Billing", Scope: service.ScopeRead,
			Summary: "The caller's subscription: plan, current period and plan history",
			Data:    service.SubscriptionView{Subscription: &sub, Plan: &examplePlan, History: []*gateway.SubscriptionChange{change}}},
		{Method: "GET", Path: "/billing/usage", API: true, ID: "getUsage", Tag: "Billing", Scope: service.ScopeRead,
			Summary: "The caller's metered usage per UTC day", Description: "Derived from the stored messages, instances and webhook deliveries " +
				"on every request, so it can always be recomputed. Session seconds count each instance's last run.",
			Query: []param{periodParam, {Name: "from", Type: "string", Description: "Start (RFC 3339 or a date), instead of period."},
				{Name: "to", Type: "string", Description: "End, exclusive."}},
			Data: service.UsageReport{From: period.Start, To: period.End, Days: []gateway.UsageDay{day}, Totals: totals}},
		{Method: "GET", Path: "/billing/statements", API: true, ID: "getStatement", Tag: "Billing", Scope: service.ScopeRead,
			Summary: "The caller's statement of a period: plan price, usage, included amounts, overage, total",
			Description: "The plan in effect at the end of the period is billed for the whole period. Billable messages are outbound messages " +
				"accepted and not failed; past the plan's included amount they cost the plan's overage price per 1000 (rounded up to the cent). " +
				"A statement of the current period is provisional.",
			Query: []param{periodParam, formatParam}, Data: statementAnswer, Alt: csvAlt},
		{Method: "GET", Path: "/analytics/messages", API: true, ID: "getMessageSeries", Errors: []int{http.StatusNotFound}, Bound: boundHandler, Tag: "Analytics", Scope: service.ScopeRead,
			Summary: "Messages per day or hour by direction and status, delivery rate and latency percentiles",
			Description: "Every bucket of the range is present. delivery_rate is delivered / (sent or further, or failed). Latency percentiles are " +
				"of delivered_at - sent_at, at the histogram's resolution: 10 ms below 1 s, 100 ms below 10 s, 1 s below 2 min, 10 s below 1 h, 1 min beyond. " +
				"Ranges: at most 400 days by day, 92 days by hour.",
			Query: []param{{Name: "from", Type: "string", Description: "Start (default 30 days ago), rounded down to the interval."},
				{Name: "to", Type: "string", Description: "End (default now), rounded up to the interval."},
				{Name: "interval", Type: "string", Enum: []string{"day", "hour"}, Description: "Bucket size (default day)."},
				{Name: "session_id", Type: "string", Description: "Only this session's messages."}},
			Data: series},

		// Account mail
		{Method: "POST", Path: "/auth/verify-email/request", API: true, ID: "requestEmailVerification", Errors: []int{http.StatusConflict}, Tag: "Accounts",
			Summary: "Mail the caller a new verification link", Description: "feature_disabled unless ENABLE_EMAIL_VERIFICATION is on. At most 5 an hour.",
			Status: 202, Data: sentData{true}},
		{Method: "POST", Path: "/auth/verify-email", API: true, ID: "verifyEmail", Tag: "Accounts", Public: true,
			Summary: "Verify an email address with the mailed token", Body: tokenRequest{}, Example: tokenRequest{Token: "mailed-token"},
			Data: verifiedData{true, exampleUser}},
		{Method: "GET", Path: "/auth/verify-email", API: true, ID: "verifyEmailLink", Tag: "Accounts", Public: true,
			Summary: "The mailed verification link", Query: []param{{Name: "token", Type: "string", Description: "The mailed token."}},
			Data: verifiedData{true, exampleUser}},
		{Method: "POST", Path: "/auth/password/forgot", API: true, ID: "forgotPassword", Tag: "Accounts", Public: true,
			Summary: "Mail a password reset token", Description: "The same answer whether the address has an account or not. " +
				"feature_disabled when SMTP is not configured.",
			Body: forgotRequest{}, Example: forgotRequest{Email: "user@example.com"}, Status: 202,
			Data: forgotData{"If an account has this address, a reset mail is on its way."}},
		{Method: "POST", Path: "/auth/password/change", API: true, ID: "changePassword", Tag: "Accounts", TokenOnly: true,
			Summary: "Change the password; every earlier token is revoked and a new one answered",
			Description: "With a bearer token (an API key answers 403). Every token issued before, the caller's included, answers " +
				"401 from now on, on every gateway: use the token in the answer. A wrong current password answers 422 naming " +
				"current_password and counts as a failed login; a new password that is too short, too long or among the most " +
				"common ones answers 422 naming new_password.",
			Body: changePasswordRequest{}, Example: changePasswordRequest{CurrentPassword: "the-current-password", NewPassword: "a-new-long-password"},
			Data: authResponse{User: &exampleUser, Token: "eyJhbGciOiJIUzI1NiIsImtpZCI6IjEifQ.e30.sig", ExpiresAt: exampleExpiry}},
		{Method: "POST", Path: "/auth/password/reset", API: true, ID: "resetPassword", Tag: "Accounts", Public: true,
			Summary: "Choose a new password with the mailed token (once, within an hour)",
			Description: "Every token issued before the reset is revoked (401 from now on, on every gateway): log in with the new " +
				"password. A password of fewer than 8 characters, over 72 bytes or among the most common ones answers 422 naming password.",
			Body:    resetRequest{},
			Example: resetRequest{Token: "mailed-token", Password: "a-new-long-password"}, Data: resetData{true}},

		// Admin
		{Method: "GET", Path: "/admin/tenants", API: true, ID: "adminListTenants", Tag: "Admin", Summary: "List and search tenants with usage",
			Description: adminNote, Query: withPage(param{Name: "q", Type: "string", Description: "Substring of the email or the name, or the tenant's id."},
				param{Name: "status", Type: "string", Enum: []string{"active", "suspended"}, Description: "Only tenants in this state."}),
			Data: tenantList{[]*service.TenantView{{User: &exampleUser, Plan: &examplePlan, Usage: exampleUsage}}, examplePage}},
		{Method: "GET", Path: "/admin/tenants/{user_id}", API: true, ID: "adminGetTenant", Tag: "Admin",
			Summary: "One tenant with subscription, plan history and usage", Description: adminNote, Data: tenantAnswer},
		{Method: "GET", Path: "/admin/tenants/{user_id}/statements", API: true, ID: "adminTenantStatement", Tag: "Admin",
			Summary: "A tenant's statement of a period", Description: adminNote, Query: []param{periodParam, formatParam},
			Data: statementAnswer, Alt: csvAlt},
		{Method: "PATCH", Path: "/admin/tenants/{user_id}/plan", API: true, ID: "adminChangePlan", Tag: "Admin",
			Summary: "Move a tenant to another plan, at once", Description: adminNote + "Recorded in the tenant's plan history and the audit log.",
			Body: changePlanRequest{}, Example: changePlanRequest{PlanID: "starter", Reason: "upgrade"}, Data: tenantAnswer},
		{Method: "POST", Path: "/admin/tenants/{user_id}/suspend", API: true, ID: "adminSuspendTenant", Errors: []int{http.StatusConflict}, Tag: "Admin",
			Summary: "Suspend a tenant: its calls answer account_suspended and its instances stop",
			Description: adminNote + "Every token the tenant was issued before is revoked: after a resume it answers 401 and the tenant " +
				"logs in again. API keys work again after a resume.",
			Body: suspendRequest{}, Example: suspendRequest{Reason: "abuse report"}, Data: tenantAnswer},
		{Method: "POST", Path: "/admin/tenants/{user_id}/resume", API: true, ID: "adminResumeTenant", Tag: "Admin",
			Summary: "Lift a suspension and start again the instances it stopped", Description: adminNote + "The body is optional.",
			Body: resumeRequest{}, Example: resumeRequest{Reason: "paid the invoice"}, Data: tenantAnswer},
		{Method: "GET", Path: "/admin/sessions", API: true, ID: "adminSearchSessions", Tag: "Admin",
			Summary: "Find any tenant's sessions by phone number or id", Description: adminNote +
				"q is required: a phone number or part of one, written any way (only its digits count), or a session's id.",
			Query: withPage(param{Name: "q", Type: "string", Description: "A phone number, or part of one, or a session id."}),
			Data:  adminSessionList{[]*service.SessionView{{Session: &exampleSessionData, Tenant: &exampleUser}}, examplePage}},
		{Method: "GET", Path: "/admin/stats", API: true, ID: "adminStats", Tag: "Admin", Summary: "The installation's numbers",
			Description: adminNote, Data: statsData{gateway.GlobalStats{Users: map[string]int{"active": 41, "suspended": 1}, UsersByPlan: map[string]int{"free": 30, "starter": 12},
				Sessions: 57, SessionsByStatus: map[string]int{"connected": 40, "qr_pending": 2, "stopped": 10, "created": 5}, LiveInstances: 40, MessagesToday: gateway.MessageCounts{Sent: 900, Delivered: 850, Total: 1500},
				MessagesMonth: gateway.MessageCounts{Sent: 20000, Delivered: 19000, Total: 31000}, MessagesAll: 250000, Webhooks: 30, WebhooksFailing: 2,
				ActiveAPIKeys: 25, RegisteredLast: 8, ComputedAt: exampleTime}}},
		{Method: "GET", Path: "/admin/audit", API: true, ID: "adminAudit", Tag: "Admin", Summary: "The audit log of admin actions, newest first",
			Description: adminNote, Query: withPage(param{Name: "actor_id", Type: "string", Description: "Only this admin's actions."},
				param{Name: "target_id", Type: "string", Description: "Only actions on this tenant or plan."},
				param{Name: "action", Type: "string", Description: "Only this action (tenant.suspend, plan.update, …)."}),
			Data: auditList{[]*gateway.AuditEntry{{ID: "4d5e6f70-8192-4a3b-9c4d-5e6f708192a3", ActorID: change.ActorID, ActorEmail: "admin@example.com",
				Action: service.AuditSuspend, TargetType: "tenant", TargetID: exampleUserID, IP: "203.0.113.7", CreatedAt: exampleTime,
				Details: []byte(`{"reason":"abuse report","stopped_instances":[]}`)}}, examplePage}},
		{Method: "GET", Path: "/admin/plans", API: true, ID: "adminListPlans", Tag: "Admin", Summary: "Every plan", Description: adminNote,
			Data: planList{[]*gateway.Plan{&examplePlan, &starter}}},
		{Method: "POST", Path: "/admin/plans", API: true, ID: "adminCreatePlan", Errors: []int{http.StatusConflict}, Tag: "Admin", Summary: "Create a plan", Description: adminNote +
			"Limits: negative is unlimited. A plan with a message overage price lets sends past its monthly limit through (up to max_extra_messages, " +
			"negative: no cap) and bills them; without one the limit is hard.",
			Body: planRequest{}, Example: planExample, Status: 201, Data: planAnswer},
		{Method: "GET", Path: "/admin/plans/{plan_id}", API: true, ID: "adminGetPlan", Tag: "Admin", Summary: "One plan", Description: adminNote, Data: planAnswer},
		{Method: "PUT", Path: "/admin/plans/{plan_id}", API: true, ID: "adminUpdatePlan", Tag: "Admin", Summary: "Replace a plan; its tenants get it at once",
			Description: adminNote, Body: planRequest{}, Example: planExample, Data: planAnswer},
		{Method: "DELETE", Path: "/admin/plans/{plan_id}", API: true, ID: "adminDeletePlan", Errors: []int{http.StatusConflict}, Tag: "Admin", Summary: "Delete a plan no tenant is on",
			Description: adminNote + "409 while tenants are on it, and for the default plan.",
			Data:        deletedData{true, "starter"}},
	}
}
