package sandbox

import (
	"context"
	"strings"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/inmem"
)

func TestGroupsBetweenSessions(t *testing.T) {
	ctx := context.Background()
	net := NewBusNetwork(inmem.NewBus())
	book := NewMemGroups()
	dir := directory{"user-1/15550001111": true, "user-1/15550002222": true, "user-2/15550002222": true}
	opts := Options{Network: net, Directory: dir, Groups: book}
	// b first: a session coming online makes the others offer again what
	// waits for it, which could offer the group message twice.
	b := connected(t, "15550002222", opts)
	a := connected(t, "15550001111", opts)
	// Another tenant's session on the same number sees nothing of user-1's groups.
	other := connectedIn(t, "user-2", "15550002222", opts)

	created, err := a.e.CreateGroup(ctx, gateway.GroupCreateRequest{Subject: "Team",
		Participants: []string{"15550002222@s.whatsapp.net", "15550010000@s.whatsapp.net", "15550010403@s.whatsapp.net"}})
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	var got []string
	for _, p := range created.Participants {
		got = append(got, p.Phone+":"+p.Status)
	}
	if want := "15550002222:ok 15550010000:not_on_whatsapp 15550010403:invite_sent"; strings.Join(got, " ") != want {
		t.Errorf("got participant results %q, want %q", strings.Join(got, " "), want)
	}
	jid := created.Group.JID
	if !strings.HasSuffix(jid, "@g.us") || created.Group.Owner != "15550001111@s.whatsapp.net" || len(created.Group.Participants) != 2 {
		t.Fatalf("got group %+v, want a g.us group owned by 15550001111 with 2 members", created.Group)
	}

	// A member mentions everyone: the members are read at send time, the
	// sender left out; the other tenant's session is in no such group.
	all := &gateway.OutboundMessage{To: jid, Type: gateway.TypeText, Text: "all", MentionAll: true}
	sent, err := a.e.Send(ctx, all)
	if err != nil || strings.Join(all.Mentions, " ") != "15550002222@s.whatsapp.net" {
		t.Fatalf("mention_all by a member: err %v, mentions %v; want 15550002222 mentioned", err, all.Mentions)
	}
	if _, err := other.e.Send(ctx, &gateway.OutboundMessage{To: jid, Type: gateway.TypeText, Text: "all", MentionAll: true}); !gateway.IsCode(err, gateway.CodeValidation) {
		t.Fatalf("mention_all by another tenant's session: got %v, want a validation error", err)
	}

	// B is told it was added, and gets the message in the group (the two
	// travel apart, so in either order); A gets B's receipts of it.
	var ev gateway.EvGroupParticipants
	var in *gateway.InboundMessage
	for range 2 {
		switch got := b.rec.next(t).(type) {
		case gateway.EvGroupParticipants:
			ev = got
		case gateway.EvInbound:
			in = got.Message
		default:
			t.Fatalf("B got %T %+v, want the add and the group message", got, got)
		}
	}
	if ev.Data.Group != jid || ev.Data.Action != gateway.ParticipantAdd || ev.Data.Actor != "15550001111@s.whatsapp.net" {
		t.Errorf("got %+v, want an add in %s by 15550001111", ev.Data, jid)
	}
	if in == nil || in.Chat != jid || !in.IsGroup || in.Sender != "15550001111@s.whatsapp.net" || in.Text != "all" {
		t.Errorf("B got %+v, want A's message in the group", in)
	}
	for _, want := range []gateway.MessageStatus{gateway.MessageDelivered, gateway.MessageRead} {
		r := nextAs[gateway.EvReceipt](t, a.rec)
		if r.Status != want || r.Chat != jid || r.Participant != "15550002222@s.whatsapp.net" || r.ParticipantPhone != "15550002222" ||
			r.ParticipantLID != derivedLID("15550002222") || r.WAMessageIDs[0] != sent.WAMessageID {
			t.Errorf("A got receipt %+v, want %s by 15550002222 in the group", r, want)
		}
	}
	gs, err := b.e.JoinedGroups(ctx)
	if err != nil || len(gs) != 1 || gs[0].JID != jid || gs[0].InviteLink != "" {
		t.Fatalf("B's groups: got %+v (%v), want the one group without its link (B is no admin)", gs, err)
	}
	if gs, err := other.e.JoinedGroups(ctx); err != nil || len(gs) != 0 {
		t.Fatalf("another tenant's groups: got %+v (%v), want none", gs, err)
	}
	if _, err := other.e.GroupInfo(ctx, jid); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Fatalf("another tenant's GroupInfo: got %v, want not found", err)
	}

	// B is no admin: WhatsApp refuses its settings change and adds.
	yes := true
	if _, err := b.e.UpdateGroup(ctx, gateway.GroupUpdateRequest{Group: jid, Announce: &yes}); !gateway.IsCode(err, gateway.CodeRefused) {
		t.Fatalf("non-admin settings change: got %v, want whatsapp_refused", err)
	}
	if _, err := b.e.GroupInviteLink(ctx, jid, false); !gateway.IsCode(err, gateway.CodeRefused) {
		t.Fatalf("non-admin invite link: got %v, want whatsapp_refused", err)
	}

	// A promotes B; B then changes the subject and A is told.
	res, err := a.e.UpdateGroupParticipants(ctx, gateway.GroupParticipantsRequest{Group: jid, Action: gateway.ParticipantPromote,
		Participants: []string{"15550002222@s.whatsapp.net", "15550003333@s.whatsapp.net"}})
	if err != nil || res[0].Status != gateway.ParticipantOK || res[1].Status != gateway.ParticipantNotInGroup {
		t.Fatalf("promote: got %+v (%v), want ok then not_in_group", res, err)
	}
	if ev := nextAs[gateway.EvGroupParticipants](t, b.rec); ev.Data.Action != gateway.ParticipantPromote {
		t.Errorf("got %+v, want a promote", ev.Data)
	}
	subject := "Team (EU)"
	g, err := b.e.UpdateGroup(ctx, gateway.GroupUpdateRequest{Group: jid, Subject: &subject, Announce: &yes})
	if err != nil || g.Subject != subject || !g.Settings.Announce {
		t.Fatalf("admin update: got %+v (%v)", g, err)
	}
	if ev := nextAs[gateway.EvGroupUpdate](t, a.rec); ev.Data.Group != jid || ev.Data.Change != "info" {
		t.Errorf("got %+v, want an info change", ev.Data)
	}

	// The creator cannot be removed; the invite link lets a removed member back.
	res, err = b.e.UpdateGroupParticipants(ctx, gateway.GroupParticipantsRequest{Group: jid, Action: gateway.ParticipantRemove,
		Participants: []string{"15550001111@s.whatsapp.net"}})
	if err != nil || res[0].Status != gateway.ParticipantRefused {
		t.Fatalf("remove the creator: got %+v (%v), want refused", res, err)
	}
	link, err := a.e.GroupInviteLink(ctx, jid, false)
	if err != nil || !strings.HasPrefix(link, inviteLinkPrefix) {
		t.Fatalf("invite link: got %q (%v)", link, err)
	}
	if err := b.e.LeaveGroup(ctx, jid); err != nil {
		t.Fatalf("LeaveGroup: %v", err)
	}
	if ev := nextAs[gateway.EvGroupParticipants](t, a.rec); ev.Data.Action != gateway.ParticipantRemove || ev.Data.Participants[0] != "15550002222@s.whatsapp.net" {
		t.Errorf("got %+v, want B's leave", ev.Data)
	}
	if _, err := b.e.GroupInfo(ctx, jid); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Fatalf("GroupInfo after leaving: got %v, want not found", err)
	}
	if _, err := other.e.JoinGroup(ctx, link); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Fatalf("another tenant joining by link: got %v, want not found", err)
	}
	reset, err := a.e.GroupInviteLink(ctx, jid, true)
	if err != nil || reset == link {
		t.Fatalf("reset: got %q (%v), want a new link", reset, err)
	}
	if _, err := b.e.JoinGroup(ctx, link); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Fatalf("join by the old link: got %v, want not found", err)
	}
	if got, err := b.e.JoinGroup(ctx, reset); err != nil || got.Group != jid || got.Pending {
		t.Fatalf("join by the new link: got %+v (%v), want %s joined", got, err, jid)
	}
	if ev := nextAs[gateway.EvGroupParticipants](t, a.rec); ev.Data.Action != gateway.ParticipantAdd {
		t.Errorf("got %+v, want B's join", ev.Data)
	}
	if _, err := a.e.GroupInfo(ctx, "120363999999999999@g.us"); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Fatalf("unknown group: got %v, want not found", err)
	}
}

// TestGroupJoinRequests: in a group that needs approval a join by link is
// a request the admins are told of and see, that only they approve (the
// requester becomes a member, everyone sees an add) or reject (dropped).
func TestGroupJoinRequests(t *testing.T) {
	ctx := context.Background()
	net := NewBusNetwork(inmem.NewBus())
	dir := directory{"user-1/15550001111": true, "user-1/15550002222": true, "user-1/15550003333": true, "user-1/15550004444": true}
	opts := Options{Network: net, Directory: dir, Groups: NewMemGroups()}
	c := connected(t, "15550003333", opts)
	d := connected(t, "15550004444", opts)
	b := connected(t, "15550002222", opts)
	a := connected(t, "15550001111", opts)
	created, err := a.e.CreateGroup(ctx, gateway.GroupCreateRequest{Subject: "Club", Participants: []string{"15550002222@s.whatsapp.net"}})
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	jid := created.Group.JID
	nextAs[gateway.EvGroupParticipants](t, b.rec) // B added
	yes := true
	if _, err := a.e.UpdateGroup(ctx, gateway.GroupUpdateRequest{Group: jid, JoinApproval: &yes}); err != nil {
		t.Fatalf("turn join approval on: %v", err)
	}
	nextAs[gateway.EvGroupUpdate](t, b.rec) // settings
	link, err := a.e.GroupInviteLink(ctx, jid, false)
	if err != nil {
		t.Fatal(err)
	}

	// C and D ask to join: pending, not members; A (the admin) is told,
	// B (no admin) is not.
	for _, s := range []*harness{c, d} {
		got, err := s.e.JoinGroup(ctx, link)
		if err != nil || got.Group != jid || !got.Pending {
			t.Fatalf("join a group needing approval: got %+v (%v), want pending", got, err)
		}
		if ev := nextAs[gateway.EvGroupUpdate](t, a.rec); ev.Data.Change != "join_requests" || ev.Data.Group != jid {
			t.Errorf("the admin got %+v, want a join_requests change", ev.Data)
		}
	}
	b.rec.none(t)
	if again, err := c.e.JoinGroup(ctx, link); err != nil || !again.Pending {
		t.Fatalf("asking again: got %+v (%v), want still pending", again, err)
	}
	a.rec.none(t) // the same request: nobody told twice
	if _, err := c.e.GroupInfo(ctx, jid); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Fatalf("GroupInfo of a requester: got %v, want not found (not a member yet)", err)
	}
	reqs, err := a.e.GroupRequests(ctx, jid)
	if err != nil || len(reqs) != 2 || reqs[0].Phone != "15550003333" || reqs[1].Phone != "15550004444" ||
		reqs[0].LID != derivedLID("15550003333") || reqs[0].RequestedAt == nil {
		t.Fatalf("GroupRequests: got %+v (%v), want C's then D's request with LID and time", reqs, err)
	}
	if _, err := b.e.GroupRequests(ctx, jid); !gateway.IsCode(err, gateway.CodeRefused) {
		t.Fatalf("a member reads the requests: got %v, want whatsapp_refused", err)
	}
	if _, err := b.e.UpdateGroupRequests(ctx, gateway.GroupRequestsRequest{Group: jid, Action: gateway.RequestApprove,
		Participants: []string{"15550003333@s.whatsapp.net"}}); !gateway.IsCode(err, gateway.CodeRefused) {
		t.Fatalf("a member approves: got %v, want whatsapp_refused", err)
	}

	// A approves C (and names B, who never asked): C is a member, told as
	// an add like B; D's request stays.
	res, err := a.e.UpdateGroupRequests(ctx, gateway.GroupRequestsRequest{Group: jid, Action: gateway.RequestApprove,
		Participants: []string{"15550003333@s.whatsapp.net", "15550002222@s.whatsapp.net"}})
	if err != nil || len(res) != 2 || res[0].Status != gateway.ParticipantOK || res[1].Status != gateway.ParticipantNoRequest {
		t.Fatalf("approve: got %+v (%v), want ok then no_request", res, err)
	}
	for _, s := range []*harness{b, c} {
		if ev := nextAs[gateway.EvGroupParticipants](t, s.rec); ev.Data.Action != gateway.ParticipantAdd ||
			strings.Join(ev.Data.Participants, " ") != "15550003333@s.whatsapp.net" {
			t.Errorf("got %+v, want C's add", ev.Data)
		}
	}
	if g, err := c.e.GroupInfo(ctx, jid); err != nil || len(g.Participants) != 3 {
		t.Fatalf("C after approval: got %+v (%v), want a member of a group of 3", g, err)
	}

	// A rejects D: dropped, not a member, no request left.
	res, err = a.e.UpdateGroupRequests(ctx, gateway.GroupRequestsRequest{Group: jid, Action: gateway.RequestReject,
		Participants: []string{"15550004444@s.whatsapp.net"}})
	if err != nil || len(res) != 1 || res[0].Status != gateway.ParticipantOK {
		t.Fatalf("reject: got %+v (%v), want ok", res, err)
	}
	if reqs, err := a.e.GroupRequests(ctx, jid); err != nil || len(reqs) != 0 {
		t.Fatalf("requests after approving and rejecting: got %+v (%v), want none", reqs, err)
	}
	if _, err := d.e.GroupInfo(ctx, jid); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Fatalf("GroupInfo of a rejected requester: got %v, want not found", err)
	}
	res, err = a.e.UpdateGroupRequests(ctx, gateway.GroupRequestsRequest{Group: jid, Action: gateway.RequestReject,
		Participants: []string{"15550004444@s.whatsapp.net"}})
	if err != nil || res[0].Status != gateway.ParticipantNoRequest {
		t.Fatalf("reject again: got %+v (%v), want no_request", res, err)
	}
}
