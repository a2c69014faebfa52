package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// Group is a WhatsApp group the session's number is in.
type Group struct {
	JID          string             `json:"jid"`
	Subject      string             `json:"subject"`
	Description  string             `json:"description"`
	Owner        string             `json:"owner,omitempty"`
	CreatedAt    *time.Time         `json:"created_at,omitempty"`
	Participants []GroupParticipant `json:"participants"`
	Settings     GroupSettings      `json:"settings"`
	InviteLink   string             `json:"invite_link,omitempty"`
}

// GroupParticipant is one member of a group.
type GroupParticipant struct {
	JID          string `json:"jid"`
	Phone        string `json:"phone,omitempty"`
	LID          string `json:"lid,omitempty"`
	IsAdmin      bool   `json:"is_admin"`
	IsSuperAdmin bool   `json:"is_super_admin"`
}

// GroupSettings are a group's switches.
type GroupSettings struct {
	Announce         bool `json:"announce"`
	Locked           bool `json:"locked"`
	JoinApproval     bool `json:"join_approval"`
	EphemeralSeconds int  `json:"ephemeral_seconds"`
}

// ParticipantResult is what happened to one participant of a change: ok,
// not_on_whatsapp, invite_sent, not_in_group, already_in_group, no_request
// (approve or reject of someone who did not ask to join) or refused.
type ParticipantResult struct {
	JID    string `json:"jid"`
	Phone  string `json:"phone,omitempty"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// GroupUpdate changes a group; nil fields stay as they are.
type GroupUpdate struct {
	Subject          *string `json:"subject,omitempty"`
	Description      *string `json:"description,omitempty"`
	Announce         *bool   `json:"announce,omitempty"`
	Locked           *bool   `json:"locked,omitempty"`
	JoinApproval     *bool   `json:"join_approval,omitempty"`
	EphemeralSeconds *int    `json:"ephemeral_seconds,omitempty"`
}

// AccountOperation is one recorded write on the session's WhatsApp account.
type AccountOperation struct {
	ID        string          `json:"id"`
	SessionID string          `json:"session_id"`
	Op        string          `json:"op"`
	Request   json.RawMessage `json:"request"`
	Result    string          `json:"result"`
	ErrorCode string          `json:"error_code,omitempty"`
	Error     string          `json:"error,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

func (c *Client) groupPath(sessionID, groupJID string) string {
	return c.sessionPath(sessionID, "/groups") + "/" + url.PathEscape(groupJID)
}

// AccountOperations lists the account writes made through the session, newest first.
func (c *Client) AccountOperations(ctx context.Context, sessionID string, o ListOptions) ([]AccountOperation, *Pagination, error) {
	return list[AccountOperation](ctx, c, c.sessionPath(sessionID, "/operations"), o.query(), "operations")
}

// Groups lists the groups the session's number is in (asked of WhatsApp now).
func (c *Client) Groups(ctx context.Context, sessionID string) ([]Group, error) {
	return field[[]Group](ctx, c, http.MethodGet, c.sessionPath(sessionID, "/groups"), nil, nil, "groups")
}

// Group reads one group.
func (c *Client) Group(ctx context.Context, sessionID, groupJID string) (*Group, error) {
	return field[*Group](ctx, c, http.MethodGet, c.groupPath(sessionID, groupJID), nil, nil, "group")
}

// CreateGroup creates a group with participants (phone numbers or JIDs).
func (c *Client) CreateGroup(ctx context.Context, sessionID, subject string, participants []string) (*Group, []ParticipantResult, error) {
	var out struct {
		Group        *Group              `json:"group"`
		Participants []ParticipantResult `json:"participants"`
	}
	err := c.do(ctx, http.MethodPost, c.sessionPath(sessionID, "/groups"), nil, map[string]any{"subject": subject, "participants": participants}, &out)
	return out.Group, out.Participants, err
}

// UpdateGroup changes a group's subject, description or settings.
func (c *Client) UpdateGroup(ctx context.Context, sessionID, groupJID string, u GroupUpdate) (*Group, error) {
	return field[*Group](ctx, c, http.MethodPatch, c.groupPath(sessionID, groupJID), nil, u, "group")
}

// UpdateGroupParticipants adds, removes, promotes or demotes participants
// (action add, remove, promote or demote).
func (c *Client) UpdateGroupParticipants(ctx context.Context, sessionID, groupJID, action string, participants []string) ([]ParticipantResult, error) {
	return field[[]ParticipantResult](ctx, c, http.MethodPost, c.groupPath(sessionID, groupJID)+"/participants", nil,
		map[string]any{"action": action, "participants": participants}, "results")
}

// GroupInviteLink reads the group's invite link (admins only).
func (c *Client) GroupInviteLink(ctx context.Context, sessionID, groupJID string) (string, error) {
	return field[string](ctx, c, http.MethodGet, c.groupPath(sessionID, groupJID)+"/invite-link", nil, nil, "invite_link")
}

// ResetGroupInviteLink revokes the invite link and answers the new one.
func (c *Client) ResetGroupInviteLink(ctx context.Context, sessionID, groupJID string) (string, error) {
	return field[string](ctx, c, http.MethodPost, c.groupPath(sessionID, groupJID)+"/invite-link/reset", nil, nil, "invite_link")
}

// GroupJoin is the group joined by link; Pending when the group needs an
// admin's approval and the number has only asked to join.
type GroupJoin struct {
	Group   string `json:"group"`
	Pending bool   `json:"pending,omitempty"`
}

// JoinGroup joins a group by invite link (or its code). In a group that
// needs an admin's approval the join is a request: Pending is true.
func (c *Client) JoinGroup(ctx context.Context, sessionID, inviteLink string) (*GroupJoin, error) {
	var out GroupJoin
	if err := c.do(ctx, http.MethodPost, c.sessionPath(sessionID, "/groups")+"/join", nil, map[string]any{"invite_link": inviteLink}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GroupRequest is a pending request to join a group.
type GroupRequest struct {
	JID         string     `json:"jid"`
	Phone       string     `json:"phone,omitempty"`
	LID         string     `json:"lid,omitempty"`
	RequestedAt *time.Time `json:"requested_at,omitempty"`
}

// GroupRequests lists a group's pending join requests, oldest first (admins only).
func (c *Client) GroupRequests(ctx context.Context, sessionID, groupJID string) ([]GroupRequest, error) {
	return field[[]GroupRequest](ctx, c, http.MethodGet, c.groupPath(sessionID, groupJID)+"/requests", nil, nil, "requests")
}

// ApproveGroupRequests approves join requests (phone numbers or JIDs):
// the approved become members. A result per requester: ok, no_request,
// already_in_group or refused.
func (c *Client) ApproveGroupRequests(ctx context.Context, sessionID, groupJID string, participants []string) ([]ParticipantResult, error) {
	return c.groupRequests(ctx, sessionID, groupJID, "approve", participants)
}

// RejectGroupRequests rejects join requests (phone numbers or JIDs), with
// a result per requester.
func (c *Client) RejectGroupRequests(ctx context.Context, sessionID, groupJID string, participants []string) ([]ParticipantResult, error) {
	return c.groupRequests(ctx, sessionID, groupJID, "reject", participants)
}

func (c *Client) groupRequests(ctx context.Context, sessionID, groupJID, action string, participants []string) ([]ParticipantResult, error) {
	return field[[]ParticipantResult](ctx, c, http.MethodPost, c.groupPath(sessionID, groupJID)+"/requests/"+action, nil, map[string]any{"participants": participants}, "results")
}

// LeaveGroup leaves a group.
func (c *Client) LeaveGroup(ctx context.Context, sessionID, groupJID string) error {
	return c.do(ctx, http.MethodPost, c.groupPath(sessionID, groupJID)+"/leave", nil, nil, nil)
}
