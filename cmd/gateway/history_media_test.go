package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHistoryMediaSandbox: the media of history messages is referenced at
// sync and downloaded on its first request. The sandbox's seeded history
// has six photos; none is on disk after the sync; the first GET of one
// downloads it (its bytes match the size and SHA-256 the message carries),
// it is kept under MEDIA_STORAGE_PATH and served from there again; another
// tenant gets 404; with the session stopped, a photo not yet downloaded
// answers 409 with the session's state while a downloaded one is still
// served.
func TestHistoryMediaSandbox(t *testing.T) {
	mediaDir := t.TempDir()
	base := instantSandbox(t, map[string]string{"MEDIA_STORAGE_PATH": mediaDir})
	alice := register(t, base, "history-media@example.com")
	bob := register(t, base, "history-media-bob@example.com")
	s := scanAs(t, alice, "hm", "15550009101")
	waitHistorySync(t, alice, s.ID, "done", patience)

	type media struct {
		MIMEType string `json:"mime_type"`
		Size     int64  `json:"size"`
		SHA256   string `json:"sha256"`
		Path     string `json:"path"`
		Caption  string `json:"caption"`
	}
	type photo struct {
		ID      string `json:"id"`
		Type    string `json:"message_type"`
		History bool   `json:"history"`
		Payload struct {
			Media *media `json:"media"`
		} `json:"payload"`
	}
	var photos []photo
	chatMessages(t, alice, s.ID, 100, func(_ string, m photo) {
		if m.Type == "image" {
			photos = append(photos, m)
		}
	})
	if len(photos) != 6 {
		t.Fatalf("the seeded history holds %d photos, want 6", len(photos))
	}
	for _, p := range photos {
		if !p.History || p.Payload.Media == nil || p.Payload.Media.Path == "" || p.Payload.Media.SHA256 == "" || p.Payload.Media.Caption == "" {
			t.Fatalf("history photo: got %+v with media %+v, want history with a path, a SHA-256 and a caption", p, p.Payload.Media)
		}
		if _, err := os.Stat(filepath.Join(mediaDir, filepath.FromSlash(p.Payload.Media.Path))); !os.IsNotExist(err) {
			t.Fatalf("history photo %s is on disk before anyone asked for it (%v): history media must be downloaded lazily", p.ID, err)
		}
	}

	get := func(c *client, id string) (int, string, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/api/v1/messages/"+id+"/media", nil)
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := checkedClient(t, http.DefaultClient).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), b
	}
	first, md := photos[0], photos[0].Payload.Media
	status, ct, body := get(alice, first.ID)
	sum := sha256.Sum256(body)
	if status != http.StatusOK || ct != "image/png" || int64(len(body)) != md.Size || hex.EncodeToString(sum[:]) != md.SHA256 {
		t.Fatalf("first GET of a history photo: %d %s, %d bytes; want 200 image/png of %d bytes with its SHA-256", status, ct, len(body), md.Size)
	}
	if _, err := png.Decode(bytes.NewReader(body)); err != nil {
		t.Fatalf("the history photo is not a PNG: %v", err)
	}
	stored, err := os.ReadFile(filepath.Join(mediaDir, filepath.FromSlash(md.Path)))
	if err != nil || !bytes.Equal(stored, body) {
		t.Fatalf("after its first GET the photo is not kept under MEDIA_STORAGE_PATH (%v)", err)
	}
	if status, _, again := get(alice, first.ID); status != http.StatusOK || !bytes.Equal(again, body) {
		t.Fatalf("second GET: %d, %d bytes", status, len(again))
	}
	if status, _, b := get(bob, first.ID); status != http.StatusNotFound {
		t.Fatalf("another tenant's GET of the photo: %d %s, want 404", status, b)
	}

	// Stopped: what was downloaded is still served; the rest needs the
	// session connected.
	var insts struct {
		Instances []instanceView `json:"instances"`
	}
	alice.do("GET", "/api/v1/instances?limit=100", nil).must(t, http.StatusOK, &insts)
	for _, in := range insts.Instances {
		if in.SessionID == s.ID && in.Status == "running" {
			alice.do("POST", "/api/v1/instances/"+in.ID+"/stop", nil).must(t, http.StatusOK, nil)
		}
	}
	waitStatus(t, alice, s.ID, "stopped")
	if status, _, _ := get(alice, first.ID); status != http.StatusOK {
		t.Fatalf("a downloaded history photo with the session stopped: %d, want 200", status)
	}
	status, _, b := get(alice, photos[1].ID)
	if status != http.StatusConflict || !strings.Contains(string(b), `"state":"stopped"`) {
		t.Fatalf("a history photo not downloaded yet with the session stopped: %d %s, want 409 with the state", status, b)
	}
}
