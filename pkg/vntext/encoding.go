package vntext

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// Encoding is one of the text encodings the Detector chooses between.
type Encoding int

// The encodings, in the order the Detector reports them.
const (
	UTF8 Encoding = iota
	Windows1258
	TCVN3
	VNI
	Windows1252
	numEncodings
)

var encodingNames = [numEncodings]string{"UTF-8", "windows-1258", "TCVN3", "VNI", "windows-1252"}

// String returns the name plantile shows and accepts: "UTF-8",
// "windows-1258", "TCVN3", "VNI" or "windows-1252".
func (e Encoding) String() string {
	if e < 0 || e >= numEncodings {
		return fmt.Sprintf("Encoding(%d)", int(e))
	}
	return encodingNames[e]
}

// Vietnamese reports whether e is one of the Vietnamese encodings a
// Detector can choose over Windows-1252.
func (e Encoding) Vietnamese() bool { return e == Windows1258 || e == TCVN3 || e == VNI }

// ParseLegacy recognises the names users give the legacy font encodings
// that no charset registry knows: "TCVN3", "tcvn", "TCVN 5712:1993", "VN3",
// "ABC" for TCVN3; "VNI", "VNI-Windows", "VNI-Win" for VNI. Other names
// (UTF-8, code pages) are left to the caller's registry.
func ParseLegacy(name string) (Encoding, bool) {
	s := strings.ToLower(strings.TrimSpace(name))
	s = strings.NewReplacer("-", "", "_", "", " ", "", ":", "", ".", "").Replace(s)
	switch s {
	case "tcvn3", "tcvn", "tcvn5712", "tcvn57121993", "tcvn57121", "tcvn57123", "vn3", "abc", "vntime":
		return TCVN3, true
	case "vni", "vniwindows", "vniwin", "vnitimes":
		return VNI, true
	}
	return 0, false
}

// Append appends src decoded from e to dst as UTF-8 in NFC. Every byte
// string decodes: invalid UTF-8 becomes U+FFFD, and bytes that a legacy
// table does not assign keep their Windows-1252 meaning (the fonts are
// Windows-1252 fonts with Vietnamese glyphs in some positions).
func (e Encoding) Append(dst, src []byte) []byte {
	if isASCII(src) && (e != TCVN3 || !hasTCVN3Low(src)) {
		return append(dst, src...)
	}
	start := len(dst)
	switch e {
	case TCVN3:
		dst = appendTable(dst, &tcvn3Table, src)
	case VNI:
		dst = appendVNI(dst, src)
	case Windows1258:
		dst = appendCharmap(dst, charmap.Windows1258, src)
	case Windows1252:
		dst = appendCharmap(dst, charmap.Windows1252, src)
	default:
		if utf8.Valid(src) {
			dst = append(dst, src...)
		} else {
			dst = append(dst, strings.ToValidUTF8(string(src), "\uFFFD")...)
		}
	}
	if isNFC(dst[start:]) {
		return dst
	}
	tail := append([]byte(nil), dst[start:]...)
	return norm.NFC.Append(dst[:start], tail...)
}

// isNFC reports whether UTF-8 text is in NFC. Letters below U+0300 and the
// precomposed letters of Latin Extended Additional (U+1E00-U+1EFF, where
// precomposed Vietnamese lives) are NFC whatever follows them as long as
// no combining mark does, so text made only of those is answered without
// the norm tables; anything else asks the tables.
func isNFC(text []byte) bool {
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c < 0x80:
			i++
		case c < 0xCC: // U+0080..U+02FF
			i += 2
		case c == 0xE1 && i+1 < len(text) && text[i+1] >= 0xB8 && text[i+1] <= 0xBB: // U+1E00..U+1EFF
			i += 3
		default:
			return norm.NFC.IsNormal(text)
		}
	}
	return true
}

// Decode returns src decoded from e (see Append).
func (e Encoding) Decode(src []byte) string { return string(e.Append(nil, src)) }

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func appendTable(dst []byte, t *[256]rune, src []byte) []byte {
	for _, c := range src {
		dst = utf8.AppendRune(dst, t[c])
	}
	return dst
}

func appendCharmap(dst []byte, cm *charmap.Charmap, src []byte) []byte {
	for _, c := range src {
		dst = utf8.AppendRune(dst, cm.DecodeByte(c))
	}
	return dst
}

// Encode writes s in e. Only TCVN3 and VNI are supported; it exists to make
// test fixtures and to check the decoders, and fails on a character the
// encoding cannot hold.
func Encode(e Encoding, s string) ([]byte, error) {
	switch e {
	case TCVN3:
		return encodeTCVN3(s)
	case VNI:
		return encodeVNI(s)
	}
	return nil, fmt.Errorf("vntext: encoding to %v is not supported", e)
}
