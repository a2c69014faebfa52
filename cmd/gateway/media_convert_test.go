package main

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gen2brain/webp"
	xwebp "golang.org/x/image/webp"

	"github.com/whatsapp-saas/gateway/internal/convert"
	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// TestMediaConversionSQLiteAndPostgres sends a sticker made from a PNG and a voice
// note made from a WAV between two sandbox sessions, through the API, the
// queue and the worker: the gateway converts each once, before storing
// it, and the receiving session gets the WebP 512×512 and the converter's
// Ogg/Opus file. The converter is a script written here (AUDIO_CONVERTER),
// whose failure paths (exit non-zero, too slow, no output) are 422s naming
// media. On SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.
func TestMediaConversionSQLiteAndPostgres(t *testing.T) {
	eachStore(t, nil, 0, mediaConversion)
	// The gateway fetches a voice note's URL through the SSRF guard: a
	// private address is refused unless WEBHOOK_ALLOW_PRIVATE_NETWORKS.
	t.Run("voice note by URL at a private address", func(t *testing.T) {
		audio, hits := audioSite(t)
		base := instantSandbox(t, noHistory, map[string]string{"AUDIO_CONVERTER": voiceConverter(t)})
		c := register(t, base, "convert-private@example.com")
		s := scanAs(t, c, "s", "15550013101")
		r := c.do("POST", "/api/v1/messages/send", map[string]any{"session_id": s.ID, "recipient": "15550013102", "message_type": "audio",
			"media": map[string]any{"url": audio.URL + "/tone.wav", "mime_type": "audio/wav", "voice": true}}).
			fails(t, http.StatusUnprocessableEntity, "validation_failed")
		if !strings.Contains(r.Error.Fields["media.url"], "private address") {
			t.Fatalf("fields %v, want media.url saying the address is private", r.Error.Fields)
		}
		if n := hits.Load(); n != 0 {
			t.Fatalf("the private server got %d requests, want none", n)
		}
	})
}

// audioSite serves the WAV fixture at /tone.wav and a file the converter
// script refuses at /fail.wav; hits counts its requests.
func audioSite(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	wav, err := os.ReadFile("../../internal/convert/testdata/tone.wav")
	if err != nil {
		t.Fatal(err)
	}
	return testSite(t, map[string]siteFile{
		"/tone.wav": {"audio/wav", wav},
		"/fail.wav": {"audio/wav", []byte("FAIL audio")},
	})
}

// voiceConverter writes a converter script that answers by the input's
// first four bytes: a WAV (RIFF) is "converted" by copying a real
// Ogg/Opus recording; FAIL exits 1, SLOW outlives the timeout, NONE exits
// 0 without writing.
func voiceConverter(t *testing.T) string {
	t.Helper()
	fixture, err := filepath.Abs("../../internal/convert/testdata/tone.ogg")
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "to-opus.sh")
	body := "#!/bin/sh\ncase \"$(head -c 4 \"$1\")\" in\n" +
		"RIFF) cp '" + fixture + "' \"$2\" ;;\n" +
		"FAIL) echo 'cannot decode this' >&2; exit 1 ;;\n" +
		"SLOW) sleep 30 ;;\n" +
		"*) exit 0 ;;\nesac\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return script + " {in} {out}"
}

func mediaConversion(t *testing.T, extra map[string]string) {
	extra["SANDBOX_PAIR_DELAY"], extra["HISTORY_SYNC_DAYS"] = "0", "0"
	extra["AUDIO_CONVERTER"], extra["AUDIO_CONVERTER_TIMEOUT"] = voiceConverter(t), "1s"
	extra["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = "true" // the audio site is on loopback
	audio, _ := audioSite(t)
	base := startGateway(t, testEnv(t, extra))
	alice := register(t, base, "convert-alice@example.com")
	a1 := scanAs(t, alice, "a1", "15550013001")
	a2 := scanAs(t, alice, "a2", "15550013002")
	to := "+" + a2.Phone
	b64 := base64.StdEncoding.EncodeToString
	media := func(id string) []byte {
		var raw []byte
		polltest.Eventually(t, patience, "media of "+id+" stored", func() bool {
			r := alice.do("GET", "/api/v1/messages/"+id+"/media", nil)
			raw = r.Raw
			return r.Status == http.StatusOK
		})
		return raw
	}

	// A sticker from a wide PNG: stored converted, received as a 512×512 WebP.
	img := image.NewNRGBA(image.Rect(0, 0, 640, 320))
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []byte{30, 160, 60, 255})
	}
	img.Set(0, 0, color.NRGBA{255, 0, 0, 255})
	var pngFile bytes.Buffer
	if err := png.Encode(&pngFile, img); err != nil {
		t.Fatal(err)
	}
	m := sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message_type": "sticker",
		"media": map[string]any{"data": b64(pngFile.Bytes()), "mime_type": "image/png"}})
	sent := getStored(t, alice, m.ID)
	if sent.Payload.Media == nil || sent.Payload.Media.MIMEType != "image/webp" {
		t.Fatalf("stored sticker media %+v, want image/webp", sent.Payload.Media)
	}
	got := receivedAs(t, alice, a2.ID, m.WAMessageID)
	if got.Type != "sticker" || got.Payload.Media == nil || got.Payload.Media.MIMEType != "image/webp" {
		t.Fatalf("received %s %+v, want a WebP sticker", got.Type, got.Payload.Media)
	}
	webpFile := media(got.ID)
	cfg, err := xwebp.DecodeConfig(bytes.NewReader(webpFile))
	if err != nil || cfg.Width != 512 || cfg.Height != 512 {
		t.Fatalf("received sticker %dx%d (%v), want a 512x512 WebP", cfg.Width, cfg.Height, err)
	}
	// A GIF of several frames becomes an animated WebP sticker.
	pal := color.Palette{color.NRGBA{220, 20, 20, 255}, color.NRGBA{20, 20, 220, 255}}
	f1, f2 := image.NewPaletted(image.Rect(0, 0, 48, 48), pal), image.NewPaletted(image.Rect(0, 0, 48, 48), pal)
	for i := range f2.Pix {
		f2.Pix[i] = 1
	}
	var gifFile bytes.Buffer
	if err := gif.EncodeAll(&gifFile, &gif.GIF{Image: []*image.Paletted{f1, f2}, Delay: []int{50, 50}}); err != nil {
		t.Fatal(err)
	}
	m = sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message_type": "sticker",
		"media": map[string]any{"data": b64(gifFile.Bytes()), "mime_type": "image/gif"}})
	moving := media(receivedAs(t, alice, a2.ID, m.WAMessageID).ID)
	if anim, err := webp.DecodeAll(bytes.NewReader(moving)); !convert.IsAnimatedWebP(moving) || err != nil || len(anim.Image) != 2 {
		t.Fatalf("sticker from a GIF received as %q… (%v), want an animated WebP of its 2 frames", moving[:min(24, len(moving))], err)
	}
	// An animated WebP is sent as it is.
	animated := []byte("RIFF\x1a\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x02\x00\x00\x00\xff\x01\x00\xff\x01\x00")
	m = sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message_type": "sticker",
		"media": map[string]any{"data": b64(animated), "mime_type": "image/webp"}})
	if back := media(receivedAs(t, alice, a2.ID, m.WAMessageID).ID); !bytes.Equal(back, animated) {
		t.Fatalf("animated sticker received as %q, want the bytes unchanged", back)
	}

	// A voice note from a WAV: the converter's Ogg/Opus file is what is stored and received.
	wav, err := os.ReadFile("../../internal/convert/testdata/tone.wav")
	if err != nil {
		t.Fatal(err)
	}
	ogg, err := os.ReadFile("../../internal/convert/testdata/tone.ogg")
	if err != nil {
		t.Fatal(err)
	}
	m = sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message_type": "audio",
		"media": map[string]any{"data": b64(wav), "mime_type": "audio/wav", "voice": true}})
	if s := getStored(t, alice, m.ID); s.Payload.Media == nil || s.Payload.Media.MIMEType != "audio/ogg; codecs=opus" {
		t.Fatalf("stored voice note media %+v, want audio/ogg; codecs=opus", s.Payload.Media)
	}
	got = receivedAs(t, alice, a2.ID, m.WAMessageID)
	if back := media(got.ID); !bytes.Equal(back, ogg) {
		t.Fatalf("voice note received as %d bytes starting %q, want the converter's %d-byte Ogg/Opus file", len(back), back[:min(8, len(back))], len(ogg))
	}

	// A voice note by URL goes through the same conversion: the gateway
	// fetches it, and stores and sends the converter's Ogg/Opus file,
	// whether the URL's type is declared or left to the server.
	for _, declared := range []string{"audio/wav", ""} {
		m = sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message_type": "audio",
			"media": map[string]any{"url": audio.URL + "/tone.wav", "mime_type": declared, "voice": true}})
		if s := getStored(t, alice, m.ID); s.Payload.Media == nil || s.Payload.Media.MIMEType != "audio/ogg; codecs=opus" {
			t.Fatalf("voice note by URL (%q): stored media %+v, want audio/ogg; codecs=opus", declared, s.Payload.Media)
		}
		if back := media(receivedAs(t, alice, a2.ID, m.WAMessageID).ID); !bytes.Equal(back, ogg) {
			t.Fatalf("voice note by URL (%q) received as %d bytes, want the converter's %d-byte Ogg/Opus file", declared, len(back), len(ogg))
		}
	}
	for url, field := range map[string]string{audio.URL + "/fail.wav": "media", audio.URL + "/missing.wav": "media.url"} {
		r := alice.do("POST", "/api/v1/messages/send", map[string]any{"session_id": a1.ID, "recipient": to, "message_type": "audio",
			"media": map[string]any{"url": url, "mime_type": "audio/wav", "voice": true}}).
			fails(t, http.StatusUnprocessableEntity, "validation_failed")
		if want := map[string]string{"media": convert.VoiceFailed, "media.url": "The media URL answered HTTP 404."}[field]; r.Error.Fields[field] != want {
			t.Errorf("voice note by URL %s: fields %v, want %s: %q", url, r.Error.Fields, field, want)
		}
	}

	// Refusals name media, with the reason.
	for _, tc := range []struct {
		name, typ string
		data      []byte
		voice     bool
		says      string
	}{
		{"sticker decompression bomb", "sticker", []byte("GIF89a\xff\xff\xff\xff\x00\x00\x00;"), false, convert.StickerTooManyPx},
		{"sticker from text", "sticker", []byte("just some text"), false, convert.StickerUnreadable},
		{"converter exits non-zero", "audio", []byte("FAIL audio"), true, convert.VoiceFailed},
		{"converter too slow", "audio", []byte("SLOW audio"), true, convert.VoiceTimedOut},
		{"converter writes nothing", "audio", []byte("NONE audio"), true, convert.VoiceNoOutput},
	} {
		r := alice.do("POST", "/api/v1/messages/send", map[string]any{"session_id": a1.ID, "recipient": to, "message_type": tc.typ,
			"media": map[string]any{"data": b64(tc.data), "mime_type": "application/octet-stream", "voice": tc.voice}}).
			fails(t, http.StatusUnprocessableEntity, "validation_failed")
		if r.Error.Fields["media"] != tc.says {
			t.Errorf("%s: fields %v, want media: %q", tc.name, r.Error.Fields, tc.says)
		}
		if strings.Contains(string(r.Raw), "cannot decode this") {
			t.Errorf("%s: the converter's output reached the answer: %s", tc.name, r.Raw)
		}
	}
}

func getStored(t *testing.T, c *client, id string) storedMessage {
	t.Helper()
	var got struct {
		Message storedMessage `json:"message"`
	}
	c.do("GET", "/api/v1/messages/"+id, nil).must(t, http.StatusOK, &got)
	return got.Message
}

// Without AUDIO_CONVERTER a voice note that is not Ogg is refused with a
// sentence saying what to configure (in Arabic too); Ogg voice notes, other
// audio without voice, and stickers (converted in process, by URL on
// sending) are accepted.
func TestStickerAndVoiceFormats(t *testing.T) {
	base := instantSandbox(t, noHistory)
	c := register(t, base, "formats@example.com")
	s := scanAs(t, c, "s", "15550012001")
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	send := func(c *client, typ string, media map[string]any) *reply {
		return c.do("POST", "/api/v1/messages/send", map[string]any{"session_id": s.ID, "recipient": "15550012002", "message_type": typ, "media": media})
	}
	mp3 := map[string]any{"data": b64("ID3\x03mp3 bytes"), "mime_type": "audio/mpeg", "voice": true}
	r := send(c, "audio", mp3).fails(t, http.StatusUnprocessableEntity, "validation_failed")
	if r.Error.Fields["media"] != convert.VoiceNotOpus || !strings.Contains(r.Error.Fields["media"], "AUDIO_CONVERTER") {
		t.Errorf("voice note as MP3: fields %v, want media saying to set AUDIO_CONVERTER", r.Error.Fields)
	}
	ar := *c
	ar.header = http.Header{"Accept-Language": {"ar"}}
	r = send(&ar, "audio", mp3).fails(t, http.StatusUnprocessableEntity, "validation_failed")
	if msg := r.Error.Fields["media"]; !strings.Contains(msg, "AUDIO_CONVERTER") || !strings.Contains(msg, "الرسالة الصوتية") {
		t.Errorf("voice note as MP3 in Arabic: %q, want the Arabic sentence naming AUDIO_CONVERTER", msg)
	}
	r = send(c, "audio", map[string]any{"url": "https://example.com/v.mp3", "mime_type": "audio/mpeg", "voice": true}).
		fails(t, http.StatusUnprocessableEntity, "validation_failed")
	if r.Error.Fields["media.mime_type"] != convert.VoiceURLNotOpus {
		t.Errorf("voice note by URL as MP3: fields %v, want media.mime_type: %q", r.Error.Fields, convert.VoiceURLNotOpus)
	}
	send(c, "sticker", map[string]any{"url": "https://example.com/s.png", "mime_type": "image/png"}).must(t, http.StatusCreated, nil)
	send(c, "audio", map[string]any{"data": b64("OggS\x00opus"), "mime_type": "audio/ogg; codecs=opus", "voice": true}).must(t, http.StatusCreated, nil)
	send(c, "audio", map[string]any{"data": b64("ID3\x03mp3 bytes"), "mime_type": "audio/mpeg"}).must(t, http.StatusCreated, nil)
}
