package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestRedactString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"send to 15550002222 failed", "send to *******2222 failed"},
		{"send to +1 555 000 2222 failed", "send to +* *** *** 2222 failed"},
		{"chat 120363000000000001@g.us", "chat **************0001@g.us"},
		{"from 15550002222:12@s.whatsapp.net", "from *******2222:12@s.whatsapp.net"},
		{"from 123456789012345@lid", "from ***********2345@lid"},
		{"session 5b0e8a52-6d1f-4b8a-9f0c-123456789012 ok", "session 5b0e8a52-6d1f-4b8a-9f0c-123456789012 ok"},
		{"wa id 3EB0A1B2C3D4E5F6123456789", "wa id 3EB0A1B2C3D4E5F6123456789"},
		{"listen tcp 127.0.0.1:21000", "listen tcp 127.0.0.1:21000"},
		{"body larger than 1048576 bytes", "body larger than 1048576 bytes"},
		{"no digits", "no digits"},
	}
	for _, tt := range tests {
		if got := RedactString(tt.in); got != tt.want {
			t.Errorf("RedactString(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestLoggerRedacts logs what careless code might log and checks neither
// the JSON nor the text output holds a full phone number or a body, while
// ids and the rest stay readable.
func TestLoggerRedacts(t *testing.T) {
	const phone, body = "15550002222", "مرحباً secret order #42"
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			log := New(format, slog.LevelDebug, &buf)
			log.Info("sending to "+phone, "request_id", "a1b2c3d4e5f60718", "session_id", "5b0e8a52-6d1f-4b8a-9f0c-2a6f5d3e9c41",
				"recipient", phone+"@s.whatsapp.net", "phone", "+"+phone, "body", body, "text", body,
				"err", errors.New("engine refused "+phone+"@s.whatsapp.net"),
				slog.Group("message", "message", body, "chat", phone+"@s.whatsapp.net", "status", "sent"),
				"count", 12345678901)
			out := buf.String()
			for _, leak := range []string{phone, "secret order", "مرحباً"} {
				if strings.Contains(out, leak) {
					t.Errorf("output leaks %q:\n%s", leak, out)
				}
			}
			for _, keep := range []string{"a1b2c3d4e5f60718", "5b0e8a52-6d1f-4b8a-9f0c-2a6f5d3e9c41", "2222", "[redacted]", "sent", "12345678901"} {
				if !strings.Contains(out, keep) {
					t.Errorf("output lost %q:\n%s", keep, out)
				}
			}
			if format == "json" {
				var rec map[string]any
				if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
					t.Fatalf("not one JSON record: %v\n%s", err, out)
				}
				if rec["msg"] != "sending to *******2222" || rec["level"] != "INFO" || rec["time"] == nil {
					t.Errorf("got record %v", rec)
				}
			}
		})
	}
}

func TestMaskDigits(t *testing.T) {
	for in, want := range map[string]string{"1234": "****", "12345": "*2345", "+966 50 000 0000": "+*** ** *** 0000", "": ""} {
		if got := MaskDigits(in); got != want {
			t.Errorf("MaskDigits(%q) = %q, want %q", in, got, want)
		}
	}
}
