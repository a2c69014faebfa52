// Package convert turns media a caller sends into the formats WhatsApp
// needs for two message types: a sticker is a WebP image of 512×512
// pixels (animated for an animated GIF), and a voice note Ogg/Opus audio.
// Stickers are converted in process (Go decoders, libwebp compiled to
// WebAssembly for the encoder);
// voice notes by an operator-configured command (AUDIO_CONVERTER), since
// no Opus encoder in pure Go is available.
//
// The send path calls it once, before a message is stored, so the stored
// and queued media is the converted file and both engines send the same
// bytes.
package convert

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"

	"github.com/gen2brain/webp"
	"golang.org/x/image/draw"
	xwebp "golang.org/x/image/webp"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

const (
	// StickerSize is the side of a sticker, in pixels.
	StickerSize = 512
	// MaxStickerInput bounds the file a sticker is made from.
	MaxStickerInput = 16 << 20
	// MaxStickerPixels bounds the decoded size of the image a sticker is
	// made from (4096×4096): a small file can declare a huge image (a
	// decompression bomb), and decoding it would hold gigabytes. The
	// header is read first, and nothing larger is decoded.
	MaxStickerPixels = 4096 * 4096
	// stickerTargetBytes is WhatsApp's limit for a static sticker; the
	// encoder lowers its quality until the file fits (or keeps the
	// smallest it made).
	stickerTargetBytes = 100 << 10
)

// stickerSlots bounds the conversions running at once: each holds a
// decoded image and a WebAssembly instance of the encoder, and takes a
// core while it runs.
var stickerSlots = make(chan struct{}, 2)

// The sentences of a refused sticker, for the API's 422 (field "media").
const (
	StickerTooLarge    = "A sticker is made from an image of at most 16 MiB."
	StickerUnreadable  = "A sticker is made from a PNG, JPEG, GIF or WebP image; this file is none of them, or it is damaged."
	StickerTooManyPx   = "A sticker is made from an image of at most 4096×4096 pixels (16,777,216 pixels); this one is larger."
	StickerNotEncoded  = "The sticker could not be converted to WebP."
	stickerFieldMedia  = "media"
	webpHeaderMinBytes = 12
)

func refuse(msg string) error {
	return gateway.ValidationError(map[string]string{stickerFieldMedia: msg})
}

// IsWebP reports whether data is a WebP file (RIFF … WEBP).
func IsWebP(data []byte) bool {
	return len(data) >= webpHeaderMinBytes && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP"
}

// IsAnimatedWebP reports whether data is an animated WebP: an extended
// (VP8X) file whose animation flag is set.
func IsAnimatedWebP(data []byte) bool {
	// RIFF size WEBP, then the first chunk: "VP8X", its size, and the flags byte.
	return IsWebP(data) && len(data) >= 21 && string(data[12:16]) == "VP8X" && data[20]&0x02 != 0
}

// Sticker returns data as a sticker: a WebP image of 512×512 pixels, the
// picture scaled to fit inside (its aspect kept) and centred on a
// transparent square. PNG, JPEG (turned as its EXIF orientation says),
// a still GIF and static WebP are converted; a GIF of several frames
// becomes an animated WebP (animatedSticker); an animated WebP, or a
// static one already 512×512, is returned unchanged. A file that is too
// large, not an image, decodes to too many pixels, or is a GIF of too
// many frames is refused with a validation error naming media.
func Sticker(ctx context.Context, data []byte) ([]byte, error) {
	if len(data) > MaxStickerInput {
		return nil, refuse(StickerTooLarge)
	}
	if IsAnimatedWebP(data) {
		return data, nil
	}
	format, decodeConfig, decode := decoderOf(data)
	if decode == nil {
		return nil, refuse(StickerUnreadable)
	}
	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, refuse(StickerUnreadable)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxStickerPixels {
		return nil, refuse(StickerTooManyPx)
	}
	if format == "webp" && cfg.Width == StickerSize && cfg.Height == StickerSize {
		return data, nil
	}
	frames := 1
	if format == "gif" {
		if frames, err = gifFrames(data); err != nil || frames == 0 {
			return nil, refuse(StickerUnreadable)
		}
	}
	select {
	case stickerSlots <- struct{}{}:
		defer func() { <-stickerSlots }()
	case <-ctx.Done():
		return nil, gateway.WrapError(ctx.Err(), gateway.CodeUnavailable, "The sticker could not be converted in time; try again.")
	}
	if frames > 1 {
		return animatedSticker(ctx, data, frames, cfg)
	}
	src, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, refuse(StickerUnreadable)
	}
	sticker := image.Image(fitSquare(src, StickerSize))
	if format == "jpeg" {
		// A photo is stored as the sensor saw it; EXIF says how to turn
		// it. Turned once fitted: the picture is centred in a square, so
		// turning the square turns the picture, at 512×512 pixels rather
		// than the photo's millions.
		sticker = orient(sticker, jpegOrientation(data))
	}
	return encodeSticker(sticker)
}

// decoderOf picks the decoder by the file's magic bytes (not by the
// declared MIME type, which callers get wrong).
func decoderOf(data []byte) (format string, config func(*bytes.Reader) (image.Config, error), decode func(*bytes.Reader) (image.Image, error)) {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "png", func(r *bytes.Reader) (image.Config, error) { return png.DecodeConfig(r) },
			func(r *bytes.Reader) (image.Image, error) { return png.Decode(r) }
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		return "jpeg", func(r *bytes.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) },
			func(r *bytes.Reader) (image.Image, error) { return jpeg.Decode(r) }
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		// gif.Decode reads the first frame only: a GIF of several
		// frames is made an animated sticker before this is used.
		return "gif", func(r *bytes.Reader) (image.Config, error) { return gif.DecodeConfig(r) },
			func(r *bytes.Reader) (image.Image, error) { return gif.Decode(r) }
	case IsWebP(data):
		// Static WebP decodes in pure Go; the encoder alone needs libwebp.
		return "webp", func(r *bytes.Reader) (image.Config, error) { return xwebp.DecodeConfig(r) },
			func(r *bytes.Reader) (image.Image, error) { return xwebp.Decode(r) }
	}
	return "", nil, nil
}

// fitSquare scales src to fit inside a side×side square, its aspect kept,
// centred on transparent pixels.
func fitSquare(src image.Image, side int) *image.NRGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	nw, nh := side, side
	if w >= h {
		nh = max(1, (h*side+w/2)/w)
	} else {
		nw = max(1, (w*side+h/2)/h)
	}
	dst := image.NewNRGBA(image.Rect(0, 0, side, side)) // transparent
	at := image.Rect((side-nw)/2, (side-nh)/2, (side-nw)/2+nw, (side-nh)/2+nh)
	draw.CatmullRom.Scale(dst, at, src, b, draw.Src, nil)
	return dst
}

// encodeSticker encodes img as WebP, lowering the quality until the file
// is within WhatsApp's static sticker size, or keeping the smallest made.
func encodeSticker(img image.Image) ([]byte, error) {
	var best []byte
	for _, q := range []int{80, 60, 40} {
		var buf bytes.Buffer
		if err := webp.Encode(&buf, img, webp.Options{Quality: q, Method: 4}); err != nil {
			return nil, gateway.WrapError(fmt.Errorf("encode webp: %w", err), gateway.CodeInternal, StickerNotEncoded)
		}
		if best == nil || buf.Len() < len(best) {
			best = buf.Bytes()
		}
		if len(best) <= stickerTargetBytes {
			break
		}
	}
	if !IsWebP(best) || binary.LittleEndian.Uint32(best[4:8])+8 != uint32(len(best)) {
		return nil, gateway.Errorf(gateway.CodeInternal, StickerNotEncoded)
	}
	return best, nil
}
