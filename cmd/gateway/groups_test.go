package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

type groupView struct {
	JID          string `json:"jid"`
	Subject      string `json:"subject"`
	Description  string `json:"description"`
	Owner        string `json:"owner"`
	InviteLink   string `json:"invite_link"`
	Participants []struct {
		JID          string `json:"jid"`
		Phone        string `json:"phone"`
		IsAdmin      bool   `json:"is_admin"`
		IsSuperAdmin bool   `json:"is_super_admin"`
	} `json:"participants"`
	Settings struct {
		Announce bool `json:"announce"`
		Locked   bool `json:"locked"`
	} `json:"settings"`
}

type participantResult struct {
	JID    string `json:"jid"`
	Phone  string `json:"phone"`
	Status string `json:"status"`
}

type eventView struct {
	Type      string `json:"type"`
	SessionID string `json:"session_id"`
	Data      struct {
		Group        string   `json:"group"`
		Change       string   `json:"change"`
		Action       string   `json:"action"`
		Actor        string   `json:"actor"`
		Participants []string `json:"participants"`
	} `json:"data"`
}

// groupsPath is the route of a session's groups.
func groupsPath(sessionID string) string { return "/api/v1/sessions/" + sessionID + "/groups" }

// groupEvents reads the caller's group events of one session from the
// start of its event log until want holds of them (or fails after 10 s).
func groupEvents(t *testing.T, c *client, sessionID string, want func([]eventView) bool) []eventView {
	t.Helper()
	return sessionEvents(t, c, "group.update,group.participants", sessionID, want)
}

func hasEvent(evs []eventView, typ, group, what string) bool {
	return slices.ContainsFunc(evs, func(e eventView) bool {
		return e.Type == typ && e.Data.Group == group && (e.Data.Change == what || e.Data.Action == what)
	})
}

// TestGroupsSandbox drives the group routes end to end on the sandbox: two
// sessions of one tenant share a group, its changes reach the other
// member as events, every write is in the operations log, another tenant
// gets 404 everywhere, and a session that is not connected gets 409 with
// its state.
func TestGroupsSandbox(t *testing.T) {
	testGroups(t, instantSandbox(t))
}

// TestGroupsSandboxPostgresRedis is TestGroupsSandbox on PostgreSQL, with
// the sandbox network on Redis (the shape several processes share).
func TestGroupsSandboxPostgresRedis(t *testing.T) {
	testGroups(t, instantSandbox(t, sharedStores(t, 13)))
}

func testGroups(t *testing.T, base string) {
	alice, bob := aliceAndBob(t, base, "groups")
	a1 := scanAs(t, alice, "a1", "15550003001")
	a2 := scanAs(t, alice, "a2", "15550003002")
	b := scanAs(t, bob, "b", "15550004001")

	// a1 creates a group with a2, a number not on WhatsApp and one whose
	// privacy refuses adds.
	var created struct {
		Group        groupView           `json:"group"`
		Participants []participantResult `json:"participants"`
	}
	alice.do("POST", groupsPath(a1.ID), map[string]any{"subject": "Support",
		"participants": []string{"+" + a2.Phone, "15550030000", "15550030403"}}).must(t, http.StatusCreated, &created)
	g := created.Group
	if !strings.HasSuffix(g.JID, "@g.us") || g.Owner != a1.Phone+"@s.whatsapp.net" || len(g.Participants) != 2 {
		t.Fatalf("got group %+v, want a1's group with a1 and a2", g)
	}
	var statuses []string
	for _, p := range created.Participants {
		statuses = append(statuses, p.Status)
	}
	if got := strings.Join(statuses, ","); got != "ok,not_on_whatsapp,invite_sent" {
		t.Errorf("got participant results %s, want ok,not_on_whatsapp,invite_sent", got)
	}

	// a2 sees it, live, without the invite link (a2 is no admin).
	var list struct {
		Groups []groupView `json:"groups"`
		Source string      `json:"source"`
	}
	alice.do("GET", groupsPath(a2.ID), nil).must(t, http.StatusOK, &list)
	if len(list.Groups) != 1 || list.Groups[0].JID != g.JID || list.Source != "live" || list.Groups[0].InviteLink != "" {
		t.Fatalf("a2's groups: got %+v, want the one group, live, without its link", list)
	}

	// The Go client reads the same: its group methods against the gateway.
	gc := sdk(t, base)
	gc.Token = alice.token
	viaClient, err := gc.Groups(t.Context(), a2.ID)
	if err != nil || len(viaClient) != 1 || viaClient[0].JID != g.JID {
		t.Fatalf("client Groups: got %+v (%v), want the one group", viaClient, err)
	}
	viaOne, err := gc.Group(t.Context(), a1.ID, g.JID)
	if err != nil || viaOne.Subject != "Support" || len(viaOne.Participants) != 2 || viaOne.InviteLink == "" {
		t.Fatalf("client Group: got %+v (%v), want Support with 2 members and, for its admin, the link", viaOne, err)
	}
	if link, err := gc.GroupInviteLink(t.Context(), a1.ID, g.JID); err != nil || link != viaOne.InviteLink {
		t.Fatalf("client GroupInviteLink: got %q (%v), want %q", link, err, viaOne.InviteLink)
	}
	if _, err := gc.Groups(t.Context(), b.ID); err == nil {
		t.Fatal("client Groups of another tenant's session: no error")
	}

	// a2 is told it was added; a1's own event came with its operation.
	groupEvents(t, alice, a2.ID, func(evs []eventView) bool { return hasEvent(evs, "group.participants", g.JID, "add") })
	groupEvents(t, alice, a1.ID, func(evs []eventView) bool { return hasEvent(evs, "group.update", g.JID, "created") })

	// a2 is no admin: WhatsApp refuses, with the reason, and the refusal is recorded.
	r := alice.do("PATCH", groupsPath(a2.ID)+"/"+g.JID, map[string]any{"announce": true}).fails(t, http.StatusUnprocessableEntity, "whatsapp_refused")
	if r.Error.Details["reason"] == nil {
		t.Errorf("got details %v, want the reason", r.Error.Details)
	}

	// a1 promotes a2 and renames the group; a2 sees both.
	var res struct {
		Results []participantResult `json:"results"`
	}
	alice.do("POST", groupsPath(a1.ID)+"/"+g.JID+"/participants", map[string]any{"action": "promote",
		"participants": []string{a2.Phone, "15550009999"}}).must(t, http.StatusOK, &res)
	if len(res.Results) != 2 || res.Results[0].Status != "ok" || res.Results[1].Status != "not_in_group" {
		t.Fatalf("promote: got %+v, want ok then not_in_group", res.Results)
	}
	alice.do("PATCH", groupsPath(a1.ID)+"/"+g.JID, map[string]any{"subject": "Support EU", "description": "EU desk"}).must(t, http.StatusOK, nil)
	var one struct {
		Group  groupView `json:"group"`
		Source string    `json:"source"`
	}
	alice.do("GET", groupsPath(a2.ID)+"/"+g.JID, nil).must(t, http.StatusOK, &one)
	if one.Group.Subject != "Support EU" || one.Group.Description != "EU desk" || one.Source != "live" {
		t.Fatalf("a2 reads %+v, want the new subject and description", one)
	}
	admin := false
	for _, p := range one.Group.Participants {
		admin = admin || (p.Phone == a2.Phone && p.IsAdmin)
	}
	if !admin || one.Group.InviteLink == "" {
		t.Fatalf("a2 after its promotion: got %+v, want an admin who sees the invite link", one.Group)
	}
	groupEvents(t, alice, a2.ID, func(evs []eventView) bool {
		return hasEvent(evs, "group.participants", g.JID, "promote") && hasEvent(evs, "group.update", g.JID, "info")
	})

	// The invite link: a2 leaves, the link is reset, the old one is gone,
	// the new one lets a2 back in.
	var link struct {
		InviteLink string `json:"invite_link"`
	}
	alice.do("GET", groupsPath(a1.ID)+"/"+g.JID+"/invite-link", nil).must(t, http.StatusOK, &link)
	old := link.InviteLink
	alice.do("POST", groupsPath(a2.ID)+"/"+g.JID+"/leave", nil).must(t, http.StatusOK, nil)
	alice.do("GET", groupsPath(a2.ID)+"/"+g.JID, nil).fails(t, http.StatusNotFound, "not_found")
	alice.do("POST", groupsPath(a1.ID)+"/"+g.JID+"/invite-link/reset", nil).must(t, http.StatusOK, &link)
	if link.InviteLink == old || !strings.HasPrefix(link.InviteLink, "https://chat.whatsapp.com/") {
		t.Fatalf("reset: got %q, want a new link", link.InviteLink)
	}
	alice.do("POST", groupsPath(a2.ID)+"/join", map[string]any{"invite_link": old}).fails(t, http.StatusNotFound, "not_found")
	var joined struct {
		Group string `json:"group"`
	}
	alice.do("POST", groupsPath(a2.ID)+"/join", map[string]any{"invite_link": link.InviteLink}).must(t, http.StatusOK, &joined)
	if joined.Group != g.JID {
		t.Fatalf("joined %q, want %s", joined.Group, g.JID)
	}
	groupEvents(t, alice, a1.ID, func(evs []eventView) bool {
		n := 0
		for _, e := range evs {
			if e.Type == "group.participants" && e.Data.Group == g.JID && len(e.Data.Participants) == 1 &&
				e.Data.Participants[0] == a2.Phone+"@s.whatsapp.net" && (e.Data.Action == "remove" || e.Data.Action == "add") {
				n++
			}
		}
		return n >= 2 // a2 left, then joined
	})

	// Every write is in the operations log, newest first, failures too.
	if got := strings.Join(opResults(operations(t, alice, a1.ID, "")), " "); got != "group.invite.reset:succeeded group.update:succeeded group.participants:succeeded group.create:succeeded" {
		t.Errorf("a1's operations: got %s", got)
	}
	if ops := operations(t, alice, a2.ID, ""); len(ops) != 4 || ops[3].Op != "group.update" || ops[3].ErrorCode != "whatsapp_refused" {
		t.Errorf("a2's operations: got %+v, want leave, two joins and the refused update", ops)
	}

	// Another tenant: 404 on alice's sessions, and its own session does not
	// see alice's group, even by its JID.
	bob.do("GET", groupsPath(a1.ID), nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("GET", groupsPath(a1.ID)+"/"+g.JID, nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("POST", groupsPath(a1.ID)+"/"+g.JID+"/participants", map[string]any{"action": "add", "participants": []string{b.Phone}}).
		fails(t, http.StatusNotFound, "not_found")
	bob.do("GET", "/api/v1/sessions/"+a1.ID+"/operations", nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("GET", groupsPath(b.ID)+"/"+g.JID, nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("POST", groupsPath(b.ID)+"/join", map[string]any{"invite_link": link.InviteLink}).fails(t, http.StatusNotFound, "not_found")
	bob.do("GET", groupsPath(b.ID), nil).must(t, http.StatusOK, &list)
	if len(list.Groups) != 0 {
		t.Fatalf("bob's session sees %+v, want no group", list.Groups)
	}

	// A session that is not connected: 409 with its state.
	idle := newSession(t, alice, "idle")
	r = alice.do("GET", groupsPath(idle.ID), nil).fails(t, http.StatusConflict, "conflict")
	if r.Error.Details["state"] != idle.Status || idle.Status == "" {
		t.Errorf("got details %v, want state %q", r.Error.Details, idle.Status)
	}
	alice.do("POST", groupsPath(idle.ID), map[string]any{"subject": "x", "participants": []string{a1.Phone}}).fails(t, http.StatusConflict, "conflict")

	// Bad input is refused before WhatsApp is asked.
	alice.do("POST", groupsPath(a1.ID), map[string]any{"subject": " ", "participants": []string{}}).fails(t, http.StatusUnprocessableEntity, "validation_failed")
	alice.do("POST", groupsPath(a1.ID)+"/"+g.JID+"/participants", map[string]any{"action": "kick", "participants": []string{a2.Phone}}).
		fails(t, http.StatusUnprocessableEntity, "validation_failed")
	alice.do("GET", groupsPath(a1.ID)+"/notagroup@s.whatsapp.net", nil).fails(t, http.StatusNotFound, "not_found")
}
