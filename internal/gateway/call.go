package gateway

import (
	"context"
	"sync"
	"time"
)

// Calls: the gateway cannot take part in a WhatsApp call (no audio or
// video), but it sees them ring, be answered and end, as call events, and
// it can reject a ringing call, by the API or by itself when the session's
// settings turn auto_reject_calls on.

// EventCall is the event of a call the session's account receives (or,
// from_me, one it placed, in the sandbox).
const EventCall = "call"

// Call actions, the action of a call event.
const (
	CallOffer     = "offer"     // the call rings
	CallAccept    = "accept"    // the call was answered (on the phone, or another device)
	CallReject    = "reject"    // the call was rejected: by the session (API or auto_reject_calls) or by the other party
	CallTerminate = "terminate" // the call ended; missed when it was never answered
)

// CallData is the data of a call event.
type CallData struct {
	SessionID string `json:"session_id" desc:"The session that saw the call."`
	CallID    string `json:"call_id" desc:"WhatsApp's id of the call; reject it with POST /sessions/{session_id}/calls/{call_id}/reject while it rings."`
	Action    string `json:"action" desc:"offer (it rings), accept (answered), reject (rejected) or terminate (ended)."`
	// Caller is who placed the call, as WhatsApp names them (a phone JID
	// or a LID).
	Caller      string `json:"caller" desc:"Who placed the call (a phone JID or a LID)."`
	CallerPhone string `json:"caller_phone,omitempty" desc:"The caller's phone number, when WhatsApp tells it."`
	CallerLID   string `json:"caller_lid,omitempty" desc:"The caller's LID, when WhatsApp tells it."`
	// FromMe marks a call the session's own account placed (sandbox test
	// calls): its events tell how the other party answered.
	FromMe  bool   `json:"from_me" desc:"true when the session's own account placed the call."`
	Video   bool   `json:"video" desc:"true for a video call, false for a voice call."`
	IsGroup bool   `json:"is_group" desc:"true for a group call."`
	Group   string `json:"group,omitempty" desc:"The group the call is in, for a group call, when WhatsApp tells it."`
	// Missed is set on terminate for a call that was never answered.
	Missed bool   `json:"missed,omitempty" desc:"On terminate: the call was never answered (nor rejected)."`
	Reason string `json:"reason,omitempty" desc:"On terminate: WhatsApp's reason, when it gives one."`
	// By says who rejected, on reject: session (POST …/reject), auto
	// (auto_reject_calls) or peer (the other party).
	By string `json:"by,omitempty" desc:"On reject: session (POST …/calls/{call_id}/reject), auto (the session's auto_reject_calls setting), device (the account's phone or another of its devices) or peer (the other party)."`
	// AutoRejected is set on the reject the gateway made by itself.
	AutoRejected bool      `json:"auto_rejected,omitempty" desc:"On reject: true when the session's auto_reject_calls setting rejected the call."`
	At           time.Time `json:"at" desc:"When it happened."`
}

// Who rejected a call (CallData.By).
const (
	RejectedBySession = "session" // POST …/calls/{call_id}/reject
	RejectedByAuto    = "auto"    // the session's auto_reject_calls setting
	RejectedByPeer    = "peer"    // the other party
	RejectedByDevice  = "device"  // the account's phone or another of its devices
)

// EvCall is a call an engine saw.
type EvCall struct{ Data CallData }

func (EvCall) engineEvent() {}

// CallEngine is the part of AccountEngine about calls. Errors:
// CodeNotFound when no call with that id rings, CodeUnavailable when not
// connected.
type CallEngine interface {
	// RejectCall rejects a ringing call and returns it (action reject).
	RejectCall(ctx context.Context, callID string) (*CallData, error)
}

// CallRef names a call.
type CallRef struct {
	CallID string `json:"call_id" desc:"The call's id (taken from the path)."`
}

// CallResult is the answer to an action on a call: the call after it.
type CallResult struct {
	Call CallData `json:"call" desc:"The call after the action (its action: reject, accept or terminate)."`
}

// OpCallReject rejects a ringing call; its reject event is stored with the
// operation.
var OpCallReject = AccountOp[CallRef, CallResult]{Name: "call.reject", Write: true,
	Call: func(ctx context.Context, e AccountEngine, r CallRef) (CallResult, error) {
		c, err := e.RejectCall(ctx, r.CallID)
		if err != nil || c == nil {
			return CallResult{}, err
		}
		return CallResult{Call: *c}, nil
	},
	Events: func(sid string, _ CallRef, res CallResult) []AccountEvent { return callEvents(sid, res.Call) }}

// CallNotFound is the error of a call that does not ring (never did, or
// already ended).
func CallNotFound() *Error {
	return Errorf(CodeNotFound, "No call with this id is ringing on the session.")
}

// CallBook remembers a session's recent calls, so an engine can complete
// later events of a call with what only its offer says (video, group, the
// caller), tell a missed call from an answered one, and find the caller of
// a call to reject. It keeps at most callBookSize calls, and forgets a call
// an hour after its offer. Safe for concurrent use.
type CallBook struct {
	mu    sync.Mutex
	calls map[string]*bookedCall
	order []string
}

type bookedCall struct {
	data     CallData
	accepted bool
	ended    bool
	seen     time.Time
}

const (
	callBookSize = 256
	callBookTTL  = time.Hour
)

// Offer records a ringing call.
func (b *CallBook) Offer(d CallData) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.calls == nil {
		b.calls = map[string]*bookedCall{}
	}
	if _, ok := b.calls[d.CallID]; !ok {
		b.order = append(b.order, d.CallID)
	}
	b.calls[d.CallID] = &bookedCall{data: d, seen: d.At}
	for len(b.order) > callBookSize || (len(b.order) > 0 && d.At.Sub(b.seenLocked(b.order[0])) > callBookTTL) {
		delete(b.calls, b.order[0])
		b.order = b.order[1:]
	}
}

func (b *CallBook) seenLocked(id string) time.Time {
	if c, ok := b.calls[id]; ok {
		return c.seen
	}
	return time.Time{}
}

// Ringing returns a call that was offered and has not been answered or
// ended.
func (b *CallBook) Ringing(id string) (CallData, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.calls[id]
	if !ok || c.accepted || c.ended {
		return CallData{}, false
	}
	return c.data, true
}

// Follow completes d, a later event of a call, with what the book knows
// of it (caller, video, group), and records its action: an accept marks the
// call answered, a reject or terminate ends it, and a terminate of a call
// never answered nor rejected is Missed.
func (b *CallBook) Follow(d CallData) CallData {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.calls[d.CallID]
	if !ok {
		return d
	}
	known := c.data
	if d.Caller == "" {
		d.Caller, d.CallerPhone, d.CallerLID = known.Caller, known.CallerPhone, known.CallerLID
	}
	if d.CallerPhone == "" {
		d.CallerPhone = known.CallerPhone
	}
	if d.CallerLID == "" {
		d.CallerLID = known.CallerLID
	}
	d.Video = d.Video || known.Video
	d.IsGroup = d.IsGroup || known.IsGroup
	if d.Group == "" {
		d.Group = known.Group
	}
	d.FromMe = d.FromMe || known.FromMe
	switch d.Action {
	case CallAccept:
		c.accepted = true
	case CallReject:
		c.ended = true
	case CallTerminate:
		d.Missed = !c.accepted && !c.ended
		c.ended = true
	}
	return d
}

// Live returns a call that was offered and has not ended (it rings or is
// answered).
func (b *CallBook) Live(id string) (CallData, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.calls[id]
	if !ok || c.ended {
		return CallData{}, false
	}
	return c.data, true
}

// SandboxCaller is implemented by the sandbox engine alone: test calls
// between a tenant's sandbox sessions, standing in for the phones that
// place, answer and hang up calls on WhatsApp (the gateway cannot).
// Errors: CodeNotFound for a call that is not live, CodeValidation for a
// callee outside the tenant's sandbox, CodeUnavailable when not connected.
type SandboxCaller interface {
	// PlaceCall rings another sandbox session of the tenant; unanswered,
	// the call ends as missed after r.RingSeconds.
	PlaceCall(ctx context.Context, r SandboxCallRequest) (*CallData, error)
	// AcceptCall answers a call ringing on the session, as its phone would.
	AcceptCall(ctx context.Context, callID string) (*CallData, error)
	// EndCall hangs up a call the session placed or answered.
	EndCall(ctx context.Context, callID string) (*CallData, error)
}

// SandboxCallRequest places a sandbox test call.
type SandboxCallRequest struct {
	To          string `json:"to" desc:"The number (or JID) of another sandbox session of the account to call, or a group the session is in (…@g.us): a group call, which rings every other member that is a sandbox session of the account."`
	Video       bool   `json:"video,omitempty" desc:"A video call rather than a voice call."`
	RingSeconds int    `json:"ring_seconds,omitempty" desc:"How long the call rings before it ends as missed (1 to 120, default 30)."`
}

// SandboxCallPlaced is the answer to a placed sandbox call.
type SandboxCallPlaced struct {
	Call CallData `json:"call" desc:"The call, ringing (action offer, from_me true)."`
}

// sandboxCaller is e as a SandboxCaller, or the error of an engine that
// is not the sandbox.
func sandboxCaller(e AccountEngine) (SandboxCaller, error) {
	c, ok := e.(SandboxCaller)
	if !ok {
		return nil, Errorf(CodeConflict, "Only sandbox sessions can place, answer or end test calls.")
	}
	return c, nil
}

// callEvents is the call event of a call op's answer on the acting session.
func callEvents(sid string, c CallData) []AccountEvent {
	c.SessionID = sid
	return []AccountEvent{{Type: EventCall, Data: c}}
}

// Sandbox call operations; the acting session's event is stored with the
// operation, the other party's engine emits its own.
var (
	OpSandboxCallPlace = AccountOp[SandboxCallRequest, SandboxCallPlaced]{Name: "sandbox.call.place", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r SandboxCallRequest) (SandboxCallPlaced, error) {
			sc, err := sandboxCaller(e)
			if err != nil {
				return SandboxCallPlaced{}, err
			}
			c, err := sc.PlaceCall(ctx, r)
			if err != nil || c == nil {
				return SandboxCallPlaced{}, err
			}
			return SandboxCallPlaced{Call: *c}, nil
		},
		Events: func(sid string, _ SandboxCallRequest, res SandboxCallPlaced) []AccountEvent {
			return callEvents(sid, res.Call)
		}}
	OpSandboxCallAccept = AccountOp[CallRef, CallResult]{Name: "sandbox.call.accept", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r CallRef) (CallResult, error) {
			return sandboxCallStep(ctx, e, r, SandboxCaller.AcceptCall)
		},
		Events: func(sid string, _ CallRef, res CallResult) []AccountEvent { return callEvents(sid, res.Call) }}
	OpSandboxCallEnd = AccountOp[CallRef, CallResult]{Name: "sandbox.call.end", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r CallRef) (CallResult, error) {
			return sandboxCallStep(ctx, e, r, SandboxCaller.EndCall)
		},
		Events: func(sid string, _ CallRef, res CallResult) []AccountEvent { return callEvents(sid, res.Call) }}
)

func sandboxCallStep(ctx context.Context, e AccountEngine, r CallRef, step func(SandboxCaller, context.Context, string) (*CallData, error)) (CallResult, error) {
	sc, err := sandboxCaller(e)
	if err != nil {
		return CallResult{}, err
	}
	c, err := step(sc, ctx, r.CallID)
	if err != nil || c == nil {
		return CallResult{}, err
	}
	return CallResult{Call: *c}, nil
}
