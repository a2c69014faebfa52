package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGroupRequestsSandbox drives the join-request routes end to end on
// the sandbox: with join approval on, joining by link is a pending
// request the admin lists, approves (a member now, everyone told) or
// rejects (dropped); a member who is no admin is refused with WhatsApp's
// reason; a requester with no request is a 404; another tenant gets 404
// everywhere; a read-only key cannot answer requests; a session that is
// not connected gets 409 with its state.
func TestGroupRequestsSandbox(t *testing.T) {
	testGroupRequests(t, instantSandbox(t))
}

// TestGroupRequestsSandboxPostgresRedis is TestGroupRequestsSandbox on
// PostgreSQL with the sandbox network on Redis.
func TestGroupRequestsSandboxPostgresRedis(t *testing.T) {
	testGroupRequests(t, instantSandbox(t, sharedStores(t, 3)))
}

type joinRequestView struct {
	JID         string     `json:"jid"`
	Phone       string     `json:"phone"`
	LID         string     `json:"lid"`
	RequestedAt *time.Time `json:"requested_at"`
}

func testGroupRequests(t *testing.T, base string) {
	alice, bob := aliceAndBob(t, base, "requests")
	admin := scanAs(t, alice, "admin", "15550005001")
	member := scanAs(t, alice, "member", "15550005002")
	asker := scanAs(t, alice, "asker", "15550005003")
	other := scanAs(t, alice, "other", "15550005004")
	b := scanAs(t, bob, "b", "15550005101")
	groups := func(sid string) string { return "/api/v1/sessions/" + sid + "/groups" }

	var created struct {
		Group groupView `json:"group"`
	}
	alice.do("POST", groups(admin.ID), map[string]any{"subject": "Club", "participants": []string{member.Phone}}).must(t, http.StatusCreated, &created)
	g := created.Group.JID
	one := groups(admin.ID) + "/" + g
	var upd struct {
		Group struct {
			Settings struct {
				JoinApproval bool `json:"join_approval"`
			} `json:"settings"`
		} `json:"group"`
	}
	alice.do("PATCH", one, map[string]any{"join_approval": true}).must(t, http.StatusOK, &upd)
	if !upd.Group.Settings.JoinApproval {
		t.Fatal("join_approval did not turn on")
	}
	var link struct {
		InviteLink string `json:"invite_link"`
	}
	alice.do("GET", one+"/invite-link", nil).must(t, http.StatusOK, &link)

	// Two sessions join by the link: each is a pending request, not a member.
	for _, s := range []sessionView{asker, other} {
		var joined struct {
			Group   string `json:"group"`
			Pending bool   `json:"pending"`
		}
		alice.do("POST", groups(s.ID)+"/join", map[string]any{"invite_link": link.InviteLink}).must(t, http.StatusOK, &joined)
		if joined.Group != g || !joined.Pending {
			t.Fatalf("%s joins a group needing approval: got %+v, want %s pending", s.Name, joined, g)
		}
	}
	alice.do("GET", groups(asker.ID)+"/"+g, nil).fails(t, http.StatusNotFound, "not_found")

	// The admin lists them, oldest first, with phone, LID and time, live.
	var list struct {
		Group    string            `json:"group"`
		Requests []joinRequestView `json:"requests"`
		Source   string            `json:"source"`
	}
	alice.do("GET", one+"/requests", nil).must(t, http.StatusOK, &list)
	if list.Group != g || list.Source != "live" || len(list.Requests) != 2 {
		t.Fatalf("requests: got %+v, want the two, live", list)
	}
	for i, s := range []sessionView{asker, other} {
		r := list.Requests[i]
		if r.Phone != s.Phone || r.JID != s.Phone+"@s.whatsapp.net" || !strings.HasSuffix(r.LID, "@lid") || r.RequestedAt == nil ||
			time.Since(*r.RequestedAt) > time.Minute {
			t.Errorf("request %d: got %+v, want %s's with its LID and a recent time", i, r, s.Name)
		}
	}

	// A member who is no admin: refused, with WhatsApp's reason.
	for _, r := range []*reply{
		alice.do("GET", groups(member.ID)+"/"+g+"/requests", nil).fails(t, http.StatusUnprocessableEntity, "whatsapp_refused"),
		alice.do("POST", groups(member.ID)+"/"+g+"/requests/approve", map[string]any{"participants": []string{asker.Phone}}).
			fails(t, http.StatusUnprocessableEntity, "whatsapp_refused"),
	} {
		if reason, _ := r.Error.Details["reason"].(string); !strings.Contains(reason, "only admins") {
			t.Errorf("got details %v, want the reason", r.Error.Details)
		}
	}

	// The Go client: approve the asker (and a number that never asked).
	gc := sdk(t, base)
	gc.Token = alice.token
	viaClient, err := gc.GroupRequests(t.Context(), admin.ID, g)
	if err != nil || len(viaClient) != 2 || viaClient[0].Phone != asker.Phone {
		t.Fatalf("client GroupRequests: got %+v (%v), want the two", viaClient, err)
	}
	results, err := gc.ApproveGroupRequests(t.Context(), admin.ID, g, []string{"+" + asker.Phone, "15550009999"})
	if err != nil || len(results) != 2 || results[0].Status != "ok" || results[0].Phone != asker.Phone || results[1].Status != "no_request" {
		t.Fatalf("client ApproveGroupRequests: got %+v (%v), want ok then no_request", results, err)
	}
	var now struct {
		Group groupView `json:"group"`
	}
	alice.do("GET", groups(asker.ID)+"/"+g, nil).must(t, http.StatusOK, &now)
	if len(now.Group.Participants) != 3 {
		t.Fatalf("after approval the asker sees %+v, want a group of three", now.Group.Participants)
	}
	// Approving again: nobody has a request, so a 404.
	alice.do("POST", one+"/requests/approve", map[string]any{"participants": []string{asker.Phone}}).fails(t, http.StatusNotFound, "not_found")

	// Reject the other: dropped, no member, nothing left.
	var rej struct {
		Group   string              `json:"group"`
		Action  string              `json:"action"`
		Results []participantResult `json:"results"`
	}
	alice.do("POST", one+"/requests/reject", map[string]any{"participants": []string{other.Phone}}).must(t, http.StatusOK, &rej)
	if rej.Group != g || rej.Action != "reject" || len(rej.Results) != 1 || rej.Results[0].Status != "ok" {
		t.Fatalf("reject: got %+v, want ok", rej)
	}
	alice.do("GET", one+"/requests", nil).must(t, http.StatusOK, &list)
	if len(list.Requests) != 0 {
		t.Fatalf("requests after approve and reject: got %+v, want none", list.Requests)
	}
	alice.do("GET", groups(other.ID)+"/"+g, nil).fails(t, http.StatusNotFound, "not_found")

	// Events: the admin was told of each request and recorded its
	// approval as an add; the member saw the add; the asker its request,
	// then its add.
	groupEvents(t, alice, admin.ID, func(evs []eventView) bool {
		return hasEvent(evs, "group.update", g, "join_requests") && hasEvent(evs, "group.participants", g, "add")
	})
	groupEvents(t, alice, member.ID, func(evs []eventView) bool {
		for _, e := range evs {
			if e.Type == "group.participants" && e.Data.Action == "add" && strings.Join(e.Data.Participants, ",") == asker.Phone+"@s.whatsapp.net" {
				return true
			}
		}
		return false
	})
	groupEvents(t, alice, asker.ID, func(evs []eventView) bool {
		return hasEvent(evs, "group.update", g, "join_requested") && hasEvent(evs, "group.participants", g, "add")
	})

	// The operations log has the answers, the 404 too.
	var names []string
	for _, o := range operations(t, alice, admin.ID, "")[:3] {
		names = append(names, o.Op+":"+o.Result+":"+o.ErrorCode)
	}
	if got := strings.Join(names, " "); got != "group.requests.update:succeeded: group.requests.update:failed:not_found group.requests.update:succeeded:" {
		t.Errorf("admin's operations: got %s", got)
	}

	// Bad input is refused before WhatsApp is asked.
	alice.do("POST", one+"/requests/approve", map[string]any{"participants": []string{}}).fails(t, http.StatusUnprocessableEntity, "validation_failed")
	alice.do("POST", one+"/requests/approve", map[string]any{"participants": []string{asker.Phone}, "action": "reject"}).
		fails(t, http.StatusBadRequest, "invalid_request")
	alice.do("GET", groups(admin.ID)+"/notagroup@s.whatsapp.net/requests", nil).fails(t, http.StatusNotFound, "not_found")
	alice.do("GET", groups(admin.ID)+"/120363000000000001@g.us/requests", nil).fails(t, http.StatusNotFound, "not_found")

	// A read-only key reads the requests but cannot answer them.
	var key struct {
		APIKey struct{ Key string } `json:"api_key"`
	}
	alice.do("POST", "/api/v1/api-keys", map[string]any{"name": "read", "scopes": []string{"read"}}).must(t, http.StatusCreated, &key)
	ro := &client{t: t, base: base, apiKey: key.APIKey.Key}
	ro.do("GET", one+"/requests", nil).must(t, http.StatusOK, nil)
	ro.do("POST", one+"/requests/reject", map[string]any{"participants": []string{other.Phone}}).fails(t, http.StatusForbidden, "forbidden")

	// Another tenant: 404 on alice's session, and its own session does not
	// see alice's group.
	bob.do("GET", one+"/requests", nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("POST", one+"/requests/approve", map[string]any{"participants": []string{b.Phone}}).fails(t, http.StatusNotFound, "not_found")
	bob.do("POST", one+"/requests/reject", map[string]any{"participants": []string{b.Phone}}).fails(t, http.StatusNotFound, "not_found")
	bob.do("GET", groups(b.ID)+"/"+g+"/requests", nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("POST", groups(b.ID)+"/"+g+"/requests/approve", map[string]any{"participants": []string{asker.Phone}}).fails(t, http.StatusNotFound, "not_found")

	// A session that is not connected: 409 with its state.
	idle := newSession(t, alice, "idle")
	r := alice.do("GET", groups(idle.ID)+"/"+g+"/requests", nil).fails(t, http.StatusConflict, "conflict")
	if r.Error.Details["state"] != idle.Status || idle.Status == "" {
		t.Errorf("got details %v, want state %q", r.Error.Details, idle.Status)
	}
	alice.do("POST", groups(idle.ID)+"/"+g+"/requests/approve", map[string]any{"participants": []string{asker.Phone}}).fails(t, http.StatusConflict, "conflict")
}

// TestGroupRequestsCLISandbox drives wagw's join-request commands: turn
// approval on, list the requests a join by link made, approve one, reject
// the other; each checked against the API.
func TestGroupRequestsCLISandbox(t *testing.T) {
	base := instantSandbox(t)
	alice := register(t, base, "cli-requests@example.com")
	admin := scanAs(t, alice, "cli-admin", "15550008201")
	asker := scanAs(t, alice, "cli-asker", "15550008202")
	other := scanAs(t, alice, "cli-other", "15550008203")
	cfg := filepath.Join(t.TempDir(), "wagw.json")
	raw, _ := json.Marshal(map[string]string{"url": base, "token": alice.token})
	if err := os.WriteFile(cfg, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	wagw := func(want int, args ...string) string {
		t.Helper()
		out, errOut, code := runCLI(t, cfg, "", args...)
		if code != want {
			t.Fatalf("wagw %s: exit %d, want %d; out %q, err %q", strings.Join(args, " "), code, want, out, errOut)
		}
		return out + errOut
	}
	if help := wagw(0, "groups", "-h"); !strings.Contains(help, "-join-approval") || !strings.Contains(help, "approve|reject") {
		t.Errorf("wagw groups -h does not list --join-approval and approve|reject:\n%s", help)
	}
	var created struct {
		Group struct {
			JID string `json:"jid"`
		} `json:"group"`
	}
	if err := json.Unmarshal([]byte(wagw(0, "--json", "groups", admin.ID, "create", "Members only")), &created); err != nil || created.Group.JID == "" {
		t.Fatalf("wagw groups create: %+v (%v)", created, err)
	}
	gid := created.Group.JID
	if out := wagw(0, "groups", admin.ID, "update", gid, "--join-approval", "true"); !strings.Contains(out, "join-approval") {
		t.Fatalf("wagw groups update --join-approval true: got\n%s", out)
	}
	link := strings.TrimSpace(wagw(0, "groups", admin.ID, "invite", gid))
	if out := wagw(0, "groups", asker.ID, "join", link); !strings.Contains(out, "Asked to join "+gid) {
		t.Fatalf("wagw groups join of a group needing approval: got\n%s", out)
	}
	wagw(0, "groups", other.ID, "join", link)
	out := wagw(0, "groups", admin.ID, "requests", gid)
	if !strings.Contains(out, "REQUESTER") || !strings.Contains(out, asker.Phone+"@s.whatsapp.net") || !strings.Contains(out, other.Phone+"@s.whatsapp.net") {
		t.Fatalf("wagw groups requests: want both requesters; got\n%s", out)
	}
	if out := wagw(0, "groups", admin.ID, "approve", gid, asker.Phone); !strings.Contains(out, asker.Phone+"@s.whatsapp.net\tok") &&
		!strings.Contains(out, asker.Phone+"@s.whatsapp.net  ok") {
		t.Fatalf("wagw groups approve: got\n%s", out)
	}
	wagw(0, "groups", admin.ID, "reject", gid, other.Phone)
	wagw(1, "groups", admin.ID, "reject", gid, other.Phone) // no request left: 404
	wagw(2, "groups", admin.ID, "approve", gid)             // no requester given
	if out := wagw(0, "groups", admin.ID, "requests", gid); !strings.Contains(out, "No pending request") {
		t.Fatalf("wagw groups requests after answering both: got\n%s", out)
	}
	var g struct {
		Group groupView `json:"group"`
	}
	alice.do("GET", "/api/v1/sessions/"+asker.ID+"/groups/"+gid, nil).must(t, http.StatusOK, &g)
	if len(g.Group.Participants) != 2 {
		t.Fatalf("after wagw groups approve the asker sees %+v, want the admin and itself", g.Group.Participants)
	}
	alice.do("GET", "/api/v1/sessions/"+other.ID+"/groups/"+gid, nil).fails(t, http.StatusNotFound, "not_found")
}
