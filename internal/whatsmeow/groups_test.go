package whatsmeow

import (
	"context"
	"fmt"
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
	tests := []struct {
		err  error
		want gateway.Code
	}{
		{wa.ErrGroupNotFound, gateway.CodeNotFound},
		{wa.ErrNotInGroup, gateway.CodeNotFound},
		{wa.ErrInviteLinkRevoked, gateway.CodeNotFound},
		{wa.ErrGroupInviteLinkUnauthorized, gateway.CodeRefused},
		{&wa.IQError{Code: 403, Text: "forbidden"}, gateway.CodeRefused},
		{&wa.IQError{Code: 406, Text: "not-acceptable"}, gateway.CodeRefused},
		{wa.ErrNotConnected, gateway.CodeUnavailable},
	}
	for _, tt := range tests {
		if got := gateway.ErrorCode(groupError(tt.err, "x")); got != tt.want {
			t.Errorf("groupError(%v): got %s, want %s", tt.err, got, tt.want)
		}
	}
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
