package whatsmeow

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/store"
	"google.golang.org/protobuf/proto"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// TestHistoryMediaReferenced: a history photo is converted with its media
// referenced (Media.Ref holds the media key, direct path and hashes, and
// the message's ids), not downloaded; FetchMedia's download reads the
// same media message back and writes the file; an expired file asks the
// phone to upload it again and answers not found; a bad ref is not found.
func TestHistoryMediaReferenced(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	key := bytes.Repeat([]byte{7}, 32)
	img := &waE2E.ImageMessage{DirectPath: proto.String("/v/t62.7118-24/123_456_n.enc"), MediaKey: key,
		FileSHA256: bytes.Repeat([]byte{1}, 32), FileEncSHA256: bytes.Repeat([]byte{2}, 32), FileLength: proto.Uint64(4),
		Mimetype: proto.String("image/jpeg"), Caption: proto.String("the view")}
	wm := &waWeb.WebMessageInfo{Key: &waCommon.MessageKey{RemoteJID: proto.String(otherUser.String()), FromMe: proto.Bool(false), ID: proto.String("PHOTO1")},
		MessageTimestamp: proto.Uint64(uint64(now.Add(-time.Hour).Unix())), Message: &waE2E.Message{ImageMessage: img}}
	data := &waHistorySync.HistorySync{Progress: proto.Uint32(100), Conversations: []*waHistorySync.Conversation{
		{ID: proto.String(otherUser.String()), ConversationTimestamp: proto.Uint64(uint64(now.Unix())),
			Messages: []*waHistorySync.HistorySyncMsg{{Message: wm}, webMessage(otherUser, "TEXT1", false, "", now.Add(-2*time.Hour), "hi")}}}}
	own := ownUser
	ev := historyEvent(t.Context(), data, &wa.Client{Store: &store.Device{ID: &own}}, &fakeLIDs{}, now.Add(-24*time.Hour))
	var photo, text *gateway.InboundMessage
	for _, m := range ev.Messages {
		switch m.WAMessageID {
		case "PHOTO1":
			photo = m
		case "TEXT1":
			text = m
		}
	}
	if photo == nil || photo.Type != gateway.TypeImage || photo.Media == nil || len(photo.Media.Ref) == 0 || len(photo.Media.Data) != 0 || photo.Media.Caption != "the view" {
		t.Fatalf("history photo: got %+v with media %+v, want an image referenced by Media.Ref, no bytes", photo, photo.Media)
	}
	if text == nil || text.Media != nil {
		t.Fatalf("history text: got %+v, want no media", text)
	}
	src, info, err := refMedia(photo.Media.Ref)
	if err != nil || src.GetDirectPath() != img.GetDirectPath() || !bytes.Equal(src.GetMediaKey(), key) ||
		!bytes.Equal(src.GetFileEncSHA256(), img.GetFileEncSHA256()) || info.ID != "PHOTO1" || info.Chat != otherUser || info.IsFromMe {
		t.Fatalf("ref read back: %v, %+v (%v); want the photo's path, key and hashes and its ids", src, info, err)
	}

	e := mediaEngine(t)
	e.opts.MaxMediaBytes = 1 << 20
	dest := filepath.Join(t.TempDir(), "s", "PHOTO1.jpg")
	f := &fakeMedia{data: []byte("jpeg")}
	if err := e.fetchHistoryMedia(t.Context(), f, info, src, dest); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(dest); err != nil || string(b) != "jpeg" {
		t.Fatalf("the downloaded file holds %q (%v)", b, err)
	}
	if paths, _ := f.snapshot(); len(paths) != 1 || paths[0] != img.GetDirectPath() {
		t.Fatalf("downloads from %v, want the ref's direct path once", paths)
	}

	expired := &fakeMedia{errs: []error{wa.ErrMediaDownloadFailedWith410}}
	dest2 := filepath.Join(t.TempDir(), "PHOTO1.jpg")
	if err := e.fetchHistoryMedia(t.Context(), expired, info, src, dest2); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Fatalf("an expired history photo: got %v, want not found", err)
	}
	if _, receipts := expired.snapshot(); len(receipts) != 1 || receipts[0] != "PHOTO1" || !bytes.Equal(expired.keys[0], key) {
		t.Fatalf("re-upload requests %v, want one for PHOTO1 with its media key", receipts)
	}
	if _, _, err := refMedia([]byte(`{"kind":"nope"}`)); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Fatalf("a bad ref: got %v, want not found", err)
	}
	big := &Engine{opts: Options{MaxMediaBytes: 2}}
	if err := big.FetchMedia(t.Context(), photo.Media.Ref, dest); !gateway.IsCode(err, gateway.CodeTooLarge) {
		t.Fatalf("a history photo over the cap: got %v, want too large", err)
	}
}
