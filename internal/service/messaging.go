package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
)

// Limits of the messaging requests, so one call cannot flood WhatsApp.
const (
	maxCheckNumbers = 50
	maxReadMessages = 100
)

// messagingWorkers is the part of the instance API client that read
// receipts, typing and number checks need (*instanceapi.Client has it).
type messagingWorkers interface {
	MarkRead(ctx context.Context, ep gateway.Endpoint, r gateway.ReadReceipt) error
	Typing(ctx context.Context, ep gateway.Endpoint, r instanceapi.TypingRequest) error
	Check(ctx context.Context, ep gateway.Endpoint, phones []string) ([]gateway.NumberCheck, error)
}

func (s *Service) messagingWorkers() (messagingWorkers, error) {
	mw, ok := s.workers.(messagingWorkers)
	if !ok {
		return nil, gateway.Errorf(gateway.CodeNotImplemented, "This deployment's workers cannot do that.")
	}
	return mw, nil
}

// CheckNumbers asks the session's worker which phone numbers are on WhatsApp.
func (s *Service) CheckNumbers(ctx context.Context, userID, sessionID string, phones []string) ([]gateway.NumberCheck, error) {
	switch {
	case len(phones) == 0:
		return nil, gateway.ValidationError(map[string]string{"phones": "Give at least one phone number."})
	case len(phones) > maxCheckNumbers:
		return nil, gateway.ValidationError(map[string]string{"phones": fmt.Sprintf("Give at most %d phone numbers at a time.", maxCheckNumbers)})
	}
	norm := make([]string, len(phones))
	for i, p := range phones {
		n, err := gateway.NormalizePhone(p)
		if err != nil {
			return nil, gateway.ValidationError(map[string]string{fmt.Sprintf("phones[%d]", i): gateway.ErrorMessage(err)})
		}
		norm[i] = n
	}
	mw, err := s.messagingWorkers()
	if err != nil {
		return nil, err
	}
	_, ep, err := s.endpoint(ctx, userID, sessionID)
	if err != nil {
		return nil, err
	}
	return mw.Check(ctx, ep, norm)
}

// MarkReadInput names the messages to mark read: received messages by
// their ids, or WhatsApp message ids of one chat (and sender, in groups).
type MarkReadInput struct {
	SessionID    string
	MessageIDs   []string
	Chat         string
	Sender       string
	WAMessageIDs []string
}

// MarkRead sends read receipts (played for voice notes) and returns how
// many messages they cover.
func (s *Service) MarkRead(ctx context.Context, userID string, in MarkReadInput) (int, error) {
	var receipts []gateway.ReadReceipt
	switch {
	case len(in.MessageIDs) > 0 && (in.Chat != "" || len(in.WAMessageIDs) > 0):
		return 0, gateway.ValidationError(map[string]string{"message_ids": "Give message_ids, or chat with wa_message_ids, not both."})
	case len(in.MessageIDs) > maxReadMessages || len(in.WAMessageIDs) > maxReadMessages:
		return 0, gateway.ValidationError(map[string]string{"message_ids": fmt.Sprintf("Give at most %d messages at a time.", maxReadMessages)})
	case len(in.MessageIDs) > 0:
		var err error
		if receipts, err = s.receiptsOf(ctx, userID, in.SessionID, in.MessageIDs); err != nil {
			return 0, err
		}
	case in.Chat != "" && len(in.WAMessageIDs) > 0:
		chat, err := gateway.ParseRecipient(in.Chat)
		if err != nil {
			return 0, gateway.ValidationError(map[string]string{"chat": gateway.ErrorMessage(err)})
		}
		r := gateway.ReadReceipt{Chat: chat.JID, WAMessageIDs: in.WAMessageIDs}
		if in.Sender != "" {
			sender, err := gateway.ParseRecipient(in.Sender)
			if err != nil {
				return 0, gateway.ValidationError(map[string]string{"sender": gateway.ErrorMessage(err)})
			}
			r.Sender = sender.JID
		} else if chat.IsGroup() {
			return 0, gateway.ValidationError(map[string]string{"sender": "Give the sender of the messages read in a group."})
		}
		receipts = []gateway.ReadReceipt{r}
	default:
		return 0, gateway.ValidationError(map[string]string{"message_ids": "Give message_ids, or chat with wa_message_ids."})
	}
	mw, err := s.messagingWorkers()
	if err != nil {
		return 0, err
	}
	_, ep, err := s.endpoint(ctx, userID, in.SessionID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range receipts {
		if err := mw.MarkRead(ctx, ep, r); err != nil {
			return n, err
		}
		n += len(r.WAMessageIDs)
	}
	return n, nil
}

// receiptsOf groups the session's received messages by chat, sender and
// kind: one receipt covers messages of one sender, and voice notes are
// "played" rather than read.
func (s *Service) receiptsOf(ctx context.Context, userID, sessionID string, ids []string) ([]gateway.ReadReceipt, error) {
	type key struct {
		chat, sender string
		played       bool
	}
	var order []key
	groups := map[key]*gateway.ReadReceipt{}
	for i, id := range ids {
		m, err := s.Message(ctx, userID, id)
		if err != nil {
			return nil, err
		}
		field := fmt.Sprintf("message_ids[%d]", i)
		switch {
		case m.SessionID != sessionID:
			return nil, gateway.ValidationError(map[string]string{field: "The message belongs to another session."})
		case m.Direction != gateway.DirectionInbound || m.WAMessageID == "":
			return nil, gateway.ValidationError(map[string]string{field: "Only received messages can be marked read."})
		}
		k := key{chat: m.Chat}
		if m.IsGroup {
			k.sender = m.Sender
		}
		if p, err := gateway.ParsePayload(m.Payload); err == nil && p.Media != nil && p.Media.Voice {
			k.played = true
		}
		g, ok := groups[k]
		if !ok {
			g = &gateway.ReadReceipt{Chat: k.chat, Sender: k.sender, Played: k.played}
			groups[k] = g
			order = append(order, k)
		}
		g.WAMessageIDs = append(g.WAMessageIDs, m.WAMessageID)
	}
	out := make([]gateway.ReadReceipt, 0, len(order))
	for _, k := range order {
		out = append(out, *groups[k])
	}
	return out, nil
}

// SetTyping shows or clears "typing…" ("recording…" when audio) in one of
// the session's chats.
func (s *Service) SetTyping(ctx context.Context, userID, sessionID, chat string, typing, audio bool) error {
	r, err := gateway.ParseRecipient(chat)
	if err != nil {
		return gateway.ValidationError(map[string]string{"chat": gateway.ErrorMessage(err)})
	}
	mw, err := s.messagingWorkers()
	if err != nil {
		return err
	}
	_, ep, err := s.endpoint(ctx, userID, sessionID)
	if err != nil {
		return err
	}
	return mw.Typing(ctx, ep, instanceapi.TypingRequest{Chat: r.JID, Typing: typing, Audio: audio})
}

// MediaFile is a stored media file of a message; the caller closes Body.
// Body is an io.ReadSeeker when the file is on this machine's disk.
type MediaFile struct {
	Body     io.ReadCloser
	Size     int64 // -1 when unknown
	ModTime  time.Time
	MIMEType string
	FileName string
}

// MessageMedia returns the stored file of one of the caller's messages
// (received media is downloaded under MEDIA_STORAGE_PATH). CodeNotFound
// when the message has no stored media, or it is not downloaded yet.
func (s *Service) MessageMedia(ctx context.Context, userID, id string) (*MediaFile, error) {
	m, p, err := s.messageAndPayload(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	if p.Media == nil || p.Media.Path == "" || s.cfg.MediaDir == "" {
		return nil, gateway.Errorf(gateway.CodeNotFound, "The message has no stored media.")
	}
	full, err := mediaFilePath(s.cfg.MediaDir, p.Media.Path)
	if err != nil {
		return nil, err
	}
	name := p.Media.FileName
	if name == "" {
		name = path.Base(p.Media.Path)
	}
	out := &MediaFile{MIMEType: p.Media.MIMEType, FileName: name}
	out, err = s.openMedia(ctx, userID, m, full, p.Media.Path, out)
	if gateway.IsCode(err, gateway.CodeNotFound) && len(m.MediaRef) > 0 {
		// History media: referenced at sync, downloaded by the session's
		// worker on this first request, then served like received media.
		if err := s.fetchHistoryMedia(ctx, userID, m); err != nil {
			return nil, err
		}
		out, err = s.openMedia(ctx, userID, m, full, p.Media.Path, &MediaFile{MIMEType: p.Media.MIMEType, FileName: name})
	}
	return out, err
}

// mediaWorkers are workers that download history media on request.
type mediaWorkers interface {
	FetchMedia(ctx context.Context, ep gateway.Endpoint, messageID string) error
}

// fetchHistoryMedia has the session's worker download the media of the
// history message m: 409 with the session's state when it is not
// connected, 404 when WhatsApp no longer has the file.
func (s *Service) fetchHistoryMedia(ctx context.Context, userID string, m *gateway.Message) error {
	mw, ok := s.workers.(mediaWorkers)
	if !ok {
		return gateway.Errorf(gateway.CodeNotImplemented, "This deployment's workers cannot do that.")
	}
	sess, ep, err := s.endpoint(ctx, userID, m.SessionID)
	if gateway.IsCode(err, gateway.CodeConflict) && sess != nil {
		return &gateway.Error{Code: gateway.CodeConflict, Message: "The media of a history message is downloaded on its first request, which needs the session connected.",
			Details: map[string]any{"state": string(sess.Status)}, Err: err}
	} else if err != nil {
		return err
	}
	return mw.FetchMedia(ctx, ep, m.ID)
}

// openMedia opens a stored media file: from MEDIA_STORAGE_PATH, or in a
// cluster from the session's worker. CodeNotFound when not stored (yet).
func (s *Service) openMedia(ctx context.Context, userID string, m *gateway.Message, full, rel string, out *MediaFile) (*MediaFile, error) {
	f, err := os.Open(full)
	if err == nil {
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, gateway.WrapError(err, gateway.CodeUnavailable, "The media storage is unavailable.")
		}
		out.Body, out.Size, out.ModTime = f, st.Size(), st.ModTime()
		return out, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, gateway.WrapError(err, gateway.CodeUnavailable, "The media storage is unavailable.")
	}
	notYet := gateway.Errorf(gateway.CodeNotFound, "The media is not stored yet; received media is downloaded shortly after the message arrives.")
	if !s.cfg.MediaOnWorkers {
		return nil, notYet
	}
	// In a cluster the file is on the disk of the session's worker.
	_, ep, err := s.endpoint(ctx, userID, m.SessionID)
	if gateway.IsCode(err, gateway.CodeConflict) {
		return nil, gateway.Errorf(gateway.CodeUnavailable, "The media is kept by the session's worker, which is not running; start the session's instance to download it.")
	} else if err != nil {
		return nil, err
	}
	b, err := s.workers.Media(ctx, ep, rel)
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, notYet
	} else if err != nil {
		return nil, err
	}
	out.Body, out.Size, out.ModTime = b.Body, b.Size, b.ModTime
	return out, nil
}

// mediaFilePath resolves a stored media path under dir, refusing any path
// that would leave it.
func mediaFilePath(dir, rel string) (string, error) {
	clean := filepath.Clean(filepath.FromSlash(rel))
	if filepath.IsAbs(clean) || clean == "." || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return "", gateway.Errorf(gateway.CodeNotFound, "The message has no stored media.")
	}
	return filepath.Join(dir, clean), nil
}
