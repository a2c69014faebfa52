package whatsmeow

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

var (
	ownUser   = types.NewJID("15550001111", types.DefaultUserServer)
	otherUser = types.NewJID("15550002222", types.DefaultUserServer)
	otherLID  = types.NewJID("123456789012345", types.HiddenUserServer)
	aGroup    = types.NewJID("120363041234567890", types.GroupServer)
)

func sampleInfo() *types.GroupInfo {
	info := &types.GroupInfo{JID: aGroup, OwnerJID: ownUser, GroupCreated: time.Unix(1700000000, 0)}
	info.Name, info.Topic = "Team", "Our team"
	info.IsLocked, info.IsEphemeral, info.DisappearingTimer = true, true, 86400
	info.Participants = []types.GroupParticipant{
		{JID: ownUser, IsAdmin: true, IsSuperAdmin: true},
		{JID: otherLID, PhoneNumber: otherUser, LID: otherLID},
	}
	return info
}

func TestGroupOf(t *testing.T) {
	created := time.Unix(1700000000, 0).UTC()
	want := gateway.Group{JID: "120363041234567890@g.us", Subject: "Team", Description: "Our team", Owner: "15550001111@s.whatsapp.net",
		CreatedAt: &created, Settings: gateway.GroupSettings{Locked: true, EphemeralSeconds: 86400},
		Participants: []gateway.GroupParticipant{
			{JID: "15550001111@s.whatsapp.net", Phone: "15550001111", IsAdmin: true, IsSuperAdmin: true},
			{JID: "123456789012345@lid", Phone: "15550002222", LID: "123456789012345@lid"}}}
	if d := cmp.Diff(want, groupOf(sampleInfo(), ownUser)); d != "" {
		t.Errorf("groupOf (-want +got):\n%s", d)
	}
	if !isAdmin(sampleInfo(), ownUser) || isAdmin(sampleInfo(), otherUser) {
		t.Error("isAdmin: want the owner an admin and the other member not")
	}
}

// fakeGroups answers GetGroupInfo and GetGroupInviteLink; the rest is unused.
type fakeGroups struct {
	groupClient
	info     *types.GroupInfo
	err      error
	linkAsks int
}

func (f *fakeGroups) GetGroupInfo(context.Context, types.JID) (*types.GroupInfo, error) {
	return f.info, f.err
}
func (f *fakeGroups) GetGroupInviteLink(context.Context, types.JID, bool) (string, error) {
	f.linkAsks++
	return wa.InviteLinkPrefix + "AbCd", nil
}

func TestGroupInfoLinkForAdminsOnly(t *testing.T) {
	f := &fakeGroups{info: sampleInfo()}
	g, err := groupInfo(t.Context(), f, aGroup, ownUser)
	if err != nil || g.InviteLink != "https://chat.whatsapp.com/AbCd" {
		t.Fatalf("admin: got link %q (%v), want the link", g.InviteLink, err)
	}
	f.linkAsks = 0
	g, err = groupInfo(t.Context(), f, aGroup, otherUser)
	if err != nil || g.InviteLink != "" || f.linkAsks != 0 {
		t.Fatalf("member: got link %q, %d asks (%v), want no link and no ask", g.InviteLink, f.linkAsks, err)
	}
	f.err = fmt.Errorf("query: %w", wa.ErrGroupNotFound)
	if _, err := groupInfo(t.Context(), f, aGroup, ownUser); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Fatalf("missing group: got %v, want not_found", err)
	}
}

func TestGroupError(t *testing.T) {
	checkCodes(t, "groupError", func(err error) error { return groupError(err, "x") }, []errorCase{
		{wa.ErrGroupNotFound, gateway.CodeNotFound},
		{wa.ErrNotInGroup, gateway.CodeNotFound},
		{wa.ErrInviteLinkRevoked, gateway.CodeNotFound},
		{wa.ErrGroupInviteLinkUnauthorized, gateway.CodeRefused},
		{&wa.IQError{Code: 403, Text: "forbidden"}, gateway.CodeRefused},
		{&wa.IQError{Code: 406, Text: "not-acceptable"}, gateway.CodeRefused},
		{wa.ErrNotConnected, gateway.CodeUnavailable},
	})
}

func TestParticipantResults(t *testing.T) {
	a, b, c, d := types.NewJID("15550000001", types.DefaultUserServer), types.NewJID("15550000002", types.DefaultUserServer),
		types.NewJID("15550000003", types.DefaultUserServer), types.NewJID("15550000004", types.DefaultUserServer)
	got := participantResults([]types.JID{a, b, c, d}, []types.GroupParticipant{
		{JID: a}, {JID: b, Error: 403, AddRequest: &types.GroupParticipantAddRequest{Code: "x"}}, {JID: c, Error: 408}, {JID: d, Error: 409},
	}, wa.ParticipantChangeAdd)
	var statuses []string
	for _, r := range got {
		statuses = append(statuses, r.Status)
	}
	want := []string{gateway.ParticipantOK, gateway.ParticipantInviteSent, gateway.ParticipantNotOnWhatsApp, gateway.ParticipantAlreadyIn}
	if d := cmp.Diff(want, statuses); d != "" {
		t.Errorf("statuses (-want +got):\n%s", d)
	}
	if got[0].Phone != "15550000001" {
		t.Errorf("got phone %q, want 15550000001", got[0].Phone)
	}
}

func TestGroupEvents(t *testing.T) {
	name := &types.GroupName{Name: "New"}
	v := &events.GroupInfo{JID: aGroup, Sender: &otherUser, Name: name, Join: []types.JID{types.NewJID("15550003333", types.DefaultUserServer)}}
	got := groupEvents(v, ownUser)
	want := []gateway.EngineEvent{
		gateway.EvGroupUpdate{Data: gateway.GroupUpdateData{Group: aGroup.String(), Change: "subject", Actor: otherUser.String()}},
		gateway.EvGroupParticipants{Data: gateway.GroupParticipantsData{Group: aGroup.String(), Action: "add", Actor: otherUser.String(),
			Participants: []string{"15550003333@s.whatsapp.net"}}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("groupEvents (-want +got):\n%s", d)
	}
	v.Sender = &ownUser
	if got := groupEvents(v, ownUser); len(got) != 0 {
		t.Errorf("own change: got %d events, want none (the operation recorded it)", len(got))
	}
}

func TestInviteCode(t *testing.T) {
	for in, want := range map[string]string{
		"https://chat.whatsapp.com/AbCd123": "AbCd123", "chat.whatsapp.com/AbCd123?x=1": "AbCd123", "AbCd123": "AbCd123",
		"https://evil.example/a/b": "", "": "",
	} {
		if got := inviteCode(in); got != want {
			t.Errorf("inviteCode(%q): got %q, want %q", in, got, want)
		}
	}
}

// fakeRequests answers the join-request queries and records what it was
// asked, as WhatsApp's server would have received it.
type fakeRequests struct {
	groupClient
	pending  []types.GroupParticipantRequest
	answer   []types.GroupParticipant
	err      error
	asked    types.JID
	changes  []types.JID
	action   wa.ParticipantRequestChange
	linkInfo *types.GroupInfo
	linkErr  error
	joined   string
}

func (f *fakeRequests) GetGroupRequestParticipants(_ context.Context, g types.JID) ([]types.GroupParticipantRequest, error) {
	f.asked = g
	return f.pending, f.err
}

func (f *fakeRequests) UpdateGroupRequestParticipants(_ context.Context, g types.JID, changes []types.JID, action wa.ParticipantRequestChange) ([]types.GroupParticipant, error) {
	f.asked, f.changes, f.action = g, changes, action
	return f.answer, f.err
}

func (f *fakeRequests) GetGroupInfoFromLink(context.Context, string) (*types.GroupInfo, error) {
	return f.linkInfo, f.linkErr
}

func (f *fakeRequests) JoinGroupWithLink(_ context.Context, code string) (types.JID, error) {
	f.joined = code
	return aGroup, nil
}

func TestGroupRequests(t *testing.T) {
	early, late := time.Unix(1700000000, 0), time.Unix(1700003600, 0)
	phoneOnly := types.NewJID("15550004444", types.DefaultUserServer)
	f := &fakeRequests{pending: []types.GroupParticipantRequest{
		{JID: otherLID, RequestedAt: late},
		{JID: phoneOnly, RequestedAt: early},
	}}
	lids := &fakeLIDs{pnOf: map[string]string{otherLID.User: otherUser.User}}
	got, err := groupRequests(t.Context(), f, lids, aGroup)
	if err != nil {
		t.Fatalf("groupRequests: %v", err)
	}
	e, l := early.UTC(), late.UTC()
	want := []gateway.GroupRequest{
		{JID: "15550004444@s.whatsapp.net", Phone: "15550004444", RequestedAt: &e},
		{JID: "123456789012345@lid", Phone: "15550002222", LID: "123456789012345@lid", RequestedAt: &l},
	}
	if d := cmp.Diff(want, got); d != "" || f.asked != aGroup {
		t.Errorf("groupRequests asked %s (-want +got):\n%s", f.asked, d)
	}
	f.err = &wa.IQError{Code: 403, Text: "forbidden"}
	if _, err := groupRequests(t.Context(), f, lids, aGroup); !gateway.IsCode(err, gateway.CodeRefused) ||
		!strings.Contains(gateway.ErrorMessage(err), "not an admin") {
		t.Fatalf("not an admin: got %v, want whatsapp_refused naming the reason", err)
	}
	f.err = wa.ErrGroupNotFound
	if _, err := groupRequests(t.Context(), f, lids, aGroup); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Fatalf("unknown group: got %v, want not_found", err)
	}
}

func TestUpdateGroupRequests(t *testing.T) {
	a, b, c := types.NewJID("15550000001", types.DefaultUserServer), types.NewJID("15550000002", types.DefaultUserServer),
		types.NewJID("15550000003", types.DefaultUserServer)
	f := &fakeRequests{answer: []types.GroupParticipant{{JID: a}, {JID: b, Error: 404}, {JID: c, Error: 500}}}
	got, err := updateGroupRequests(t.Context(), f, gateway.GroupRequestsRequest{Group: aGroup.String(), Action: gateway.RequestApprove,
		Participants: []string{a.String(), b.String(), c.String()}})
	if err != nil {
		t.Fatalf("updateGroupRequests: %v", err)
	}
	if f.asked != aGroup || f.action != wa.ParticipantChangeApprove || !cmp.Equal(f.changes, []types.JID{a, b, c}) {
		t.Errorf("asked WhatsApp: group %s, action %s, %v; want %s, approve, the three", f.asked, f.action, f.changes, aGroup)
	}
	var statuses []string
	for _, r := range got {
		statuses = append(statuses, r.Status)
	}
	want := []string{gateway.ParticipantOK, gateway.ParticipantNoRequest, gateway.ParticipantRefused}
	if d := cmp.Diff(want, statuses); d != "" || got[2].Error != "WhatsApp answered 500" || got[0].Phone != a.User {
		t.Errorf("results %+v (-want +got statuses):\n%s", got, d)
	}
	_, err = updateGroupRequests(t.Context(), f, gateway.GroupRequestsRequest{Group: aGroup.String(), Action: gateway.RequestReject,
		Participants: []string{a.String()}})
	if err != nil || f.action != wa.ParticipantChangeReject {
		t.Errorf("reject: asked %s (%v), want reject", f.action, err)
	}
	if _, err := updateGroupRequests(t.Context(), f, gateway.GroupRequestsRequest{Group: aGroup.String(), Action: "kick",
		Participants: []string{a.String()}}); !gateway.IsCode(err, gateway.CodeValidation) {
		t.Errorf("action kick: got %v, want a validation error", err)
	}
	if _, err := updateGroupRequests(t.Context(), f, gateway.GroupRequestsRequest{Group: a.String(), Action: gateway.RequestReject,
		Participants: []string{a.String()}}); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Errorf("a user JID as the group: got %v, want not_found", err)
	}
}

// TestJoinGroupPending: a link to a group that needs approval makes the
// join a pending request; a revoked link is not found before any join.
func TestJoinGroupPending(t *testing.T) {
	info := &types.GroupInfo{JID: aGroup}
	info.IsJoinApprovalRequired = true
	f := &fakeRequests{linkInfo: info}
	got, err := joinGroup(t.Context(), f, "https://chat.whatsapp.com/AbCd")
	if err != nil || got.Group != aGroup.String() || !got.Pending || f.joined != "AbCd" {
		t.Fatalf("join needing approval: got %+v (%v), joined %q; want pending", got, err, f.joined)
	}
	info.IsJoinApprovalRequired = false
	if got, err := joinGroup(t.Context(), f, "AbCd"); err != nil || got.Pending {
		t.Fatalf("open group: got %+v (%v), want joined", got, err)
	}
	f.linkErr, f.joined = wa.ErrInviteLinkRevoked, ""
	if _, err := joinGroup(t.Context(), f, "AbCd"); !gateway.IsCode(err, gateway.CodeNotFound) || f.joined != "" {
		t.Fatalf("revoked link: got %v (joined %q), want not_found and no join", err, f.joined)
	}
}
