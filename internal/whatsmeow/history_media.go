package whatsmeow

import (
	"context"
	"encoding/json"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// History media. A history blob carries thousands of messages; their media
// is not downloaded at sync (that could be gigabytes nobody reads) but
// referenced: the media part of the message (its media key, direct path,
// hashes and length, all a download needs) is kept with the stored message
// as Media.Ref, and FetchMedia downloads the file on its first request.

// historyMediaRef is a Media.Ref: the media message itself and the
// message's ids, which a re-upload request names.
type historyMediaRef struct {
	// Kind is the protobuf name of the media message (waE2E.ImageMessage …).
	Kind   string `json:"kind"`
	Media  []byte `json:"media"`
	ID     string `json:"id"`
	Chat   string `json:"chat"`
	Sender string `json:"sender,omitempty"`
	FromMe bool   `json:"from_me,omitempty"`
}

// mediaRefOf is the Media.Ref of a history message's media; nil when the
// message has none to download.
func mediaRefOf(v *events.Message) []byte {
	src := downloadable(v)
	pm, ok := src.(proto.Message)
	if !ok || src.GetDirectPath() == "" || len(src.GetMediaKey()) == 0 {
		return nil
	}
	b, err := proto.Marshal(pm)
	if err != nil {
		return nil
	}
	ref, err := json.Marshal(historyMediaRef{Kind: string(pm.ProtoReflect().Descriptor().FullName()), Media: b,
		ID: v.Info.ID, Chat: v.Info.Chat.String(), Sender: v.Info.Sender.String(), FromMe: v.Info.IsFromMe})
	if err != nil {
		return nil
	}
	return ref
}

// refMedia reads a Media.Ref back: the media message to download and the
// message info a re-upload request needs.
func refMedia(ref []byte) (wa.DownloadableMessage, types.MessageInfo, error) {
	var r historyMediaRef
	var info types.MessageInfo
	bad := gateway.Errorf(gateway.CodeNotFound, "The message has no media to download.")
	if err := json.Unmarshal(ref, &r); err != nil || r.Kind == "" {
		return nil, info, bad
	}
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(r.Kind))
	if err != nil {
		return nil, info, bad
	}
	m := mt.New().Interface()
	if err := proto.Unmarshal(r.Media, m); err != nil {
		return nil, info, bad
	}
	src, ok := m.(wa.DownloadableMessage)
	if !ok || src.GetDirectPath() == "" {
		return nil, info, bad
	}
	info.ID, info.IsFromMe = r.ID, r.FromMe
	info.Chat, _ = types.ParseJID(r.Chat)
	info.Sender, _ = types.ParseJID(r.Sender)
	return src, info, nil
}

// FetchMedia downloads a history message's media (ref from its Media.Ref)
// to dest. A file WhatsApp's servers no longer keep (media older than a
// few weeks) makes the engine ask the phone to upload it again, as for
// received media: the answer is CodeNotFound now, and the file is stored
// when the phone answers, for a later request.
func (e *Engine) FetchMedia(ctx context.Context, ref []byte, dest string) error {
	src, info, err := refMedia(ref)
	if err != nil {
		return err
	}
	if sized, ok := src.(interface{ GetFileLength() uint64 }); ok && int64(sized.GetFileLength()) > e.opts.MaxMediaBytes {
		return gateway.Errorf(gateway.CodeTooLarge, "The media is larger than %d bytes.", e.opts.MaxMediaBytes)
	}
	cli, err := e.connectedClient()
	if err != nil {
		return gateway.WrapError(err, gateway.CodeConflict, "The WhatsApp session is not connected.")
	}
	return e.fetchHistoryMedia(ctx, cli, info, src, dest)
}

// fetchHistoryMedia downloads src to dest for FetchMedia.
func (e *Engine) fetchHistoryMedia(ctx context.Context, cli mediaClient, info types.MessageInfo, src wa.DownloadableMessage, dest string) error {
	err := downloadTo(ctx, cli, src, dest)
	switch {
	case err == nil:
		return nil
	case expiredMedia(err):
		e.askReupload(ctx, cli, info, src, dest)
		return gateway.WrapError(err, gateway.CodeNotFound, "The media is no longer on WhatsApp's servers; the phone was asked to upload it again: try again in a minute.")
	}
	e.log.Warn("history media download failed", "wa_message_id", info.ID, "error", err)
	return gateway.WrapError(err, gateway.CodeUnavailable, "The media could not be downloaded from WhatsApp.")
}

var _ gateway.MediaEngine = (*Engine)(nil)
