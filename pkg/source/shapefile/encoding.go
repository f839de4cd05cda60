package shapefile

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/unicode/norm"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/vntext"
)

// codePages maps Windows/DOS code page numbers to decoders.
var codePages = map[int]encoding.Encoding{
	437: charmap.CodePage437, 850: charmap.CodePage850, 852: charmap.CodePage852,
	855: charmap.CodePage855, 858: charmap.CodePage858, 860: charmap.CodePage860,
	862: charmap.CodePage862, 863: charmap.CodePage863, 865: charmap.CodePage865,
	866: charmap.CodePage866, 874: charmap.Windows874,
	1250: charmap.Windows1250, 1251: charmap.Windows1251, 1252: charmap.Windows1252,
	1253: charmap.Windows1253, 1254: charmap.Windows1254, 1255: charmap.Windows1255,
	1256: charmap.Windows1256, 1257: charmap.Windows1257, 1258: charmap.Windows1258,
	10000: charmap.Macintosh, 932: japanese.ShiftJIS, 936: simplifiedchinese.GBK,
	949: korean.EUCKR, 950: traditionalchinese.Big5,
}

// ldidCodePages maps the dBASE language driver id (header byte 29) to a
// code page, after the table ESRI publishes for ArcGIS ("Language driver
// IDs and code pages"). 0 means none was recorded.
var ldidCodePages = map[byte]int{
	0x01: 437, 0x02: 850, 0x03: 1252, 0x04: 10000, 0x08: 865, 0x09: 437,
	0x0A: 850, 0x0B: 437, 0x0D: 437, 0x0E: 850, 0x0F: 437, 0x10: 850,
	0x11: 437, 0x12: 850, 0x13: 932, 0x14: 850, 0x15: 437, 0x16: 850,
	0x17: 865, 0x18: 437, 0x19: 437, 0x1A: 850, 0x1B: 437, 0x1C: 863,
	0x1D: 850, 0x1F: 852, 0x22: 852, 0x23: 852, 0x24: 860, 0x25: 850,
	0x26: 866, 0x37: 850, 0x40: 852, 0x4D: 936, 0x4E: 949, 0x4F: 950,
	0x50: 874, 0x57: 1252, 0x58: 1252, 0x59: 1252, 0x64: 852, 0x65: 866,
	0x66: 865, 0x67: 861, 0x6A: 737, 0x6B: 857, 0x6C: 863, 0x78: 950,
	0x79: 949, 0x7A: 936, 0x7B: 932, 0x7C: 874, 0x7D: 1255, 0x7E: 1256,
	0x86: 737, 0x87: 852, 0x88: 857, 0xC8: 1250, 0xC9: 1251, 0xCA: 1254,
	0xCB: 1253, 0xCC: 1257,
}

// textDecoder turns dBASE bytes into NFC UTF-8 strings.
type textDecoder struct {
	name  string     // e.g. "windows-1258"
	utf8  bool       // bytes are UTF-8
	table *[256]rune // single-byte code page, else nil
	multi encoding.Encoding
	// legacy is set for the Vietnamese font encodings (TCVN3, VNI) that
	// x/text has no decoder for.
	legacy *vntext.Encoding
	// detect: nothing named the encoding, or only a generic ANSI language
	// driver id did (ldid, else 0); Open samples the table and lets
	// vntext.Detector choose.
	detect bool
	ldid   byte
	// strict: the user named UTF-8, so a value that is not valid UTF-8
	// is an error (see invalidUTF8), not decoded as windows-1252.
	strict bool
	buf    []byte
}

// newDecoder returns the decoder for a resolved encoding.
func newDecoder(name string, enc encoding.Encoding) *textDecoder {
	d := &textDecoder{name: name}
	switch {
	case enc == nil || enc == encoding.Nop:
		// UTF-8, with windows-1252 for values that are not valid UTF-8.
		d.utf8 = true
		d.table = windows1252
	default:
		if cm, ok := enc.(*charmap.Charmap); ok {
			d.table = singleByteTable(cm)
		} else {
			d.multi = enc
		}
	}
	return d
}

var windows1252 = singleByteTable(charmap.Windows1252)

func singleByteTable(cm *charmap.Charmap) *[256]rune {
	var t [256]rune
	for i := range t {
		t[i] = cm.DecodeByte(byte(i))
	}
	return &t
}

// defaultDecoder reads UTF-8, with windows-1252 for values that are not:
// the choice when there is no .dbf to sample or nothing to decide.
func defaultDecoder() *textDecoder { return newDecoder("UTF-8", nil) }

// detectingDecoder is the default until Open has sampled the table.
func detectingDecoder() *textDecoder {
	d := defaultDecoder()
	d.detect = true
	return d
}

// newLegacyDecoder returns the decoder for TCVN3 or VNI.
func newLegacyDecoder(e vntext.Encoding) *textDecoder {
	return &textDecoder{name: e.String(), legacy: &e}
}

// clone returns a decoder with the same choice and its own buffer.
func (d *textDecoder) clone() *textDecoder {
	c := *d
	c.buf = nil
	return &c
}

// decode returns b as an NFC UTF-8 string; b is already trimmed.
func (d *textDecoder) decode(b []byte) string { return string(d.appendDecoded(nil, b)) }

// appendDecoded appends b, decoded and normalised to NFC, to dst. Bytes
// that are not valid UTF-8 in a UTF-8 table are decoded as windows-1252,
// so the result is always valid UTF-8.
func (d *textDecoder) appendDecoded(dst, b []byte) []byte {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii && d.legacy == nil {
		return append(dst, b...)
	}
	var text []byte
	switch {
	case d.legacy != nil:
		return d.legacy.Append(dst, b)
	case d.utf8 && utf8.Valid(b):
		text = b
	case d.table != nil:
		d.buf = d.buf[:0]
		for _, c := range b {
			d.buf = utf8.AppendRune(d.buf, d.table[c])
		}
		text = d.buf
	default:
		out, err := d.multi.NewDecoder().Bytes(b)
		if err != nil {
			out = []byte(strings.ToValidUTF8(string(b), "\uFFFD"))
		}
		text = out
	}
	if isNFC(text) {
		return append(dst, text...)
	}
	return norm.NFC.Append(dst, text...)
}

// isNFC reports whether UTF-8 text is already in NFC. Letters below U+0300
// and the precomposed letters of Latin Extended Additional (U+1E00-U+1EFF,
// where precomposed Vietnamese lives) are NFC whatever follows them as long
// as no combining mark does, so text made only of those is answered
// without the norm tables; anything else asks the tables.
func isNFC(text []byte) bool {
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c < 0x80:
			i++
		case c < 0xCC: // U+0080..U+02FF
			i += 2
		case c == 0xE1 && i+1 < len(text) && (text[i+1] == 0xB8 || text[i+1] == 0xB9 || text[i+1] == 0xBA || text[i+1] == 0xBB): // U+1E00..U+1EFF
			i += 3
		default:
			return norm.NFC.IsNormal(text)
		}
	}
	return true
}

// LookupEncoding returns the canonical name of a text encoding given by a
// user or an API ("tcvn3" is "TCVN3", "1258" is "windows-1258"), or an
// error naming it when shapefiles cannot be read in it: callers check an
// encoding before any work (see lookupEncoding for the names).
func LookupEncoding(name string) (string, error) {
	canonical, _, err := lookupEncoding(name)
	return canonical, err
}

// lookupEncoding resolves an encoding name as found in a .cpg file or given
// by a user: "UTF-8", "1258", "CP1258", "windows-1258", "ANSI 1252",
// "88591", "ISO-8859-1", "LDID/87", any IANA name, or the Vietnamese font
// encodings "TCVN3" and "VNI" (see vntext.ParseLegacy). The returned name
// is canonical ("windows-1258", "TCVN3").
func lookupEncoding(s string) (string, *textDecoder, error) {
	if e, ok := vntext.ParseLegacy(strings.TrimPrefix(strings.TrimSpace(s), "\ufeff")); ok {
		return e.String(), newLegacyDecoder(e), nil
	}
	name, enc, err := lookupCharset(s)
	if err != nil {
		return "", nil, err
	}
	return name, newDecoder(name, enc), nil
}

// lookupCharset resolves the names of lookupEncoding that x/text knows; a
// nil encoding means UTF-8.
func lookupCharset(s string) (string, encoding.Encoding, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	u = strings.TrimPrefix(u, "\ufeff")
	switch strings.NewReplacer("-", "", "_", "", " ", "").Replace(u) {
	case "UTF8":
		return "UTF-8", nil, nil
	case "88591", "ISO88591", "LATIN1":
		return "ISO-8859-1", charmap.ISO8859_1, nil
	}
	if rest, ok := strings.CutPrefix(u, "LDID/"); ok {
		if id, err := strconv.Atoi(rest); err == nil && id >= 0 && id < 256 {
			if cp, ok := ldidCodePages[byte(id)]; ok {
				return codePage(cp)
			}
		}
	}
	num := u
	for _, p := range []string{"WINDOWS-", "WINDOWS", "ANSI ", "ANSI", "CP", "IBM", "OEM "} {
		if rest, ok := strings.CutPrefix(num, p); ok {
			num = strings.TrimSpace(rest)
			break
		}
	}
	if n, err := strconv.Atoi(num); err == nil {
		if n >= 88591 && n <= 885916 { // "88595" as ArcGIS writes ISO-8859-5
			return lookupCharset("ISO-8859-" + strconv.Itoa(n-88590))
		}
		return codePage(n)
	}
	enc, err := ianaindex.IANA.Encoding(strings.TrimSpace(s))
	if err != nil || enc == nil {
		return "", nil, fmt.Errorf("unknown text encoding %q", s)
	}
	name := encodingName(enc, strings.TrimSpace(s))
	if name == "UTF-8" {
		return name, nil, nil
	}
	return name, enc, nil
}

func codePage(n int) (string, encoding.Encoding, error) {
	enc, ok := codePages[n]
	if !ok {
		return "", nil, fmt.Errorf("code page %d is not supported", n)
	}
	if n >= 1250 && n <= 1258 || n == 874 {
		return "windows-" + strconv.Itoa(n), enc, nil
	}
	if n == 10000 {
		return "macintosh", enc, nil
	}
	return encodingName(enc, "CP"+strconv.Itoa(n)), enc, nil
}

// encodingName is the MIME name of enc ("ISO-8859-5"), else its IANA name
// ("IBM437"), else def.
func encodingName(enc encoding.Encoding, def string) string {
	if name, err := ianaindex.MIME.Name(enc); err == nil && name != "" {
		return name
	}
	if name, err := ianaindex.IANA.Name(enc); err == nil && name != "" {
		return name
	}
	return def
}

// genericLDIDs are the language driver ids that say only "Windows ANSI"
// (code page 1252): writers put them in by default, so they do not tell a
// Vietnamese legacy encoding from real Windows-1252 and detection decides.
var genericLDIDs = map[byte]bool{0x03: true, 0x57: true}

// chooseEncoding decides how to decode a table's text, in this order: the
// caller's override (it exists for files whose .cpg or LDID lies), the
// .cpg file, a specific dBASE language driver id, else detection from the
// text (see vntext.Detector), which the returned decoder asks for with its
// detect field. It returns the decoder, the LayerInfo.Encoding text and
// warnings. An encoding that cannot be decoded falls back to ISO-8859-1,
// which maps every byte to one character and so loses nothing, with a
// warning.
func chooseEncoding(override, cpg string, haveCPG bool, ldid byte) (*textDecoder, string, []string) {
	var warns []string
	fallback := func(why string) (*textDecoder, string, []string) {
		warns = append(warns, why+"; text decoded as ISO-8859-1 (byte for byte), set the encoding explicitly")
		return newDecoder("ISO-8859-1", charmap.ISO8859_1), "ISO-8859-1 (fallback)", warns
	}
	if override != "" {
		name, dec, err := lookupEncoding(override)
		if err == nil {
			dec.strict = dec.utf8
			return dec, name + " (override)", warns
		}
		warns = append(warns, fmt.Sprintf("encoding override %q: %v; ignored", override, err))
	}
	if haveCPG && strings.TrimSpace(cpg) != "" {
		name, dec, err := lookupEncoding(cpg)
		if err == nil {
			return dec, name + " (.cpg)", warns
		}
		return fallback(fmt.Sprintf(".cpg says %q: %v", strings.TrimSpace(cpg), err))
	}
	if ldid != 0 {
		cp, ok := ldidCodePages[ldid]
		if !ok {
			return fallback(fmt.Sprintf("unknown dBASE language driver id 0x%02X", ldid))
		}
		name, enc, err := codePage(cp)
		if err != nil {
			return fallback(fmt.Sprintf("dBASE language driver id 0x%02X: %v", ldid, err))
		}
		label := fmt.Sprintf("%s (LDID 0x%02X)", name, ldid)
		if genericLDIDs[ldid] {
			d := newDecoder(name, enc)
			d.detect, d.ldid = true, ldid
			return d, label, warns
		}
		return newDecoder(name, enc), label, warns
	}
	return detectingDecoder(), "UTF-8 (default)", warns
}

// detection is what detectEncoding found: the decoder, the
// LayerInfo.Encoding label, the details inspect shows, and warnings.
type detection struct {
	dec    *textDecoder
	label  string
	detail *feature.EncodingDetection
	warns  []string
}

// maxSampleShown bounds the sample value inspect shows, in characters.
const maxSampleShown = 80

// detectEncoding reads the character fields of the records ahead in br
// (up to sampleBytes) and lets vntext choose the encoding. dec is the
// decoder chooseEncoding returned, with its claim.
func detectEncoding(br io.Reader, t *dbfHeader, dec *textDecoder) detection {
	var det vntext.Detector
	var sample []byte
	sampleField, sampleScore := "", -1
	buf := make([]byte, t.recordLen)
	for n := 0; n < sampleBytes; n += len(buf) {
		if _, err := io.ReadFull(br, buf); err != nil {
			break
		}
		for i := range t.fields {
			f := &t.fields[i]
			if f.kind != 'C' {
				continue
			}
			raw := buf[1+f.offset : 1+f.offset+f.width]
			v := trim(raw)
			det.Add(v, len(trimRight(raw)) == len(raw))
			// Show the value with the most non-ASCII bytes, among short ones.
			if score := nonASCII(v); score > sampleScore && score > 0 && len(v) <= 2*maxSampleShown {
				sample, sampleField, sampleScore = append(sample[:0], v...), f.name, score
			}
		}
	}
	r := det.Result()
	out := detection{}
	if dec.ldid != 0 && (r.ASCII || r.Encoding == vntext.Windows1252 || r.Confidence < vntext.LowConfidence) {
		// The file named windows-1252 and nothing fits better, or not
		// surely enough: keep what it said.
		d := dec.clone()
		d.detect = false
		out = detection{dec: d, label: fmt.Sprintf("%s (LDID 0x%02X)", d.name, d.ldid)}
		maybe := r.Encoding
		if maybe == vntext.Windows1252 && r.Alternative.Vietnamese() {
			maybe = r.Alternative
		}
		if !r.ASCII && maybe != vntext.Windows1252 {
			out.warns = append(out.warns, fmt.Sprintf("the .dbf says %s (LDID 0x%02X) but the text may be %v (%s); if names look wrong, set the encoding (--encoding %s)",
				d.name, d.ldid, maybe, r.Reason, strings.ToLower(maybe.String())))
		}
		return out
	}
	switch {
	case r.ASCII:
		return detection{dec: defaultDecoder(), label: "UTF-8 (default: the text is ASCII)"}
	case r.Encoding == vntext.TCVN3 || r.Encoding == vntext.VNI:
		out.dec = newLegacyDecoder(r.Encoding)
	case r.Encoding == vntext.UTF8:
		out.dec = defaultDecoder()
	default:
		name, enc, _ := codePage(1252)
		if r.Encoding == vntext.Windows1258 {
			name, enc, _ = codePage(1258)
		}
		out.dec = newDecoder(name, enc)
	}
	out.label = fmt.Sprintf("%s (detected, confidence %.2f)", out.dec.name, r.Confidence)
	if dec.ldid != 0 {
		out.label = fmt.Sprintf("%s (detected, confidence %.2f; LDID 0x%02X says %s)", out.dec.name, r.Confidence, dec.ldid, dec.name)
	}
	out.detail = &feature.EncodingDetection{
		Encoding:   out.dec.name,
		Reason:     r.Reason,
		Confidence: r.Confidence,
		Level:      vntext.Level(r.Confidence),
		Field:      sampleField,
	}
	if sample != nil {
		out.detail.Before = clip(vntext.Windows1252.Decode(sample))
		out.detail.After = clip(out.dec.decode(sample))
	}
	for _, s := range r.Scores {
		out.detail.Candidates = append(out.detail.Candidates, feature.EncodingCandidate{
			Encoding: s.Encoding.String(), Valid: s.Valid, Words: s.Words})
	}
	if r.Confidence < vntext.LowConfidence {
		suggest := "--encoding tcvn3, vni, windows-1258, windows-1252 or UTF-8"
		if r.Alternative.Vietnamese() {
			suggest = "--encoding " + strings.ToLower(r.Alternative.String())
		}
		out.warns = append(out.warns, fmt.Sprintf("text encoding guessed as %s with low confidence (%.2f): %s; if names look wrong, set the encoding (%s)",
			out.dec.name, r.Confidence, r.Reason, suggest))
	}
	return out
}

func nonASCII(b []byte) int {
	n := 0
	for _, c := range b {
		if c >= 0x80 {
			n++
		}
	}
	return n
}

// clip shortens s to maxSampleShown characters.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxSampleShown {
		return s
	}
	return string([]rune(s)[:maxSampleShown]) + "…"
}
