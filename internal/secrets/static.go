// Package secrets holds the environment-and-files adapter of
// gateway.Secrets, used in the embedded shape and whenever SECRETS=env:
// secrets come from the configuration (JWT_SECRET, JWT_SECRET_FILE, …) or
// are generated once into the data directory (LoadOrGenerate).
package secrets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

var _ gateway.Secrets = (*Static)(nil)

// Static is a gateway.Secrets whose values are fixed at start. Build it
// with NewStatic; the fields are its configuration.
type Static struct {
	// JWT signs new tokens; JWTPrevious, when set, is still accepted so a
	// rotation does not log everyone out.
	JWT         []byte
	JWTPrevious []byte
	// Webhook is the product-wide webhook signing secret.
	Webhook []byte
	// Internal guards the instance API between gateway and workers.
	Internal []byte

	current  gateway.Key
	accepted []gateway.Key
}

// NewStatic returns secrets holding copies of cfg's values, with key ids
// derived from the secrets (see KeyID).
func NewStatic(cfg Static) *Static {
	s := &Static{
		JWT:         slices.Clone(cfg.JWT),
		JWTPrevious: slices.Clone(cfg.JWTPrevious),
		Webhook:     slices.Clone(cfg.Webhook),
		Internal:    slices.Clone(cfg.Internal),
	}
	if len(s.JWT) > 0 {
		s.current = gateway.Key{ID: KeyID(s.JWT), Secret: s.JWT}
		s.accepted = append(s.accepted, s.current)
	}
	if len(s.JWTPrevious) > 0 && !slices.Equal(s.JWTPrevious, s.JWT) {
		s.accepted = append(s.accepted, gateway.Key{ID: KeyID(s.JWTPrevious), Secret: s.JWTPrevious})
	}
	return s
}

// KeyID names a key by the first 8 hex digits of its SHA-256, so the same
// secret gets the same kid in every process and across restarts, without
// revealing anything usable about it.
func KeyID(secret []byte) string {
	sum := sha256.Sum256(secret)
	return hex.EncodeToString(sum[:4])
}

// JWTKeys returns the signing key and every accepted key (the current one
// first). CodeUnavailable when no JWT secret is configured.
func (s *Static) JWTKeys(context.Context) (gateway.Key, []gateway.Key, error) {
	if len(s.current.Secret) == 0 {
		return gateway.Key{}, nil, missing("JWT")
	}
	return cloneKey(s.current), cloneKeys(s.accepted), nil
}

// WebhookSecret returns the webhook signing secret; CodeUnavailable when none is configured.
func (s *Static) WebhookSecret(context.Context) ([]byte, error) {
	if len(s.Webhook) == 0 {
		return nil, missing("webhook")
	}
	return slices.Clone(s.Webhook), nil
}

// InternalSecret returns the instance API secret; CodeUnavailable when none is configured.
func (s *Static) InternalSecret(context.Context) ([]byte, error) {
	if len(s.Internal) == 0 {
		return nil, missing("internal")
	}
	return slices.Clone(s.Internal), nil
}

func missing(what string) error {
	return gateway.Errorf(gateway.CodeUnavailable, "No %s secret is configured.", what)
}

// Copies keep a caller from changing the secrets of every other caller.
func cloneKey(k gateway.Key) gateway.Key {
	return gateway.Key{ID: k.ID, Secret: slices.Clone(k.Secret)}
}

func cloneKeys(ks []gateway.Key) []gateway.Key {
	out := make([]gateway.Key, len(ks))
	for i, k := range ks {
		out[i] = cloneKey(k)
	}
	return out
}
