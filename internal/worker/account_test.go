package worker

import (
	"github.com/whatsapp-saas/gateway/internal/polltest"

	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/inmem"
	"github.com/whatsapp-saas/gateway/internal/sandbox"
	"github.com/whatsapp-saas/gateway/internal/sqlite"
)

// startPair runs the workers of two connected sandbox sessions of one
// tenant, a (15550001111) and b (15550002222), on one network; books
// names the books of the store they share.
func startPair(t *testing.T, books func(st *sqlite.Store) sandbox.Options) (*sqlite.Store, *gateway.Session, *gateway.Session, *running, *running) {
	t.Helper()
	st := newStore(t)
	a := newSession(t, st, "15550001111:1@s.whatsapp.net", gateway.SessionSettings{})
	b := newSessionOf(t, st, a.UserID, "15550002222:1@s.whatsapp.net", gateway.SessionSettings{})
	opts := books(st)
	opts.Network, opts.Directory = sandbox.NewBusNetwork(inmem.NewBus()), sandbox.StoreDirectory{Sessions: st}
	ra := start(t, newWorker(t, st, a, sandboxEngines(opts)))
	rb := start(t, newWorker(t, st, b, sandboxEngines(opts)))
	sessionIs(t, st, a, gateway.SessionConnected)
	sessionIs(t, st, b, gateway.SessionConnected)
	return st, a, b, ra, rb
}

// TestAccountOperationsOverInstanceAPI runs group operations through the
// instance API as the gateway does in a cluster: the operation by name,
// its typed answer, the other member's event stored by its worker, and
// the errors (an unknown operation, a refusal, a session not connected
// with its state) carried to the client with their codes and details.
func TestAccountOperationsOverInstanceAPI(t *testing.T) {
	st, a, b, ra, rb := startPair(t, func(st *sqlite.Store) sandbox.Options { return sandbox.Options{Groups: st} })
	ctx := context.Background()

	var created gateway.GroupCreateResult
	err := ra.client.Account(ctx, ra.ep, gateway.OpGroupCreate.Name,
		gateway.GroupCreateRequest{Subject: "Team", Participants: []string{"15550002222@s.whatsapp.net"}}, &created)
	if err != nil || created.Group.JID == "" || created.Participants[0].Status != gateway.ParticipantOK {
		t.Fatalf("create over the instance API: got %+v (%v)", created, err)
	}
	var list gateway.GroupList
	if err := rb.client.Account(ctx, rb.ep, gateway.OpGroupList.Name, gateway.GroupListRequest{}, &list); err != nil ||
		len(list.Groups) != 1 || list.Groups[0].JID != created.Group.JID {
		t.Fatalf("b's groups: got %+v (%v), want the new group", list, err)
	}
	// b's worker stored the event its engine saw.
	polltest.Eventually(t, patience, "b's group.participants event", func() bool {
		evs := events(t, st, a.UserID, gateway.EventGroupParticipants)
		return len(evs) == 1 && evs[0].SessionID == b.ID && strings.Contains(string(evs[0].Data), created.Group.JID)
	})

	yes := true
	err = rb.client.Account(ctx, rb.ep, gateway.OpGroupUpdate.Name, gateway.GroupUpdateRequest{Group: created.Group.JID, Locked: &yes}, nil)
	var ge *gateway.Error
	if !gateway.IsCode(err, gateway.CodeRefused) || !errors.As(err, &ge) || ge.Details["reason"] == nil {
		t.Fatalf("non-admin update: got %v, want whatsapp_refused with its reason", err)
	}
	if err := ra.client.Account(ctx, ra.ep, "group.explode", struct{}{}, nil); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Fatalf("unknown operation: got %v, want not_found", err)
	}
	// An unknown field is refused, as on the public API.
	if err := ra.client.Account(ctx, ra.ep, gateway.OpGroupGet.Name, map[string]any{"group": created.Group.JID, "x": 1}, nil); !gateway.IsCode(err, gateway.CodeInvalid) {
		t.Fatalf("unknown field: got %v, want invalid_request", err)
	}

	// Not connected: 409 with the state, through the client.
	if _, err := ra.client.Logout(ctx, ra.ep); err != nil {
		t.Fatal(err)
	}
	err = ra.client.Account(ctx, ra.ep, gateway.OpGroupList.Name, gateway.GroupListRequest{}, nil)
	if !gateway.IsCode(err, gateway.CodeConflict) || !errors.As(err, &ge) || ge.Details["state"] != string(gateway.SessionLoggedOut) {
		t.Fatalf("logged out: got %v, want conflict with state logged_out", err)
	}
	if got := gateway.HTTPStatus(gateway.CodeRefused); got != http.StatusUnprocessableEntity {
		t.Fatalf("whatsapp_refused is %d on the instance API, want 422", got)
	}
}

// TestContactOperationsOverInstanceAPI runs contact, profile and presence
// operations through the instance API, as the gateway does in a cluster:
// each by name with its typed answer, and the other session's
// contact.update and presence events stored by its own worker.
func TestContactOperationsOverInstanceAPI(t *testing.T) {
	st, a, _, ra, rb := startPair(t, func(st *sqlite.Store) sandbox.Options { return sandbox.Options{Groups: st, Accounts: st} })
	ctx := context.Background()

	// a knows b, and the six people of its address book (sandbox/accounts.go).
	var list gateway.ContactList
	err := ra.client.Account(ctx, ra.ep, gateway.OpContactList.Name, gateway.ContactListRequest{}, &list)
	i := slices.IndexFunc(list.Contacts, func(c gateway.ContactInfo) bool { return c.Phone == "15550002222" })
	if err != nil || len(list.Contacts) != 7 || i < 0 || list.Source != gateway.SourceStore {
		t.Fatalf("a's contacts: got %+v (%v), want b and the address book from the store", list, err)
	}
	var m gateway.LIDMapping
	if err := ra.client.Account(ctx, ra.ep, gateway.OpLookupLID.Name, gateway.LIDRequest{JID: list.Contacts[i].LID}, &m); err != nil ||
		m.Phone != "15550002222" || m.Source != gateway.SourceStore {
		t.Fatalf("b's phone by LID: got %+v (%v)", m, err)
	}
	if err := ra.client.Account(ctx, ra.ep, gateway.OpPresenceSubscribe.Name, gateway.PresenceSubscribeRequest{Contact: "15550002222@s.whatsapp.net"}, nil); err != nil {
		t.Fatal(err)
	}
	name := "Bee"
	var p gateway.ProfileResult
	if err := rb.client.Account(ctx, rb.ep, gateway.OpProfileUpdate.Name, gateway.ProfileUpdateRequest{PushName: &name}, &p); err != nil || p.Profile.PushName != "Bee" {
		t.Fatalf("b's new name: got %+v (%v)", p, err)
	}
	if err := rb.client.Account(ctx, rb.ep, gateway.OpPresenceSet.Name, gateway.PresenceRequest{Presence: gateway.PresenceAvailable}, nil); err != nil {
		t.Fatal(err)
	}
	// a's worker stored what its engine saw of b.
	polltest.Eventually(t, patience, "a's contact.update and presence events about b", func() bool {
		upd, pres := events(t, st, a.UserID, gateway.EventContactUpdate), events(t, st, a.UserID, gateway.EventPresence)
		var name, online bool
		for _, e := range upd {
			name = name || (e.SessionID == a.ID && strings.Contains(string(e.Data), `"value":"Bee"`))
		}
		for _, e := range pres {
			online = online || (e.SessionID == a.ID && strings.Contains(string(e.Data), `"presence":"available"`))
		}
		return name && online
	})
	if err := ra.client.Account(ctx, ra.ep, gateway.OpContactGet.Name, gateway.ContactRequest{Contact: "15550000000@s.whatsapp.net"}, nil); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Fatalf("a number not on WhatsApp: got %v, want not_found", err)
	}
}
