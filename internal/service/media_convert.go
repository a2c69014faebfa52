package service

import (
	"context"
	"errors"
	"strings"

	"github.com/whatsapp-saas/gateway/internal/convert"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// convertMedia turns media given as bytes into what WhatsApp needs for its
// type, once, before the message is stored: a sticker into a 512×512 WebP
// (convert.Sticker), a voice note that is not Ogg into Ogg/Opus with
// AUDIO_CONVERTER. The stored and queued media is the converted file, so
// both engines, and a resend after a restart, send the same bytes.
//
// A voice note by URL is fetched here when a converter is configured, and
// goes through the same conversion as bytes given: the converter runs on
// the gateway (AUDIO_CONVERTER is the gateway's setting), never on a
// worker. Other media by URL is left to the worker, which fetches it when
// sending (and converts a sticker then).
func (s *Service) convertMedia(ctx context.Context, typ gateway.MessageType, m *gateway.PayloadMedia) error {
	if m == nil {
		return nil
	}
	if typ == gateway.TypeAudio && m.Voice && m.URL != "" && s.cfg.Voice.Enabled() && s.media != nil {
		if err := s.fetchVoice(ctx, m); err != nil {
			return err
		}
	}
	if len(m.Data) == 0 {
		return nil
	}
	var (
		out  []byte
		mime string
		err  error
	)
	switch {
	case typ == gateway.TypeSticker:
		mime = "image/webp"
		out, err = convert.Sticker(ctx, m.Data)
	case typ == gateway.TypeAudio && m.Voice && !convert.IsOgg(m.Data):
		mime = "audio/ogg; codecs=opus"
		out, err = s.cfg.Voice.Convert(ctx, m.Data)
		if err != nil && errors.Unwrap(err) != nil {
			// Why the converter failed (its last output) is for the
			// operator's log; the caller gets the sentence.
			s.log.Warn("voice note not converted", "err", errors.Unwrap(err))
		}
	default:
		return nil
	}
	if err != nil {
		return err
	}
	m.Data, m.MIMEType, m.Size = out, mime, int64(len(out))
	if typ == gateway.TypeAudio && m.FileName != "" {
		m.FileName = strings.TrimSuffix(m.FileName, extOf(m.FileName)) + ".ogg"
	}
	return nil
}

// fetchVoice replaces a voice note's URL by the audio it points to, read
// through the SSRF-guarded fetcher, so it is converted and stored as bytes
// given would be. A URL that cannot be fetched is a 422 naming media.url
// with the fetcher's sentence; audio over the converter's input bound, one
// naming media.
func (s *Service) fetchVoice(ctx context.Context, m *gateway.PayloadMedia) error {
	data, ct, err := s.media.Fetch(ctx, m.URL, convert.MaxVoiceInput)
	switch {
	case gateway.IsCode(err, gateway.CodeTooLarge):
		return gateway.ValidationError(map[string]string{"media": convert.VoiceTooLarge})
	case err != nil:
		e := gateway.ValidationError(map[string]string{"media.url": gateway.ErrorMessage(err)})
		e.Err = err
		return e
	}
	m.Data, m.URL, m.Size = data, "", int64(len(data))
	if m.MIMEType == "" {
		m.MIMEType, _, _ = strings.Cut(ct, ";")
		m.MIMEType = strings.TrimSpace(m.MIMEType)
	}
	if convert.IsOgg(data) && !oggType(m.MIMEType) {
		m.MIMEType = "audio/ogg; codecs=opus"
	}
	return nil
}

// oggType reports whether a declared MIME type is Ogg or Opus audio (or
// not declared: the bytes decide once fetched).
func oggType(mimeType string) bool {
	base, _, _ := strings.Cut(mimeType, ";")
	base = strings.ToLower(strings.TrimSpace(base))
	return base == "" || base == "audio/ogg" || base == "audio/opus"
}

func extOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return name[i:]
	}
	return ""
}
