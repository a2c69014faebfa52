package secrets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func TestKeyID(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	sum := sha256.Sum256(secret)
	want := hex.EncodeToString(sum[:])[:8]
	if got := KeyID(secret); got != want {
		t.Fatalf("KeyID = %q, want %q", got, want)
	}
	if KeyID(secret) != KeyID(append([]byte(nil), secret...)) {
		t.Fatal("KeyID differs for equal secrets")
	}
	if KeyID(secret) == KeyID([]byte("another secret")) {
		t.Fatal("KeyID is the same for different secrets")
	}
	// A known vector, so the kid of a deployed secret never changes.
	if got := KeyID([]byte("secret")); got != "2bb80d53" {
		t.Fatalf("KeyID(secret) = %q, want 2bb80d53", got)
	}
}

func TestStatic(t *testing.T) {
	ctx := context.Background()
	cur, prev := []byte("current-secret"), []byte("previous-secret")
	cfg := Static{JWT: cur, JWTPrevious: prev, Webhook: []byte("wh"), Internal: []byte("in")}
	s := NewStatic(cfg)
	// The caller's slices are copied.
	cur[0] = 'X'

	current, accepted, err := s.JWTKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantCurrent := gateway.Key{ID: KeyID([]byte("current-secret")), Secret: []byte("current-secret")}
	if diff := cmp.Diff(wantCurrent, current); diff != "" {
		t.Fatalf("current key (-want +got):\n%s", diff)
	}
	wantAccepted := []gateway.Key{wantCurrent, {ID: KeyID(prev), Secret: prev}}
	if diff := cmp.Diff(wantAccepted, accepted); diff != "" {
		t.Fatalf("accepted keys (-want +got):\n%s", diff)
	}
	// Keys handed out are copies.
	accepted[1].Secret[0] = 'X'
	_, again, _ := s.JWTKeys(ctx)
	if string(again[1].Secret) != "previous-secret" {
		t.Fatalf("a caller changed the stored previous secret to %q", again[1].Secret)
	}

	if got, err := s.WebhookSecret(ctx); err != nil || string(got) != "wh" {
		t.Fatalf("WebhookSecret = %q, %v; want wh", got, err)
	}
	if got, err := s.InternalSecret(ctx); err != nil || string(got) != "in" {
		t.Fatalf("InternalSecret = %q, %v; want in", got, err)
	}
}

func TestStaticWithoutPrevious(t *testing.T) {
	tests := []struct {
		name string
		prev []byte
	}{
		{"none", nil},
		{"same as current", []byte("k")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, accepted, err := NewStatic(Static{JWT: []byte("k"), JWTPrevious: tt.prev}).JWTKeys(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(accepted) != 1 || string(accepted[0].Secret) != "k" {
				t.Fatalf("got accepted %v, want only the current key", accepted)
			}
		})
	}
}

func TestStaticMissing(t *testing.T) {
	ctx := context.Background()
	s := NewStatic(Static{})
	if _, _, err := s.JWTKeys(ctx); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Fatalf("JWTKeys: got %v, want CodeUnavailable", err)
	}
	if _, err := s.WebhookSecret(ctx); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Fatalf("WebhookSecret: got %v, want CodeUnavailable", err)
	}
	if _, err := s.InternalSecret(ctx); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Fatalf("InternalSecret: got %v, want CodeUnavailable", err)
	}
}

func TestLoadOrGenerate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	first, generated, err := LoadOrGenerate(dir, "jwt_secret", log)
	if err != nil {
		t.Fatal(err)
	}
	if !generated {
		t.Fatal("first call: generated = false, want true")
	}
	if len(first) != 64 {
		t.Fatalf("got a %d-byte secret, want 64 hex digits", len(first))
	}
	if _, err := hex.DecodeString(string(first)); err != nil {
		t.Fatalf("secret is not hex: %v", err)
	}

	path := filepath.Join(dir, "jwt_secret")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != 0o600 {
		t.Fatalf("secret file mode %v, want 0600", got)
	}
	dst, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := dst.Mode().Perm(); got != 0o700 {
		t.Fatalf("data directory mode %v, want 0700", got)
	}
	if strings.Contains(logs.String(), string(first)) {
		t.Fatalf("log reveals the secret: %s", logs.String())
	}
	if !strings.Contains(logs.String(), path) {
		t.Fatalf("log does not say where the secret was written: %s", logs.String())
	}

	logs.Reset()
	second, generated, err := LoadOrGenerate(dir, "jwt_secret", log)
	if err != nil {
		t.Fatal(err)
	}
	if generated || !bytes.Equal(first, second) {
		t.Fatalf("second call: generated %v, same %v; want false, true", generated, bytes.Equal(first, second))
	}
	if logs.Len() != 0 {
		t.Fatalf("second call logged %q, want nothing", logs.String())
	}

	other, _, err := LoadOrGenerate(dir, "webhook_secret", nil)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(first, other) {
		t.Fatal("two names got the same secret")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("data directory holds %d files, want 2 (no temporary files left)", len(entries))
	}
}

func TestLoadOrGenerateReadsExisting(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "s"), []byte("operator-chosen\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, generated, err := LoadOrGenerate(dir, "s", nil)
	if err != nil || generated || string(got) != "operator-chosen" {
		t.Fatalf("got %q, %v, %v; want operator-chosen, false, nil", got, generated, err)
	}
}

func TestLoadOrGenerateWarnsAboutOpenPermissions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s")
	if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	if _, _, err := LoadOrGenerate(dir, "s", slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "readable by other users") {
		t.Fatalf("got log %q, want a warning about permissions", logs.String())
	}
}

func TestLoadOrGenerateConcurrent(t *testing.T) {
	dir := t.TempDir()
	const n = 20
	var wg sync.WaitGroup
	got := make([][]byte, n)
	created := make([]bool, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, gen, err := LoadOrGenerate(dir, "s", nil)
			if err != nil {
				t.Error(err)
			}
			got[i], created[i] = s, gen
		}()
	}
	wg.Wait()
	creators := 0
	for i := range n {
		if !bytes.Equal(got[i], got[0]) {
			t.Fatalf("caller %d got a different secret", i)
		}
		if created[i] {
			creators++
		}
	}
	if creators != 1 {
		t.Fatalf("%d callers report generating, want 1", creators)
	}
}

func TestLoadOrGenerateErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "empty"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, secret string
	}{
		{"empty file", dir, "empty"},
		{"path in name", dir, "../escape"},
		{"empty name", dir, ""},
		{"dot name", dir, ".."},
		{"data dir is a file", blocker, "s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s, _, err := LoadOrGenerate(tt.dir, tt.secret, nil); err == nil {
				t.Fatalf("got secret %q, want an error", s)
			}
		})
	}
}
