package whatsmeow

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waMmsRetry"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/whatsapp-saas/gateway/internal/atomicfile"
	"github.com/whatsapp-saas/gateway/internal/backoff"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/ssrf"
)

// MediaFetcher fetches outbound media given by URL, at most max bytes, and
// returns the bytes and the server's content type. Errors are
// *gateway.Error: CodeValidation for a URL that may not be fetched (a
// private address), CodeTooLarge over max, CodeUnavailable when the server
// cannot be reached. The product's SSRF guard (internal/ssrf, whose
// Fetcher is the implementation) is wired in here.
type MediaFetcher interface {
	Fetch(ctx context.Context, rawURL string, max int64) (data []byte, contentType string, err error)
}

// defaultFetcher is the fetcher of an engine built without one: the
// product's SSRF guard with its strictest settings (public addresses
// only). There is one SSRF policy, internal/ssrf's.
func defaultFetcher() MediaFetcher {
	return ssrf.New(ssrf.Options{}).Fetcher(2 * time.Minute)
}

// downloadable is the media part of a received message.
func downloadable(v *events.Message) wa.DownloadableMessage {
	m := v.Message
	switch {
	case m.GetImageMessage() != nil:
		return m.GetImageMessage()
	case m.GetVideoMessage() != nil:
		return m.GetVideoMessage()
	case m.GetPtvMessage() != nil:
		return m.GetPtvMessage()
	case m.GetAudioMessage() != nil:
		return m.GetAudioMessage()
	case m.GetDocumentMessage() != nil:
		return m.GetDocumentMessage()
	case m.GetStickerMessage() != nil:
		return m.GetStickerMessage()
	}
	return nil
}

// downloadLater downloads a stored message's media to MEDIA_STORAGE_PATH
// in the background, outside whatsmeow's event loop (a slow download would
// hold up every later event of the session), at most two at a time.
func (e *Engine) downloadLater(gen uint64, cli *wa.Client, v *events.Message, in *gateway.InboundMessage) {
	if in.Media == nil || in.Media.Path == "" || e.opts.MediaDir == "" {
		return
	}
	src := downloadable(v)
	if src == nil {
		return
	}
	if in.Media.Size > e.opts.MaxMediaBytes {
		e.log.Info("inbound media over the size cap not downloaded", "wa_message_id", in.WAMessageID, "size", in.Media.Size)
		return
	}
	e.mu.Lock()
	current := e.gen == gen && e.hctx != nil
	e.mu.Unlock()
	if !current {
		return
	}
	dest := filepath.Join(e.opts.MediaDir, filepath.FromSlash(in.Media.Path))
	e.fetchMediaLater(cli, v.Info, src, dest, true)
}

// mediaClient is what media downloads need of a whatsmeow client.
type mediaClient interface {
	DownloadToFile(ctx context.Context, msg wa.DownloadableMessage, file wa.File) error
	SendMediaRetryReceipt(ctx context.Context, message *types.MessageInfo, mediaKey []byte) error
}

// pendingMedia is a download waiting for the phone's re-upload.
type pendingMedia struct {
	src   wa.DownloadableMessage
	dest  string
	asked time.Time
}

// reuploadWait is how long a re-upload request is remembered; the phone
// answers within seconds when it is online.
const reuploadWait = 30 * time.Minute

// fetchMediaLater runs fetchMedia on a goroutine, within the download
// bound and the engine's lifetime.
func (e *Engine) fetchMediaLater(cli mediaClient, info types.MessageInfo, src wa.DownloadableMessage, dest string, mayAsk bool) {
	e.mu.Lock()
	ctx := e.hctx
	e.mu.Unlock()
	if ctx == nil {
		return
	}
	go func() {
		select {
		case e.downloads <- struct{}{}:
		case <-ctx.Done():
			return
		}
		defer func() { <-e.downloads }()
		e.fetchMedia(ctx, cli, info, src, dest, mayAsk)
	}()
}

// fetchMedia downloads src to dest. A link WhatsApp's servers no longer
// serve (404, 410: media older than a few weeks, or purged) makes the
// engine ask the sender's phone to upload it again (once, when mayAsk);
// the answer arrives as a MediaRetry event. Passing failures are retried
// after each downloadBackoff step; a corrupt file is not.
func (e *Engine) fetchMedia(ctx context.Context, cli mediaClient, info types.MessageInfo, src wa.DownloadableMessage, dest string, mayAsk bool) {
	for attempt := 0; ; attempt++ {
		dctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		err := downloadTo(dctx, cli, src, dest)
		cancel()
		switch {
		case err == nil:
			return
		case ctx.Err() != nil:
			return
		case expiredMedia(err) && mayAsk:
			e.askReupload(ctx, cli, info, src, dest)
			return
		case corruptMedia(err) || expiredMedia(err) || attempt >= len(e.downloadBackoff):
			e.log.Warn("inbound media download failed", "wa_message_id", info.ID, "attempts", attempt+1, "error", err)
			return
		}
		e.log.Info("inbound media download failed; retrying", "wa_message_id", info.ID, "in", e.downloadBackoff[attempt].String(), "error", err)
		if !backoff.Sleep(ctx, e.downloadBackoff[attempt]) {
			return
		}
	}
}

func expiredMedia(err error) bool {
	return errors.Is(err, wa.ErrMediaDownloadFailedWith404) || errors.Is(err, wa.ErrMediaDownloadFailedWith410)
}

func corruptMedia(err error) bool {
	return errors.Is(err, wa.ErrFileLengthMismatch) || errors.Is(err, wa.ErrInvalidMediaSHA256) ||
		errors.Is(err, wa.ErrInvalidMediaHMAC) || errors.Is(err, wa.ErrUnknownMediaType)
}

// askReupload remembers the download and sends the phone a media retry
// receipt for it.
func (e *Engine) askReupload(ctx context.Context, cli mediaClient, info types.MessageInfo, src wa.DownloadableMessage, dest string) {
	now := time.Now()
	e.mu.Lock()
	for id, p := range e.reuploads {
		if now.Sub(p.asked) > reuploadWait {
			delete(e.reuploads, id)
		}
	}
	e.reuploads[info.ID] = &pendingMedia{src: src, dest: dest, asked: now}
	e.mu.Unlock()
	if err := cli.SendMediaRetryReceipt(ctx, &info, src.GetMediaKey()); err != nil {
		e.mu.Lock()
		delete(e.reuploads, info.ID)
		e.mu.Unlock()
		e.log.Warn("inbound media expired and the re-upload request failed", "wa_message_id", info.ID, "error", err)
		return
	}
	e.log.Info("inbound media expired on WhatsApp's servers; asked the phone to upload it again", "wa_message_id", info.ID)
}

// onMediaRetry takes the phone's answer to a re-upload request: the new
// path of the file, downloaded once more, or a refusal.
func (e *Engine) onMediaRetry(cli mediaClient, v *events.MediaRetry) {
	e.mu.Lock()
	p := e.reuploads[v.MessageID]
	delete(e.reuploads, v.MessageID)
	e.mu.Unlock()
	if p == nil {
		return
	}
	notif, err := wa.DecryptMediaRetryNotification(v, p.src.GetMediaKey())
	if err != nil {
		e.log.Warn("the phone could not upload the media again", "wa_message_id", v.MessageID, "error", err)
		return
	}
	if notif.GetResult() != waMmsRetry.MediaRetryNotification_SUCCESS || notif.GetDirectPath() == "" {
		e.log.Warn("the phone could not upload the media again", "wa_message_id", v.MessageID, "result", notif.GetResult().String())
		return
	}
	src, ok := withDirectPath(p.src, notif.GetDirectPath())
	if !ok {
		return
	}
	info := types.MessageInfo{ID: v.MessageID}
	e.fetchMediaLater(cli, info, src, p.dest, false)
}

// withDirectPath is a copy of a media message pointing at a new path
// (every downloadable message type has a directPath field).
func withDirectPath(src wa.DownloadableMessage, path string) (wa.DownloadableMessage, bool) {
	pm, ok := src.(proto.Message)
	if !ok {
		return nil, false
	}
	m := proto.Clone(pm)
	fd := m.ProtoReflect().Descriptor().Fields().ByName("directPath")
	if fd == nil {
		return nil, false
	}
	m.ProtoReflect().Set(fd, protoreflect.ValueOfString(path))
	out, ok := m.(wa.DownloadableMessage)
	return out, ok
}

// downloadTo writes the media to dest through a temporary file, so a
// reader never sees half a file.
func downloadTo(ctx context.Context, cli mediaClient, src wa.DownloadableMessage, dest string) error {
	return atomicfile.Write(dest, func(f *os.File) error {
		if err := cli.DownloadToFile(ctx, src, f); err != nil {
			return fmt.Errorf("download media: %w", err)
		}
		return nil
	})
}
