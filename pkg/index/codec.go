package index

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/sonla-gis/plantile/pkg/feature"
)

// FormatVersion is the version of the binary layer encoding written by
// AppendBinary. Decode reads this version only; a new layout gets a new
// number.
const FormatVersion = 1

// magic starts every encoded layer.
const magic = "PLTF"

// The encoding (little-endian throughout) is columnar, so that loading is a
// few bulk copies instead of a parse per feature:
//
//	"PLTF" u16 version u16 0
//	u32 H, H bytes of JSON header {"info": LayerInfo, "schema": every field,
//	    "id_kind": "row"|"number"|"string", "coded": [bool per field]}
//	u64 features N, u64 groups G, u64 rings R, u64 points P
//	N × u8 kind
//	(N+1) × u32 feature→group, (G+1) × u32 group→ring, (R+1) × u32 ring→point
//	2P × f64 lon, lat
//	N × u64 integer id (source number, or row)
//	if id_kind is "string": (N+1) × u32 offsets, then the id bytes
//	per field: N × u32 codes; u32 D values after the implicit nil; per value
//	    a tag (1 string, 2 int64, 3 float64, 4 bool, 5 JSON) and its bytes:
//	    u32 length + bytes for string and JSON, 8 bytes for numbers, 1 for
//	    bool
//
// Every count is checked against the bytes left before anything is
// allocated, so a corrupt or hostile blob costs at most a few times its own
// size and gives an error, never a panic.

type header struct {
	Info   feature.LayerInfo `json:"info"`
	Schema feature.Schema    `json:"schema"`
	IDKind string            `json:"id_kind"`
	Coded  []bool            `json:"coded"`
}

const (
	tagString = 1 + iota
	tagInt
	tagFloat
	tagBool
	tagJSON
)

// MarshalBinary encodes the layer; see AppendBinary.
func (l *Layer) MarshalBinary() ([]byte, error) {
	return l.AppendBinary(make([]byte, 0, l.encodedSize()))
}

// encodedSize returns about the size of the encoding (the header aside),
// so that MarshalBinary allocates once.
func (l *Layer) encodedSize() int {
	n := len(l.kinds)
	size := 1024 + n + 4*(len(l.featGroup)+len(l.groupRing)+len(l.ringPoint)) + 8*len(l.coords) + 8*n
	if l.idKind == IDString {
		size += 4 * (n + 1)
		for _, s := range l.strIDs {
			size += len(s)
		}
	}
	for _, c := range l.cols {
		size += 4*n + 4 + 9*c.distinct() + c.size
	}
	return size
}

// AppendBinary appends the layer in the columnar encoding that Decode
// reads: exact lon/lat coordinates, ids, kinds, part offsets, schema and
// dictionary-coded properties.
func (l *Layer) AppendBinary(b []byte) ([]byte, error) {
	h := header{Info: l.info, Schema: l.schema, IDKind: l.idKind.String(), Coded: make([]bool, len(l.cols))}
	for i, c := range l.cols {
		h.Coded[i] = c.coded
	}
	hj, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("index: encode %s: %w", l.info.Name, err)
	}
	le := binary.LittleEndian
	b = append(b, magic...)
	b = le.AppendUint16(b, FormatVersion)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, uint32(len(hj)))
	b = append(b, hj...)
	n := len(l.kinds)
	for _, v := range []int{n, len(l.groupRing) - 1, len(l.ringPoint) - 1, len(l.coords) / 2} {
		b = le.AppendUint64(b, uint64(v))
	}
	for _, k := range l.kinds {
		b = append(b, byte(k))
	}
	for _, off := range [][]uint32{l.featGroup, l.groupRing, l.ringPoint} {
		b = appendFixed(b, off)
	}
	b = appendFixed(b, l.coords)
	b = appendFixed(b, l.ids)
	if l.idKind == IDString {
		off := 0
		b = le.AppendUint32(b, 0)
		for _, s := range l.strIDs {
			off += len(s)
			if off > math.MaxUint32 {
				return nil, fmt.Errorf("index: encode %s: more than 4 GB of ids", l.info.Name)
			}
			b = le.AppendUint32(b, uint32(off))
		}
		for _, s := range l.strIDs {
			b = append(b, s...)
		}
	}
	for _, c := range l.cols {
		b = appendFixed(b, c.vals)
		b = le.AppendUint32(b, uint32(c.distinct()-1))
		switch {
		case c.off != nil:
			for code := 1; code < c.distinct(); code++ {
				s := c.text[c.off[code]:c.off[code+1]]
				b = append(b, tagString)
				b = le.AppendUint32(b, uint32(len(s)))
				b = append(b, s...)
			}
			continue
		case c.ints != nil:
			for _, v := range c.ints[1:] {
				b = append(b, tagInt)
				b = le.AppendUint64(b, uint64(v))
			}
			continue
		case c.floats != nil:
			for _, v := range c.floats[1:] {
				b = append(b, tagFloat)
				b = le.AppendUint64(b, math.Float64bits(v))
			}
			continue
		}
		for _, v := range c.dict[1:] {
			switch v := v.(type) {
			case string:
				b = append(b, tagString)
				b = le.AppendUint32(b, uint32(len(v)))
				b = append(b, v...)
			case json.RawMessage:
				b = append(b, tagJSON)
				b = le.AppendUint32(b, uint32(len(v)))
				b = append(b, v...)
			case int64:
				b = append(b, tagInt)
				b = le.AppendUint64(b, uint64(v))
			case float64:
				b = append(b, tagFloat)
				b = le.AppendUint64(b, math.Float64bits(v))
			case bool:
				b = append(b, tagBool)
				if v {
					b = append(b, 1)
				} else {
					b = append(b, 0)
				}
			default:
				return nil, fmt.Errorf("index: encode %s: value of type %T", l.info.Name, v)
			}
		}
	}
	return b, nil
}

// appendFixed appends the values of v little-endian, the inverse of
// fixedSlice.
func appendFixed[T uint32 | uint64 | float64](b []byte, v []T) []byte {
	le := binary.LittleEndian
	switch v := any(v).(type) {
	case []uint32:
		for _, x := range v {
			b = le.AppendUint32(b, x)
		}
	case []uint64:
		for _, x := range v {
			b = le.AppendUint64(b, x)
		}
	case []float64:
		for _, x := range v {
			b = le.AppendUint64(b, math.Float64bits(x))
		}
	}
	return b
}

// ErrFormat is returned (wrapped) by Decode for bytes that are not a
// layer in a known encoding, or are damaged.
var ErrFormat = errors.New("index: bad encoded layer")

// decoder reads the encoding, checking every length.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
	}
}

// take returns the next n bytes, or nil and an error when fewer are left.
func (d *decoder) take(n uint64, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail("%s: %d bytes needed, %d left", what, n, len(d.b))
		return nil
	}
	out := d.b[:n:n]
	d.b = d.b[n:]
	return out
}

// count checks that n items of size bytes each fit in what is left.
func (d *decoder) count(n uint64, size uint64, what string) bool {
	if d.err != nil {
		return false
	}
	if n > uint64(len(d.b))/size {
		d.fail("%s: %d items do not fit in %d bytes", what, n, len(d.b))
		return false
	}
	return true
}

func (d *decoder) u32() uint32 {
	b := d.take(4, "u32")
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (d *decoder) u64() uint64 {
	b := d.take(8, "u64")
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

// fixedSlice reads n little-endian values of T (4 or 8 bytes each), after
// checking that they fit: the offsets, coordinates, ids and value codes of
// the encoding. The loop is written per type (encoding/binary's slice
// decoding goes through the ByteOrder interface and is half as fast).
func fixedSlice[T uint32 | uint64 | float64](d *decoder, n uint64, what string) []T {
	size := uint64(unsafe.Sizeof(T(0)))
	if !d.count(n, size, what) {
		return nil
	}
	b := d.take(size*n, what)
	out := make([]T, n)
	le := binary.LittleEndian
	switch o := any(out).(type) {
	case []uint32:
		for i := range o {
			o[i] = le.Uint32(b[4*i:])
		}
	case []uint64:
		for i := range o {
			o[i] = le.Uint64(b[8*i:])
		}
	case []float64:
		for i := range o {
			o[i] = math.Float64frombits(le.Uint64(b[8*i:]))
		}
	}
	return out
}

// Decode rebuilds a layer from AppendBinary's encoding: the columns are
// copied out in bulk, checked by FromColumns and the R-tree packed in one
// pass. data is not retained. A damaged or hostile input gives an error
// wrapping ErrFormat or ErrColumns.
func Decode(data []byte) (*Layer, error) {
	c, err := decodeColumns(data)
	if err != nil {
		return nil, err
	}
	return FromColumns(c)
}

func decodeColumns(data []byte) (Columns, error) {
	d := &decoder{b: data}
	var c Columns
	if m := d.take(4, "magic"); m == nil || string(m) != magic {
		d.err = nil
		d.fail("not an encoded layer (no %q)", magic)
		return c, d.err
	}
	if v := d.take(4, "version"); v != nil && binary.LittleEndian.Uint16(v) != FormatVersion {
		d.fail("format version %d, this program reads %d", binary.LittleEndian.Uint16(v), FormatVersion)
	}
	hb := d.take(uint64(d.u32()), "header")
	if d.err != nil {
		return c, d.err
	}
	var h header
	if err := json.Unmarshal(hb, &h); err != nil {
		return c, fmt.Errorf("%w: header: %w", ErrFormat, err)
	}
	c.Info, c.Schema = h.Info, h.Schema
	switch h.IDKind {
	case "row":
		c.IDKind = IDRow
	case "number":
		c.IDKind = IDNumber
	case "string":
		c.IDKind = IDString
	default:
		return c, fmt.Errorf("%w: id kind %q", ErrFormat, h.IDKind)
	}
	nf := len(h.Schema.Fields)
	if len(h.Coded) != nf {
		return c, fmt.Errorf("%w: %d coded flags for %d fields", ErrFormat, len(h.Coded), nf)
	}
	n, groups, rings, points := d.u64(), d.u64(), d.u64(), d.u64()
	if d.err != nil {
		return c, d.err
	}
	if n >= math.MaxInt32 || groups >= math.MaxUint32 || rings >= math.MaxUint32 || points >= math.MaxUint32 {
		return c, fmt.Errorf("%w: counts %d/%d/%d/%d beyond the limits", ErrFormat, n, groups, rings, points)
	}
	if kb := d.take(n, "kinds"); kb != nil {
		c.Kinds = make([]Kind, n)
		for i, k := range kb {
			c.Kinds[i] = Kind(k)
		}
	}
	c.FeatGroup = fixedSlice[uint32](d, n+1, "feature groups")
	c.GroupRing = fixedSlice[uint32](d, groups+1, "group rings")
	c.RingPoint = fixedSlice[uint32](d, rings+1, "ring points")
	if d.count(points, 16, "coordinates") {
		c.Coords = fixedSlice[float64](d, 2*points, "coordinates")
	}
	c.IDs = fixedSlice[uint64](d, n, "ids")
	if c.IDKind == IDString {
		off := fixedSlice[uint32](d, n+1, "string id offsets")
		if d.err != nil {
			return c, d.err
		}
		if off[0] != 0 {
			d.fail("string ids: first offset %d", off[0])
		}
		for i := 1; i <= int(n); i++ {
			if off[i] < off[i-1] {
				d.fail("string ids: offset %d goes back", i)
				break
			}
		}
		raw := d.take(uint64(off[n]), "string ids")
		if d.err != nil {
			return c, d.err
		}
		all := string(raw) // one allocation; the ids are slices of it
		c.StringIDs = make([]string, n)
		for i := range c.StringIDs {
			c.StringIDs[i] = all[off[i]:off[i+1]]
		}
	}
	c.Props = make([]Column, nf)
	for f := range c.Props {
		name := h.Schema.Fields[f].Name
		codes := fixedSlice[uint32](d, n, "field "+name)
		c.Props[f] = Column{Codes: codes, Coded: h.Coded[f]}
		dn := uint64(d.u32())
		// Every value takes at least 2 bytes (a tag and a bool).
		if !d.count(dn, 2, "field "+name+" values") {
			return c, d.err
		}
		c.Props[f].Dict = d.values(dn, name)
		if d.err != nil {
			return c, d.err
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d bytes after the last field", len(d.b))
	}
	return c, d.err
}

// values reads n dictionary values. Strings of the field share one backing
// array: two passes, one to check and size, one to copy.
func (d *decoder) values(n uint64, name string) []any {
	start := d.b
	var strBytes uint64
	for range n {
		// Names are given as constants: building "field NAME" per value
		// would cost more than the value itself.
		tb := d.take(1, "value tag")
		if tb == nil {
			break
		}
		switch tb[0] {
		case tagString, tagJSON:
			k := uint64(d.u32())
			d.take(k, "value")
			strBytes += k
		case tagInt, tagFloat:
			d.take(8, "value")
		case tagBool:
			d.take(1, "value")
		default:
			d.fail("value tag %d", tb[0])
		}
		if d.err != nil {
			break
		}
	}
	if d.err != nil {
		d.err = fmt.Errorf("field %s: %w", name, d.err)
		return nil
	}
	buf := make([]byte, 0, strBytes)
	out := make([]any, n+1)
	r := start
	le := binary.LittleEndian
	for i := uint64(1); i <= n; i++ {
		tag := r[0]
		r = r[1:]
		switch tag {
		case tagString:
			k := le.Uint32(r)
			if k == 0 {
				out[i] = ""
			} else {
				at := len(buf)
				buf = append(buf, r[4:4+k]...)
				// buf never grows past its capacity, so the bytes stay
				// put and are never written again.
				out[i] = unsafe.String(&buf[at], int(k))
			}
			r = r[4+k:]
		case tagJSON:
			k := le.Uint32(r)
			out[i] = json.RawMessage(append([]byte(nil), r[4:4+k]...))
			r = r[4+k:]
		case tagInt:
			out[i] = int64(le.Uint64(r))
			r = r[8:]
		case tagFloat:
			out[i] = math.Float64frombits(le.Uint64(r))
			r = r[8:]
		case tagBool:
			if r[0] > 1 {
				d.fail("field %s: boolean %d", name, r[0])
				return nil
			}
			out[i] = r[0] == 1
			r = r[1:]
		}
	}
	return out
}
