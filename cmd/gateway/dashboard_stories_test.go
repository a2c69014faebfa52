package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// walkStoriesPages shows a picture of shop's history in its chat, then
// walks the Status and Channels tabs of the paired session
// "shop" of sara@example.com, with "friend" (another of her sandbox
// sessions, which walkAccountPages paired) on the other side: shop posts a
// styled text status from the form and sees it listed with its status,
// friend's status shows as received; shop follows friend's channel by its
// invite link and reads its post, creates a channel of its own and posts to
// it from the form, and unfollows friend's; then the same pages in Arabic
// on a phone. Each step is read back from the API. It starts anywhere and
// leaves the browser in English at desktop size on shop's session page.
func walkStoriesPages(t *testing.T, base string, step browserStep, eval browserEval, viewShot browserCapture) {
	t.Helper()
	type (
		css  = chromedp.CSS
		find = chromedp.Search
	)
	sara := login(t, base, "sara@example.com", "a-long-password")
	sessions := sessionsByName(t, sara)
	shop, friend := sessions["shop"], sessions["friend"]
	if shop.Phone == "" || friend.Phone == "" {
		t.Fatalf("want the paired sessions shop and friend among %+v", sessions)
	}
	// A chat's history shows its media: the picture history sync
	// referenced, downloaded by the gateway on the dashboard's first
	// request, inline as a data: URL, with a download button.
	photo, photoChat, _ := firstHistoryImage(t, sara, shop.ID, 20)
	if photo == "" {
		t.Fatal("shop's seeded history has no picture")
	}
	step("a history picture in the chat",
		chromedp.Navigate(base+"/app/#/sessions/"+shop.ID+"/chats/"+photoChat),
		chromedp.WaitVisible(css(`#history li.msg[data-message="`+photo+`"] img.media-preview[src^="data:image/png;base64,"]`)),
		chromedp.WaitVisible(css(`#history li.msg[data-message="`+photo+`"] button[data-action="download"]`)),
		viewShot("39-chat-media"))
	if !eval("picture drawn", `(() => { const i = document.querySelector('#history li.msg[data-message="`+photo+`"] img.media-preview'); return i.complete && i.naturalWidth > 0; })()`) {
		t.Error("the history picture's data: URL does not draw")
	}
	if !eval("text messages have no media box", `[...document.querySelectorAll("#history li.msg")].filter(li => li.querySelector(".media")).length === [...document.querySelectorAll("#history li.msg .kind")].length`) {
		t.Error("a media box is drawn for a message without media, or a media message lacks one")
	}
	step("status page",
		chromedp.Click(css(`a[href="#/sessions"]`)),
		chromedp.WaitVisible(find(`//tr[@data-session]//a[.="shop"]`)),
		chromedp.Click(find(`//tr[@data-session]//a[.="shop"]`)),
		chromedp.WaitVisible(css(`nav.tabs a[data-tab="status"]`)),
		chromedp.Click(css(`nav.tabs a[data-tab="status"]`)),
		chromedp.WaitVisible(css(`#st-form`)))
	// A styled text status, posted from the form, listed as shop's own.
	step("post a status",
		chromedp.SendKeys(css(`#st-text`), "Open late on Fridays"),
		chromedp.SetValue(css(`#st-font`), "system_bold"),
		chromedp.Click(css(`#st-form button[type="submit"]`)),
		chromedp.WaitVisible(find(`//table[@id="status-posts"]//tr[@data-direction="outbound"][contains(., "Open late on Fridays")]`)))
	var posted struct {
		Messages []postView `json:"messages"`
	}
	sara.do("GET", "/api/v1/messages?session_id="+shop.ID+"&recipient=status@broadcast&direction=outbound", nil).must(t, http.StatusOK, &posted)
	if len(posted.Messages) != 1 || posted.Messages[0].Body != "Open late on Fridays" {
		t.Fatalf("shop's status posts: %+v, want the one posted from the dashboard", posted.Messages)
	}
	mine := getPost(t, sara, posted.Messages[0].ID)
	if st := mine.Payload.StatusStyle; st == nil || st.Font != "system_bold" || st.BackgroundColor != "#128C7E" && st.BackgroundColor != "#128c7e" {
		t.Fatalf("the dashboard's status carries style %+v, want the chosen font and the default background", st)
	}
	// Friend's status reaches shop, and shows as received with friend's
	// number.
	fs := sendWith(t, sara, map[string]any{"session_id": friend.ID, "recipient": "status", "message": "Fresh bread at 7"})
	receivedPost(t, sara, shop.ID, fs.WAMessageID)
	step("a contact's status",
		chromedp.Reload(),
		chromedp.WaitVisible(find(`//table[@id="status-posts"]//tr[@data-direction="inbound"][contains(., "Fresh bread at 7")]//bdi[.="+`+friend.Phone+`"]`)),
		viewShot("40-status"))
	if !eval("own status badge", `!!document.querySelector('#status-posts tr[data-direction="outbound"] .badge')`) {
		t.Error("shop's own status shows no delivery status")
	}

	// Channels: friend's, followed by its invite link; its post read.
	var created struct {
		Channel channelView `json:"channel"`
	}
	sara.do("POST", "/api/v1/sessions/"+friend.ID+"/channels", map[string]any{"name": "Night market", "description": "Stalls and hours"}).
		must(t, http.StatusCreated, &created)
	theirs := created.Channel
	fp := sendWith(t, sara, map[string]any{"session_id": friend.ID, "recipient": theirs.JID, "message": "Stalls open at 9"})
	polltest.Eventually(t, patience, "friend's channel post sent", func() bool { return getPost(t, sara, fp.ID).Status == "sent" })
	step("channels page, none followed",
		chromedp.Click(css(`nav.tabs a[data-tab="channels"]`)),
		chromedp.WaitVisible(css(`#ch-follow`)),
		chromedp.WaitNotPresent(css(`#channels`)))
	step("follow by invite link",
		chromedp.SendKeys(css(`#ch-follow-id`), theirs.InviteLink),
		chromedp.Click(css(`#ch-follow button[type="submit"]`)),
		chromedp.WaitVisible(css(`#channel-actions button[data-action="unfollow"]`)),
		chromedp.WaitVisible(find(`//ol[@id="channel-posts"]//div[@class="body"][.="Stalls open at 9"]`)),
		viewShot("41-channel-followed"))
	var followed struct {
		Channels []channelView `json:"channels"`
	}
	sara.do("GET", "/api/v1/sessions/"+shop.ID+"/channels", nil).must(t, http.StatusOK, &followed)
	if len(followed.Channels) != 1 || followed.Channels[0].JID != theirs.JID || followed.Channels[0].Role != "subscriber" {
		t.Fatalf("after following in the dashboard shop follows %+v", followed.Channels)
	}
	if !eval("no post form for a follower", `!document.querySelector("#ch-post-form")`) {
		t.Error("a follower is offered to post to the channel")
	}
	// Shop's own channel, created and posted to from the dashboard.
	step("create a channel",
		chromedp.Click(css(`nav.tabs a[data-tab="channels"]`)),
		chromedp.WaitVisible(css(`#channels tr[data-channel="`+theirs.JID+`"]`)),
		chromedp.SendKeys(css(`#ch-name`), "Shop news"),
		chromedp.SendKeys(css(`#ch-description`), "Offers of the week"),
		chromedp.Click(css(`#ch-create button[type="submit"]`)),
		chromedp.WaitVisible(find(`//h2[@id="h-channel"][.="Shop news"]`)),
		chromedp.WaitVisible(css(`#channel-role .flag.role-owner`)),
		chromedp.WaitVisible(css(`#ch-post-form`)))
	step("post to the channel",
		chromedp.SendKeys(css(`#ch-post-text`), "Half price on Monday"),
		chromedp.Click(css(`#ch-post-form button[type="submit"]`)),
		chromedp.WaitVisible(find(`//ol[@id="channel-posts"]//div[@class="body"][.="Half price on Monday"]`)),
		viewShot("42-channel-owned"))
	var own struct {
		Channels []channelView `json:"channels"`
	}
	sara.do("GET", "/api/v1/sessions/"+shop.ID+"/channels", nil).must(t, http.StatusOK, &own)
	var ownJID string
	for _, c := range own.Channels {
		if c.Name == "Shop news" && c.Role == "owner" && c.Description == "Offers of the week" {
			ownJID = c.JID
		}
	}
	if ownJID == "" {
		t.Fatalf("shop's channels %+v lack the one created in the dashboard", own.Channels)
	}
	var posts struct {
		Messages []struct {
			Text string `json:"message"`
		} `json:"messages"`
	}
	sara.do("GET", "/api/v1/sessions/"+shop.ID+"/channels/"+url.PathEscape(ownJID)+"/messages", nil).must(t, http.StatusOK, &posts)
	if len(posts.Messages) != 1 || posts.Messages[0].Text != "Half price on Monday" {
		t.Fatalf("shop's channel holds %+v, want the post made in the dashboard", posts.Messages)
	}
	// Unfollowing friend's channel from its page.
	step("unfollow",
		chromedp.Click(css(`nav.tabs a[data-tab="channels"]`)),
		chromedp.WaitVisible(css(`#channels tr[data-channel="`+theirs.JID+`"] a`)),
		chromedp.Click(css(`#channels tr[data-channel="`+theirs.JID+`"] a`)),
		chromedp.WaitVisible(css(`#channel-actions button[data-action="unfollow"]`)),
		chromedp.Click(css(`#channel-actions button[data-action="unfollow"]`)),
		chromedp.WaitVisible(css(`#channel-actions button[data-action="follow"]`)))
	sara.do("GET", "/api/v1/sessions/"+shop.ID+"/channels", nil).must(t, http.StatusOK, &followed)
	for _, c := range followed.Channels {
		if c.JID == theirs.JID {
			t.Fatalf("after unfollowing in the dashboard shop still follows %+v", c)
		}
	}

	// In Arabic on a phone: right to left, nothing scrolling sideways.
	noSideways := `document.documentElement.scrollWidth <= document.documentElement.clientWidth && [...document.querySelectorAll(".table-wrap")].every(w => w.scrollWidth <= w.clientWidth)`
	step("channels in Arabic on a phone",
		chromedp.EmulateViewport(390, 844),
		chromedp.Click(css(`#lang`)),
		chromedp.Click(css(`nav.tabs a[data-tab="channels"]`)),
		chromedp.WaitVisible(find(`//h2[@id="h-channels"][.="القنوات"]`)),
		chromedp.WaitVisible(css(`#channels tr[data-channel="`+ownJID+`"] .flag.role-owner`)),
		viewShot("43-channels-ar-phone"))
	if !eval("channels on a phone", noSideways+` && document.documentElement.dir === "rtl" && document.querySelector('#channels .flag.role-owner').textContent === "المالك"`) {
		t.Error("the channels page in Arabic on a phone scrolls sideways or is not in Arabic")
	}
	step("status in Arabic on a phone",
		chromedp.Click(css(`nav.tabs a[data-tab="status"]`)),
		chromedp.WaitVisible(find(`//h2[@id="h-status"][.="منشورات الحالة"]`)),
		chromedp.WaitVisible(css(`#status-posts tr[data-direction="inbound"] bdi[dir=auto]`)),
		viewShot("44-status-ar-phone"))
	if !eval("status on a phone", noSideways+` && [...document.querySelectorAll("#st-form input, #st-form select, #st-form textarea")].every(i => i.labels && i.labels.length > 0)`) {
		t.Error("the status page in Arabic on a phone scrolls sideways, or a control of its form has no label")
	}
	if strings.Contains(string(sara.do("GET", "/api/v1/sessions/"+shop.ID+"/channels/"+url.PathEscape(theirs.JID), nil).must(t, http.StatusOK, nil).Raw), `"role":"subscriber"`) {
		t.Error("friend's channel still says shop follows it")
	}
	step("stories walk: back to English on the desktop",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Click(css(`#lang`)),
		chromedp.Click(css(`nav.tabs a[data-tab="session"]`)),
		chromedp.WaitVisible(css(`#session-actions`)))
}
