package service

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/inmem"
	"github.com/whatsapp-saas/gateway/internal/sqlite"
)

// newStoreService is a Service over an in-memory SQLite store, with a fixed clock.
func newStoreService(t *testing.T, now time.Time) *Service {
	t.Helper()
	st, err := sqlite.Open(t.Context(), ":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	cache := inmem.NewCache()
	t.Cleanup(func() { cache.Close(); _ = st.Close() })
	s := New(Deps{Stores: StoresOf(st), Cache: cache}, Settings{MaxInstancesPerUser: 5, EnableRegistration: true})
	s.now = func() time.Time { return now }
	return s
}

func TestPercentiles(t *testing.T) {
	tests := []struct {
		name          string
		hist          []gateway.LatencyBucket
		p50, p90, p99 int64
	}{
		{"one bucket", []gateway.LatencyBucket{{UpperMillis: 20, Count: 5}}, 20, 20, 20},
		{"spread", []gateway.LatencyBucket{{UpperMillis: 10, Count: 50}, {UpperMillis: 100, Count: 40}, {UpperMillis: 1000, Count: 9}, {UpperMillis: 60000, Count: 1}}, 10, 100, 1000},
		{"tail", []gateway.LatencyBucket{{UpperMillis: 10, Count: 1}, {UpperMillis: 20, Count: 98}, {UpperMillis: 30, Count: 1}}, 20, 20, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := percentiles(tt.hist)
			if l.P50 == nil || *l.P50 != tt.p50 || *l.P90 != tt.p90 || *l.P99 != tt.p99 {
				t.Fatalf("got %v/%v/%v, want %d/%d/%d", deref(l.P50), deref(l.P90), deref(l.P99), tt.p50, tt.p90, tt.p99)
			}
		})
	}
	if l := percentiles(nil); l.Count != 0 || l.P50 != nil {
		t.Fatalf("got %+v for no data, want no percentiles", l)
	}
}

func deref(p *int64) int64 {
	if p == nil {
		return -1
	}
	return *p
}

func TestPlanAtAndLimits(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	hist := []*gateway.SubscriptionChange{ // newest first
		{FromPlanID: "starter", ToPlanID: "business", CreatedAt: t0.AddDate(0, 1, 10)},
		{FromPlanID: "free", ToPlanID: "starter", CreatedAt: t0.AddDate(0, 0, 5)},
	}
	for _, tt := range []struct {
		at   time.Time
		want string
	}{{t0, "free"}, {t0.AddDate(0, 1, 0), "starter"}, {t0.AddDate(0, 2, 0), "business"}} {
		if got := planAt("business", hist, tt.at); got != tt.want {
			t.Errorf("plan at %v: got %q, want %q", tt.at, got, tt.want)
		}
	}
	for _, tt := range []struct {
		name string
		p    gateway.Plan
		want int64
	}{
		{"hard limit", gateway.Plan{Limits: gateway.PlanLimits{MessagesPerMonth: 10}}, 10},
		{"unlimited", gateway.Plan{Limits: gateway.PlanLimits{MessagesPerMonth: -1}}, -1},
		{"billed overage with a cap", gateway.Plan{Limits: gateway.PlanLimits{MessagesPerMonth: 10}, Overage: gateway.PlanOverage{MessagesPer1000Cents: 5, MaxExtraMessages: 7}}, 17},
		{"billed overage without a cap", gateway.Plan{Limits: gateway.PlanLimits{MessagesPerMonth: 10}, Overage: gateway.PlanOverage{MessagesPer1000Cents: 5, MaxExtraMessages: -1}}, -1},
		{"a cap without a price is no overage", gateway.Plan{Limits: gateway.PlanLimits{MessagesPerMonth: 10}, Overage: gateway.PlanOverage{MaxExtraMessages: 7}}, 10},
	} {
		if got := messageLimit(&tt.p); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestStatementReconciles bills a month of stored messages and checks every
// number against the messages themselves.
func TestStatementReconciles(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	s := newStoreService(t, now)
	ctx := t.Context()
	plan := &gateway.Plan{ID: "metered", Name: "Metered", PriceCents: 1000, Currency: "EUR",
		Limits:  gateway.PlanLimits{MessagesPerMonth: 10, RequestsPerMinute: 60},
		Overage: gateway.PlanOverage{MessagesPer1000Cents: 250, MaxExtraMessages: 100}}
	must(t, s.users.UpsertPlan(ctx, plan))
	must(t, s.EnsureDefaultPlan(ctx))
	u := &gateway.User{Email: "bill@example.com", Name: "Bill", PlanID: "metered", PasswordHash: "x"}
	must(t, s.users.CreateUser(ctx, u))
	sess := &gateway.Session{UserID: u.ID, Name: "s", Engine: "sandbox", Status: gateway.SessionConnected}
	must(t, s.sessions.CreateSession(ctx, sess))
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	statuses := []gateway.MessageStatus{gateway.MessageDelivered, gateway.MessageRead, gateway.MessageFailed, gateway.MessageSent, gateway.MessageQueued}
	for i := 0; i < 25; i++ {
		m := &gateway.Message{UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound, Type: gateway.TypeText,
			Recipient: "1555@s.whatsapp.net", Status: statuses[i%len(statuses)], WAMessageID: gateway.NewWAMessageID(),
			CreatedAt: nov.Add(time.Duration(i) * 20 * time.Hour)}
		must(t, s.messages.CreateMessage(ctx, m))
	}
	in := &gateway.Message{UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionInbound, Type: gateway.TypeText,
		Sender: "1555@s.whatsapp.net", WAMessageID: "IN1", CreatedAt: nov.Add(time.Hour)}
	must(t, s.messages.CreateMessage(ctx, in))
	// A message of the next month is not billed in November.
	must(t, s.messages.CreateMessage(ctx, &gateway.Message{UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound,
		Type: gateway.TypeText, Recipient: "1555@s.whatsapp.net", CreatedAt: now.Add(-time.Hour)}))

	p, err := ParsePeriod("2026-11")
	must(t, err)
	st, err := s.Statement(ctx, u, p)
	must(t, err)
	// Reconcile against the stored messages.
	list, _, err := s.messages.ListMessages(ctx, u.ID, gateway.MessageFilter{From: &p.Start, To: ptr(p.End.Add(-time.Microsecond)), Page: gateway.Page{Page: 1, Limit: 100}})
	must(t, err)
	var accepted, failed, received int64
	for _, m := range list {
		switch {
		case m.Direction == gateway.DirectionInbound:
			received++
		case m.Status == gateway.MessageFailed:
			accepted++
			failed++
		default:
			accepted++
		}
	}
	if st.Usage.MessagesAccepted != accepted || st.Usage.MessagesFailed != failed || st.Usage.MessagesReceived != received {
		t.Fatalf("usage %+v does not match the stored messages (accepted %d, failed %d, received %d)", st.Usage, accepted, failed, received)
	}
	billable := accepted - failed // 20
	wantOverage := billable - 10
	wantLines := []StatementLine{
		{Item: "plan", Description: "Metered plan, 2026-11", Quantity: 1, Unit: 1, UnitPriceCents: 1000, AmountCents: 1000, Currency: "EUR"},
		{Item: "messages", Description: "Messages sent (accepted and not failed)", Quantity: billable, Included: 10, Overage: wantOverage,
			Unit: 1000, UnitPriceCents: 250, AmountCents: (wantOverage*250 + 999) / 1000, Currency: "EUR"},
	}
	if d := cmp.Diff(wantLines, st.Lines); d != "" {
		t.Fatalf("lines (-want +got):\n%s", d)
	}
	if st.TotalCents != 1003 || st.Provisional {
		t.Fatalf("got total %d provisional %v, want 1003 and final", st.TotalCents, st.Provisional)
	}
	rows, err := csv.NewReader(strings.NewReader(string(st.CSV()))).ReadAll()
	must(t, err)
	if len(rows) != 4 || rows[2][3] != "20" || rows[2][5] != "10" || rows[3][8] != "1003" {
		t.Fatalf("csv: %v", rows)
	}
	// The current month is provisional; a future one is refused.
	cur, err := s.Statement(ctx, u, PeriodOf(now))
	must(t, err)
	if !cur.Provisional || cur.Usage.MessagesAccepted != 1 {
		t.Fatalf("current statement: provisional %v accepted %d", cur.Provisional, cur.Usage.MessagesAccepted)
	}
	next, _ := ParsePeriod("2027-01")
	if _, err := s.Statement(ctx, u, next); gateway.ErrorCode(err) != gateway.CodeInvalid {
		t.Fatalf("future period: got %v, want invalid_request", err)
	}
}

// TestQuotaAndThresholds sends through storeOutbound up to a plan's limit:
// the 8th and 10th sends announce 80 % and 100 %, once, and the 11th is
// refused naming the limit, the usage and the plan.
func TestQuotaAndThresholds(t *testing.T) {
	now := time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)
	s := newStoreService(t, now)
	ctx := t.Context()
	must(t, s.users.UpsertPlan(ctx, &gateway.Plan{ID: "ten", Name: "Ten", Currency: "USD", Limits: gateway.PlanLimits{MessagesPerMonth: 10, RequestsPerMinute: 60}}))
	u := &gateway.User{Email: "q@example.com", Name: "Q", PlanID: "ten", PasswordHash: "x"}
	must(t, s.users.CreateUser(ctx, u))
	sess := &gateway.Session{UserID: u.ID, Name: "s", Engine: "sandbox", Status: gateway.SessionConnected}
	must(t, s.sessions.CreateSession(ctx, sess))
	send := func() error {
		return s.storeOutbound(ctx, u, &gateway.Message{UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound,
			Type: gateway.TypeText, Recipient: "1555@s.whatsapp.net", Status: gateway.MessageQueued, CreatedAt: now})
	}
	for i := 1; i <= 10; i++ {
		must(t, send())
		evs, err := s.events.ListEvents(ctx, u.ID, gateway.EventFilter{Types: []string{gateway.EventUsageThreshold}})
		must(t, err)
		want := 0
		if i >= 8 {
			want = 1
		}
		if i >= 10 {
			want = 2
		}
		if len(evs) != want {
			t.Fatalf("after send %d: got %d threshold events, want %d", i, len(evs), want)
		}
	}
	err := send()
	var ge *gateway.Error
	if gateway.ErrorCode(err) != gateway.CodeQuotaExceeded || !asError(err, &ge) {
		t.Fatalf("11th send: got %v, want quota_exceeded", err)
	}
	for _, want := range []string{"Ten plan", "10 messages a month", "10 have been sent", "2026-11"} {
		if !strings.Contains(ge.Message, want) {
			t.Errorf("message %q lacks %q", ge.Message, want)
		}
	}
	if ge.Details["limit"] != "messages_per_month" || ge.Details["used"] != int64(10) || ge.Details["plan"] != "ten" {
		t.Errorf("details: %+v", ge.Details)
	}
}

func asError(err error, target **gateway.Error) bool {
	e, ok := err.(*gateway.Error)
	*target = e
	return ok
}

func ptr[T any](v T) *T { return &v }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func TestMediaSizeLimit(t *testing.T) {
	s := newStoreService(t, time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC))
	ctx := t.Context()
	must(t, s.users.UpsertPlan(ctx, &gateway.Plan{ID: "small", Name: "Small", Currency: "USD",
		Limits: gateway.PlanLimits{MediaBytes: 100, RequestsPerMinute: 60}}))
	u := &gateway.User{ID: "5b0e8a52-6d1f-4b8a-9f0c-2a6f5d3e9c41", PlanID: "small"}
	tests := []struct {
		size int64
		want gateway.Code
	}{{100, ""}, {101, gateway.CodeTooLarge}}
	for _, tt := range tests {
		if got := gateway.ErrorCode(s.checkMediaSize(ctx, u, tt.size)); got != tt.want {
			t.Errorf("size %d: got %q, want %q", tt.size, got, tt.want)
		}
	}
}
