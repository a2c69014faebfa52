package storetest

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func testSessions(t *testing.T, s gateway.Store) {
	u := newUser(t, s)
	other := newUser(t, s)
	s1 := &gateway.Session{UserID: u.ID, Name: "one", Engine: gateway.EngineSandbox, WebhookURL: "https://example.com/hook",
		Settings:  gateway.SessionSettings{AutoReply: true, AutoReplyMessage: "away", WebhookEvents: []string{"message", "status"}},
		CreatedAt: at(1)}
	ev := gateway.NewEvent(u.ID, "", gateway.EventSessionStatus, map[string]string{"status": "created"})
	must(t, s.CreateSession(ctx(t), s1, ev))
	if s1.ID == "" || s1.Status != gateway.SessionCreated || !s1.UpdatedAt.Equal(s1.CreatedAt) {
		t.Fatalf("got id %q status %q updated %v, want id filled, created, updated = created", s1.ID, s1.Status, s1.UpdatedAt)
	}
	s2 := &gateway.Session{UserID: u.ID, Name: "two", Engine: gateway.EngineWhatsmeow, Status: gateway.SessionStarting, CreatedAt: at(2),
		ProxyURL: "socks5://user:pa55@proxy.example.com:1080"}
	must(t, s.CreateSession(ctx(t), s2))
	s3 := &gateway.Session{UserID: other.ID, Name: "theirs", Engine: gateway.EngineSandbox, CreatedAt: at(3)}
	must(t, s.CreateSession(ctx(t), s3))

	got, err := s.SessionByID(ctx(t), u.ID, s1.ID)
	must(t, err)
	diff(t, "SessionByID", got, s1)

	events, err := s.ListEvents(ctx(t), u.ID, gateway.EventFilter{})
	must(t, err)
	if len(events) != 1 || events[0].ID != ev.ID || events[0].Type != gateway.EventSessionStatus || events[0].Seq == 0 {
		t.Fatalf("got events %+v, want the one session.status event written with the session", events)
	}

	t.Run("absent or another tenant's", func(t *testing.T) {
		for _, id := range []string{s3.ID, uuid.NewString(), "nope"} {
			_, err := s.SessionByID(ctx(t), u.ID, id)
			wantCode(t, err, gateway.CodeNotFound)
		}
	})
	t.Run("missing user", func(t *testing.T) {
		err := s.CreateSession(ctx(t), &gateway.Session{UserID: uuid.NewString(), Name: "x", Engine: gateway.EngineSandbox})
		wantCode(t, err, gateway.CodeNotFound)
	})
	t.Run("list and count", func(t *testing.T) {
		wantPage(t, "ListSessions", []*gateway.Session{s2, s1}, 2)(s.ListSessions(ctx(t), u.ID, gateway.Page{Page: 1, Limit: 10}))
		wantPage(t, "ListSessions page 2", []*gateway.Session{s1}, 2)(s.ListSessions(ctx(t), u.ID, gateway.Page{Page: 2, Limit: 1}))
		wantCount(t, 2, "sessions")(s.CountSessions(ctx(t), u.ID))
	})
	t.Run("update", func(t *testing.T) {
		upd := *s1
		upd.Name, upd.WebhookURL, upd.ProxyURL = "renamed", "", "http://proxy.example.com:3128"
		upd.Settings = gateway.SessionSettings{WebhookEvents: []string{"*"}}
		upd.Status = gateway.SessionConnected // not saved by UpdateSession
		must(t, s.UpdateSession(ctx(t), &upd))
		got, err := s.SessionByID(ctx(t), u.ID, s1.ID)
		must(t, err)
		want := upd
		want.Status = s1.Status
		diff(t, "updated session", got, &want)

		theirs := *s3
		theirs.UserID = u.ID
		theirs.Name = "hijacked"
		wantCode(t, s.UpdateSession(ctx(t), &theirs), gateway.CodeNotFound)
		got, err = s.SessionByID(ctx(t), other.ID, s3.ID)
		must(t, err)
		if got.Name != "theirs" {
			t.Fatalf("got name %q, want theirs (unchanged)", got.Name)
		}
	})
}

func testSetSessionState(t *testing.T, s gateway.Store) {
	u := newUser(t, s)
	other := newUser(t, s)
	sess := newSession(t, s, u.ID)
	banned := at(100)

	steps := []struct {
		name string
		st   gateway.SessionState
		want func(s *gateway.Session)
	}{
		{"qr pending",
			gateway.SessionState{Status: gateway.SessionQRPending, StatusReason: "scan the code"},
			func(s *gateway.Session) { s.Status, s.StatusReason = gateway.SessionQRPending, "scan the code" }},
		{"connected fills device",
			gateway.SessionState{Status: gateway.SessionConnected, Phone: "15550001111", PushName: "Ann",
				DeviceJID: "15550001111:7@s.whatsapp.net", ConnectedAt: ptr(at(5))},
			func(s *gateway.Session) {
				s.Status, s.StatusReason = gateway.SessionConnected, ""
				s.Phone, s.PushName, s.DeviceJID, s.ConnectedAt = "15550001111", "Ann", "15550001111:7@s.whatsapp.net", ptr(at(5))
			}},
		{"empty values leave the stored ones, reason is replaced",
			gateway.SessionState{StatusReason: "still here"},
			func(s *gateway.Session) { s.StatusReason = "still here" }},
		{"banned",
			gateway.SessionState{Status: gateway.SessionDisconnected, StatusReason: "temporary ban", BannedUntil: &banned},
			func(s *gateway.Session) {
				s.Status, s.StatusReason, s.BannedUntil = gateway.SessionDisconnected, "temporary ban", ptr(banned)
			}},
		{"logged out clears the device",
			gateway.SessionState{Status: gateway.SessionLoggedOut, StatusReason: "removed from phone", ClearDevice: true},
			func(s *gateway.Session) {
				s.Status, s.StatusReason = gateway.SessionLoggedOut, "removed from phone"
				s.Phone, s.PushName, s.DeviceJID = "", "", ""
			}},
	}
	want := *sess
	for i, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			ev := gateway.NewEvent(u.ID, sess.ID, gateway.EventSessionStatus, gateway.SessionStatusData{SessionID: sess.ID, Status: step.st.Status})
			got, err := s.SetSessionState(ctx(t), u.ID, sess.ID, step.st, ev)
			must(t, err)
			step.want(&want)
			if got.UpdatedAt.Before(want.UpdatedAt) {
				t.Fatalf("got updated_at %v, want not before %v", got.UpdatedAt, want.UpdatedAt)
			}
			want.UpdatedAt = got.UpdatedAt
			diff(t, "returned session", got, &want)
			stored, err := s.SessionByID(ctx(t), u.ID, sess.ID)
			must(t, err)
			diff(t, "stored session", stored, &want)
			wantEvents(t, s, u.ID, gateway.EventFilter{SessionID: sess.ID}, i+1, ev.ID, "one per report")
		})
	}
	t.Run("another tenant's", func(t *testing.T) {
		ev := gateway.NewEvent(other.ID, sess.ID, gateway.EventSessionStatus, nil)
		_, err := s.SetSessionState(ctx(t), other.ID, sess.ID, gateway.SessionState{Status: gateway.SessionFailed}, ev)
		wantCode(t, err, gateway.CodeNotFound)
		got, err := s.SessionByID(ctx(t), u.ID, sess.ID)
		must(t, err)
		if got.Status != gateway.SessionLoggedOut {
			t.Fatalf("got status %q, want logged_out (unchanged)", got.Status)
		}
		wantEvents(t, s, other.ID, gateway.EventFilter{}, 0, "", "none of a failed update")
	})
}

func testDeleteSession(t *testing.T, s gateway.Store) {
	u := newUser(t, s)
	other := newUser(t, s)
	sess := newSession(t, s, u.ID)
	keep := newSession(t, s, u.ID)
	inst := newInstance(t, s, sess, gateway.InstanceRunning)
	msg := newMessage(t, s, sess, nil)
	keptMsg := newMessage(t, s, keep, nil)
	bound := &gateway.Webhook{UserID: u.ID, SessionID: sess.ID, URL: "https://example.com/a", Events: []string{"*"}, Active: true}
	unbound := &gateway.Webhook{UserID: u.ID, URL: "https://example.com/b", Events: []string{"*"}, Active: true}
	must(t, s.CreateWebhook(ctx(t), bound))
	must(t, s.CreateWebhook(ctx(t), unbound))

	wantCode(t, s.DeleteSession(ctx(t), other.ID, sess.ID), gateway.CodeNotFound)
	if _, err := s.SessionByID(ctx(t), u.ID, sess.ID); err != nil {
		t.Fatalf("got %v after another tenant's delete, want the session kept", err)
	}

	ev := gateway.NewEvent(u.ID, sess.ID, gateway.EventSessionStatus, gateway.SessionStatusData{SessionID: sess.ID, Status: gateway.SessionStopped})
	must(t, s.DeleteSession(ctx(t), u.ID, sess.ID, ev))

	_, err := s.SessionByID(ctx(t), u.ID, sess.ID)
	wantCode(t, err, gateway.CodeNotFound)
	_, err = s.InstanceByID(ctx(t), u.ID, inst.ID)
	wantCode(t, err, gateway.CodeNotFound)
	_, err = s.MessageByID(ctx(t), u.ID, msg.ID)
	wantCode(t, err, gateway.CodeNotFound)
	_, err = s.WebhookByID(ctx(t), u.ID, bound.ID)
	wantCode(t, err, gateway.CodeNotFound)
	for _, check := range []func() error{
		func() error { _, err := s.SessionByID(ctx(t), u.ID, keep.ID); return err },
		func() error { _, err := s.MessageByID(ctx(t), u.ID, keptMsg.ID); return err },
		func() error { _, err := s.WebhookByID(ctx(t), u.ID, unbound.ID); return err },
	} {
		if err := check(); err != nil {
			t.Fatalf("got %v, want rows of other sessions kept", err)
		}
	}
	live, err := s.ListLiveInstances(ctx(t))
	must(t, err)
	if len(live) != 0 {
		t.Fatalf("got %d live instances, want 0 after the delete", len(live))
	}
	wantEvents(t, s, u.ID, gateway.EventFilter{SessionID: sess.ID}, 1, ev.ID, "the delete's")
	wantCode(t, s.DeleteSession(ctx(t), u.ID, sess.ID), gateway.CodeNotFound)
}

func testSessionByPhone(t *testing.T, s gateway.Store) {
	u := newUser(t, s)
	other := newUser(t, s)
	a := newSession(t, s, u.ID)
	b := newSession(t, s, u.ID)
	theirs := newSession(t, s, other.ID)
	_, err := s.SetSessionState(ctx(t), u.ID, a.ID, gateway.SessionState{Status: gateway.SessionConnected, Phone: "15550003333"})
	must(t, err)
	_, err = s.SetSessionState(ctx(t), u.ID, b.ID, gateway.SessionState{Status: gateway.SessionConnected, Phone: "15550004444"})
	must(t, err)
	_, err = s.SetSessionState(ctx(t), other.ID, theirs.ID, gateway.SessionState{Status: gateway.SessionConnected, Phone: "15550005555"})
	must(t, err)

	got, err := s.SessionByPhone(ctx(t), u.ID, gateway.EngineSandbox, "15550003333")
	must(t, err)
	if got.ID != a.ID {
		t.Fatalf("got session %s, want %s", got.ID, a.ID)
	}
	for _, tt := range []struct{ user, engine, phone string }{
		{u.ID, gateway.EngineWhatsmeow, "15550003333"},
		{u.ID, gateway.EngineSandbox, "15550009999"},
		{u.ID, gateway.EngineSandbox, ""},
		{other.ID, gateway.EngineSandbox, "15550003333"}, // another tenant's number
		{u.ID, gateway.EngineSandbox, "15550005555"},
	} {
		_, err := s.SessionByPhone(ctx(t), tt.user, tt.engine, tt.phone)
		wantCode(t, err, gateway.CodeNotFound)
	}

	for _, tt := range []struct {
		user, phone string
		want        bool
	}{
		{other.ID, "15550003333", true},
		{u.ID, "15550005555", true},
		{u.ID, "15550003333", false}, // the tenant's own
		{other.ID, "15550005555", false},
		{u.ID, "15550009999", false},
		{u.ID, "", false},
	} {
		held, err := s.PhoneHeldByOthers(ctx(t), tt.user, tt.phone)
		must(t, err)
		if held != tt.want {
			t.Errorf("PhoneHeldByOthers(%s) for %s: got %v, want %v", tt.phone, tt.user, held, tt.want)
		}
	}

	_, err = s.SetSessionState(ctx(t), u.ID, a.ID, gateway.SessionState{Status: gateway.SessionLoggedOut, ClearDevice: true})
	must(t, err)
	_, err = s.SessionByPhone(ctx(t), u.ID, gateway.EngineSandbox, "15550003333")
	wantCode(t, err, gateway.CodeNotFound)
	held, err := s.PhoneHeldByOthers(ctx(t), other.ID, "15550003333")
	must(t, err)
	if held {
		t.Error("a logged-out session still holds its number")
	}
}

// testSearchSessions: an admin finds any tenant's session by part of its
// phone number (written any way) or by its id; the counts by state in the
// installation's stats follow the sessions' states.
func testSearchSessions(t *testing.T, s gateway.Store) {
	u, a := newTenant(t, s)
	other, b := newTenant(t, s)
	idle := newSession(t, s, other.ID)
	_, err := s.SetSessionState(ctx(t), u.ID, a.ID, gateway.SessionState{Status: gateway.SessionConnected, Phone: "15550107001"})
	must(t, err)
	_, err = s.SetSessionState(ctx(t), other.ID, b.ID, gateway.SessionState{Status: gateway.SessionConnected, Phone: "447700107002"})
	must(t, err)
	sid := func(x *gateway.Session) string { return x.ID }
	runFilters(t, "session ids", sid, func(t *testing.T, f gateway.SessionSearch) ([]*gateway.Session, int, error) {
		return s.SearchSessions(ctx(t), f)
	}, []filterCase[gateway.SessionSearch]{
		{"digits of both tenants, newest first", gateway.SessionSearch{Query: "0107"}, []string{b.ID, a.ID}, 2},
		{"a number as typed", gateway.SessionSearch{Query: "+1 555 010-7001"}, []string{a.ID}, 1},
		{"an id", gateway.SessionSearch{Query: strings.ToUpper(idle.ID)}, []string{idle.ID}, 1},
		{"no digits", gateway.SessionSearch{Query: "shop"}, []string{}, 0},
		{"wildcards are not digits", gateway.SessionSearch{Query: "%"}, []string{}, 0},
		{"no match", gateway.SessionSearch{Query: "999999"}, []string{}, 0},
		{"page 2", gateway.SessionSearch{Query: "0107", Page: gateway.Page{Page: 2, Limit: 1}}, []string{a.ID}, 2},
	})
	g, err := s.GlobalStats(ctx(t), base, base)
	must(t, err)
	diff(t, "sessions by state", g.SessionsByStatus, map[string]int{"connected": 2, "created": 1})
	if g.Sessions != 3 {
		t.Fatalf("got %d sessions, want 3", g.Sessions)
	}
}
