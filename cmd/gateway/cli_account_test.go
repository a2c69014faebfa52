package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAccountCLISandbox drives wagw's account commands as a user types
// them against a live gateway with sandbox sessions: chats (list, filter,
// actions), a chat's history page by page, groups (create, list, get,
// invite link, participants), profile (get, set), presence; and checks
// each against the API.
func TestAccountCLISandbox(t *testing.T) {
	base := instantSandbox(t)
	alice := register(t, base, "cli-account@example.com")
	a1 := scanAs(t, alice, "cli-a1", "15550008101")
	a2 := scanAs(t, alice, "cli-a2", "15550008102")
	waitHistorySync(t, alice, a1.ID, "done", patience)
	cfg := cliConfig(t, base, alice)
	wagw := cliExpecting(t, cfg)

	// Chats: the seeded history's six, the pinned first; the archived one
	// alone with --archived true.
	out := wagw(0, "chats", a1.ID)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 8 || !strings.Contains(lines[1], "pinned") || !strings.Contains(out, "(page 1 of 1, 6 chats)") {
		t.Fatalf("wagw chats: want a header, 6 chats with the pinned first, and the page line; got\n%s", out)
	}
	pinned := strings.Fields(lines[1])[0]
	var archived struct {
		Chats []chatView `json:"chats"`
	}
	if err := json.Unmarshal([]byte(wagw(0, "--json", "chats", a1.ID, "--archived", "true")), &archived); err != nil || len(archived.Chats) != 1 || !archived.Chats[0].Archived {
		t.Fatalf("wagw chats --archived true: got %+v (%v), want the one archived chat", archived.Chats, err)
	}
	// Actions, checked through the API.
	wagw(0, "chats", a1.ID, "mute", pinned, "--until", "8h")
	wagw(0, "chats", a1.ID, "unpin", pinned)
	var chat struct {
		Chat chatView `json:"chat"`
	}
	alice.do("GET", "/api/v1/sessions/"+a1.ID+"/chats/"+pinned, nil).must(t, http.StatusOK, &chat)
	if c := chat.Chat; !c.Muted || c.MutedUntil == nil || c.MutedUntil.Before(time.Now().Add(7*time.Hour)) || c.Pinned {
		t.Fatalf("after wagw chats mute --until 8h and unpin: %+v", c)
	}
	wagw(2, "chats", a1.ID, "pin", pinned, "--until", "8h") // --until goes with mute only
	wagw(2, "chats", a1.ID, "frobnicate", pinned)
	wagw(1, "chats", a1.ID, "get", "15550000000") // no such chat

	// A chat's history: one page says how to get the next; --all reads
	// them all (the chat's 10 seeded messages, marked history).
	out = wagw(0, "chat", a1.ID, pinned, "--limit", "3")
	if strings.Count(out, " yes\n") != 3 || !strings.Contains(out, "(older messages: wagw chat "+a1.ID+" "+pinned+" --before ") {
		t.Fatalf("wagw chat --limit 3: want 3 history messages and the next page's command; got\n%s", out)
	}
	var all struct {
		Messages []struct {
			History bool   `json:"history"`
			ID      string `json:"id"`
		} `json:"messages"`
		NextCursor string `json:"next_cursor"`
	}
	if err := json.Unmarshal([]byte(wagw(0, "--json", "chat", a1.ID, pinned, "--limit", "3", "--all")), &all); err != nil || len(all.Messages) != 10 || all.NextCursor != "" {
		t.Fatalf("wagw chat --all: got %d messages, cursor %q (%v), want 10 and none", len(all.Messages), all.NextCursor, err)
	}
	seen := map[string]bool{}
	for _, m := range all.Messages {
		if !m.History || seen[m.ID] {
			t.Fatalf("wagw chat --all: message %s is repeated or not marked history", m.ID)
		}
		seen[m.ID] = true
	}
	wagw(2, "chat", a1.ID)

	// Groups: create with a participant, list, get, the invite link.
	out = wagw(0, "groups", a1.ID, "create", "Night shift", a2.Phone)
	if !strings.Contains(out, "@g.us") || !strings.Contains(out, a2.Phone+"@s.whatsapp.net") || !strings.Contains(out, " ok") {
		t.Fatalf("wagw groups create: got\n%s", out)
	}
	var groups struct {
		Groups []struct {
			JID     string `json:"jid"`
			Subject string `json:"subject"`
		} `json:"groups"`
	}
	if err := json.Unmarshal([]byte(wagw(0, "--json", "groups", a1.ID)), &groups); err != nil || len(groups.Groups) != 1 || groups.Groups[0].Subject != "Night shift" {
		t.Fatalf("wagw groups: got %+v (%v)", groups.Groups, err)
	}
	gid := groups.Groups[0].JID
	out = wagw(0, "groups", a1.ID, "get", gid)
	if !strings.Contains(out, "creator") || !strings.Contains(out, "member") || !strings.Contains(out, "Invite link") {
		t.Fatalf("wagw groups get: want the creator, a member and the invite link; got\n%s", out)
	}
	link := strings.TrimSpace(wagw(0, "groups", a1.ID, "invite", gid))
	if !strings.HasPrefix(link, "https://chat.whatsapp.com/") {
		t.Fatalf("wagw groups invite: got %q", link)
	}
	if again := strings.TrimSpace(wagw(0, "groups", a1.ID, "invite", gid, "--reset")); again == link || !strings.HasPrefix(again, "https://chat.whatsapp.com/") {
		t.Fatalf("wagw groups invite --reset: got %q after %q", again, link)
	}
	out = wagw(0, "groups", a1.ID, "promote", gid, a2.Phone)
	var g struct {
		Group struct {
			Participants []struct {
				Phone   string `json:"phone"`
				IsAdmin bool   `json:"is_admin"`
			} `json:"participants"`
		} `json:"group"`
	}
	alice.do("GET", "/api/v1/sessions/"+a1.ID+"/groups/"+gid, nil).must(t, http.StatusOK, &g)
	for _, p := range g.Group.Participants {
		if p.Phone == a2.Phone && !p.IsAdmin {
			t.Fatalf("after wagw groups promote (%q) a2 is not an admin", out)
		}
	}
	wagw(0, "groups", a1.ID, "update", gid, "--subject", "Day shift", "--announce", "true")
	wagw(2, "groups", a1.ID, "update", gid, "--locked", "maybe")
	if out = wagw(0, "groups", a1.ID, "get", gid); !strings.Contains(out, "Day shift") || !strings.Contains(out, "announce") {
		t.Fatalf("wagw groups update: got\n%s", out)
	}

	// Profile: set the push name and about text, read them back.
	wagw(0, "profile", a1.ID, "set", "--name", "Corner Shop", "--about", "Open 9 to 5")
	var prof struct {
		Profile struct {
			PushName string `json:"push_name"`
			About    string `json:"about"`
		} `json:"profile"`
	}
	if err := json.Unmarshal([]byte(wagw(0, "--json", "profile", a1.ID)), &prof); err != nil || prof.Profile.PushName != "Corner Shop" || prof.Profile.About != "Open 9 to 5" {
		t.Fatalf("wagw profile after set: got %+v (%v)", prof.Profile, err)
	}
	wagw(2, "profile", a1.ID, "set")
	if out := wagw(1, "profile", a1.ID, "set", "--name", strings.Repeat("x", 26)); !strings.Contains(out, "push_name") {
		t.Fatalf("wagw profile set with a 26-character name: got %q, want the field's error", out)
	}
	if out = wagw(0, "profile", a1.ID, "privacy"); !strings.Contains(out, "Last seen") {
		t.Fatalf("wagw profile privacy: got\n%s", out)
	}

	// Presence: set and subscribe, both in the operations log.
	wagw(0, "presence", a1.ID, "available")
	wagw(0, "presence", a1.ID, "subscribe", a2.Phone)
	wagw(2, "presence", a1.ID, "away")
	ops := string(alice.do("GET", "/api/v1/sessions/"+a1.ID+"/operations?limit=100", nil).must(t, http.StatusOK, nil).Raw)
	for _, op := range []string{"presence.set", "presence.subscribe", "profile.update", "group.create", "group.participants", "group.invite.reset", "chat.action"} {
		if !strings.Contains(ops, `"op":"`+op+`"`) {
			t.Errorf("the operations log lacks %s after the wagw commands: %s", op, ops)
		}
	}
}
