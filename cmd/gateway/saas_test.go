package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/mailer/mailtest"
)

// login returns a client logged in with a password.
func login(t *testing.T, base, email, password string) *client {
	t.Helper()
	c := &client{t: t, base: base}
	var out struct {
		Token string `json:"token"`
	}
	c.do("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": password}).must(t, http.StatusOK, &out)
	c.token = out.Token
	return c
}

func (c *client) with(header, value string) *client {
	cp := *c
	cp.header = http.Header{}
	for k, v := range c.header {
		cp.header[k] = v
	}
	cp.header.Set(header, value)
	return &cp
}

func userID(t *testing.T, c *client) string {
	t.Helper()
	var me struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	c.do("GET", "/api/v1/auth/me", nil).must(t, http.StatusOK, &me)
	return me.User.ID
}

const adminEmail, adminPassword = "root@example.com", "admin-password-1"

func saasEnv(t *testing.T, extra map[string]string) map[string]string {
	env := map[string]string{"ADMIN_EMAIL": adminEmail, "ADMIN_PASSWORD": adminPassword}
	maps.Copy(env, extra)
	return testEnv(t, env)
}

type tenantData struct {
	Tenant struct {
		User struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			PlanID string `json:"plan_id"`
		} `json:"user"`
		Plan struct {
			ID string `json:"id"`
		} `json:"plan"`
		Subscription struct {
			PlanID string    `json:"plan_id"`
			Status string    `json:"status"`
			Start  time.Time `json:"current_period_start"`
			End    time.Time `json:"current_period_end"`
		} `json:"subscription"`
		History []struct {
			From string `json:"from_plan_id"`
			To   string `json:"to_plan_id"`
		} `json:"history"`
	} `json:"tenant"`
}

// tinyPlan is a plan made to hit its limits in a test.
func tinyPlan(id string, messages, rpm int) map[string]any {
	return map[string]any{"id": id, "name": "Tiny " + id, "price_cents": 500, "currency": "usd",
		"limits":   map[string]any{"sessions": 2, "instances": 1, "messages_per_month": messages, "webhooks": 1, "api_keys": 1, "requests_per_minute": rpm, "media_bytes": 1 << 20},
		"features": map[string]any{"engines": []string{"sandbox"}, "webhooks": true, "api_keys": true},
		"overage":  map[string]any{"messages_per_1000_cents": 0, "max_extra_messages": 0}}
}

func TestAdmin(t *testing.T) {
	// Sessions wait for their scan (scanAs): one that paired on its own
	// first, on a loaded machine, would refuse the scan with a 409.
	base := startGateway(t, saasEnv(t, pairAtOnce))
	admin := login(t, base, adminEmail, adminPassword)
	alice := register(t, base, "alice@example.com")
	bob := register(t, base, "bob@example.com")
	aliceID := userID(t, alice)

	t.Run("invisible to others", func(t *testing.T) {
		var key struct {
			APIKey struct{ Key string } `json:"api_key"`
		}
		admin.do("POST", "/api/v1/api-keys", map[string]any{"name": "admin key"}).must(t, 201, &key)
		for name, c := range map[string]*client{
			"anonymous":     {t: t, base: base},
			"tenant":        alice,
			"admin api key": {t: t, base: base, apiKey: key.APIKey.Key},
			"bad token":     {t: t, base: base, token: "garbage"},
		} {
			for _, path := range []string{"/api/v1/admin/tenants", "/api/v1/admin/stats", "/api/v1/admin/audit", "/api/v1/admin/sessions", "/api/v1/admin/nope"} {
				r := c.do("GET", path, nil).fails(t, http.StatusNotFound, "not_found")
				if r.Error.Message != "No route GET "+path+"." {
					t.Errorf("%s %s: got message %q, want the unknown-route sentence", name, path, r.Error.Message)
				}
			}
			c.do("POST", "/api/v1/admin/tenants/"+aliceID+"/suspend", nil).fails(t, http.StatusNotFound, "not_found")
		}
	})

	t.Run("list and search", func(t *testing.T) {
		var list struct {
			Tenants []struct {
				User struct {
					Email string `json:"email"`
				} `json:"user"`
				Usage struct {
					Sessions int `json:"sessions"`
				} `json:"usage"`
			} `json:"tenants"`
			Pagination struct {
				Total int `json:"total"`
			} `json:"pagination"`
		}
		admin.do("GET", "/api/v1/admin/tenants?q=ALICE", nil).must(t, 200, &list)
		if len(list.Tenants) != 1 || list.Tenants[0].User.Email != "alice@example.com" || list.Pagination.Total != 1 {
			t.Fatalf("search alice: %+v", list)
		}
		admin.do("GET", "/api/v1/admin/tenants", nil).must(t, 200, &list)
		if list.Pagination.Total != 3 {
			t.Fatalf("got %d tenants, want 3 (admin, alice, bob)", list.Pagination.Total)
		}
		admin.do("GET", "/api/v1/admin/tenants?status=gone", nil).fails(t, 422, "validation_failed")
	})

	t.Run("plans and plan change", func(t *testing.T) {
		admin.do("POST", "/api/v1/admin/plans", tinyPlan("tiny", 3, 1000)).must(t, 201, nil)
		admin.do("POST", "/api/v1/admin/plans", tinyPlan("tiny", 3, 1000)).fails(t, 409, "conflict")
		bad := tinyPlan("Bad Id!", 3, 1000)
		admin.do("POST", "/api/v1/admin/plans", bad).fails(t, 422, "validation_failed")
		var plans struct {
			Plans []struct{ ID string } `json:"plans"`
		}
		alice.do("GET", "/api/v1/plans", nil).must(t, 200, &plans)
		found := false
		for _, p := range plans.Plans {
			found = found || p.ID == "tiny"
		}
		if !found {
			t.Fatalf("tenants do not see the new plan: %+v", plans)
		}
		admin.do("PATCH", "/api/v1/admin/tenants/"+aliceID+"/plan", map[string]any{"plan_id": "gold"}).fails(t, 422, "validation_failed")
		var td tenantData
		admin.do("PATCH", "/api/v1/admin/tenants/"+aliceID+"/plan", map[string]any{"plan_id": "tiny", "reason": "trial"}).must(t, 200, &td)
		if td.Tenant.User.PlanID != "tiny" || td.Tenant.Subscription.PlanID != "tiny" || len(td.Tenant.History) != 1 ||
			td.Tenant.History[0].From != "free" || td.Tenant.History[0].To != "tiny" {
			t.Fatalf("after plan change: %+v", td.Tenant)
		}
		// It applies at once: alice's profile shows the plan.
		var me struct {
			Plan struct{ ID string } `json:"plan"`
		}
		alice.do("GET", "/api/v1/auth/me", nil).must(t, 200, &me)
		if me.Plan.ID != "tiny" {
			t.Fatalf("got alice's plan %q right after the change, want tiny", me.Plan.ID)
		}
		var sub struct {
			Subscription struct {
				PlanID string    `json:"plan_id"`
				Start  time.Time `json:"current_period_start"`
				End    time.Time `json:"current_period_end"`
			} `json:"subscription"`
			History []map[string]any `json:"history"`
		}
		alice.do("GET", "/api/v1/billing/subscription", nil).must(t, 200, &sub)
		now := time.Now().UTC()
		if sub.Subscription.PlanID != "tiny" || sub.Subscription.Start.After(now) || !sub.Subscription.End.After(now) || len(sub.History) != 1 {
			t.Fatalf("alice's subscription: %+v", sub)
		}
		// A plan in use cannot be deleted; an unused one can.
		admin.do("DELETE", "/api/v1/admin/plans/tiny", nil).fails(t, 409, "conflict")
		admin.do("DELETE", "/api/v1/admin/plans/free", nil).fails(t, 409, "conflict")
		admin.do("POST", "/api/v1/admin/plans", tinyPlan("spare", 3, 1000)).must(t, 201, nil)
		upd := tinyPlan("spare", 5, 1000)
		admin.do("PUT", "/api/v1/admin/plans/spare", upd).must(t, 200, nil)
		admin.do("DELETE", "/api/v1/admin/plans/spare", nil).must(t, 200, nil)
		admin.do("GET", "/api/v1/admin/plans/spare", nil).fails(t, 404, "not_found")
	})

	t.Run("suspend and resume", func(t *testing.T) {
		sess := newSession(t, bob, "bob-main")
		inst := startInstance(t, bob, sess.ID)
		bobID := userID(t, bob)
		// Warm the user cache, so the suspension must clear it.
		bob.do("GET", "/api/v1/sessions", nil).must(t, 200, nil)
		var td tenantData
		admin.do("POST", "/api/v1/admin/tenants/"+bobID+"/suspend", map[string]any{"reason": "abuse report"}).must(t, 200, &td)
		if td.Tenant.User.Status != "suspended" || td.Tenant.Subscription.Status != "suspended" {
			t.Fatalf("after suspend: %+v", td.Tenant)
		}
		r := bob.do("GET", "/api/v1/sessions", nil).fails(t, http.StatusForbidden, "account_suspended")
		if !strings.Contains(r.Error.Message, "suspended") {
			t.Fatalf("got message %q, want it to say suspended", r.Error.Message)
		}
		bob.do("POST", "/api/v1/messages/send", map[string]any{"session_id": sess.ID, "recipient": "1234567890", "message": "x"}).
			fails(t, http.StatusForbidden, "account_suspended")
		(&client{t: t, base: base}).do("POST", "/api/v1/auth/login", map[string]any{"email": "bob@example.com", "password": "battery-staple-42"}).
			fails(t, http.StatusForbidden, "account_suspended")
		var it struct {
			Tenant struct {
				Usage struct {
					Instances int `json:"instances"`
				} `json:"usage"`
			} `json:"tenant"`
		}
		admin.do("GET", "/api/v1/admin/tenants/"+bobID, nil).must(t, 200, &it)
		if it.Tenant.Usage.Instances != 0 {
			t.Fatalf("suspended tenant still has %d running instances", it.Tenant.Usage.Instances)
		}

		admin.do("POST", "/api/v1/admin/tenants/"+bobID+"/resume", nil).must(t, 200, &td)
		if td.Tenant.User.Status != "active" {
			t.Fatalf("after resume: %+v", td.Tenant)
		}
		// The suspension revoked the tokens issued before it: bob logs in again.
		revoked(t, bob, base)
		bob = login(t, base, "bob@example.com", "battery-staple-42")
		var got struct {
			Instance instanceView `json:"instance"`
		}
		bob.do("GET", "/api/v1/instances/"+inst.ID, nil).must(t, 200, &got)
		if got.Instance.Status != "running" {
			t.Fatalf("got instance %s after resume, want running again", got.Instance.Status)
		}
		admin.do("POST", "/api/v1/admin/tenants/"+userID(t, admin)+"/suspend", nil).fails(t, 409, "conflict")
	})

	t.Run("audit and stats", func(t *testing.T) {
		var audit struct {
			Entries []struct {
				Action     string `json:"action"`
				ActorEmail string `json:"actor_email"`
				TargetID   string `json:"target_id"`
			} `json:"entries"`
		}
		admin.do("GET", "/api/v1/admin/audit?limit=100", nil).must(t, 200, &audit)
		var actions []string
		for _, e := range audit.Entries {
			if e.ActorEmail != adminEmail {
				t.Errorf("entry %s by %q, want the admin", e.Action, e.ActorEmail)
			}
			actions = append(actions, e.Action)
		}
		want := "tenant.resume,tenant.suspend,plan.delete,plan.update,plan.create,tenant.plan_change,plan.create"
		if strings.Join(actions, ",") != want {
			t.Fatalf("got audit actions %v, want %s", actions, want)
		}
		admin.do("GET", "/api/v1/admin/audit?target_id="+aliceID, nil).must(t, 200, &audit)
		if len(audit.Entries) != 1 || audit.Entries[0].Action != "tenant.plan_change" {
			t.Fatalf("alice's audit: %+v", audit.Entries)
		}
		var stats struct {
			Stats struct {
				Users       map[string]int `json:"users_by_status"`
				UsersByPlan map[string]int `json:"users_by_plan"`
				Sessions    int            `json:"sessions"`
			} `json:"stats"`
		}
		admin.do("GET", "/api/v1/admin/stats", nil).must(t, 200, &stats)
		if stats.Stats.Users["active"] != 3 || stats.Stats.UsersByPlan["tiny"] != 1 || stats.Stats.Sessions != 1 {
			t.Fatalf("stats: %+v", stats.Stats)
		}
	})

	// The admin pages' search: any tenant's session by (part of) its phone
	// number or its id, a tenant by id; the stats count sessions by state.
	t.Run("search sessions and tenants", func(t *testing.T) {
		type statsView struct {
			Stats struct {
				SessionsByStatus map[string]int `json:"sessions_by_status"`
				WebhooksFailing  int            `json:"webhooks_failing"`
			} `json:"stats"`
		}
		var before, after statsView
		admin.do("GET", "/api/v1/admin/stats", nil).must(t, 200, &before)
		paired := scanAs(t, bob, "bob-shop", "15550107001")
		type found struct {
			Sessions []struct {
				Session struct {
					ID    string `json:"id"`
					Phone string `json:"phone"`
				} `json:"session"`
				Tenant struct {
					Email string `json:"email"`
				} `json:"tenant"`
			} `json:"sessions"`
			Pagination struct {
				Total int `json:"total"`
			} `json:"pagination"`
		}
		for _, q := range []string{"0107", "+1 (555) 010-7001", paired.ID} {
			var got found
			admin.do("GET", "/api/v1/admin/sessions?q="+url.QueryEscape(q), nil).must(t, 200, &got)
			if len(got.Sessions) != 1 || got.Sessions[0].Session.ID != paired.ID || got.Sessions[0].Tenant.Email != "bob@example.com" ||
				got.Pagination.Total != 1 {
				t.Errorf("search %q: got %+v, want bob's paired session with bob as its tenant", q, got)
			}
		}
		var none found
		admin.do("GET", "/api/v1/admin/sessions?q=999999", nil).must(t, 200, &none)
		if len(none.Sessions) != 0 || none.Pagination.Total != 0 {
			t.Errorf("search 999999: got %+v, want nothing", none)
		}
		r := admin.do("GET", "/api/v1/admin/sessions", nil).fails(t, 422, "validation_failed")
		if r.Error.Fields["q"] == "" {
			t.Errorf("a search without q: got fields %v, want q named", r.Error.Fields)
		}
		var list struct {
			Tenants []struct {
				User struct {
					Email string `json:"email"`
				} `json:"user"`
			} `json:"tenants"`
		}
		admin.do("GET", "/api/v1/admin/tenants?q="+aliceID, nil).must(t, 200, &list)
		if len(list.Tenants) != 1 || list.Tenants[0].User.Email != "alice@example.com" {
			t.Errorf("search by alice's id: got %+v", list.Tenants)
		}
		admin.do("GET", "/api/v1/admin/stats", nil).must(t, 200, &after)
		// Another tenant's session may pair meanwhile (the sandbox pairs by
		// itself): count all states, and bob's among the connected.
		sum := func(m map[string]int) (n int) {
			for _, v := range m {
				n += v
			}
			return n
		}
		if sum(after.Stats.SessionsByStatus) != sum(before.Stats.SessionsByStatus)+1 || after.Stats.SessionsByStatus["connected"] < 1 ||
			after.Stats.WebhooksFailing != 0 {
			t.Errorf("stats: got %+v after %+v, want one more session (bob's, connected) and no webhook failing", after.Stats, before.Stats)
		}
	})
}

func TestQuotasAndBilling(t *testing.T) {
	base := startGateway(t, saasEnv(t, nil))
	admin := login(t, base, adminEmail, adminPassword)
	c := register(t, base, "quota-msg@example.com")
	id := userID(t, c)
	admin.do("POST", "/api/v1/admin/plans", tinyPlan("ten", 10, 100000)).must(t, 201, nil)
	admin.do("PATCH", "/api/v1/admin/tenants/"+id+"/plan", map[string]any{"plan_id": "ten"}).must(t, 200, nil)
	sess := newSession(t, c, "q")
	startInstance(t, c, sess.ID)

	// The plan's other limits: one instance, two sessions, one webhook, one key.
	s2 := newSession(t, c, "q2")
	r := c.do("POST", "/api/v1/instances", map[string]any{"session_id": s2.ID}).fails(t, 429, "quota_exceeded")
	if !strings.Contains(r.Error.Message, "Tiny ten") {
		t.Errorf("instance quota message %q does not name the plan", r.Error.Message)
	}
	c.do("POST", "/api/v1/sessions", map[string]any{"session_name": "q3"}).fails(t, 429, "quota_exceeded")
	c.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://example.com/h", "events": []string{"message"}}).must(t, 201, nil)
	c.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://example.com/h2", "events": []string{"message"}}).fails(t, 429, "quota_exceeded")
	c.do("POST", "/api/v1/api-keys", map[string]any{"name": "k"}).must(t, 201, nil)
	c.do("POST", "/api/v1/api-keys", map[string]any{"name": "k2"}).fails(t, 429, "quota_exceeded")

	// 50 parallel sends with 10 left: exactly 10 go through.
	const senders = 50
	var (
		accepted, other int
		quotaMsg        string
	)
	for _, r := range atOnce(senders, func(i int) *reply {
		return c.do("POST", "/api/v1/messages/send", map[string]any{"session_id": sess.ID, "recipient": "1234567890", "message": fmt.Sprint("m", i)})
	}) {
		switch {
		case r.Status == 201:
			accepted++
		case r.Status == 429 && r.Error.Code == "quota_exceeded":
			quotaMsg = r.Error.Message
		default:
			other++
		}
	}
	if accepted != 10 || other != 0 {
		t.Fatalf("got %d accepted and %d unexpected answers, want 10 and 0", accepted, other)
	}
	for _, want := range []string{"10", "Tiny ten", "month"} {
		if !strings.Contains(quotaMsg, want) {
			t.Errorf("quota message %q does not name %q", quotaMsg, want)
		}
	}
	var list struct {
		Pagination struct{ Total int } `json:"pagination"`
	}
	c.do("GET", "/api/v1/messages?direction=outbound", nil).must(t, 200, &list)
	if list.Pagination.Total != 10 {
		t.Fatalf("got %d stored messages, want 10", list.Pagination.Total)
	}

	// Usage thresholds (80 % and 100 %) were announced once each.
	// Parallel sends commit in any order, so the events may too.
	thresholds := streamEvents(t, c, "usage.threshold", 2)
	sort.Strings(thresholds)
	if strings.Join(thresholds, ",") != "100,80" {
		t.Fatalf("got thresholds %v, want 80 and 100", thresholds)
	}

	// The statement reconciles with the stored messages, as JSON and CSV.
	period := time.Now().UTC().Format("2006-01")
	var st struct {
		Statement struct {
			Usage struct {
				Accepted int64 `json:"messages_accepted"`
				Billable int64 `json:"billable_messages"`
			} `json:"usage"`
			Lines []struct {
				Item        string `json:"item"`
				Quantity    int64  `json:"quantity"`
				Included    int64  `json:"included"`
				AmountCents int64  `json:"amount_cents"`
			} `json:"lines"`
			TotalCents int64               `json:"total_cents"`
			Currency   string              `json:"currency"`
			Plan       struct{ ID string } `json:"plan"`
		} `json:"statement"`
	}
	c.do("GET", "/api/v1/billing/statements?period="+period, nil).must(t, 200, &st)
	if st.Statement.Usage.Accepted != 10 || st.Statement.Plan.ID != "ten" || st.Statement.TotalCents != 500 || st.Statement.Currency != "USD" {
		t.Fatalf("statement: %+v", st.Statement)
	}
	if len(st.Statement.Lines) != 2 || st.Statement.Lines[1].Item != "messages" || st.Statement.Lines[1].Included != 10 {
		t.Fatalf("statement lines: %+v", st.Statement.Lines)
	}
	for _, r := range []*reply{
		c.do("GET", "/api/v1/billing/statements?format=csv&period="+period, nil),
		c.with("Accept", "text/csv").do("GET", "/api/v1/billing/statements?period="+period, nil),
	} {
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("csv: status %d type %q", r.Status, r.Header.Get("Content-Type"))
		}
		rows, err := csv.NewReader(strings.NewReader(string(r.Raw))).ReadAll()
		if err != nil || len(rows) != 4 || rows[3][1] != "total" || rows[3][8] != "500" {
			t.Fatalf("csv rows %v (err %v), want header, plan, messages, total 500", rows, err)
		}
		if q, _ := strconv.Atoi(rows[2][3]); int64(q) != st.Statement.Lines[1].Quantity {
			t.Fatalf("csv messages quantity %s, want %d", rows[2][3], st.Statement.Lines[1].Quantity)
		}
	}
	c.do("GET", "/api/v1/billing/statements?period=2026-13", nil).fails(t, 400, "invalid_request")
	c.do("GET", "/api/v1/billing/statements?period=2999-01", nil).fails(t, 400, "invalid_request")

	var usage struct {
		Days []struct {
			Accepted int64 `json:"messages_accepted"`
		} `json:"days"`
		Totals struct {
			Accepted int64 `json:"messages_accepted"`
		} `json:"totals"`
	}
	c.do("GET", "/api/v1/billing/usage", nil).must(t, 200, &usage)
	if usage.Totals.Accepted != 10 || len(usage.Days) != 1 {
		t.Fatalf("usage: %+v", usage)
	}

	// An upgrade applies at once: the next send goes through.
	admin.do("PATCH", "/api/v1/admin/tenants/"+id+"/plan", map[string]any{"plan_id": "starter"}).fails(t, 422, "validation_failed") // not seeded here
	admin.do("POST", "/api/v1/admin/plans", tinyPlan("twenty", 20, 100000)).must(t, 201, nil)
	admin.do("PATCH", "/api/v1/admin/tenants/"+id+"/plan", map[string]any{"plan_id": "twenty"}).must(t, 200, nil)
	c.do("POST", "/api/v1/messages/send", map[string]any{"session_id": sess.ID, "recipient": "1234567890", "message": "after upgrade"}).must(t, 201, nil)

	// Another tenant sees only its own (empty) usage and statements, and no admin view.
	other2 := register(t, base, "other@example.com")
	var ost struct {
		Statement struct {
			Usage struct {
				Accepted int64 `json:"messages_accepted"`
			} `json:"usage"`
		} `json:"statement"`
	}
	other2.do("GET", "/api/v1/billing/statements?period="+period, nil).must(t, 200, &ost)
	if ost.Statement.Usage.Accepted != 0 {
		t.Fatalf("another tenant's statement counts %d messages", ost.Statement.Usage.Accepted)
	}
	other2.do("GET", "/api/v1/admin/tenants/"+id+"/statements", nil).fails(t, 404, "not_found")
	other2.do("GET", "/api/v1/billing/statements?user_id="+id, nil).must(t, 200, &ost)
	if ost.Statement.Usage.Accepted != 0 {
		t.Fatal("a user_id parameter reached another tenant's statement")
	}

	// Analytics over the same messages.
	var series struct {
		Points []struct {
			Total int64 `json:"total"`
		} `json:"points"`
		Outbound int64 `json:"outbound"`
	}
	c.do("GET", "/api/v1/analytics/messages?interval=hour&from="+time.Now().UTC().Add(-2*time.Hour).Format(time.RFC3339), nil).must(t, 200, &series)
	if series.Outbound != 11 || len(series.Points) < 2 {
		t.Fatalf("series: outbound %d over %d points, want 11", series.Outbound, len(series.Points))
	}
	c.do("GET", "/api/v1/analytics/messages?interval=minute", nil).fails(t, 422, "validation_failed")
	other2.do("GET", "/api/v1/analytics/messages?session_id="+sess.ID, nil).fails(t, 404, "not_found")
}

func TestPlanRateLimit(t *testing.T) {
	base := startGateway(t, saasEnv(t, nil))
	admin := login(t, base, adminEmail, adminPassword)
	c := register(t, base, "slow@example.com")
	admin.do("POST", "/api/v1/admin/plans", tinyPlan("slow", 10, 3)).must(t, 201, nil)
	admin.do("PATCH", "/api/v1/admin/tenants/"+userID(t, c)+"/plan", map[string]any{"plan_id": "slow"}).must(t, 200, nil)
	// Requests of the last minute count, whatever the plan was: within
	// three more requests the plan's limit answers 429.
	var r *reply
	for i := 0; i < 4; i++ {
		r = c.do("GET", "/api/v1/sessions", nil)
		if r.Status == http.StatusTooManyRequests {
			break
		}
		r.must(t, 200, nil)
		if r.Header.Get("RateLimit-Limit") != "3" {
			t.Fatalf("got RateLimit-Limit %q, want the plan's 3", r.Header.Get("RateLimit-Limit"))
		}
	}
	r.fails(t, http.StatusTooManyRequests, "rate_limited")
	if r.Header.Get("RateLimit-Remaining") != "0" {
		t.Fatalf("got RateLimit-Remaining %q on a 429, want 0", r.Header.Get("RateLimit-Remaining"))
	}
	if s, _ := strconv.Atoi(r.Header.Get("Retry-After")); s < 1 || s > 60 {
		t.Fatalf("got Retry-After %q, want 1 to 60 seconds", r.Header.Get("Retry-After"))
	}
	// Other tenants on the default plan are not slowed.
	other := register(t, base, "fast@example.com")
	for i := 0; i < 5; i++ {
		other.do("GET", "/api/v1/sessions", nil).must(t, 200, nil)
	}
}

func TestIdempotency(t *testing.T) {
	base := startGateway(t, testEnv(t, nil))
	c := register(t, base, "idem@example.com")
	sess := newSession(t, c, "idem")
	startInstance(t, c, sess.ID)
	body := map[string]any{"session_id": sess.ID, "recipient": "1234567890", "message": "once"}
	type sent struct {
		Message struct{ ID string } `json:"message"`
	}
	var first, again sent
	k := c.with("Idempotency-Key", "order-1")
	r1 := k.do("POST", "/api/v1/messages/send", body).must(t, 201, &first)
	r2 := k.do("POST", "/api/v1/messages/send", body).must(t, 201, &again)
	if first.Message.ID == "" || again.Message.ID != first.Message.ID {
		t.Fatalf("got message %q then %q, want the same", first.Message.ID, again.Message.ID)
	}
	if r1.Header.Get("Idempotent-Replayed") != "" || r2.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay header: first %q, retry %q", r1.Header.Get("Idempotent-Replayed"), r2.Header.Get("Idempotent-Replayed"))
	}
	// Whitespace does not make another request.
	k.do("POST", "/api/v1/messages/send", `{"session_id": "`+sess.ID+`", "recipient": "1234567890",   "message": "once"}`).must(t, 201, &again)
	if again.Message.ID != first.Message.ID {
		t.Fatal("the same body with other whitespace was sent again")
	}
	r := k.do("POST", "/api/v1/messages/send", map[string]any{"session_id": sess.ID, "recipient": "1234567890", "message": "other"}).
		fails(t, http.StatusUnprocessableEntity, "validation_failed")
	if !strings.Contains(r.Error.Message, "Idempotency-Key") {
		t.Fatalf("got message %q, want it to name the Idempotency-Key", r.Error.Message)
	}
	// The key is the tenant's: another tenant's same key is its own.
	other := register(t, base, "idem2@example.com")
	other.with("Idempotency-Key", "order-1").do("POST", "/api/v1/sessions", map[string]any{"session_name": "x"}).must(t, 201, nil)

	// Concurrent duplicates: one send.
	k2 := c.with("Idempotency-Key", "order-2")
	if n := distinctMessages(t, atOnce(10, func(int) *reply {
		return k2.do("POST", "/api/v1/messages/send", map[string]any{"session_id": sess.ID, "recipient": "1234567890", "message": "burst"})
	})); n != 1 {
		t.Fatalf("concurrent duplicates made %d messages, want 1", n)
	}
	var list struct {
		Pagination struct{ Total int } `json:"pagination"`
	}
	c.do("GET", "/api/v1/messages?direction=outbound", nil).must(t, 200, &list)
	if list.Pagination.Total != 2 {
		t.Fatalf("got %d stored messages, want 2", list.Pagination.Total)
	}
	// An error answer is not kept: the same key works once the cause is fixed.
	k3 := c.with("Idempotency-Key", "create-1")
	k3.do("POST", "/api/v1/sessions", map[string]any{"session_name": ""}).fails(t, 422, "validation_failed")
	k3.do("POST", "/api/v1/sessions", map[string]any{"session_name": ""}).fails(t, 422, "validation_failed")
	c.with("Idempotency-Key", strings.Repeat("x", 300)).do("POST", "/api/v1/sessions", map[string]any{"session_name": "y"}).fails(t, 400, "invalid_request")
	// Creates replay too.
	var s1, s2 struct {
		Session struct{ ID string } `json:"session"`
	}
	k4 := c.with("Idempotency-Key", "create-2")
	k4.do("POST", "/api/v1/sessions", map[string]any{"session_name": "twice"}).must(t, 201, &s1)
	k4.do("POST", "/api/v1/sessions", map[string]any{"session_name": "twice"}).must(t, 201, &s2)
	if s1.Session.ID != s2.Session.ID {
		t.Fatal("a retried create made a second session")
	}
}

func TestFeatureFlagsAndMail(t *testing.T) {
	smtp := mailtest.Start(t)
	base := startGateway(t, testEnv(t, map[string]string{
		"ENABLE_EMAIL_VERIFICATION": "true", "SMTP_HOST": smtp.Host(), "SMTP_PORT": strconv.Itoa(smtp.Port()),
		"SMTP_FROM": "Gateway <no-reply@example.com>", "PUBLIC_URL": "https://gw.example.com",
	}))
	c := register(t, base, "mail@example.com")
	m := smtp.Wait(t, 10*time.Second)
	if len(m.To) != 1 || m.To[0] != "mail@example.com" || !strings.Contains(m.Body, "https://gw.example.com/api/v1/auth/verify-email?token=") {
		t.Fatalf("verification mail: to %v body %q", m.To, m.Body)
	}
	token := tokenIn(t, m.Body)
	sess := newSession(t, c, "mail")
	startInstance(t, c, sess.ID)
	send := map[string]any{"session_id": sess.ID, "recipient": "1234567890", "message": "hi"}
	r := c.do("POST", "/api/v1/messages/send", send).fails(t, 403, "forbidden")
	if !strings.Contains(r.Error.Message, "Verify your email") {
		t.Fatalf("got %q, want a sentence asking to verify", r.Error.Message)
	}
	anon := &client{t: t, base: base}
	anon.do("POST", "/api/v1/auth/verify-email", map[string]any{"token": "wrong"}).fails(t, 400, "invalid_request")
	anon.do("GET", "/api/v1/auth/verify-email?token="+token, nil).must(t, 200, nil)
	anon.do("POST", "/api/v1/auth/verify-email", map[string]any{"token": token}).fails(t, 400, "invalid_request") // once
	c.do("POST", "/api/v1/messages/send", send).must(t, 201, nil)
	c.do("POST", "/api/v1/auth/verify-email/request", nil).fails(t, 409, "conflict")

	// Password reset: the same answer for unknown addresses, a mail for known ones.
	anon.do("POST", "/api/v1/auth/password/forgot", map[string]any{"email": "nobody@example.com"}).must(t, 202, nil)
	anon.do("POST", "/api/v1/auth/password/forgot", map[string]any{"email": "mail@example.com"}).must(t, 202, nil)
	m = smtp.Wait(t, 10*time.Second)
	if m.To[0] != "mail@example.com" || !strings.Contains(m.Subject, "Reset") {
		t.Fatalf("reset mail: %+v", m)
	}
	if n := len(smtp.Mails()); n != 2 {
		t.Fatalf("got %d mails, want 2 (none for the unknown address)", n)
	}
	reset := tokenIn(t, m.Body)
	anon.do("POST", "/api/v1/auth/password/reset", map[string]any{"token": reset, "password": "short"}).fails(t, 422, "validation_failed")
	anon.do("POST", "/api/v1/auth/password/reset", map[string]any{"token": reset, "password": "a-new-password"}).must(t, 200, nil)
	anon.do("POST", "/api/v1/auth/password/reset", map[string]any{"token": reset, "password": "another-password"}).fails(t, 400, "invalid_request")
	login(t, base, "mail@example.com", "a-new-password")
	anon.do("POST", "/api/v1/auth/login", map[string]any{"email": "mail@example.com", "password": "battery-staple-42"}).fails(t, 401, "unauthorized")

	t.Run("flags off", func(t *testing.T) {
		base := startGateway(t, testEnv(t, map[string]string{
			"ENABLE_REGISTRATION": "false", "ENABLE_API_KEYS": "false", "ENABLE_EMAIL_VERIFICATION": "false",
			"ADMIN_EMAIL": adminEmail, "ADMIN_PASSWORD": adminPassword,
		}))
		anon := &client{t: t, base: base}
		anon.do("POST", "/api/v1/auth/register", map[string]any{"email": "x@example.com", "password": "battery-staple-42", "name": "X"}).fails(t, 403, "feature_disabled")
		anon.do("POST", "/api/v1/auth/verify-email", map[string]any{"token": "t"}).fails(t, 403, "feature_disabled")
		anon.do("POST", "/api/v1/auth/password/forgot", map[string]any{"email": "x@example.com"}).fails(t, 403, "feature_disabled")
		admin := login(t, base, adminEmail, adminPassword)
		admin.do("POST", "/api/v1/api-keys", map[string]any{"name": "k"}).fails(t, 403, "feature_disabled")
		admin.do("GET", "/api/v1/api-keys", nil).fails(t, 403, "feature_disabled")
		admin.do("POST", "/api/v1/auth/verify-email/request", nil).fails(t, 403, "feature_disabled")
		(&client{t: t, base: base, apiKey: "wsa_" + strings.Repeat("a", 40)}).do("GET", "/api/v1/sessions", nil).fails(t, 401, "unauthorized")
	})
}

// tokenIn finds the token line of a mail: the line after a blank line that
// is one long URL-safe word.
func tokenIn(t *testing.T, body string) string {
	t.Helper()
	for _, l := range strings.Split(body, "\n") {
		l = strings.TrimSpace(l)
		if len(l) == 43 && !strings.ContainsAny(l, " :/?") {
			return l
		}
	}
	t.Fatalf("no token in %q", body)
	return ""
}

func TestAbuse(t *testing.T) {
	base := startGateway(t, testEnv(t, nil))
	c := register(t, base, "abuser@example.com")
	anon := &client{t: t, base: base}

	// Mass assignment: plan, role, limits and status are not the tenant's to set.
	for _, body := range []string{
		`{"email":"m1@example.com","password":"battery-staple-42","name":"M","plan_id":"business"}`,
		`{"email":"m2@example.com","password":"battery-staple-42","name":"M","role":"admin"}`,
		`{"email":"m3@example.com","password":"battery-staple-42","name":"M","status":"active","email_verified":true}`,
	} {
		anon.do("POST", "/api/v1/auth/register", body).fails(t, 400, "invalid_request")
	}
	c.do("POST", "/api/v1/sessions", `{"session_name":"s","user_id":"00000000-0000-4000-8000-000000000000"}`).fails(t, 400, "invalid_request")
	c.do("POST", "/api/v1/api-keys", `{"name":"k","user_id":"00000000-0000-4000-8000-000000000000"}`).fails(t, 400, "invalid_request")
	c.do("POST", "/api/v1/api-keys", `{"name":"k","scopes":["admin"]}`).fails(t, 422, "validation_failed")
	var me struct {
		User struct {
			Role   string `json:"role"`
			PlanID string `json:"plan_id"`
		} `json:"user"`
	}
	c.do("GET", "/api/v1/auth/me", nil).must(t, 200, &me)
	if me.User.Role != "user" || me.User.PlanID != "free" {
		t.Fatalf("got role %q plan %q, want user on free", me.User.Role, me.User.PlanID)
	}

	// Guessing API keys from one address is throttled, even a right key then waits.
	var key struct {
		APIKey struct{ Key string } `json:"api_key"`
	}
	c.do("POST", "/api/v1/api-keys", map[string]any{"name": "good"}).must(t, 201, &key)
	// A key's use is recorded (at most once a minute).
	var keys struct {
		APIKeys []struct {
			LastUsedAt *time.Time `json:"last_used_at"`
		} `json:"api_keys"`
	}
	c.do("GET", "/api/v1/api-keys", nil).must(t, 200, &keys)
	if len(keys.APIKeys) != 1 || keys.APIKeys[0].LastUsedAt != nil {
		t.Fatalf("a new key has a last use: %+v", keys)
	}
	(&client{t: t, base: base, apiKey: key.APIKey.Key}).do("GET", "/api/v1/sessions", nil).must(t, 200, nil)
	c.do("GET", "/api/v1/api-keys", nil).must(t, 200, &keys)
	if lu := keys.APIKeys[0].LastUsedAt; lu == nil || time.Since(*lu) > time.Minute {
		t.Fatalf("got last use %v after a call, want about now", lu)
	}
	for i := 0; i < 20; i++ {
		(&client{t: t, base: base, apiKey: fmt.Sprintf("wsa_%040d", i)}).do("GET", "/api/v1/sessions", nil).fails(t, 401, "unauthorized")
	}
	r := (&client{t: t, base: base, apiKey: key.APIKey.Key}).do("GET", "/api/v1/sessions", nil).fails(t, 429, "rate_limited")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("API key lockout without Retry-After")
	}
	// Bearer tokens from that address still work.
	c.do("GET", "/api/v1/sessions", nil).must(t, 200, nil)
}

// replayEvents reads the caller's event stream from its start (query
// narrows it: types, session_id) and hands each event's data to each until
// it answers true; false when the stream ends first (or after 10 s).
// replayEventsOf is replayEvents with each event decoded as E (a test
// failure when one does not decode); each gets the event and its data.
func replayEventsOf[E any](t *testing.T, c *client, query string, each func(ev E, data []byte) bool) bool {
	t.Helper()
	return replayEvents(t, c, query, func(data []byte) bool {
		var ev E
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatalf("event %q: %v", data, err)
		}
		return each(ev, data)
	})
}

func replayEvents(t *testing.T, c *client, query string, each func(data []byte) bool) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/api/v1/events?last_event_id=0&"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	for k, v := range c.header { // Accept-Language among them
		req.Header[k] = v
	}
	resp, err := checkedClient(t, http.DefaultClient).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok && each([]byte(line)) {
			return true
		}
	}
	return false
}

// sessionEvents reads the caller's events of types (comma-separated) of
// one session, each decoded as an E, from the start of its event log until
// want holds of them; it fails t when the stream ends first (or after
// 10 s), or carries another session's event.
func sessionEvents[E any](t *testing.T, c *client, types, sessionID string, want func([]E) bool) []E {
	t.Helper()
	var got []E
	done := replayEvents(t, c, "types="+types+"&session_id="+sessionID, func(data []byte) bool {
		var ev E
		var of struct {
			SessionID string `json:"session_id"`
		}
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatalf("event %q: %v", data, err)
		}
		if err := json.Unmarshal(data, &of); err != nil || of.SessionID != sessionID {
			t.Fatalf("got an event of session %s on the stream of %s (%v)", of.SessionID, sessionID, err)
		}
		got = append(got, ev)
		return want(got)
	})
	if !done {
		t.Fatalf("the awaited %s events did not arrive; got %+v", types, got)
	}
	return got
}

// streamEvents reads the caller's event stream from the start and returns
// the threshold of the first n events of type typ (or fails after 10 s).
func streamEvents(t *testing.T, c *client, typ string, n int) []string {
	t.Helper()
	var out []string
	replayEventsOf(t, c, "types="+typ, func(ev struct {
		Type string `json:"type"`
		Data struct {
			Threshold int `json:"threshold"`
		} `json:"data"`
	}, _ []byte) bool {
		if ev.Type != typ {
			t.Fatalf("got event type %q, want only %q", ev.Type, typ)
		}
		out = append(out, strconv.Itoa(ev.Data.Threshold))
		return len(out) == n
	})
	if len(out) < n {
		t.Fatalf("got %d %s events, want %d", len(out), typ, n)
	}
	return out
}

// atOnce makes n requests concurrently, request(i) the i-th, and answers
// their replies in that order.
func atOnce(n int, request func(i int) *reply) []*reply {
	replies := make([]*reply, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { replies[i] = request(i) })
	}
	wg.Wait()
	return replies
}

// distinctMessages asserts that every reply is a sent message and answers
// how many messages they are.
func distinctMessages(t *testing.T, replies []*reply) int {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range replies {
		var out struct {
			Message struct{ ID string } `json:"message"`
		}
		r.must(t, 201, &out)
		seen[out.Message.ID] = true
	}
	return len(seen)
}

// TestSaaSTwoGatewaysPostgres runs two gateways on one PostgreSQL and one
// Redis: quotas, idempotency and plan rates hold across both.
func TestSaaSTwoGatewaysPostgres(t *testing.T) {
	baseA, baseB := twoGateways(t, 10, nil, saasEnv)

	admin := login(t, baseA, adminEmail, adminPassword)
	a := register(t, baseA, "two-gw@example.com")
	b := &client{t: t, base: baseB, token: a.token}
	id := userID(t, b)
	admin.do("POST", "/api/v1/admin/plans", tinyPlan("ten", 10, 100000)).must(t, 201, nil)
	admin.do("PATCH", "/api/v1/admin/tenants/"+id+"/plan", map[string]any{"plan_id": "ten"}).must(t, 200, nil)
	sess := newSession(t, a, "two")
	startInstance(t, a, sess.ID)

	// Even requests go to gateway a, odd ones to b.
	onEither := func(i int) *client { return []*client{a, b}[i%2] }
	var (
		accepted int
		other    []string
	)
	for _, r := range atOnce(40, func(i int) *reply {
		return onEither(i).do("POST", "/api/v1/messages/send", map[string]any{"session_id": sess.ID, "recipient": "1234567890", "message": fmt.Sprint("m", i)})
	}) {
		switch {
		case r.Status == 201:
			accepted++
		case r.Error.Code != "quota_exceeded":
			other = append(other, string(r.Raw))
		}
	}
	if accepted != 10 || len(other) > 0 {
		t.Fatalf("got %d accepted across two gateways (unexpected: %v), want 10", accepted, other)
	}

	// Concurrent duplicates on both gateways send once.
	admin.do("POST", "/api/v1/admin/plans", tinyPlan("more", 100, 100000)).must(t, 201, nil)
	admin.do("PATCH", "/api/v1/admin/tenants/"+id+"/plan", map[string]any{"plan_id": "more"}).must(t, 200, nil)
	if n := distinctMessages(t, atOnce(8, func(i int) *reply {
		return onEither(i).with("Idempotency-Key", "two-gw").do("POST", "/api/v1/messages/send",
			map[string]any{"session_id": sess.ID, "recipient": "1234567890", "message": "dup"})
	})); n != 1 {
		t.Fatalf("duplicates on two gateways made %d messages, want 1", n)
	}
	var st struct {
		Statement struct {
			Usage struct {
				Accepted int64 `json:"messages_accepted"`
			} `json:"usage"`
		} `json:"statement"`
	}
	b.do("GET", "/api/v1/billing/statements", nil).must(t, 200, &st)
	if st.Statement.Usage.Accepted != 11 {
		t.Fatalf("statement counts %d messages, want 11", st.Statement.Usage.Accepted)
	}

	// The plan's request rate is counted once for both gateways (Redis): a
	// fresh tenant on a 4-a-minute plan gets 4 requests in all, not 4 on each.
	admin.do("POST", "/api/v1/admin/plans", tinyPlan("slow", 100, 4)).must(t, 201, nil)
	slowA := register(t, baseA, "two-gw-slow@example.com")
	slowB := &client{t: t, base: baseB, token: slowA.token}
	admin.do("PATCH", "/api/v1/admin/tenants/"+userID(t, slowA)+"/plan", map[string]any{"plan_id": "slow"}).must(t, 200, nil)
	okCount := 1 // userID's request
	for i := 0; i < 6; i++ {
		c := slowA
		if i%2 == 0 {
			c = slowB
		}
		if c.do("GET", "/api/v1/sessions", nil).Status == http.StatusOK {
			okCount++
		}
	}
	if okCount != 4 {
		t.Fatalf("got %d requests through on a 4-a-minute plan over two gateways, want 4", okCount)
	}
}
