package worker

import (
	"github.com/whatsapp-saas/gateway/internal/polltest"

	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/inmem"
	"github.com/whatsapp-saas/gateway/internal/sandbox"
)

// TestAccountOperationsOverInstanceAPI runs group operations through the
// instance API as the gateway does in a cluster: the operation by name,
// its typed answer, the other member's event stored by its worker, and
// the errors (an unknown operation, a refusal, a session not connected
// with its state) carried to the client with their codes and details.
func TestAccountOperationsOverInstanceAPI(t *testing.T) {
	st := newStore(t)
	a := newSession(t, st, "15550001111:1@s.whatsapp.net", gateway.SessionSettings{})
	b := newSessionOf(t, st, a.UserID, "15550002222:1@s.whatsapp.net", gateway.SessionSettings{})
	opts := sandbox.Options{Network: sandbox.NewBusNetwork(inmem.NewBus()), Directory: sandbox.StoreDirectory{Sessions: st}, Groups: st}
	ra := start(t, newWorker(t, st, a, sandboxEngines(opts)))
	rb := start(t, newWorker(t, st, b, sandboxEngines(opts)))
	sessionIs(t, st, a, gateway.SessionConnected)
	sessionIs(t, st, b, gateway.SessionConnected)
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
