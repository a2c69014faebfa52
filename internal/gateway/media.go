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
