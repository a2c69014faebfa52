package api

import (
	"context"
	"net/http"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

// The session's WhatsApp account: its groups and the audit log of the
// writes made on it. Reads answer source: "live" (asked of WhatsApp now)
// or "store" (the gateway's database).

// accountHandlers are the handlers of accountOperations, by operation id.
func (s *Server) accountHandlers() map[string]handler {
	return map[string]handler{
		"listAccountOperations":   s.handleAccountOperations,
		"listGroups":              onID(s, "session_id", http.StatusOK, read(s.svc.Groups), groupsLive),
		"getGroup":                onItem(s, "group_id", http.StatusOK, readItem(s.svc.Group), oneGroupLive),
		"createGroup":             onID(s, "session_id", http.StatusCreated, s.svc.CreateGroup, nil),
		"updateGroup":             onItem(s, "group_id", http.StatusOK, s.updateGroup, oneGroupUpdated),
		"updateGroupParticipants": onItem(s, "group_id", http.StatusOK, s.groupParticipants, nil),
		"getGroupInviteLink":      onItem(s, "group_id", http.StatusOK, readItem(s.groupInvite(false)), inviteLive),
		"resetGroupInviteLink":    onItem(s, "group_id", http.StatusOK, readItem(s.groupInvite(true)), nil),
		"joinGroup":               onID(s, "session_id", http.StatusOK, s.joinGroup, nil),
		"leaveGroup":              onItem(s, "group_id", http.StatusOK, readItem(s.leaveGroup), nil),
		"listGroupRequests":       onItem(s, "group_id", http.StatusOK, readItem(s.svc.GroupRequests), requestsLive),
		"approveGroupRequests":    onItem(s, "group_id", http.StatusOK, s.groupRequests(gateway.RequestApprove), nil),
		"rejectGroupRequests":     onItem(s, "group_id", http.StatusOK, s.groupRequests(gateway.RequestReject), nil),
	}
}

func (s *Server) handleAccountOperations(w http.ResponseWriter, r *http.Request) error {
	id, p, _, err := idAndPage(r, "session_id")
	if err != nil {
		return err
	}
	list, err := s.svc.AccountOperations(r.Context(), who(r).User.ID, id, p)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, operationList{list.Items, list.Pagination})
}

// The answers of the group reads say they were asked of WhatsApp now.
func groupsLive(_ *http.Request, res gateway.GroupList) any {
	return groupList{Groups: res.Groups, Source: service.SourceLive}
}
func oneGroupLive(_ *http.Request, g gateway.Group) any {
	return groupLive{Group: g, Source: service.SourceLive}
}
func inviteLive(_ *http.Request, res gateway.GroupInvite) any {
	return groupInviteLive{Group: res.Group, InviteLink: res.InviteLink, Source: service.SourceLive}
}
func requestsLive(_ *http.Request, res gateway.GroupRequestList) any {
	return groupRequestsLive{Group: res.Group, Requests: res.Requests, Source: service.SourceLive}
}
func oneGroupUpdated(_ *http.Request, g gateway.Group) any { return groupUpdated{Group: g} }

// updateGroup changes the group the path names.
func (s *Server) updateGroup(ctx context.Context, userID, sessionID, group string, req gateway.GroupUpdateRequest) (gateway.Group, error) {
	req.Group = group
	return s.svc.UpdateGroup(ctx, userID, sessionID, req)
}

// groupParticipants changes the participants of the group the path names.
func (s *Server) groupParticipants(ctx context.Context, userID, sessionID, group string, req gateway.GroupParticipantsRequest) (gateway.GroupParticipantsResult, error) {
	req.Group = group
	return s.svc.UpdateGroupParticipants(ctx, userID, sessionID, req)
}

// groupInvite reads the group's invite link, or resets it.
func (s *Server) groupInvite(reset bool) func(ctx context.Context, userID, sessionID, group string) (gateway.GroupInvite, error) {
	return func(ctx context.Context, userID, sessionID, group string) (gateway.GroupInvite, error) {
		return s.svc.GroupInvite(ctx, userID, sessionID, group, reset)
	}
}

func (s *Server) joinGroup(ctx context.Context, userID, sessionID string, req gateway.GroupJoinRequest) (gateway.GroupJoinResult, error) {
	return s.svc.JoinGroup(ctx, userID, sessionID, req.InviteLink)
}

func (s *Server) leaveGroup(ctx context.Context, userID, sessionID, group string) (groupLeft, error) {
	if err := s.svc.LeaveGroup(ctx, userID, sessionID, group); err != nil {
		return groupLeft{}, err
	}
	return groupLeft{Group: group, Left: true}, nil
}

// groupRequests approves or rejects: the action is the path's, so the
// body holds only the participants.
func (s *Server) groupRequests(action string) func(ctx context.Context, userID, sessionID, group string, req groupRequestsBody) (gateway.GroupRequestsResult, error) {
	return func(ctx context.Context, userID, sessionID, group string, req groupRequestsBody) (gateway.GroupRequestsResult, error) {
		return s.svc.UpdateGroupRequests(ctx, userID, sessionID,
			gateway.GroupRequestsRequest{Group: group, Action: action, Participants: req.Participants})
	}
}

// groupRequestsBody is the body of POST …/requests/approve and …/reject.
type groupRequestsBody struct {
	Participants []string `json:"participants" desc:"Phone numbers (with country code) or JIDs of the requesters, at most 256."`
}

// groupRequestsLive answers GET /sessions/{id}/groups/{group_id}/requests.
type groupRequestsLive struct {
	Group    string                 `json:"group" desc:"The group JID."`
	Requests []gateway.GroupRequest `json:"requests" desc:"The pending requests to join, oldest first."`
	Source   string                 `json:"source" desc:"live: asked of WhatsApp now."`
}

// groupList answers GET /sessions/{id}/groups.
type groupList struct {
	Groups []gateway.Group `json:"groups" desc:"The groups the session's number is in."`
	Source string          `json:"source" desc:"live: asked of WhatsApp now."`
}

// groupLive answers GET /sessions/{id}/groups/{group_id}.
type groupLive struct {
	Group  gateway.Group `json:"group" desc:"The group as WhatsApp describes it now."`
	Source string        `json:"source" desc:"live: asked of WhatsApp now."`
}

// groupUpdated answers PATCH /sessions/{id}/groups/{group_id}.
type groupUpdated struct {
	Group gateway.Group `json:"group" desc:"The group after the change."`
}

// groupInviteLive answers GET /sessions/{id}/groups/{group_id}/invite-link.
type groupInviteLive struct {
	Group      string `json:"group" desc:"The group JID."`
	InviteLink string `json:"invite_link" desc:"The invite link."`
	Source     string `json:"source" desc:"live: asked of WhatsApp now."`
}

// groupLeft answers POST /sessions/{id}/groups/{group_id}/leave.
type groupLeft struct {
	Group string `json:"group" desc:"The group JID."`
	Left  bool   `json:"left" desc:"Always true: the session's number has left the group."`
}

// operationList is a page of a session's account operations.
type operationList struct {
	Operations []*gateway.AccountOperation `json:"operations" desc:"This page of operations, newest first."`
	Pagination service.Pagination          `json:"pagination" desc:"Where this page sits in the whole list."`
}
