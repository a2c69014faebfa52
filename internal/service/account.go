package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Where a read of WhatsApp-side data came from (declared in gateway).
const (
	SourceLive  = gateway.SourceLive
	SourceStore = gateway.SourceStore
)

// Limits WhatsApp sets on groups.
const (
	maxGroupSubject      = 100
	maxGroupDescription  = 2048
	maxGroupParticipants = 256 // per request; WhatsApp caps a group at 1024
)

// accountWorkers is the part of the instance API client account
// operations need (*instanceapi.Client has it).
type accountWorkers interface {
	Account(ctx context.Context, ep gateway.Endpoint, op string, req, out any) error
}

// runAccount runs one declared account operation on the session's worker.
// A write is recorded in the session's operations, succeeded or failed,
// with the events it emits in the same transaction. A session without a
// running instance is "not connected", with its state in details.state.
func runAccount[Req, Res any](ctx context.Context, s *Service, userID, sessionID string, op gateway.AccountOp[Req, Res], req Req) (Res, error) {
	var res Res
	aw, ok := s.workers.(accountWorkers)
	if !ok {
		return res, gateway.Errorf(gateway.CodeNotImplemented, "This deployment's workers cannot do that.")
	}
	sess, ep, err := s.endpoint(ctx, userID, sessionID)
	if sess == nil {
		return res, err // no such session: nothing to record
	}
	if gateway.IsCode(err, gateway.CodeConflict) {
		err = &gateway.Error{Code: gateway.CodeConflict, Message: "The session is not connected: " + gateway.ErrorMessage(err),
			Details: map[string]any{"state": string(sess.Status)}, Err: err}
	}
	if err == nil {
		err = aw.Account(ctx, ep, op.Name, req, &res)
	}
	if !op.Write {
		return res, err
	}
	rec := &gateway.AccountOperation{UserID: userID, SessionID: sessionID, Op: op.Name, Result: gateway.OperationSucceeded}
	var audit any = req
	if op.Audit != nil {
		audit = op.Audit(req)
	}
	if b, mErr := json.Marshal(audit); mErr == nil {
		rec.Request = b
	}
	var events []*gateway.Event
	if err != nil {
		rec.Result, rec.ErrorCode, rec.Error = gateway.OperationFailed, gateway.ErrorCode(err), gateway.ErrorMessage(err)
	} else {
		if op.Events != nil {
			for _, e := range op.Events(sessionID, req, res) {
				events = append(events, gateway.NewEvent(userID, sessionID, e.Type, e.Data))
			}
		}
		if op.Chats != nil {
			rec.Chat = op.Chats(req, res)
		}
		if op.Labels != nil {
			rec.Label = op.Labels(req, res)
		}
	}
	// What WhatsApp did is done: record it even if the caller hung up.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if rErr := s.accountOps.RecordAccountOperation(rctx, rec, events...); rErr != nil {
		s.log.Error("record account operation", "session_id", sessionID, "op", op.Name, "error", rErr)
		if err == nil {
			return res, rErr
		}
	}
	return res, err
}

// AccountOperations lists a session's recorded account writes, newest first.
func (s *Service) AccountOperations(ctx context.Context, userID, sessionID string, p gateway.Page) (List[*gateway.AccountOperation], error) {
	if _, err := s.Session(ctx, userID, sessionID); err != nil {
		return List[*gateway.AccountOperation]{}, err
	}
	items, total, err := s.accountOps.ListAccountOperations(ctx, userID, sessionID, p)
	if err != nil {
		return List[*gateway.AccountOperation]{}, err
	}
	return newList(items, total, p), nil
}

// Groups lists the groups the session's number is in, live.
func (s *Service) Groups(ctx context.Context, userID, sessionID string) (gateway.GroupList, error) {
	return runAccount(ctx, s, userID, sessionID, gateway.OpGroupList, gateway.GroupListRequest{})
}

// Group returns one group, live.
func (s *Service) Group(ctx context.Context, userID, sessionID, group string) (gateway.Group, error) {
	return onGroup(ctx, s, userID, sessionID, gateway.OpGroupGet, group)
}

// onGroup runs op on one group, named by its JID or the bare id.
func onGroup[Res any](ctx context.Context, s *Service, userID, sessionID string, op gateway.AccountOp[gateway.GroupRef, Res], group string) (Res, error) {
	jid, err := groupJID(group)
	if err != nil {
		var none Res
		return none, err
	}
	return runAccount(ctx, s, userID, sessionID, op, gateway.GroupRef{Group: jid})
}

// CreateGroup creates a group with the given participants (phone numbers or JIDs).
func (s *Service) CreateGroup(ctx context.Context, userID, sessionID string, r gateway.GroupCreateRequest) (gateway.GroupCreateResult, error) {
	r.Subject = strings.TrimSpace(r.Subject)
	if err := checkText("subject", r.Subject, maxGroupSubject, true); err != nil {
		return gateway.GroupCreateResult{}, err
	}
	ps, err := participantJIDs(r.Participants, false)
	if err != nil {
		return gateway.GroupCreateResult{}, err
	}
	r.Participants = ps
	return runAccount(ctx, s, userID, sessionID, gateway.OpGroupCreate, r)
}

// UpdateGroup changes a group's subject, description or settings.
func (s *Service) UpdateGroup(ctx context.Context, userID, sessionID string, r gateway.GroupUpdateRequest) (gateway.Group, error) {
	jid, err := groupJID(r.Group)
	if err != nil {
		return gateway.Group{}, err
	}
	r.Group = jid
	switch {
	case r.Empty():
		return gateway.Group{}, gateway.ValidationError(map[string]string{"subject": "Give at least one of subject, description, announce, locked, join_approval, ephemeral_seconds."})
	case r.EphemeralSeconds != nil && !validEphemeral(*r.EphemeralSeconds):
		return gateway.Group{}, gateway.ValidationError(map[string]string{"ephemeral_seconds": "Give 0 (off), 86400 (24 h), 604800 (7 days) or 7776000 (90 days)."})
	}
	if r.Subject, err = checkChange(r.Subject, "subject", maxGroupSubject, true); err != nil {
		return gateway.Group{}, err
	}
	if r.Description, err = checkChange(r.Description, "description", maxGroupDescription, false); err != nil {
		return gateway.Group{}, err
	}
	return runAccount(ctx, s, userID, sessionID, gateway.OpGroupUpdate, r)
}

// UpdateGroupParticipants adds, removes, promotes or demotes participants.
func (s *Service) UpdateGroupParticipants(ctx context.Context, userID, sessionID string, r gateway.GroupParticipantsRequest) (gateway.GroupParticipantsResult, error) {
	jid, err := groupJID(r.Group)
	if err != nil {
		return gateway.GroupParticipantsResult{}, err
	}
	r.Group = jid
	switch r.Action {
	case gateway.ParticipantAdd, gateway.ParticipantRemove, gateway.ParticipantPromote, gateway.ParticipantDemote:
	default:
		return gateway.GroupParticipantsResult{}, gateway.ValidationError(map[string]string{"action": "Give add, remove, promote or demote."})
	}
	ps, err := participantJIDs(r.Participants, true)
	if err != nil {
		return gateway.GroupParticipantsResult{}, err
	}
	r.Participants = ps
	return runAccount(ctx, s, userID, sessionID, gateway.OpGroupParticipants, r)
}

// GroupInvite returns the group's invite link (a new one when reset).
func (s *Service) GroupInvite(ctx context.Context, userID, sessionID, group string, reset bool) (gateway.GroupInvite, error) {
	jid, err := groupJID(group)
	if err != nil {
		return gateway.GroupInvite{}, err
	}
	op := gateway.OpGroupInvite
	if reset {
		op = gateway.OpGroupInviteReset
	}
	return runAccount(ctx, s, userID, sessionID, op, gateway.GroupInviteRequest{Group: jid, Reset: reset})
}

// JoinGroup joins a group by invite link or code.
// When the group needs an admin's approval the result is Pending: the
// account has asked to join.
func (s *Service) JoinGroup(ctx context.Context, userID, sessionID, link string) (gateway.GroupJoinResult, error) {
	link = strings.TrimSpace(link)
	if link == "" {
		return gateway.GroupJoinResult{}, gateway.ValidationError(map[string]string{"invite_link": "Give the invite link (https://chat.whatsapp.com/…) or its code."})
	}
	if len(link) > 200 {
		return gateway.GroupJoinResult{}, gateway.ValidationError(map[string]string{"invite_link": "The invite link is too long."})
	}
	return runAccount(ctx, s, userID, sessionID, gateway.OpGroupJoin, gateway.GroupJoinRequest{InviteLink: link})
}

// GroupRequests lists a group's pending join requests, live (admins only).
func (s *Service) GroupRequests(ctx context.Context, userID, sessionID, group string) (gateway.GroupRequestList, error) {
	return onGroup(ctx, s, userID, sessionID, gateway.OpGroupRequests, group)
}

// UpdateGroupRequests approves or rejects pending join requests (admins
// only), with a result per requester; CodeNotFound when none of them has
// a pending request.
func (s *Service) UpdateGroupRequests(ctx context.Context, userID, sessionID string, r gateway.GroupRequestsRequest) (gateway.GroupRequestsResult, error) {
	jid, err := groupJID(r.Group)
	if err != nil {
		return gateway.GroupRequestsResult{}, err
	}
	r.Group = jid
	if r.Action != gateway.RequestApprove && r.Action != gateway.RequestReject {
		return gateway.GroupRequestsResult{}, gateway.ValidationError(map[string]string{"action": "Give approve or reject."})
	}
	ps, err := participantJIDs(r.Participants, true)
	if err != nil {
		return gateway.GroupRequestsResult{}, err
	}
	r.Participants = ps
	return runAccount(ctx, s, userID, sessionID, gateway.OpGroupRequestsUpdate, r)
}

// LeaveGroup leaves a group.
func (s *Service) LeaveGroup(ctx context.Context, userID, sessionID, group string) error {
	_, err := onGroup(ctx, s, userID, sessionID, gateway.OpGroupLeave, group)
	return err
}

// groupJID parses a group id ("1203…@g.us", or its digits); anything else
// is a group that does not exist, so a 404 as WhatsApp would answer.
func groupJID(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "@") {
		s += "@g.us"
	}
	r, err := gateway.ParseRecipient(s)
	if err != nil || !r.IsGroup() {
		return "", gateway.NotFound("Group")
	}
	return r.JID, nil
}

// participantJIDs normalises participants (phone numbers or user JIDs).
func participantJIDs(in []string, required bool) ([]string, error) {
	switch {
	case len(in) == 0 && required:
		return nil, gateway.ValidationError(map[string]string{"participants": "Give at least one participant."})
	case len(in) > maxGroupParticipants:
		return nil, gateway.ValidationError(map[string]string{"participants": fmt.Sprintf("Give at most %d participants at a time.", maxGroupParticipants)})
	}
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for i, p := range in {
		r, err := gateway.ParseRecipient(p)
		if err == nil && r.IsGroup() {
			err = gateway.Errorf(gateway.CodeValidation, "A group cannot be a participant.")
		}
		if err != nil {
			return nil, gateway.ValidationError(map[string]string{fmt.Sprintf("participants[%d]", i): gateway.ErrorMessage(err)})
		}
		if !seen[r.JID] {
			seen[r.JID] = true
			out = append(out, r.JID)
		}
	}
	return out, nil
}

func checkText(field, v string, max int, required bool) error {
	switch {
	case required && v == "":
		return gateway.ValidationError(map[string]string{field: "Give a " + field + "."})
	case utf8.RuneCountInString(v) > max:
		return gateway.ValidationError(map[string]string{field: fmt.Sprintf("At most %d characters.", max)})
	}
	return nil
}

// checkChange checks a text field of a change (nil: left as it is) as
// checkText does. A name (trim) is trimmed first, and must not be empty.
func checkChange(v *string, field string, max int, trim bool) (*string, error) {
	if v == nil {
		return nil, nil
	}
	t := *v
	if trim {
		t = strings.TrimSpace(t)
	}
	if err := checkText(field, t, max, trim); err != nil {
		return nil, err
	}
	return &t, nil
}

// validEphemeral: the timers WhatsApp offers.
func validEphemeral(secs int) bool {
	switch secs {
	case 0, 24 * 3600, 7 * 24 * 3600, 90 * 24 * 3600:
		return true
	}
	return false
}
