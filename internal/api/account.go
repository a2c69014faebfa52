package api

import (
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
		"listGroups":              s.handleGroupList,
		"getGroup":                s.handleGroupGet,
		"createGroup":             s.handleGroupCreate,
		"updateGroup":             s.handleGroupUpdate,
		"updateGroupParticipants": s.handleGroupParticipants,
		"getGroupInviteLink":      s.handleGroupInvite,
		"resetGroupInviteLink":    s.handleGroupInviteReset,
		"joinGroup":               s.handleGroupJoin,
		"leaveGroup":              s.handleGroupLeave,
		"listGroupRequests":       s.handleGroupRequests,
		"approveGroupRequests":    s.handleGroupRequestsApprove,
		"rejectGroupRequests":     s.handleGroupRequestsReject,
	}
}

func (s *Server) handleAccountOperations(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	list, err := s.svc.AccountOperations(r.Context(), who(r).User.ID, id, p)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, operationList{list.Items, list.Pagination})
}

func (s *Server) handleGroupList(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	res, err := s.svc.Groups(r.Context(), who(r).User.ID, id)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, groupList{Groups: res.Groups, Source: service.SourceLive})
}

func (s *Server) handleGroupGet(w http.ResponseWriter, r *http.Request) error {
	id, group, err := sessionAnd(r, "group_id")
	if err != nil {
		return err
	}
	g, err := s.svc.Group(r.Context(), who(r).User.ID, id, group)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, groupLive{Group: g, Source: service.SourceLive})
}

func (s *Server) handleGroupCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	var req gateway.GroupCreateRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	res, err := s.svc.CreateGroup(r.Context(), who(r).User.ID, id, req)
	if err != nil {
		return err
	}
	return ok(w, http.StatusCreated, res)
}

func (s *Server) handleGroupUpdate(w http.ResponseWriter, r *http.Request) error {
	id, group, err := sessionAnd(r, "group_id")
	if err != nil {
		return err
	}
	var req gateway.GroupUpdateRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	req.Group = group // the path names the group
	g, err := s.svc.UpdateGroup(r.Context(), who(r).User.ID, id, req)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, groupUpdated{Group: g})
}

func (s *Server) handleGroupParticipants(w http.ResponseWriter, r *http.Request) error {
	id, group, err := sessionAnd(r, "group_id")
	if err != nil {
		return err
	}
	var req gateway.GroupParticipantsRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	req.Group = group
	res, err := s.svc.UpdateGroupParticipants(r.Context(), who(r).User.ID, id, req)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}

func (s *Server) handleGroupInvite(w http.ResponseWriter, r *http.Request) error {
	return s.groupInvite(w, r, false)
}

func (s *Server) handleGroupInviteReset(w http.ResponseWriter, r *http.Request) error {
	return s.groupInvite(w, r, true)
}

func (s *Server) groupInvite(w http.ResponseWriter, r *http.Request, reset bool) error {
	id, group, err := sessionAnd(r, "group_id")
	if err != nil {
		return err
	}
	res, err := s.svc.GroupInvite(r.Context(), who(r).User.ID, id, group, reset)
	if err != nil {
		return err
	}
	if reset {
		return ok(w, http.StatusOK, gateway.GroupInvite{Group: res.Group, InviteLink: res.InviteLink})
	}
	return ok(w, http.StatusOK, groupInviteLive{Group: res.Group, InviteLink: res.InviteLink, Source: service.SourceLive})
}

func (s *Server) handleGroupJoin(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "session_id")
	if err != nil {
		return err
	}
	var req gateway.GroupJoinRequest
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	res, err := s.svc.JoinGroup(r.Context(), who(r).User.ID, id, req.InviteLink)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
}

func (s *Server) handleGroupLeave(w http.ResponseWriter, r *http.Request) error {
	id, group, err := sessionAnd(r, "group_id")
	if err != nil {
		return err
	}
	if err := s.svc.LeaveGroup(r.Context(), who(r).User.ID, id, group); err != nil {
		return err
	}
	return ok(w, http.StatusOK, groupLeft{Group: group, Left: true})
}

func (s *Server) handleGroupRequests(w http.ResponseWriter, r *http.Request) error {
	id, group, err := sessionAnd(r, "group_id")
	if err != nil {
		return err
	}
	res, err := s.svc.GroupRequests(r.Context(), who(r).User.ID, id, group)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, groupRequestsLive{Group: res.Group, Requests: res.Requests, Source: service.SourceLive})
}

func (s *Server) handleGroupRequestsApprove(w http.ResponseWriter, r *http.Request) error {
	return s.groupRequests(w, r, gateway.RequestApprove)
}

func (s *Server) handleGroupRequestsReject(w http.ResponseWriter, r *http.Request) error {
	return s.groupRequests(w, r, gateway.RequestReject)
}

// groupRequests approves or rejects: the action is the path's, so the
// body holds only the participants.
func (s *Server) groupRequests(w http.ResponseWriter, r *http.Request, action string) error {
	id, group, err := sessionAnd(r, "group_id")
	if err != nil {
		return err
	}
	var req groupRequestsBody
	if err := decode(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	res, err := s.svc.UpdateGroupRequests(r.Context(), who(r).User.ID, id,
		gateway.GroupRequestsRequest{Group: group, Action: action, Participants: req.Participants})
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, res)
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
