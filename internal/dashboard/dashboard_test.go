package dashboard

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

func TestServesEmbeddedFiles(t *testing.T) {
	r := chi.NewRouter()
	Mount(r)
	srv := httptest.NewServer(r)
	defer srv.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		path, status, contentType, contains string
	}{
		{"/app/", "200", "text/html", `<script src="/app/app.js"`},
		{"/app/app.js", "200", "javascript", "text/event-stream"},
		{"/app/i18n.js", "200", "javascript", "بوابة واتساب"},
		{"/app/admin.js", "200", "javascript", "admin/audit?"},
		{"/app/app.css", "200", "text/css", `[dir="rtl"]`},
		{"/app/sessions/deep/link", "200", "text/html", `id="main"`},
		{"/app", "301", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := noRedirect.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if got := resp.Status[:3]; got != tt.status {
				t.Fatalf("got status %s, want %s", got, tt.status)
			}
			if !strings.Contains(resp.Header.Get("Content-Type"), tt.contentType) || !strings.Contains(string(body), tt.contains) {
				t.Errorf("got %q with %d bytes, want %q containing %q", resp.Header.Get("Content-Type"), len(body), tt.contentType, tt.contains)
			}
			if tt.status == "200" && !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
				t.Error("no Content-Security-Policy limiting scripts to the gateway")
			}
		})
	}
}

// TestNothingFromElsewhere fails when an asset loads anything from another
// origin: the dashboard must work offline.
func TestNothingFromElsewhere(t *testing.T) {
	ext := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import|fetch\(\s*["']https?:`)
	err := fs.WalkDir(static, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := static.ReadFile(path)
		if err != nil {
			return err
		}
		if m := ext.Find(b); m != nil {
			t.Errorf("%s loads from another origin: %q", path, m)
		}
		if strings.Contains(string(b), "innerHTML") {
			t.Errorf("%s uses innerHTML; build nodes with textContent", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
