package vntext

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// VNI-Windows writes a toned or shaped vowel as its base letter followed by
// one mark byte; the marks have a lower-case form (after lower-case letters)
// and an upper-case form, one Windows-1252 capital apart. ơ, ư, đ and the
// toned i and ỵ have bytes of their own.

// Combining marks, as Unicode spells them.
const (
	grave      = '\u0300'
	acute      = '\u0301'
	circumflex = '\u0302'
	tilde      = '\u0303'
	breve      = '\u0306'
	hook       = '\u0309'
	horn       = '\u031B'
	dotBelow   = '\u0323'
)

// vniMark is what a mark byte adds to the letter before it.
type vniMark struct {
	shape rune // circumflex, breve or 0
	tone  rune // a tone mark or 0
}

// vniMarks holds the lower-case mark bytes; the upper-case byte of each is
// 0x20 less.
var vniMarks = map[byte]vniMark{
	0xF9: {0, acute}, 0xF8: {0, grave}, 0xFB: {0, hook}, 0xF5: {0, tilde}, 0xEF: {0, dotBelow},
	0xE2: {circumflex, 0}, 0xE1: {circumflex, acute}, 0xE0: {circumflex, grave},
	0xE5: {circumflex, hook}, 0xE3: {circumflex, tilde}, 0xE4: {circumflex, dotBelow},
	0xEA: {breve, 0}, 0xE9: {breve, acute}, 0xE8: {breve, grave},
	0xFA: {breve, hook}, 0xFC: {breve, tilde}, 0xEB: {breve, dotBelow},
}

// vniLetters holds the lower-case letters with a byte of their own; the
// upper-case byte of each is 0x20 less and holds the capital.
var vniLetters = map[byte]rune{
	0xF4: 'ơ', 0xF6: 'ư', 0xF1: 'đ',
	0xED: 'í', 0xEC: 'ì', 0xE6: 'ỉ', 0xF3: 'ĩ', 0xF2: 'ị', 0xEE: 'ỵ',
}

// vniByteTables expands vniMarks and vniLetters to both cases, indexed
// by byte, for decoding.
var vniMarkTable, vniLetterTable = func() (marks [256]vniMark, letters [256]rune) {
	for b, m := range vniMarks {
		marks[b], marks[b-0x20] = m, m
	}
	for b, r := range vniLetters {
		letters[b], letters[b-0x20] = r, unicode.ToUpper(r)
	}
	return marks, letters
}()

// vniMarkAt returns the mark a byte stands for, either case.
func vniMarkAt(c byte) (vniMark, bool) {
	m := vniMarkTable[c]
	return m, m != vniMark{}
}

// vniLetterAt returns the letter a byte stands for, either case.
func vniLetterAt(c byte) (rune, bool) {
	r := vniLetterTable[c]
	return r, r != 0
}

// vniShapes lists the shapes each base vowel takes.
func vniTakesShape(base, shape rune) bool {
	switch unicode.ToLower(base) {
	case 'a':
		return true
	case 'e', 'o':
		return shape == circumflex
	}
	return false
}

// vniBases lists the letters a VNI mark byte can follow (14 of them).
const vniBases = "aeouyơưAEOUYƠƯ"

// vniBaseIndex returns the position of r in vniBases, or -1.
func vniBaseIndex(r rune) int {
	switch r {
	case 'a':
		return 0
	case 'e':
		return 1
	case 'o':
		return 2
	case 'u':
		return 3
	case 'y':
		return 4
	case 'ơ':
		return 5
	case 'ư':
		return 6
	case 'A':
		return 7
	case 'E':
		return 8
	case 'O':
		return 9
	case 'U':
		return 10
	case 'Y':
		return 11
	case 'Ơ':
		return 12
	case 'Ư':
		return 13
	}
	return -1
}

func vniBase(r rune) bool { return vniBaseIndex(r) >= 0 }

// appendVNI decodes VNI-Windows to UTF-8 with combining marks (the caller
// composes to NFC). A mark byte that cannot go on the letter before it
// keeps its Windows-1252 meaning.
func appendVNI(dst, src []byte) []byte {
	for i := 0; i < len(src); i++ {
		c := src[i]
		var base rune
		switch {
		case c < 0x80:
			base = rune(c)
		default:
			r, ok := vniLetterAt(c)
			if !ok {
				dst = utf8.AppendRune(dst, charmap.Windows1252.DecodeByte(c))
				continue
			}
			base = r
		}
		dst = utf8.AppendRune(dst, base)
		if !vniBase(base) {
			continue
		}
		// Up to two marks follow: a shape (perhaps with its tone), then a
		// tone.
		var shape, tone rune
		for i+1 < len(src) {
			m, ok := vniMarkAt(src[i+1])
			if !ok || m.shape != 0 && (shape != 0 || tone != 0 || !vniTakesShape(base, m.shape)) || m.tone != 0 && tone != 0 {
				break
			}
			if m.shape != 0 {
				shape = m.shape
			}
			if m.tone != 0 {
				tone = m.tone
			}
			i++
		}
		if shape == 0 && tone == 0 {
			continue
		}
		if r := vniComposed[vniBaseIndex(base)][shapeIndex(shape)][toneIndex(tone)]; r != 0 {
			// Replace the base letter just written by the composed one.
			dst = utf8.AppendRune(dst[:len(dst)-utf8.RuneLen(base)], r)
			continue
		}
		if shape != 0 {
			dst = utf8.AppendRune(dst, shape)
		}
		if tone != 0 {
			dst = utf8.AppendRune(dst, tone)
		}
	}
	return dst
}

var (
	vniShapes = [...]rune{0, circumflex, breve}
	vniTones  = [...]rune{0, grave, acute, tilde, hook, dotBelow}
)

func shapeIndex(r rune) int {
	for i, s := range vniShapes {
		if s == r {
			return i
		}
	}
	return 0
}

func toneIndex(r rune) int {
	for i, t := range vniTones {
		if t == r {
			return i
		}
	}
	return 0
}

// vniComposed holds, for every base of vniBases, shape and tone VNI can
// write, the precomposed letter (0 where there is none), so that decoding
// rarely needs the norm tables.
var vniComposed = func() (t [14][len(vniShapes)][len(vniTones)]rune) {
	for _, base := range vniBases {
		for si, shape := range vniShapes {
			for ti, tone := range vniTones {
				s := string(base)
				if shape != 0 {
					s += string(shape)
				}
				if tone != 0 {
					s += string(tone)
				}
				if c := []rune(norm.NFC.String(s)); len(c) == 1 {
					t[vniBaseIndex(base)][si][ti] = c[0]
				}
			}
		}
	}
	return t
}()

// encodeVNI writes s in VNI-Windows.
func encodeVNI(s string) ([]byte, error) {
	rs := []rune(norm.NFD.String(s))
	out := make([]byte, 0, len(s))
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		var shape, tone rune
		j := i + 1
		for ; j < len(rs) && unicode.Is(unicode.Mn, rs[j]); j++ {
			switch rs[j] {
			case circumflex, breve, horn:
				if shape != 0 {
					return nil, fmt.Errorf("vntext: %q has two shape marks", string(rs[i:j+1]))
				}
				shape = rs[j]
			case grave, acute, tilde, hook, dotBelow:
				if tone != 0 {
					return nil, fmt.Errorf("vntext: %q has two tone marks", string(rs[i:j+1]))
				}
				tone = rs[j]
			default:
				return nil, fmt.Errorf("vntext: %q has a mark VNI cannot write", string(rs[i:j+1]))
			}
		}
		upper := unicode.IsUpper(r)
		lower := unicode.ToLower(r)
		caseOf := func(b byte) byte {
			if upper {
				return b - 0x20
			}
			return b
		}
		if shape == horn {
			switch lower {
			case 'o':
				lower = 'ơ'
			case 'u':
				lower = 'ư'
			default:
				return nil, fmt.Errorf("vntext: %q has no VNI code", string(rs[i:j]))
			}
			shape = 0
		}
		switch {
		case lower == 'i' && tone != 0 || lower == 'y' && tone == dotBelow:
			if shape != 0 {
				return nil, fmt.Errorf("vntext: %q has no VNI code", string(rs[i:j]))
			}
			b, _ := letterByte(norm.NFC.String(string([]rune{lower, tone})))
			out = append(out, caseOf(b))
		case lower == 'ơ' || lower == 'ư' || lower == 'đ':
			b, _ := letterByte(string(lower))
			out = append(out, caseOf(b))
			if tone != 0 {
				out = append(out, caseOf(markByte(0, tone)))
			}
			if shape != 0 {
				return nil, fmt.Errorf("vntext: %q has no VNI code", string(rs[i:j]))
			}
		case r < 0x80:
			if (shape != 0 || tone != 0) && !vniBase(r) || shape != 0 && !vniTakesShape(r, shape) {
				return nil, fmt.Errorf("vntext: %q has no VNI code", string(rs[i:j]))
			}
			out = append(out, byte(r))
			if shape != 0 || tone != 0 {
				out = append(out, caseOf(markByte(shape, tone)))
			}
		default:
			return nil, fmt.Errorf("vntext: %q has no VNI code", string(rs[i:j]))
		}
		i = j - 1
	}
	return out, nil
}

// letterByte returns the lower-case byte of a letter that has its own.
func letterByte(s string) (byte, bool) {
	r, _ := utf8.DecodeRuneInString(s)
	for b, l := range vniLetters {
		if l == r {
			return b, true
		}
	}
	return 0, false
}

// markByte returns the lower-case byte of a shape and tone pair.
func markByte(shape, tone rune) byte {
	for b, m := range vniMarks {
		if m.shape == shape && m.tone == tone {
			return b
		}
	}
	panic(fmt.Sprintf("vntext: no VNI mark for %U %U", shape, tone))
}
