package whatsmeow

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waMmsRetry"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"go.mau.fi/whatsmeow/util/gcmutil"
	"go.mau.fi/whatsmeow/util/hkdfutil"
	"google.golang.org/protobuf/proto"
)

// fakeMedia plays WhatsApp's media servers and the phone: each download
// fails with the next queued error, then writes data.
type fakeMedia struct {
	mu       sync.Mutex
	errs     []error
	data     []byte
	paths    []string // the direct path of each download
	receipts []types.MessageID
	keys     [][]byte
}

func (f *fakeMedia) DownloadToFile(_ context.Context, msg wa.DownloadableMessage, file wa.File) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paths = append(f.paths, msg.GetDirectPath())
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return err
	}
	_, err := file.Write(f.data)
	return err
}

func (f *fakeMedia) SendMediaRetryReceipt(_ context.Context, info *types.MessageInfo, key []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.receipts = append(f.receipts, info.ID)
	f.keys = append(f.keys, key)
	return nil
}

func (f *fakeMedia) snapshot() (paths []string, receipts []types.MessageID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.paths...), append([]types.MessageID(nil), f.receipts...)
}

func mediaEngine(t *testing.T) *Engine {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return &Engine{log: slog.New(slog.DiscardHandler), hctx: ctx,
		downloads: make(chan struct{}, 2), reuploads: map[types.MessageID]*pendingMedia{},
		downloadBackoff: []time.Duration{time.Millisecond, time.Millisecond}}
}

func image(key []byte) *waE2E.ImageMessage {
	return &waE2E.ImageMessage{DirectPath: proto.String("/v/old"), MediaKey: key, Mimetype: proto.String("image/jpeg")}
}

// waitFile waits until the engine's downloads are done or stuck (the tests
// run in a synctest bubble, where the retries' backoff is the bubble's
// clock) and checks the file they wrote.
func waitFile(t *testing.T, path string, want string) {
	t.Helper()
	synctest.Wait()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s never written: %v", path, err)
	}
	if string(b) != want {
		t.Fatalf("file holds %q, want %q", b, want)
	}
}

// TestMediaDownloadRetriesPassingFailures: a network failure is retried;
// a corrupt file is not.
func TestMediaDownloadRetriesPassingFailures(t *testing.T) {
	synctest.Test(t, testMediaDownloadRetries)
}

func testMediaDownloadRetries(t *testing.T) {
	e := mediaEngine(t)
	dest := filepath.Join(t.TempDir(), "a.jpg")
	f := &fakeMedia{errs: []error{errors.New("connection reset"), errors.New("timeout")}, data: []byte("jpeg")}
	e.fetchMedia(e.hctx, f, types.MessageInfo{ID: "M1"}, image(make([]byte, 32)), dest, true)
	waitFile(t, dest, "jpeg")
	if paths, receipts := f.snapshot(); len(paths) != 3 || len(receipts) != 0 {
		t.Fatalf("%d downloads, %d re-upload requests; want 3 and none", len(paths), len(receipts))
	}

	bad := &fakeMedia{errs: []error{wa.ErrInvalidMediaSHA256}, data: []byte("x")}
	dest2 := filepath.Join(t.TempDir(), "b.jpg")
	e.fetchMedia(e.hctx, bad, types.MessageInfo{ID: "M2"}, image(make([]byte, 32)), dest2, true)
	if paths, _ := bad.snapshot(); len(paths) != 1 {
		t.Fatalf("a corrupt file was downloaded %d times, want once", len(paths))
	}
	if _, err := os.Stat(dest2); err == nil {
		t.Fatal("a corrupt download left a file")
	}
}

// TestExpiredMediaIsUploadedAgain: a 404 asks the phone for a re-upload
// with the message's media key; the phone's encrypted answer carries a new
// path, which is downloaded. A refusal ends it without a download.
func TestExpiredMediaIsUploadedAgain(t *testing.T) {
	synctest.Test(t, testExpiredMediaUploadedAgain)
}

func testExpiredMediaUploadedAgain(t *testing.T) {
	e := mediaEngine(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	dest := filepath.Join(t.TempDir(), "c.jpg")
	f := &fakeMedia{errs: []error{wa.ErrMediaDownloadFailedWith404}, data: []byte("fresh")}
	e.fetchMedia(e.hctx, f, types.MessageInfo{ID: "M3"}, image(key), dest, true)
	if _, receipts := f.snapshot(); len(receipts) != 1 || receipts[0] != "M3" || string(f.keys[0]) != string(key) {
		t.Fatalf("re-upload requests %v, want one for M3 with the media key", receipts)
	}

	// An answer for a message nobody asked about is ignored.
	e.onMediaRetry(f, &events.MediaRetry{MessageID: "other"})

	// The phone answers: the notification is encrypted with a key derived
	// from the media key, the message id as additional data.
	notif, _ := proto.Marshal(&waMmsRetry.MediaRetryNotification{StanzaID: proto.String("M3"), DirectPath: proto.String("/v/new"),
		Result: waMmsRetry.MediaRetryNotification_SUCCESS.Enum()})
	iv := make([]byte, 12)
	_, _ = rand.Read(iv)
	ct, err := gcmutil.Encrypt(hkdfutil.SHA256(key, nil, []byte("WhatsApp Media Retry Notification"), 32), iv, notif, []byte("M3"))
	if err != nil {
		t.Fatal(err)
	}
	e.onMediaRetry(f, &events.MediaRetry{MessageID: "M3", Ciphertext: ct, IV: iv})
	waitFile(t, dest, "fresh")
	if paths, _ := f.snapshot(); len(paths) != 2 || paths[0] != "/v/old" || paths[1] != "/v/new" {
		t.Fatalf("downloads from %v, want the old path then the new one", paths)
	}

	// The phone no longer has it: nothing more is downloaded.
	g := &fakeMedia{errs: []error{wa.ErrMediaDownloadFailedWith410}}
	e.fetchMedia(e.hctx, g, types.MessageInfo{ID: "M4"}, image(key), filepath.Join(t.TempDir(), "d.jpg"), true)
	e.onMediaRetry(g, &events.MediaRetry{MessageID: "M4", Error: &events.MediaRetryError{Code: 2}})
	synctest.Wait()
	if paths, receipts := g.snapshot(); len(paths) != 1 || len(receipts) != 1 {
		t.Fatalf("after a refusal: %d downloads, %d requests; want 1 and 1", len(paths), len(receipts))
	}
	e.mu.Lock()
	left := len(e.reuploads)
	e.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d re-upload requests still remembered", left)
	}
}

// TestWithDirectPath: every downloadable message type gets the new path
// on a copy, the original untouched.
func TestWithDirectPath(t *testing.T) {
	for _, src := range []wa.DownloadableMessage{&waE2E.ImageMessage{DirectPath: proto.String("/old")},
		&waE2E.VideoMessage{DirectPath: proto.String("/old")}, &waE2E.AudioMessage{DirectPath: proto.String("/old")},
		&waE2E.DocumentMessage{DirectPath: proto.String("/old")}, &waE2E.StickerMessage{DirectPath: proto.String("/old")}} {
		got, ok := withDirectPath(src, "/new")
		if !ok || got.GetDirectPath() != "/new" || src.GetDirectPath() != "/old" {
			t.Errorf("%T: got %v %v, original %q", src, got, ok, src.GetDirectPath())
		}
	}
}
