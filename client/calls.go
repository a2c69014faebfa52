package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Call is a call as its call events and the call routes describe it.
type Call struct {
	SessionID    string    `json:"session_id"`
	CallID       string    `json:"call_id"`
	Action       string    `json:"action"` // offer, accept, reject, terminate
	Caller       string    `json:"caller"`
	CallerPhone  string    `json:"caller_phone,omitempty"`
	CallerLID    string    `json:"caller_lid,omitempty"`
	FromMe       bool      `json:"from_me"`
	Video        bool      `json:"video"`
	IsGroup      bool      `json:"is_group"`
	Group        string    `json:"group,omitempty"`
	Missed       bool      `json:"missed,omitempty"`
	Reason       string    `json:"reason,omitempty"`
	By           string    `json:"by,omitempty"` // on reject: session, auto, device or peer
	AutoRejected bool      `json:"auto_rejected,omitempty"`
	At           time.Time `json:"at"`
}

func (c *Client) callPath(sessionID, sandbox, callID string) string {
	p := c.sessionPath(sessionID, sandbox+"/calls")
	if callID != "" {
		p += "/" + url.PathEscape(callID)
	}
	return p
}

func (c *Client) callStep(ctx context.Context, path string, body any) (*Call, error) {
	var out struct {
		Call Call `json:"call"`
	}
	if err := c.do(ctx, http.MethodPost, path, nil, body, &out); err != nil {
		return nil, err
	}
	return &out.Call, nil
}

// RejectCall rejects a call ringing on the session (the call_id of its
// call event); an *Error with status 404 when no such call rings.
func (c *Client) RejectCall(ctx context.Context, sessionID, callID string) (*Call, error) {
	return c.callStep(ctx, c.callPath(sessionID, "", callID)+"/reject", nil)
}

// PlaceSandboxCall rings another sandbox session of the account from a
// sandbox session (video or voice; ringSeconds 0 rings 30 s).
func (c *Client) PlaceSandboxCall(ctx context.Context, sessionID, to string, video bool, ringSeconds int) (*Call, error) {
	return c.callStep(ctx, c.callPath(sessionID, "/sandbox", ""),
		map[string]any{"to": to, "video": video, "ring_seconds": ringSeconds})
}

// AcceptSandboxCall answers a call ringing on a sandbox session.
func (c *Client) AcceptSandboxCall(ctx context.Context, sessionID, callID string) (*Call, error) {
	return c.callStep(ctx, c.callPath(sessionID, "/sandbox", callID)+"/accept", nil)
}

// EndSandboxCall hangs up a call a sandbox session placed or answered.
func (c *Client) EndSandboxCall(ctx context.Context, sessionID, callID string) (*Call, error) {
	return c.callStep(ctx, c.callPath(sessionID, "/sandbox", callID)+"/end", nil)
}
