package convert

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/gen2brain/webp"
	xwebp "golang.org/x/image/webp"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func filled(w, h int, c color.Color) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, c)
		}
	}
	return img
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// decodeSticker checks the output is a 512×512 WebP and returns its pixels.
func decodeSticker(t *testing.T, data []byte) image.Image {
	t.Helper()
	if !IsWebP(data) {
		t.Fatalf("sticker starts %q, want a WebP file", data[:min(16, len(data))])
	}
	img, err := xwebp.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode the sticker: %v", err)
	}
	if b := img.Bounds(); b.Dx() != StickerSize || b.Dy() != StickerSize {
		t.Fatalf("sticker is %dx%d, want 512x512", b.Dx(), b.Dy())
	}
	return img
}

func near(c color.Color, r, g, b, a uint8) bool {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	d := func(x, y uint8) bool { return int(x)-int(y) < 24 && int(y)-int(x) < 24 }
	return d(n.R, r) && d(n.G, g) && d(n.B, b) && d(n.A, a)
}

func TestStickerFromImages(t *testing.T) {
	red := color.NRGBA{220, 20, 20, 255}
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, filled(300, 600, red), &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	// A still GIF (one frame; TestStickerFromAnimatedGIF has several).
	pal := color.Palette{color.NRGBA{220, 20, 20, 255}, color.NRGBA{20, 20, 220, 255}}
	var still bytes.Buffer
	if err := gif.Encode(&still, image.NewPaletted(image.Rect(0, 0, 64, 64), pal), nil); err != nil {
		t.Fatal(err)
	}
	var small bytes.Buffer
	if err := webp.Encode(&small, filled(100, 50, red), webp.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		// a pixel inside the picture and one in the padding (nil: none)
		in, pad image.Point
		padded  bool
	}{
		{"wide PNG", encodePNG(t, filled(1000, 500, red)), image.Pt(256, 256), image.Pt(256, 20), true},
		{"tall JPEG", jpg.Bytes(), image.Pt(256, 256), image.Pt(20, 256), true},
		{"still GIF", still.Bytes(), image.Pt(256, 256), image.Point{}, false},
		{"small static WebP", small.Bytes(), image.Pt(256, 256), image.Pt(256, 30), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Sticker(t.Context(), tc.data)
			if err != nil {
				t.Fatalf("Sticker: %v", err)
			}
			img := decodeSticker(t, out)
			if c := img.At(tc.in.X, tc.in.Y); !near(c, 220, 20, 20, 255) {
				t.Errorf("pixel at %v is %v, want the picture's red", tc.in, c)
			}
			if tc.padded {
				if _, _, _, a := img.At(tc.pad.X, tc.pad.Y).RGBA(); a != 0 {
					t.Errorf("padding pixel at %v has alpha %d, want transparent", tc.pad, a)
				}
			}
			if len(out) > stickerTargetBytes {
				t.Errorf("sticker is %d bytes, want at most %d", len(out), stickerTargetBytes)
			}
		})
	}
}

func TestStickerPassesThrough(t *testing.T) {
	var full bytes.Buffer
	if err := webp.Encode(&full, filled(512, 512, color.NRGBA{1, 2, 3, 255}), webp.Options{Quality: 50}); err != nil {
		t.Fatal(err)
	}
	// An animated WebP's header: RIFF, WEBP, a VP8X chunk with the animation flag.
	animated := []byte("RIFF\x1a\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x02\x00\x00\x00\xff\x01\x00\xff\x01\x00")
	for name, data := range map[string][]byte{"512×512 WebP": full.Bytes(), "animated WebP": animated} {
		out, err := Sticker(t.Context(), data)
		if err != nil || !bytes.Equal(out, data) {
			t.Errorf("%s: got %d bytes (%v), want the file unchanged", name, len(out), err)
		}
	}
	if !IsAnimatedWebP(animated) || IsAnimatedWebP(full.Bytes()) {
		t.Error("IsAnimatedWebP tells the animated file from the static one wrongly")
	}
}

// withIHDRSize rewrites a PNG's declared size (and the chunk's CRC), as a
// decompression bomb declares a huge image in a small file.
func withIHDRSize(data []byte, w, h uint32) []byte {
	out := append([]byte(nil), data...)
	binary.BigEndian.PutUint32(out[16:], w)
	binary.BigEndian.PutUint32(out[20:], h)
	binary.BigEndian.PutUint32(out[29:], crc32.ChecksumIEEE(out[12:29]))
	return out
}

func TestStickerRefusals(t *testing.T) {
	small := encodePNG(t, filled(8, 8, color.White))
	gifBomb := []byte("GIF89a\xff\xff\xff\xff\x00\x00\x00;")
	for _, tc := range []struct {
		name string
		data []byte
		says string
	}{
		{"not an image", []byte("hello, this is text"), StickerUnreadable},
		{"PNG declaring 100000×100000", withIHDRSize(small, 100000, 100000), StickerTooManyPx},
		{"GIF declaring 65535×65535", gifBomb, StickerTooManyPx},
		{"damaged PNG", small[:40], StickerUnreadable},
		{"too large a file", append(append([]byte(nil), small...), make([]byte, MaxStickerInput)...), StickerTooLarge},
	} {
		_, err := Sticker(t.Context(), tc.data)
		var ge *gateway.Error
		if !errors.As(err, &ge) || ge.Code != gateway.CodeValidation || !strings.Contains(ge.Fields["media"], tc.says) {
			t.Errorf("%s: got %v, want media: %q", tc.name, err, tc.says)
		}
	}
}
