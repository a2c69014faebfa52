package service

import (
	"slices"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// TestSendStatusAndChannelPosts checks what a send to status@broadcast or
// to a channel may carry, and that a whatsmeow session refuses an
// audience it cannot honour.
func TestSendStatusAndChannelPosts(t *testing.T) {
	f := newFixture(t, func(s *Settings) { s.Engines = []string{gateway.EngineSandbox, gateway.EngineWhatsmeow} })
	w := &sendWorkers{}
	f.scheduler, f.registry, f.workers = &fakeScheduler{}, w, w
	ctx := t.Context()
	ann := f.register(t, "ann@example.com")
	sb, err := f.CreateSession(ctx, ann, CreateSessionInput{Name: "sandbox"})
	must(t, err)
	wm, err := f.CreateSession(ctx, ann, CreateSessionInput{Name: "real", Engine: gateway.EngineWhatsmeow})
	must(t, err)
	for _, s := range []*gateway.Session{sb, wm} {
		_, err = f.StartInstance(ctx, ann, s.ID)
		must(t, err)
	}

	m, err := f.SendMessage(ctx, ann, SendInput{SessionID: sb.ID, Recipient: "status", Message: "hi",
		StatusAudience: []string{"+1 555 000 2222", "15550002222@c.us", "123456789012345@lid"},
		StatusStyle:    &gateway.StatusStyle{BackgroundColor: "#112233", Font: "System_Bold"}})
	must(t, err)
	p, err := gateway.ParsePayload(m.Payload)
	must(t, err)
	if m.Recipient != gateway.StatusJID || m.Chat != gateway.StatusJID ||
		!slices.Equal(p.StatusAudience, []string{"15550002222@s.whatsapp.net", "123456789012345@lid"}) ||
		p.StatusStyle == nil || p.StatusStyle.Font != "system_bold" {
		t.Fatalf("stored %+v with payload %+v", m, p)
	}

	_, err = f.SendMessage(ctx, ann, SendInput{SessionID: wm.ID, Recipient: "status", Message: "hi", StatusAudience: []string{"15550002222"}})
	wantFields(t, err, "status_audience")
	_, err = f.SendMessage(ctx, ann, SendInput{SessionID: wm.ID, Recipient: "status", Message: "to my contacts"})
	must(t, err)

	_, err = f.SendMessage(ctx, ann, SendInput{SessionID: sb.ID, Recipient: "status", MessageType: "poll",
		Poll: &gateway.Poll{Question: "q", Options: []string{"a", "b"}}})
	wantFields(t, err, "message_type")
	_, err = f.SendMessage(ctx, ann, SendInput{SessionID: sb.ID, Recipient: "status", Message: "x", Mentions: []string{"15550002222"}})
	wantFields(t, err, "recipient")
	_, err = f.SendMessage(ctx, ann, SendInput{SessionID: sb.ID, Recipient: "15550002222", Message: "x", StatusAudience: []string{"15550003333"}})
	wantFields(t, err, "status_audience")
	_, err = f.SendMessage(ctx, ann, SendInput{SessionID: sb.ID, Recipient: "status", MessageType: "image", MediaURL: "https://example.com/a.jpg",
		StatusStyle: &gateway.StatusStyle{Font: "system"}})
	wantFields(t, err, "status_style")
	_, err = f.SendMessage(ctx, ann, SendInput{SessionID: sb.ID, Recipient: "status", Message: "x", StatusStyle: &gateway.StatusStyle{TextColor: "#fff"}})
	wantFields(t, err, "status_style.text_color")

	post, err := f.SendMessage(ctx, ann, SendInput{SessionID: sb.ID, Recipient: "120363123456789012@newsletter", Message: "news"})
	must(t, err)
	if post.Recipient != "120363123456789012@newsletter" || post.IsGroup {
		t.Fatalf("channel post stored as %+v", post)
	}
	_, err = f.SendMessage(ctx, ann, SendInput{SessionID: sb.ID, Recipient: "120363123456789012@newsletter", MessageType: "reaction", Target: "X", Reaction: "👍"})
	wantFields(t, err, "message_type")
	_, err = f.SendMessage(ctx, ann, SendInput{SessionID: sb.ID, Recipient: "120363123456789012@newsletter", Message: "x", ReplyTo: "ABC"})
	wantFields(t, err, "recipient")

	for ref, want := range map[string]string{"120363123456789012@newsletter": "120363123456789012@newsletter",
		"https://whatsapp.com/channel/0029VaAb": "0029VaAb", "0029VaAb": "0029VaAb"} {
		if got, err := channelRef(ref, true); err != nil || got != want {
			t.Errorf("channelRef(%q) = %q, %v; want %q", ref, got, err, want)
		}
	}
	for _, bad := range []string{"120363041234567890@g.us", "a/b", ""} {
		if _, err := channelRef(bad, true); gateway.ErrorCode(err) != gateway.CodeValidation {
			t.Errorf("channelRef(%q) = %v, want a validation error", bad, err)
		}
	}
	if _, err := channelRef("0029VaAb", false); gateway.ErrorCode(err) != gateway.CodeValidation {
		t.Error("an invite code accepted where a JID is needed")
	}
	_, err = f.ChannelMessages(ctx, ann.ID, sb.ID, "120363123456789012@newsletter", 101, 0)
	wantFields(t, err, "count")
	_, err = f.CreateChannel(ctx, ann.ID, sb.ID, gateway.ChannelCreateRequest{Name: " "})
	wantFields(t, err, "name")
}
