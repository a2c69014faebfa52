package auth

import (
	"errors"
	"sync"

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

// dummyHashes holds, per bcrypt cost, the hash compared against when an
// account does not exist, so a login for an unknown email costs as much as
// one for a known email (hashed at the same cost) and timing does not reveal
// which emails are registered.
var dummyHashes sync.Map // int -> []byte

// dummyHash returns the dummy hash at cost, made once per cost.
func dummyHash(cost int) []byte {
	if h, ok := dummyHashes.Load(cost); ok {
		return h.([]byte)
	}
	h, err := bcrypt.GenerateFromPassword([]byte("timing-equaliser"), cost)
	if err != nil {
		// Only an out-of-range cost gets here, and HashPassword refuses it
		// too; fall back to bcrypt's own default rather than skip the work.
		h, _ = bcrypt.GenerateFromPassword([]byte("timing-equaliser"), bcrypt.DefaultCost)
	}
	v, _ := dummyHashes.LoadOrStore(cost, h)
	return v.([]byte)
}

// CheckDummy spends the time of one password check against a hash of cost
// (the configured BCRYPT_ROUNDS).
func CheckDummy(password string, cost int) {
	_ = bcrypt.CompareHashAndPassword(dummyHash(cost), []byte(password))
}

// ErrBadToken is the cause behind every token refusal.
var ErrBadToken = errors.New("invalid token")
