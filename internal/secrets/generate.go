package secrets

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/whatsapp-saas/gateway/internal/defaults"
)

// generatedBytes is the entropy of a generated secret (256 bits, as HS256
// wants); it is stored hex-encoded, so the secret is 64 printable bytes.
const generatedBytes = 32

// LoadOrGenerate returns the secret stored in dataDir/name, creating it
// first (32 random bytes, hex-encoded, mode 0600 in a 0700 directory) when
// it does not exist. generated reports whether this call created it. It is
// for secrets that are not configured outside production: they survive
// restarts, so tokens and webhook signatures stay valid. Two processes
// starting together agree on one value. The secret is never logged; where
// it was written is.
func LoadOrGenerate(dataDir, name string, log *slog.Logger) (secret []byte, generated bool, err error) {
	log = defaults.Logger(log)
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return nil, false, fmt.Errorf("secret name %q is not a plain file name", name)
	}
	path := filepath.Join(dataDir, name)
	if s, err := read(path, log); err == nil {
		return s, false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}

	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, false, fmt.Errorf("create data directory: %w", err)
	}
	raw := make([]byte, generatedBytes)
	if _, err := rand.Read(raw); err != nil {
		return nil, false, fmt.Errorf("generate secret: %w", err)
	}
	secret = []byte(hex.EncodeToString(raw))
	won, err := publish(dataDir, path, secret)
	if err != nil {
		return nil, false, err
	}
	if !won {
		// Another process created it first: use theirs.
		s, err := read(path, log)
		return s, false, err
	}
	log.Info("generated secret", "name", name, "path", path)
	return secret, true, nil
}

// read returns a stored secret without its trailing newline.
func read(path string, log *slog.Logger) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := []byte(strings.TrimRight(string(b), "\r\n"))
	if len(s) == 0 {
		return nil, fmt.Errorf("secret file %s is empty; delete it to generate a new secret", path)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		log.Warn("secret file is readable by other users", "path", path, "mode", st.Mode().Perm().String())
	}
	return s, nil
}

// publish writes secret to path only if path does not exist yet, and never
// leaves a partly written file there: it writes a private temporary file
// and hard-links it into place, which fails if another process got there
// first. It reports whether this call created path.
func publish(dir, path string, secret []byte) (bool, error) {
	tmp, err := os.CreateTemp(dir, ".secret-*")
	if err != nil {
		return false, fmt.Errorf("create secret file: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file 0600 already; Chmod says so explicitly.
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return false, fmt.Errorf("protect secret file: %w", err)
	}
	if _, err := tmp.Write(append(secret, '\n')); err != nil {
		tmp.Close()
		return false, fmt.Errorf("write secret file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, fmt.Errorf("write secret file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("write secret file: %w", err)
	}
	err = os.Link(tmp.Name(), path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrExist):
		return false, nil
	}
	// Some file systems have no hard links: fall back on an exclusive
	// create, whose only risk is a reader seeing the file before it is
	// written, which read reports as an empty file.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create secret file: %w", err)
	}
	if _, err := f.Write(append(secret, '\n')); err != nil {
		f.Close()
		return false, fmt.Errorf("write secret file: %w", err)
	}
	if err := f.Close(); err != nil {
		return false, fmt.Errorf("write secret file: %w", err)
	}
	return true, nil
}
