package whatsmeow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

var _ gateway.AccountEngine = (*Engine)(nil)

// groupClient is the part of *wa.Client the group operations use.
type groupClient interface {
	GetJoinedGroups(ctx context.Context) ([]*types.GroupInfo, error)
	GetGroupInfo(ctx context.Context, jid types.JID) (*types.GroupInfo, error)
	CreateGroup(ctx context.Context, req wa.ReqCreateGroup) (*types.GroupInfo, error)
	SetGroupName(ctx context.Context, jid types.JID, name string) error
	SetGroupDescription(ctx context.Context, jid types.JID, description string) error
	SetGroupAnnounce(ctx context.Context, jid types.JID, announce bool) error
	SetGroupLocked(ctx context.Context, jid types.JID, locked bool) error
	SetGroupJoinApprovalMode(ctx context.Context, jid types.JID, mode bool) error
	SetDisappearingTimer(ctx context.Context, chat types.JID, timer time.Duration, settingTS time.Time) error
	UpdateGroupParticipants(ctx context.Context, jid types.JID, changes []types.JID, action wa.ParticipantChange) ([]types.GroupParticipant, error)
	GetGroupInviteLink(ctx context.Context, jid types.JID, reset bool) (string, error)
	JoinGroupWithLink(ctx context.Context, code string) (types.JID, error)
	GetGroupInfoFromLink(ctx context.Context, code string) (*types.GroupInfo, error)
	LeaveGroup(ctx context.Context, jid types.JID) error
	GetGroupRequestParticipants(ctx context.Context, jid types.JID) ([]types.GroupParticipantRequest, error)
	UpdateGroupRequestParticipants(ctx context.Context, jid types.JID, changes []types.JID, action wa.ParticipantRequestChange) ([]types.GroupParticipant, error)
}

var _ groupClient = (*wa.Client)(nil)

// ownJID is the account's own user JID, empty before pairing.
func ownJID(cli *wa.Client) types.JID {
	if cli == nil || cli.Store == nil || cli.Store.ID == nil {
		return types.EmptyJID
	}
	return cli.Store.ID.ToNonAD()
}

// groupsClient returns the connected client for a group operation.
func (e *Engine) groupsClient() (groupClient, types.JID, error) {
	cli, err := e.connectedClient()
	if err != nil {
		return nil, types.EmptyJID, err
	}
	return cli, ownJID(cli), nil
}

// groupClientFor returns the connected client, the group's JID and the
// account's own JID for an operation on one group.
func (e *Engine) groupClientFor(jid string) (groupClient, types.JID, types.JID, error) {
	cli, own, err := e.groupsClient()
	if err != nil {
		return nil, types.EmptyJID, types.EmptyJID, err
	}
	g, err := groupJID(jid)
	if err != nil {
		return nil, types.EmptyJID, types.EmptyJID, err
	}
	return cli, g, own, nil
}

// JoinedGroups lists the groups the account is in.
func (e *Engine) JoinedGroups(ctx context.Context) ([]gateway.Group, error) {
	cli, own, err := e.groupsClient()
	if err != nil {
		return nil, err
	}
	infos, err := cli.GetJoinedGroups(ctx)
	if err != nil {
		return nil, groupError(err, "WhatsApp did not list the groups.")
	}
	return mapPresent(infos, func(info *types.GroupInfo) gateway.Group { return groupOf(info, own) }), nil
}

// GroupInfo returns one group, with its invite link when the account is an admin.
func (e *Engine) GroupInfo(ctx context.Context, jid string) (*gateway.Group, error) {
	cli, g, own, err := e.groupClientFor(jid)
	if err != nil {
		return nil, err
	}
	return groupInfo(ctx, cli, g, own)
}

func groupInfo(ctx context.Context, cli groupClient, g, own types.JID) (*gateway.Group, error) {
	info, err := cli.GetGroupInfo(ctx, g)
	if err != nil {
		return nil, groupError(err, "WhatsApp did not answer the group query.")
	}
	out := groupOf(info, own)
	if isAdmin(info, own) {
		// Only admins may read the link; a failure leaves it out.
		if link, err := cli.GetGroupInviteLink(ctx, g, false); err == nil {
			out.InviteLink = link
		}
	}
	return &out, nil
}

// CreateGroup creates a group; WhatsApp adds the account as its owner.
func (e *Engine) CreateGroup(ctx context.Context, r gateway.GroupCreateRequest) (*gateway.GroupCreateResult, error) {
	cli, own, err := e.groupsClient()
	if err != nil {
		return nil, err
	}
	ps, err := userJIDs(r.Participants)
	if err != nil {
		return nil, err
	}
	info, err := cli.CreateGroup(ctx, wa.ReqCreateGroup{Name: r.Subject, Participants: ps})
	if err != nil {
		return nil, groupError(err, "WhatsApp did not create the group.")
	}
	res := &gateway.GroupCreateResult{Group: groupOf(info, own), Participants: participantResults(ps, info.Participants, wa.ParticipantChangeAdd)}
	// The members WhatsApp refused are not in the group.
	kept := res.Group.Participants[:0]
	for _, p := range res.Group.Participants {
		if !refusedIn(res.Participants, p.JID) {
			kept = append(kept, p)
		}
	}
	res.Group.Participants = kept
	return res, nil
}

func refusedIn(results []gateway.ParticipantResult, jid string) bool {
	for _, r := range results {
		if r.JID == jid && r.Status != gateway.ParticipantOK {
			return true
		}
	}
	return false
}

// UpdateGroup changes each field of r that is set, one query each, as
// WhatsApp has one per field; it stops at the first refusal.
func (e *Engine) UpdateGroup(ctx context.Context, r gateway.GroupUpdateRequest) (*gateway.Group, error) {
	cli, g, own, err := e.groupClientFor(r.Group)
	if err != nil {
		return nil, err
	}
	steps := []struct {
		set bool
		do  func() error
	}{
		{r.Subject != nil, func() error { return cli.SetGroupName(ctx, g, *r.Subject) }},
		{r.Description != nil, func() error { return cli.SetGroupDescription(ctx, g, *r.Description) }},
		{r.Announce != nil, func() error { return cli.SetGroupAnnounce(ctx, g, *r.Announce) }},
		{r.Locked != nil, func() error { return cli.SetGroupLocked(ctx, g, *r.Locked) }},
		{r.JoinApproval != nil, func() error { return cli.SetGroupJoinApprovalMode(ctx, g, *r.JoinApproval) }},
		{r.EphemeralSeconds != nil, func() error {
			return cli.SetDisappearingTimer(ctx, g, time.Duration(*r.EphemeralSeconds)*time.Second, time.Time{})
		}},
	}
	for _, s := range steps {
		if !s.set {
			continue
		}
		if err := s.do(); err != nil {
			return nil, groupError(err, "WhatsApp did not change the group.")
		}
	}
	return groupInfo(ctx, cli, g, own)
}

// UpdateGroupParticipants adds, removes, promotes or demotes participants.
func (e *Engine) UpdateGroupParticipants(ctx context.Context, r gateway.GroupParticipantsRequest) ([]gateway.ParticipantResult, error) {
	cli, _, err := e.groupsClient()
	if err != nil {
		return nil, err
	}
	action := wa.ParticipantChange(r.Action)
	ps, got, err := changeMembers(r.Group, r.Participants, action,
		[]wa.ParticipantChange{wa.ParticipantChangeAdd, wa.ParticipantChangeRemove, wa.ParticipantChangePromote, wa.ParticipantChangeDemote},
		"Give add, remove, promote or demote.", "WhatsApp did not change the participants.",
		func(g types.JID, ps []types.JID) ([]types.GroupParticipant, error) {
			return cli.UpdateGroupParticipants(ctx, g, ps, action)
		})
	if err != nil {
		return nil, err
	}
	return participantResults(ps, got, action), nil
}

// changeMembers is a change of some of a group's members: it parses the
// group and the members, refuses an action not among allowed (hint names
// those), and lets send ask WhatsApp; failed is the message of a
// WhatsApp that does not answer.
func changeMembers[A comparable](group string, members []string, action A, allowed []A, hint, failed string,
	send func(g types.JID, ps []types.JID) ([]types.GroupParticipant, error)) ([]types.JID, []types.GroupParticipant, error) {
	g, err := groupJID(group)
	if err != nil {
		return nil, nil, err
	}
	ps, err := userJIDs(members)
	if err != nil {
		return nil, nil, err
	}
	if !slices.Contains(allowed, action) {
		return nil, nil, gateway.ValidationError(map[string]string{"action": hint})
	}
	got, err := send(g, ps)
	if err != nil {
		return nil, nil, groupError(err, failed)
	}
	return ps, got, nil
}

// GroupInviteLink returns the group's invite link, a new one when reset.
func (e *Engine) GroupInviteLink(ctx context.Context, jid string, reset bool) (string, error) {
	cli, g, _, err := e.groupClientFor(jid)
	if err != nil {
		return "", err
	}
	link, err := cli.GetGroupInviteLink(ctx, g, reset)
	if err != nil {
		return "", groupError(err, "WhatsApp did not give the invite link.")
	}
	return link, nil
}

// JoinGroup joins a group by its invite link or code. WhatsApp answers a
// join of a group that needs approval with the group's JID as it answers
// a join, so the link's group is read first: when it needs approval the
// join is a pending request.
func (e *Engine) JoinGroup(ctx context.Context, link string) (gateway.GroupJoinResult, error) {
	cli, _, err := e.groupsClient()
	if err != nil {
		return gateway.GroupJoinResult{}, err
	}
	return joinGroup(ctx, cli, link)
}

func joinGroup(ctx context.Context, cli groupClient, link string) (gateway.GroupJoinResult, error) {
	code := inviteCode(link)
	if code == "" {
		return gateway.GroupJoinResult{}, gateway.ValidationError(map[string]string{"invite_link": "Give the invite link (https://chat.whatsapp.com/…) or its code."})
	}
	pending := false
	info, err := cli.GetGroupInfoFromLink(ctx, code)
	switch {
	case err == nil && info != nil:
		pending = info.IsJoinApprovalRequired
	case errors.Is(err, wa.ErrInviteLinkRevoked), errors.Is(err, wa.ErrInviteLinkInvalid):
		return gateway.GroupJoinResult{}, groupError(err, "WhatsApp did not join the group.")
	}
	// Any other failure of the look-up leaves pending unknown (false):
	// the join itself says whether the link works.
	jid, err := cli.JoinGroupWithLink(ctx, code)
	if err != nil {
		return gateway.GroupJoinResult{}, groupError(err, "WhatsApp did not join the group.")
	}
	return gateway.GroupJoinResult{Group: jid.String(), Pending: pending}, nil
}

// GroupRequests lists the group's pending join requests, oldest first,
// with the phone or LID of each requester from the session's LID map.
func (e *Engine) GroupRequests(ctx context.Context, jid string) ([]gateway.GroupRequest, error) {
	cli, err := e.connectedClient()
	if err != nil {
		return nil, err
	}
	g, err := groupJID(jid)
	if err != nil {
		return nil, err
	}
	return groupRequests(ctx, cli, cli.Store.LIDs, g)
}

func groupRequests(ctx context.Context, cli groupClient, lids lidMap, g types.JID) ([]gateway.GroupRequest, error) {
	got, err := cli.GetGroupRequestParticipants(ctx, g)
	if err != nil {
		return nil, groupError(err, "WhatsApp did not list the requests to join.")
	}
	out := make([]gateway.GroupRequest, 0, len(got))
	for _, r := range got {
		j := r.JID.ToNonAD()
		req := gateway.GroupRequest{JID: j.String()}
		switch j.Server {
		case types.HiddenUserServer:
			req.LID = j.String()
			// A failed look-up leaves the phone out: the LID still names them.
			if pn, err := lids.GetPNForLID(ctx, j); err == nil && !pn.IsEmpty() {
				req.Phone = pn.User
			}
		case types.DefaultUserServer:
			req.Phone = j.User
			if lid, err := lids.GetLIDForPN(ctx, j); err == nil && !lid.IsEmpty() {
				req.LID = lid.ToNonAD().String()
			}
		}
		if !r.RequestedAt.IsZero() {
			at := r.RequestedAt.UTC()
			req.RequestedAt = &at
		}
		out = append(out, req)
	}
	slices.SortStableFunc(out, func(a, b gateway.GroupRequest) int {
		switch {
		case a.RequestedAt == nil || b.RequestedAt == nil:
			return 0
		}
		return a.RequestedAt.Compare(*b.RequestedAt)
	})
	return out, nil
}

// UpdateGroupRequests approves or rejects pending join requests.
func (e *Engine) UpdateGroupRequests(ctx context.Context, r gateway.GroupRequestsRequest) ([]gateway.ParticipantResult, error) {
	cli, _, err := e.groupsClient()
	if err != nil {
		return nil, err
	}
	return updateGroupRequests(ctx, cli, r)
}

func updateGroupRequests(ctx context.Context, cli groupClient, r gateway.GroupRequestsRequest) ([]gateway.ParticipantResult, error) {
	action := wa.ParticipantRequestChange(r.Action)
	ps, got, err := changeMembers(r.Group, r.Participants, action,
		[]wa.ParticipantRequestChange{wa.ParticipantChangeApprove, wa.ParticipantChangeReject},
		"Give approve or reject.", "WhatsApp did not answer the requests to join.",
		func(g types.JID, ps []types.JID) ([]types.GroupParticipant, error) {
			return cli.UpdateGroupRequestParticipants(ctx, g, ps, action)
		})
	if err != nil {
		return nil, err
	}
	return requestResults(ps, got), nil
}

// requestResults pairs what was asked with WhatsApp's answer per
// requester: no error is done, 404 (or left out) is someone with no
// pending request, 409 one already in the group.
func requestResults(asked []types.JID, got []types.GroupParticipant) []gateway.ParticipantResult {
	return pairAnswers(asked, got, func(r *gateway.ParticipantResult, p types.GroupParticipant, ok bool) {
		switch {
		case !ok, p.Error == 404:
			r.Status = gateway.ParticipantNoRequest
		case p.Error == 0:
		case p.Error == 409:
			r.Status = gateway.ParticipantAlreadyIn
		default:
			r.Status, r.Error = gateway.ParticipantRefused, fmt.Sprintf("WhatsApp answered %d", p.Error)
		}
	})
}

// pairAnswers pairs each asked JID with WhatsApp's answer naming it (by
// JID, phone number or LID: WhatsApp may answer in either addressing) and
// lets outcome turn the answer, or its absence, into the result's status.
func pairAnswers(asked []types.JID, got []types.GroupParticipant,
	outcome func(r *gateway.ParticipantResult, p types.GroupParticipant, ok bool)) []gateway.ParticipantResult {
	byJID := map[types.JID]types.GroupParticipant{}
	for _, p := range got {
		byJID[p.JID.ToNonAD()] = p
		if !p.PhoneNumber.IsEmpty() {
			byJID[p.PhoneNumber.ToNonAD()] = p
		}
		if !p.LID.IsEmpty() {
			byJID[p.LID.ToNonAD()] = p
		}
	}
	out := make([]gateway.ParticipantResult, 0, len(asked))
	for _, j := range asked {
		r := gateway.ParticipantResult{JID: j.String(), Status: gateway.ParticipantOK}
		if j.Server == types.DefaultUserServer {
			r.Phone = j.User
		}
		p, ok := byJID[j]
		outcome(&r, p, ok)
		out = append(out, r)
	}
	return out
}

// LeaveGroup leaves a group.
func (e *Engine) LeaveGroup(ctx context.Context, jid string) error {
	cli, g, _, err := e.groupClientFor(jid)
	if err != nil {
		return err
	}
	if err := cli.LeaveGroup(ctx, g); err != nil {
		return groupError(err, "WhatsApp did not let the account leave the group.")
	}
	return nil
}

// inviteCode is the code of an invite link, or the code given alone.
func inviteCode(link string) string {
	link = strings.TrimSpace(link)
	link = strings.TrimPrefix(link, "http://")
	link = strings.TrimPrefix(link, "https://")
	link = strings.TrimPrefix(link, "chat.whatsapp.com/")
	link, _, _ = strings.Cut(link, "?")
	if strings.ContainsAny(link, "/ ") {
		return ""
	}
	return link
}

func groupJID(s string) (types.JID, error) {
	j, err := toJID(s)
	if err != nil || j.Server != types.GroupServer {
		return types.EmptyJID, gateway.NotFound("Group")
	}
	return j, nil
}

func userJIDs(in []string) ([]types.JID, error) {
	out := make([]types.JID, 0, len(in))
	for i, s := range in {
		j, err := toJID(s)
		if err == nil && j.Server == types.GroupServer {
			err = gateway.Errorf(gateway.CodeValidation, "A group cannot be a participant.")
		}
		if err != nil {
			return nil, gateway.ValidationError(map[string]string{fmt.Sprintf("participants[%d]", i): gateway.ErrorMessage(err)})
		}
		out = append(out, j)
	}
	return out, nil
}

// groupError translates whatsmeow's group errors: a group that does not
// exist or that the account is not in, and a revoked or invalid link, are
// not found; any other answer of WhatsApp's is a refusal with its reason;
// a socket that is down is unavailable.
func groupError(err error, msg string) error {
	var iq *wa.IQError
	switch {
	case errors.Is(err, wa.ErrGroupNotFound), errors.Is(err, wa.ErrNotInGroup), errors.Is(err, wa.ErrIQNotFound):
		return gateway.WrapError(err, gateway.CodeNotFound, "Group not found, or the account is not in it.")
	case errors.Is(err, wa.ErrInviteLinkRevoked), errors.Is(err, wa.ErrInviteLinkInvalid):
		return gateway.WrapError(err, gateway.CodeNotFound, "No group has this invite link; it may have been reset.")
	case errors.Is(err, wa.ErrGroupInviteLinkUnauthorized):
		e := gateway.Refused("only admins can see the invite link of this group")
		e.Err = err
		return e
	case errors.As(err, &iq) && iq.Code != 0:
		reason := fmt.Sprintf("%d %s", iq.Code, iq.Text)
		switch iq.Code {
		case 401, 403:
			reason += " (the account is not an admin of the group)"
		case 406:
			reason += " (the request is not acceptable: a subject too long, a timer WhatsApp does not offer)"
		}
		e := gateway.Refused(reason)
		e.Err = err
		return e
	}
	return offlineError(err, msg)
}

// groupOf is a group as the API shows it.
func groupOf(info *types.GroupInfo, own types.JID) gateway.Group {
	g := gateway.Group{JID: info.JID.String(), Subject: info.Name, Description: info.Topic,
		Participants: make([]gateway.GroupParticipant, 0, len(info.Participants)),
		Settings: gateway.GroupSettings{Announce: info.IsAnnounce, Locked: info.IsLocked,
			JoinApproval: info.IsJoinApprovalRequired, EphemeralSeconds: int(info.DisappearingTimer)}}
	if !info.IsEphemeral {
		g.Settings.EphemeralSeconds = 0
	}
	switch {
	case !info.OwnerPN.IsEmpty():
		g.Owner = info.OwnerPN.ToNonAD().String()
	case !info.OwnerJID.IsEmpty():
		g.Owner = info.OwnerJID.ToNonAD().String()
	}
	if !info.GroupCreated.IsZero() {
		t := info.GroupCreated.UTC()
		g.CreatedAt = &t
	}
	for _, p := range info.Participants {
		g.Participants = append(g.Participants, participantOf(p))
	}
	return g
}

func participantOf(p types.GroupParticipant) gateway.GroupParticipant {
	out := gateway.GroupParticipant{JID: p.JID.ToNonAD().String(), IsAdmin: p.IsAdmin || p.IsSuperAdmin, IsSuperAdmin: p.IsSuperAdmin}
	switch {
	case !p.PhoneNumber.IsEmpty():
		out.Phone = p.PhoneNumber.User
	case p.JID.Server == types.DefaultUserServer:
		out.Phone = p.JID.User
	}
	switch {
	case !p.LID.IsEmpty():
		out.LID = p.LID.ToNonAD().String()
	case p.JID.Server == types.HiddenUserServer:
		out.LID = p.JID.ToNonAD().String()
	}
	return out
}

func isAdmin(info *types.GroupInfo, own types.JID) bool {
	if own.IsEmpty() {
		return false
	}
	for _, p := range info.Participants {
		if (p.JID.ToNonAD() == own || p.PhoneNumber.ToNonAD() == own) && (p.IsAdmin || p.IsSuperAdmin) {
			return true
		}
	}
	return false
}

// participantResults pairs what was asked with WhatsApp's answer per
// participant: error 403 with an add request is a privacy refusal (an
// invite goes out instead), 408 or 404 not on WhatsApp, 409 already in (or
// not in, for the other actions).
func participantResults(asked []types.JID, got []types.GroupParticipant, action wa.ParticipantChange) []gateway.ParticipantResult {
	return pairAnswers(asked, got, func(r *gateway.ParticipantResult, p types.GroupParticipant, ok bool) {
		switch {
		case !ok && action == wa.ParticipantChangeAdd:
			// Left out of the created group's list: not added.
			r.Status, r.Error = gateway.ParticipantRefused, "WhatsApp did not add the participant"
		case !ok, p.Error == 0:
		case p.Error == 403 && p.AddRequest != nil:
			r.Status = gateway.ParticipantInviteSent
		case p.Error == 408 || p.Error == 404:
			r.Status = gateway.ParticipantNotOnWhatsApp
		case p.Error == 409 && action == wa.ParticipantChangeAdd:
			r.Status = gateway.ParticipantAlreadyIn
		case p.Error == 409 || p.Error == 406 && action != wa.ParticipantChangeAdd:
			r.Status = gateway.ParticipantNotInGroup
		default:
			r.Status, r.Error = gateway.ParticipantRefused, fmt.Sprintf("WhatsApp answered %d", p.Error)
		}
	})
}

// groupEvents are the events of a group notification. Changes the
// account made itself are left out: the operation that made them
// recorded its own event.
func groupEvents(v *events.GroupInfo, own types.JID) []gateway.EngineEvent {
	actor := actorOf(v.SenderPN, v.Sender)
	if actor != "" && !own.IsEmpty() && actor == own.String() {
		return nil
	}
	group := v.JID.String()
	var out []gateway.EngineEvent
	update := func(change string) {
		out = append(out, gateway.EvGroupUpdate{Data: gateway.GroupUpdateData{Group: group, Change: change, Actor: actor}})
	}
	members := func(action string, jids []types.JID) {
		if len(jids) == 0 {
			return
		}
		ps := make([]string, len(jids))
		for i, j := range jids {
			ps[i] = j.ToNonAD().String()
		}
		out = append(out, gateway.EvGroupParticipants{Data: gateway.GroupParticipantsData{Group: group, Action: action, Actor: actor, Participants: ps}})
	}
	if v.Name != nil {
		update("subject")
	}
	if v.Topic != nil {
		update("description")
	}
	if v.Locked != nil || v.Announce != nil || v.Ephemeral != nil || v.MembershipApprovalMode != nil {
		update("settings")
	}
	if v.NewInviteLink != nil {
		update("invite_link")
	}
	members(gateway.ParticipantAdd, v.Join)
	members(gateway.ParticipantRemove, v.Leave)
	members(gateway.ParticipantPromote, v.Promote)
	members(gateway.ParticipantDemote, v.Demote)
	return out
}

// actorOf is who made a group change: by phone number when WhatsApp says
// it, else as WhatsApp names them; "" when unknown.
func actorOf(pn, sender *types.JID) string {
	switch {
	case pn != nil && !pn.IsEmpty():
		return pn.ToNonAD().String()
	case sender != nil && !sender.IsEmpty():
		return sender.ToNonAD().String()
	}
	return ""
}

// joinedEvent is the event of being added to a group (or creating it on
// another device).
func joinedEvent(v *events.JoinedGroup, own types.JID) gateway.EngineEvent {
	g := groupOf(&v.GroupInfo, own)
	actor := actorOf(v.SenderPN, v.Sender)
	return gateway.EvGroupUpdate{Data: gateway.GroupUpdateData{Group: g.JID, Change: "joined", Actor: actor, Info: &g}}
}
