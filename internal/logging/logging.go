// Package logging builds the gateway's slog loggers: JSON (the cluster
// shape) or text (embedded), with a redaction policy applied to every
// record, so phone numbers and message bodies never reach the logs
// whatever a caller passes.
//
// The policy, applied by ReplaceAttr to the message and every attribute:
//   - attributes named like message content (body, text, caption, message
//     content, vcard, …) are replaced with "[redacted]";
//   - attributes named like a phone or a WhatsApp address (phone, recipient,
//     sender, chat, jid, …) keep their last four digits only;
//   - in any other string (the message, errors, URLs), runs of nine or more
//     digits, +-prefixed numbers and WhatsApp JIDs are masked the same way.
//
// Ids (UUIDs, request ids, WhatsApp message ids) are left alone: they are
// not digit runs of that length.
package logging

import (
	"io"
	"log/slog"
	"regexp"
	"strings"
)

// New returns a logger writing JSON when format is "json", text otherwise.
func New(format string, level slog.Leveler, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: Redact}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// bodyKeys name attributes that hold message content.
var bodyKeys = map[string]bool{
	"body": true, "text": true, "caption": true, "content": true, "message_body": true, "message_text": true,
	"vcard": true, "reaction": true, "payload": true, "auto_reply_message": true, "password": true, "token": true,
	"secret": true, "api_key": true, "authorization": true,
}

// phoneKeys name attributes that hold a phone number or a WhatsApp address.
var phoneKeys = map[string]bool{
	"phone": true, "phone_number": true, "recipient": true, "sender": true, "sender_phone": true, "chat": true,
	"jid": true, "msisdn": true, "device_jid": true, "sender_lid": true, "lid": true,
}

// phoneLike finds numbers that may be phones: a +-prefixed number of seven
// or more digits (spaces and dashes allowed), a bare run of nine or more
// digits, or the user part of a JID.
var phoneLike = regexp.MustCompile(`\+\d[\d \-]{5,}\d|\b\d{9,}\b|\b\d{5,}(:\d+)?@(s\.whatsapp\.net|c\.us|lid|g\.us)\b`)

// Redact is the ReplaceAttr of the gateway's handlers.
func Redact(groups []string, a slog.Attr) slog.Attr {
	key := strings.ToLower(a.Key)
	if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.SourceKey) {
		return a
	}
	if a.Key == "message" && len(groups) > 0 || bodyKeys[key] {
		if a.Value.Kind() == slog.KindString && a.Value.String() == "" {
			return a
		}
		return slog.String(a.Key, "[redacted]")
	}
	switch a.Value.Kind() {
	case slog.KindString:
		s := a.Value.String()
		if phoneKeys[key] {
			return slog.String(a.Key, MaskDigits(s))
		}
		if out := RedactString(s); out != s {
			return slog.String(a.Key, out)
		}
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			s := err.Error()
			if out := RedactString(s); out != s {
				return slog.String(a.Key, out)
			}
		}
	}
	return a
}

// RedactString masks every phone-like number in s.
func RedactString(s string) string {
	if !strings.ContainsAny(s, "0123456789") {
		return s
	}
	locs := phoneLike.FindAllStringIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		m := s[l[0]:l[1]]
		// A bare digit run inside an id (a UUID's last group, say) is not a phone.
		if m[0] != '+' && !strings.Contains(m, "@") && (idChar(s, l[0]-1) || idChar(s, l[1])) {
			continue
		}
		b.WriteString(s[last:l[0]])
		b.WriteString(MaskDigits(m))
		last = l[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// idChar reports whether s[i] joins a digit run into an id: a dash or a
// letter next to it.
func idChar(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	c := s[i]
	return c == '-' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// MaskDigits replaces every digit of s but the last four with '*' (all of
// them when s has four digits or fewer), keeping the rest of s.
func MaskDigits(s string) string {
	n := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			n++
		}
	}
	keep := 4
	if n <= 4 {
		keep = 0
	}
	var b strings.Builder
	seen := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			seen++
			if seen <= n-keep {
				b.WriteByte('*')
				continue
			}
		}
		b.WriteRune(c)
	}
	return b.String()
}
