// Package webhook delivers events to customers' endpoints: a dispatcher
// pool that claims due deliveries from the store's outbox (safe with
// several gateways on one database), signs each request per Standard
// Webhooks, posts it through the SSRF-guarded client, and settles it
// (success, retry on a jittered schedule, abandon, disable the endpoint).
// The store is the source of truth; the bus only wakes dispatchers up.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// SecretPrefix starts every endpoint secret (Standard Webhooks).
const SecretPrefix = "whsec_"

// Standard Webhooks header names.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// DecodeSecret returns the key of a whsec_ secret: the base64 text after
// the prefix, decoded.
func DecodeSecret(secret string) ([]byte, error) {
	b64, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, errors.New("the secret does not start with " + SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errors.New("the secret is not base64 after its prefix")
	}
	if len(key) == 0 {
		return nil, errors.New("the secret is empty")
	}
	return key, nil
}

// Sign returns the webhook-signature header of a message: one
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>" per secret, separated by
// spaces (both the old and the new secret sign during a rotation).
func Sign(secrets []string, id string, timestamp int64, body []byte) (string, error) {
	var parts []string
	for _, s := range secrets {
		key, err := DecodeSecret(s)
		if err != nil {
			return "", err
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id))
		mac.Write([]byte{'.'})
		mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
		mac.Write([]byte{'.'})
		mac.Write(body)
		parts = append(parts, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	if len(parts) == 0 {
		return "", errors.New("no secret to sign with")
	}
	return strings.Join(parts, " "), nil
}
