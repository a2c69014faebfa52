package convert

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/draw"
	"image/gif"

	"github.com/gen2brain/webp"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

const (
	// MaxStickerFrames bounds the frames of a GIF made into an animated
	// sticker: each is scaled and encoded on its own.
	MaxStickerFrames = 120
	// MaxStickerGIFPixels bounds a GIF's frames × width × height: the
	// decoder holds every frame at once (a byte a pixel), and a small
	// file can declare many large frames.
	MaxStickerGIFPixels = 64 << 20
	// animatedTargetBytes is WhatsApp's limit for an animated sticker.
	animatedTargetBytes = 500 << 10
)

// The sentences of a refused animated sticker, for the API's 422.
const (
	StickerTooManyFrames = "An animated sticker is made from a GIF of at most 120 frames; this one has more."
	StickerGIFTooLarge   = "An animated sticker is made from a GIF of at most 67,108,864 pixels in all (frames × width × height); this one is larger."
)

// gifFrames counts the frames of a GIF by walking its blocks, without
// decoding any: the decoder decodes all frames at once, so their number
// and size must be known to be bounded first. An error for a file that
// ends inside a block.
func gifFrames(data []byte) (int, error) {
	short := fmt.Errorf("gif: truncated")
	if len(data) < 13 {
		return 0, short
	}
	i := 13
	if p := data[10]; p&0x80 != 0 {
		i += 3 << ((p & 7) + 1)
	}
	subBlocks := func() error {
		for {
			if i >= len(data) {
				return short
			}
			n := int(data[i])
			i += 1 + n
			if n == 0 {
				return nil
			}
		}
	}
	frames := 0
	for i < len(data) {
		switch data[i] {
		case 0x21: // extension: label, then sub-blocks
			i += 2
			if err := subBlocks(); err != nil {
				return 0, err
			}
		case 0x2c: // image: descriptor, local colour table, LZW code size, sub-blocks
			if i+10 > len(data) {
				return 0, short
			}
			p := data[i+9]
			i += 10
			if p&0x80 != 0 {
				i += 3 << ((p & 7) + 1)
			}
			i++ // LZW minimum code size
			if err := subBlocks(); err != nil {
				return 0, err
			}
			frames++
		case 0x3b: // trailer
			return frames, nil
		default:
			return 0, fmt.Errorf("gif: unknown block 0x%02x", data[i])
		}
	}
	return frames, nil // no trailer: what was read
}

// animatedSticker makes an animated WebP sticker of a GIF's frames: each
// frame composed as a browser shows it (drawn over what the earlier ones
// left, then disposed as it says), fitted into 512×512 like a static
// sticker, encoded by libwebp, and the frames put in WebP's animation
// container (a VP8X header with the animation flag, ANIM, one ANMF per
// frame). libwebp's own animation encoder is not in the WebAssembly build
// the encoder uses, so the container is written here, per the WebP
// container specification; each frame is a whole canvas, so no blending
// or offsets are involved.
func animatedSticker(ctx context.Context, data []byte, frames int, cfg image.Config) ([]byte, error) {
	if frames > MaxStickerFrames {
		return nil, refuse(StickerTooManyFrames)
	}
	if int64(frames)*int64(cfg.Width)*int64(cfg.Height) > MaxStickerGIFPixels {
		return nil, refuse(StickerGIFTooLarge)
	}
	g, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil || len(g.Image) == 0 {
		return nil, refuse(StickerUnreadable)
	}
	canvas := image.NewNRGBA(image.Rect(0, 0, g.Config.Width, g.Config.Height))
	fitted := make([]image.Image, len(g.Image))
	delays := make([]int, len(g.Image))
	for k, frame := range g.Image {
		var saved *image.NRGBA
		disposal := byte(0)
		if k < len(g.Disposal) {
			disposal = g.Disposal[k]
		}
		if disposal == gif.DisposalPrevious {
			saved = image.NewNRGBA(canvas.Rect)
			copy(saved.Pix, canvas.Pix)
		}
		draw.Draw(canvas, frame.Bounds(), frame, frame.Bounds().Min, draw.Over)
		fitted[k] = fitSquare(canvas, StickerSize)
		switch disposal {
		case gif.DisposalBackground:
			draw.Draw(canvas, frame.Bounds(), image.Transparent, image.Point{}, draw.Src)
		case gif.DisposalPrevious:
			canvas = saved
		}
		// GIF delays are in hundredths of a second; 0 and 1 are shown
		// as a tenth by browsers, which is what senders expect.
		delays[k] = 100
		if k < len(g.Delay) && g.Delay[k] > 1 {
			delays[k] = g.Delay[k] * 10
		}
	}
	// WebP loops forever with 0; a GIF's LoopCount is 0 for forever, -1
	// for once, n for n repeats after the first play.
	loops := 0
	switch {
	case g.LoopCount < 0:
		loops = 1
	case g.LoopCount > 0:
		loops = min(g.LoopCount+1, 0xffff)
	}
	var best []byte
	for _, q := range []int{60, 35} {
		out, err := encodeAnimation(ctx, fitted, delays, loops, q)
		if err != nil {
			return nil, err
		}
		if best == nil || len(out) < len(best) {
			best = out
		}
		if len(best) <= animatedTargetBytes {
			break
		}
	}
	return best, nil
}

// encodeAnimation encodes each frame at quality q and writes the
// animated WebP file.
func encodeAnimation(ctx context.Context, frames []image.Image, delays []int, loops, q int) ([]byte, error) {
	var body bytes.Buffer
	body.WriteString("WEBP")
	side := uint32(StickerSize - 1)
	vp8x := make([]byte, 10)
	vp8x[0] = 0x10 | 0x02 // alpha, animation
	put24(vp8x[4:], side)
	put24(vp8x[7:], side)
	writeChunk(&body, "VP8X", vp8x)
	anim := make([]byte, 6) // background: transparent black
	binary.LittleEndian.PutUint16(anim[4:], uint16(loops))
	writeChunk(&body, "ANIM", anim)
	for k, img := range frames {
		if err := ctx.Err(); err != nil {
			return nil, gateway.WrapError(err, gateway.CodeUnavailable, "The sticker could not be converted in time; try again.")
		}
		var still bytes.Buffer
		if err := webp.Encode(&still, img, webp.Options{Quality: q, Method: 4}); err != nil {
			return nil, gateway.WrapError(fmt.Errorf("encode webp frame %d: %w", k, err), gateway.CodeInternal, StickerNotEncoded)
		}
		bitstream, err := frameChunks(still.Bytes())
		if err != nil {
			return nil, gateway.WrapError(fmt.Errorf("frame %d: %w", k, err), gateway.CodeInternal, StickerNotEncoded)
		}
		anmf := make([]byte, 16, 16+len(bitstream))
		// X and Y offsets (in units of two pixels) stay 0: whole canvas.
		put24(anmf[6:], side)
		put24(anmf[9:], side)
		put24(anmf[12:], uint32(min(delays[k], 0xffffff)))
		anmf[15] = 0x02 // do not blend: each frame is the whole picture
		writeChunk(&body, "ANMF", append(anmf, bitstream...))
	}
	out := make([]byte, 0, 8+body.Len())
	out = append(out, "RIFF"...)
	out = binary.LittleEndian.AppendUint32(out, uint32(body.Len()))
	return append(out, body.Bytes()...), nil
}

// frameChunks returns the image chunks of a still WebP file (ALPH and VP8,
// or VP8L), as an ANMF frame carries them.
func frameChunks(still []byte) ([]byte, error) {
	if !IsWebP(still) {
		return nil, fmt.Errorf("not a WebP file")
	}
	var out []byte
	for i := 12; i < len(still); {
		if i+8 > len(still) {
			return nil, fmt.Errorf("truncated chunk header")
		}
		n := int(binary.LittleEndian.Uint32(still[i+4:]))
		end := i + 8 + n + n%2
		if n < 0 || end > len(still)+n%2 {
			return nil, fmt.Errorf("truncated chunk")
		}
		switch string(still[i : i+4]) {
		case "ALPH", "VP8 ", "VP8L":
			out = append(out, still[i:min(end, len(still))]...)
			if n%2 == 1 && end > len(still) {
				out = append(out, 0)
			}
		}
		i = end
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no image chunk")
	}
	return out, nil
}

func writeChunk(b *bytes.Buffer, fourCC string, payload []byte) {
	b.WriteString(fourCC)
	_ = binary.Write(b, binary.LittleEndian, uint32(len(payload)))
	b.Write(payload)
	if len(payload)%2 == 1 {
		b.WriteByte(0)
	}
}

func put24(b []byte, v uint32) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
