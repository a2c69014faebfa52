package convert

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

var (
	red   = color.NRGBA{255, 0, 0, 255}
	green = color.NRGBA{0, 255, 0, 255}
	blue  = color.NRGBA{0, 0, 255, 255}
	white = color.NRGBA{255, 255, 255, 255}
)

// quadrants is a w×h picture of four colours: top-left, top-right,
// bottom-left, bottom-right.
func quadrants(w, h int, tl, tr, bl, br color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := [2][2]color.NRGBA{{tl, tr}, {bl, br}}[y*2/h][x*2/w]
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// withExif is a JPEG of img carrying an EXIF segment whose first IFD
// holds another tag and then the orientation, in the byte order bo.
func withExif(t *testing.T, img image.Image, orientation uint16, bo binary.ByteOrder) []byte {
	t.Helper()
	var j bytes.Buffer
	if err := jpeg.Encode(&j, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	var tiff bytes.Buffer
	if bo == binary.LittleEndian {
		tiff.WriteString("II")
	} else {
		tiff.WriteString("MM")
	}
	w := func(v any) { _ = binary.Write(&tiff, bo, v) }
	w(uint16(42))
	w(uint32(8)) // the first IFD follows the header
	w(uint16(2)) // two entries
	// ImageDescription (ASCII, 4 bytes inline), then Orientation (SHORT).
	w(uint16(0x010e))
	w(uint16(2))
	w(uint32(4))
	tiff.WriteString("abc\x00")
	w(uint16(0x0112))
	w(uint16(3))
	w(uint32(1))
	w(orientation)
	w(uint16(0))
	w(uint32(0)) // no next IFD
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	app1 := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(app1[2:], uint16(len(seg)+2))
	app1 = append(app1, seg...)
	out := append([]byte{}, j.Bytes()[:2]...) // SOI
	out = append(out, app1...)
	return append(out, j.Bytes()[2:]...)
}

// TestStickerFollowsExifOrientation makes, for each EXIF orientation, the
// JPEG a camera would store for one landscape scene (red, green / blue,
// white quadrants), and checks the sticker shows the scene upright.
func TestStickerFollowsExifOrientation(t *testing.T) {
	// How each orientation stores the scene: the colours of the stored
	// picture's quadrants, and whether it is stored portrait (5 to 8).
	stored := map[uint16][4]color.NRGBA{
		1: {red, green, blue, white},
		2: {green, red, white, blue}, // mirrored
		3: {white, blue, green, red}, // half a turn
		4: {blue, white, red, green}, // upside down
		5: {red, blue, green, white}, // transposed
		6: {green, white, red, blue}, // stored a quarter anticlockwise: shown turned clockwise
		7: {white, green, blue, red}, // transversed
		8: {blue, red, white, green}, // stored a quarter clockwise: shown turned anticlockwise
	}
	for o := uint16(1); o <= 8; o++ {
		for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			t.Run(fmt.Sprintf("%d %s", o, bo), func(t *testing.T) {
				q := stored[o]
				w, h := 128, 64
				if o >= 5 {
					w, h = h, w
				}
				data := withExif(t, quadrants(w, h, q[0], q[1], q[2], q[3]), o, bo)
				if got := jpegOrientation(data); got != int(o) {
					t.Fatalf("orientation read %d, want %d", got, o)
				}
				out, err := Sticker(context.Background(), data)
				if err != nil {
					t.Fatal(err)
				}
				img := decodeSticker(t, out)
				// The scene, 512×256, centred: rows 128 to 384.
				for _, p := range []struct {
					x, y int
					want color.NRGBA
				}{{128, 192, red}, {384, 192, green}, {128, 320, blue}, {384, 320, white}} {
					if c := img.At(p.x, p.y); !near(c, p.want.R, p.want.G, p.want.B, 255) {
						t.Errorf("pixel (%d,%d) is %v, want %v", p.x, p.y, c, p.want)
					}
				}
				if c := img.At(256, 40); !near(c, 0, 0, 0, 0) {
					t.Errorf("pixel (256,40) is %v, want the transparent padding above the scene", c)
				}
			})
		}
	}
}

func TestJPEGOrientationOfDamagedFiles(t *testing.T) {
	good := withExif(t, quadrants(8, 8, red, green, blue, white), 6, binary.BigEndian)
	tests := map[string][]byte{
		"not a JPEG":               []byte("\x89PNG\r\n\x1a\n"),
		"no EXIF":                  good[:2],
		"segment cut short":        good[:20],
		"orientation out of range": withExif(t, quadrants(8, 8, red, green, blue, white), 9, binary.BigEndian),
		"IFD offset past the end": func() []byte {
			b := append([]byte{}, good...)
			binary.BigEndian.PutUint32(b[2+4+6+4:], 0xfffffff0) // TIFF header's IFD offset
			return b
		}(),
	}
	for name, data := range tests {
		if got := jpegOrientation(data); got != 1 {
			t.Errorf("%s: orientation %d, want 1 (as stored)", name, got)
		}
	}
}
