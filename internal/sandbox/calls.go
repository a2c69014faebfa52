package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Calls in the sandbox. WhatsApp calls are placed and answered on phones,
// which the sandbox has none of, so a sandbox session stands in for its
// phone through the SandboxCaller methods (the API's sandbox call routes):
// it places a call to another sandbox session of the tenant, which rings
// there (a call event, action offer) until that session rejects it (POST
// …/calls/{call_id}/reject, or auto_reject_calls), answers it, or either
// side hangs up; a call nobody answered ends as missed after its ring time.
// Each step travels as a KindCall envelope (Change: the action) and becomes
// a call event on the other side, as WhatsApp's call stanzas do. Calls stay
// within the tenant, as all sandbox traffic does.
//
// A group call (PlaceCall to a group the account is in) rings every other
// member that is a sandbox session, each offer carrying the group, as
// WhatsApp's group call offers do: each member rejects or answers on its
// own. The caller's call goes on while anyone still rings or talks: it sees
// the first answer, a reject only once every member rejected, and the end
// once the last member hung up.

// Ring time of a sandbox call when the request gives none, and its bounds.
const (
	DefaultRingSeconds = 30
	maxRingSeconds     = 120
)

// sbCall is what the engine keeps of a call besides its CallBook entry:
// the other parties' numbers (one for a direct call; for a group call
// those still ringing or talking), the group of a group call, and whether
// anyone answered.
type sbCall struct {
	peers    []string
	group    string
	answered bool
}

// newCallID returns a call id shaped like WhatsApp's (32 hex digits).
func newCallID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// PlaceCall rings another sandbox session of the tenant. CodeValidation for
// a callee that is not one (or the account itself) or a ring time out of
// bounds; CodeUnavailable when not connected.
func (e *Engine) PlaceCall(ctx context.Context, r gateway.SandboxCallRequest) (*gateway.CallData, error) {
	ring := r.RingSeconds
	if ring == 0 {
		ring = DefaultRingSeconds
	}
	if ring < 1 || ring > maxRingSeconds {
		return nil, gateway.ValidationError(map[string]string{"ring_seconds": "Give 1 to 120 seconds."})
	}
	to, err := gateway.ParseRecipient(r.To)
	if err != nil || to.Phone() == "" && !to.IsGroup() {
		return nil, gateway.ValidationError(map[string]string{"to": "Give the number of another sandbox session of the account, or a group it is in."})
	}
	me, err := e.me()
	if err != nil {
		return nil, err
	}
	call := sbCall{peers: []string{to.Phone()}}
	if to.IsGroup() {
		if call, err = e.groupCall(ctx, to.JID, me); err != nil {
			return nil, err
		}
	} else {
		peer, err := e.peer(ctx, to.Phone())
		if err != nil {
			return nil, gateway.WrapError(err, gateway.CodeUnavailable, "The sandbox network is unavailable.")
		}
		if !peer || to.Phone() == me {
			return nil, gateway.ValidationError(map[string]string{"to": "A sandbox call reaches the account's other sandbox sessions only; this number is not one."})
		}
	}
	e.mu.Lock()
	defer e.unlock()
	if !e.connected {
		return nil, errNotConnected()
	}
	now := time.Now().UTC()
	d := gateway.CallData{CallID: newCallID(), Action: gateway.CallOffer, Caller: e.phone + "@" + gateway.ServerUser,
		CallerPhone: e.phone, CallerLID: e.lid, FromMe: true, Video: r.Video, IsGroup: call.group != "", Group: call.group, At: now}
	e.calls.Offer(d)
	e.callPeers[d.CallID] = call
	for _, p := range call.peers {
		e.sendCallLocked(p, d.CallID, gateway.CallOffer, r.Video, call.group)
	}
	id := d.CallID
	e.afterLocked(time.Duration(ring)*time.Second, func() {
		if _, ringing := e.calls.Ringing(id); !ringing {
			return
		}
		// Nobody answered: the caller's phone gives up, both sides see a missed call.
		end := e.calls.Follow(gateway.CallData{CallID: id, Action: gateway.CallTerminate, At: time.Now().UTC()})
		for _, p := range e.callPeers[id].peers {
			e.sendCallLocked(p, id, gateway.CallTerminate, false, "")
		}
		delete(e.callPeers, id)
		e.offerLocked(gateway.EvCall{Data: end}, 0, nil)
	})
	return &d, nil
}

// groupCall is the call to group jid: the account must be in it, and some
// other member must be a sandbox session to ring.
func (e *Engine) groupCall(ctx context.Context, jid, me string) (sbCall, error) {
	if _, err := e.group(ctx, jid, me); gateway.IsCode(err, gateway.CodeNotFound) {
		return sbCall{}, gateway.ValidationError(map[string]string{"to": "The account is not in this group."})
	} else if err != nil {
		return sbCall{}, err
	}
	peers, err := e.groupPeers(ctx, jid)
	if err != nil {
		return sbCall{}, gateway.WrapError(err, gateway.CodeUnavailable, "The sandbox network is unavailable.")
	}
	if len(peers) == 0 {
		return sbCall{}, gateway.ValidationError(map[string]string{"to": "No other member of this group is a sandbox session of the account: nobody would ring."})
	}
	return sbCall{peers: peers, group: jid}, nil
}

// ringingHereLocked refuses, as RejectCall and AcceptCall must, a call that
// is not ringing on this connected session (a call it placed rings
// elsewhere). e.mu is held.
func (e *Engine) ringingHereLocked(callID string) error {
	if !e.connected {
		return errNotConnected()
	}
	if d, ok := e.calls.Ringing(callID); !ok || d.FromMe {
		return gateway.CallNotFound()
	}
	return nil
}

// RejectCall rejects a call ringing on the session; the caller sees a
// reject. CodeNotFound when no such call rings here.
func (e *Engine) RejectCall(_ context.Context, callID string) (*gateway.CallData, error) {
	return e.answerCall(gateway.CallData{CallID: callID, Action: gateway.CallReject, By: gateway.RejectedBySession})
}

// AcceptCall answers a call ringing on the session, as its phone would;
// the caller sees an accept. CodeNotFound when no such call rings here.
func (e *Engine) AcceptCall(_ context.Context, callID string) (*gateway.CallData, error) {
	return e.answerCall(gateway.CallData{CallID: callID, Action: gateway.CallAccept})
}

// answerCall rejects or accepts (a's Action) a call ringing on the session
// and tells the caller; a rejected call is over.
func (e *Engine) answerCall(a gateway.CallData) (*gateway.CallData, error) {
	e.mu.Lock()
	defer e.unlock()
	if err := e.ringingHereLocked(a.CallID); err != nil {
		return nil, err
	}
	a.At = time.Now().UTC()
	d := e.calls.Follow(a)
	e.sendCallLocked(d.CallerPhone, a.CallID, a.Action, false, "")
	if a.Action == gateway.CallReject {
		delete(e.callPeers, a.CallID)
	}
	return &d, nil
}

// EndCall hangs up a call the session placed or answered (a placed call
// that still rings ends as missed); the other side sees a terminate.
// CodeNotFound when no such call is live here.
func (e *Engine) EndCall(_ context.Context, callID string) (*gateway.CallData, error) {
	e.mu.Lock()
	defer e.unlock()
	if !e.connected {
		return nil, errNotConnected()
	}
	d, ok := e.calls.Live(callID)
	if !ok {
		return nil, gateway.Errorf(gateway.CodeNotFound, "No call with this id is live on the session.")
	}
	if _, ringing := e.calls.Ringing(callID); ringing && !d.FromMe {
		// The callee's phone rejects a ringing call; it hangs up an answered one.
		return nil, gateway.Errorf(gateway.CodeConflict, "The call still rings on this session: answer or reject it.")
	}
	peers := []string{d.CallerPhone}
	if d.FromMe {
		peers = e.callPeers[callID].peers
	}
	d = e.calls.Follow(gateway.CallData{CallID: callID, Action: gateway.CallTerminate, At: time.Now().UTC()})
	for _, p := range peers {
		e.sendCallLocked(p, callID, gateway.CallTerminate, false, "")
	}
	delete(e.callPeers, callID)
	return &d, nil
}

// sendCallLocked tells peer one step of a call (an offer of a group call
// names its group), once the lock is released.
func (e *Engine) sendCallLocked(peer, callID, action string, video bool, group string) {
	if e.opts.Network == nil || peer == "" {
		return
	}
	env := Envelope{Kind: KindCall, ID: callID, FromPhone: e.phone, FromLID: e.lid, PushName: e.pushName, Change: action,
		Video: video, Group: group, Timestamp: time.Now().UTC()}
	e.publishLocked(func(ctx context.Context) error { return e.opts.Network.Deliver(ctx, e.cfg.UserID, peer, env) })
}

// receiveCallLocked turns a call step from a peer into the call event.
// An offer from a number the account blocked does not ring, as on
// WhatsApp; a step of a call the engine does not know (it restarted since
// the offer) is dropped.
func (e *Engine) receiveCallLocked(env Envelope) {
	at := env.Timestamp
	if at.IsZero() {
		at = time.Now().UTC()
	}
	if env.Change == gateway.CallOffer {
		if e.blocked[env.FromPhone] {
			return
		}
		d := gateway.CallData{CallID: env.ID, Action: gateway.CallOffer, Caller: env.FromPhone + "@" + gateway.ServerUser,
			CallerPhone: env.FromPhone, CallerLID: env.FromLID, Video: env.Video, IsGroup: env.Group != "", Group: env.Group, At: at}
		e.calls.Offer(d)
		e.offerLocked(gateway.EvCall{Data: d}, 0, nil)
		return
	}
	if _, live := e.calls.Live(env.ID); !live {
		return
	}
	d := gateway.CallData{CallID: env.ID, Action: env.Change, At: at}
	if d.Action == gateway.CallReject {
		d.By = gateway.RejectedByPeer
	}
	switch d.Action {
	case gateway.CallAccept, gateway.CallReject, gateway.CallTerminate:
	default:
		return
	}
	if c, placed := e.callPeers[env.ID]; placed && c.group != "" {
		action, changed := e.groupStepLocked(env.ID, c, env.FromPhone, d.Action)
		if !changed {
			return
		}
		d.Action, d.By = action, ""
		if action == gateway.CallReject {
			d.By = gateway.RejectedByPeer
		}
	}
	d = e.calls.Follow(d)
	if d.Action != gateway.CallAccept {
		delete(e.callPeers, env.ID)
	}
	e.offerLocked(gateway.EvCall{Data: d}, 0, nil)
}

// groupStepLocked keeps the caller's side of a group call up to date with
// one member's step, and returns the step as the caller sees it, or false
// when it changes nothing there: the first answer is an accept; a reject or
// a hang-up counts only once no member is left ringing or talking, as a
// reject when nobody ever answered and as the call's end otherwise.
func (e *Engine) groupStepLocked(id string, c sbCall, from, action string) (string, bool) {
	if action == gateway.CallAccept {
		first := !c.answered
		c.answered = true
		e.callPeers[id] = c
		return action, first
	}
	c.peers = slices.DeleteFunc(slices.Clone(c.peers), func(p string) bool { return p == from })
	e.callPeers[id] = c
	switch {
	case len(c.peers) > 0:
		return "", false
	case c.answered:
		return gateway.CallTerminate, true
	}
	return gateway.CallReject, true
}
