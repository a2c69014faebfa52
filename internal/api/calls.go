package api

import "net/http"

// Calls: rejecting a ringing call, and the sandbox's stand-ins for the
// phones that place, answer and end calls.

// callHandlers are the handlers of callOperations, by operation id.
func (s *Server) callHandlers() map[string]handler {
	return map[string]handler{
		"rejectCall":        onItem(s, "call_id", http.StatusOK, readItem(s.svc.RejectCall), nil),
		"placeSandboxCall":  onID(s, "session_id", http.StatusCreated, s.svc.PlaceSandboxCall, nil),
		"acceptSandboxCall": onItem(s, "call_id", http.StatusOK, readItem(s.svc.AcceptSandboxCall), nil),
		"endSandboxCall":    onItem(s, "call_id", http.StatusOK, readItem(s.svc.EndSandboxCall), nil),
	}
}
