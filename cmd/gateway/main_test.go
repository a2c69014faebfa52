package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/logtest"
)

func TestRunRefusesBadProductionConfig(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no jwt secret", map[string]string{"NODE_ENV": "production"}, "JWT_SECRET"},
		{"seed example secret", map[string]string{"NODE_ENV": "production", "JWT_SECRET": "your-super-secret-jwt-key-change-in-production"}, "JWT_SECRET"},
		{"default db password", map[string]string{"NODE_ENV": "production", "JWT_SECRET": strings.Repeat("k", 40),
			"DB_HOST": "127.0.0.1", "DB_PASSWORD": "postgres123"}, "DB_PASSWORD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.env["DATA_DIR"] = t.TempDir()
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			var out, errs strings.Builder
			if code := run(context.Background(), nil, lookup, &out, &errs); code != 2 {
				t.Fatalf("exit code %d, want 2; stderr %s", code, errs.String())
			}
			if !strings.Contains(errs.String(), tt.want) {
				t.Fatalf("stderr %q does not name %s", errs.String(), tt.want)
			}
		})
	}
}

func TestSeedRefusedInProduction(t *testing.T) {
	env := map[string]string{"NODE_ENV": "production", "JWT_SECRET": strings.Repeat("k", 40), "DATA_DIR": t.TempDir()}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	var out, errs strings.Builder
	if code := run(context.Background(), []string{"seed"}, lookup, &out, &errs); code == 0 {
		t.Fatal("seed succeeded in production")
	}
	if !strings.Contains(errs.String(), "production") {
		t.Fatalf("stderr %q does not say why", errs.String())
	}
}

// TestGeneratedJWTSecret checks that development generates a 256-bit JWT
// secret once into DATA_DIR with mode 0600 and says so in the log.
func TestGeneratedJWTSecret(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"DATA_DIR": dir, "BCRYPT_ROUNDS": "4"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	var out, errs strings.Builder
	if code := run(context.Background(), []string{"migrate"}, lookup, &out, &errs); code != 0 {
		t.Fatalf("migrate exit %d: %s", code, errs.String())
	}
	// migrate opens only the store; serve-time secrets come from newApp.
	var errs2 strings.Builder
	if code := run(context.Background(), []string{"seed"}, lookup, &out, &errs2); code != 0 {
		t.Fatalf("seed exit %d: %s", code, errs2.String())
	}
	path := filepath.Join(dir, "jwt_secret")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no generated secret: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	if n := len(strings.TrimSpace(string(raw))); n != 64 {
		t.Fatalf("secret has %d hex characters, want 64 (256 bits)", n)
	}
	if !strings.Contains(errs2.String(), "jwt_secret") || strings.Contains(errs2.String(), strings.TrimSpace(string(raw))) {
		t.Fatalf("log should name the generated file and never the value: %s", errs2.String())
	}
	// A second start reuses it.
	var errs3 strings.Builder
	run(context.Background(), []string{"seed"}, lookup, &out, &errs3)
	again, _ := os.ReadFile(path)
	if string(again) != string(raw) {
		t.Fatal("the secret changed on the second start")
	}
}

// TestDataDirFilesArePrivate: in a DATA_DIR an operator made 0755, the
// database and the generated secrets are still 0600, and the start-up log
// warns about the directory.
func TestDataDirFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // whatever the umask
		t.Fatal(err)
	}
	logs := &logtest.Buffer{}
	base := startGatewayLogging(t, testEnv(t, map[string]string{"DATA_DIR": dir}), logs)
	register(t, base, "modes@example.com") // a write: the WAL exists
	for _, name := range []string{"gateway.db", "gateway.db-wal", "gateway.db-shm", "jwt_secret", "webhook_secret", "internal_secret"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: got mode %#o, want 0600", name, got)
		}
	}
	if !strings.Contains(logs.String(), "DATA_DIR") || !strings.Contains(logs.String(), "0755") {
		t.Errorf("no warning about the open DATA_DIR in the log:\n%s", logs.String())
	}
}
