package catalog

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// PasswordParams is the cost of argon2id password hashes.
type PasswordParams struct {
	MemoryKiB uint32 // memory per hash, KiB
	Time      uint32 // passes
	Threads   uint8
}

// The default argon2id cost follows OWASP's second configuration (46 MiB,
// 1 pass, 1 thread): some 50 ms on one core. The server must bound
// concurrent logins so that memory stays bounded.
const (
	DefaultPasswordMemoryKiB = 46 * 1024
	DefaultPasswordTime      = 1
	DefaultPasswordThreads   = 1
)

func (p PasswordParams) withDefaults() PasswordParams {
	if p.MemoryKiB == 0 {
		p.MemoryKiB = DefaultPasswordMemoryKiB
	}
	if p.Time == 0 {
		p.Time = DefaultPasswordTime
	}
	if p.Threads == 0 {
		p.Threads = DefaultPasswordThreads
	}
	return p
}

// Password limits. The upper one bounds the work an attacker can ask of
// argon2 per attempt.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 1024
)

const argonKeyLen = 32

// hashPassword returns the PHC string of an argon2id hash of pw with a
// fresh 16-byte salt: $argon2id$v=19$m=...,t=...,p=...$salt$hash.
func hashPassword(pw string, p PasswordParams) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// checkPassword reports whether pw matches the stored PHC string, with the
// cost recorded in it (so a change of defaults does not lock anyone out).
func checkPassword(pw, stored string) bool {
	parts := strings.Split(stored, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var p PasswordParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return false
	}
	// A tampered row must not make a login allocate gigabytes.
	if p.MemoryKiB == 0 || p.MemoryKiB > 1<<20 || p.Time == 0 || p.Time > 16 || p.Threads == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return secretEqual(got, want)
}
