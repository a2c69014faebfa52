package api

import (
	"context"
	"net/http"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Calls: rejecting a ringing call, and the sandbox's stand-ins for the
// phones that place, answer and end calls.

// callHandlers are the handlers of callOperations, by operation id.
func (s *Server) callHandlers() map[string]handler {
	return map[string]handler{
		"rejectCall":        s.handleCallReject,
		"placeSandboxCall":  s.handleSandboxCallPlace,
		"acceptSandboxCall": s.handleSandboxCallStep(s.svc.AcceptSandboxCall),
		"endSandboxCall":    s.handleSandboxCallStep(s.svc.EndSandboxCall),
	}
}

func (s *Server) handleCallReject(w http.ResponseWriter, r *http.Request) error {
	id, call, err := sessionAndParam(r, "call_id")
	if err != nil {
		return err
	}
	res, err := s.svc.RejectCall(r.Context(), who(r).User.ID, id, call)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}

func (s *Server) handleSandboxCallPlace(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	var req gateway.SandboxCallRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	res, err := s.svc.PlaceSandboxCall(r.Context(), who(r).User.ID, id, req)
	if err != nil {
		return err
	}
	return ok(w, http.StatusCreated, res)
}

func (s *Server) handleSandboxCallStep(step func(ctx context.Context, userID, sessionID, callID string) (gateway.CallResult, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, call, err := sessionAndParam(r, "call_id")
		if err != nil {
			return err
		}
		res, err := step(r.Context(), who(r).User.ID, id, call)
		if err != nil {
			return err
		}
		return ok(w, http.StatusOK, res)
	}
}
