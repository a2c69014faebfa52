package whatsmeow

import (
	"context"
	"errors"
	"testing"
	"time"

	wa "go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// The caller is otherUser (otherLID), as groups_test.go declares them.
var callAt = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// meta is a call stanza's common part, as whatsmeow parses it: a caller
// known by LID with the phone number beside it.
func meta(id string) types.BasicCallMeta {
	return types.BasicCallMeta{From: otherLID, Timestamp: callAt, CallCreator: otherLID, CallCreatorAlt: otherUser, CallID: id}
}

// offerNode is an offer stanza's child, with a video child for a video call.
func offerNode(video bool) *waBinary.Node {
	n := &waBinary.Node{Tag: "offer", Content: []waBinary.Node{{Tag: "audio", Attrs: waBinary.Attrs{"enc": "opus", "rate": "16000"}}}}
	if video {
		n.Content = append(n.Content.([]waBinary.Node), waBinary.Node{Tag: "video", Attrs: waBinary.Attrs{"enc": "vp8"}})
	}
	return n
}

func TestCallEventsThroughTheDispatcher(t *testing.T) {
	t.Parallel()
	e, rec := newTestEngine(t, engineSetup{deviceJID: pairedJID})
	activate(t, e)
	call := func(evt any) gateway.CallData {
		t.Helper()
		if !dispatch(e, evt) {
			t.Fatalf("%T reported as not handled", evt)
		}
		return nextOf[gateway.EvCall](t, rec).Data
	}

	// A video call rings, then ends unanswered: missed, the terminate
	// completed from the offer.
	got := call(&events.CallOffer{BasicCallMeta: meta("C1"), Data: offerNode(true)})
	want := gateway.CallData{CallID: "C1", Action: gateway.CallOffer, Caller: otherLID.String(), CallerPhone: "15550002222",
		CallerLID: otherLID.String(), Video: true, At: callAt}
	if got != want {
		t.Fatalf("offer: got %+v, want %+v", got, want)
	}
	got = call(&events.CallTerminate{BasicCallMeta: types.BasicCallMeta{From: otherLID, CallCreator: otherLID, CallID: "C1"}, Reason: "timeout"})
	if got.Action != gateway.CallTerminate || !got.Missed || !got.Video || got.CallerPhone != "15550002222" || got.Reason != "timeout" || got.At.IsZero() {
		t.Fatalf("terminate: got %+v, want a missed video call from the caller, dated", got)
	}

	// A voice call from a phone JID (LID beside it) answered on the phone, then ended: not missed.
	pn := types.BasicCallMeta{From: otherUser, Timestamp: callAt, CallCreator: otherUser, CallCreatorAlt: otherLID, CallID: "C2"}
	if got = call(&events.CallOffer{BasicCallMeta: pn, Data: offerNode(false)}); got.Video || got.CallerPhone != "15550002222" || got.CallerLID != otherLID.String() {
		t.Fatalf("voice offer: got %+v", got)
	}
	call(&events.CallAccept{BasicCallMeta: pn})
	if got = call(&events.CallTerminate{BasicCallMeta: pn}); got.Missed {
		t.Fatalf("terminate after accept: got %+v, want not missed", got)
	}

	// Rejected on the account's own phone, or by the caller's side.
	call(&events.CallOffer{BasicCallMeta: meta("C3"), Data: offerNode(false)})
	own := types.NewJID("15550001111", types.DefaultUserServer)
	if got = call(&events.CallReject{BasicCallMeta: types.BasicCallMeta{From: own, CallCreator: otherLID, CallID: "C3"}}); got.By != gateway.RejectedByDevice {
		t.Fatalf("reject from the own phone: got %+v, want by device", got)
	}
	if got = call(&events.CallReject{BasicCallMeta: meta("C4")}); got.By != gateway.RejectedByPeer {
		t.Fatalf("reject from the caller: got %+v, want by peer", got)
	}

	// A group call's notice.
	grp := types.NewJID("120363025246125486", types.GroupServer)
	m := meta("C5")
	m.GroupJID = grp
	got = call(&events.CallOfferNotice{BasicCallMeta: m, Media: "video", Type: "group"})
	if got.Action != gateway.CallOffer || !got.IsGroup || got.Group != grp.String() || !got.Video {
		t.Fatalf("group notice: got %+v, want a ringing group video call", got)
	}

	// Stanzas that are no event are acknowledged and dropped.
	for _, evt := range []any{&events.CallTransport{BasicCallMeta: meta("C5")}, &events.CallRelayLatency{BasicCallMeta: meta("C5")},
		&events.CallPreAccept{BasicCallMeta: meta("C5")}, &events.UnknownCallEvent{}} {
		if !dispatch(e, evt) {
			t.Fatalf("%T reported as not handled", evt)
		}
	}
	rec.None(t)

	// An offer the handler could not store is not acknowledged.
	rec.setFail(errors.New("database down"))
	if dispatch(e, &events.CallOffer{BasicCallMeta: meta("C6"), Data: offerNode(false)}) {
		t.Fatal("an offer the handler could not store was reported handled")
	}
}

// fakeCaller records RejectCall's stanzas' addressees.
type fakeCaller struct {
	from []types.JID
	ids  []string
	err  error
}

func (f *fakeCaller) RejectCall(_ context.Context, from types.JID, id string) error {
	f.from, f.ids = append(f.from, from), append(f.ids, id)
	return f.err
}

func TestRejectCall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := func() time.Time { return callAt.Add(time.Second) }
	var book gateway.CallBook
	callEvent(&book, &events.CallOffer{BasicCallMeta: meta("C1"), Data: offerNode(true)}, types.EmptyJID, callAt)

	cli := &fakeCaller{}
	if _, err := rejectCall(ctx, cli, &book, "nope", now); !gateway.IsCode(err, gateway.CodeNotFound) || len(cli.ids) != 0 {
		t.Fatalf("unknown call: got %v (sent %v), want not found and nothing sent", err, cli.ids)
	}
	cli.err = wa.ErrNotConnected
	if _, err := rejectCall(ctx, cli, &book, "C1", now); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Fatalf("offline: got %v, want unavailable", err)
	}
	cli.err = nil
	got, err := rejectCall(ctx, cli, &book, "C1", now)
	if err != nil {
		t.Fatal(err)
	}
	if got.Action != gateway.CallReject || got.By != gateway.RejectedBySession || !got.Video || got.CallerPhone != "15550002222" {
		t.Fatalf("got %+v, want the video call rejected by the session", got)
	}
	if last := cli.from[len(cli.from)-1]; last != otherLID || cli.ids[len(cli.ids)-1] != "C1" {
		t.Fatalf("reject sent to %v for %v, want the caller %v for C1", last, cli.ids, otherLID)
	}
	if _, err := rejectCall(ctx, cli, &book, "C1", now); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Fatalf("second reject: got %v, want not found", err)
	}
	// A terminate after the reject is no missed call.
	if ev, _ := callEvent(&book, &events.CallTerminate{BasicCallMeta: meta("C1")}, types.EmptyJID, callAt); ev.Data.Missed {
		t.Fatalf("terminate after reject: got %+v, want not missed", ev.Data)
	}

	e, _ := newTestEngine(t, engineSetup{deviceJID: pairedJID})
	if _, err := e.RejectCall(ctx, "C1"); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Fatalf("engine not connected: got %v, want unavailable", err)
	}
}

// A group participant's receipt names the participant; a direct chat's
// does not.
func TestGroupReceiptNamesTheParticipant(t *testing.T) {
	t.Parallel()
	grp := types.NewJID("120363025246125486", types.GroupServer)
	r := &events.Receipt{MessageSource: types.MessageSource{Chat: grp, IsGroup: true,
		Sender: types.NewADJID("123456789012345", 0, 3).ToNonAD(), SenderAlt: types.NewADJID("15550002222", 0, 3)},
		MessageIDs: []types.MessageID{"3EB0A"}, Timestamp: callAt, Type: types.ReceiptTypeRead}
	r.Sender.Server = types.HiddenUserServer
	got, ok := mapReceipt(r)
	if !ok || got.Status != gateway.MessageRead || got.Chat != grp.String() || got.Participant != "123456789012345@lid" ||
		got.ParticipantLID != "123456789012345@lid" || got.ParticipantPhone != "15550002222" {
		t.Fatalf("got %+v (%v), want a read by the LID participant with their phone", got, ok)
	}
	direct := &events.Receipt{MessageSource: types.MessageSource{Chat: otherUser, Sender: otherUser}, MessageIDs: []types.MessageID{"3EB0B"}, Type: types.ReceiptTypeRead}
	if got, _ := mapReceipt(direct); got.Participant != "" || got.ParticipantPhone != "" {
		t.Fatalf("direct chat receipt %+v names a participant", got)
	}
}
