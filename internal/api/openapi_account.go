package api

import (
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
	"net/http"
	"time"
)

var (
	exampleGroupJID = "120363041234567890@g.us"
	exampleGroup    = gateway.Group{JID: exampleGroupJID, Subject: "Support team", Description: "Customer support on duty",
		Owner: "15550001111@s.whatsapp.net", CreatedAt: &exampleTime,
		Participants: []gateway.GroupParticipant{
			{JID: "15550001111@s.whatsapp.net", Phone: "15550001111", IsAdmin: true, IsSuperAdmin: true},
			{JID: "15550002222@s.whatsapp.net", Phone: "15550002222"}},
		Settings:   gateway.GroupSettings{Locked: true},
		InviteLink: "https://chat.whatsapp.com/AbCdEf0123456789"}
	exampleParticipant = gateway.ParticipantResult{JID: "15550002222@s.whatsapp.net", Phone: "15550002222", Status: gateway.ParticipantOK}
	exampleRequested   = exampleTime.Add(-90 * time.Minute)
	exampleRequest     = gateway.GroupRequest{JID: "15550003333@s.whatsapp.net", Phone: "15550003333", LID: "123456789012345@lid", RequestedAt: &exampleRequested}
	exampleOperation   = gateway.AccountOperation{ID: "2d4f6a8c-1b3e-4c5d-9e7f-0a1b2c3d4e5f", SessionID: exampleSession,
		Op: gateway.OpGroupCreate.Name, Request: []byte(`{"subject":"Support team","participants":["15550002222@s.whatsapp.net"]}`),
		Result: gateway.OperationSucceeded, CreatedAt: exampleTime}
)

const accountErrors = " 409 conflict with details.state when the session is not connected; 422 whatsapp_refused with WhatsApp's " +
	"reason when it refuses; 404 when the group does not exist or the account is not in it."

// accountOperations document the session's WhatsApp account: its groups
// and the audit log of writes made on it.
func accountOperations() []operation {
	ops := []operation{
		{Method: "GET", Path: "/sessions/{session_id}/operations", API: true, ID: "listAccountOperations", Bound: boundPath, Tag: "Account",
			Scope: service.ScopeRead, Summary: "The account writes made through the session, newest first",
			Description: "Every group change (and later every other write on the WhatsApp account) is recorded with its request and outcome.",
			Query:       pageParams,
			Data:        operationList{[]*gateway.AccountOperation{&exampleOperation}, examplePage}},
		{Method: "GET", Path: "/sessions/{session_id}/groups", API: true, ID: "listGroups", Bound: boundPath, Tag: "Groups",
			Scope: service.ScopeRead, Summary: "The groups the session's number is in",
			Description: "Asked of WhatsApp now (source: live)." + accountErrors,
			Data:        groupList{[]gateway.Group{exampleGroup}, service.SourceLive}},
		{Method: "POST", Path: "/sessions/{session_id}/groups", API: true, ID: "createGroup", Bound: boundPath, Tag: "Groups",
			Scope: ScopeManage, Summary: "Create a group",
			Description: "subject (at most 100 characters) and participants (phone numbers with country code, or JIDs). Each participant " +
				"has a result: ok, not_on_whatsapp, or invite_sent when their privacy settings refuse the add." + accountErrors,
			Body: gateway.GroupCreateRequest{}, Example: map[string]any{"subject": "Support team", "participants": []string{"+1 555 000 2222"}},
			Status: 201, Data: gateway.GroupCreateResult{Group: exampleGroup, Participants: []gateway.ParticipantResult{exampleParticipant}}},
		{Method: "POST", Path: "/sessions/{session_id}/groups/join", API: true, ID: "joinGroup", Bound: boundPath, Tag: "Groups",
			Scope: ScopeManage, Summary: "Join a group by its invite link", Body: gateway.GroupJoinRequest{},
			Description: "invite_link is https://chat.whatsapp.com/<code> or the code alone. When the group needs an admin's approval " +
				"(join_approval), the answer has pending: true: the number has asked to join and is a member once an admin approves." + accountErrors,
			Example: map[string]any{"invite_link": exampleGroup.InviteLink}, Data: gateway.GroupJoinResult{Group: exampleGroupJID}},
		{Method: "GET", Path: "/sessions/{session_id}/groups/{group_id}", API: true, ID: "getGroup", Bound: boundPath, Tag: "Groups",
			Scope: service.ScopeRead, Summary: "One group: subject, description, owner, participants, settings, invite link",
			Description: "The invite link is given when the session's number is an admin." + accountErrors,
			Data:        groupLive{exampleGroup, service.SourceLive}},
		{Method: "PATCH", Path: "/sessions/{session_id}/groups/{group_id}", API: true, ID: "updateGroup", Bound: boundPath, Tag: "Groups",
			Scope: ScopeManage, Summary: "Change a group's subject, description or settings",
			Description: "Fields left out stay as they are. announce: only admins send; locked: only admins edit the group's info; " +
				"join_approval: admins approve who joins by link; ephemeral_seconds: 0, 86400, 604800 or 7776000. " +
				"The group is the one in the path." + accountErrors,
			Body: gateway.GroupUpdateRequest{}, Example: map[string]any{"subject": "Support team (EU)", "announce": true},
			Data: groupUpdated{exampleGroup}},
		{Method: "POST", Path: "/sessions/{session_id}/groups/{group_id}/participants", API: true, ID: "updateGroupParticipants", Bound: boundPath,
			Tag: "Groups", Scope: ScopeManage, Summary: "Add, remove, promote or demote participants",
			Description: "action is add, remove, promote or demote; at most 256 participants. Each has a result: ok, not_on_whatsapp, " +
				"invite_sent, not_in_group, already_in_group or refused (with error)." + accountErrors,
			Body: gateway.GroupParticipantsRequest{}, Example: map[string]any{"action": "add", "participants": []string{"+1 555 000 2222"}},
			Data: gateway.GroupParticipantsResult{Group: exampleGroupJID, Action: "add", Results: []gateway.ParticipantResult{exampleParticipant}}},
		{Method: "GET", Path: "/sessions/{session_id}/groups/{group_id}/invite-link", API: true, ID: "getGroupInviteLink", Bound: boundPath,
			Tag: "Groups", Scope: service.ScopeRead, Summary: "The group's invite link (admins only)", Description: accountErrors[1:],
			Data: groupInviteLive{exampleGroupJID, exampleGroup.InviteLink, service.SourceLive}},
		{Method: "POST", Path: "/sessions/{session_id}/groups/{group_id}/invite-link/reset", API: true, ID: "resetGroupInviteLink", Bound: boundPath,
			Tag: "Groups", Scope: ScopeManage, Summary: "Revoke the invite link and make a new one (admins only)", Description: accountErrors[1:],
			Data: gateway.GroupInvite{Group: exampleGroupJID, InviteLink: "https://chat.whatsapp.com/ZyXwVu9876543210"}},
		{Method: "GET", Path: "/sessions/{session_id}/groups/{group_id}/requests", API: true, ID: "listGroupRequests", Bound: boundPath,
			Tag: "Groups", Scope: service.ScopeRead, Summary: "The pending requests to join the group (admins only)",
			Description: "When the group needs an admin's approval (settings.join_approval), joining by link makes a request instead of a " +
				"member; these are the requests waiting, oldest first, each with the requester's phone and LID when known." + accountErrors,
			// 422: a member who is no admin is refused, as WhatsApp does.
			Errors: []int{http.StatusUnprocessableEntity},
			Data:   groupRequestsLive{exampleGroupJID, []gateway.GroupRequest{exampleRequest}, service.SourceLive}},
		{Method: "POST", Path: "/sessions/{session_id}/groups/{group_id}/requests/approve", API: true, ID: "approveGroupRequests", Bound: boundPath,
			Tag: "Groups", Scope: ScopeManage, Summary: "Approve requests to join the group (admins only)",
			Description: "participants: the requesters (phone numbers or JIDs), at most 256. Each has a result: ok (now a member; the members " +
				"get a group.participants add event), no_request (they have no pending request), already_in_group or refused (with error). " +
				"404 when none of them has a pending request." + accountErrors,
			Body: groupRequestsBody{}, Example: map[string]any{"participants": []string{"+1 555 000 3333"}},
			Data: gateway.GroupRequestsResult{Group: exampleGroupJID, Action: gateway.RequestApprove,
				Results: []gateway.ParticipantResult{{JID: exampleRequest.JID, Phone: exampleRequest.Phone, Status: gateway.ParticipantOK}}}},
		{Method: "POST", Path: "/sessions/{session_id}/groups/{group_id}/requests/reject", API: true, ID: "rejectGroupRequests", Bound: boundPath,
			Tag: "Groups", Scope: ScopeManage, Summary: "Reject requests to join the group (admins only)",
			Description: "participants: the requesters (phone numbers or JIDs), at most 256. Each has a result: ok (the request is dropped), " +
				"no_request or refused (with error). 404 when none of them has a pending request." + accountErrors,
			Body: groupRequestsBody{}, Example: map[string]any{"participants": []string{"+1 555 000 3333"}},
			Data: gateway.GroupRequestsResult{Group: exampleGroupJID, Action: gateway.RequestReject,
				Results: []gateway.ParticipantResult{{JID: exampleRequest.JID, Phone: exampleRequest.Phone, Status: gateway.ParticipantOK}}}},
		{Method: "POST", Path: "/sessions/{session_id}/groups/{group_id}/leave", API: true, ID: "leaveGroup", Bound: boundPath,
			Tag: "Groups", Scope: ScopeManage, Summary: "Leave the group", Description: accountErrors[1:],
			Data: groupLeft{exampleGroupJID, true}},
	}
	// Every group operation asks the session's worker: 409 (with
	// details.state) when the session has no running instance or is not
	// connected.
	for i := range ops {
		if ops[i].Tag == "Groups" {
			ops[i].Errors = append(ops[i].Errors, http.StatusConflict)
		}
	}
	return ops
}
