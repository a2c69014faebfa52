package api

import (
	"net/http"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

var (
	exampleCall = gateway.CallData{SessionID: exampleSession, CallID: "9F3E1C0B7A2D4E6F8A1B3C5D7E9F0A2B", Action: gateway.CallOffer,
		Caller: "15550002222@s.whatsapp.net", CallerPhone: "15550002222", CallerLID: "123456789012345@lid", Video: true, At: exampleTime}
	exampleRejectedCall = func() gateway.CallData {
		c := exampleCall
		c.Action, c.By = gateway.CallReject, gateway.RejectedBySession
		return c
	}()
)

const sandboxCallNote = " Sandbox only: a sandbox session stands in for the phone that would do this on WhatsApp; a session of " +
	"another engine is refused (409), and with SANDBOX_ENABLED=false the route answers 403 feature_disabled. Recorded in the operations log."

// callOperations document the call routes.
func callOperations() []operation {
	return []operation{
		{Method: "POST", Path: "/sessions/{session_id}/calls/{call_id}/reject", API: true, ID: "rejectCall", Bound: boundPath, Tag: "Calls",
			Scope: ScopeManage, Summary: "Reject a call while it rings",
			Description: "The call_id is the one of the call event (action offer). The caller sees the call rejected; this session gets a " +
				"call event with action reject and by session. Recorded in the operations log. 404 when no call with this id rings on " +
				"the session (never offered, answered or ended); 409 conflict with details.state when the session is not connected. " +
				"To reject every call, set the session's settings.auto_reject_calls.",
			Errors: []int{http.StatusNotFound, http.StatusConflict},
			Data:   gateway.CallResult{Call: exampleRejectedCall}},
		{Method: "POST", Path: "/sessions/{session_id}/sandbox/calls", API: true, ID: "placeSandboxCall", Bound: boundPath, Tag: "Calls",
			Scope: ScopeManage, Summary: "Sandbox only: call another sandbox session of the account",
			Description: "The callee's session gets a call event (action offer) and can reject it, answer it (…/accept) or let it ring: " +
				"after ring_seconds it ends as missed (terminate, missed true) on both sides. This session gets the same steps with " +
				"from_me true. A group call (to: a group the session is in) rings every other member that is a sandbox session, each " +
				"offer with is_group and group set, and each member rejects or answers on its own; the caller sees the first answer, a " +
				"reject only once every member rejected, and the end once the last member hung up." + sandboxCallNote,
			Body: gateway.SandboxCallRequest{}, Example: map[string]any{"to": "15550002222", "video": true, "ring_seconds": 30}, Status: 201,
			Errors: []int{http.StatusConflict, http.StatusForbidden, http.StatusUnprocessableEntity},
			Data: gateway.SandboxCallPlaced{Call: func() gateway.CallData {
				c := exampleCall
				c.Caller, c.CallerPhone, c.FromMe = "15550001111@s.whatsapp.net", "15550001111", true
				return c
			}()}},
		{Method: "POST", Path: "/sessions/{session_id}/sandbox/calls/{call_id}/accept", API: true, ID: "acceptSandboxCall", Bound: boundPath,
			Tag: "Calls", Scope: ScopeManage, Summary: "Sandbox only: answer a call ringing on this session",
			Description: "Both sides get a call event with action accept. 404 when no such call rings here." + sandboxCallNote,
			Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusForbidden},
			Data: gateway.CallResult{Call: func() gateway.CallData {
				c := exampleCall
				c.Action = gateway.CallAccept
				return c
			}()}},
		{Method: "POST", Path: "/sessions/{session_id}/sandbox/calls/{call_id}/end", API: true, ID: "endSandboxCall", Bound: boundPath,
			Tag: "Calls", Scope: ScopeManage, Summary: "Sandbox only: hang up a call this session placed or answered",
			Description: "Both sides get a call event with action terminate (missed true when it was never answered). A call still " +
				"ringing on this session is answered or rejected instead (409). 404 when no such call is live here." + sandboxCallNote,
			Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusForbidden},
			Data: gateway.CallResult{Call: func() gateway.CallData {
				c := exampleCall
				c.Action = gateway.CallTerminate
				return c
			}()}},
	}
}
