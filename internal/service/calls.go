package service

import (
	"context"
	"strings"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// RejectCall rejects a call ringing on the session; the reject is a call
// event, recorded with the operation. CodeNotFound when no such call rings,
// CodeConflict when the session is not connected.
func (s *Service) RejectCall(ctx context.Context, userID, sessionID, callID string) (gateway.CallResult, error) {
	ref, err := callRef(callID)
	if err != nil {
		return gateway.CallResult{}, err
	}
	return runAccount(ctx, s, userID, sessionID, gateway.OpCallReject, ref)
}

// PlaceSandboxCall rings another sandbox session of the tenant (or the
// members of a group, a group call) from a sandbox session, as its phone
// would. CodeFeatureDisabled when the sandbox
// is off, CodeConflict for a session of another engine.
func (s *Service) PlaceSandboxCall(ctx context.Context, userID, sessionID string, r gateway.SandboxCallRequest) (gateway.SandboxCallPlaced, error) {
	if err := s.sandboxSession(ctx, userID, sessionID); err != nil {
		return gateway.SandboxCallPlaced{}, err
	}
	to, err := gateway.ParseRecipient(r.To)
	if err != nil {
		return gateway.SandboxCallPlaced{}, gateway.ValidationError(map[string]string{"to": "Give the number of another sandbox session of the account, or a group it is in."})
	}
	r.To = to.JID
	return runAccount(ctx, s, userID, sessionID, gateway.OpSandboxCallPlace, r)
}

// AcceptSandboxCall answers a call ringing on a sandbox session, as its
// phone would.
func (s *Service) AcceptSandboxCall(ctx context.Context, userID, sessionID, callID string) (gateway.CallResult, error) {
	return s.sandboxCallStep(ctx, userID, sessionID, callID, gateway.OpSandboxCallAccept)
}

// EndSandboxCall hangs up a call a sandbox session placed or answered.
func (s *Service) EndSandboxCall(ctx context.Context, userID, sessionID, callID string) (gateway.CallResult, error) {
	return s.sandboxCallStep(ctx, userID, sessionID, callID, gateway.OpSandboxCallEnd)
}

func (s *Service) sandboxCallStep(ctx context.Context, userID, sessionID, callID string, op gateway.AccountOp[gateway.CallRef, gateway.CallResult]) (gateway.CallResult, error) {
	if err := s.sandboxSession(ctx, userID, sessionID); err != nil {
		return gateway.CallResult{}, err
	}
	ref, err := callRef(callID)
	if err != nil {
		return gateway.CallResult{}, err
	}
	return runAccount(ctx, s, userID, sessionID, op, ref)
}

// sandboxSession refuses a sandbox-only action on a server without the
// sandbox (CodeFeatureDisabled) or on a session of another engine
// (CodeConflict); CodeNotFound for another tenant's session.
func (s *Service) sandboxSession(ctx context.Context, userID, sessionID string) error {
	if !s.sandboxEnabled() {
		return gateway.Errorf(gateway.CodeFeatureDisabled, sandboxDisabled)
	}
	sess, err := s.Session(ctx, userID, sessionID)
	if err != nil {
		return err
	}
	if sess.Engine != gateway.EngineSandbox {
		return gateway.Errorf(gateway.CodeConflict, "Only sandbox sessions can place, answer or end test calls.")
	}
	return nil
}

// callRef checks a call id from a path: a call id that cannot be one is a
// call that does not ring.
func callRef(id string) (gateway.CallRef, error) {
	id = strings.TrimSpace(id)
	if id == "" || len(id) > 128 {
		return gateway.CallRef{}, gateway.CallNotFound()
	}
	return gateway.CallRef{CallID: id}, nil
}
