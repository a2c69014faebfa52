package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"
)

// Account operations act on the session's WhatsApp account rather than
// its outbox: groups today; chats, contacts and the profile later. Each is
// declared once, as an AccountOp value below, with its request and
// response types and its name. The service runs it (and records the
// writes), the worker's instance API serves it at one route by name, the
// engines implement AccountEngine, and the public route decodes into its
// request type: adding an operation is one declaration and one engine
// method, not five hand-written copies of its types.

// Refused is the error of an operation WhatsApp refused, with its reason.
func Refused(reason string) *Error {
	return &Error{Code: CodeRefused, Message: "WhatsApp refused the operation: " + reason, Details: map[string]any{"reason": reason}}
}

// NotConnected is the error of an account operation on a session that is
// not connected; details.state carries the session's state.
func NotConnected(state SessionStatus) *Error {
	return &Error{Code: CodeConflict, Message: "The session is not connected (state: " + string(state) + "); connect it first.",
		Details: map[string]any{"state": string(state)}}
}

// AccountEngine is what an engine implements for account operations. Both
// engines (whatsmeow and the sandbox) implement it. Errors: CodeNotFound
// when the group or number does not exist, CodeRefused when WhatsApp
// refuses, CodeValidation for bad input, CodeUnavailable when not connected.
type AccountEngine interface {
	// JoinedGroups lists the groups the account is in.
	JoinedGroups(ctx context.Context) ([]Group, error)
	// GroupInfo returns one group, with its invite link when the account
	// is an admin (the link is "" otherwise).
	GroupInfo(ctx context.Context, jid string) (*Group, error)
	// CreateGroup creates a group with the account as its owner.
	CreateGroup(ctx context.Context, r GroupCreateRequest) (*GroupCreateResult, error)
	// UpdateGroup changes the fields of r that are set.
	UpdateGroup(ctx context.Context, r GroupUpdateRequest) (*Group, error)
	// UpdateGroupParticipants adds, removes, promotes or demotes, with a
	// result per participant.
	UpdateGroupParticipants(ctx context.Context, r GroupParticipantsRequest) ([]ParticipantResult, error)
	// GroupInviteLink returns the group's invite link, a new one when reset.
	GroupInviteLink(ctx context.Context, jid string, reset bool) (string, error)
	// JoinGroup joins a group by its invite link (or code) and returns its
	// JID; Pending when the group needs an admin's approval, so the join
	// is a request until an admin approves it.
	JoinGroup(ctx context.Context, link string) (GroupJoinResult, error)
	// GroupRequests lists the pending requests to join a group (admins
	// only: CodeRefused otherwise).
	GroupRequests(ctx context.Context, jid string) ([]GroupRequest, error)
	// UpdateGroupRequests approves or rejects pending join requests, with
	// a result per participant (ParticipantNoRequest for one who has not
	// asked). Admins only: CodeRefused otherwise.
	UpdateGroupRequests(ctx context.Context, r GroupRequestsRequest) ([]ParticipantResult, error)
	// LeaveGroup leaves a group.
	LeaveGroup(ctx context.Context, jid string) error
	// ChatAction archives, pins, mutes, marks read or unread, or deletes a
	// chat on the account (whatsmeow: an app-state patch its other
	// devices follow). CodeNotFound for a group the account is not in.
	ChatAction(ctx context.Context, r ChatActionRequest) error

	ContactsEngine
	ProfileEngine
	PresenceEngine
	ProfileEngine
	ChannelEngine
	CallEngine
	LabelEngine
}

// Group is a WhatsApp group as the account sees it.
type Group struct {
	JID          string             `json:"jid" desc:"The group JID (…@g.us)."`
	Subject      string             `json:"subject" desc:"The group name."`
	Description  string             `json:"description" desc:"The group description."`
	Owner        string             `json:"owner,omitempty" desc:"JID of the group's creator."`
	CreatedAt    *time.Time         `json:"created_at,omitempty" desc:"When the group was created."`
	Participants []GroupParticipant `json:"participants" desc:"The members with their admin flags."`
	Settings     GroupSettings      `json:"settings" desc:"Who may do what in the group."`
	// InviteLink is set when the account is an admin and it was asked for.
	InviteLink string `json:"invite_link,omitempty" desc:"The invite link (admins only)."`
}

// GroupParticipant is one member of a group.
type GroupParticipant struct {
	JID          string `json:"jid" desc:"The member's JID."`
	Phone        string `json:"phone,omitempty" desc:"The member's phone number, when known."`
	LID          string `json:"lid,omitempty" desc:"The member's LID, when known."`
	IsAdmin      bool   `json:"is_admin" desc:"Whether the member is an admin."`
	IsSuperAdmin bool   `json:"is_super_admin" desc:"Whether the member is the group's creator."`
}

// GroupSettings are a group's switches.
type GroupSettings struct {
	// Announce: only admins send messages.
	Announce bool `json:"announce" desc:"Only admins may send messages."`
	// Locked: only admins edit the subject, description and picture.
	Locked bool `json:"locked" desc:"Only admins may edit the group info."`
	// JoinApproval: admins approve who joins through the link.
	JoinApproval bool `json:"join_approval" desc:"Joining by link needs an admin's approval."`
	// EphemeralSeconds is the disappearing-messages timer (0: off).
	EphemeralSeconds int `json:"ephemeral_seconds" desc:"Disappearing-message timer in seconds (0: off)."`
}

// Participant actions.
const (
	ParticipantAdd     = "add"
	ParticipantRemove  = "remove"
	ParticipantPromote = "promote"
	ParticipantDemote  = "demote"
)

// Per-participant outcomes.
const (
	ParticipantOK            = "ok"              // done
	ParticipantNotOnWhatsApp = "not_on_whatsapp" // the number has no account
	ParticipantInviteSent    = "invite_sent"     // privacy refused the add; an invite was sent instead
	ParticipantNotInGroup    = "not_in_group"    // remove, promote or demote of a non-member
	ParticipantAlreadyIn     = "already_in_group"
	ParticipantRefused       = "refused"    // WhatsApp refused, see Error
	ParticipantNoRequest     = "no_request" // approve or reject of someone with no pending join request
)

// Join request actions.
const (
	RequestApprove = "approve"
	RequestReject  = "reject"
)

// ParticipantResult is the outcome of one participant of a change.
type ParticipantResult struct {
	JID    string `json:"jid" desc:"The participant's JID."`
	Phone  string `json:"phone,omitempty" desc:"The participant's phone number."`
	Status string `json:"status" desc:"ok, not_on_whatsapp, invite_sent, not_in_group, already_in_group, no_request (approve or reject of someone who did not ask to join) or refused."`
	Error  string `json:"error,omitempty" desc:"Why it did not work, when it did not."`
}

// GroupRef names a group.
type GroupRef struct {
	Group string `json:"group" desc:"The group JID (taken from the path)."`
}

// GroupListRequest lists the account's groups.
type GroupListRequest struct{}

// GroupList is the account's groups.
type GroupList struct {
	Groups []Group `json:"groups"`
}

// GroupCreateRequest creates a group. Participants are JIDs (the service
// normalises phone numbers).
type GroupCreateRequest struct {
	Subject      string   `json:"subject" desc:"The group name, at most 100 characters."`
	Participants []string `json:"participants" desc:"Phone numbers (with country code) or JIDs to add."`
}

// GroupCreateResult is the new group with what happened to each participant.
type GroupCreateResult struct {
	Group        Group               `json:"group" desc:"The new group."`
	Participants []ParticipantResult `json:"participants" desc:"What happened to each participant asked for."`
}

// GroupUpdateRequest changes a group; nil fields stay as they are.
type GroupUpdateRequest struct {
	Group            string  `json:"group" desc:"The group JID (taken from the path)."`
	Subject          *string `json:"subject,omitempty" desc:"New group name."`
	Description      *string `json:"description,omitempty" desc:"New description."`
	Announce         *bool   `json:"announce,omitempty" desc:"Only admins may send messages."`
	Locked           *bool   `json:"locked,omitempty" desc:"Only admins may edit the group info."`
	JoinApproval     *bool   `json:"join_approval,omitempty" desc:"Joining by link needs an admin's approval."`
	EphemeralSeconds *int    `json:"ephemeral_seconds,omitempty" desc:"Disappearing-message timer in seconds (0: off)."`
}

// Empty reports whether r changes nothing.
func (r GroupUpdateRequest) Empty() bool {
	return r.Subject == nil && r.Description == nil && r.Announce == nil && r.Locked == nil && r.JoinApproval == nil && r.EphemeralSeconds == nil
}

// GroupParticipantsRequest adds, removes, promotes or demotes participants (JIDs).
type GroupParticipantsRequest struct {
	Group        string   `json:"group" desc:"The group JID (taken from the path)."`
	Action       string   `json:"action" desc:"add, remove, promote or demote."`
	Participants []string `json:"participants" desc:"Phone numbers or JIDs."`
}

// GroupParticipantsResult is the outcome per participant.
type GroupParticipantsResult struct {
	Group   string              `json:"group" desc:"The group JID."`
	Action  string              `json:"action" desc:"The action done."`
	Results []ParticipantResult `json:"results" desc:"The outcome for each participant."`
}

// GroupInviteRequest asks for a group's invite link, a new one when Reset.
type GroupInviteRequest struct {
	Group string `json:"group"`
	Reset bool   `json:"reset,omitempty"`
}

// GroupInvite is a group's invite link.
type GroupInvite struct {
	Group      string `json:"group" desc:"The group JID."`
	InviteLink string `json:"invite_link" desc:"The invite link."`
}

// GroupJoinRequest joins a group by invite link or code.
type GroupJoinRequest struct {
	InviteLink string `json:"invite_link" desc:"An invite link (https://chat.whatsapp.com/…) or its code."`
}

// GroupJoinResult is the group joined by link, or asked to join when it
// needs an admin's approval.
type GroupJoinResult struct {
	Group string `json:"group" desc:"The group JID."`
	// Pending: the group needs an admin's approval; the account is not a
	// member until an admin approves the request.
	Pending bool `json:"pending,omitempty" desc:"True when the group needs an admin's approval: the join is a pending request until an admin approves it."`
}

// GroupRequest is one pending request to join a group.
type GroupRequest struct {
	JID         string     `json:"jid" desc:"The requester's JID (…@s.whatsapp.net, or …@lid when WhatsApp gives only the LID)."`
	Phone       string     `json:"phone,omitempty" desc:"The requester's phone number, when known."`
	LID         string     `json:"lid,omitempty" desc:"The requester's LID, when known."`
	RequestedAt *time.Time `json:"requested_at,omitempty" desc:"When the request was made."`
}

// GroupRequestList is a group's pending join requests.
type GroupRequestList struct {
	Group    string         `json:"group" desc:"The group JID."`
	Requests []GroupRequest `json:"requests" desc:"The pending requests, oldest first."`
}

// GroupRequestsRequest approves or rejects pending join requests.
type GroupRequestsRequest struct {
	Group        string   `json:"group" desc:"The group JID (taken from the path)."`
	Action       string   `json:"action" desc:"approve or reject (taken from the path)."`
	Participants []string `json:"participants" desc:"Phone numbers or JIDs of the requesters."`
}

// GroupRequestsResult is the outcome per requester.
type GroupRequestsResult struct {
	Group   string              `json:"group" desc:"The group JID."`
	Action  string              `json:"action" desc:"approve or reject."`
	Results []ParticipantResult `json:"results" desc:"The outcome for each requester: ok, no_request, already_in_group or refused (with error)."`
}

// Done is the answer of an operation that returns nothing but success.
type Done struct {
	Done bool `json:"done"`
}

// AccountOp declares one account operation: its name, whether it writes
// (writes are recorded in account_operations), and how an engine runs it.
type AccountOp[Req, Res any] struct {
	Name  string
	Write bool
	Call  func(ctx context.Context, e AccountEngine, req Req) (Res, error)
	// Events are the events a successful write emits on the acting
	// session, stored with its operation record. (Other sessions learn of
	// the change from WhatsApp, as engine events.)
	Events func(sessionID string, req Req, res Res) []AccountEvent
	// Chats is the change a successful write makes to the stored chat,
	// applied in the transaction that records the operation.
	Chats func(req Req, res Res) *ChatChange
	// Labels is the change a successful write makes to the stored labels,
	// applied in the same transaction.
	Labels func(req Req, res Res) *LabelChange
	// Audit is what the operations log keeps of a request, when not the
	// request itself (a picture's size rather than the picture).
	Audit func(req Req) any
}

// AccountEvent is an event an operation emits: its type and data.
type AccountEvent struct {
	Type string
	Data any
}

// Operations on groups.
var (
	OpGroupList = AccountOp[GroupListRequest, GroupList]{Name: "group.list",
		Call: func(ctx context.Context, e AccountEngine, _ GroupListRequest) (GroupList, error) {
			gs, err := e.JoinedGroups(ctx)
			if gs == nil {
				gs = []Group{}
			}
			return GroupList{Groups: gs}, err
		}}
	OpGroupGet = AccountOp[GroupRef, Group]{Name: "group.get",
		Call: func(ctx context.Context, e AccountEngine, r GroupRef) (Group, error) {
			return deref(e.GroupInfo(ctx, r.Group))
		}}
	OpGroupCreate = AccountOp[GroupCreateRequest, GroupCreateResult]{Name: "group.create", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r GroupCreateRequest) (GroupCreateResult, error) {
			return deref(e.CreateGroup(ctx, r))
		},
		Events: func(sid string, _ GroupCreateRequest, res GroupCreateResult) []AccountEvent {
			return []AccountEvent{groupUpdate(sid, res.Group.JID, "created", &res.Group)}
		}}
	OpGroupUpdate = AccountOp[GroupUpdateRequest, Group]{Name: "group.update", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r GroupUpdateRequest) (Group, error) {
			return deref(e.UpdateGroup(ctx, r))
		},
		Events: func(sid string, r GroupUpdateRequest, res Group) []AccountEvent {
			return []AccountEvent{groupUpdate(sid, r.Group, r.change(), &res)}
		}}
	OpGroupParticipants = AccountOp[GroupParticipantsRequest, GroupParticipantsResult]{Name: "group.participants", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r GroupParticipantsRequest) (GroupParticipantsResult, error) {
			res, err := e.UpdateGroupParticipants(ctx, r)
			return GroupParticipantsResult{Group: r.Group, Action: r.Action, Results: res}, err
		},
		Events: func(sid string, r GroupParticipantsRequest, res GroupParticipantsResult) []AccountEvent {
			var done []string
			for _, p := range res.Results {
				if p.Status == ParticipantOK {
					done = append(done, p.JID)
				}
			}
			if len(done) == 0 {
				return nil
			}
			return []AccountEvent{{Type: EventGroupParticipants, Data: GroupParticipantsData{SessionID: sid, Group: r.Group, Action: r.Action, Participants: done}}}
		}}
	OpGroupInvite = AccountOp[GroupInviteRequest, GroupInvite]{Name: "group.invite",
		Call: func(ctx context.Context, e AccountEngine, r GroupInviteRequest) (GroupInvite, error) {
			link, err := e.GroupInviteLink(ctx, r.Group, false)
			return GroupInvite{Group: r.Group, InviteLink: link}, err
		}}
	OpGroupInviteReset = AccountOp[GroupInviteRequest, GroupInvite]{Name: "group.invite.reset", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r GroupInviteRequest) (GroupInvite, error) {
			link, err := e.GroupInviteLink(ctx, r.Group, true)
			return GroupInvite{Group: r.Group, InviteLink: link}, err
		},
		Events: func(sid string, r GroupInviteRequest, _ GroupInvite) []AccountEvent {
			return []AccountEvent{groupUpdate(sid, r.Group, "invite_link", nil)}
		}}
	OpGroupJoin = AccountOp[GroupJoinRequest, GroupJoinResult]{Name: "group.join", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r GroupJoinRequest) (GroupJoinResult, error) {
			return e.JoinGroup(ctx, r.InviteLink)
		},
		Events: func(sid string, _ GroupJoinRequest, res GroupJoinResult) []AccountEvent {
			if res.Pending {
				return []AccountEvent{groupUpdate(sid, res.Group, "join_requested", nil)}
			}
			return []AccountEvent{groupUpdate(sid, res.Group, "joined", nil)}
		}}
	OpGroupRequests = AccountOp[GroupRef, GroupRequestList]{Name: "group.requests",
		Call: func(ctx context.Context, e AccountEngine, r GroupRef) (GroupRequestList, error) {
			reqs, err := e.GroupRequests(ctx, r.Group)
			if reqs == nil {
				reqs = []GroupRequest{}
			}
			return GroupRequestList{Group: r.Group, Requests: reqs}, err
		}}
	OpGroupRequestsUpdate = AccountOp[GroupRequestsRequest, GroupRequestsResult]{Name: "group.requests.update", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r GroupRequestsRequest) (GroupRequestsResult, error) {
			res, err := e.UpdateGroupRequests(ctx, r)
			if err == nil && noneRequested(res) {
				// Nobody asked: the request names no join request, a 404
				// whichever engine answered.
				err = Errorf(CodeNotFound, "No pending join request from these participants.")
			}
			return GroupRequestsResult{Group: r.Group, Action: r.Action, Results: res}, err
		},
		Events: func(sid string, r GroupRequestsRequest, res GroupRequestsResult) []AccountEvent {
			var done []string
			for _, p := range res.Results {
				if p.Status == ParticipantOK {
					done = append(done, p.JID)
				}
			}
			switch {
			case len(done) == 0:
				return nil
			case r.Action == RequestApprove:
				// Approved requesters are members now, as if added.
				return []AccountEvent{{Type: EventGroupParticipants, Data: GroupParticipantsData{SessionID: sid, Group: r.Group, Action: ParticipantAdd, Participants: done}}}
			}
			return []AccountEvent{groupUpdate(sid, r.Group, "join_requests", nil)}
		}}
	OpGroupLeave = AccountOp[GroupRef, Done]{Name: "group.leave", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r GroupRef) (Done, error) {
			err := e.LeaveGroup(ctx, r.Group)
			return Done{Done: err == nil}, err
		},
		Events: func(sid string, r GroupRef, _ Done) []AccountEvent {
			return []AccountEvent{groupUpdate(sid, r.Group, "left", nil)}
		}}
)

// noneRequested: every participant of an approve or reject had no
// pending request (and there was at least one).
func noneRequested(res []ParticipantResult) bool {
	for _, p := range res {
		if p.Status != ParticipantNoRequest {
			return false
		}
	}
	return len(res) > 0
}

func groupUpdate(sessionID, group, change string, info *Group) AccountEvent {
	return AccountEvent{Type: EventGroupUpdate, Data: GroupUpdateData{SessionID: sessionID, Group: group, Change: change, Info: info}}
}

// change names what an update changes, for its event: the one field, or
// "settings" when several change.
func (r GroupUpdateRequest) change() string {
	switch {
	case r.Subject != nil && r.Description == nil && r.Announce == nil && r.Locked == nil && r.JoinApproval == nil && r.EphemeralSeconds == nil:
		return "subject"
	case r.Description != nil && r.Subject == nil && r.Announce == nil && r.Locked == nil && r.JoinApproval == nil && r.EphemeralSeconds == nil:
		return "description"
	case r.Subject == nil && r.Description == nil:
		return "settings"
	}
	return "info"
}

func deref[T any](v *T, err error) (T, error) {
	var zero T
	if err != nil || v == nil {
		return zero, err
	}
	return *v, nil
}

// AccountOpRunner is an AccountOp with its types erased, for the worker's
// one instance API route.
type AccountOpRunner interface {
	OpName() string
	// Serve decodes a JSON request, runs it on e and returns the response.
	Serve(ctx context.Context, e AccountEngine, body []byte) (any, error)
}

// OpName is the operation's name.
func (op AccountOp[Req, Res]) OpName() string { return op.Name }

// Serve decodes body as the request type, refusing unknown fields, and
// runs the operation.
func (op AccountOp[Req, Res]) Serve(ctx context.Context, e AccountEngine, body []byte) (any, error) {
	var req Req
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil && !errors.Is(err, io.EOF) {
		return nil, WrapError(err, CodeInvalid, "The request body is not valid JSON for "+op.Name+".")
	}
	return op.Call(ctx, e, req)
}

// AccountOps are every declared operation, by name.
var AccountOps = accountOpIndex(OpGroupList, OpGroupGet, OpGroupCreate, OpGroupUpdate, OpGroupParticipants,
	OpGroupInvite, OpGroupInviteReset, OpGroupJoin, OpGroupLeave, OpGroupRequests, OpGroupRequestsUpdate, OpChatAction,
	OpContactList, OpContactGet, OpBlocklist, OpContactBlock, OpContactUnblock, OpLookupLID,
	OpProfileGet, OpProfileUpdate, OpProfilePicture, OpPrivacyGet, OpPrivacyUpdate,
	OpPresenceSet, OpPresenceSubscribe,
	OpChannelList, OpChannelGet, OpChannelCreate, OpChannelFollow, OpChannelUnfollow, OpChannelMessages,
	OpCallReject, OpSandboxCallPlace, OpSandboxCallAccept, OpSandboxCallEnd,
	OpLabelCreate, OpLabelEdit, OpLabelDelete, OpLabelChat, OpLabelMessage)

func accountOpIndex(ops ...AccountOpRunner) map[string]AccountOpRunner {
	m := make(map[string]AccountOpRunner, len(ops))
	for _, op := range ops {
		if _, dup := m[op.OpName()]; dup {
			panic("gateway: account operation declared twice: " + op.OpName())
		}
		m[op.OpName()] = op
	}
	return m
}

// Account operation results as recorded.
const (
	OperationSucceeded = "succeeded"
	OperationFailed    = "failed"
)

// AccountOperation is the audit record of one account write.
type AccountOperation struct {
	ID        string `json:"id" desc:"The operation id."`
	UserID    string `json:"-"`
	SessionID string `json:"session_id" desc:"The session that made it."`
	Op        string `json:"op" desc:"What was done (e.g. group.create)."`
	// Request is the request as given (group, participants, subject…).
	Request json.RawMessage `json:"request" desc:"The request, as given."`
	// Result is succeeded or failed; ErrorCode and Error say why it failed.
	Result    string    `json:"result" desc:"succeeded or failed."`
	ErrorCode Code      `json:"error_code,omitempty" desc:"The error code, when it failed."`
	Error     string    `json:"error,omitempty" desc:"Why it failed, when it did."`
	CreatedAt time.Time `json:"created_at" desc:"When the operation ran."`
	// Chat is the change a succeeded write makes to the stored chat
	// (AccountOp.Chats), applied in the same transaction.
	Chat *ChatChange `json:"-"`
	// Label is the change a succeeded write makes to the stored labels
	// (AccountOp.Labels), applied in the same transaction.
	Label *LabelChange `json:"-"`
}

// AccountOperationStore keeps the audit log of account writes.
type AccountOperationStore interface {
	// RecordAccountOperation stores op (ID and CreatedAt filled when empty)
	// with events, and op.Chat applied to the stored chat when it
	// succeeded, in one transaction. CodeNotFound when the session is
	// absent or another tenant's.
	RecordAccountOperation(ctx context.Context, op *AccountOperation, events ...*Event) error
	// ListAccountOperations lists a session's operations, newest first,
	// with the total count.
	ListAccountOperations(ctx context.Context, userID, sessionID string, p Page) ([]*AccountOperation, int, error)
	// RecordAccountEvents stores events about the session's account that
	// no operation of ours caused (a group changed by someone else).
	// CodeNotFound when the session is absent or another tenant's.
	RecordAccountEvents(ctx context.Context, userID, sessionID string, events ...*Event) error
}

// Group event types and their data.
const (
	EventGroupUpdate       = "group.update"       // a group's subject, description, settings or link changed, or it was created or joined
	EventGroupParticipants = "group.participants" // members were added, removed, promoted or demoted, or left
)

// GroupUpdateData is the data of a group.update event.
type GroupUpdateData struct {
	SessionID string `json:"session_id" desc:"The session whose account is in the group."`
	Group     string `json:"group" desc:"The group's JID."`
	// Change is created, joined, subject, description, settings, info (several
	// of those), invite_link, left, or participants (seen from WhatsApp);
	// join_requested when the account asked to join a group that needs
	// approval, join_requests when the group's pending requests changed
	// (one was made or rejected; an approval is a group.participants add).
	Change string `json:"change" desc:"What changed: created, joined, subject, description, settings, info (several of those), invite_link, left, participants, join_requested (the account asked to join a group that needs approval) or join_requests (a request to join was made or rejected; an approval is a group.participants add)."`
	// Actor is who made the change, when known.
	Actor string `json:"actor,omitempty" desc:"Who made the change, when known."`
	// Info is the group after the change, when known.
	Info *Group `json:"info,omitempty" desc:"The group after the change, when known."`
}

// GroupParticipantsData is the data of a group.participants event.
type GroupParticipantsData struct {
	SessionID    string   `json:"session_id" desc:"The session whose account is in the group."`
	Group        string   `json:"group" desc:"The group JID (…@g.us)."`
	Action       string   `json:"action" desc:"add (joined or added), remove (left or removed), promote or demote."` // add, remove, promote, demote
	Actor        string   `json:"actor,omitempty" desc:"Who made the change, when known (the participant themself for a join or a leave)."`
	Participants []string `json:"participants" desc:"The participants the change applies to (JIDs)."`
}

// EvGroupUpdate is a group change an engine saw (made by someone else, or
// by this account on another device).
type EvGroupUpdate struct{ Data GroupUpdateData }

// EvGroupParticipants is a membership change an engine saw.
type EvGroupParticipants struct{ Data GroupParticipantsData }

func (EvGroupUpdate) engineEvent()       {}
func (EvGroupParticipants) engineEvent() {}

// SandboxGroup is one of the sandbox's simulated groups as stored: the
// sandbox's own JSON and a version each save must name (compare-and-set).
// The store keeps them so that a tenant's sandbox sessions share their
// groups in every process, as WhatsApp's servers do.
type SandboxGroup struct {
	JID     string
	Data    []byte
	Version int64
}
