package auth

import (
	_ "embed"
	"strings"
	"sync"
)

// commonPasswordsFile is the list of the most common passwords, one a line,
// lower-case, with # comments.
//
//go:embed common_passwords.txt
var commonPasswordsFile string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, line := range strings.Split(commonPasswordsFile, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[line] = struct{}{}
	}
	return m
})

// CommonPassword reports whether password is one of the most common
// passwords (compared case-insensitively, surrounding spaces ignored), the
// first ones any guessing attack tries.
func CommonPassword(password string) bool {
	_, ok := commonPasswords()[strings.ToLower(strings.TrimSpace(password))]
	return ok
}

func commonPasswordCount() int { return len(commonPasswords()) }
