package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold returns s folded for matching (see the package documentation):
// NFD, combining marks removed, đ/Đ to d, lower case, and each run of
// other characters than letters and digits turned into one space, with no
// space at either end.
func Fold(s string) string {
	return string(appendFold(nil, s))
}

// appendFold appends Fold(s) to b.
func appendFold(b []byte, s string) []byte {
	start := len(b)
	space := true // no leading space
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		// NFD splits "ệ" into "e" + circumflex + dot below; the marks
		// (category Mn) are then dropped. Đ has no decomposition.
		s = norm.NFD.String(s)
	}
	for _, r := range s {
		switch {
		case r == 'đ' || r == 'Đ':
			r = 'd'
		case unicode.Is(unicode.Mn, r):
			continue
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
		default:
			r = unicode.ToLower(r)
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b = utf8.AppendRune(b, r)
			space = false
		} else if !space {
			b = append(b, ' ')
			space = true
		}
	}
	if len(b) > start && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return b
}

// exactForm is the form in which "exact with diacritics" compares: NFC,
// lower case, surrounding spaces trimmed.
func exactForm(s string) string {
	return strings.ToLower(norm.NFC.String(strings.TrimSpace(s)))
}
