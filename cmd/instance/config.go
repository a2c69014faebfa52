package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/whatsapp-saas/gateway/internal/config"
)

// The worker's configuration is config.Worker: its settings are rows of
// internal/config's settings table, read by the gateway's loader.

// secretReader returns the internal secret: the fixed value, or the file
// read again on every call (it is a few bytes in a tmpfs), so a rotation
// rendered by the Nomad template needs no restart.
func secretReader(cfg *config.Worker) func() ([]byte, error) {
	if cfg.InternalSecretFile == "" {
		v := []byte(cfg.InternalSecret.Value())
		return func() ([]byte, error) { return v, nil }
	}
	path := cfg.InternalSecretFile
	return func() ([]byte, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read internal secret file: %w", err)
		}
		s := strings.TrimSpace(string(b))
		if s == "" {
			return nil, errors.New("internal secret file is empty")
		}
		return []byte(s), nil
	}
}
