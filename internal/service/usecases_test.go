package service

import (
	"strings"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func TestRegisterAndLogin(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	_, err := f.Register(ctx, RegisterInput{Email: "not-an-email", Password: "short", Name: " ", Phone: "12"})
	wantFields(t, err, "email", "password", "name", "phone")

	res, err := f.Register(ctx, RegisterInput{Email: "Ann@Example.com", Password: "correct horse battery", Name: "Ann"})
	must(t, err)
	if res.User.Email != "ann@example.com" || res.User.PlanID != DefaultPlanID || res.User.PasswordHash == "correct horse battery" {
		t.Fatalf("registered %+v, want a lower-cased email on the default plan with a hashed password", res.User)
	}
	claims, err := f.tokens.Verify(ctx, res.Token)
	must(t, err)
	if claims.UserID != res.User.ID {
		t.Fatalf("token of %q, want %q", claims.UserID, res.User.ID)
	}
	_, err = f.Register(ctx, RegisterInput{Email: "ann@example.com", Password: "another good one", Name: "Ann"})
	wantCode(t, err, gateway.CodeConflict)

	_, err = f.Login(ctx, "ann@example.com", "wrong password", "198.51.100.1")
	wantCode(t, err, gateway.CodeUnauthorized)
	in, err := f.Login(ctx, " ANN@example.com ", "correct horse battery", "198.51.100.1")
	must(t, err)
	if in.User.ID != res.User.ID || in.Token == "" {
		t.Fatalf("login answered %+v, want the registered user with a token", in.User)
	}

	// Registration off: refused as a disabled feature, not as invalid input.
	off := newFixture(t, func(s *Settings) { s.EnableRegistration = false })
	_, err = off.Register(ctx, RegisterInput{Email: "bob@example.com", Password: "correct horse battery", Name: "Bob"})
	wantCode(t, err, gateway.CodeFeatureDisabled)
}

func TestLoginLocksOutAfterRepeatedFailures(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.register(t, "ann@example.com")
	for range 3 {
		_, err := f.Login(ctx, "ann@example.com", "wrong password", "198.51.100.7")
		wantCode(t, err, gateway.CodeUnauthorized)
	}
	// Locked now, even with the right password, from that address.
	_, err := f.Login(ctx, "ann@example.com", "correct horse battery", "198.51.100.7")
	wantCode(t, err, gateway.CodeRateLimited)
	// Another address is not locked out by the first one's failures.
	_, err = f.Login(ctx, "ann@example.com", "correct horse battery", "203.0.113.9")
	must(t, err)
}

func TestSuspendedAccountsAreRefused(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	u := f.register(t, "ann@example.com")
	admin := f.register(t, "root@example.com")
	view, err := f.AdminSuspend(ctx, Actor{User: admin, IP: "192.0.2.1"}, u.ID, "unpaid invoices")
	must(t, err)
	if view.User.Status != gateway.UserSuspended {
		t.Fatalf("status %q after suspension", view.User.Status)
	}
	_, err = f.Login(ctx, "ann@example.com", "correct horse battery", "198.51.100.1")
	wantCode(t, err, gateway.CodeSuspended)
	_, err = f.User(ctx, u.ID)
	wantCode(t, err, gateway.CodeSuspended)
	audit, err := f.AdminAudit(ctx, gateway.AuditFilter{TargetID: u.ID})
	must(t, err)
	if len(audit.Items) != 1 || audit.Items[0].Action != AuditSuspend || audit.Items[0].ActorID != admin.ID {
		t.Fatalf("audit %+v, want one suspension by the admin", audit.Items)
	}
	_, err = f.AdminResume(ctx, Actor{User: admin}, u.ID, "paid")
	must(t, err)
	_, err = f.User(ctx, u.ID)
	must(t, err)
}

func TestSessionsAreTheTenants(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	ann, bob := f.register(t, "ann@example.com"), f.register(t, "bob@example.com")

	_, err := f.CreateSession(ctx, ann, CreateSessionInput{Name: "", Engine: "telepathy", WebhookURL: "ftp://x"})
	wantFields(t, err, "session_name", "engine", "webhook_url")

	s1, err := f.CreateSession(ctx, ann, CreateSessionInput{Name: "  shop  ", WebhookURL: "https://hooks.example.com/wa"})
	must(t, err)
	if s1.Name != "shop" || s1.Engine != gateway.EngineSandbox || s1.Status != gateway.SessionCreated {
		t.Fatalf("created %+v, want a trimmed name on the default engine", s1)
	}
	// The webhook_url became a webhook bound to the session.
	hooks, err := f.ListWebhooks(ctx, ann.ID, s1.ID, gateway.Page{})
	must(t, err)
	if len(hooks.Items) != 1 || hooks.Items[0].URL != "https://hooks.example.com/wa" || hooks.Items[0].SessionID != s1.ID {
		t.Fatalf("session webhooks %+v, want the webhook_url's", hooks.Items)
	}

	_, err = f.Session(ctx, bob.ID, s1.ID)
	wantCode(t, err, gateway.CodeNotFound)
	_, err = f.DeleteSession(ctx, bob.ID, s1.ID)
	wantCode(t, err, gateway.CodeNotFound)

	name := "till"
	up, err := f.UpdateSession(ctx, ann.ID, s1.ID, UpdateSessionInput{Name: &name})
	must(t, err)
	if up.Name != "till" {
		t.Fatalf("renamed to %q", up.Name)
	}
	list, err := f.ListSessions(ctx, ann.ID, gateway.Page{Limit: 500})
	must(t, err)
	if len(list.Items) != 1 || list.Pagination.Limit != gateway.MaxPageLimit || list.Pagination.Total != 1 || list.Pagination.Pages != 1 {
		t.Fatalf("list %d items, pagination %+v; want 1, the limit clamped", len(list.Items), list.Pagination)
	}
	if others, err := f.ListSessions(ctx, bob.ID, gateway.Page{}); err != nil || len(others.Items) != 0 {
		t.Fatalf("bob sees %d sessions (%v), want none", len(others.Items), err)
	}
	if _, err := f.DeleteSession(ctx, ann.ID, s1.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.Session(ctx, ann.ID, s1.ID)
	wantCode(t, err, gateway.CodeNotFound)
}

func TestSessionQuota(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	must(t, f.st.UpsertPlan(ctx, &gateway.Plan{ID: "tiny", Name: "Tiny", Currency: "USD",
		Limits: gateway.PlanLimits{Sessions: 1, Instances: 1, MessagesPerMonth: 10, Webhooks: 1, APIKeys: 1, RequestsPerMinute: 60}}))
	u := &gateway.User{Email: "tiny@example.com", Name: "T", PlanID: "tiny", PasswordHash: "x", Status: gateway.UserActive, Role: gateway.RoleUser}
	must(t, f.st.CreateUser(ctx, u))
	_, err := f.CreateSession(ctx, u, CreateSessionInput{Name: "one"})
	must(t, err)
	_, err = f.CreateSession(ctx, u, CreateSessionInput{Name: "two"})
	wantCode(t, err, gateway.CodeQuotaExceeded)
	if n, err := f.st.CountSessions(ctx, u.ID); err != nil || n != 1 {
		t.Fatalf("%d sessions after the refusal (%v), want 1", n, err)
	}
}

func TestAPIKeys(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	u := f.register(t, "ann@example.com")
	past := f.now.Add(-time.Hour)
	_, err := f.CreateAPIKey(ctx, u, CreateAPIKeyInput{Scopes: []string{"admin"}, SessionID: "nope", ExpiresAt: &past})
	wantFields(t, err, "scopes", "session_id", "expires_at")

	k, err := f.CreateAPIKey(ctx, u, CreateAPIKeyInput{Name: "ci", Scopes: []string{ScopeSend, ScopeRead, ScopeSend}})
	must(t, err)
	if k.Key == "" || len(k.Scopes) != 2 {
		t.Fatalf("created %+v, want the key once and the scopes without duplicates", k)
	}
	gotKey, gotUser, err := f.AuthenticateAPIKey(ctx, k.Key)
	must(t, err)
	if gotKey.ID != k.ID || gotUser.ID != u.ID {
		t.Fatalf("the key authenticates as %s of %s, want %s of %s", gotKey.ID, gotUser.ID, k.ID, u.ID)
	}
	list, err := f.ListAPIKeys(ctx, u.ID, gateway.Page{})
	must(t, err)
	if len(list.Items) != 1 || list.Items[0].Key != "" || list.Items[0].Hash == k.Key {
		t.Fatalf("listed %+v, want one key without its secret", list.Items)
	}
	must(t, f.RevokeAPIKey(ctx, u.ID, k.ID))
	_, _, err = f.AuthenticateAPIKey(ctx, k.Key)
	wantCode(t, err, gateway.CodeUnauthorized)
	wantCode(t, f.RevokeAPIKey(ctx, u.ID, "0b7f3c52-0000-4000-8000-000000000000"), gateway.CodeNotFound)

	off := newFixture(t, func(s *Settings) { s.EnableAPIKeys = false })
	_, err = off.CreateAPIKey(ctx, off.register(t, "bob@example.com"), CreateAPIKeyInput{})
	wantCode(t, err, gateway.CodeFeatureDisabled)
}

func TestWebhooks(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	ann, bob := f.register(t, "ann@example.com"), f.register(t, "bob@example.com")

	_, err := f.CreateWebhook(ctx, ann, CreateWebhookInput{URL: "not a url", Events: []string{"no.such.event"}})
	wantFields(t, err, "url", "events")

	w, err := f.CreateWebhook(ctx, ann, CreateWebhookInput{URL: "https://hooks.example.com/a", Events: []string{gateway.EventMessage}})
	must(t, err)
	if w.Secret == "" || !w.Active {
		t.Fatalf("created %+v, want an active webhook with its secret shown once", w)
	}
	_, err = f.Webhook(ctx, bob.ID, w.ID)
	wantCode(t, err, gateway.CodeNotFound)
	got, err := f.Webhook(ctx, ann.ID, w.ID)
	must(t, err)
	if got.Secret != "" {
		t.Fatalf("read back with its secret %q, want none", got.Secret)
	}

	off := false
	up, err := f.UpdateWebhook(ctx, ann.ID, w.ID, UpdateWebhookInput{Active: &off})
	must(t, err)
	if up.Active {
		t.Fatal("the webhook is still active after turning it off")
	}
	rot, err := f.RotateWebhookSecret(ctx, ann.ID, w.ID)
	must(t, err)
	if rot.Secret == "" || rot.Secret == w.Secret {
		t.Fatalf("rotated secret %q, want a new one", rot.Secret)
	}
	wantCode(t, f.DeleteWebhook(ctx, bob.ID, w.ID), gateway.CodeNotFound)
	must(t, f.DeleteWebhook(ctx, ann.ID, w.ID))
	list, err := f.ListWebhooks(ctx, ann.ID, "", gateway.Page{})
	must(t, err)
	if len(list.Items) != 0 {
		t.Fatalf("%d webhooks after delete, want 0", len(list.Items))
	}
}

func TestMeCountsUsage(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	u := f.register(t, "ann@example.com")
	_, err := f.CreateSession(ctx, u, CreateSessionInput{Name: "a"})
	must(t, err)
	_, err = f.CreateAPIKey(ctx, u, CreateAPIKeyInput{})
	must(t, err)
	me, err := f.Me(ctx, u)
	must(t, err)
	if me.Plan.ID != DefaultPlanID || me.Usage.Sessions != 1 || me.Usage.APIKeys != 1 || me.Usage.Webhooks != 0 {
		t.Fatalf("profile plan %s usage %+v, want the default plan with 1 session and 1 key", me.Plan.ID, me.Usage)
	}
}

// TestMeListsTheAccountsEngines: the profile offers the engines the server
// runs, narrowed by the plan, and they are the ones CreateSession takes.
func TestMeListsTheAccountsEngines(t *testing.T) {
	f := newFixture(t, func(s *Settings) {
		s.Engines = []string{gateway.EngineWhatsmeow, gateway.EngineSandbox}
		s.DefaultEngine = gateway.EngineWhatsmeow
	})
	ctx := t.Context()
	admin := Actor{User: f.register(t, "root@example.com")}
	u := f.register(t, "ann@example.com")
	me, err := f.Me(ctx, u)
	must(t, err)
	if got := strings.Join(me.Engines, ","); got != "sandbox,whatsmeow" || me.DefaultEngine != gateway.EngineWhatsmeow {
		t.Fatalf("got engines %q (default %q), want sandbox,whatsmeow (default whatsmeow)", got, me.DefaultEngine)
	}
	_, err = f.AdminCreatePlan(ctx, admin, &gateway.Plan{ID: "demo", Name: "Demo", Currency: "USD",
		Limits:   gateway.PlanLimits{Sessions: 3, Instances: 3, MessagesPerMonth: 100, Webhooks: 1, APIKeys: 1, RequestsPerMinute: 60},
		Features: gateway.PlanFeatures{Engines: []string{gateway.EngineSandbox}}})
	must(t, err)
	view, err := f.AdminChangePlan(ctx, admin, u.ID, "demo", "demo account")
	must(t, err)
	me, err = f.Me(ctx, view.User)
	must(t, err)
	if got := strings.Join(me.Engines, ","); got != "sandbox" {
		t.Fatalf("on a sandbox-only plan got engines %q, want sandbox", got)
	}
	_, err = f.CreateSession(ctx, view.User, CreateSessionInput{Name: "real", Engine: gateway.EngineWhatsmeow})
	wantCode(t, err, gateway.CodeForbidden)
	_, err = f.CreateSession(ctx, view.User, CreateSessionInput{Name: "demo", Engine: me.Engines[0]})
	must(t, err)
}

func TestAdminPlans(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	admin := Actor{User: f.register(t, "root@example.com"), IP: "192.0.2.1"}
	u := f.register(t, "ann@example.com")

	_, err := f.AdminCreatePlan(ctx, admin, &gateway.Plan{ID: "Bad Id", Name: "", PriceCents: -1, Currency: "dollars",
		Features: gateway.PlanFeatures{Engines: []string{"pigeon"}}})
	wantFields(t, err, "id", "name", "price_cents", "currency", "features.engines", "limits.requests_per_minute")

	pro := &gateway.Plan{ID: "pro", Name: " Pro ", PriceCents: 4900, Currency: "eur",
		Limits: gateway.PlanLimits{Sessions: 3, Instances: 3, MessagesPerMonth: 5000, Webhooks: 3, APIKeys: 3, RequestsPerMinute: 600}}
	created, err := f.AdminCreatePlan(ctx, admin, pro)
	must(t, err)
	if created.Name != "Pro" || created.Currency != "EUR" {
		t.Fatalf("created %+v, want the name trimmed and the currency upper-cased", created)
	}
	_, err = f.AdminCreatePlan(ctx, admin, &gateway.Plan{ID: "pro", Name: "Again", Limits: gateway.PlanLimits{RequestsPerMinute: 1}})
	wantCode(t, err, gateway.CodeConflict)

	_, err = f.AdminChangePlan(ctx, admin, u.ID, "no-such-plan", "")
	wantFields(t, err, "plan_id")
	view, err := f.AdminChangePlan(ctx, admin, u.ID, "pro", "upgrade by phone")
	must(t, err)
	if view.User.PlanID != "pro" {
		t.Fatalf("tenant on %q after the change, want pro", view.User.PlanID)
	}
	me, err := f.Me(ctx, view.User)
	must(t, err)
	if me.Plan.ID != "pro" || me.Plan.Limits.Sessions != 3 {
		t.Fatalf("profile plan %+v, want pro's limits", me.Plan)
	}
	audit, err := f.AdminAudit(ctx, gateway.AuditFilter{TargetID: u.ID, Action: AuditPlanChange})
	must(t, err)
	if len(audit.Items) != 1 {
		t.Fatalf("%d plan-change audit entries, want 1", len(audit.Items))
	}
}

func TestChangePassword(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	u := f.register(t, "ann@example.com")
	_, err := f.ChangePassword(ctx, u, "", "a new long password", "198.51.100.1")
	wantFields(t, err, "current_password")
	_, err = f.ChangePassword(ctx, u, "correct horse battery", "short", "198.51.100.1")
	wantFields(t, err, "new_password")
	// A wrong current password names the field (and counts as a failed login).
	_, err = f.ChangePassword(ctx, u, "not the password", "a new long password", "198.51.100.1")
	wantFields(t, err, "current_password")
	res, err := f.ChangePassword(ctx, u, "correct horse battery", "a new long password", "198.51.100.1")
	must(t, err)
	if res.Token == "" || res.User.TokenVersion <= u.TokenVersion {
		t.Fatalf("token %q, version %d after %d: want a new token and the old ones revoked", res.Token, res.User.TokenVersion, u.TokenVersion)
	}
	_, err = f.Login(ctx, "ann@example.com", "correct horse battery", "198.51.100.2")
	wantCode(t, err, gateway.CodeUnauthorized)
	_, err = f.Login(ctx, "ann@example.com", "a new long password", "198.51.100.2")
	must(t, err)
}
