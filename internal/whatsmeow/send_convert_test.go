package whatsmeow

import (
	"bytes"
	"context"
	stdimage "image"
	"image/color"
	"image/png"
	"testing"

	"github.com/google/go-cmp/cmp"
	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	xwebp "golang.org/x/image/webp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/whatsapp-saas/gateway/internal/convert"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// A sticker given by URL is converted once fetched (the API converts the
// bytes it is given): the StickerMessage carries the 512×512 WebP that was
// uploaded. A voice note by URL that is not Ogg is refused (no converter
// runs on the worker); an Ogg one is sent as a PTT AudioMessage.
func TestBuildMessageStickerAndVoiceByURL(t *testing.T) {
	t.Parallel()
	cli := offlineClient(t)
	img := stdimage.NewNRGBA(stdimage.Rect(0, 0, 300, 150))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	img.Set(0, 0, color.NRGBA{1, 2, 3, 255})
	var pngBytes bytes.Buffer
	if err := png.Encode(&pngBytes, img); err != nil {
		t.Fatal(err)
	}

	u := &fakeUploader{}
	f := &fakeFetcher{data: pngBytes.Bytes(), ct: "image/png"}
	out := &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeSticker, Media: &gateway.Media{URL: "https://example.com/s.png"}}
	_, msg, err := buildMessage(context.Background(), cli, u, f, 1<<20, out, refs{})
	if err != nil {
		t.Fatalf("buildMessage: %v", err)
	}
	if !convert.IsWebP(u.data) || u.typ != wa.MediaImage {
		t.Fatalf("uploaded %q as %q, want a WebP as an image", u.data[:min(12, len(u.data))], u.typ)
	}
	if cfg, err := xwebp.DecodeConfig(bytes.NewReader(u.data)); err != nil || cfg.Width != 512 || cfg.Height != 512 {
		t.Fatalf("uploaded sticker %dx%d (%v), want 512x512", cfg.Width, cfg.Height, err)
	}
	want := &waE2E.Message{StickerMessage: &waE2E.StickerMessage{
		URL: proto.String("https://mmg.whatsapp.net/x"), DirectPath: proto.String("/v/x"), MediaKey: []byte{1}, FileEncSHA256: []byte{2},
		FileSHA256: []byte{3}, FileLength: proto.Uint64(uint64(len(u.data))), Mimetype: proto.String("image/webp")}}
	if diff := cmp.Diff(want, msg, protocmp.Transform()); diff != "" {
		t.Fatalf("sticker message (-want +got):\n%s", diff)
	}
	if _, err := proto.Marshal(msg); err != nil {
		t.Fatalf("marshal: %v", err)
	}

	// An animated sticker (the API made it from a GIF, or it was given
	// animated) is flagged so, or WhatsApp shows it still.
	animated := []byte("RIFF\x1a\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x12\x00\x00\x00\xff\x01\x00\xff\x01\x00")
	_, msg, err = buildMessage(context.Background(), cli, &fakeUploader{}, &fakeFetcher{}, 1<<20,
		&gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeSticker, Media: &gateway.Media{Data: animated, MIMEType: "image/webp"}}, refs{})
	if err != nil || !msg.GetStickerMessage().GetIsAnimated() {
		t.Fatalf("animated sticker: %v, is_animated %v; want it flagged", err, msg.GetStickerMessage().GetIsAnimated())
	}

	// A fetched file that is no image is refused naming media.
	f = &fakeFetcher{data: []byte("<html>not an image</html>"), ct: "text/html"}
	_, _, err = buildMessage(context.Background(), cli, &fakeUploader{}, f, 1<<20, out, refs{})
	if ge, ok := err.(*gateway.Error); !ok || ge.Code != gateway.CodeValidation || ge.Fields["media"] != convert.StickerUnreadable {
		t.Fatalf("sticker from HTML: got %v, want media: %q", err, convert.StickerUnreadable)
	}

	voice := &gateway.OutboundMessage{To: "15550001111", Type: gateway.TypeAudio, Media: &gateway.Media{URL: "https://example.com/v.mp3", Voice: true}}
	_, _, err = buildMessage(context.Background(), cli, &fakeUploader{}, &fakeFetcher{data: []byte("ID3\x03mp3"), ct: "audio/mpeg"}, 1<<20, voice, refs{})
	if ge, ok := err.(*gateway.Error); !ok || ge.Code != gateway.CodeValidation || ge.Fields["media"] != convert.VoiceURLNotOpus {
		t.Fatalf("voice note by URL as MP3: got %v, want a validation error saying %q", err, convert.VoiceURLNotOpus)
	}
	u = &fakeUploader{}
	_, msg, err = buildMessage(context.Background(), cli, u, &fakeFetcher{data: []byte("OggS\x00opus"), ct: "audio/ogg"}, 1<<20, voice, refs{})
	if err != nil {
		t.Fatalf("voice note by URL as Ogg: %v", err)
	}
	wantVoice := &waE2E.Message{AudioMessage: &waE2E.AudioMessage{
		URL: proto.String("https://mmg.whatsapp.net/x"), DirectPath: proto.String("/v/x"), MediaKey: []byte{1}, FileEncSHA256: []byte{2},
		FileSHA256: []byte{3}, FileLength: proto.Uint64(9), Mimetype: proto.String("audio/ogg"), PTT: proto.Bool(true)}}
	if diff := cmp.Diff(wantVoice, msg, protocmp.Transform()); diff != "" || u.typ != wa.MediaAudio {
		t.Fatalf("voice message (-want +got):\n%s (uploaded as %q)", diff, u.typ)
	}
}
