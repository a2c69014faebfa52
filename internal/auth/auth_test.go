package auth

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

type keys struct {
	current  gateway.Key
	accepted []gateway.Key
}

func (k *keys) JWTKeys(context.Context) (gateway.Key, []gateway.Key, error) {
	return k.current, k.accepted, nil
}
func (k *keys) WebhookSecret(context.Context) ([]byte, error)  { return nil, nil }
func (k *keys) InternalSecret(context.Context) ([]byte, error) { return nil, nil }

func newKeys() *keys {
	k := gateway.Key{ID: "k1", Secret: []byte(strings.Repeat("a", 32))}
	return &keys{current: k, accepted: []gateway.Key{k}}
}

// newTokens is an issuer "iss" of hour-long tokens for audience "aud", on
// fresh keys.
func newTokens() (*keys, *Tokens) {
	k := newKeys()
	return k, NewTokens(k, "iss", "aud", time.Hour)
}

func TestTokensRoundTrip(t *testing.T) {
	ctx := context.Background()
	_, tk := newTokens()
	tok, exp, err := tk.Sign(ctx, "user-1", "admin", 0)
	if err != nil {
		t.Fatal(err)
	}
	if time.Until(exp) <= 0 {
		t.Fatalf("expiry %v is not in the future", exp)
	}
	c, err := tk.Verify(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if c.UserID != "user-1" || c.Role != "admin" {
		t.Fatalf("got %+v, want user-1/admin", c)
	}
}

func TestTokensRefused(t *testing.T) {
	ctx := context.Background()
	k, tk := newTokens()
	good, _, _ := tk.Sign(ctx, "u", "user", 0)

	other := NewTokens(k, "other-iss", "aud", time.Hour)
	wrongIss, _, _ := other.Sign(ctx, "u", "user", 0)
	otherAud := NewTokens(k, "iss", "other-aud", time.Hour)
	wrongAud, _, _ := otherAud.Sign(ctx, "u", "user", 0)
	expiredTk := NewTokens(k, "iss", "aud", time.Hour)
	expiredTk.now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	expired, _, _ := expiredTk.Sign(ctx, "u", "user", 0)

	// alg "none" with the same claims.
	parts := strings.Split(good, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"k1"}`)) + "." + parts[1] + "."
	// HS512 with the right key: not on the allow-list.
	hs512 := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.RegisteredClaims{Subject: "u", Issuer: "iss",
		Audience: jwt.ClaimStrings{"aud"}, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))})
	hs512.Header["kid"] = "k1"
	hs512s, _ := hs512.SignedString(k.current.Secret)
	// No expiry.
	noExp := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Subject: "u", Issuer: "iss", Audience: jwt.ClaimStrings{"aud"}})
	noExp.Header["kid"] = "k1"
	noExps, _ := noExp.SignedString(k.current.Secret)

	for name, tok := range map[string]string{
		"wrong issuer": wrongIss, "wrong audience": wrongAud, "expired": expired, "alg none": none,
		"hs512": hs512s, "no exp": noExps, "garbage": "abc.def.ghi", "empty": "", "tampered": good[:len(good)-2] + "xx",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tk.Verify(ctx, tok)
			if c := gateway.ErrorCode(err); c != gateway.CodeUnauthorized {
				t.Fatalf("code = %q, want %q (err %v)", c, gateway.CodeUnauthorized, err)
			}
		})
	}
}

func TestTokensRotation(t *testing.T) {
	ctx := context.Background()
	k, tk := newTokens()
	old, _, _ := tk.Sign(ctx, "u", "user", 0)

	// Rotate: a new current key, the old one still accepted.
	prev := k.current
	k.current = gateway.Key{ID: "k2", Secret: []byte(strings.Repeat("b", 32))}
	k.accepted = []gateway.Key{k.current, prev}
	if _, err := tk.Verify(ctx, old); err != nil {
		t.Fatalf("token of the previous key refused: %v", err)
	}
	fresh, _, _ := tk.Sign(ctx, "u", "user", 0)
	if _, err := tk.Verify(ctx, fresh); err != nil {
		t.Fatalf("token of the new key refused: %v", err)
	}
	// Retire the old key.
	k.accepted = []gateway.Key{k.current}
	if _, err := tk.Verify(ctx, old); err == nil {
		t.Fatal("token of a retired key accepted")
	}
}

func TestAPIKeys(t *testing.T) {
	key, prefix, hash := NewAPIKey()
	if !strings.HasPrefix(key, "wsa_") || !strings.HasPrefix(key, prefix) {
		t.Fatalf("key %q prefix %q", key, prefix)
	}
	if !WellFormedAPIKey(key) {
		t.Fatalf("fresh key %q not well formed", key)
	}
	if HashAPIKey(key) != hash || len(hash) != 64 {
		t.Fatalf("hash mismatch")
	}
	other, _, _ := NewAPIKey()
	if other == key {
		t.Fatal("two keys are equal")
	}
	flipped := []byte(key)
	if flipped[10] == 'A' {
		flipped[10] = 'B'
	} else {
		flipped[10] = 'A'
	}
	for _, bad := range []string{"", "wsa_", "wsa_your_api_key_here", string(flipped), key + "x", strings.Replace(key, "wsa_", "wsb_", 1)} {
		if WellFormedAPIKey(bad) {
			t.Errorf("WellFormedAPIKey(%q) = true, want false", bad)
		}
	}
}

func TestPasswords(t *testing.T) {
	h, err := HashPassword("secret123", 4)
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "secret123") || CheckPassword(h, "secret124") {
		t.Fatal("password check wrong")
	}
	if _, err := HashPassword(strings.Repeat("x", 73), 4); gateway.ErrorCode(err) != gateway.CodeValidation {
		t.Fatalf("73-byte password: got %v, want validation error", err)
	}
}

func TestVerifyCache(t *testing.T) {
	ctx := context.Background()
	k, tk := newTokens()
	tok, _, _ := tk.Sign(ctx, "u", "user", 0)
	vc := NewVerifyCache(tk, time.Minute)
	if c, err := vc.Verify(ctx, tok); err != nil || c.UserID != "u" {
		t.Fatalf("got %+v, %v", c, err)
	}
	// Once verified, the token is answered from the cache even if the keys
	// go away (within the TTL)…
	k.accepted = nil
	if _, err := vc.Verify(ctx, tok); err != nil {
		t.Fatalf("cached token refused: %v", err)
	}
	// …but a token never verified is still checked, and refused.
	other, _, _ := NewTokens(&keys{current: gateway.Key{ID: "x", Secret: []byte("y")}}, "iss", "aud", time.Hour).Sign(ctx, "u", "user", 0)
	if _, err := vc.Verify(ctx, other); err == nil {
		t.Fatal("unverified token accepted")
	}
	// A cache never outlives the token: an expired token is checked again.
	kk := newKeys()
	short := NewTokens(kk, "iss", "aud", time.Second)
	short.now = func() time.Time { return time.Now().Add(-time.Hour) }
	expired, _, _ := short.Sign(ctx, "u", "user", 0)
	if _, err := NewVerifyCache(NewTokens(kk, "iss", "aud", time.Hour), time.Hour).Verify(ctx, expired); err == nil {
		t.Fatal("expired token accepted")
	}
}

func TestDummyHashUsesConfiguredCost(t *testing.T) {
	// The comparison for an unknown account must cost what a real account's
	// does: the dummy hash has the cost passwords are hashed at.
	for _, cost := range []int{bcrypt.MinCost, 6} {
		h := dummyHash(cost)
		got, err := bcrypt.Cost(h)
		if err != nil {
			t.Fatal(err)
		}
		if got != cost {
			t.Errorf("dummy hash cost = %d, want %d", got, cost)
		}
		real, _ := HashPassword("whatever-password", cost)
		if want, _ := bcrypt.Cost([]byte(real)); got != want {
			t.Errorf("dummy hash cost %d, a real hash at the same setting %d", got, want)
		}
	}
	// The hash is made once per cost, not on every login.
	if a, b := dummyHash(bcrypt.MinCost), dummyHash(bcrypt.MinCost); &a[0] != &b[0] {
		t.Error("dummy hash made again for the same cost")
	}
}

func TestCommonPassword(t *testing.T) {
	for _, p := range []string{"12345678", "password", "Password", "PASSWORD123", "qwerty123", "iloveyou", "  password1 "} {
		if !CommonPassword(p) {
			t.Errorf("CommonPassword(%q) = false, want true", p)
		}
	}
	for _, p := range []string{"correct-horse-battery", "a-new-long-password", "", "# The most common passwords, one a line, lower-case: refused at registration,"} {
		if CommonPassword(p) {
			t.Errorf("CommonPassword(%q) = true, want false", p)
		}
	}
	if n := commonPasswordCount(); n < 500 {
		t.Errorf("got %d common passwords, want at least 500", n)
	}
}

func TestTokenVersionClaim(t *testing.T) {
	ctx := context.Background()
	k, tk := newTokens()
	tok, _, err := tk.Sign(ctx, "u", "user", 3)
	if err != nil {
		t.Fatal(err)
	}
	c, err := tk.Verify(ctx, tok)
	if err != nil || c.TokenVersion != 3 {
		t.Fatalf("got version %d (err %v), want 3", c.TokenVersion, err)
	}
	// A token issued before the claim existed reads as version 0.
	legacy := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "u", "role": "user", "iss": "iss",
		"aud": []string{"aud"}, "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()})
	legacy.Header["kid"] = "k1"
	ls, _ := legacy.SignedString(k.current.Secret)
	c, err = tk.Verify(ctx, ls)
	if err != nil || c.TokenVersion != 0 || c.UserID != "u" {
		t.Fatalf("legacy token: got %+v (err %v), want user u at version 0", c, err)
	}
}
