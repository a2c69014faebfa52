package main

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	wagw "github.com/whatsapp-saas/gateway/client"
	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// TestStatusAndChannelsSandbox posts status updates (stories) and uses
// channels between sandbox sessions of one tenant, end to end through the
// API, the send queue, the worker and the sandbox network: a text status
// with its look reaches every contact, one with an audience only those
// named; received posts are status.post events that only a webhook naming
// status.post receives (signatures verified); a channel is created,
// looked up, followed, posted to by its owner (a follower's post fails),
// read back and unfollowed; another tenant sees none of it. On SQLite,
// and on PostgreSQL with Redis when TEST_DATABASE_URL and TEST_REDIS_URL
// are set.
func TestStatusAndChannelsSandbox(t *testing.T) {
	eachStore(t, pairAtOnce, 14, statusAndChannels)
}

// postView is a stored message with what a status or a channel post carries.
type postView struct {
	messageView
	Chat    string `json:"chat"`
	Sender  string `json:"sender"`
	Payload struct {
		StatusStyle *struct {
			BackgroundColor string `json:"background_color"`
			TextColor       string `json:"text_color"`
			Font            string `json:"font"`
		} `json:"status_style"`
		StatusAudience []string `json:"status_audience"`
		Media          *struct {
			MIMEType string `json:"mime_type"`
		} `json:"media"`
	} `json:"payload"`
}

// receivedPost waits for the message with WhatsApp id waID at sessionID.
func receivedPost(t *testing.T, c *client, sessionID, waID string) postView {
	t.Helper()
	return getMessage[postView](t, c, receivedAs(t, c, sessionID, waID).ID)
}

type channelView struct {
	JID         string `json:"jid"`
	Name        string `json:"name"`
	Description string `json:"description"`
	InviteLink  string `json:"invite_link"`
	Subscribers int    `json:"subscribers"`
	Role        string `json:"role"`
}

func statusAndChannels(t *testing.T, extra map[string]string) {
	extra["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = "true"
	extra["WEBHOOK_RETRY_SCHEDULE"], extra["WEBHOOK_POLL_INTERVAL"] = "20ms,20ms,20ms", "100ms"
	statusAndChannelsOn(t, startGateway(t, testEnv(t, extra)))
}

// statusAndChannelsOn is the status and channels walk on the gateway at
// base, which must allow webhooks to loopback receivers and retry them fast.
func statusAndChannelsOn(t *testing.T, base string) {
	alice, bob := aliceAndBob(t, base, "stories")
	a1 := scanAs(t, alice, "a1", "15550008001")
	a2 := scanAs(t, alice, "a2", "15550008002")
	a3 := scanAs(t, alice, "a3", "15550008003")
	b1 := scanAs(t, bob, "b1", "15550008101")

	// Three endpoints: one opting in to status posts, one for everything,
	// one for messages. Each checks every request's signature.
	rStatus, rAll, rMsg := newReceiver(t), newReceiver(t), newReceiver(t)
	hStatus := createWebhook(t, alice, rStatus.URL(), "status.post")
	hAll := createWebhook(t, alice, rAll.URL(), "*")
	hMsg := createWebhook(t, alice, rMsg.URL(), "message")
	rStatus.setSecrets(hStatus.Secret)
	rAll.setSecrets(hAll.Secret)
	rMsg.setSecrets(hMsg.Secret)

	t.Run("status", func(t *testing.T) {
		// Refusals name the field.
		for field, body := range map[string]map[string]any{
			"message_type":                  {"recipient": "status", "message_type": "location", "location": map[string]any{"latitude": 1, "longitude": 2}},
			"status_style":                  {"recipient": "+" + a2.Phone, "message": "x", "status_style": map[string]any{"font": "system"}},
			"status_style.background_color": {"recipient": "status", "message": "x", "status_style": map[string]any{"background_color": "red"}},
			"status_style.font":             {"recipient": "status", "message": "x", "status_style": map[string]any{"font": "comic"}},
			"status_audience[0]":            {"recipient": "status", "message": "x", "status_audience": []string{"120363041234567890@g.us"}},
			"recipient":                     {"recipient": "other@broadcast", "message": "x"},
		} {
			body["session_id"] = a1.ID
			r := alice.do("POST", "/api/v1/messages/send", body).fails(t, http.StatusUnprocessableEntity, "validation_failed")
			if r.Error.Fields[field] == "" {
				t.Errorf("%v: fields %v, want %s named", body, r.Error.Fields, field)
			}
		}

		// A styled text status reaches every contact, and the viewers'
		// receipts move it to read.
		m := sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": "status", "message": "Open until 8 today",
			"status_style": map[string]any{"background_color": "#112233", "text_color": "#FFFFFF", "font": "SYSTEM_BOLD"}})
		if m.Recipient != "status@broadcast" {
			t.Fatalf("recipient %q, want status@broadcast", m.Recipient)
		}
		for _, s := range []sessionView{a2, a3} {
			got := receivedPost(t, alice, s.ID, m.WAMessageID)
			if got.Chat != "status@broadcast" || got.Sender != "15550008001@s.whatsapp.net" || got.Body != "Open until 8 today" {
				t.Fatalf("%s received %+v, want the status of a1 in status@broadcast", s.Name, got)
			}
			if st := got.Payload.StatusStyle; st == nil || st.BackgroundColor != "#112233" || st.TextColor != "#FFFFFF" || st.Font != "system_bold" {
				t.Fatalf("%s received style %+v, want #112233, #FFFFFF, system_bold", s.Name, st)
			}
		}
		polltest.Eventually(t, patience, "the status read by its viewers", func() bool { return getMessage[postView](t, alice, m.ID).Status == "read" })

		// An image status for a2 only: a3, which gets the next status to
		// everyone, never gets it.
		png := base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\nxxxx"))
		only := sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": "status@broadcast", "message_type": "image",
			"message": "For a2", "media": map[string]any{"data": png, "mime_type": "image/png"}, "status_audience": []string{"+1 555 000 8002"}})
		if got := getMessage[postView](t, alice, only.ID); !slices.Equal(got.Payload.StatusAudience, []string{"15550008002@s.whatsapp.net"}) {
			t.Fatalf("stored audience %v, want a2's JID", got.Payload.StatusAudience)
		}
		if got := receivedPost(t, alice, a2.ID, only.WAMessageID); got.Type != "image" || got.Payload.Media == nil || got.Body != "For a2" {
			t.Fatalf("a2 received %+v, want the image status", got)
		}
		after := sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": "status", "message": "For everyone"})
		receivedPost(t, alice, a3.ID, after.WAMessageID)
		for _, in := range inbound(t, alice, a3.ID) {
			if in.WAMessageID == only.WAMessageID {
				t.Fatal("a3 received a status posted to a2 only")
			}
		}

		// Only the endpoint that opted in gets status.post; the stored
		// deliveries of the others (fanned out with the event) hold none.
		polltest.Eventually(t, patience, "status.post delivered to the opted-in endpoint", func() bool {
			return countType(rStatus, "status.post") >= 5 // 2 + 1 + 2 posts received
		})
		for _, h := range []webhookView{hAll, hMsg} {
			for _, d := range listDeliveries(t, alice, h.ID, "") {
				if d.EventType == "status.post" {
					t.Fatalf("endpoint subscribed to %v got a status.post delivery", h.Events)
				}
			}
		}
		if countType(rStatus, "message") != 0 {
			t.Fatal("the status.post endpoint got message events")
		}
		for _, r := range []*receiver{rStatus, rAll, rMsg} {
			if _, bad := r.snapshot(); bad != 0 {
				t.Fatalf("%d deliveries failed signature verification", bad)
			}
		}
		// The event stream gives them only when asked by name.
		if !replayEvents(t, alice, "types=status.post", func(data []byte) bool {
			return strings.Contains(string(data), `"wa_message_id":"`+after.WAMessageID+`"`)
		}) {
			t.Fatal("no status.post event on the stream asked for types=status.post")
		}

		// The Go client posts one too.
		gc := sdk(t, base)
		gc.Token = alice.token
		sent, err := gc.Send(t.Context(), wagw.SendRequest{SessionID: a1.ID, Recipient: "status", Message: "From the client",
			StatusStyle: &wagw.StatusStyle{BackgroundColor: "#000000", Font: "fb_script"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := receivedPost(t, alice, a2.ID, sent.WAMessageID); got.Payload.StatusStyle == nil || got.Payload.StatusStyle.Font != "fb_script" {
			t.Fatalf("client status received as %+v", got)
		}

		// Another tenant cannot read them.
		bob.do("GET", "/api/v1/messages/"+m.ID, nil).fails(t, http.StatusNotFound, "not_found")
	})

	t.Run("channels", func(t *testing.T) {
		var created struct {
			Channel channelView `json:"channel"`
		}
		alice.do("POST", "/api/v1/sessions/"+a1.ID+"/channels", map[string]any{"name": " Shop news ", "description": "Offers"}).
			must(t, http.StatusCreated, &created)
		ch := created.Channel
		if ch.Role != "owner" || ch.Name != "Shop news" || ch.InviteLink == "" || len(ch.JID) < 12 {
			t.Fatalf("created %+v, want an owned channel with a link", ch)
		}
		alice.do("POST", "/api/v1/sessions/"+a1.ID+"/channels", map[string]any{"name": ""}).fails(t, http.StatusUnprocessableEntity, "validation_failed")

		// Found by invite code (no role) and by JID (a guest until followed).
		var got struct {
			Channel channelView `json:"channel"`
		}
		code := ch.InviteLink[len("https://whatsapp.com/channel/"):]
		alice.do("GET", "/api/v1/sessions/"+a2.ID+"/channels/"+code, nil).must(t, http.StatusOK, &got)
		if got.Channel.JID != ch.JID || got.Channel.Role != "" {
			t.Fatalf("by invite: %+v, want %s without a role", got.Channel, ch.JID)
		}
		alice.do("GET", "/api/v1/sessions/"+a2.ID+"/channels/"+url.PathEscape(ch.JID), nil).must(t, http.StatusOK, &got)
		if got.Channel.Role != "guest" {
			t.Fatalf("by JID before following: role %q, want guest", got.Channel.Role)
		}
		alice.do("GET", "/api/v1/sessions/"+a2.ID+"/channels/999999999999@newsletter", nil).fails(t, http.StatusNotFound, "not_found")
		alice.do("GET", "/api/v1/sessions/"+a2.ID+"/channels/bad@g.us", nil).fails(t, http.StatusUnprocessableEntity, "validation_failed")

		var follow struct {
			Channel   string `json:"channel"`
			Following bool   `json:"following"`
		}
		alice.do("POST", "/api/v1/sessions/"+a2.ID+"/channels/"+ch.JID+"/follow", nil).must(t, http.StatusOK, &follow)
		if !follow.Following || follow.Channel != ch.JID {
			t.Fatalf("follow answered %+v", follow)
		}
		var list struct {
			Channels []channelView `json:"channels"`
		}
		alice.do("GET", "/api/v1/sessions/"+a2.ID+"/channels", nil).must(t, http.StatusOK, &list)
		if len(list.Channels) != 1 || list.Channels[0].Role != "subscriber" || list.Channels[0].Subscribers != 1 {
			t.Fatalf("a2 follows %+v, want the channel as subscriber", list.Channels)
		}

		// A follower's post fails with the reason; the owner's reach the follower.
		bad := sendWith(t, alice, map[string]any{"session_id": a2.ID, "recipient": ch.JID, "message": "hijack"})
		polltest.Eventually(t, patience, "a follower's post failed", func() bool { return getMessage[postView](t, alice, bad.ID).Status == "failed" })
		if e := getMessage[postView](t, alice, bad.ID).Error; e == "" {
			t.Fatal("the failed post has no reason")
		}
		alice.do("POST", "/api/v1/messages/send", map[string]any{"session_id": a1.ID, "recipient": ch.JID, "message_type": "reaction",
			"target": "x", "reaction": "👍"}).fails(t, http.StatusUnprocessableEntity, "validation_failed")

		text := sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": ch.JID, "message": "New arrivals"})
		png := base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\nxxxx"))
		img := sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": ch.JID, "message_type": "image", "message": "Look",
			"media": map[string]any{"data": png, "mime_type": "image/png"}})
		p := receivedPost(t, alice, a2.ID, text.WAMessageID)
		if p.Chat != ch.JID || p.Sender != ch.JID || p.Body != "New arrivals" || p.SenderPhone != "" {
			t.Fatalf("a2 received %+v, want the post from the channel", p)
		}
		receivedPost(t, alice, a2.ID, img.WAMessageID)
		polltest.Eventually(t, patience, "the post sent", func() bool { return getMessage[postView](t, alice, text.ID).Status == "sent" })
		// channel.message reaches the message subscriber (the family) and "*".
		polltest.Eventually(t, patience, "channel.message delivered", func() bool {
			return countType(rMsg, "channel.message") >= 2 && countType(rAll, "channel.message") >= 2
		})
		if countType(rStatus, "channel.message") != 0 {
			t.Fatal("the status.post endpoint got channel.message events")
		}

		// The channel's history, oldest first, paged back with before.
		type posts struct {
			Channel  string `json:"channel"`
			Messages []struct {
				ServerID    int    `json:"server_id"`
				WAMessageID string `json:"wa_message_id"`
				Type        string `json:"message_type"`
				Text        string `json:"message"`
			} `json:"messages"`
		}
		var hist posts
		alice.do("GET", "/api/v1/sessions/"+a2.ID+"/channels/"+ch.JID+"/messages", nil).must(t, http.StatusOK, &hist)
		if len(hist.Messages) != 2 || hist.Messages[0].WAMessageID != text.WAMessageID || hist.Messages[1].Type != "image" ||
			hist.Messages[1].Text != "Look" || hist.Messages[0].ServerID >= hist.Messages[1].ServerID {
			t.Fatalf("history %+v, want the text then the image", hist.Messages)
		}
		var older posts
		alice.do("GET", "/api/v1/sessions/"+a2.ID+"/channels/"+ch.JID+"/messages?count=5&before="+itoa(hist.Messages[1].ServerID), nil).
			must(t, http.StatusOK, &older)
		if len(older.Messages) != 1 || older.Messages[0].WAMessageID != text.WAMessageID {
			t.Fatalf("before %d: %+v, want the text only", hist.Messages[1].ServerID, older.Messages)
		}
		alice.do("GET", "/api/v1/sessions/"+a2.ID+"/channels/"+ch.JID+"/messages?count=500", nil).fails(t, http.StatusBadRequest, "invalid_request")

		// The Go client reads the same.
		gc := sdk(t, base)
		gc.Token = alice.token
		if cs, err := gc.Channels(t.Context(), a2.ID); err != nil || len(cs) != 1 || cs[0].JID != ch.JID || cs[0].Role != "subscriber" {
			t.Fatalf("client Channels: %+v, %v", cs, err)
		}
		if ps, err := gc.ChannelPosts(t.Context(), a2.ID, ch.JID, 1, 0); err != nil || len(ps) != 1 || ps[0].WAMessageID != img.WAMessageID {
			t.Fatalf("client ChannelPosts: %+v, %v", ps, err)
		}

		// Unfollowing; the owner cannot.
		alice.do("DELETE", "/api/v1/sessions/"+a2.ID+"/channels/"+ch.JID+"/follow", nil).must(t, http.StatusOK, &follow)
		if follow.Following {
			t.Fatalf("unfollow answered %+v", follow)
		}
		alice.do("GET", "/api/v1/sessions/"+a2.ID+"/channels", nil).must(t, http.StatusOK, &list)
		if len(list.Channels) != 0 {
			t.Fatalf("after unfollowing a2 follows %+v", list.Channels)
		}
		alice.do("DELETE", "/api/v1/sessions/"+a1.ID+"/channels/"+ch.JID+"/follow", nil).fails(t, http.StatusUnprocessableEntity, "whatsapp_refused")

		// The writes are in the operations log.
		names := opResults(operations(t, alice, a2.ID, ""))
		if !slices.Contains(names, "channel.follow:succeeded") || !slices.Contains(names, "channel.unfollow:succeeded") {
			t.Fatalf("operations %v, want the follow and unfollow", names)
		}

		// Another tenant: alice's session is not found, and its own
		// sandbox network has no such channel.
		bob.do("GET", "/api/v1/sessions/"+a1.ID+"/channels", nil).fails(t, http.StatusNotFound, "not_found")
		bob.do("POST", "/api/v1/sessions/"+a1.ID+"/channels/"+ch.JID+"/follow", nil).fails(t, http.StatusNotFound, "not_found")
		bob.do("GET", "/api/v1/sessions/"+b1.ID+"/channels/"+ch.JID, nil).fails(t, http.StatusNotFound, "not_found")
		bob.do("GET", "/api/v1/sessions/"+b1.ID+"/channels/"+code, nil).fails(t, http.StatusNotFound, "not_found")
	})
}

// countType counts the distinct events of a type a receiver accepted.
func countType(r *receiver, typ string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for id, t := range r.types {
		if t == typ && r.accepted[id] > 0 {
			n++
		}
	}
	return n
}
