package whatsmeow

import (
	"context"
	"time"

	wa "go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Calls: whatsmeow reports the call stanzas WhatsApp sends a linked device
// (offer, offer_notice for group calls, accept, reject, terminate) and can
// reject a ringing call; it cannot take part in one. The engine's CallBook
// keeps each offer, so that later stanzas, which carry less, are completed
// with the caller, the video flag and the group, a terminate of a call
// nobody answered is marked missed, and RejectCall finds the caller.

// callClient is the part of *wa.Client rejecting a call uses.
type callClient interface {
	RejectCall(ctx context.Context, callFrom types.JID, callID string) error
}

var _ callClient = (*wa.Client)(nil)

// callEvent maps a call stanza to the call event, completing it from the
// book; ok is false for stanzas that are no event (transport, relay
// latency, pre-accept, unknown). own is the account's JID, to tell the
// account's own calls and rejections (made on its phone) from others'.
func callEvent(book *gateway.CallBook, evt any, own types.JID, now time.Time) (gateway.EvCall, bool) {
	var d gateway.CallData
	switch v := evt.(type) {
	case *events.CallOffer:
		d = callData(v.BasicCallMeta, gateway.CallOffer, own)
		d.Video = hasChild(v.Data, "video")
	case *events.CallOfferNotice:
		d = callData(v.BasicCallMeta, gateway.CallOffer, own)
		d.Video = v.Media == "video"
		d.IsGroup = d.IsGroup || v.Type == "group"
	case *events.CallAccept:
		d = callData(v.BasicCallMeta, gateway.CallAccept, own)
	case *events.CallReject:
		d = callData(v.BasicCallMeta, gateway.CallReject, own)
		d.By = gateway.RejectedByPeer
		if !own.IsEmpty() && v.From.User == own.User {
			d.By = gateway.RejectedByDevice
		}
	case *events.CallTerminate:
		d = callData(v.BasicCallMeta, gateway.CallTerminate, own)
		d.Reason = v.Reason
	default:
		return gateway.EvCall{}, false
	}
	d = stamped(d, now)
	if d.Action == gateway.CallOffer {
		// An offer opens the call in the book; the later stanzas follow it.
		book.Offer(d)
		return gateway.EvCall{Data: d}, true
	}
	return gateway.EvCall{Data: book.Follow(d)}, true
}

// stamped dates d now when the stanza carried no time.
func stamped(d gateway.CallData, now time.Time) gateway.CallData {
	if d.At.IsZero() {
		d.At = now.UTC()
	}
	return d
}

// callData is what every call stanza says: the call, its creator (as a
// phone JID or a LID, with the other form when WhatsApp adds it) and its
// group.
func callData(m types.BasicCallMeta, action string, own types.JID) gateway.CallData {
	d := gateway.CallData{CallID: m.CallID, Action: action}
	if !m.Timestamp.IsZero() {
		d.At = m.Timestamp.UTC()
	}
	creator := m.CallCreator
	if creator.IsEmpty() {
		creator = m.From
	}
	creator = creator.ToNonAD()
	alt := m.CallCreatorAlt.ToNonAD()
	d.Caller = nonEmpty(creator)
	switch creator.Server {
	case types.HiddenUserServer:
		d.CallerLID = creator.String()
		if alt.Server == types.DefaultUserServer {
			d.CallerPhone = alt.User
		}
	case types.DefaultUserServer:
		d.CallerPhone = creator.User
		if alt.Server == types.HiddenUserServer {
			d.CallerLID = alt.String()
		}
	}
	d.FromMe = !own.IsEmpty() && creator.User == own.User && creator.Server == own.Server
	if !m.GroupJID.IsEmpty() {
		d.IsGroup, d.Group = true, m.GroupJID.String()
	}
	return d
}

// hasChild reports whether a call stanza has a child with the tag (an
// offer's "video" child makes it a video call).
func hasChild(n *waBinary.Node, tag string) bool {
	if n == nil {
		return false
	}
	_, ok := n.GetOptionalChildByTag(tag)
	return ok
}

// RejectCall rejects a call ringing on the account. CodeNotFound when no
// such call rings (never offered to this session, answered or ended),
// CodeUnavailable when not connected.
func (e *Engine) RejectCall(ctx context.Context, callID string) (*gateway.CallData, error) {
	cli, err := e.connectedClient()
	if err != nil {
		return nil, err
	}
	return rejectCall(ctx, cli, &e.calls, callID, time.Now)
}

func rejectCall(ctx context.Context, cli callClient, book *gateway.CallBook, callID string, now func() time.Time) (*gateway.CallData, error) {
	d, ok := book.Ringing(callID)
	if !ok || d.FromMe {
		return nil, gateway.CallNotFound()
	}
	from, err := types.ParseJID(d.Caller)
	if err != nil || from.IsEmpty() {
		return nil, gateway.CallNotFound()
	}
	if err := cli.RejectCall(ctx, from, callID); err != nil {
		return nil, offlineError(err, "WhatsApp did not take the rejection.")
	}
	out := book.Follow(gateway.CallData{CallID: callID, Action: gateway.CallReject, By: gateway.RejectedBySession, At: now().UTC()})
	return &out, nil
}
