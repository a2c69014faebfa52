package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Claims are what a gateway token says.
type Claims struct {
	UserID string
	Role   string
	// TokenVersion is the user's token version when the token was issued
	// (the "ver" claim; 0 for tokens issued before it existed). The caller
	// refuses a token older than the user's current version.
	TokenVersion int64
	// ExpiresAt is when the token stops being accepted.
	ExpiresAt time.Time
}

// Tokens signs and verifies JWTs with HS256 keys from a gateway.Secrets.
type Tokens struct {
	secrets  gateway.Secrets
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
}

// NewTokens returns a token issuer and verifier.
func NewTokens(secrets gateway.Secrets, issuer, audience string, ttl time.Duration) *Tokens {
	return &Tokens{secrets: secrets, issuer: issuer, audience: audience, ttl: ttl, now: time.Now}
}

type tokenClaims struct {
	Role    string `json:"role,omitempty"`
	Version int64  `json:"ver,omitempty"`
	jwt.RegisteredClaims
}

// Sign issues a token for a user at its current token version.
func (t *Tokens) Sign(ctx context.Context, userID, role string, version int64) (string, time.Time, error) {
	key, _, err := t.secrets.JWTKeys(ctx)
	if err != nil {
		return "", time.Time{}, gateway.WrapError(err, gateway.CodeUnavailable, "Signing keys are unavailable; try again shortly.")
	}
	now := t.now().UTC()
	exp := now.Add(t.ttl).Truncate(time.Second)
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, tokenClaims{
		Role:    role,
		Version: version,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   userID,
			Issuer:    t.issuer,
			Audience:  jwt.ClaimStrings{t.audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-5 * time.Second)),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
	})
	tok.Header["kid"] = key.ID
	s, err := tok.SignedString(key.Secret)
	if err != nil {
		return "", time.Time{}, gateway.WrapError(err, gateway.CodeInternal, "The token could not be signed.")
	}
	return s, exp, nil
}

// Verify checks a token: HS256 only, a known kid, exp, nbf, iss and aud.
// Every refusal is CodeUnauthorized with the same sentence.
func (t *Tokens) Verify(ctx context.Context, token string) (Claims, error) {
	_, accepted, err := t.secrets.JWTKeys(ctx)
	if err != nil {
		return Claims{}, gateway.WrapError(err, gateway.CodeUnavailable, "Signing keys are unavailable; try again shortly.")
	}
	var c tokenClaims
	_, err = jwt.ParseWithClaims(token, &c, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		for _, k := range accepted {
			if k.ID == kid {
				return k.Secret, nil
			}
		}
		return nil, fmt.Errorf("unknown kid %q", kid)
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(t.issuer),
		jwt.WithAudience(t.audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(5*time.Second),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil {
		msg := "The token is invalid."
		if errors.Is(err, jwt.ErrTokenExpired) {
			msg = "The token has expired; log in again."
		}
		return Claims{}, gateway.WrapError(errors.Join(ErrBadToken, err), gateway.CodeUnauthorized, msg)
	}
	if c.Subject == "" {
		return Claims{}, gateway.WrapError(ErrBadToken, gateway.CodeUnauthorized, "The token is invalid.")
	}
	return Claims{UserID: c.Subject, Role: c.Role, TokenVersion: c.Version, ExpiresAt: c.ExpiresAt.Time}, nil
}
