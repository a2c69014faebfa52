package storetest

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func mustPlan(t *testing.T, s gateway.Store, id string) *gateway.Plan {
	t.Helper()
	p := &gateway.Plan{ID: id, Name: id, Currency: "USD", Limits: gateway.PlanLimits{MessagesPerMonth: 10, RequestsPerMinute: 60},
		Overage: gateway.PlanOverage{MessagesPer1000Cents: 25, MaxExtraMessages: 5}}
	must(t, s.UpsertPlan(ctx(t), p))
	return p
}

func testSubscriptions(t *testing.T, s gateway.Store) {
	mustPlan(t, s, "free")
	pro := mustPlan(t, s, "pro")
	got, err := s.PlanByID(ctx(t), "pro")
	must(t, err)
	diff(t, "plan overage", got.Overage, pro.Overage)

	u := newUser(t, s)
	start, end := at(0), at(60*24*30)
	sub, err := s.EnsureSubscription(ctx(t), u.ID, "free", start, end)
	must(t, err)
	want := &gateway.Subscription{UserID: u.ID, PlanID: "free", Status: gateway.SubscriptionActive,
		CurrentPeriodStart: start, CurrentPeriodEnd: end, CreatedAt: sub.CreatedAt, UpdatedAt: sub.UpdatedAt}
	diff(t, "new subscription", sub, want)
	again, err := s.EnsureSubscription(ctx(t), u.ID, "pro", at(5), at(6))
	must(t, err)
	diff(t, "existing subscription", again, want)

	must(t, s.RenewSubscription(ctx(t), u.ID, end, at(60*24*61)))
	sub, err = s.EnsureSubscription(ctx(t), u.ID, "free", start, end)
	must(t, err)
	if !sub.CurrentPeriodStart.Equal(end) {
		t.Fatalf("renewed period starts %v, want %v", sub.CurrentPeriodStart, end)
	}

	admin := newUser(t, s)
	c := &gateway.SubscriptionChange{UserID: u.ID, ToPlanID: "pro", ActorID: admin.ID, Reason: "upgrade", CreatedAt: at(10)}
	audit := &gateway.AuditEntry{ActorID: admin.ID, ActorEmail: admin.Email, Action: "tenant.plan_change", TargetType: "tenant",
		TargetID: u.ID, Details: json.RawMessage(`{"to":"pro"}`), IP: "192.0.2.1", CreatedAt: at(10)}
	must(t, s.ChangePlan(ctx(t), c, audit))
	if c.FromPlanID != "free" {
		t.Fatalf("got from plan %q, want free", c.FromPlanID)
	}
	stored, err := s.UserByID(ctx(t), u.ID)
	must(t, err)
	if stored.PlanID != "pro" {
		t.Fatalf("got user plan %q, want pro", stored.PlanID)
	}
	sub, err = s.EnsureSubscription(ctx(t), u.ID, "free", start, end)
	must(t, err)
	if sub.PlanID != "pro" {
		t.Fatalf("got subscription plan %q, want pro", sub.PlanID)
	}
	hist, err := s.SubscriptionHistory(ctx(t), u.ID, 10)
	must(t, err)
	diff(t, "history", hist, []*gateway.SubscriptionChange{c})

	t.Run("unknown plan or user", func(t *testing.T) {
		wantCode(t, s.ChangePlan(ctx(t), &gateway.SubscriptionChange{UserID: u.ID, ToPlanID: "gold"}, nil), gateway.CodeNotFound)
		wantCode(t, s.ChangePlan(ctx(t), &gateway.SubscriptionChange{UserID: "00000000-0000-4000-8000-000000000000", ToPlanID: "pro"}, nil), gateway.CodeNotFound)
		hist, err := s.SubscriptionHistory(ctx(t), u.ID, 10)
		must(t, err)
		if len(hist) != 1 {
			t.Fatalf("got %d history rows after refused changes, want 1", len(hist))
		}
	})

	t.Run("status with audit", func(t *testing.T) {
		must(t, s.SetUserStatus(ctx(t), u.ID, gateway.UserSuspended,
			&gateway.AuditEntry{ActorID: admin.ID, Action: "tenant.suspend", TargetType: "tenant", TargetID: u.ID, CreatedAt: at(20)}))
		got, err := s.UserByID(ctx(t), u.ID)
		must(t, err)
		if got.Status != gateway.UserSuspended {
			t.Fatalf("got status %q, want suspended", got.Status)
		}
		// A suspension revokes every token issued before it.
		if got.TokenVersion != u.TokenVersion+1 {
			t.Fatalf("got token version %d after a suspension, want %d", got.TokenVersion, u.TokenVersion+1)
		}
		sub, err := s.EnsureSubscription(ctx(t), u.ID, "free", start, end)
		must(t, err)
		if sub.Status != gateway.SubscriptionSuspended {
			t.Fatalf("got subscription status %q, want suspended", sub.Status)
		}
		wantCode(t, s.SetUserStatus(ctx(t), "00000000-0000-4000-8000-000000000000", gateway.UserActive, nil), gateway.CodeNotFound)
	})

	t.Run("audit log", func(t *testing.T) {
		list, total, err := s.ListAudit(ctx(t), gateway.AuditFilter{TargetID: u.ID, Page: gateway.Page{Page: 1, Limit: 10}})
		must(t, err)
		if total != 2 || len(list) != 2 || list[0].Action != "tenant.suspend" || list[1].Action != "tenant.plan_change" {
			t.Fatalf("got %d entries (total %d) %+v, want suspend then plan change", len(list), total, list)
		}
		diff(t, "audit entry", list[1], audit)
		list, _, err = s.ListAudit(ctx(t), gateway.AuditFilter{Action: "tenant.plan_change", Page: gateway.Page{Page: 1, Limit: 10}})
		must(t, err)
		if len(list) != 1 {
			t.Fatalf("got %d plan changes, want 1", len(list))
		}
	})

	t.Run("delete plan", func(t *testing.T) {
		wantCode(t, s.DeletePlan(ctx(t), "pro"), gateway.CodeConflict)
		n, err := s.CountUsersOnPlan(ctx(t), "pro")
		must(t, err)
		if n != 1 {
			t.Fatalf("got %d users on pro, want 1", n)
		}
		mustPlan(t, s, "empty")
		must(t, s.DeletePlan(ctx(t), "empty"))
		wantCode(t, s.DeletePlan(ctx(t), "empty"), gateway.CodeNotFound)
	})
}

// sendOne stores m as a batch of one, as the service stores a lone send:
// the counter including m, or CodeQuotaExceeded with the counter.
func sendOne(c context.Context, s gateway.Store, m *gateway.Message, period string, start, end time.Time, limit int64) (int64, error) {
	before, stored, err := s.CreateMessagesWithinQuota(c, []*gateway.Message{m}, period, start, end, limit)
	switch {
	case err != nil:
		return 0, err
	case stored == 0:
		return before, gateway.Errorf(gateway.CodeQuotaExceeded, "The monthly message limit is reached.")
	}
	return before + 1, nil
}

func testMessageQuota(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	start, end := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	// Two messages stored before the counter exists count against it.
	for i := 0; i < 2; i++ {
		newMessage(t, s, sess, func(m *gateway.Message) { m.CreatedAt = at(i) })
	}
	newMessage(t, s, sess, func(m *gateway.Message) { m.CreatedAt = start.Add(-time.Minute) }) // last month
	send := func(limit int64) (int64, error) {
		m := &gateway.Message{UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound, Type: gateway.TypeText,
			Recipient: "1555@s.whatsapp.net", Chat: "1555@s.whatsapp.net", Body: "hi", WAMessageID: gateway.NewWAMessageID(), CreatedAt: at(30)}
		return sendOne(ctx(t), s, m, "2025-03", start, end, limit)
	}
	for want := int64(3); want <= 4; want++ {
		used, err := send(4)
		must(t, err)
		if used != want {
			t.Fatalf("got used %d, want %d", used, want)
		}
	}
	used, err := send(4)
	wantCode(t, err, gateway.CodeQuotaExceeded)
	if used != 4 {
		t.Fatalf("got used %d at the limit, want 4", used)
	}
	n, err := s.MessageCounter(ctx(t), u.ID, "2025-03")
	must(t, err)
	stored, err := s.CountOutboundSince(ctx(t), u.ID, start)
	must(t, err)
	if n != 4 || stored != 4 {
		t.Fatalf("got counter %d and %d stored, want 4 and 4", n, stored)
	}
	// A higher limit (a plan change) applies at once; negative is unlimited.
	if _, err := send(5); err != nil {
		t.Fatalf("send under a raised limit: %v", err)
	}
	if _, err := send(-1); err != nil {
		t.Fatalf("send without a limit: %v", err)
	}

	t.Run("parallel sends never overshoot", func(t *testing.T) {
		u, sess := newTenant(t, s)
		const limit, senders = 10, 40
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			accepted int
			refused  int
		)
		for i := 0; i < senders; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := &gateway.Message{UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound, Type: gateway.TypeText,
					Recipient: "1555@s.whatsapp.net", WAMessageID: gateway.NewWAMessageID(), CreatedAt: at(1)}
				_, err := sendOne(ctx(t), s, m, "2025-03", start, end, limit)
				mu.Lock()
				defer mu.Unlock()
				switch gateway.ErrorCode(err) {
				case "":
					accepted++
				case gateway.CodeQuotaExceeded:
					refused++
				default:
					t.Errorf("send: %v", err)
				}
			}()
		}
		wg.Wait()
		stored, err := s.CountOutboundSince(ctx(t), u.ID, start)
		must(t, err)
		if accepted != limit || refused != senders-limit || stored != limit {
			t.Fatalf("got %d accepted, %d refused, %d stored; want %d, %d, %d", accepted, refused, stored, limit, senders-limit, limit)
		}
	})

	t.Run("batches", func(t *testing.T) {
		u, sess := newTenant(t, s)
		newMessage(t, s, sess, func(m *gateway.Message) { m.CreatedAt = at(1) }) // stored before the counter
		batch := func(n int) []*gateway.Message {
			ms := make([]*gateway.Message, n)
			for i := range ms {
				ms[i] = &gateway.Message{ID: uuid.NewString(), UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound,
					Type: gateway.TypeText, Recipient: "1555@s.whatsapp.net", WAMessageID: gateway.NewWAMessageID(), CreatedAt: at(2)}
			}
			return ms
		}
		ms := batch(3)
		before, stored, err := s.CreateMessagesWithinQuota(ctx(t), ms, "2025-03", start, end, 5)
		must(t, err)
		if before != 1 || stored != 3 {
			t.Fatalf("first batch: counter before %d, stored %d; want 1 and 3", before, stored)
		}
		// Room for one more: the first of the next batch, in order.
		ms = batch(3)
		before, stored, err = s.CreateMessagesWithinQuota(ctx(t), ms, "2025-03", start, end, 5)
		must(t, err)
		if before != 4 || stored != 1 {
			t.Fatalf("second batch: counter before %d, stored %d; want 4 and 1", before, stored)
		}
		if _, err := s.MessageByID(ctx(t), u.ID, ms[0].ID); err != nil {
			t.Fatalf("the first message of the batch was not stored: %v", err)
		}
		for _, m := range ms[1:] {
			if _, err := s.MessageByID(ctx(t), u.ID, m.ID); !gateway.IsCode(err, gateway.CodeNotFound) {
				t.Fatalf("a message past the limit was stored (%v)", err)
			}
		}
		if _, stored, err = s.CreateMessagesWithinQuota(ctx(t), batch(2), "2025-03", start, end, 5); err != nil || stored != 0 {
			t.Fatalf("at the limit: stored %d (%v), want 0", stored, err)
		}
		n, err := s.MessageCounter(ctx(t), u.ID, "2025-03")
		must(t, err)
		total, err := s.CountOutboundSince(ctx(t), u.ID, start)
		must(t, err)
		if n != 5 || total != 5 {
			t.Fatalf("counter %d, stored %d; want 5 and 5", n, total)
		}
	})

	t.Run("a batch the quota cuts short stores its first messages", func(t *testing.T) {
		u, sess := newTenant(t, s)
		ms := make([]*gateway.Message, 4)
		for i := range ms {
			ms[i] = &gateway.Message{ID: uuid.NewString(), UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound,
				Type: gateway.TypeText, Recipient: "1555@s.whatsapp.net", WAMessageID: gateway.NewWAMessageID(), CreatedAt: at(2)}
		}
		_, stored, err := s.CreateMessagesWithinQuota(ctx(t), ms, "2025-03", start, end, 2)
		must(t, err)
		if stored != 2 {
			t.Fatalf("stored %d of 4 with room for 2", stored)
		}
		for i, m := range ms {
			_, err := s.MessageByID(ctx(t), u.ID, m.ID)
			if (i < 2) != (err == nil) {
				t.Fatalf("message %d of the batch: read back %v, want it stored only if among the first 2", i, err)
			}
		}
	})

	t.Run("a batch stores what one message alone does", func(t *testing.T) {
		u, sess := newTenant(t, s)
		full := func() *gateway.Message {
			return &gateway.Message{ID: uuid.NewString(), UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound,
				Type: gateway.TypeText, Recipient: "120363@g.us", Chat: "120363@g.us", IsGroup: true, Body: "Which \"one\"? ünï 😀\n",
				Payload: json.RawMessage(`{"mentions":["1555@s.whatsapp.net"]}`), ReplyTo: "3EB0REPLY", WAMessageID: gateway.NewWAMessageID(),
				RequestID: "req-1", RecipientLID: "123@lid", Secret: []byte{0, 1, 2, 0xff}, MediaRef: []byte(`{"k":1}`),
				CreatedAt: at(3), UpdatedAt: at(3)}
		}
		alone := full()
		must(t, s.CreateMessage(ctx(t), alone))
		want, err := s.MessageByID(ctx(t), u.ID, alone.ID)
		must(t, err)
		ms := []*gateway.Message{full(), full()}
		_, stored, err := s.CreateMessagesWithinQuota(ctx(t), ms, "2025-03", start, end, -1)
		must(t, err)
		if stored != len(ms) {
			t.Fatalf("stored %d of %d", stored, len(ms))
		}
		for _, m := range ms {
			got, err := s.MessageByID(ctx(t), u.ID, m.ID)
			must(t, err)
			got.ID, got.WAMessageID = want.ID, want.WAMessageID
			diff(t, "a batch's message", got, want)
		}
	})

	t.Run("thresholds once", func(t *testing.T) {
		for i, want := range []bool{true, false} {
			ok, err := s.RecordThreshold(ctx(t), u.ID, "2025-03", "messages", 80,
				gateway.NewEvent(u.ID, "", gateway.EventUsageThreshold, gateway.UsageThresholdData{Threshold: 80}))
			must(t, err)
			if ok != want {
				t.Fatalf("call %d: got recorded %v, want %v", i, ok, want)
			}
		}
		evs, err := s.ListEvents(ctx(t), u.ID, gateway.EventFilter{Types: []string{gateway.EventUsageThreshold}})
		must(t, err)
		if len(evs) != 1 {
			t.Fatalf("got %d threshold events, want 1", len(evs))
		}
	})
}

func testIdempotency(t *testing.T, s gateway.Store) {
	u := newUser(t, s)
	rec := &gateway.IdempotencyRecord{UserID: u.ID, Key: "k1", Fingerprint: "fp1", CreatedAt: at(0), ExpiresAt: at(60)}
	prev, claimed, err := s.BeginIdempotent(ctx(t), rec)
	must(t, err)
	if !claimed || prev != nil {
		t.Fatalf("first claim: got claimed %v prev %+v, want claimed", claimed, prev)
	}
	prev, claimed, err = s.BeginIdempotent(ctx(t), &gateway.IdempotencyRecord{UserID: u.ID, Key: "k1", Fingerprint: "fp2", CreatedAt: at(1), ExpiresAt: at(61)})
	must(t, err)
	if claimed || prev == nil || prev.Fingerprint != "fp1" || prev.Status != 0 {
		t.Fatalf("second claim: got claimed %v prev %+v, want the running first", claimed, prev)
	}
	must(t, s.FinishIdempotent(ctx(t), u.ID, "k1", 201, []byte(`{"ok":true}`)))
	got, err := s.IdempotentRecord(ctx(t), u.ID, "k1")
	must(t, err)
	if got.Status != 201 || string(got.Body) != `{"ok":true}` {
		t.Fatalf("got %d %s, want 201 and the body", got.Status, got.Body)
	}
	// A running claim's lease: renewed only by its own request, taken over
	// only once it lapsed, and by one duplicate.
	lease := &gateway.IdempotencyRecord{UserID: u.ID, Key: "lease", Fingerprint: "fp", RequestID: "r1", CreatedAt: at(0), ExpiresAt: at(100000), LeaseUntil: at(1)}
	if _, claimed, err := s.BeginIdempotent(ctx(t), lease); err != nil || !claimed {
		t.Fatalf("lease claim: %v %v", claimed, err)
	}
	wantCode(t, s.RenewIdempotent(ctx(t), u.ID, "lease", "r2", at(5)), gateway.CodeNotFound)
	must(t, s.RenewIdempotent(ctx(t), u.ID, "lease", "r1", at(3)))
	got, err = s.IdempotentRecord(ctx(t), u.ID, "lease")
	must(t, err)
	if got.RequestID != "r1" || !got.LeaseUntil.Equal(at(3)) {
		t.Fatalf("renewed claim: request %q lease %v, want r1 until %v", got.RequestID, got.LeaseUntil, at(3))
	}
	early := &gateway.IdempotencyRecord{UserID: u.ID, Key: "lease", RequestID: "r2", CreatedAt: at(2), LeaseUntil: at(32)}
	if taken, err := s.TakeOverIdempotent(ctx(t), early, "r1"); err != nil || taken {
		t.Fatalf("take-over inside the lease: got %v %v, want refused", taken, err)
	}
	late := &gateway.IdempotencyRecord{UserID: u.ID, Key: "lease", RequestID: "r2", CreatedAt: at(4), LeaseUntil: at(34)}
	if taken, err := s.TakeOverIdempotent(ctx(t), late, "r1"); err != nil || !taken {
		t.Fatalf("take-over after the lease: got %v %v, want taken", taken, err)
	}
	rival := &gateway.IdempotencyRecord{UserID: u.ID, Key: "lease", RequestID: "r3", CreatedAt: at(4), LeaseUntil: at(34)}
	if taken, err := s.TakeOverIdempotent(ctx(t), rival, "r1"); err != nil || taken {
		t.Fatalf("second take-over of the same claim: got %v %v, want refused", taken, err)
	}
	wantCode(t, s.RenewIdempotent(ctx(t), u.ID, "lease", "r1", at(40)), gateway.CodeNotFound) // the old owner lost it

	// Another tenant's key of the same name is its own.
	other := newUser(t, s)
	if _, claimed, err := s.BeginIdempotent(ctx(t), &gateway.IdempotencyRecord{UserID: other.ID, Key: "k1", Fingerprint: "fp1", CreatedAt: at(2), ExpiresAt: at(62)}); err != nil || !claimed {
		t.Fatalf("other tenant's claim: got %v %v, want claimed", claimed, err)
	}
	// Released claims run again; finished ones are not released.
	must(t, s.ReleaseIdempotent(ctx(t), other.ID, "k1"))
	must(t, s.ReleaseIdempotent(ctx(t), u.ID, "k1"))
	_, err = s.IdempotentRecord(ctx(t), other.ID, "k1")
	wantCode(t, err, gateway.CodeNotFound)
	if _, err := s.IdempotentRecord(ctx(t), u.ID, "k1"); err != nil {
		t.Fatalf("finished record was released: %v", err)
	}
	// An expired record is replaced by a new claim, and purged.
	_, claimed, err = s.BeginIdempotent(ctx(t), &gateway.IdempotencyRecord{UserID: u.ID, Key: "k1", Fingerprint: "fp3", CreatedAt: at(61), ExpiresAt: at(120)})
	must(t, err)
	if !claimed {
		t.Fatal("an expired key was not claimed again")
	}
	_, _, err = s.BeginIdempotent(ctx(t), &gateway.IdempotencyRecord{UserID: u.ID, Key: "old", Fingerprint: "x", CreatedAt: at(0), ExpiresAt: at(1)})
	must(t, err)
	n, err := s.PurgeIdempotent(ctx(t), at(100))
	must(t, err)
	if n != 1 {
		t.Fatalf("purged %d, want 1", n)
	}

	t.Run("concurrent claims", func(t *testing.T) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, claimed, err := s.BeginIdempotent(ctx(t), &gateway.IdempotencyRecord{UserID: u.ID, Key: "race", Fingerprint: "f", ExpiresAt: time.Now().Add(time.Hour)})
				if err != nil {
					t.Errorf("claim: %v", err)
				}
				if claimed {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("got %d winners, want 1", wins)
		}
	})
}

func testUsageAndAnalytics(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	day1 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	day2 := day1.Add(24 * time.Hour)
	ptrT := func(t time.Time) *time.Time { return &t }
	mk := func(created time.Time, dir string, st gateway.MessageStatus, latency time.Duration, payload string) {
		newMessage(t, s, sess, func(m *gateway.Message) {
			m.CreatedAt, m.Direction, m.Status = created, dir, st
			if dir == gateway.DirectionInbound {
				m.WAMessageID = gateway.NewWAMessageID()
			}
			if latency > 0 {
				m.SentAt, m.DeliveredAt = ptrT(created.Add(time.Second)), ptrT(created.Add(time.Second+latency))
			}
			if payload != "" {
				m.Payload = json.RawMessage(payload)
			}
		})
	}
	mk(day1, gateway.DirectionOutbound, gateway.MessageDelivered, 200*time.Millisecond, `{"media":{"size":1000,"mime_type":"image/jpeg"}}`)
	mk(day1.Add(time.Hour), gateway.DirectionOutbound, gateway.MessageRead, 3*time.Second, "")
	mk(day1.Add(2*time.Hour), gateway.DirectionOutbound, gateway.MessageFailed, 0, "")
	mk(day1.Add(3*time.Hour), gateway.DirectionInbound, gateway.MessageReceived, 0, `{"media":{"size":500}}`)
	mk(day2, gateway.DirectionOutbound, gateway.MessageSent, 0, "")
	mk(day2.Add(48*time.Hour), gateway.DirectionOutbound, gateway.MessageSent, 0, "") // outside the range
	_, mk2 := newTenant(t, s)
	newMessage(t, s, mk2, func(m *gateway.Message) { m.CreatedAt = day1 })

	// An instance that ran 10:00 on day 1 to 02:00 on day 2.
	inst := newInstance(t, s, sess, gateway.InstanceRunning)
	_, err := s.UpdateInstance(ctx(t), u.ID, inst.ID, gateway.InstanceUpdate{Status: gateway.InstanceStopped, Restarts: -1,
		StartedAt: ptrT(day1), StoppedAt: ptrT(day1.Add(16 * time.Hour))})
	must(t, err)

	from, to := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	days, err := s.UsageDays(ctx(t), u.ID, from, to)
	must(t, err)
	want := []gateway.UsageDay{
		{Day: from, MessagesAccepted: 3, MessagesSent: 2, MessagesDeliver: 2, MessagesFailed: 1, MessagesReceived: 1, MediaBytes: 1500, SessionSeconds: 14 * 3600},
		{Day: from.Add(24 * time.Hour), MessagesAccepted: 1, MessagesSent: 1, SessionSeconds: 2 * 3600},
	}
	diff(t, "usage days", days, want)

	series, err := s.MessageSeries(ctx(t), u.ID, gateway.SeriesFilter{From: from, To: to, Bucket: 24 * time.Hour})
	must(t, err)
	var total int64
	for _, r := range series {
		total += r.Count
	}
	if total != 5 || len(series) != 5 {
		t.Fatalf("got %d rows counting %d messages, want 5 and 5: %+v", len(series), total, series)
	}
	hourly, err := s.MessageSeries(ctx(t), u.ID, gateway.SeriesFilter{From: from, To: to, Bucket: time.Hour, SessionID: sess.ID})
	must(t, err)
	if len(hourly) != 5 || !hourly[0].Bucket.Equal(day1) {
		t.Fatalf("hourly series: %+v", hourly)
	}
	lat, err := s.DeliveryLatency(ctx(t), u.ID, gateway.SeriesFilter{From: from, To: to})
	must(t, err)
	diff(t, "latency histogram", lat, []gateway.LatencyBucket{{UpperMillis: 210, Count: 1}, {UpperMillis: 3100, Count: 1}})

	g, err := s.GlobalStats(ctx(t), from, from)
	must(t, err)
	if g.MessagesAll < 7 || g.Sessions < 2 || g.Users[gateway.UserActive] < 2 {
		t.Fatalf("global stats too low: %+v", g)
	}
}

func testUserTokens(t *testing.T, s gateway.Store) {
	u := newUser(t, s)
	must(t, s.CreateUserToken(ctx(t), &gateway.UserToken{Hash: "h1", UserID: u.ID, Purpose: gateway.TokenVerifyEmail, ExpiresAt: at(60)}))
	must(t, s.CreateUserToken(ctx(t), &gateway.UserToken{Hash: "h2", UserID: u.ID, Purpose: gateway.TokenResetPassword, ExpiresAt: at(60)}))
	_, err := s.ConsumeUserToken(ctx(t), "h1", gateway.TokenResetPassword, at(0))
	wantCode(t, err, gateway.CodeNotFound)
	_, err = s.ConsumeUserToken(ctx(t), "h2", gateway.TokenResetPassword, at(61))
	wantCode(t, err, gateway.CodeNotFound)
	got, err := s.ConsumeUserToken(ctx(t), "h1", gateway.TokenVerifyEmail, at(0))
	must(t, err)
	if got.UserID != u.ID {
		t.Fatalf("got user %q, want %q", got.UserID, u.ID)
	}
	_, err = s.ConsumeUserToken(ctx(t), "h1", gateway.TokenVerifyEmail, at(0))
	wantCode(t, err, gateway.CodeNotFound)
}

// testAnalyticsRollups moves messages through their states, deletes a
// session, and checks that the rollups (read for aligned ranges) always
// agree with the messages (read for unaligned ones).
func testAnalyticsRollups(t *testing.T, s gateway.Store) {
	u := newUser(t, s)
	keep, gone := newSession(t, s, u.ID), newSession(t, s, u.ID)
	day := time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)
	var msgs []*gateway.Message
	for i := 0; i < 12; i++ {
		sess := keep
		if i%3 == 0 {
			sess = gone
		}
		msgs = append(msgs, newMessage(t, s, sess, func(m *gateway.Message) { m.CreatedAt = day.Add(time.Duration(i) * 50 * time.Minute) }))
	}
	for i, m := range msgs {
		at := m.CreatedAt.Add(time.Second)
		_, err := s.UpdateMessageStatus(ctx(t), gateway.MessageStatusUpdate{ID: m.ID, Status: gateway.MessageSent, At: at}, nil)
		must(t, err)
		switch i % 4 {
		case 0:
			_, err = s.UpdateMessageStatus(ctx(t), gateway.MessageStatusUpdate{ID: m.ID, Status: gateway.MessageDelivered, At: at.Add(time.Duration(i+1) * 300 * time.Millisecond)}, nil)
		case 1:
			_, err = s.UpdateMessageStatus(ctx(t), gateway.MessageStatusUpdate{ID: m.ID, Status: gateway.MessageRead, At: at.Add(2 * time.Second)}, nil)
		case 2:
			_, err = s.UpdateMessageStatus(ctx(t), gateway.MessageStatusUpdate{ID: m.ID, Status: gateway.MessageFailed, Error: "x", At: at}, nil)
		}
		must(t, err)
	}
	// A receipt arriving before the server ack fills both times at once.
	m := newMessage(t, s, keep, func(m *gateway.Message) { m.CreatedAt = day.Add(20 * time.Hour) })
	_, err := s.UpdateMessageStatus(ctx(t), gateway.MessageStatusUpdate{ID: m.ID, Status: gateway.MessageDelivered, At: day.Add(20*time.Hour + time.Second)}, nil)
	must(t, err)

	compare := func(t *testing.T, wantTotal int64) {
		t.Helper()
		aligned := gateway.SeriesFilter{From: day, To: day.Add(24 * time.Hour), Bucket: time.Hour}
		raw := aligned
		raw.From = day.Add(-time.Microsecond) // unaligned: read from the messages
		a, err := s.MessageSeries(ctx(t), u.ID, aligned)
		must(t, err)
		r, err := s.MessageSeries(ctx(t), u.ID, raw)
		must(t, err)
		var total int64
		for _, row := range a {
			total += row.Count
		}
		if total != wantTotal {
			t.Fatalf("rollup series counts %d messages, want %d", total, wantTotal)
		}
		// The raw read's buckets are offset by the unaligned start only when
		// the bucket does not divide it; hours from the epoch are the same.
		diff(t, "series rollup vs messages", a, r)
		la, err := s.DeliveryLatency(ctx(t), u.ID, aligned)
		must(t, err)
		lr, err := s.DeliveryLatency(ctx(t), u.ID, raw)
		must(t, err)
		diff(t, "latency rollup vs messages", la, lr)
	}
	compare(t, 13)
	must(t, s.DeleteSession(ctx(t), u.ID, gone.ID))
	compare(t, 9)
}

// testStatusBatchRollups drives a group-commit batch of sends across an hour
// boundary, then the worker's batched "sent" writes and a batch of receipts
// (by WA id, one message delivered then read in the same batch, one absent
// WA id, one malformed id), and checks every update landed as the one-by-one
// path would leave it, the events came out in order, and the hourly
// analytics and the latency histogram count exactly what is stored.
func testStatusBatchRollups(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	hourA := time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC)
	hourB := hourA.Add(time.Hour)
	created := []time.Time{hourB.Add(-2 * time.Second), hourB.Add(-time.Second), hourB, hourB.Add(time.Second)}
	ms := make([]*gateway.Message, len(created))
	for i, c := range created {
		ms[i] = &gateway.Message{ID: uuid.NewString(), UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound,
			Type: gateway.TypeText, Recipient: "1555@s.whatsapp.net", Chat: "1555@s.whatsapp.net",
			WAMessageID: gateway.NewWAMessageID(), CreatedAt: c}
	}
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	_, stored, err := s.CreateMessagesWithinQuota(ctx(t), ms, "2025-03", start, start.AddDate(0, 1, 0), -1)
	must(t, err)
	if stored != len(ms) {
		t.Fatalf("stored %d of the batch, want %d", stored, len(ms))
	}
	calls := 0
	sent := make([]gateway.MessageStatusUpdate, len(ms))
	for i, m := range ms {
		sent[i] = gateway.MessageStatusUpdate{ID: m.ID, Status: gateway.MessageSent, At: hourB.Add(time.Minute)}
	}
	got, err := s.UpdateMessageStatuses(ctx(t), sent, statusEvents(&calls))
	must(t, err)
	for i, m := range got {
		if m == nil || m.ID != ms[i].ID || m.Status != gateway.MessageSent || m.SentAt == nil {
			t.Fatalf("sent batch, update %d: got %+v, want message %s sent", i, m, ms[i].ID)
		}
	}
	receipts := []gateway.MessageStatusUpdate{
		{SessionID: sess.ID, WAMessageID: ms[0].WAMessageID, Status: gateway.MessageDelivered, At: hourB.Add(time.Minute + 200*time.Millisecond)},
		{SessionID: sess.ID, WAMessageID: ms[2].WAMessageID, Status: gateway.MessageDelivered, At: hourB.Add(time.Minute + 3*time.Second)},
		{SessionID: sess.ID, WAMessageID: "3EB0ABSENT", Status: gateway.MessageDelivered, At: hourB.Add(2 * time.Minute)},
		{SessionID: sess.ID, WAMessageID: ms[0].WAMessageID, Status: gateway.MessageRead, At: hourB.Add(2 * time.Minute)},
		{ID: "nope", Status: gateway.MessageRead, At: hourB.Add(2 * time.Minute)},
		{SessionID: sess.ID, WAMessageID: ms[3].WAMessageID, Status: gateway.MessageRead, At: hourB.Add(3 * time.Minute)},
		{SessionID: sess.ID, WAMessageID: ms[2].WAMessageID, Status: gateway.MessageSent, At: hourB.Add(3 * time.Minute)}, // behind: no move
	}
	got, err = s.UpdateMessageStatuses(ctx(t), receipts, statusEvents(&calls))
	must(t, err)
	wantStatus := []gateway.MessageStatus{gateway.MessageDelivered, gateway.MessageDelivered, "", gateway.MessageRead, "", gateway.MessageRead, ""}
	for i, w := range wantStatus {
		if (w == "") != (got[i] == nil) || (got[i] != nil && got[i].Status != w) {
			t.Fatalf("receipt %d: got %+v, want status %q", i, got[i], w)
		}
	}
	if calls != len(ms)+4 {
		t.Fatalf("got %d build calls, want %d (one per message moved)", calls, len(ms)+4)
	}
	// Every status event is stored, in the updates' order.
	evs, err := s.ListEvents(ctx(t), u.ID, gateway.EventFilter{SessionID: sess.ID, Types: []string{gateway.EventMessageStatus}})
	must(t, err)
	var order []string
	for _, e := range evs {
		var d gateway.MessageStatusData
		must(t, json.Unmarshal(e.Data, &d))
		order = append(order, d.MessageID+" "+string(d.Status))
	}
	var wantOrder []string
	for _, m := range ms {
		wantOrder = append(wantOrder, m.ID+" sent")
	}
	wantOrder = append(wantOrder, ms[0].ID+" delivered", ms[2].ID+" delivered", ms[0].ID+" read", ms[3].ID+" read")
	diff(t, "status events in order", order, wantOrder)

	// Per hour: ms[0] (read) and ms[1] (sent) in hour A; ms[2] (delivered)
	// and ms[3] (read, skipping delivered) in hour B.
	rows, err := s.MessageSeries(ctx(t), u.ID, gateway.SeriesFilter{From: hourA, To: hourB.Add(time.Hour), Bucket: time.Hour, SessionID: sess.ID})
	must(t, err)
	counts := map[string]int64{}
	for _, r := range rows {
		counts[r.Bucket.Format("15")+" "+r.Direction+" "+string(r.Status)] += r.Count
	}
	diff(t, "hourly counts", counts, map[string]int64{
		"10 outbound read": 1, "10 outbound sent": 1,
		"11 outbound delivered": 1, "11 outbound read": 1,
	})
	lat, err := s.DeliveryLatency(ctx(t), u.ID, gateway.SeriesFilter{From: hourA, To: hourB.Add(time.Hour), SessionID: sess.ID})
	must(t, err)
	var delivered int64
	for _, b := range lat {
		delivered += b.Count
	}
	if delivered != 3 {
		t.Fatalf("latency histogram counts %d delivered messages, want 3: %+v", delivered, lat)
	}
}

// testSentLinkPreview stores the cards the gateway made with the sents of
// a worker's batch (one statement on PostgreSQL): into a message with no
// payload or with other options, kept beside them; a caller's card already
// in the payload wins; a sent without a card leaves the payload alone; and
// UpdateMessageStatus alone does the same.
func testSentLinkPreview(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	payloads := []string{
		``, // no options
		`{"mentions":["1555@s.whatsapp.net"]}`,
		`{"link_preview":{"url":"https://example.com/a","title":"Mine"}}`, // the caller's
		`{"no_link_preview":true}`,
		``,
		``,
	}
	ms := make([]*gateway.Message, len(payloads))
	for i, p := range payloads {
		ms[i] = &gateway.Message{ID: uuid.NewString(), UserID: u.ID, SessionID: sess.ID, Direction: gateway.DirectionOutbound,
			Type: gateway.TypeText, Recipient: "1555@s.whatsapp.net", Chat: "1555@s.whatsapp.net", Body: "see https://example.com/a"}
		if p != "" {
			ms[i].Payload = json.RawMessage(p)
		}
		must(t, s.CreateMessage(ctx(t), ms[i]))
	}
	card := &gateway.LinkPreview{URL: "https://example.com/a", Title: "Made \"here\"", Description: "ünïcode",
		ThumbnailURL: "https://example.com/a.png", Thumbnail: []byte{0xff, 0xd8, 0xff, 0x00, 0x01}}
	at := time.Now().UTC()
	cards := []*gateway.LinkPreview{card, card, card, nil, nil}
	sent := make([]gateway.MessageStatusUpdate, len(cards))
	for i, c := range cards {
		sent[i] = gateway.MessageStatusUpdate{ID: ms[i].ID, WAMessageID: gateway.NewWAMessageID(), Status: gateway.MessageSent, At: at, LinkPreview: c}
	}
	got, err := s.UpdateMessageStatuses(ctx(t), sent, nil)
	must(t, err)
	for i, m := range got {
		if m == nil || m.Status != gateway.MessageSent {
			t.Fatalf("sent %d: got %+v, want it sent", i, m)
		}
	}
	_, err = s.UpdateMessageStatus(ctx(t), gateway.MessageStatusUpdate{ID: ms[5].ID, Status: gateway.MessageSent, At: at, LinkPreview: card}, nil)
	must(t, err)

	mine := &gateway.LinkPreview{URL: "https://example.com/a", Title: "Mine"}
	want := []struct {
		card     *gateway.LinkPreview
		mentions int
		none     bool // no_link_preview
		empty    bool // no payload at all
	}{{card: card}, {card: card, mentions: 1}, {card: mine}, {none: true}, {empty: true}, {card: card}}
	for i, w := range want {
		m, err := s.MessageByID(ctx(t), u.ID, ms[i].ID)
		must(t, err)
		if w.empty {
			if len(m.Payload) != 0 {
				t.Fatalf("message %d: payload %s, want none", i, m.Payload)
			}
			continue
		}
		p, err := gateway.ParsePayload(m.Payload)
		must(t, err)
		if !reflect.DeepEqual(p.LinkPreview, w.card) || len(p.Mentions) != w.mentions || p.NoLinkPreview != w.none {
			t.Fatalf("message %d: payload %s, want card %+v, %d mentions, no_link_preview %v", i, m.Payload, w.card, w.mentions, w.none)
		}
	}
}
