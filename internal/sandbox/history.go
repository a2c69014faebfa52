package sandbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/atomicfile"
	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// History in the sandbox. On pairing, WhatsApp pushes the account's recent
// past to the new device; the sandbox seeds a plausible one instead: a few
// direct chats with people of their own (numbers 1555… derived from the
// account's number, so a pairing again seeds the same history), messages
// both ways spread over the last HistoryDays days (at most 30), one chat
// pinned, one archived, one muted, the newest with unread messages. It
// arrives as EvHistorySync batches with rising progress, the last one
// Done, as whatsmeow's history blobs do. Every tenth message is a photo
// (its line the caption) that is referenced, not sent: as whatsmeow keeps
// a history message's media key and path, the sandbox keeps which photo
// it is (Media.Ref), and FetchMedia draws it on its first request.

// DefaultHistoryMessages is how many messages the seeded history holds.
const DefaultHistoryMessages = 60

var historyNames = []string{"Amal", "Ben", "Chiara", "Dmitri", "Esi", "Farid"}

var historyLines = []string{
	"Hi! Are we still on for tomorrow?", "Yes, 10 am works for me.", "Great, see you then.",
	"Can you send me the invoice?", "Sent it just now.", "Thanks, got it.",
	"How was the trip?", "Long, but good. Photos soon!", "Looking forward to them.",
	"Is the order shipped?", "It left the warehouse this morning.", "Perfect, thank you.",
}

// historyContact is the n-th seeded contact of the account phone.
func historyContact(phone string, n int) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("sandbox-history:%s:%d", phone, n)))
	p := fmt.Sprintf("1555%07d", binary.BigEndian.Uint64(h[:8])%10_000_000)
	if strings.HasSuffix(p, "0000") || strings.HasSuffix(p, "0409") || strings.HasSuffix(p, "0403") {
		p = p[:len(p)-1] + "7"
	}
	return p
}

// seedHistory is the history of the account phone as batches, bounded to
// days (0: none) and n messages, the newest at now.
func seedHistory(phone string, days, n int, now time.Time) []gateway.EvHistorySync {
	if days <= 0 {
		return []gateway.EvHistorySync{{Off: true, Done: true}}
	}
	defaults.Positive(&n, DefaultHistoryMessages)
	span := time.Duration(min(days, 30)) * 24 * time.Hour
	start := now.Add(-span + time.Hour)
	step := (span - 2*time.Hour) / time.Duration(n)
	own := phone + "@" + gateway.ServerUser
	chats := map[string]*gateway.HistoryChat{}
	var order []string
	var msgs []*gateway.InboundMessage
	for i := range n {
		k := i % len(historyNames)
		peer := historyContact(phone, k)
		jid := peer + "@" + gateway.ServerUser
		at := start.Add(time.Duration(i) * step).UTC().Truncate(time.Millisecond)
		fromMe := (i/len(historyNames))%2 == 1
		id := sha256.Sum256([]byte(fmt.Sprintf("sandbox-history-msg:%s:%d", phone, i)))
		m := &gateway.InboundMessage{WAMessageID: "3EB0" + strings.ToUpper(hex.EncodeToString(id[:9])), Chat: jid,
			Sender: jid, SenderPhone: peer, SenderLID: derivedLID(peer), PushName: historyNames[k],
			FromMe: fromMe, Type: gateway.TypeText, Text: historyLines[i%len(historyLines)], Timestamp: at}
		if i%historyPhotoEvery == historyPhotoEvery-3 {
			photo := historyPhoto(phone, i)
			sum := sha256.Sum256(photo)
			ref, _ := json.Marshal(historyPhotoRef{Phone: phone, N: i})
			m.Type = gateway.TypeImage
			m.Media = &gateway.Media{MIMEType: "image/png", Caption: m.Text, Size: int64(len(photo)),
				SHA256: hex.EncodeToString(sum[:]), Ref: ref}
		}
		if fromMe {
			m.Sender, m.SenderPhone, m.SenderLID, m.PushName = own, phone, derivedLID(phone), ""
		}
		msgs = append(msgs, m)
		c, ok := chats[jid]
		if !ok {
			c = &gateway.HistoryChat{JID: jid, Name: historyNames[k]}
			chats[jid] = c
			order = append(order, jid)
		}
		c.LastMessageAt = at
	}
	// The chats' states, as a phone would have them.
	for i, jid := range order {
		c := chats[jid]
		switch i {
		case 0:
			c.Pinned = true
		case 1:
			c.Archived = true
		case 2:
			c.Muted = true
		}
	}
	if last := msgs[len(msgs)-1]; !last.FromMe {
		chats[last.Chat].UnreadCount = 2
	}
	// Three batches, as WhatsApp's initial bootstrap, recent and full syncs.
	var out []gateway.EvHistorySync
	parts := 3
	for p := range parts {
		from, to := p*len(msgs)/parts, (p+1)*len(msgs)/parts
		b := gateway.EvHistorySync{Messages: msgs[from:to], Progress: (p + 1) * 100 / parts, Done: p == parts-1}
		if p == 0 {
			for _, jid := range order {
				b.Chats = append(b.Chats, *chats[jid])
			}
		}
		out = append(out, b)
	}
	return out
}

// historyPhotoEvery: every that many seeded messages, one is a photo.
const historyPhotoEvery = 10

// historyPhotoRef is the Media.Ref of a seeded photo: whose history, which
// message.
type historyPhotoRef struct {
	Phone string `json:"phone"`
	N     int    `json:"n"`
}

// historyPhoto draws the n-th message's photo of phone's history: a small
// PNG in colours derived from both, the same every time.
func historyPhoto(phone string, n int) []byte {
	h := sha256.Sum256([]byte(fmt.Sprintf("sandbox-history-photo:%s:%d", phone, n)))
	img := image.NewRGBA(image.Rect(0, 0, 48, 32))
	for y := range 32 {
		for x := range 48 {
			k := (x/12 + y/8) % 4
			img.Set(x, y, color.RGBA{h[3*k], h[3*k+1], h[3*k+2], 0xff})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // cannot fail on an RGBA image into a buffer
	return buf.Bytes()
}

// FetchMedia "downloads" a history photo: it draws the photo ref names
// and writes it to dest, as whatsmeow downloads a history message's media
// from WhatsApp's servers on its first request. Only the account's own
// history is served (another's ref is not found).
func (e *Engine) FetchMedia(_ context.Context, ref []byte, dest string) error {
	me, err := e.me()
	if err != nil {
		return err
	}
	var r historyPhotoRef
	if err := json.Unmarshal(ref, &r); err != nil || r.Phone != me || r.N < 0 || r.N%historyPhotoEvery != historyPhotoEvery-3 {
		return gateway.Errorf(gateway.CodeNotFound, "The message has no media to download.")
	}
	return atomicfile.WriteBytes(dest, historyPhoto(r.Phone, r.N))
}

var _ gateway.MediaEngine = (*Engine)(nil)
