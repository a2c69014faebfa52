package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// TestStatusAndChannelsCLISandbox drives wagw's status and channels
// commands as a user types them against a live gateway with two sandbox
// sessions: a styled text status and an image status for one contact are
// posted and received, both sides list them; a channel is created,
// followed, posted to by its owner, read by the follower and unfollowed;
// refusals (a text file as an image, a missing channel) exit non-zero.
func TestStatusAndChannelsCLISandbox(t *testing.T) {
	base := instantSandbox(t)
	alice := register(t, base, "cli-stories@example.com")
	s1 := scanAs(t, alice, "cli-s1", "15550008201")
	s2 := scanAs(t, alice, "cli-s2", "15550008202")
	dir := t.TempDir()
	wagw := cliExpecting(t, cliConfig(t, base, alice))
	sentOf := func(out string) messageView {
		t.Helper()
		var m messageView
		if err := json.Unmarshal([]byte(out), &m); err != nil || m.ID == "" {
			t.Fatalf("not a message: %q (%v)", out, err)
		}
		return m
	}

	// A styled text status reaches the other session.
	text := sentOf(wagw(0, "--json", "status", s1.ID, "post", "Open", "until", "8", "--background", "#112233", "--font", "system_bold"))
	got := receivedPost(t, alice, s2.ID, text.WAMessageID)
	if got.Chat != "status@broadcast" || got.Body != "Open until 8" || got.Payload.StatusStyle == nil || got.Payload.StatusStyle.Font != "system_bold" {
		t.Fatalf("s2 received %+v, want s1's styled status", got)
	}
	// An image status for s2 only, read from a file.
	png := filepath.Join(dir, "shop.png")
	if err := os.WriteFile(png, []byte("\x89PNG\r\n\x1a\nxxxx"), 0o600); err != nil {
		t.Fatal(err)
	}
	img := sentOf(wagw(0, "--json", "status", s1.ID, "post", "New", "stock", "--image", png, "--to", "+1 555 000 8202"))
	if got := receivedPost(t, alice, s2.ID, img.WAMessageID); got.Type != "image" || got.Payload.Media == nil || got.Body != "New stock" {
		t.Fatalf("s2 received %+v, want the image status", got)
	}
	if p := getPost(t, alice, img.ID); len(p.Payload.StatusAudience) != 1 || p.Payload.StatusAudience[0] != "15550008202@s.whatsapp.net" {
		t.Fatalf("the image status's audience is %v, want s2 only", p.Payload.StatusAudience)
	}
	notImage := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notImage, []byte("plain words"), 0o600); err != nil {
		t.Fatal(err)
	}
	wagw(2, "status", s1.ID, "post", "--image", notImage)
	wagw(2, "status", s1.ID, "post")
	wagw(1, "status", s1.ID, "post", "x", "--font", "comic")

	// Both sides list them: s1 its own two, s2 the two received from s1.
	out := wagw(0, "status", s1.ID)
	if !strings.Contains(out, "Open until 8") || !strings.Contains(out, "New stock") || !strings.Contains(out, "(page 1 of 1, 2 posts)") {
		t.Fatalf("wagw status (poster):\n%s", out)
	}
	out = wagw(0, "status", s2.ID)
	if strings.Count(out, "15550008201") != 2 || !strings.Contains(out, "New stock") {
		t.Fatalf("wagw status (viewer), want the two posts by 15550008201:\n%s", out)
	}

	// Channels: created by s1, followed by s2, posted to, read, unfollowed.
	var created struct {
		Channel channelView `json:"channel"`
	}
	if err := json.Unmarshal([]byte(wagw(0, "--json", "channels", s1.ID, "create", "Shop", "news", "--description", "Offers")), &created); err != nil ||
		created.Channel.Role != "owner" || created.Channel.Name != "Shop news" {
		t.Fatalf("wagw channels create: %+v (%v)", created.Channel, err)
	}
	ch := created.Channel.JID
	wagw(0, "channels", s2.ID, "follow", ch)
	out = wagw(0, "channels", s2.ID)
	if !strings.Contains(out, ch) || !strings.Contains(out, "subscriber") {
		t.Fatalf("wagw channels after follow:\n%s", out)
	}
	if out = wagw(0, "channels", s2.ID, "get", ch); !strings.Contains(out, "Shop news") || !strings.Contains(out, "Offers") {
		t.Fatalf("wagw channels get:\n%s", out)
	}
	post := sentOf(wagw(0, "--json", "channels", s1.ID, "post", ch, "New", "arrivals"))
	receivedPost(t, alice, s2.ID, post.WAMessageID)
	polltest.Eventually(t, patience, "the channel post listed", func() bool {
		return strings.Contains(wagw(0, "channels", s2.ID, "messages", ch, "--count", "5"), "New arrivals")
	})
	// A follower cannot post: the send is accepted, then fails.
	bad := sentOf(wagw(0, "--json", "channels", s2.ID, "post", ch, "hijack"))
	polltest.Eventually(t, patience, "a follower's post failed", func() bool { return getPost(t, alice, bad.ID).Status == "failed" })
	wagw(0, "channels", s2.ID, "unfollow", ch)
	if out = wagw(0, "channels", s2.ID); !strings.Contains(out, "follows no channel") {
		t.Fatalf("wagw channels after unfollow:\n%s", out)
	}
	wagw(1, "channels", s2.ID, "get", "999999999999@newsletter")
	wagw(2, "channels", s2.ID, "follow")
	wagw(1, "channels", s2.ID, "messages", ch, "--count", "500")
	// Another tenant's session is not found.
	other := register(t, base, "cli-stories-other@example.com")
	if _, errOut, code := runCLI(t, cliConfig(t, base, other), "", "channels", s1.ID); code != 1 || !strings.Contains(errOut, "not found") {
		t.Fatalf("another tenant's wagw channels: exit %d, %q; want 1, not found", code, errOut)
	}
}
