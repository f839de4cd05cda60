package shapefile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/sonla-gis/plantile/pkg/feature"
)

// dbfHeader is what the reader needs from a dBASE III+ table header.
type dbfHeader struct {
	records   int64
	headerLen int
	recordLen int
	ldid      byte
	fields    []dbfField // readable fields, in order
	schema    feature.Schema
	warnings  []string
}

type dbfField struct {
	name   string
	kind   byte // dBASE type letter
	typ    feature.FieldType
	offset int // within the record, after the deletion flag
	width  int
}

const maxDBFHeader = 1 << 16 // the header length is a uint16

// readDBFHeader reads the header and field descriptors of a dBASE table
// and leaves r at the first record. size is the table's length in bytes,
// or -1 when unknown: the declared record count must fit in it, so a
// 70 KB table cannot claim 2^28 records and have a reader preallocate for
// them. pick chooses the text decoder from the language driver id; field
// names are decoded with it.
func readDBFHeader(r io.Reader, size int64, pick func(ldid byte) *textDecoder) (*dbfHeader, *textDecoder, error) {
	var fixed [32]byte
	if _, err := io.ReadFull(r, fixed[:]); err != nil {
		return nil, nil, fmt.Errorf("header: %w", unexpected(err))
	}
	h := &dbfHeader{
		records:   int64(binary.LittleEndian.Uint32(fixed[4:])),
		headerLen: int(binary.LittleEndian.Uint16(fixed[8:])),
		recordLen: int(binary.LittleEndian.Uint16(fixed[10:])),
		ldid:      fixed[29],
	}
	if h.headerLen < 33 {
		return nil, nil, fmt.Errorf("header length %d is shorter than the 33-byte minimum", h.headerLen)
	}
	if h.recordLen < 1 {
		return nil, nil, fmt.Errorf("record length %d, want at least 1", h.recordLen)
	}
	if size >= 0 && int64(h.headerLen) > size {
		return nil, nil, fmt.Errorf("header length %d is larger than the file (%d bytes)", h.headerLen, size)
	}
	if need := int64(h.headerLen) + h.records*int64(h.recordLen); size >= 0 && need > size {
		return nil, nil, fmt.Errorf("the header declares %d records of %d bytes (%d bytes with the header) but the file holds %d bytes", h.records, h.recordLen, need, size)
	}
	dec := pick(h.ldid)
	rest := make([]byte, h.headerLen-32) // bounded by maxDBFHeader
	if _, err := io.ReadFull(r, rest); err != nil {
		return nil, nil, fmt.Errorf("header: %w", unexpected(err))
	}
	offset := 0
	seen := map[string]bool{}
	for i := 0; ; i++ {
		d := rest[32*i:]
		if len(d) == 0 || d[0] == 0x0D {
			break
		}
		if len(d) < 32 {
			// Some writers omit the terminator when the header is exact;
			// a partial descriptor is an error.
			if len(d) == 1 {
				break
			}
			return nil, nil, fmt.Errorf("field descriptor %d is cut short by the header length %d", i+1, h.headerLen)
		}
		raw := d[:11]
		if n := bytes.IndexByte(raw, 0); n >= 0 {
			raw = raw[:n]
		}
		name := dec.decode(bytes.TrimSpace(raw))
		kind := d[11]
		width := int(d[16])
		decimals := int(d[17])
		if kind == 'C' {
			// Clipper and FoxPro store character widths over 255 with the
			// decimal count as the high byte.
			width += 256 * decimals
			decimals = 0
		}
		f := dbfField{name: name, kind: kind, offset: offset, width: width}
		offset += width
		if name == "" {
			name = fmt.Sprintf("field_%d", i+1)
			f.name = name
		}
		for n := 2; seen[f.name]; n++ {
			f.name = fmt.Sprintf("%s_%d", name, n)
		}
		if f.name != name {
			h.warnings = append(h.warnings, fmt.Sprintf("field %d: duplicate name %q renamed %q", i+1, name, f.name))
		}
		switch kind {
		case 'C':
			f.typ = feature.String
		case 'N':
			f.typ = feature.Float
			if decimals == 0 && width <= 18 {
				f.typ = feature.Int
			}
		case 'F':
			f.typ = feature.Float
		case 'L':
			f.typ = feature.Bool
		case 'D':
			f.typ = feature.Date
		default:
			h.warnings = append(h.warnings, fmt.Sprintf("field %q: dBASE type %q is not supported (memo, binary or dBASE 7 type); skipped", name, kind))
			continue
		}
		seen[f.name] = true
		h.fields = append(h.fields, f)
		h.schema.Fields = append(h.schema.Fields, feature.Field{Name: f.name, Type: f.typ, Width: width, Decimals: decimals})
	}
	if 1+offset > h.recordLen {
		return nil, nil, fmt.Errorf("fields need %d bytes per record but the header says records are %d bytes", 1+offset, h.recordLen)
	}
	if 1+offset < h.recordLen {
		h.warnings = append(h.warnings, fmt.Sprintf(".dbf records are %d bytes, fields use %d; the rest is ignored", h.recordLen, 1+offset))
	}
	return h, dec, nil
}

// dbfError words a header problem of the table named file.
func dbfError(file string, err error) error {
	return &feature.Error{File: file, Reason: err.Error()}
}

// unexpected turns io.EOF into io.ErrUnexpectedEOF: inside a header or a
// record, running out of data means the file is truncated.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// textScratch is reused from record to record to build its strings.
type textScratch struct {
	buf   []byte
	spans []textSpan
}

type textSpan struct {
	field      *dbfField
	start, end int
}

// decodeRecord fills props from one record (deletion flag included). The
// text of all the record's character and date fields is built in one
// buffer and turned into one string, which the values share: one
// allocation per record instead of one per field. With a strict decoder
// it returns the name of the first character field that is not valid
// UTF-8 ("" when all are).
func (h *dbfHeader) decodeRecord(rec []byte, dec *textDecoder, ts *textScratch, props feature.Properties) (invalid string) {
	data := rec[1:]
	ts.buf, ts.spans = ts.buf[:0], ts.spans[:0]
	for i := range h.fields {
		f := &h.fields[i]
		b := data[f.offset : f.offset+f.width]
		start := len(ts.buf)
		switch f.kind {
		case 'C':
			b = trimRight(b)
			if len(b) == 0 {
				props[f.name] = nil
				continue
			}
			if dec.strict && invalid == "" && !utf8.Valid(b) {
				invalid = f.name
			}
			ts.buf = dec.appendDecoded(ts.buf, b)
		case 'D':
			var ok bool
			if ts.buf, ok = appendDate(ts.buf, b); !ok {
				props[f.name] = nil
				continue
			}
		default:
			props[f.name] = decodeValue(f, b, dec)
			continue
		}
		ts.spans = append(ts.spans, textSpan{f, start, len(ts.buf)})
	}
	if len(ts.spans) == 0 {
		return invalid
	}
	all := string(ts.buf)
	for _, sp := range ts.spans {
		props[sp.field.name] = all[sp.start:sp.end]
	}
	return invalid
}

// appendDate appends a dBASE date "YYYYMMDD" as "YYYY-MM-DD"; blank,
// "00000000" and impossible dates are no date.
func appendDate(dst, b []byte) ([]byte, bool) {
	b = trim(b)
	if len(b) != 8 {
		return dst, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return dst, false
		}
	}
	month := int(b[4]-'0')*10 + int(b[5]-'0')
	day := int(b[6]-'0')*10 + int(b[7]-'0')
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return dst, false
	}
	return append(dst, b[0], b[1], b[2], b[3], '-', b[4], b[5], '-', b[6], b[7]), true
}

func decodeValue(f *dbfField, b []byte, dec *textDecoder) any {
	switch f.kind {
	case 'C':
		b = trimRight(b)
		if len(b) == 0 {
			return nil
		}
		return dec.decode(b)
	case 'N', 'F':
		b = trim(b)
		if len(b) == 0 || b[0] == '*' {
			return nil
		}
		if f.typ == feature.Int {
			if v, ok := parseInt(b); ok {
				return v
			}
			// A writer may put "12.0" or "1e3" in an integer field.
			if v, err := strconv.ParseFloat(string(b), 64); err == nil && v == float64(int64(v)) {
				return int64(v)
			}
			return nil
		}
		if v, err := strconv.ParseFloat(string(b), 64); err == nil {
			return v
		}
		// Some locales write a decimal comma.
		if c := bytes.IndexByte(b, ','); c >= 0 {
			t := bytes.Replace(b, []byte{','}, []byte{'.'}, 1)
			if v, err := strconv.ParseFloat(string(t), 64); err == nil {
				return v
			}
		}
		return nil
	case 'L':
		b = trim(b)
		if len(b) == 0 {
			return nil
		}
		switch b[0] {
		case 'T', 't', 'Y', 'y':
			return true
		case 'F', 'f', 'N', 'n':
			return false
		}
		return nil
	case 'D':
		if d, ok := appendDate(nil, b); ok {
			return string(d)
		}
		return nil
	}
	return nil
}

// parseInt parses an optionally signed decimal integer without allocating.
func parseInt(b []byte) (int64, bool) {
	neg := false
	switch b[0] {
	case '-':
		neg = true
		b = b[1:]
	case '+':
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func isSpace(c byte) bool { return c == ' ' || c == 0 || c == '\t' || c == '\r' || c == '\n' }

func trimRight(b []byte) []byte {
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func trim(b []byte) []byte {
	b = trimRight(b)
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	return b
}
