package worker

import (
	"bytes"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// TestStoredCardBoundsThePicture checks what the sender's message keeps
// of a card the gateway made: the card as sent, its picture only up to
// maxStoredThumbnail, and never the sent card itself (the engine's copy).
func TestStoredCardBoundsThePicture(t *testing.T) {
	if got := storedCard(nil); got != nil {
		t.Fatalf("no card made: got %+v, want none stored", got)
	}
	small := bytes.Repeat([]byte{1}, maxStoredThumbnail)
	sent := &gateway.LinkPreview{URL: "https://example.com/", Title: "T", Description: "D", ThumbnailURL: "https://example.com/p.png", Thumbnail: small}
	got := storedCard(sent)
	if got == sent || got.URL != sent.URL || got.Title != "T" || got.Description != "D" || got.ThumbnailURL != sent.ThumbnailURL || !bytes.Equal(got.Thumbnail, small) {
		t.Fatalf("card with a %d-byte picture: stored %+v, want a copy with its picture", len(small), got)
	}
	sent.Thumbnail = append(small, 2)
	got = storedCard(sent)
	if got.Thumbnail != nil || got.ThumbnailURL != sent.ThumbnailURL || got.Title != "T" {
		t.Fatalf("card with a %d-byte picture: stored %d bytes (url %q), want the card without its picture", len(sent.Thumbnail), len(got.Thumbnail), got.ThumbnailURL)
	}
	if len(sent.Thumbnail) != maxStoredThumbnail+1 {
		t.Fatalf("the sent card's picture changed to %d bytes", len(sent.Thumbnail))
	}
}
