package vntext

import (
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// tcvn3High lists the characters of bytes 0x80..0xFF in TCVN 5712:1993.
// The lower-case letters, the shaped capitals Ă Â Ê Ô Ơ Ư Đ (0xA1..0xA7)
// and the combining tone marks (0xB0..0xB4) are VN3 proper; the toned
// capitals fill the positions the VN1 table gives them (the .VnTime fonts
// had none and wrote capitals with a separate .VnTimeH font whose bytes
// are the lower-case ones, so those files decode to lower case).
// 0xA0 is a no-break space.
const tcvn3High = "" +
	"ÀẢÃÁẠẶẬÈẺẼÉẸỆÌỈĨ" + // 0x80
	"ÍỊÒỎÕÓỌỘỜỞỠỚỢÙỦŨ" + // 0x90
	"\u00A0ĂÂÊÔƠƯĐăâêôơưđẰ" + // 0xA0
	"\u0300\u0309\u0303\u0301\u0323àảãáạẲằẳẵắẴ" + // 0xB0
	"ẮẦẨẪẤỀặầẩẫấậèỂẻẽ" + // 0xC0
	"éẹềểễếệìỉỄẾỒĩíịò" + // 0xD0
	"Ổỏõóọồổỗốộờởỡớợù" + // 0xE0
	"ỖủũúụừửữứựỳỷỹýỵỐ" // 0xF0

// tcvn3Low lists the capitals VN1 puts among the C0 control codes; the
// other control bytes keep their ASCII meaning.
var tcvn3Low = map[byte]rune{
	0x01: 'Ú', 0x02: 'Ụ', 0x04: 'Ừ', 0x05: 'Ử', 0x06: 'Ữ',
	0x11: 'Ứ', 0x12: 'Ự', 0x13: 'Ỳ', 0x14: 'Ỷ', 0x15: 'Ỹ', 0x16: 'Ý', 0x17: 'Ỵ',
}

// tcvn3Table is the byte-to-character table built from tcvn3High and
// tcvn3Low; tcvn3Bytes is its inverse.
var tcvn3Table, tcvn3Bytes = buildTCVN3()

func buildTCVN3() ([256]rune, map[rune]byte) {
	var t [256]rune
	for i := range 0x80 {
		t[i] = rune(i)
	}
	for b, r := range tcvn3Low {
		t[b] = r
	}
	i := 0x80
	for _, r := range tcvn3High {
		t[i] = r
		i++
	}
	if i != 0x100 {
		panic(fmt.Sprintf("vntext: TCVN3 table has %d entries above 0x7F, want 128", i-0x80))
	}
	inv := make(map[rune]byte, 256)
	for b := 255; b >= 0; b-- {
		inv[t[b]] = byte(b)
	}
	return t, inv
}

// encodeTCVN3 writes s one byte per character; a character the table lacks
// is written as its base letter and a combining tone byte (0xB0..0xB4), as
// glibc does.
func encodeTCVN3(s string) ([]byte, error) {
	s = norm.NFC.String(s)
	out := make([]byte, 0, len(s))
	for i, r := range s {
		if b, ok := tcvn3Bytes[r]; ok {
			out = append(out, b)
			continue
		}
		d := []rune(norm.NFD.String(string(r)))
		if len(d) >= 2 {
			base := norm.NFC.String(string(d[:len(d)-1]))
			bb, ok1 := tcvn3Bytes[[]rune(base)[0]]
			mb, ok2 := tcvn3Bytes[d[len(d)-1]]
			if utf8.RuneCountInString(base) == 1 && ok1 && ok2 && mb >= 0xB0 && mb <= 0xB4 {
				out = append(out, bb, mb)
				continue
			}
		}
		return nil, fmt.Errorf("vntext: %q at byte %d has no TCVN3 code", r, i)
	}
	return out, nil
}
