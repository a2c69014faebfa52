package storetest

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/webhook"
)

// deliveryFixture is a tenant with endpoints of every kind.
type deliveryFixture struct {
	u, other                                  *gateway.User
	s1, s2, theirSession                      *gateway.Session
	all, onS1, status, inactive, theirs, qrs1 *gateway.Webhook
}

func newDeliveryFixture(t *testing.T, s gateway.Store) *deliveryFixture {
	f := &deliveryFixture{u: newUser(t, s), other: newUser(t, s)}
	f.s1, f.s2 = newSession(t, s, f.u.ID), newSession(t, s, f.u.ID)
	f.theirSession = newSession(t, s, f.other.ID)
	theirSession := f.theirSession
	hook := func(userID, sessionID string, active bool, events ...string) *gateway.Webhook {
		w := &gateway.Webhook{UserID: userID, SessionID: sessionID, URL: "https://example.com/" + uuid.NewString(),
			Events: events, Active: active, Secret: "whsec_" + uuid.NewString()}
		must(t, s.CreateWebhook(ctx(t), w))
		return w
	}
	f.all = hook(f.u.ID, "", true, gateway.EventAll)
	f.onS1 = hook(f.u.ID, f.s1.ID, true, gateway.EventMessage)
	f.status = hook(f.u.ID, "", true, gateway.EventGroupStatus)
	f.inactive = hook(f.u.ID, "", false, gateway.EventAll)
	f.qrs1 = hook(f.u.ID, f.s1.ID, true, gateway.EventQR)
	f.theirs = hook(f.other.ID, theirSession.ID, true, gateway.EventAll)
	return f
}

// event writes one event of a session through a state change, as production does.
func writeEvent(t *testing.T, s gateway.Store, userID, sessionID, typ string) *gateway.Event {
	t.Helper()
	e := gateway.NewEvent(userID, sessionID, typ, map[string]string{"k": "v"})
	_, err := s.SetSessionState(ctx(t), userID, sessionID, gateway.SessionState{}, e)
	must(t, err)
	return e
}

func deliveryEvents(t *testing.T, s gateway.Store, userID, webhookID string) []string {
	t.Helper()
	list, total, err := s.ListDeliveries(ctx(t), userID, webhookID, gateway.DeliveryFilter{}, gateway.Page{Page: 1, Limit: 100})
	must(t, err)
	if total != len(list) {
		t.Fatalf("got total %d for %d deliveries", total, len(list))
	}
	out := []string{}
	for _, d := range list {
		out = append(out, d.EventID)
	}
	sort.Strings(out)
	return out
}

func sorted(ids ...string) []string {
	out := append([]string{}, ids...)
	sort.Strings(out)
	return out
}

func testDeliveryFanOut(t *testing.T, s gateway.Store) {
	f := newDeliveryFixture(t, s)
	m1 := writeEvent(t, s, f.u.ID, f.s1.ID, gateway.EventMessage)
	m2 := writeEvent(t, s, f.u.ID, f.s2.ID, gateway.EventMessage)
	st := writeEvent(t, s, f.u.ID, f.s2.ID, gateway.EventMessageStatus)
	qr := writeEvent(t, s, f.u.ID, f.s2.ID, gateway.EventQR)
	theirs := writeEvent(t, s, f.other.ID, f.theirSession.ID, gateway.EventMessage)

	tests := []struct {
		name   string
		userID string
		hook   *gateway.Webhook
		want   []string
	}{
		{"every event to *", f.u.ID, f.all, sorted(m1.ID, m2.ID, st.ID, qr.ID)},
		{"bound to a session and a type", f.u.ID, f.onS1, sorted(m1.ID)},
		{"the seed's status group", f.u.ID, f.status, sorted(st.ID)},
		{"inactive gets nothing", f.u.ID, f.inactive, []string{}},
		{"qr of another session", f.u.ID, f.qrs1, []string{}},
		{"another tenant's endpoint sees none of ours", f.other.ID, f.theirs, sorted(theirs.ID)},
		{"another tenant cannot list ours", f.other.ID, f.all, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diff(t, "delivered event ids", deliveryEvents(t, s, tt.userID, tt.hook.ID), tt.want)
		})
	}
	t.Run("fields", func(t *testing.T) {
		list, _, err := s.ListDeliveries(ctx(t), f.u.ID, f.onS1.ID, gateway.DeliveryFilter{}, gateway.Page{Page: 1, Limit: 10})
		must(t, err)
		d := list[0]
		if d.Status != gateway.DeliveryPending || d.Attempts != 0 || d.NextAttemptAt == nil || d.EventType != gateway.EventMessage ||
			d.WebhookID != f.onS1.ID || uuid.Validate(d.ID) != nil {
			t.Fatalf("got %+v, want a pending delivery of a message due now", d)
		}
		got, err := s.DeliveryByID(ctx(t), f.u.ID, f.onS1.ID, d.ID)
		must(t, err)
		diff(t, "DeliveryByID", got, d)
		_, err = s.DeliveryByID(ctx(t), f.other.ID, f.onS1.ID, d.ID)
		wantCode(t, err, gateway.CodeNotFound)
		_, err = s.DeliveryByID(ctx(t), f.u.ID, f.all.ID, d.ID)
		wantCode(t, err, gateway.CodeNotFound)
	})
	t.Run("filter by status", func(t *testing.T) {
		list, total, err := s.ListDeliveries(ctx(t), f.u.ID, f.all.ID, gateway.DeliveryFilter{Status: gateway.DeliverySucceeded}, gateway.Page{Page: 1, Limit: 10})
		must(t, err)
		if len(list) != 0 || total != 0 {
			t.Fatalf("got %d succeeded (total %d), want none", len(list), total)
		}
		_, total, err = s.ListDeliveries(ctx(t), f.u.ID, f.all.ID, gateway.DeliveryFilter{Status: gateway.DeliveryPending}, gateway.Page{Page: 1, Limit: 2})
		must(t, err)
		if total != 4 {
			t.Fatalf("got total %d pending, want 4", total)
		}
	})
	t.Run("count", func(t *testing.T) {
		m, err := s.CountDeliveries(ctx(t), f.u.ID, time.Time{})
		must(t, err)
		if m[gateway.DeliveryPending] != 6 {
			t.Fatalf("got %v, want 6 pending", m)
		}
	})
	t.Run("a failed write stores no delivery", func(t *testing.T) {
		e := gateway.NewEvent(f.u.ID, f.s1.ID, gateway.EventMessage, nil)
		_, err := s.SetSessionState(ctx(t), f.u.ID, uuid.NewString(), gateway.SessionState{}, e)
		wantCode(t, err, gateway.CodeNotFound)
		diff(t, "deliveries after a failed write", deliveryEvents(t, s, f.u.ID, f.onS1.ID), sorted(m1.ID))
	})
}

func testDeliveryClaim(t *testing.T, s gateway.Store) {
	f := newDeliveryFixture(t, s)
	for range 3 {
		writeEvent(t, s, f.u.ID, f.s1.ID, gateway.EventMessage) // to all and onS1
	}
	now := time.Now().Add(time.Second)
	lease := time.Minute

	got, err := s.ClaimDeliveries(ctx(t), gateway.DeliveryClaim{Now: now, Lease: lease, Limit: 2, SkipWebhooks: []string{f.onS1.ID}})
	must(t, err)
	if len(got) != 2 {
		t.Fatalf("got %d claimed, want 2 (the limit)", len(got))
	}
	for _, c := range got {
		if c.Webhook.ID != f.all.ID {
			t.Fatalf("claimed a delivery of webhook %s, which was skipped", c.Webhook.ID)
		}
		if c.Event.ID != c.Delivery.EventID || c.Event.Type != gateway.EventMessage || len(c.Event.Data) == 0 || c.Event.SessionID != f.s1.ID {
			t.Fatalf("got event %+v for delivery %+v", c.Event, c.Delivery)
		}
		if c.Webhook.Secret != f.all.Secret || c.Webhook.URL != f.all.URL {
			t.Fatalf("got webhook %+v, want its URL and secret", c.Webhook)
		}
		if !c.Delivery.LockedUntil.Equal(now.Add(lease).UTC().Truncate(time.Microsecond)) {
			t.Fatalf("got lease %v, want %v", c.Delivery.LockedUntil, now.Add(lease))
		}
	}
	rest, err := s.ClaimDeliveries(ctx(t), gateway.DeliveryClaim{Now: now, Lease: lease, Limit: 100})
	must(t, err)
	if len(rest) != 4 {
		t.Fatalf("got %d claimed next, want the 4 not leased yet", len(rest))
	}
	again, err := s.ClaimDeliveries(ctx(t), gateway.DeliveryClaim{Now: now, Lease: lease, Limit: 100})
	must(t, err)
	if len(again) != 0 {
		t.Fatalf("got %d claimed while leased, want 0", len(again))
	}
	// A lease that runs out makes the delivery claimable again (a dispatcher died).
	later := now.Add(lease + time.Second)
	expired, err := s.ClaimDeliveries(ctx(t), gateway.DeliveryClaim{Now: later, Lease: lease, Limit: 100})
	must(t, err)
	if len(expired) != 6 {
		t.Fatalf("got %d claimed after the leases ran out, want 6", len(expired))
	}
	// The first dispatcher's late result is dropped: the lease changed hands.
	first := got[0]
	must(t, s.CompleteDeliveries(ctx(t), []gateway.DeliveryResult{{
		DeliveryID: first.Delivery.ID, WebhookID: first.Webhook.ID, UserID: f.u.ID, Lease: first.Delivery.LockedUntil,
		Status: gateway.DeliverySucceeded, Attempted: true, StatusCode: 200, At: later,
	}}, webhook.Policy(time.Time{})))
	d, err := s.DeliveryByID(ctx(t), f.u.ID, f.all.ID, first.Delivery.ID)
	must(t, err)
	if d.Status != gateway.DeliveryPending || d.Attempts != 0 {
		t.Fatalf("got %s after %d attempts, want the stale result dropped", d.Status, d.Attempts)
	}
	// Released deliveries are due again at once, without an attempt.
	var mine *gateway.ClaimedDelivery
	for _, c := range expired {
		if c.Delivery.ID == first.Delivery.ID {
			mine = c
		}
	}
	must(t, s.ReleaseDelivery(ctx(t), mine.Delivery.ID, mine.Delivery.LockedUntil, later))
	back, err := s.ClaimDeliveries(ctx(t), gateway.DeliveryClaim{Now: later, Lease: lease, Limit: 100})
	must(t, err)
	if len(back) != 1 || back[0].Delivery.ID != mine.Delivery.ID || back[0].Delivery.Attempts != 0 {
		t.Fatalf("got %d claimed after a release, want the released one", len(back))
	}
}

func testDeliveryClaimFair(t *testing.T, s gateway.Store) {
	f := newDeliveryFixture(t, s)
	var ours []string
	for range 4 {
		ours = append(ours, writeEvent(t, s, f.u.ID, f.s2.ID, gateway.EventQR).ID) // to all only, older than theirs
	}
	for range 2 {
		writeEvent(t, s, f.other.ID, f.theirSession.ID, gateway.EventMessage) // to theirs
	}
	start := time.Now().Add(time.Second)
	lease := time.Minute
	tests := []struct {
		name       string
		claim      gateway.DeliveryClaim
		want       map[string]int // deliveries claimed per tenant
		wantEvents []string       // ours claimed, when checked
	}{
		{"without a bound the oldest come first", gateway.DeliveryClaim{Limit: 4},
			map[string]int{f.u.ID: 4}, nil},
		{"tenants take turns", gateway.DeliveryClaim{Limit: 3, PerUser: 2},
			map[string]int{f.u.ID: 2, f.other.ID: 1}, sorted(ours[0], ours[1])},
		{"at most PerUser each", gateway.DeliveryClaim{Limit: 100, PerUser: 1},
			map[string]int{f.u.ID: 1, f.other.ID: 1}, sorted(ours[0])},
		{"a skipped tenant gets none", gateway.DeliveryClaim{Limit: 100, PerUser: 3, SkipUsers: []string{f.u.ID}},
			map[string]int{f.other.ID: 2}, nil},
		{"skipped endpoints and tenants together", gateway.DeliveryClaim{Limit: 100, SkipUsers: []string{f.other.ID},
			SkipWebhooks: []string{f.all.ID}}, map[string]int{}, nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Each claim comes after the previous one's leases ran out.
			tt.claim.Now, tt.claim.Lease = start.Add(time.Duration(i)*2*lease), lease
			got, err := s.ClaimDeliveries(ctx(t), tt.claim)
			must(t, err)
			per := map[string]int{}
			events := []string{}
			for _, c := range got {
				per[c.Delivery.UserID]++
				if c.Delivery.UserID == f.u.ID {
					events = append(events, c.Event.ID)
				}
			}
			diff(t, "claimed per tenant", per, tt.want)
			if tt.wantEvents != nil {
				sort.Strings(events)
				diff(t, "our events claimed (the oldest)", events, tt.wantEvents)
			}
		})
	}
}

func testDeliveryClaimConcurrent(t *testing.T, s gateway.Store) {
	f := newDeliveryFixture(t, s)
	for range 20 {
		writeEvent(t, s, f.u.ID, f.s2.ID, gateway.EventQR) // to all only
	}
	now := time.Now().Add(time.Second)
	var (
		mu   sync.Mutex
		seen = map[string]int{}
		wg   sync.WaitGroup
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := s.ClaimDeliveries(ctx(t), gateway.DeliveryClaim{Now: now, Lease: time.Minute, Limit: 3})
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, c := range got {
					seen[c.Delivery.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 20 {
		t.Fatalf("got %d distinct deliveries claimed, want 20", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("delivery %s claimed %d times by concurrent claimers, want once", id, n)
		}
	}
}

func testDeliveryComplete(t *testing.T, s gateway.Store) {
	f := newDeliveryFixture(t, s)
	writeEvent(t, s, f.u.ID, f.s1.ID, gateway.EventMessage)
	writeEvent(t, s, f.u.ID, f.s1.ID, gateway.EventMessage)
	start := time.Now().Add(time.Second).UTC().Truncate(time.Microsecond)
	claim := func(at time.Time) map[string][]*gateway.ClaimedDelivery {
		t.Helper()
		got, err := s.ClaimDeliveries(ctx(t), gateway.DeliveryClaim{Now: at, Lease: time.Minute, Limit: 100})
		must(t, err)
		by := map[string][]*gateway.ClaimedDelivery{}
		for _, c := range got {
			by[c.Webhook.ID] = append(by[c.Webhook.ID], c)
		}
		return by
	}
	result := func(c *gateway.ClaimedDelivery, status gateway.DeliveryStatus, code int, at time.Time, next *time.Time) gateway.DeliveryResult {
		return gateway.DeliveryResult{DeliveryID: c.Delivery.ID, WebhookID: c.Webhook.ID, UserID: c.Delivery.UserID,
			Lease: c.Delivery.LockedUntil, Status: status, NextAttemptAt: next, Attempted: true, StatusCode: code,
			Error: "HTTP " + time.Duration(code).String(), Latency: 12 * time.Millisecond, At: at,
			RequestBody: `{"id":"` + c.Delivery.EventID + `"}`, ResponseBody: "answer " + strings.Repeat("é", 2000)}
	}
	by := claim(start)
	if len(by[f.all.ID]) != 2 || len(by[f.onS1.ID]) != 2 {
		t.Fatalf("got %d and %d claimed, want 2 and 2", len(by[f.all.ID]), len(by[f.onS1.ID]))
	}
	retryAt := start.Add(5 * time.Second)
	must(t, s.CompleteDeliveries(ctx(t), []gateway.DeliveryResult{
		result(by[f.all.ID][0], gateway.DeliverySucceeded, 204, start, nil),
		result(by[f.all.ID][1], gateway.DeliveryAbandoned, 500, start, nil),
		result(by[f.onS1.ID][0], gateway.DeliveryFailed, 503, start, &retryAt),
		result(by[f.onS1.ID][1], gateway.DeliveryFailed, 503, start.Add(time.Millisecond), &retryAt),
	}, webhook.Policy(time.Time{})))

	ok, err := s.DeliveryByID(ctx(t), f.u.ID, f.all.ID, by[f.all.ID][0].Delivery.ID)
	must(t, err)
	if ok.Status != gateway.DeliverySucceeded || ok.Attempts != 1 || ok.LastStatusCode != 204 || ok.LastLatencyMS != 12 ||
		ok.DeliveredAt == nil || ok.NextAttemptAt != nil {
		t.Fatalf("got %+v, want succeeded after 1 attempt with code 204", ok)
	}
	failed, err := s.DeliveryByID(ctx(t), f.u.ID, f.onS1.ID, by[f.onS1.ID][0].Delivery.ID)
	must(t, err)
	if failed.Status != gateway.DeliveryFailed || failed.NextAttemptAt == nil || !failed.NextAttemptAt.Equal(retryAt) ||
		failed.LastStatusCode != 503 || failed.LastError == "" {
		t.Fatalf("got %+v, want failed, due again at %v", failed, retryAt)
	}
	attempts, err := s.DeliveryAttempts(ctx(t), f.u.ID, failed.ID)
	must(t, err)
	if len(attempts) != 1 || attempts[0].StatusCode != 503 {
		t.Fatalf("got attempts %+v, want one with 503", attempts)
	}
	// The attempt keeps the bodies, the response cut to 2 KiB on a
	// character boundary.
	if a := attempts[0]; a.RequestBody != `{"id":"`+failed.EventID+`"}` || len(a.ResponseBody) > 2<<10 ||
		len(a.ResponseBody) < 2<<10-2 || !utf8.ValidString(a.ResponseBody) || !strings.HasPrefix(a.ResponseBody, "answer é") {
		t.Fatalf("attempt bodies: request %q, response of %d bytes (valid %v)", a.RequestBody, len(a.ResponseBody), utf8.ValidString(a.ResponseBody))
	}
	// Each endpoint's outcomes and success rate; none of another tenant's.
	stats, err := s.DeliveryStatsByWebhook(ctx(t), f.u.ID, time.Time{})
	must(t, err)
	byHook := map[string]gateway.DeliveryStats{}
	for _, st := range stats {
		byHook[st.WebhookID] = st
	}
	if st := byHook[f.all.ID]; st.Succeeded != 1 || st.Abandoned != 1 || st.SuccessRate == nil || *st.SuccessRate != 0.5 {
		t.Fatalf("stats of the endpoint with one success and one abandon: %+v", st)
	}
	if st := byHook[f.onS1.ID]; st.Failed != 2 || st.Total < 2 || st.SuccessRate == nil || *st.SuccessRate != 0 {
		t.Fatalf("stats of the endpoint with two failures: %+v", st)
	}
	theirStats, err := s.DeliveryStatsByWebhook(ctx(t), f.other.ID, time.Time{})
	must(t, err)
	for _, st := range theirStats {
		if st.WebhookID == f.all.ID || st.WebhookID == f.onS1.ID {
			t.Fatalf("another tenant's stats hold our endpoint %s", st.WebhookID)
		}
	}
	theirs, err := s.DeliveryAttempts(ctx(t), f.other.ID, failed.ID)
	must(t, err)
	if len(theirs) != 0 {
		t.Fatalf("another tenant got %d attempts of our delivery, want 0", len(theirs))
	}
	if n := len(claim(start.Add(time.Second))); n != 0 {
		t.Fatalf("got deliveries of %d webhooks claimable before their retry time, want 0", n)
	}
	w, err := s.WebhookByID(ctx(t), f.u.ID, f.onS1.ID)
	must(t, err)
	if w.FailingSince == nil || !w.FailingSince.Equal(start) || !w.Active {
		t.Fatalf("got failing since %v active %v, want %v and still active", w.FailingSince, w.Active, start)
	}
	// The admins' stats count it among the failing endpoints, with every
	// other endpoint that is failing or turned off by the gateway.
	failing := 0
	for _, u := range []string{f.u.ID, f.other.ID} {
		list, _, err := s.ListWebhooks(ctx(t), u, "", gateway.Page{Limit: 100})
		must(t, err)
		for _, h := range list {
			if h.FailingSince != nil || h.DisabledReason != "" {
				failing++
			}
		}
	}
	g, err := s.GlobalStats(ctx(t), start, start)
	must(t, err)
	if g.WebhooksFailing != failing || failing < 1 || g.Webhooks != 6 {
		t.Fatalf("got %d of %d endpoints failing in the stats, want %d (at least 1) of 6", g.WebhooksFailing, g.Webhooks, failing)
	}

	t.Run("a long failing streak disables the endpoint with an event", func(t *testing.T) {
		by := claim(retryAt)
		c := by[f.onS1.ID]
		if len(c) != 2 {
			t.Fatalf("got %d due retries, want 2", len(c))
		}
		// Not yet: the streak began after disableBefore.
		must(t, s.CompleteDeliveries(ctx(t), []gateway.DeliveryResult{
			result(c[0], gateway.DeliveryAbandoned, 500, retryAt, nil),
		}, webhook.Policy(start.Add(-time.Hour))))
		w, err := s.WebhookByID(ctx(t), f.u.ID, f.onS1.ID)
		must(t, err)
		if !w.Active {
			t.Fatal("got the endpoint disabled before its streak was long enough")
		}
		must(t, s.CompleteDeliveries(ctx(t), []gateway.DeliveryResult{
			result(c[1], gateway.DeliveryAbandoned, 500, retryAt, nil),
		}, webhook.Policy(start.Add(time.Millisecond))))
		w, err = s.WebhookByID(ctx(t), f.u.ID, f.onS1.ID)
		must(t, err)
		if w.Active || w.DisabledReason == "" {
			t.Fatalf("got active %v reason %q, want disabled with a reason", w.Active, w.DisabledReason)
		}
		evs, err := s.ListEvents(ctx(t), f.u.ID, gateway.EventFilter{Types: []string{gateway.EventWebhookDisabled}})
		must(t, err)
		if len(evs) != 1 || evs[0].SessionID != f.s1.ID {
			t.Fatalf("got %d webhook.disabled events, want 1 of the webhook's session", len(evs))
		}
		// The event fans out like any other: the * endpoint gets it.
		if got := deliveryEvents(t, s, f.u.ID, f.all.ID); !slices.Contains(got, evs[0].ID) {
			t.Fatalf("the * endpoint got %v, want the webhook.disabled event among them", got)
		}
	})
	t.Run("410 disables at once; success clears the streak", func(t *testing.T) {
		writeEvent(t, s, f.u.ID, f.s2.ID, gateway.EventMessageStatus) // to all and status
		by := claim(time.Now().Add(2 * time.Second))
		must(t, s.CompleteDeliveries(ctx(t), []gateway.DeliveryResult{
			func() gateway.DeliveryResult {
				r := result(by[f.status.ID][0], gateway.DeliveryAbandoned, 410, time.Now(), nil)
				r.Disable = "The endpoint answered 410 Gone."
				return r
			}(),
		}, webhook.Policy(time.Time{})))
		w, err := s.WebhookByID(ctx(t), f.u.ID, f.status.ID)
		must(t, err)
		if w.Active || w.DisabledReason != "The endpoint answered 410 Gone." {
			t.Fatalf("got active %v reason %q, want disabled by the 410", w.Active, w.DisabledReason)
		}
		// Turning it on again ends the streak.
		w.Active, w.DisabledReason = true, ""
		must(t, s.UpdateWebhook(ctx(t), w))
		w, err = s.WebhookByID(ctx(t), f.u.ID, f.status.ID)
		must(t, err)
		if !w.Active || w.FailingSince != nil {
			t.Fatalf("got active %v failing since %v, want active with no streak", w.Active, w.FailingSince)
		}
	})

	t.Run("retry one and retry all since", func(t *testing.T) {
		abandoned := by[f.all.ID][1].Delivery.ID
		succeeded := by[f.all.ID][0].Delivery.ID
		later := time.Now().Add(3 * time.Second)
		n, err := s.RetryDeliveries(ctx(t), f.other.ID, f.all.ID, abandoned, time.Time{}, later)
		must(t, err)
		if n != 0 {
			t.Fatalf("another tenant retried %d of ours, want 0", n)
		}
		n, err = s.RetryDeliveries(ctx(t), f.u.ID, f.all.ID, succeeded, time.Time{}, later)
		must(t, err)
		if n != 1 {
			t.Fatalf("got %d retried, want the one named", n)
		}
		d, err := s.DeliveryByID(ctx(t), f.u.ID, f.all.ID, succeeded)
		must(t, err)
		if d.Status != gateway.DeliveryPending || d.Attempts != 0 {
			t.Fatalf("got %s with %d attempts, want pending with a fresh schedule", d.Status, d.Attempts)
		}
		n, err = s.RetryDeliveries(ctx(t), f.u.ID, f.onS1.ID, "", time.Now().Add(time.Hour), later)
		must(t, err)
		if n != 0 {
			t.Fatalf("got %d retried since a future time, want 0", n)
		}
		n, err = s.RetryDeliveries(ctx(t), f.u.ID, f.onS1.ID, "", time.Time{}, later)
		must(t, err)
		if n != 2 {
			t.Fatalf("got %d retried, want the 2 abandoned", n)
		}
	})
}

func testTestDelivery(t *testing.T, s gateway.Store) {
	f := newDeliveryFixture(t, s)
	e := gateway.NewEvent(f.u.ID, "", gateway.EventWebhookTest, gateway.WebhookTestData{WebhookID: f.onS1.ID, Message: "hi"})
	d, err := s.CreateTestDelivery(ctx(t), f.onS1, e)
	must(t, err)
	if d.EventID != e.ID || d.WebhookID != f.onS1.ID || d.Status != gateway.DeliveryPending {
		t.Fatalf("got %+v, want a pending delivery of the test event", d)
	}
	diff(t, "test endpoint", deliveryEvents(t, s, f.u.ID, f.onS1.ID), []string{e.ID})
	diff(t, "* endpoint", deliveryEvents(t, s, f.u.ID, f.all.ID), []string{})
	got, err := s.ClaimDeliveries(ctx(t), gateway.DeliveryClaim{Now: time.Now().Add(time.Second), Lease: time.Minute, Limit: 10})
	must(t, err)
	if len(got) != 1 || got[0].Event.Type != gateway.EventWebhookTest {
		t.Fatalf("got %d claimed, want the one test delivery", len(got))
	}
}

func testPurgeEvents(t *testing.T, s gateway.Store) {
	f := newDeliveryFixture(t, s)
	now := time.Now().UTC().Truncate(time.Microsecond)
	old := now.Add(-40 * 24 * time.Hour)
	cutoff := now.Add(-30 * 24 * time.Hour)
	write := func(userID, sessionID string, at time.Time) *gateway.Event {
		e := gateway.NewEvent(userID, sessionID, gateway.EventMessage, map[string]string{"k": "v"})
		e.Timestamp = at
		_, err := s.SetSessionState(ctx(t), userID, sessionID, gateway.SessionState{}, e)
		must(t, err)
		return e
	}
	// A tenant without webhooks: old events go, in batches, new ones stay.
	u, sess := newTenant(t, s)
	write(u.ID, sess.ID, old)
	write(u.ID, sess.ID, old.Add(time.Second))
	fresh := write(u.ID, sess.ID, now)
	// An old event of a tenant with webhooks: its deliveries are owed.
	owed := write(f.u.ID, f.s1.ID, old)

	purge := func(limit, want int) {
		t.Helper()
		n, err := s.PurgeEvents(ctx(t), cutoff, limit)
		must(t, err)
		if n != want {
			t.Fatalf("purged %d, want %d", n, want)
		}
	}
	purge(1, 1)
	purge(10, 1)
	purge(10, 0)
	left, err := s.ListEvents(ctx(t), u.ID, gateway.EventFilter{})
	must(t, err)
	if len(left) != 1 || left[0].ID != fresh.ID {
		t.Fatalf("left %v, want only the fresh event", left)
	}
	if n, _ := s.CountEvents(ctx(t), f.u.ID, time.Time{}); n != 1 {
		t.Fatalf("the owed event was purged (%d left)", n)
	}

	// Once every delivery has ended (succeeded or abandoned), it goes too,
	// and its deliveries with it.
	claimed, err := s.ClaimDeliveries(ctx(t), gateway.DeliveryClaim{Now: now.Add(time.Second), Lease: time.Minute, Limit: 100})
	must(t, err)
	var results []gateway.DeliveryResult
	for i, c := range claimed {
		if c.Delivery.EventID != owed.ID {
			continue
		}
		st := gateway.DeliverySucceeded
		if i%2 == 1 {
			st = gateway.DeliveryAbandoned
		}
		results = append(results, gateway.DeliveryResult{DeliveryID: c.Delivery.ID, WebhookID: c.Webhook.ID, UserID: c.Delivery.UserID,
			Lease: c.Delivery.LockedUntil, Status: st, Attempted: true, StatusCode: 200, At: now})
	}
	if len(results) == 0 {
		t.Fatal("the owed event has no deliveries to complete")
	}
	must(t, s.CompleteDeliveries(ctx(t), results, webhook.Policy(time.Time{})))
	if got := deliveryEvents(t, s, f.u.ID, f.all.ID); len(got) != 1 {
		t.Fatalf("deliveries before the purge: %v", got)
	}
	purge(10, 1)
	if got := deliveryEvents(t, s, f.u.ID, f.all.ID); len(got) != 0 {
		t.Fatalf("deliveries of a purged event remain: %v", got)
	}
}

// testDeliveryStreakOutOfOrder: a batch may list a later failure before an
// earlier success (attempts end out of order). The endpoint fails since
// the failure, not since the beginning of time, so it is not disabled.
func testDeliveryStreakOutOfOrder(t *testing.T, s gateway.Store) {
	f := newDeliveryFixture(t, s)
	writeEvent(t, s, f.u.ID, f.s1.ID, gateway.EventMessage)
	writeEvent(t, s, f.u.ID, f.s1.ID, gateway.EventMessage)
	start := time.Now().Add(time.Second).UTC().Truncate(time.Microsecond)
	got, err := s.ClaimDeliveries(ctx(t), gateway.DeliveryClaim{Now: start, Lease: time.Minute, Limit: 100})
	must(t, err)
	var mine []*gateway.ClaimedDelivery
	for _, c := range got {
		if c.Webhook.ID == f.all.ID {
			mine = append(mine, c)
		}
	}
	if len(mine) != 2 {
		t.Fatalf("claimed %d deliveries of the endpoint, want 2", len(mine))
	}
	t1, t2 := start.Add(time.Second), start.Add(2*time.Second)
	retry := t2.Add(time.Minute)
	res := func(c *gateway.ClaimedDelivery, st gateway.DeliveryStatus, code int, at time.Time, next *time.Time) gateway.DeliveryResult {
		return gateway.DeliveryResult{DeliveryID: c.Delivery.ID, WebhookID: c.Webhook.ID, UserID: c.Delivery.UserID,
			Lease: c.Delivery.LockedUntil, Status: st, NextAttemptAt: next, Attempted: true, StatusCode: code, At: at}
	}
	must(t, s.CompleteDeliveries(ctx(t), []gateway.DeliveryResult{
		res(mine[0], gateway.DeliveryFailed, 500, t2, &retry),
		res(mine[1], gateway.DeliverySucceeded, 200, t1, nil),
	}, webhook.Policy(t2.Add(-time.Hour))))
	w, err := s.WebhookByID(ctx(t), f.u.ID, f.all.ID)
	must(t, err)
	if !w.Active || w.FailingSince == nil || !w.FailingSince.Equal(t2) {
		t.Fatalf("endpoint active %v, failing since %v; want active, failing since %v", w.Active, w.FailingSince, t2)
	}
}
