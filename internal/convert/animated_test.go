package convert

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"testing"

	"github.com/gen2brain/webp"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

var gifPalette = color.Palette{color.Transparent, color.NRGBA{220, 20, 20, 255}, color.NRGBA{20, 200, 20, 255}, color.NRGBA{20, 20, 220, 255}}

// paletted is a frame of rect filled with palette index c.
func paletted(rect image.Rectangle, c uint8) *image.Paletted {
	p := image.NewPaletted(rect, gifPalette)
	for i := range p.Pix {
		p.Pix[i] = c
	}
	return p
}

func encodeGIF(t *testing.T, g *gif.GIF) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestStickerFromAnimatedGIF makes an animated sticker of a three-frame
// GIF and decodes it with libwebp's animation decoder: three 512×512
// frames, each composed as a browser shows the GIF (the second drawn over
// the first, the third after the second was disposed of), with the GIF's
// timing and loop count.
func TestStickerFromAnimatedGIF(t *testing.T) {
	full := image.Rect(0, 0, 64, 32)
	left, right := image.Rect(0, 0, 32, 32), image.Rect(32, 0, 64, 32)
	data := encodeGIF(t, &gif.GIF{
		Image:    []*image.Paletted{paletted(full, 1), paletted(left, 2), paletted(right, 3)},
		Delay:    []int{20, 0, 5},
		Disposal: []byte{gif.DisposalNone, gif.DisposalBackground, gif.DisposalNone},
		Config:   image.Config{ColorModel: gifPalette, Width: 64, Height: 32},
	})
	if n, err := gifFrames(data); n != 3 || err != nil {
		t.Fatalf("gifFrames: %d, %v; want 3", n, err)
	}
	out, err := Sticker(t.Context(), data)
	if err != nil {
		t.Fatal(err)
	}
	if !IsAnimatedWebP(out) {
		t.Fatalf("sticker starts %q, want an animated WebP", out[:min(32, len(out))])
	}
	if got := binary.LittleEndian.Uint32(out[4:]) + 8; got != uint32(len(out)) {
		t.Fatalf("RIFF size says %d bytes, the file has %d", got, len(out))
	}
	anim, err := webp.DecodeAll(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("decode the animation: %v", err)
	}
	if len(anim.Image) != 3 {
		t.Fatalf("%d frames, want 3", len(anim.Image))
	}
	if want := []int{200, 100, 50}; len(anim.Delay) != 3 || anim.Delay[0] != want[0] || anim.Delay[1] != want[1] || anim.Delay[2] != want[2] {
		t.Fatalf("delays %v ms, want %v", anim.Delay, want)
	}
	// The 64×32 picture fills 512×256, rows 128 to 384.
	red, green, blue := [4]uint8{220, 20, 20, 255}, [4]uint8{20, 200, 20, 255}, [4]uint8{20, 20, 220, 255}
	clear := [4]uint8{0, 0, 0, 0}
	for k, want := range [][2][4]uint8{{red, red}, {green, red}, {clear, blue}} {
		img := anim.Image[k]
		if b := img.Bounds(); b.Dx() != StickerSize || b.Dy() != StickerSize {
			t.Fatalf("frame %d is %dx%d, want 512x512", k, b.Dx(), b.Dy())
		}
		for side, x := range []int{128, 384} {
			w := want[side]
			c := img.At(x, 256)
			if w[3] == 0 {
				if _, _, _, a := c.RGBA(); a != 0 {
					t.Errorf("frame %d pixel (%d,256) is %v, want transparent", k, x, c)
				}
				continue
			}
			if !near(c, w[0], w[1], w[2], w[3]) {
				t.Errorf("frame %d pixel (%d,256) is %v, want %v", k, x, c, w)
			}
		}
		if _, _, _, a := img.At(256, 40).RGBA(); a != 0 {
			t.Errorf("frame %d: padding above the picture is not transparent", k)
		}
	}
	// LoopCount 0 (forever) stays forever; -1 (once) plays once.
	if loops := animLoops(t, out); loops != 0 {
		t.Errorf("loop count %d, want 0 (forever)", loops)
	}
	once := encodeGIF(t, &gif.GIF{Image: []*image.Paletted{paletted(full, 1), paletted(full, 2)}, Delay: []int{10, 10},
		LoopCount: -1, Config: image.Config{ColorModel: gifPalette, Width: 64, Height: 32}})
	out, err = Sticker(t.Context(), once)
	if err != nil {
		t.Fatal(err)
	}
	if loops := animLoops(t, out); loops != 1 {
		t.Errorf("loop count %d, want 1 (once)", loops)
	}
}

// animLoops reads the loop count of an animated WebP's ANIM chunk.
func animLoops(t *testing.T, data []byte) int {
	t.Helper()
	i := bytes.Index(data, []byte("ANIM"))
	if i < 0 || i+14 > len(data) {
		t.Fatal("no ANIM chunk")
	}
	return int(binary.LittleEndian.Uint16(data[i+12:]))
}

func TestAnimatedGIFRefusals(t *testing.T) {
	tiny := image.Rect(0, 0, 1, 1)
	frames := func(n int) []*image.Paletted {
		out := make([]*image.Paletted, n)
		for i := range out {
			out[i] = paletted(tiny, uint8(1+i%3))
		}
		return out
	}
	many := encodeGIF(t, &gif.GIF{Image: frames(MaxStickerFrames + 1), Delay: make([]int, MaxStickerFrames+1),
		Config: image.Config{ColorModel: gifPalette, Width: 1, Height: 1}})
	// Five frames of a 4096×4096 screen: small on disk, 80 M pixels decoded.
	huge := encodeGIF(t, &gif.GIF{Image: frames(5), Delay: make([]int, 5),
		Config: image.Config{ColorModel: gifPalette, Width: 4096, Height: 4096}})
	good := encodeGIF(t, &gif.GIF{Image: frames(2), Delay: []int{10, 10}, Config: image.Config{ColorModel: gifPalette, Width: 1, Height: 1}})
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"too many frames":        {many, StickerTooManyFrames},
		"too many pixels in all": {huge, StickerGIFTooLarge},
		"cut inside a frame":     {good[:len(good)-4], StickerUnreadable},
		"unknown block":          {append(append([]byte{}, good[:len(good)-1]...), 0x99), StickerUnreadable},
	} {
		_, err := Sticker(t.Context(), tc.data)
		var ge *gateway.Error
		if !errors.As(err, &ge) || ge.Code != gateway.CodeValidation || ge.Fields["media"] != tc.want {
			t.Errorf("%s: got %v, want a validation error saying %q", name, err, tc.want)
		}
	}
}
