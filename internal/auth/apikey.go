package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"hash/crc32"
	"math/big"
	"strings"
)

// APIKeyPrefix starts every API key, so leaked keys are easy to scan for.
const APIKeyPrefix = "wsa_"

const (
	base62       = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	keyRandomLen = 40 // 40 base62 characters: about 238 bits
	keyCheckLen  = 6  // base62 CRC32 of the random part
)

// NewAPIKey returns a fresh key, the prefix shown in lists (the first
// characters, enough to tell keys apart) and the hash to store.
func NewAPIKey() (key, displayPrefix, hash string) {
	random := randomBase62(keyRandomLen)
	key = APIKeyPrefix + random + checksum(random)
	return key, key[:len(APIKeyPrefix)+8], HashAPIKey(key)
}

// HashAPIKey is the stored form of a key: hex SHA-256. A fast hash is right
// here because keys are long random strings, not passwords.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// WellFormedAPIKey reports whether a string has the shape and checksum of a
// key, so typos and guesses are refused without a database lookup.
func WellFormedAPIKey(key string) bool {
	if !strings.HasPrefix(key, APIKeyPrefix) || len(key) != len(APIKeyPrefix)+keyRandomLen+keyCheckLen {
		return false
	}
	body := key[len(APIKeyPrefix):]
	random, check := body[:keyRandomLen], body[keyRandomLen:]
	for i := 0; i < len(body); i++ {
		if strings.IndexByte(base62, body[i]) < 0 {
			return false
		}
	}
	return checksum(random) == check
}

func checksum(s string) string {
	n := crc32.ChecksumIEEE([]byte(s))
	out := make([]byte, keyCheckLen)
	for i := keyCheckLen - 1; i >= 0; i-- {
		out[i] = base62[n%62]
		n /= 62
	}
	return string(out)
}

func randomBase62(n int) string {
	out := make([]byte, n)
	max := big.NewInt(int64(len(base62)))
	for i := range out {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("auth: crypto/rand: " + err.Error())
		}
		out[i] = base62[v.Int64()]
	}
	return string(out)
}

// RandomToken returns n random bytes, hex-encoded (webhook secrets, say).
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand: " + err.Error())
	}
	return hex.EncodeToString(b)
}
