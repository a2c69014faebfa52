package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBinaryReadsDotEnv runs the real binary in a directory holding a
// .env file, as a fresh clone after `cp .env.example .env`: the file's
// values apply, the environment wins over them, and a malformed file stops
// the gateway with the line named.
func TestBinaryReadsDotEnv(t *testing.T) {
	bin := gatewayBinary(t)
	dir := t.TempDir()
	write := func(text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	runConfig := func(env ...string) (string, error) {
		cmd := exec.Command(bin, "config")
		cmd.Dir = dir
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	write("# local settings\nPORT=3456\nLOG_LEVEL='debug'\nWHATSAPP_ENGINE=sandbox # for the demo\n")
	out, err := runConfig("LOG_LEVEL=warn")
	if err != nil {
		t.Fatalf("gateway config: %v\n%s", err, out)
	}
	for _, want := range []string{"PORT=3456\n", "WHATSAPP_ENGINE=sandbox\n", "LOG_LEVEL=warn\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("gateway config does not print %q:\n%s", strings.TrimSpace(want), out)
		}
	}

	write("PORT=3456\nJWT_SECRET=\"unterminated\n")
	out, err = runConfig()
	if err == nil {
		t.Fatalf("gateway config with a malformed .env: got success, want an error\n%s", out)
	}
	if !strings.Contains(out, ".env: line 2") {
		t.Errorf("got %q, want the error to name .env and line 2", out)
	}
}
