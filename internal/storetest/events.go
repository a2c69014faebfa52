package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func evID(e *gateway.Event) string { return e.ID }

func testEvents(t *testing.T, s gateway.Store) {
	u := newUser(t, s)
	other := newUser(t, s)
	s1 := newSession(t, s, u.ID)
	s2 := newSession(t, s, u.ID)

	// Each event rides on a state change, as in production.
	var all []*gateway.Event
	write := func(sess *gateway.Session, typ string, ts time.Time) *gateway.Event {
		t.Helper()
		e := gateway.NewEvent(u.ID, sess.ID, typ, map[string]any{"n": len(all), "session": sess.ID})
		e.Timestamp = ts
		_, err := s.SetSessionState(ctx(t), u.ID, sess.ID, gateway.SessionState{}, e)
		must(t, err)
		all = append(all, e)
		return e
	}
	e1 := write(s1, gateway.EventMessage, at(1))
	e2 := write(s1, gateway.EventMessageStatus, at(2))
	e3 := write(s2, gateway.EventSessionStatus, at(3))
	e4 := write(s2, gateway.EventQR, at(4))
	e5 := write(s1, gateway.EventInstanceStatus, at(5))
	theirs := newSession(t, s, other.ID)
	_, err := s.SetSessionState(ctx(t), other.ID, theirs.ID, gateway.SessionState{},
		gateway.NewEvent(other.ID, theirs.ID, gateway.EventMessage, nil))
	must(t, err)

	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			t.Fatalf("got seq %d after %d, want increasing", all[i].Seq, all[i-1].Seq)
		}
	}
	got, err := s.ListEvents(ctx(t), u.ID, gateway.EventFilter{})
	must(t, err)
	diff(t, "ListEvents", got, all)

	tests := []struct {
		name string
		f    gateway.EventFilter
		want []*gateway.Event
	}{
		{"after seq", gateway.EventFilter{AfterSeq: e2.Seq}, []*gateway.Event{e3, e4, e5}},
		{"after the last", gateway.EventFilter{AfterSeq: e5.Seq}, nil},
		{"session", gateway.EventFilter{SessionID: s2.ID}, []*gateway.Event{e3, e4}},
		{"a session id that cannot exist", gateway.EventFilter{SessionID: "nope"}, nil},
		{"type", gateway.EventFilter{Types: []string{gateway.EventQR}}, []*gateway.Event{e4}},
		{"status group", gateway.EventFilter{Types: []string{gateway.EventGroupStatus}}, []*gateway.Event{e2, e3}},
		{"status group and message", gateway.EventFilter{Types: []string{gateway.EventGroupStatus, gateway.EventMessage}}, []*gateway.Event{e1, e2, e3}},
		{"everything", gateway.EventFilter{Types: []string{gateway.EventAll}}, all},
		{"unknown name", gateway.EventFilter{Types: []string{"nothing"}}, nil},
		{"limit", gateway.EventFilter{Limit: 2}, []*gateway.Event{e1, e2}},
		{"combined", gateway.EventFilter{AfterSeq: e1.Seq, SessionID: s1.ID, Types: []string{gateway.EventGroupStatus, gateway.EventInstanceStatus}, Limit: 10},
			[]*gateway.Event{e2, e5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListEvents(ctx(t), u.ID, tt.f)
			must(t, err)
			diff(t, "event ids", ids(got, evID), ids(tt.want, evID))
		})
	}

	t.Run("opt-in types only when named", func(t *testing.T) {
		o, os := newTenant(t, s)
		var evs []*gateway.Event
		for _, typ := range []string{gateway.EventMessage, gateway.EventStatusPost, "webhook.test"} {
			e := gateway.NewEvent(o.ID, os.ID, typ, nil)
			_, err := s.SetSessionState(ctx(t), o.ID, os.ID, gateway.SessionState{}, e)
			must(t, err)
			evs = append(evs, e)
		}
		for _, tt := range []struct {
			name  string
			types []string
			want  []*gateway.Event
		}{
			{"no filter", nil, []*gateway.Event{evs[0], evs[2]}},
			{"everything", []string{gateway.EventAll}, []*gateway.Event{evs[0], evs[2]}},
			{"named", []string{gateway.EventStatusPost}, []*gateway.Event{evs[1]}},
			{"everything and named", []string{gateway.EventAll, gateway.EventStatusPost}, evs},
			{"message", []string{gateway.EventMessage}, []*gateway.Event{evs[0]}},
		} {
			got, err := s.ListEvents(ctx(t), o.ID, gateway.EventFilter{Types: tt.types})
			must(t, err)
			diff(t, tt.name, ids(got, evID), ids(tt.want, evID))
		}
	})
	t.Run("count since", func(t *testing.T) {
		for _, tt := range []struct {
			since time.Time
			want  int
		}{{time.Time{}, 5}, {at(3), 3}, {at(6), 0}} {
			n, err := s.CountEvents(ctx(t), u.ID, tt.since)
			must(t, err)
			if n != tt.want {
				t.Fatalf("since %v: got %d events, want %d", tt.since, n, tt.want)
			}
		}
	})
	t.Run("event fields", func(t *testing.T) {
		e := got[0]
		if e.UserID != u.ID || e.SessionID != s1.ID || !e.Timestamp.Equal(at(1)) {
			t.Fatalf("got %+v, want user %s session %s at %v", e, u.ID, s1.ID, at(1))
		}
		var data map[string]any
		must(t, json.Unmarshal(e.Data, &data))
		if data["session"] != s1.ID {
			t.Fatalf("got data %s, want the written data", e.Data)
		}
	})
	t.Run("store fills id, time and tenant", func(t *testing.T) {
		e := &gateway.Event{Type: gateway.EventSessionStatus, SessionID: s1.ID, Data: json.RawMessage(`{}`)}
		_, err := s.SetSessionState(ctx(t), u.ID, s1.ID, gateway.SessionState{}, e)
		must(t, err)
		if uuid.Validate(e.ID) != nil || e.Timestamp.IsZero() || e.UserID != u.ID || e.Seq <= e5.Seq {
			t.Fatalf("got %+v, want a UUID, a time, the tenant and a later seq", e)
		}
	})
}

func testEventsInTransaction(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	count := func() int {
		t.Helper()
		n, err := s.CountEvents(ctx(t), u.ID, time.Time{})
		must(t, err)
		return n
	}
	ev := func() *gateway.Event { return gateway.NewEvent(u.ID, sess.ID, gateway.EventSessionStatus, nil) }

	dupSession := &gateway.Session{ID: sess.ID, UserID: u.ID, Name: "again", Engine: gateway.EngineSandbox}
	wantCode(t, s.CreateSession(ctx(t), dupSession, ev()), gateway.CodeConflict)
	wantCode(t, s.DeleteSession(ctx(t), u.ID, uuid.NewString(), ev()), gateway.CodeNotFound)
	_, err := s.SetSessionState(ctx(t), u.ID, uuid.NewString(), gateway.SessionState{Status: gateway.SessionFailed}, ev())
	wantCode(t, err, gateway.CodeNotFound)
	if n := count(); n != 0 {
		t.Fatalf("got %d events after failed writes, want 0", n)
	}
	// An event that cannot be stored fails its change too.
	bad := &gateway.Event{Type: gateway.EventSessionStatus, Data: json.RawMessage("{")}
	err = s.CreateSession(ctx(t), &gateway.Session{UserID: u.ID, Name: "x", Engine: gateway.EngineSandbox}, bad)
	if err == nil {
		t.Fatal("got nil error for an event with invalid data, want an error")
	}
	n, err := s.CountSessions(ctx(t), u.ID)
	must(t, err)
	if n != 1 {
		t.Fatalf("got %d sessions, want 1: the session must not be stored without its event", n)
	}
	must(t, s.CreateSession(ctx(t), &gateway.Session{UserID: u.ID, Name: "y", Engine: gateway.EngineSandbox}, ev(), ev()))
	if n := count(); n != 2 {
		t.Fatalf("got %d events, want 2", n)
	}
}
