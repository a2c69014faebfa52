package storetest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// testAccountOperations: operations are recorded with their events in one
// transaction, listed newest first per session, and kept per tenant.
func testAccountOperations(t *testing.T, s gateway.Store) {
	u := newUser(t, s)
	other := newUser(t, s)
	s1 := newSession(t, s, u.ID)
	s2 := newSession(t, s, u.ID)

	first := &gateway.AccountOperation{UserID: u.ID, SessionID: s1.ID, Op: gateway.OpGroupCreate.Name,
		Request: json.RawMessage(`{"subject":"Team","participants":["15550001111@s.whatsapp.net"]}`),
		Result:  gateway.OperationSucceeded, CreatedAt: at(1)}
	ev := gateway.NewEvent(u.ID, s1.ID, gateway.EventGroupUpdate, gateway.GroupUpdateData{SessionID: s1.ID, Group: "1203@g.us", Change: "created"})
	must(t, s.RecordAccountOperation(ctx(t), first, ev))
	if first.ID == "" || ev.Seq == 0 {
		t.Fatalf("got id %q and event seq %d, want both filled", first.ID, ev.Seq)
	}
	second := &gateway.AccountOperation{UserID: u.ID, SessionID: s1.ID, Op: gateway.OpGroupLeave.Name,
		Request: json.RawMessage(`{"group":"1203@g.us"}`), Result: gateway.OperationFailed,
		ErrorCode: gateway.CodeRefused, Error: "WhatsApp refused the operation: not a member", CreatedAt: at(2)}
	must(t, s.RecordAccountOperation(ctx(t), second))
	must(t, s.RecordAccountOperation(ctx(t), &gateway.AccountOperation{UserID: u.ID, SessionID: s2.ID, Op: "group.join",
		Result: gateway.OperationSucceeded, CreatedAt: at(3)}))

	got, total, err := s.ListAccountOperations(ctx(t), u.ID, s1.ID, gateway.Page{Page: 1, Limit: 10})
	must(t, err)
	if total != 2 {
		t.Fatalf("got total %d, want 2", total)
	}
	diff(t, "ListAccountOperations", got, []*gateway.AccountOperation{second, first})

	wantEvents(t, s, u.ID, gateway.EventFilter{SessionID: s1.ID, Types: []string{gateway.EventGroupUpdate}}, 1, ev.ID,
		"the recorded group.update")

	// Events no operation caused are stored on the session.
	seen := gateway.NewEvent(u.ID, s2.ID, gateway.EventGroupParticipants, gateway.GroupParticipantsData{SessionID: s2.ID, Group: "1203@g.us",
		Action: gateway.ParticipantAdd, Participants: []string{"15550001111@s.whatsapp.net"}})
	must(t, s.RecordAccountEvents(ctx(t), u.ID, s2.ID, seen))
	if seen.Seq == 0 {
		t.Fatal("got no seq on the recorded event, want it stored")
	}
	wantCode(t, s.RecordAccountEvents(ctx(t), other.ID, s2.ID, gateway.NewEvent(other.ID, s2.ID, gateway.EventGroupUpdate, nil)), gateway.CodeNotFound)

	// Another tenant sees none of it and cannot record on the session.
	theirs, total, err := s.ListAccountOperations(ctx(t), other.ID, s1.ID, gateway.Page{Page: 1, Limit: 10})
	must(t, err)
	if total != 0 || len(theirs) != 0 {
		t.Fatalf("another tenant lists %d operations, want 0", total)
	}
	wantCode(t, s.RecordAccountOperation(ctx(t), &gateway.AccountOperation{UserID: other.ID, SessionID: s1.ID, Op: "group.leave",
		Result: gateway.OperationSucceeded}), gateway.CodeNotFound)
}

// testSandboxGroups: the sandbox's groups are saved by compare-and-set and
// kept per tenant.
func testSandboxGroups(t *testing.T, s gateway.Store) {
	book, ok := s.(interface {
		SandboxGroups(ctx context.Context, userID string) ([]gateway.SandboxGroup, error)
		SaveSandboxGroup(ctx context.Context, userID string, g gateway.SandboxGroup) error
	})
	if !ok {
		t.Skip("the store keeps no sandbox groups")
	}
	u, other := newUser(t, s), newUser(t, s)
	g := gateway.SandboxGroup{JID: "120363000000000001@g.us", Data: []byte(`{"subject":"a"}`)}
	must(t, book.SaveSandboxGroup(ctx(t), u.ID, g))
	wantCode(t, book.SaveSandboxGroup(ctx(t), u.ID, g), gateway.CodeConflict) // created twice
	g.Version, g.Data = 1, []byte(`{"subject":"b"}`)
	must(t, book.SaveSandboxGroup(ctx(t), u.ID, g))
	wantCode(t, book.SaveSandboxGroup(ctx(t), u.ID, g), gateway.CodeConflict) // a stale version
	got, err := book.SandboxGroups(ctx(t), u.ID)
	must(t, err)
	if len(got) != 1 || got[0].Version != 2 || string(got[0].Data) != `{"subject":"b"}` {
		t.Fatalf("got %+v, want the group at version 2 with subject b", got)
	}
	theirs, err := book.SandboxGroups(ctx(t), other.ID)
	must(t, err)
	if len(theirs) != 0 {
		t.Fatalf("another tenant sees %d groups, want 0", len(theirs))
	}
}

// testSandboxAccounts: the sandbox's accounts are saved by compare-and-set
// and kept per tenant.
func testSandboxAccounts(t *testing.T, s gateway.Store) {
	book, ok := s.(interface {
		SandboxAccounts(ctx context.Context, userID string) ([]gateway.SandboxAccount, error)
		SaveSandboxAccount(ctx context.Context, userID string, a gateway.SandboxAccount) error
	})
	if !ok {
		t.Skip("the store keeps no sandbox accounts")
	}
	u, other := newUser(t, s), newUser(t, s)
	a := gateway.SandboxAccount{Phone: "15550001111", Data: []byte(`{"push_name":"a"}`)}
	must(t, book.SaveSandboxAccount(ctx(t), u.ID, a))
	wantCode(t, book.SaveSandboxAccount(ctx(t), u.ID, a), gateway.CodeConflict) // created twice
	must(t, book.SaveSandboxAccount(ctx(t), other.ID, a))                       // the same number in another tenant
	a.Version, a.Data = 1, []byte(`{"push_name":"b"}`)
	must(t, book.SaveSandboxAccount(ctx(t), u.ID, a))
	wantCode(t, book.SaveSandboxAccount(ctx(t), u.ID, a), gateway.CodeConflict) // a stale version
	got, err := book.SandboxAccounts(ctx(t), u.ID)
	must(t, err)
	if len(got) != 1 || got[0].Version != 2 || string(got[0].Data) != `{"push_name":"b"}` {
		t.Fatalf("got %+v, want the account at version 2 named b", got)
	}
	theirs, err := book.SandboxAccounts(ctx(t), other.ID)
	must(t, err)
	if len(theirs) != 1 || string(theirs[0].Data) != `{"push_name":"a"}` {
		t.Fatalf("the other tenant sees %+v, want only its own account named a", theirs)
	}
}
