package gateway

import "context"

// Key is a named signing key.
type Key struct {
	ID     string
	Secret []byte
}

// Secrets supplies signing keys: from the environment, files or the data
// directory when embedded, from Vault in the cluster shape.
type Secrets interface {
	// JWTKeys returns the key to sign with and every key still accepted (the
	// current one included), so a rotation does not log everyone out.
	JWTKeys(ctx context.Context) (current Key, accepted []Key, err error)
	// WebhookSecret is the product-wide webhook signing secret.
	WebhookSecret(ctx context.Context) ([]byte, error)
	// InternalSecret guards the instance API between gateway and workers.
	InternalSecret(ctx context.Context) ([]byte, error)
}
