package gateway

import (
	"strings"
)

// WhatsApp servers of the JIDs the API accepts.
const (
	ServerUser   = "s.whatsapp.net"
	ServerLegacy = "c.us"
	ServerGroup  = "g.us"
	ServerLID    = "lid"
	// ServerNewsletter is WhatsApp's server of channels (newsletters).
	ServerNewsletter = "newsletter"
)

// Recipient is a parsed, normalised destination.
type Recipient struct {
	// JID is the normalised form: digits@s.whatsapp.net, id@g.us or id@lid.
	JID string
	// User is the part before the @ (the phone number for users).
	User string
	// Server is s.whatsapp.net, g.us or lid.
	Server string
}

// IsChannel reports whether the recipient is a channel (…@newsletter).
func (r Recipient) IsChannel() bool { return r.Server == ServerNewsletter }

// IsGroup reports whether the recipient is a group.
func (r Recipient) IsGroup() bool { return r.Server == ServerGroup }

// Phone returns the phone number for a user JID, "" otherwise.
func (r Recipient) Phone() string {
	if r.Server == ServerUser {
		return r.User
	}
	return ""
}

// ParseRecipient accepts every format API.md lists: a bare or "+"-prefixed
// number (spaces, dashes, dots and parentheses allowed), 1234567890@c.us,
// …@s.whatsapp.net, …@g.us and …@lid; and status@broadcast (or "status")
// for a status post and …@newsletter for a channel. Device suffixes (":12") are dropped,
// since WhatsApp refuses sends to a device JID. Errors are CodeValidation
// with a sentence that says what is wrong.
func ParseRecipient(s string) (Recipient, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Recipient{}, Errorf(CodeValidation, "The recipient is empty.")
	}
	if len(s) > 128 {
		return Recipient{}, Errorf(CodeValidation, "The recipient is too long.")
	}
	if strings.EqualFold(s, "status") || strings.EqualFold(s, StatusJID) {
		return Recipient{JID: StatusJID, User: "status", Server: ServerBroadcast}, nil
	}
	user, server, hasAt := strings.Cut(s, "@")
	if !hasAt {
		phone, err := NormalizePhone(s)
		if err != nil {
			return Recipient{}, err
		}
		return Recipient{JID: phone + "@" + ServerUser, User: phone, Server: ServerUser}, nil
	}
	server = strings.ToLower(server)
	// Drop a device (":12") and an agent (".0") suffix from the user part.
	if i := strings.IndexByte(user, ':'); i >= 0 {
		user = user[:i]
	}
	switch server {
	case ServerUser, ServerLegacy:
		if i := strings.IndexByte(user, '.'); i >= 0 {
			user = user[:i]
		}
		phone, err := NormalizePhone(user)
		if err != nil {
			return Recipient{}, err
		}
		return Recipient{JID: phone + "@" + ServerUser, User: phone, Server: ServerUser}, nil
	case ServerGroup:
		// Group ids are digits, or the old "creator-timestamp" form.
		if !validID(user, true) {
			return Recipient{}, Errorf(CodeValidation, "The group id %q is not valid.", truncate(user))
		}
		return Recipient{JID: user + "@" + ServerGroup, User: user, Server: ServerGroup}, nil
	case ServerLID:
		if i := strings.IndexByte(user, '.'); i >= 0 {
			user = user[:i]
		}
		if !validID(user, false) {
			return Recipient{}, Errorf(CodeValidation, "The LID %q is not valid.", truncate(user))
		}
		return Recipient{JID: user + "@" + ServerLID, User: user, Server: ServerLID}, nil
	case ServerNewsletter:
		if !validID(user, false) {
			return Recipient{}, Errorf(CodeValidation, "The channel id %q is not valid.", truncate(user))
		}
		return Recipient{JID: user + "@" + ServerNewsletter, User: user, Server: ServerNewsletter}, nil
	case ServerBroadcast:
		return Recipient{}, Errorf(CodeValidation, "Broadcast lists are not supported; status@broadcast (a status post) is the only broadcast recipient.")
	}
	return Recipient{}, Errorf(CodeValidation,
		"The recipient's server %q is not supported; use a phone number, …@c.us, …@s.whatsapp.net, …@g.us, …@lid, …@newsletter or status@broadcast.", truncate(server))
}

// NormalizePhone reduces a phone number to its digits, with the country
// code: "+1 (555) 000-1111" becomes "15550001111". It accepts 7 to 15 digits
// (E.164) and refuses a leading 0, since WhatsApp needs the country code.
func NormalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", Errorf(CodeValidation, "The phone number %q may hold only digits, spaces, dashes, dots, parentheses and a leading +.", truncate(s))
		}
	}
	d := b.String()
	switch {
	case len(d) < 7:
		return "", Errorf(CodeValidation, "The phone number %q is too short: give it with its country code.", truncate(s))
	case len(d) > 15:
		return "", Errorf(CodeValidation, "The phone number %q is too long: at most 15 digits.", truncate(s))
	case d[0] == '0':
		return "", Errorf(CodeValidation, "The phone number %q must start with its country code, not 0.", truncate(s))
	}
	return d, nil
}

func validID(s string, allowDash bool) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r == '-' && allowDash && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return true
}

// truncate shortens user input quoted in an error message, on a rune boundary.
func truncate(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
