package gateway

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseRecipient(t *testing.T) {
	tests := []struct {
		in      string
		wantJID string
		wantErr bool
	}{
		{"1234567890@c.us", "1234567890@s.whatsapp.net", false},
		{"1234567890", "1234567890@s.whatsapp.net", false},
		{"+1 (234) 567-890", "1234567890@s.whatsapp.net", false},
		{"  +966501234567 ", "966501234567@s.whatsapp.net", false},
		{"15550001111@s.whatsapp.net", "15550001111@s.whatsapp.net", false},
		{"15550001111:12@s.whatsapp.net", "15550001111@s.whatsapp.net", false},
		{"15550001111.0:12@s.whatsapp.net", "15550001111@s.whatsapp.net", false},
		{"15550001111@C.US", "15550001111@s.whatsapp.net", false},
		{"120363025246125486@g.us", "120363025246125486@g.us", false},
		{"15550001111-1612345678@g.us", "15550001111-1612345678@g.us", false},
		{"123456789012345@lid", "123456789012345@lid", false},
		{"", "", true},
		{"123", "", true},
		{"0123456789", "", true},
		{"1234567890123456", "", true},
		{"abc", "", true},
		{"12345678@example.com", "", true},
		{"@g.us", "", true},
		{"abc@g.us", "", true},
		{"-12@g.us", "", true},
		{"a@b@c", "", true},
		{"12345678@lid@x", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRecipient(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseRecipient(%q) = %+v, want error", tt.in, got)
				}
				if c := ErrorCode(err); c != CodeValidation {
					t.Fatalf("code = %s, want %s", c, CodeValidation)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRecipient(%q): %v", tt.in, err)
			}
			if got.JID != tt.wantJID {
				t.Fatalf("JID = %q, want %q", got.JID, tt.wantJID)
			}
		})
	}
}

func TestRecipientPhone(t *testing.T) {
	r, _ := ParseRecipient("1234567890@c.us")
	if r.Phone() != "1234567890" || r.IsGroup() {
		t.Fatalf("got phone %q group %v", r.Phone(), r.IsGroup())
	}
	g, _ := ParseRecipient("1203630@g.us")
	if g.Phone() != "" || !g.IsGroup() {
		t.Fatalf("got phone %q group %v", g.Phone(), g.IsGroup())
	}
}

// FuzzParseRecipient checks that parsing never panics, that what it accepts
// is normalised (parsing the JID again gives the same JID) and that error
// messages are valid UTF-8 sentences.
func FuzzParseRecipient(f *testing.F) {
	for _, s := range []string{"1234567890@c.us", "+1 234 567 890", "1@g.us", "x@lid", "15550001111:2@s.whatsapp.net", "", "@", "٠١٢٣٤٥٦٧٨٩"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRecipient(s)
		if err != nil {
			if !utf8.ValidString(ErrorMessage(err)) && utf8.ValidString(s) {
				t.Fatalf("message not UTF-8: %q", ErrorMessage(err))
			}
			return
		}
		if !strings.HasSuffix(r.JID, "@"+r.Server) || r.User == "" {
			t.Fatalf("bad result %+v for %q", r, s)
		}
		again, err := ParseRecipient(r.JID)
		if err != nil || again.JID != r.JID {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", s, r.JID, again.JID, err)
		}
	})
}
