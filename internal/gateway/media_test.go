package gateway

import "testing"

func TestMediaPath(t *testing.T) {
	tests := []struct{ session, id, mime, name, want string }{
		{"s1", "3EB0AB", "application/pdf", "report.PDF", "s1/3EB0AB.pdf"},
		{"s1", "3EB0AB", "audio/ogg; codecs=opus", "", "s1/3EB0AB.ogg"},
		{"s1", "3EB0AB", "image/jpeg", "", "s1/3EB0AB.jpg"},
		{"s1", "../../etc/passwd", "text/plain", "x/../../y.sh", "s1/______etc_passwd.sh"},
		{"..", "..", "", "a.tar/../..", "__/__"},
		{"s1", "ID", "", "", "s1/ID"},
		{"s1", "ID", "", "name.averyveryverylongextension", "s1/ID"},
	}
	for _, tt := range tests {
		if got := MediaPath(tt.session, tt.id, tt.mime, tt.name); got != tt.want {
			t.Errorf("MediaPath(%q, %q, %q, %q) = %q, want %q", tt.session, tt.id, tt.mime, tt.name, got, tt.want)
		}
	}
}
