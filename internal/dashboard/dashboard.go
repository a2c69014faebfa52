// Package dashboard is the web dashboard: plain HTML, CSS and JavaScript
// embedded in the binary (no CDN, works offline), served under /app/. It
// speaks only the public API, from the browser, with the user's token.
package dashboard

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var static embed.FS

// Prefix is where the dashboard is mounted.
const Prefix = "/app/"

// Handler serves the dashboard's files under Prefix. Paths that are not a
// file get index.html, so a reloaded deep link (#/sessions) still works.
func Handler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is part of the binary
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(Prefix, "/"))
		name = strings.TrimPrefix(path.Clean("/"+name), "/")
		if name == "" {
			name = "index.html"
		}
		if _, err := fs.Stat(sub, name); err != nil {
			name = "index.html"
		}
		h := w.Header()
		// Everything comes from this origin: no CDN, no inline script. The
		// one exception is a contact's profile picture, which WhatsApp
		// serves from pps.whatsapp.net (the sandbox's are data: URLs).
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: https://pps.whatsapp.net; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-cache")
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		if name == "index.html" {
			r2.URL.Path = "/" // FileServer answers index.html for the directory
		}
		files.ServeHTTP(w, r2)
	})
}

// Mount adds the dashboard's routes: /app (redirect), /app/ and /app/*.
func Mount(r interface {
	Get(pattern string, h http.HandlerFunc)
}) {
	h := Handler()
	r.Get("/app", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, Prefix, http.StatusMovedPermanently) })
	r.Get("/app/", h.ServeHTTP)
	r.Get("/app/*", h.ServeHTTP)
}
