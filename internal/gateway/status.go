package gateway

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Status posts (WhatsApp's "stories"). A status is sent through the
// normal send path as a message to StatusJID, status@broadcast: stored
// before the answer, paced, and moved on by the viewers' receipts. Text,
// image and video can be posted; a text status may have a background
// colour, a text colour and a font. Received status posts of contacts are
// stored as inbound messages of the chat status@broadcast and announced as
// status.post events, which are opt-in (see OptInEvents): never message
// events, and never auto-replied to.

// ServerBroadcast is WhatsApp's broadcast server; status@broadcast is
// the only broadcast recipient the API accepts.
const ServerBroadcast = "broadcast"

// StatusJID is the recipient of a status post.
const StatusJID = "status@" + ServerBroadcast

// EventStatusPost is the event of a contact's status post.
const EventStatusPost = "status.post"

// IsStatus reports whether the recipient is status@broadcast.
func (r Recipient) IsStatus() bool { return r.JID == StatusJID }

// StatusTypes are the message types a status can be.
var StatusTypes = map[MessageType]bool{TypeText: true, TypeImage: true, TypeVideo: true}

// StatusStyle is how a text status looks. The zero value is WhatsApp's
// default look.
type StatusStyle struct {
	BackgroundColor string `json:"background_color,omitempty" desc:"The background colour of a text status, #RRGGBB or #AARRGGBB."`
	TextColor       string `json:"text_color,omitempty" desc:"The colour of the text, #RRGGBB or #AARRGGBB."`
	Font            string `json:"font,omitempty" desc:"The font: system, system_text, fb_script, system_bold, morningbreeze_regular, calistoga_regular, exo2_extrabold or courierprime_bold."`
}

// StatusFonts are the fonts of a text status, by name, with the number
// WhatsApp's protocol gives each (ExtendedTextMessage.FontType).
var StatusFonts = map[string]int32{
	"system": 0, "system_text": 1, "fb_script": 2, "system_bold": 6, "morningbreeze_regular": 7,
	"calistoga_regular": 8, "exo2_extrabold": 9, "courierprime_bold": 10,
}

// StatusFontName is the name of font number n, "" when unknown.
func StatusFontName(n int32) string {
	for name, v := range StatusFonts {
		if v == n {
			return name
		}
	}
	return ""
}

var colorRE = regexp.MustCompile(`^#([0-9a-fA-F]{6}|[0-9a-fA-F]{8})$`)

// ParseColor reads #RRGGBB (opaque) or #AARRGGBB as the ARGB number
// WhatsApp's protocol carries. CodeValidation when malformed.
func ParseColor(s string) (uint32, error) {
	if !colorRE.MatchString(s) {
		return 0, Errorf(CodeValidation, "A colour is #RRGGBB or #AARRGGBB (hexadecimal).")
	}
	hex := s[1:]
	if len(hex) == 6 {
		hex = "ff" + hex
	}
	v, err := strconv.ParseUint(hex, 16, 32)
	if err != nil {
		return 0, Errorf(CodeValidation, "A colour is #RRGGBB or #AARRGGBB (hexadecimal).")
	}
	return uint32(v), nil
}

// FormatColor writes an ARGB number as #AARRGGBB (#RRGGBB when opaque).
func FormatColor(argb uint32) string {
	if argb>>24 == 0xff {
		return fmt.Sprintf("#%06x", argb&0xffffff)
	}
	return fmt.Sprintf("#%08x", argb)
}

// Check reports what is wrong with the style, by field (prefixed with
// prefix), in fields.
func (s *StatusStyle) Check(prefix string, fields map[string]string) {
	if s == nil {
		return
	}
	if s.BackgroundColor != "" {
		if _, err := ParseColor(s.BackgroundColor); err != nil {
			fields[prefix+".background_color"] = ErrorMessage(err)
		}
	}
	if s.TextColor != "" {
		if _, err := ParseColor(s.TextColor); err != nil {
			fields[prefix+".text_color"] = ErrorMessage(err)
		}
	}
	if s.Font != "" {
		if _, ok := StatusFonts[strings.ToLower(s.Font)]; !ok {
			fields[prefix+".font"] = "Unknown font; use system, system_text, fb_script, system_bold, morningbreeze_regular, calistoga_regular, exo2_extrabold or courierprime_bold."
		} else {
			s.Font = strings.ToLower(s.Font)
		}
	}
}

// IsZero reports whether the style is the default look.
func (s *StatusStyle) IsZero() bool {
	return s == nil || (s.BackgroundColor == "" && s.TextColor == "" && s.Font == "")
}
