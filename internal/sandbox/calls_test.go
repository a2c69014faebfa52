package sandbox

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/inmem"
)

// callPair connects two sandbox sessions of one tenant on one network.
func callPair(t *testing.T) (a, b *harness) {
	t.Helper()
	net := NewBusNetwork(inmem.NewBus())
	dir := directory{"user-1/15550001111": true, "user-1/15550002222": true}
	b = connected(t, "15550002222", Options{Network: net, Directory: dir, DeliveryDelay: -1})
	a = connected(t, "15550001111", Options{Network: net, Directory: dir, DeliveryDelay: -1})
	return a, b
}

func callOf(t *testing.T, h *harness) gateway.CallData {
	t.Helper()
	return nextAs[gateway.EvCall](t, h.rec).Data
}

func TestCallRejected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		a, b := callPair(t)
		placed, err := a.e.PlaceCall(ctx, gateway.SandboxCallRequest{To: "15550002222@s.whatsapp.net", Video: true})
		if err != nil {
			t.Fatalf("PlaceCall: %v", err)
		}
		if placed.Action != gateway.CallOffer || !placed.FromMe || !placed.Video || placed.CallID == "" || placed.CallerPhone != "15550001111" {
			t.Fatalf("placed %+v, want a ringing video call from a", placed)
		}
		offer := callOf(t, b)
		if offer.CallID != placed.CallID || offer.Action != gateway.CallOffer || offer.FromMe || !offer.Video ||
			offer.Caller != "15550001111@s.whatsapp.net" || offer.CallerPhone != "15550001111" || offer.CallerLID != derivedLID("15550001111") {
			t.Fatalf("b got %+v, want a's video call ringing", offer)
		}
		// The caller cannot reject its own call; the callee can, once.
		if _, err := a.e.RejectCall(ctx, placed.CallID); !gateway.IsCode(err, gateway.CodeNotFound) {
			t.Fatalf("caller's RejectCall: got %v, want not found", err)
		}
		rej, err := b.e.RejectCall(ctx, placed.CallID)
		if err != nil {
			t.Fatalf("RejectCall: %v", err)
		}
		if rej.Action != gateway.CallReject || rej.By != gateway.RejectedBySession || rej.CallerPhone != "15550001111" || !rej.Video {
			t.Fatalf("rejected %+v, want a reject by session of a's video call", rej)
		}
		if _, err := b.e.RejectCall(ctx, placed.CallID); !gateway.IsCode(err, gateway.CodeNotFound) {
			t.Fatalf("second RejectCall: got %v, want not found", err)
		}
		got := callOf(t, a)
		if got.CallID != placed.CallID || got.Action != gateway.CallReject || got.By != gateway.RejectedByPeer || !got.FromMe || !got.Video {
			t.Fatalf("a got %+v, want its call rejected by the peer", got)
		}
		// The ring timer of a rejected call ends nothing.
		advance(time.Duration(DefaultRingSeconds) * time.Second)
		a.rec.None(t)
		b.rec.None(t)
	})
}

func TestCallAnsweredThenEnded(t *testing.T) {
	ctx := context.Background()
	a, b := callPair(t)
	placed, err := a.e.PlaceCall(ctx, gateway.SandboxCallRequest{To: "+1 555 000 2222"})
	if err != nil {
		t.Fatalf("PlaceCall: %v", err)
	}
	callOf(t, b)
	if _, err := b.e.EndCall(ctx, placed.CallID); !gateway.IsCode(err, gateway.CodeConflict) {
		t.Fatalf("EndCall while ringing on the callee: got %v, want conflict", err)
	}
	acc, err := b.e.AcceptCall(ctx, placed.CallID)
	if err != nil || acc.Action != gateway.CallAccept {
		t.Fatalf("AcceptCall: %+v, %v", acc, err)
	}
	if got := callOf(t, a); got.Action != gateway.CallAccept || !got.FromMe || got.Video {
		t.Fatalf("a got %+v, want its voice call accepted", got)
	}
	if _, err := b.e.RejectCall(ctx, placed.CallID); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Fatalf("RejectCall of an answered call: got %v, want not found", err)
	}
	end, err := a.e.EndCall(ctx, placed.CallID)
	if err != nil || end.Action != gateway.CallTerminate || end.Missed {
		t.Fatalf("EndCall: %+v, %v; want an answered call ended", end, err)
	}
	if got := callOf(t, b); got.Action != gateway.CallTerminate || got.Missed || got.CallerPhone != "15550001111" {
		t.Fatalf("b got %+v, want the answered call ended", got)
	}
	if _, err := a.e.EndCall(ctx, placed.CallID); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Fatalf("EndCall again: got %v, want not found", err)
	}
}

func TestCallMissedAfterRinging(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		a, b := callPair(t)
		placed, err := a.e.PlaceCall(ctx, gateway.SandboxCallRequest{To: "15550002222", RingSeconds: 5})
		if err != nil {
			t.Fatalf("PlaceCall: %v", err)
		}
		callOf(t, b)
		advance(4 * time.Second)
		a.rec.None(t)
		advance(time.Second)
		if got := callOf(t, a); got.CallID != placed.CallID || got.Action != gateway.CallTerminate || !got.Missed || !got.FromMe {
			t.Fatalf("a got %+v, want its call ended unanswered", got)
		}
		if got := callOf(t, b); got.Action != gateway.CallTerminate || !got.Missed || got.FromMe {
			t.Fatalf("b got %+v, want a missed call", got)
		}
		if _, err := b.e.AcceptCall(ctx, placed.CallID); !gateway.IsCode(err, gateway.CodeNotFound) {
			t.Fatalf("AcceptCall of a missed call: got %v, want not found", err)
		}
	})
}

func TestPlaceCallRefusals(t *testing.T) {
	ctx := context.Background()
	a, _ := callPair(t)
	for _, r := range []gateway.SandboxCallRequest{
		{To: "15550003333"},                   // not a sandbox session of the tenant
		{To: "15550001111"},                   // itself
		{To: "120363025246125486@g.us"},       // a group
		{To: "15550002222", RingSeconds: 500}, // rings too long
		{To: "15550002222", RingSeconds: -1},  // or not at all
	} {
		if _, err := a.e.PlaceCall(ctx, r); !gateway.IsCode(err, gateway.CodeValidation) {
			t.Errorf("PlaceCall(%+v): got %v, want a validation error", r, err)
		}
	}
	a.e.Disconnect()
	if _, err := a.e.PlaceCall(ctx, gateway.SandboxCallRequest{To: "15550002222"}); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Errorf("PlaceCall while disconnected: got %v, want unavailable", err)
	}
}

// nextCall is the next call event of h, past the group notices.
func nextCall(t *testing.T, h *harness) gateway.CallData {
	t.Helper()
	for {
		if ev, ok := h.rec.Next(t).(gateway.EvCall); ok {
			return ev.Data
		}
	}
}

// TestGroupCall places calls to a group of three sandbox sessions: each
// other member rings with the group named; one member's reject leaves the
// call ringing for the caller, whose first news is the other's answer; the
// call ends when the last one talking hangs up; a call everyone rejects is
// rejected; a group the caller is not in, or with nobody to ring, is
// refused.
func TestGroupCall(t *testing.T) {
	ctx := context.Background()
	net := NewBusNetwork(inmem.NewBus())
	dir := directory{"user-1/15550001111": true, "user-1/15550002222": true, "user-1/15550003333": true}
	opts := Options{Network: net, Directory: dir, Groups: NewMemGroups(), DeliveryDelay: -1}
	b := connected(t, "15550002222", opts)
	c := connected(t, "15550003333", opts)
	a := connected(t, "15550001111", opts)
	created, err := a.e.CreateGroup(ctx, gateway.GroupCreateRequest{Subject: "Night shift",
		Participants: []string{"15550002222@s.whatsapp.net", "15550003333@s.whatsapp.net", "15550019999@s.whatsapp.net"}})
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	group := created.Group.JID

	placed, err := a.e.PlaceCall(ctx, gateway.SandboxCallRequest{To: group})
	if err != nil {
		t.Fatalf("PlaceCall to the group: %v", err)
	}
	if !placed.IsGroup || placed.Group != group || !placed.FromMe || placed.Action != gateway.CallOffer {
		t.Fatalf("placed %+v, want a ringing group call in %s", placed, group)
	}
	for _, h := range []*harness{b, c} {
		if got := nextCall(t, h); got.CallID != placed.CallID || got.Action != gateway.CallOffer || !got.IsGroup || got.Group != group ||
			got.CallerPhone != "15550001111" || got.FromMe {
			t.Fatalf("a member got %+v, want a's group call ringing with the group", got)
		}
	}
	rej, err := b.e.RejectCall(ctx, placed.CallID)
	if err != nil || !rej.IsGroup || rej.Group != group {
		t.Fatalf("b's RejectCall: %+v, %v; want the group call rejected", rej, err)
	}
	if _, err := c.e.AcceptCall(ctx, placed.CallID); err != nil {
		t.Fatalf("c's AcceptCall: %v", err)
	}
	// b's reject is not the caller's news: c's answer is.
	if got := nextCall(t, a); got.Action != gateway.CallAccept || !got.IsGroup || got.Group != group {
		t.Fatalf("a got %+v, want c's answer to the group call (b's reject alone ends nothing)", got)
	}
	if _, err := c.e.EndCall(ctx, placed.CallID); err != nil {
		t.Fatalf("c's EndCall: %v", err)
	}
	if got := nextCall(t, a); got.Action != gateway.CallTerminate || got.Missed || !got.IsGroup {
		t.Fatalf("a got %+v, want the call ended by its last member", got)
	}

	// Everyone rejects: the caller sees a reject by the peers.
	again, err := a.e.PlaceCall(ctx, gateway.SandboxCallRequest{To: group, Video: true})
	if err != nil {
		t.Fatalf("PlaceCall: %v", err)
	}
	for _, h := range []*harness{b, c} {
		for got := nextCall(t, h); got.CallID != again.CallID; got = nextCall(t, h) {
		}
		if _, err := h.e.RejectCall(ctx, again.CallID); err != nil {
			t.Fatalf("RejectCall: %v", err)
		}
	}
	if got := nextCall(t, a); got.CallID != again.CallID || got.Action != gateway.CallReject || got.By != gateway.RejectedByPeer || !got.IsGroup || !got.Video {
		t.Fatalf("a got %+v, want its group call rejected by the peers", got)
	}

	// The caller hangs up a ringing group call: every member sees it end.
	third, err := a.e.PlaceCall(ctx, gateway.SandboxCallRequest{To: group})
	if err != nil {
		t.Fatalf("PlaceCall: %v", err)
	}
	if _, err := a.e.EndCall(ctx, third.CallID); err != nil {
		t.Fatalf("caller's EndCall: %v", err)
	}
	for _, h := range []*harness{b, c} {
		got := nextCall(t, h)
		for got.CallID != third.CallID || got.Action == gateway.CallOffer {
			got = nextCall(t, h)
		}
		if got.Action != gateway.CallTerminate || !got.Missed {
			t.Fatalf("a member got %+v, want the group call ended unanswered", got)
		}
	}

	// Refusals: a group a is not in; a group where nobody else is a sandbox session.
	if _, err := a.e.PlaceCall(ctx, gateway.SandboxCallRequest{To: "120363025246125486@g.us"}); !gateway.IsCode(err, gateway.CodeValidation) {
		t.Errorf("a call to a group a is not in: got %v, want a validation error", err)
	}
	alone, err := a.e.CreateGroup(ctx, gateway.GroupCreateRequest{Subject: "Alone", Participants: []string{"15550019999@s.whatsapp.net"}})
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	if _, err := a.e.PlaceCall(ctx, gateway.SandboxCallRequest{To: alone.Group.JID}); !gateway.IsCode(err, gateway.CodeValidation) {
		t.Errorf("a call to a group with nobody to ring: got %v, want a validation error", err)
	}
}
