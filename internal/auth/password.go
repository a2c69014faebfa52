package auth

import (
	"errors"

	"golang.org/x/crypto/bcrypt"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// MaxPasswordBytes is bcrypt's input limit; longer passwords are refused
// rather than silently truncated.
const MaxPasswordBytes = 72

// HashPassword hashes a password with bcrypt at cost.
func HashPassword(password string, cost int) (string, error) {
	if len(password) > MaxPasswordBytes {
		return "", gateway.Errorf(gateway.CodeValidation, "The password must be at most %d bytes.", MaxPasswordBytes)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", gateway.WrapError(err, gateway.CodeInternal, "The password could not be hashed.")
	}
	return string(h), nil
}

// CheckPassword reports whether password matches hash.
func CheckPassword(hash, password string) bool {
	if len(password) > MaxPasswordBytes {
		return false
	}
	err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
	return err == nil
}

// dummyHash is compared against when an account does not exist, so a login
// for an unknown email costs as much as one for a known email and timing
// does not reveal which emails are registered.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("timing-equaliser"), bcrypt.DefaultCost)

// CheckDummy spends the time of one password check.
func CheckDummy(password string) {
	_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
}

// ErrBadToken is the cause behind every token refusal.
var ErrBadToken = errors.New("invalid token")
