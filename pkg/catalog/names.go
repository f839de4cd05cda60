package catalog

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits on identifiers and names.
const (
	MaxIDLen   = 64  // organisation ids, layer ids, user names
	MaxNameLen = 200 // display names and titles, in characters
)

// ValidID reports whether s is a safe identifier for an organisation, a
// layer or a user: 1 to MaxIDLen lowercase ASCII letters, digits, '-' or
// '_', starting with a letter or digit. Such an id is safe in a URL path, a
// file name on any file system (no case folding, no dots, no separators)
// and a shell command.
func ValidID(s string) bool {
	if s == "" || len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '-' || c == '_') && i > 0:
		default:
			return false
		}
	}
	return true
}

func checkID(what, s string) error {
	if !ValidID(s) {
		return errorf(Invalid, "%s %q is not a safe id: use 1 to %d lowercase letters a-z, digits, '-' or '_', starting with a letter or digit", what, clip(s), MaxIDLen)
	}
	return nil
}

// cleanName normalises a display name (Vietnamese names arrive decomposed
// from some keyboards and files) to NFC, trims it and checks it.
func cleanName(what, s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", errorf(Invalid, "%s is not valid UTF-8", what)
	}
	s = strings.TrimSpace(norm.NFC.String(s))
	if s == "" {
		return "", errorf(Invalid, "%s is empty", what)
	}
	if n := utf8.RuneCountInString(s); n > MaxNameLen {
		return "", errorf(Invalid, "%s has %d characters, more than %d", what, n, MaxNameLen)
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", errorf(Invalid, "%s contains a control character", what)
	}
	return s, nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
