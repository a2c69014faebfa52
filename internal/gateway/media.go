package gateway

import (
	"mime"
	"path"
	"regexp"
	"strings"
)

// unsafeNameChars are replaced in names that come from the network: with
// only letters, digits, dashes and underscores (and one dot before the
// extension), a stored name cannot leave the media directory.
var unsafeNameChars = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// preferredExt are the extensions of common media types, where Go's table
// lists several (image/jpeg has .jfif first).
var preferredExt = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif",
	"video/mp4": ".mp4", "video/3gpp": ".3gp", "audio/ogg": ".ogg", "audio/mpeg": ".mp3",
	"audio/mp4": ".m4a", "audio/aac": ".aac", "application/pdf": ".pdf", "text/plain": ".txt",
}

// MediaPath is where a received file is kept, relative to
// MEDIA_STORAGE_PATH and with forward slashes: <session id>/<WhatsApp
// message id><extension>, the extension taken from the file name or else
// the media type. Every engine stores media under this one layout, so the
// API serves it the same way.
func MediaPath(sessionID, waMessageID, mimeType, fileName string) string {
	ext := strings.ToLower(path.Ext(fileName))
	if ext == "" || len(ext) > 10 {
		base, _, _ := strings.Cut(mimeType, ";")
		base = strings.ToLower(strings.TrimSpace(base))
		ext = preferredExt[base]
		if ext == "" {
			if exts, err := mime.ExtensionsByType(base); err == nil && len(exts) > 0 {
				ext = exts[0]
			}
		}
	}
	if ext = unsafeNameChars.ReplaceAllString(strings.TrimPrefix(ext, "."), ""); ext != "" {
		ext = "." + ext
	}
	return unsafeNameChars.ReplaceAllString(sessionID, "_") + "/" + unsafeNameChars.ReplaceAllString(waMessageID, "_") + ext
}

// Formats WhatsApp needs as such and the gateway does not convert to:
// a sticker is a WebP image (the gateway has no WebP encoder) and a voice
// note Ogg/Opus audio (no audio converter is configured). Refusing other
// formats says so at once, instead of sending a sticker or a voice note
// phones cannot show or play.
const (
	StickerNotWebP = "A sticker must be a WebP image (512×512); this gateway does not convert other images to WebP. Convert it first, or send it as an image."
	VoiceNotOpus   = "A voice note must be Ogg/Opus audio (audio/ogg; codecs=opus); no audio converter is configured on this gateway. Convert it first, or send it as audio without voice."
)

// MediaFormatProblem names the field and says why media of type t cannot
// be sent as given, or returns "" when it can: the bytes are read when
// given, else the declared MIME type (media by URL is checked once
// fetched, by the engine).
func MediaFormatProblem(t MessageType, voice bool, mimeType string, data []byte) (field, msg string) {
	base, _, _ := strings.Cut(mimeType, ";")
	base = strings.ToLower(strings.TrimSpace(base))
	switch {
	case t == TypeSticker && len(data) > 0 && !(len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP"):
		return "media", StickerNotWebP
	case t == TypeSticker && len(data) == 0 && base != "" && base != "image/webp":
		return "media.mime_type", StickerNotWebP
	case t == TypeAudio && voice && len(data) > 0 && !(len(data) >= 4 && string(data[:4]) == "OggS"):
		return "media", VoiceNotOpus
	case t == TypeAudio && voice && len(data) == 0 && base != "" && base != "audio/ogg" && base != "audio/opus":
		return "media.mime_type", VoiceNotOpus
	}
	return "", ""
}
