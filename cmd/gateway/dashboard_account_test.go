package main

import (
	"bytes"
	"image"
	"image/jpeg"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// chatSends is how many messages the account walk sends to the pinned
// chat, so its history (10 seeded messages) is longer than one page (20).
// With friend's message to shop and shop's automatic reply, the walk
// sends accountWalkOutbound messages.
const (
	chatSends           = 11
	accountWalkOutbound = chatSends + 2
)

type (
	browserStep    func(name string, actions ...chromedp.Action[chromedp.Void])
	browserEval    func(name, js string) bool
	browserNum     func(name, js string) int
	browserCapture func(name string) chromedp.Action[chromedp.Void]
)

// walkAccountPages walks the pages of the paired session "shop" of
// sara@example.com, which the browser shows: its chats (the sandbox seeded
// 60 history messages in 6 chats on pairing), one chat's history paged by
// cursor and its actions, its contacts (another of Sara's sandbox
// sessions) with block and unblock and the LID lookup, its groups and one
// group's participants and invite link, another group's requests to join
// approved and rejected; then the same pages in Arabic on a phone. It leaves the browser in English on the session's page at
// desktop size.
func walkAccountPages(t *testing.T, base string, step browserStep, eval browserEval, num browserNum, shot, viewShot browserCapture) {
	t.Helper()
	type (
		css  = chromedp.CSS
		find = chromedp.Search
	)
	sara := login(t, base, "sara@example.com", "a-long-password")
	sessions := sessionsByName(t, sara)
	shop := sessions["shop"]
	if shop.Phone == "" {
		t.Fatalf("no paired session shop among %+v", sessions)
	}
	api := "/api/v1/sessions/" + shop.ID
	waitHistorySync(t, sara, shop.ID, "done", patience)
	var chats chatListView
	sara.do("GET", api+"/chats?limit=100", nil).must(t, http.StatusOK, &chats)
	if len(chats.Chats) < 6 || !chats.Chats[0].Pinned {
		t.Fatalf("shop's chats: %s, want the 6 seeded with the pinned one first", chatJIDsOf(chats.Chats))
	}
	pinned := chats.Chats[0].JID
	for i := range chatSends {
		sendText(t, sara, shop.ID, strings.TrimSuffix(pinned, "@s.whatsapp.net"), "Order update "+strconv.Itoa(i+1))
	}
	// Another of Sara's sandbox numbers, with a picture: a contact of
	// shop's, in a group shop creates, and writing to shop (an unread
	// chat), which answers with its automatic reply.
	friend := scanAs(t, sara, "friend", "15550004444")
	sendText(t, sara, friend.ID, shop.Phone, "Is the shop open today?")
	polltest.Eventually(t, patience, "shop's automatic reply reaches friend", func() bool {
		for _, m := range inbound(t, sara, friend.ID) {
			if m.Body == "We reply within the hour." {
				return true
			}
		}
		return false
	})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 64, 64)), nil); err != nil {
		t.Fatal(err)
	}
	sara.do("PUT", "/api/v1/sessions/"+friend.ID+"/profile/picture", map[string]any{"image": buf.Bytes()}).must(t, http.StatusOK, nil)
	var group struct {
		Group struct {
			JID string `json:"jid"`
		} `json:"group"`
	}
	sara.do("POST", api+"/groups", map[string]any{"subject": "Night shift", "participants": []string{friend.Phone}}).must(t, http.StatusCreated, &group)

	// Chats: names, last message, unread count, pinned, archived, muted.
	step("chats page",
		chromedp.Click(css(`nav.tabs a[data-tab="chats"]`)),
		chromedp.WaitVisible(css(`#chats tbody tr[data-chat]`)),
		shot("11-chats"))
	if !eval("chat flags", `(() => { const rows = [...document.querySelectorAll("#chats tbody tr")];
		return rows.length >= 6 && !!rows[0].querySelector(".flag.pinned") && rows.some(r => r.querySelector(".flag.archived")) &&
			rows.some(r => r.querySelector(".flag.muted")) && rows.some(r => r.querySelector(".unread")) &&
			rows.every(r => r.querySelector("td.text .clip").textContent !== ""); })()`) {
		t.Error("the chats page lacks the pinned, archived, muted or unread marks, or a last message")
	}
	// A chat's history: a page, then older messages by cursor.
	sel := `#chats tr[data-chat="` + pinned + `"] a`
	step("open a chat",
		chromedp.Click(css(sel)),
		chromedp.WaitVisible(css(`#history li.msg`)),
		chromedp.WaitVisible(css(`#older`)),
		shot("12-chat"))
	count := func(q string) int { return num("count "+q, `document.querySelectorAll(`+strconv.Quote(q)+`).length`) }
	if got := count("#history li.msg"); got != 20 {
		t.Fatalf("the chat's first page shows %d messages, want 20", got)
	}
	step("older messages",
		chromedp.Click(css(`#older`)),
		chromedp.WaitNotVisible(css(`#older`)))
	if got, hist := count("#history li.msg"), count("#history li.msg[data-history]"); got != 10+chatSends || hist != 10 {
		t.Fatalf("the whole chat shows %d messages (%d from history), want %d (10)", got, hist, 10+chatSends)
	}
	if !eval("oldest first", `document.querySelector("#history li.msg:last-child .body").textContent === "Order update `+strconv.Itoa(chatSends)+`" &&
		!!document.querySelector("#history li.msg.out") && !!document.querySelector("#history li.msg.in")`) {
		t.Error("the chat's history is not oldest first with the newest sent message last")
	}
	// Actions: each changes the chat (read back from the API).
	chatState := func() chatView {
		var out struct {
			Chat chatView `json:"chat"`
		}
		sara.do("GET", api+"/chats/"+url.PathEscape(pinned), nil).must(t, http.StatusOK, &out)
		return out.Chat
	}
	step("unpin, mute, archive",
		chromedp.Click(css(`#chat-actions button[data-action="unpin"]`)),
		chromedp.WaitVisible(css(`#chat-actions button[data-action="pin"]`)),
		chromedp.Click(css(`#chat-actions button[data-action="mute"]`)),
		chromedp.WaitVisible(css(`#chat-actions button[data-action="unmute"]`)),
		chromedp.WaitVisible(css(`#chat-flags .flag.muted`)),
		chromedp.Click(css(`#chat-actions button[data-action="archive"]`)),
		chromedp.WaitVisible(css(`#chat-actions button[data-action="unarchive"]`)),
		shot("13-chat-actions"))
	if c := chatState(); c.Pinned || !c.Muted || c.MutedUntil == nil || !c.MutedUntil.After(time.Now().Add(7*time.Hour)) || !c.Archived {
		t.Fatalf("after unpin, mute for 8 hours and archive the chat is %+v", c)
	}
	step("unarchive, pin, unmute",
		chromedp.Click(css(`#chat-actions button[data-action="unarchive"]`)),
		chromedp.WaitVisible(css(`#chat-actions button[data-action="archive"]`)),
		chromedp.Click(css(`#chat-actions button[data-action="pin"]`)),
		chromedp.WaitVisible(css(`#chat-actions button[data-action="unpin"]`)),
		chromedp.Click(css(`#chat-actions button[data-action="unmute"]`)),
		chromedp.WaitVisible(css(`#chat-actions button[data-action="mute"]`)))
	if c := chatState(); !c.Pinned || c.Muted || c.Archived {
		t.Fatalf("after unarchive, pin and unmute the chat is %+v", c)
	}

	// Contacts: the friend with phone and LID, its picture, block and
	// unblock; the LID lookup.
	friendJID := friend.Phone + "@s.whatsapp.net"
	step("contacts page",
		chromedp.Click(css(`nav.tabs a[data-tab="contacts"]`)),
		chromedp.WaitVisible(css(`#contacts tr[data-contact="`+friendJID+`"]`)),
		shot("14-contacts"))
	if !eval("phone and LID", `(() => { const r = document.querySelector('#contacts tr[data-contact="`+friendJID+`"]');
		return r.querySelector("td.phone bdi").textContent === "+`+friend.Phone+`" && r.querySelector("td.lid bdi").textContent.endsWith("@lid"); })()`) {
		t.Error("the contacts page does not show the friend's phone and LID")
	}
	// The address book's people: the saved name, the push name under it.
	if !eval("saved names", `[...document.querySelectorAll("#contacts tbody tr")].filter(r => { const sub = r.querySelector("td .muted.small");
		return !!sub && sub.textContent.startsWith("~") && r.querySelector("td a").textContent.includes(" "); }).length === 6`) {
		t.Error("the contacts page does not show the address book's six saved names with their push names")
	}
	step("LID lookup",
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#ct-lookup").value = document.querySelector('#contacts tr[data-contact="`+friendJID+`"] td.lid bdi').textContent`),
		chromedp.Click(css(`#lid-lookup button[type="submit"]`)),
		chromedp.WaitVisible(find(`//p[@id="lid-found"]/bdi[.="+`+friend.Phone+`"]`)))
	step("contact details",
		chromedp.Click(css(`#contacts tr[data-contact="`+friendJID+`"] a`)),
		chromedp.WaitVisible(css(`img#contact-picture[src^="data:image/jpeg"]`)),
		chromedp.WaitVisible(css(`button[data-action="block"]`)),
		shot("15-contact"))
	blocked := func() string {
		return string(sara.do("GET", api+"/contacts/blocked", nil).must(t, http.StatusOK, nil).Raw)
	}
	step("block",
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(css(`button[data-action="block"]`)),
		chromedp.WaitVisible(css(`button[data-action="unblock"]`)))
	if !strings.Contains(blocked(), friendJID) {
		t.Fatalf("blocked in the dashboard, the block list is %s", blocked())
	}
	step("unblock", chromedp.Click(css(`button[data-action="unblock"]`)), chromedp.WaitVisible(css(`button[data-action="block"]`)))
	if strings.Contains(blocked(), friendJID) {
		t.Fatalf("unblocked in the dashboard, the block list is %s", blocked())
	}

	// Groups: the list, one group's participants with admin flags, its
	// invite link.
	step("groups page",
		chromedp.Click(css(`nav.tabs a[data-tab="groups"]`)),
		chromedp.WaitVisible(css(`#groups tr[data-group="`+group.Group.JID+`"]`)),
		chromedp.Click(css(`#groups tr[data-group="`+group.Group.JID+`"] a`)),
		chromedp.WaitVisible(css(`#participants tbody tr`)),
		chromedp.WaitVisible(css(`#invite-link code`)),
		shot("16-group"))
	if !eval("participants", `(() => { const rows = [...document.querySelectorAll("#participants tbody tr")];
		const me = rows.find(r => r.dataset.participant === "`+shop.Phone+`@s.whatsapp.net"), other = rows.find(r => r.dataset.participant === "`+friendJID+`");
		return rows.length === 2 && !!me && !!me.querySelector(".flag.creator") && !!other && !other.querySelector(".flag") &&
			document.querySelector("#invite-link code").textContent.startsWith("https://chat.whatsapp.com/"); })()`) {
		t.Error("the group page does not show its two participants with the creator marked, or its invite link")
	}

	// Requests to join: a second group of shop's needs approval; friend's
	// join by link is a request shop's page lists with Approve and Reject.
	var club struct {
		Group struct {
			JID string `json:"jid"`
		} `json:"group"`
	}
	sara.do("POST", api+"/groups", map[string]any{"subject": "Members only", "participants": []string{}}).must(t, http.StatusCreated, &club)
	clubAPI := api + "/groups/" + club.Group.JID
	sara.do("PATCH", clubAPI, map[string]any{"join_approval": true}).must(t, http.StatusOK, nil)
	var link struct {
		InviteLink string `json:"invite_link"`
	}
	sara.do("GET", clubAPI+"/invite-link", nil).must(t, http.StatusOK, &link)
	askToJoin := func() {
		var joined struct {
			Pending bool `json:"pending"`
		}
		sara.do("POST", "/api/v1/sessions/"+friend.ID+"/groups/join", map[string]any{"invite_link": link.InviteLink}).must(t, http.StatusOK, &joined)
		if !joined.Pending {
			t.Fatal("friend's join of a group needing approval is not pending")
		}
	}
	pendingOf := func() int {
		var out struct {
			Requests []struct{} `json:"requests"`
		}
		sara.do("GET", clubAPI+"/requests", nil).must(t, http.StatusOK, &out)
		return len(out.Requests)
	}
	isMember := func() bool {
		var out struct {
			Group struct {
				Participants []struct {
					JID string `json:"jid"`
				} `json:"participants"`
			} `json:"group"`
		}
		sara.do("GET", clubAPI, nil).must(t, http.StatusOK, &out)
		for _, p := range out.Group.Participants {
			if p.JID == friendJID {
				return true
			}
		}
		return false
	}
	openClub := []chromedp.Action[chromedp.Void]{
		chromedp.Click(css(`nav.tabs a[data-tab="groups"]`)),
		chromedp.WaitVisible(css(`#groups tr[data-group="` + club.Group.JID + `"]`)),
		chromedp.Click(css(`#groups tr[data-group="` + club.Group.JID + `"] a`)),
		chromedp.WaitVisible(css(`#join-requests tr[data-request="` + friendJID + `"]`)),
	}
	askToJoin()
	step("join requests", append(openClub, shot("16b-join-requests"))...)
	if !eval("request row", `(() => { const r = document.querySelector('#join-requests tr[data-request="`+friendJID+`"]');
		return r.querySelector("td bdi").textContent === "+`+friend.Phone+`" && !!r.querySelector('button[data-action="approve"]') && !!r.querySelector('button[data-action="reject"]'); })()`) {
		t.Error("the join request does not show the requester's phone with Approve and Reject")
	}
	step("approve",
		chromedp.Click(css(`#join-requests tr[data-request="`+friendJID+`"] button[data-action="approve"]`)),
		chromedp.WaitVisible(css(`#participants tr[data-participant="`+friendJID+`"]`)),
		chromedp.WaitNotPresent(css(`#join-requests`)))
	if !isMember() || pendingOf() != 0 {
		t.Fatal("approved in the dashboard, friend is not a member or the request is still pending")
	}
	sara.do("POST", "/api/v1/sessions/"+friend.ID+"/groups/"+club.Group.JID+"/leave", nil).must(t, http.StatusOK, nil)
	askToJoin()
	step("reject", append(openClub,
		chromedp.Click(css(`#join-requests tr[data-request="`+friendJID+`"] button[data-action="reject"]`)), // confirm() answers yes (see block)
		chromedp.WaitNotPresent(css(`#join-requests`)))...)
	if isMember() || pendingOf() != 0 {
		t.Fatal("rejected in the dashboard, friend is a member or the request is still pending")
	}
	// A request left pending for the Arabic page below.
	askToJoin()
	step("pending again", openClub...)

	// The same pages in Arabic on a phone: right to left, nothing
	// scrolling sideways, numbers and JIDs isolated.
	noSideways := `document.documentElement.scrollWidth <= document.documentElement.clientWidth && [...document.querySelectorAll(".table-wrap")].every(w => w.scrollWidth <= w.clientWidth)`
	step("group in Arabic on a phone",
		chromedp.EmulateViewport(390, 844),
		chromedp.Click(css(`#lang`)),
		chromedp.WaitVisible(find(`//h2[@id="h-members"][starts-with(., "المشاركون")]`)),
		viewShot("17-group-ar-phone"))
	if !eval("group on a phone", noSideways+` && document.documentElement.dir === "rtl" && !!document.querySelector("#participants bdi[dir=auto]")`) {
		t.Error("the group page in Arabic on a phone scrolls sideways or does not isolate the numbers")
	}
	if !eval("requests in Arabic", `document.querySelector("#h-requests").textContent.startsWith("طلبات الانضمام") &&
		document.querySelector('#join-requests button[data-action="approve"]').textContent === "قبول"`) {
		t.Error("the join requests are not in Arabic")
	}
	step("chats in Arabic on a phone",
		chromedp.Click(css(`nav.tabs a[data-tab="chats"]`)),
		chromedp.WaitVisible(find(`//h2[@id="h-chats"][.="المحادثات"]`)),
		chromedp.WaitVisible(css(`#chats .flag.pinned`)),
		viewShot("18-chats-ar-phone"))
	if !eval("chats on a phone", noSideways) {
		t.Error("the chats page in Arabic scrolls sideways on a phone")
	}
	step("chat in Arabic on a phone",
		chromedp.Click(css(sel)),
		chromedp.WaitVisible(css(`#history li.msg`)),
		chromedp.WaitVisible(find(`//button[@data-action="unpin"][.="إلغاء التثبيت"]`)),
		viewShot("19-chat-ar-phone"))
	// Sent messages sit on the end of the line, the left in Arabic.
	if !eval("chat on a phone", noSideways+` && (() => { const o = document.querySelector("#history li.msg.out").getBoundingClientRect(), i = document.querySelector("#history li.msg.in").getBoundingClientRect(); return o.left < i.left; })()`) {
		t.Error("the chat in Arabic on a phone scrolls sideways, or sent messages are not on the left")
	}
	step("contacts in Arabic on a phone",
		chromedp.Click(css(`nav.tabs a[data-tab="contacts"]`)),
		chromedp.WaitVisible(css(`#contacts tr[data-contact="`+friendJID+`"]`)),
		viewShot("20-contacts-ar-phone"))
	if !eval("contacts on a phone", noSideways) {
		t.Error("the contacts page in Arabic scrolls sideways on a phone")
	}
	step("back to English on the desktop",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Click(css(`#lang`)),
		chromedp.Click(css(`nav.tabs a[data-tab="session"]`)),
		chromedp.WaitVisible(css(`#session-actions button[data-action="stop"]`)))
}
