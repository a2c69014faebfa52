package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/jpeg"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// addressBookSize is how many people a sandbox number's address book
// holds: those of its seeded history.
const addressBookSize = 6

type contactView struct {
	JID          string `json:"jid"`
	Phone        string `json:"phone"`
	LID          string `json:"lid"`
	PushName     string `json:"push_name"`
	SavedName    string `json:"saved_name"`
	BusinessName string `json:"business_name"`
	IsBusiness   bool   `json:"is_business"`
	About        string `json:"about"`
	PictureID    string `json:"picture_id"`
	PictureURL   string `json:"picture_url"`
	Blocked      *bool  `json:"blocked"`
}

type lidView struct {
	Phone  string `json:"phone"`
	JID    string `json:"jid"`
	LID    string `json:"lid"`
	Source string `json:"source"`
}

type contactEventView struct {
	Type      string `json:"type"`
	SessionID string `json:"session_id"`
	Data      struct {
		Contact string `json:"contact"`
		Change  string `json:"change"`
		Value   string `json:"value"`
	} `json:"data"`
}

// contactEvents reads the caller's events of types (comma-separated) of
// one session from the start of its event log until want holds of them.
func contactEvents(t *testing.T, c *client, types, sessionID string, want func([]contactEventView) bool) []contactEventView {
	t.Helper()
	return sessionEvents(t, c, types, sessionID, want)
}

func hasContactEvent(evs []contactEventView, typ, contact, change string) bool {
	return slices.ContainsFunc(evs, func(e contactEventView) bool {
		return e.Type == typ && e.Data.Contact == contact && e.Data.Change == change
	})
}

// TestContactsSandbox drives the contact routes end to end on the
// sandbox: a tenant's sandbox sessions know each other (names, LIDs, the
// business test number), one contact's details are live, blocking hides
// the blocker's about text and is logged with its event, the LID map
// answers both ways, another tenant gets 404 everywhere, a read-only key
// reads but cannot block, a session that is not connected gets 409.
func TestContactsSandbox(t *testing.T) {
	testContacts(t, instantSandbox(t))
}

// TestContactsSandboxPostgresRedis is TestContactsSandbox on PostgreSQL,
// with the sandbox network on Redis.
func TestContactsSandboxPostgresRedis(t *testing.T) {
	testContacts(t, instantSandbox(t, sharedStores(t, 11)))
}

func testContacts(t *testing.T, base string) {
	alice, bob := aliceAndBob(t, base, "contacts")
	a1 := scanAs(t, alice, "a1", "15550005001")
	a2 := scanAs(t, alice, "a2", "15550005002")
	shop := scanAs(t, alice, "shop", "15550000200") // a business test number
	b := scanAs(t, bob, "b", "15550006001")
	contacts := func(sid string) string { return "/api/v1/sessions/" + sid + "/contacts" }
	jid := func(phone string) string { return phone + "@s.whatsapp.net" }

	// a1 knows the tenant's other sandbox accounts, from the store, and
	// the six people of its phone's address book (those of its seeded
	// history), with the names a1 saved them under beside their own.
	var list struct {
		Contacts []contactView `json:"contacts"`
		Source   string        `json:"source"`
	}
	alice.do("GET", contacts(a1.ID), nil).must(t, http.StatusOK, &list)
	if list.Source != "store" || len(list.Contacts) != 2+addressBookSize {
		t.Fatalf("a1's contacts: got %+v, want shop and a2 and the address book, from the store", list)
	}
	got := map[string]contactView{}
	saved := 0
	for _, c := range list.Contacts {
		got[c.Phone] = c
		if c.SavedName != "" {
			saved++
			if c.PushName == "" || c.PushName == c.SavedName || c.JID != jid(c.Phone) || !strings.HasSuffix(c.LID, "@lid") {
				t.Errorf("address book entry: got %+v, want a saved name distinct from the push name, phone and LID", c)
			}
		}
	}
	if saved != addressBookSize || got[a2.Phone].SavedName != "" {
		t.Errorf("got %d contacts with a saved name (a2's %q), want the %d of the address book only", saved, got[a2.Phone].SavedName, addressBookSize)
	}
	if c := got[a2.Phone]; c.JID != jid(a2.Phone) || c.PushName != "Sandbox 5002" || !strings.HasSuffix(c.LID, "@lid") || c.IsBusiness {
		t.Errorf("a2 as a1's contact: got %+v", c)
	}
	if c := got[shop.Phone]; !c.IsBusiness || c.BusinessName == "" {
		t.Errorf("the business test number: got %+v, want a business with its name", c)
	}

	// One contact, live: about text, LID, not blocked.
	var one struct {
		Contact contactView `json:"contact"`
		Source  string      `json:"source"`
	}
	alice.do("GET", contacts(a1.ID)+"/"+a2.Phone, nil).must(t, http.StatusOK, &one)
	if one.Source != "live" || one.Contact.About == "" || one.Contact.LID != got[a2.Phone].LID || one.Contact.Blocked == nil || *one.Contact.Blocked {
		t.Fatalf("a2 from a1: got %+v, want live details with the about text, a2's LID, not blocked", one)
	}
	// A number on WhatsApp outside the tenant's sandbox is known by number
	// only; one not on WhatsApp is 404; a group is no contact.
	one.Contact = contactView{}
	alice.do("GET", contacts(a1.ID)+"/15550007777", nil).must(t, http.StatusOK, &one)
	if one.Contact.Phone != "15550007777" || one.Contact.LID == "" || one.Contact.PushName != "" {
		t.Fatalf("an outside number: got %+v, want its number and LID only", one.Contact)
	}
	alice.do("GET", contacts(a1.ID)+"/15550030000", nil).fails(t, http.StatusNotFound, "not_found")
	alice.do("GET", contacts(a1.ID)+"/120363041234567890@g.us", nil).fails(t, http.StatusNotFound, "not_found")

	// The LID map, both ways.
	var m lidView
	alice.do("GET", contacts(a1.ID)+"/phone/"+a2.Phone, nil).must(t, http.StatusOK, &m)
	if m.LID != got[a2.Phone].LID || m.Phone != a2.Phone || m.Source != "store" {
		t.Fatalf("a2's LID: got %+v", m)
	}
	var back lidView
	alice.do("GET", contacts(a1.ID)+"/lid/"+url.PathEscape(m.LID), nil).must(t, http.StatusOK, &back)
	if back.Phone != a2.Phone || back.JID != jid(a2.Phone) || back.Source != "store" {
		t.Fatalf("a2's phone by LID: got %+v", back)
	}
	lidDigits, _, _ := strings.Cut(m.LID, "@")
	alice.do("GET", contacts(a1.ID)+"/lid/"+lidDigits, nil).must(t, http.StatusOK, &back)
	alice.do("GET", contacts(a1.ID)+"/phone/15550007777", nil).must(t, http.StatusOK, &m)
	if m.LID == "" || m.Source != "live" {
		t.Fatalf("an outside number's LID: got %+v, want it asked live", m)
	}
	alice.do("GET", contacts(a1.ID)+"/lid/100000000000001@lid", nil).fails(t, http.StatusNotFound, "not_found")
	alice.do("GET", contacts(a1.ID)+"/phone/15550030000", nil).fails(t, http.StatusNotFound, "not_found")

	// Blocking: the list, the contact's flag, the blocker's about text
	// hidden from the blocked, the event and the operations log.
	var bl struct {
		Blocked []string `json:"blocked"`
		Source  string   `json:"source"`
	}
	alice.do("POST", contacts(a1.ID)+"/"+a2.Phone+"/block", nil).must(t, http.StatusOK, &bl)
	if len(bl.Blocked) != 1 || bl.Blocked[0] != jid(a2.Phone) {
		t.Fatalf("block: got %+v", bl)
	}
	alice.do("GET", contacts(a1.ID)+"/blocked", nil).must(t, http.StatusOK, &bl)
	if len(bl.Blocked) != 1 || bl.Source != "live" {
		t.Fatalf("block list: got %+v", bl)
	}
	alice.do("GET", contacts(a1.ID)+"/"+jid(a2.Phone), nil).must(t, http.StatusOK, &one)
	if one.Contact.Blocked == nil || !*one.Contact.Blocked {
		t.Fatalf("a2 after the block: got %+v, want blocked", one.Contact)
	}
	one.Contact = contactView{}
	alice.do("GET", contacts(a2.ID)+"/"+a1.Phone, nil).must(t, http.StatusOK, &one)
	if one.Contact.About != "" || one.Contact.PushName == "" {
		t.Fatalf("a1 seen by the number it blocked: got %+v, want the name but no about text", one.Contact)
	}
	// A blocked user's message is not delivered: it stays "sent", while a
	// message sent after it by someone else arrives.
	var held, after struct {
		Message messageView `json:"message"`
	}
	var a1LID lidView
	alice.do("GET", contacts(a2.ID)+"/phone/"+a1.Phone, nil).must(t, http.StatusOK, &a1LID)
	alice.do("POST", "/api/v1/messages/send", map[string]any{"session_id": a2.ID, "recipient": a1.Phone, "message": "while blocked"}).
		must(t, http.StatusCreated, &held)
	polltest.Eventually(t, patience, "the held message sent", func() bool {
		var m struct {
			Message struct {
				messageView
				RecipientLID string `json:"recipient_lid"`
			} `json:"message"`
		}
		alice.do("GET", "/api/v1/messages/"+held.Message.ID, nil).must(t, http.StatusOK, &m)
		if m.Message.Status == "sent" && (m.Message.RecipientLID != a1LID.LID || a1LID.LID == "") {
			t.Fatalf("the sent message's recipient_lid: got %q, want a1's LID %q", m.Message.RecipientLID, a1LID.LID)
		}
		return m.Message.Status == "sent"
	})
	alice.do("POST", "/api/v1/messages/send", map[string]any{"session_id": shop.ID, "recipient": a1.Phone, "message": "after the block"}).
		must(t, http.StatusCreated, &after)
	polltest.Eventually(t, patience, "the later message at a1", func() bool {
		for _, m := range inbound(t, alice, a1.ID) {
			if m.Body == "after the block" {
				return true
			}
		}
		return false
	})
	for _, m := range inbound(t, alice, a1.ID) {
		if m.Body == "while blocked" {
			t.Fatalf("a1 received %+v from the number it blocked", m)
		}
	}
	heldNow := getMessage[messageView](t, alice, held.Message.ID)
	if heldNow.Status != "sent" {
		t.Fatalf("the message to the blocker: status %q, want sent", heldNow.Status)
	}
	alice.do("POST", contacts(a1.ID)+"/"+a1.Phone+"/block", nil).fails(t, http.StatusUnprocessableEntity, "whatsapp_refused")
	alice.do("POST", contacts(a1.ID)+"/15550030000/block", nil).fails(t, http.StatusNotFound, "not_found")
	alice.do("POST", contacts(a1.ID)+"/"+a2.Phone+"/unblock", nil).must(t, http.StatusOK, &bl)
	if len(bl.Blocked) != 0 {
		t.Fatalf("unblock: got %+v, want an empty list", bl)
	}
	contactEvents(t, alice, "contact.update", a1.ID, func(evs []contactEventView) bool {
		return hasContactEvent(evs, "contact.update", jid(a2.Phone), "blocked") && hasContactEvent(evs, "contact.update", jid(a2.Phone), "unblocked")
	})
	if got := strings.Join(opResults(operations(t, alice, a1.ID, "")), " "); got != "contact.unblock:succeeded contact.block:failed contact.block:failed contact.block:succeeded" {
		t.Errorf("a1's operations: got %s", got)
	}

	// The Go client reads the same.
	gc := sdk(t, base)
	gc.Token = alice.token
	cs, err := gc.Contacts(t.Context(), a1.ID)
	savedViaClient := 0
	for _, c := range cs {
		if c.SavedName != "" {
			savedViaClient++
		}
	}
	if err != nil || len(cs) != 2+addressBookSize || savedViaClient != addressBookSize {
		t.Fatalf("client Contacts: got %+v (%v)", cs, err)
	}
	if c, err := gc.Contact(t.Context(), a1.ID, a2.Phone, true); err != nil || c.Phone != a2.Phone {
		t.Fatalf("client Contact: got %+v (%v)", c, err)
	}
	if mm, err := gc.LIDByPhone(t.Context(), a1.ID, a2.Phone); err != nil || mm.LID != got[a2.Phone].LID {
		t.Fatalf("client LIDByPhone: got %+v (%v)", mm, err)
	}
	if mm, err := gc.PhoneByLID(t.Context(), a1.ID, got[a2.Phone].LID); err != nil || mm.Phone != a2.Phone {
		t.Fatalf("client PhoneByLID: got %+v (%v)", mm, err)
	}
	if l, err := gc.Block(t.Context(), a1.ID, shop.Phone); err != nil || len(l) != 1 {
		t.Fatalf("client Block: got %v (%v)", l, err)
	}
	if l, err := gc.Blocked(t.Context(), a1.ID); err != nil || len(l) != 1 || l[0] != jid(shop.Phone) {
		t.Fatalf("client Blocked: got %v (%v)", l, err)
	}
	if l, err := gc.Unblock(t.Context(), a1.ID, shop.Phone); err != nil || len(l) != 0 {
		t.Fatalf("client Unblock: got %v (%v)", l, err)
	}

	// wagw contacts, as a user types it.
	cfg := cliConfig(t, base, alice)
	out, errOut, code := runCLI(t, cfg, "", "contacts", a1.ID)
	if code != 0 || !strings.Contains(out, a2.Phone) || !strings.Contains(out, "Sandbox 5002") || !strings.Contains(out, businessOf(list.Contacts)) {
		t.Fatalf("wagw contacts: code %d, out %q, err %q", code, out, errOut)
	}
	out, errOut, code = runCLI(t, cfg, "", "--json", "contacts", a1.ID, "phone", "+"+a2.Phone)
	var viaCLI lidView
	if code != 0 || json.Unmarshal([]byte(out), &viaCLI) != nil || viaCLI.LID != got[a2.Phone].LID {
		t.Fatalf("wagw contacts phone: code %d, out %q, err %q", code, out, errOut)
	}
	if _, errOut, code = runCLI(t, cfg, "", "contacts", a1.ID, "get", "15550030000"); code != 1 || !strings.Contains(errOut, "not on WhatsApp") {
		t.Fatalf("wagw contacts get of a number not on WhatsApp: code %d, err %q", code, errOut)
	}

	testProfile(t, alice, a1, a2, shop)
	testPresence(t, alice, a1, a2)

	// A read-only key reads contacts but cannot block.
	var key struct {
		APIKey struct{ Key string } `json:"api_key"`
	}
	alice.do("POST", "/api/v1/api-keys", map[string]any{"name": "read", "scopes": []string{"read"}}).must(t, http.StatusCreated, &key)
	ro := &client{t: t, base: base, apiKey: key.APIKey.Key}
	ro.do("GET", contacts(a1.ID), nil).must(t, http.StatusOK, nil)
	ro.do("GET", contacts(a1.ID)+"/"+a2.Phone, nil).must(t, http.StatusOK, nil)
	ro.do("POST", contacts(a1.ID)+"/"+a2.Phone+"/block", nil).fails(t, http.StatusForbidden, "forbidden")
	ro.do("GET", "/api/v1/sessions/"+a1.ID+"/profile", nil).must(t, http.StatusOK, nil)
	ro.do("POST", "/api/v1/sessions/"+a1.ID+"/presence", map[string]any{"presence": "available"}).fails(t, http.StatusForbidden, "forbidden")
	ro.do("PUT", "/api/v1/sessions/"+a1.ID+"/profile", map[string]any{"about": "x"}).fails(t, http.StatusForbidden, "forbidden")
	ro.do("PUT", "/api/v1/sessions/"+a1.ID+"/profile/privacy", map[string]any{"status": "all"}).fails(t, http.StatusForbidden, "forbidden")

	// Another tenant: 404 on alice's sessions; its own session knows none
	// of alice's accounts, not even by LID.
	for _, p := range []string{contacts(a1.ID), contacts(a1.ID) + "/" + a2.Phone, contacts(a1.ID) + "/blocked",
		contacts(a1.ID) + "/phone/" + a2.Phone, contacts(a1.ID) + "/lid/" + lidDigits} {
		bob.do("GET", p, nil).fails(t, http.StatusNotFound, "not_found")
	}
	bob.do("POST", contacts(a1.ID)+"/"+a2.Phone+"/block", nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("GET", "/api/v1/sessions/"+a1.ID+"/profile", nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("POST", "/api/v1/sessions/"+a1.ID+"/presence", map[string]any{"presence": "available"}).fails(t, http.StatusNotFound, "not_found")
	bob.do("POST", contacts(a1.ID)+"/"+a2.Phone+"/presence", nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("PUT", "/api/v1/sessions/"+a1.ID+"/profile", map[string]any{"about": "x"}).fails(t, http.StatusNotFound, "not_found")
	bob.do("GET", "/api/v1/sessions/"+a1.ID+"/profile/privacy", nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("DELETE", "/api/v1/sessions/"+a1.ID+"/profile/picture", nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("GET", contacts(b.ID), nil).must(t, http.StatusOK, &list)
	for _, c := range list.Contacts {
		if c.Phone == a1.Phone || c.Phone == a2.Phone || c.Phone == shop.Phone || c.SavedName == "" {
			t.Fatalf("bob's session knows %+v, want only its own address book", list.Contacts)
		}
	}
	if len(list.Contacts) != addressBookSize {
		t.Fatalf("bob's session knows %d contacts, want its address book's %d", len(list.Contacts), addressBookSize)
	}
	bob.do("GET", contacts(b.ID)+"/lid/"+lidDigits, nil).fails(t, http.StatusNotFound, "not_found")

	// A session that is not connected: 409 with its state.
	idle := newSession(t, alice, "idle")
	r := alice.do("GET", contacts(idle.ID), nil).fails(t, http.StatusConflict, "conflict")
	if r.Error.Details["state"] != idle.Status || idle.Status == "" {
		t.Errorf("got details %v, want state %q", r.Error.Details, idle.Status)
	}
	alice.do("POST", contacts(idle.ID)+"/"+a2.Phone+"/block", nil).fails(t, http.StatusConflict, "conflict")
	alice.do("GET", "/api/v1/sessions/"+idle.ID+"/profile", nil).fails(t, http.StatusConflict, "conflict")
	alice.do("POST", "/api/v1/sessions/"+idle.ID+"/presence", map[string]any{"presence": "available"}).fails(t, http.StatusConflict, "conflict")
	alice.do("PUT", "/api/v1/sessions/"+idle.ID+"/profile", map[string]any{"about": "x"}).fails(t, http.StatusConflict, "conflict")
}

// businessOf is the business name among contacts.
func businessOf(cs []contactView) string {
	for _, c := range cs {
		if c.IsBusiness {
			return c.BusinessName
		}
	}
	return "no business"
}

type profileView struct {
	JID        string `json:"jid"`
	Phone      string `json:"phone"`
	PushName   string `json:"push_name"`
	About      string `json:"about"`
	PictureID  string `json:"picture_id"`
	PictureURL string `json:"picture_url"`
	IsBusiness bool   `json:"is_business"`
	Business   *struct {
		Name       string   `json:"name"`
		Categories []string `json:"categories"`
	} `json:"business"`
}

// testProfile: a1 changes its name, about text, picture and privacy; a2
// reads them through its contacts (the picture URL from the gateway's
// cache while unchanged) and is told by contact.update events.
func testProfile(t *testing.T, alice *client, a1, a2, shop sessionView) {
	profile := func(sid string) string { return "/api/v1/sessions/" + sid + "/profile" }
	contact := func(sid, phone string) contactView {
		var one struct {
			Contact contactView `json:"contact"`
		}
		alice.do("GET", "/api/v1/sessions/"+sid+"/contacts/"+phone, nil).must(t, http.StatusOK, &one)
		return one.Contact
	}
	var p struct {
		Profile profileView `json:"profile"`
		Source  string      `json:"source"`
	}
	alice.do("GET", profile(a1.ID), nil).must(t, http.StatusOK, &p)
	if p.Source != "live" || p.Profile.Phone != a1.Phone || p.Profile.PushName != "Sandbox 5001" || p.Profile.IsBusiness || p.Profile.Business != nil {
		t.Fatalf("a1's profile: got %+v", p)
	}
	alice.do("GET", profile(shop.ID), nil).must(t, http.StatusOK, &p)
	if !p.Profile.IsBusiness || p.Profile.Business == nil || p.Profile.Business.Name == "" || len(p.Profile.Business.Categories) == 0 {
		t.Fatalf("the business's profile: got %+v", p.Profile)
	}

	// Name and about text: a2 reads them and is told.
	alice.do("PUT", profile(a1.ID), map[string]any{"push_name": " Alice Desk ", "about": "On duty"}).must(t, http.StatusOK, &p)
	if p.Profile.PushName != "Alice Desk" || p.Profile.About != "On duty" {
		t.Fatalf("updated profile: got %+v", p.Profile)
	}
	if c := contact(a2.ID, a1.Phone); c.PushName != "Alice Desk" || c.About != "On duty" {
		t.Fatalf("a1 seen by a2: got %+v", c)
	}
	me := a1.Phone + "@s.whatsapp.net"
	contactEvents(t, alice, "contact.update", a2.ID, func(evs []contactEventView) bool {
		return hasContactEvent(evs, "contact.update", me, "push_name") && hasContactEvent(evs, "contact.update", me, "about")
	})
	contactEvents(t, alice, "contact.update", a1.ID, func(evs []contactEventView) bool {
		return hasContactEvent(evs, "contact.update", me, "push_name") && hasContactEvent(evs, "contact.update", me, "about")
	})
	alice.do("PUT", profile(a1.ID), map[string]any{"push_name": strings.Repeat("x", 26)}).fails(t, http.StatusUnprocessableEntity, "validation_failed")
	alice.do("PUT", profile(a1.ID), map[string]any{}).fails(t, http.StatusUnprocessableEntity, "validation_failed")

	// The picture: set, read by a2 (then from the cache while unchanged),
	// removed.
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	var pic struct {
		JID       string `json:"jid"`
		PictureID string `json:"picture_id"`
	}
	alice.do("PUT", profile(a1.ID)+"/picture", map[string]any{"image": buf.Bytes()}).must(t, http.StatusOK, &pic)
	if pic.PictureID == "" || pic.JID != me {
		t.Fatalf("set picture: got %+v", pic)
	}
	first := contact(a2.ID, a1.Phone)
	if first.PictureID != pic.PictureID || !strings.HasPrefix(first.PictureURL, "data:image/jpeg;base64,") {
		t.Fatalf("a1's picture seen by a2: got %+v", first)
	}
	// The engine answers no URL for a picture the gateway named as known:
	// this one comes from the cache.
	if again := contact(a2.ID, a1.Phone); again.PictureID != pic.PictureID || again.PictureURL != first.PictureURL {
		t.Fatalf("a1's picture again: got %+v, want the cached URL", again)
	}
	var fresh struct {
		Contact contactView `json:"contact"`
	}
	alice.do("GET", "/api/v1/sessions/"+a2.ID+"/contacts/"+a1.Phone+"?refresh=true", nil).must(t, http.StatusOK, &fresh)
	if fresh.Contact.PictureURL != first.PictureURL {
		t.Fatalf("refreshed picture: got %+v", fresh.Contact)
	}
	contactEvents(t, alice, "contact.update", a2.ID, func(evs []contactEventView) bool {
		for _, e := range evs {
			if e.Data.Contact == me && e.Data.Change == "picture" && e.Data.Value == pic.PictureID {
				return true
			}
		}
		return false
	})
	alice.do("PUT", profile(a1.ID)+"/picture", map[string]any{"image": []byte("not a jpeg")}).fails(t, http.StatusUnprocessableEntity, "validation_failed")
	alice.do("PUT", profile(a1.ID)+"/picture", map[string]any{}).fails(t, http.StatusUnprocessableEntity, "validation_failed")

	// Privacy: the about text and picture hidden from everyone.
	var priv struct {
		Privacy struct {
			Status  string `json:"status"`
			Profile string `json:"profile"`
			Online  string `json:"online"`
		} `json:"privacy"`
		Source string `json:"source"`
	}
	alice.do("PUT", profile(a1.ID)+"/privacy", map[string]any{"status": "none", "profile": "none", "group_add": "none"}).must(t, http.StatusOK, &priv)
	if priv.Privacy.Status != "none" || priv.Privacy.Profile != "none" || priv.Privacy.Online != "all" {
		t.Fatalf("privacy after the change: got %+v", priv)
	}
	if c := contact(a2.ID, a1.Phone); c.About != "" || c.PictureID != "" || c.PictureURL != "" {
		t.Fatalf("a1 seen by a2 with about and picture hidden: got %+v", c)
	}
	// group_add none: a2's add becomes an invite.
	var created struct {
		Participants []participantResult `json:"participants"`
	}
	alice.do("POST", "/api/v1/sessions/"+a2.ID+"/groups", map[string]any{"subject": "Desk", "participants": []string{a1.Phone}}).
		must(t, http.StatusCreated, &created)
	if len(created.Participants) != 1 || created.Participants[0].Status != "invite_sent" {
		t.Fatalf("adding a1 whose privacy refuses adds: got %+v, want invite_sent", created.Participants)
	}
	alice.do("GET", profile(a1.ID)+"/privacy", nil).must(t, http.StatusOK, &priv)
	if priv.Source != "live" || priv.Privacy.Status != "none" {
		t.Fatalf("privacy read: got %+v", priv)
	}
	r := alice.do("PUT", profile(a1.ID)+"/privacy", map[string]any{"online": "none", "status": "all"}).fails(t, http.StatusUnprocessableEntity, "validation_failed")
	if r.Error.Fields["online"] == "" || r.Error.Fields["status"] != "" {
		t.Fatalf("bad privacy value: got fields %v, want online named alone", r.Error.Fields)
	}
	alice.do("PUT", profile(a1.ID)+"/privacy", map[string]any{"status": "all", "profile": "all", "group_add": "all"}).must(t, http.StatusOK, nil)

	alice.do("DELETE", profile(a1.ID)+"/picture", nil).must(t, http.StatusOK, &pic)
	if pic.PictureID != "" {
		t.Fatalf("remove picture: got %+v", pic)
	}
	if c := contact(a2.ID, a1.Phone); c.PictureID != "" || c.PictureURL != "" || c.About != "On duty" {
		t.Fatalf("a1 without a picture seen by a2: got %+v", c)
	}

	// The log keeps the writes, and a picture's size rather than the picture.
	var ops struct {
		Operations []struct {
			Op      string          `json:"op"`
			Result  string          `json:"result"`
			Request json.RawMessage `json:"request"`
		} `json:"operations"`
	}
	alice.do("GET", "/api/v1/sessions/"+a1.ID+"/operations?limit=6", nil).must(t, http.StatusOK, &ops)
	var names []string
	for _, o := range ops.Operations {
		names = append(names, o.Op+":"+o.Result)
		if o.Op == "profile.picture" && o.Result == "succeeded" && !strings.Contains(string(o.Request), `"image_bytes"`) {
			t.Errorf("a picture's request in the log: %s, want its size only", o.Request)
		}
	}
	if got := strings.Join(names, " "); got != "profile.picture:succeeded privacy.update:succeeded privacy.update:succeeded profile.picture:succeeded profile.update:succeeded contact.unblock:succeeded" {
		t.Errorf("a1's latest operations: got %s", got)
	}
}

type presenceEventView struct {
	Type      string `json:"type"`
	SessionID string `json:"session_id"`
	Data      struct {
		Contact  string  `json:"contact"`
		Presence string  `json:"presence"`
		LastSeen *string `json:"last_seen"`
	} `json:"data"`
}

// testPresence: a2 subscribes to a1's presence and gets it at once, then
// each change a1 makes, as presence events; the writes are logged.
func testPresence(t *testing.T, alice *client, a1, a2 sessionView) {
	me := a1.Phone + "@s.whatsapp.net"
	presence := func(want ...string) {
		t.Helper()
		var got []string
		done := replayEventsOf(t, alice, "types=presence&session_id="+a2.ID, func(ev presenceEventView, data []byte) bool {
			if ev.Data.Contact != me || ev.SessionID != a2.ID {
				t.Fatalf("presence event %s, want a1's on a2's stream", data)
			}
			if ev.Data.Presence == "unavailable" && ev.Data.LastSeen == nil {
				t.Fatalf("unavailable without last_seen: %s", data)
			}
			got = append(got, ev.Data.Presence)
			return strings.Join(got, ",") == strings.Join(want, ",")
		})
		if !done {
			t.Fatalf("presence events of a1 on a2: got %v, want %v", got, want)
		}
	}
	var sub struct {
		Contact    string `json:"contact"`
		Subscribed bool   `json:"subscribed"`
	}
	alice.do("POST", "/api/v1/sessions/"+a2.ID+"/contacts/"+a1.Phone+"/presence", nil).must(t, http.StatusOK, &sub)
	if sub.Contact != me || !sub.Subscribed {
		t.Fatalf("subscribe: got %+v", sub)
	}
	presence("unavailable") // the current one, at once
	alice.do("POST", "/api/v1/sessions/"+a1.ID+"/presence", map[string]any{"presence": "available"}).must(t, http.StatusOK, nil)
	presence("unavailable", "available")
	alice.do("POST", "/api/v1/sessions/"+a1.ID+"/presence", map[string]any{"presence": "unavailable"}).must(t, http.StatusOK, nil)
	presence("unavailable", "available", "unavailable")

	alice.do("POST", "/api/v1/sessions/"+a1.ID+"/presence", map[string]any{"presence": "away"}).fails(t, http.StatusUnprocessableEntity, "validation_failed")
	alice.do("POST", "/api/v1/sessions/"+a2.ID+"/contacts/15550030000/presence", nil).fails(t, http.StatusNotFound, "not_found")

	// The Go client does the same.
	gc := sdk(t, alice.base)
	gc.Token = alice.token
	if err := gc.SubscribePresence(t.Context(), a2.ID, a1.Phone); err != nil {
		t.Fatalf("client SubscribePresence: %v", err)
	}
	if err := gc.SetPresence(t.Context(), a1.ID, "available"); err != nil {
		t.Fatalf("client SetPresence: %v", err)
	}
	presence("unavailable", "available", "unavailable", "unavailable", "available")

	if ops := operations(t, alice, a1.ID, "?limit=3"); len(ops) != 3 || ops[0].Op != "presence.set" || ops[2].Op != "presence.set" {
		t.Errorf("a1's latest operations: got %+v, want the presence changes", ops)
	}
	if ops := operations(t, alice, a2.ID, "?limit=1"); len(ops) != 1 || ops[0].Op != "presence.subscribe" {
		t.Errorf("a2's latest operation: got %+v, want the subscription", ops)
	}
}

// TestPresenceUnavailableWhenStopped: as WhatsApp does when an account's
// connection closes, a sandbox account shown available goes unavailable,
// with its last-seen time, when its session stops; subscribers are told.
func TestPresenceUnavailableWhenStopped(t *testing.T) {
	base := instantSandbox(t, noHistory)
	alice := register(t, base, "presence-stop@example.com")
	a1 := scanAs(t, alice, "ps1", "15550006101")
	a2 := scanAs(t, alice, "ps2", "15550006102")
	alice.do("POST", "/api/v1/sessions/"+a2.ID+"/contacts/"+a1.Phone+"/presence", nil).must(t, http.StatusOK, nil)
	alice.do("POST", "/api/v1/sessions/"+a1.ID+"/presence", map[string]any{"presence": "available"}).must(t, http.StatusOK, nil)
	stopSession(t, alice, a1.ID)
	var got []string
	if !replayEventsOf(t, alice, "types=presence&session_id="+a2.ID, func(ev presenceEventView, data []byte) bool {
		if ev.Data.Presence == "unavailable" && ev.Data.LastSeen == nil {
			t.Fatalf("unavailable without last_seen: %s", data)
		}
		got = append(got, ev.Data.Presence)
		return strings.Join(got, ",") == "unavailable,available,unavailable"
	}) {
		t.Fatalf("a1's presence on a2 after a1 stopped: got %v, want unavailable (at subscription), available, unavailable", got)
	}
}
