package index

import (
	"math"
	"unicode/utf8"
	"unsafe"

	"github.com/sonla-gis/plantile/pkg/source/geojson"
)

// A column whose dictionary holds only strings (nil aside) keeps them
// packed: every value in one byte array, text[off[c]:off[c+1]] for code c
// (code 0 is nil), instead of a []any of boxed strings; one of only int64
// or only float64 values keeps them in a []int64 or []float64 (index 0
// unused). At a million plot codes or areas the boxed form is a million
// heap objects and pointers that every garbage collection marks and
// scans; the packed form is pointer-free (README, "Search").

// packStrings packs dict into a byte array and offsets when every value
// after dict[0] is a string; ok is false otherwise (or beyond 4 GiB).
func packStrings(dict []any) (text []byte, off []uint32, ok bool) {
	size := 0
	for _, v := range dict[1:] {
		s, isStr := v.(string)
		if !isStr {
			return nil, nil, false
		}
		size += len(s)
	}
	if size > math.MaxUint32 {
		return nil, nil, false
	}
	text = make([]byte, 0, size)
	off = make([]uint32, len(dict)+1)
	for c, v := range dict[1:] {
		text = append(text, v.(string)...)
		off[c+2] = uint32(len(text))
	}
	return text, off, true
}

// packNumbers returns the values of dict (index 0 zero) when every value
// after dict[0] is a T.
func packNumbers[T int64 | float64](dict []any) ([]T, bool) {
	out := make([]T, len(dict))
	for c, v := range dict[1:] {
		x, ok := v.(T)
		if !ok {
			return nil, false
		}
		out[c+1] = x
	}
	return out, true
}

// pack turns a column of strings or numbers of one type into its packed
// form, and keeps what writing the field named name as JSON needs.
func (c *column) pack(name string) {
	c.key = append(geojson.AppendString(nil, name), ':')
	if c.dict == nil || len(c.dict) < 2 {
		return
	}
	switch c.dict[1].(type) {
	case string:
		if text, off, ok := packStrings(c.dict); ok {
			c.text, c.off, c.dict = text, off, nil
			c.plain = plainJSON(text)
		}
	case int64:
		if v, ok := packNumbers[int64](c.dict); ok {
			c.ints, c.dict = v, nil
		}
	case float64:
		if v, ok := packNumbers[float64](c.dict); ok {
			c.floats, c.dict = v, nil
		}
	}
}

// plainJSON reports whether text is valid UTF-8 with nothing a JSON
// string must escape (quotes, backslashes, control characters), so that
// its strings are written between quotes as they are.
func plainJSON(text []byte) bool {
	for _, c := range text {
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.Valid(text)
}

// distinct returns the number of codes, nil included.
func (c *column) distinct() int {
	switch {
	case c.off != nil:
		return len(c.off) - 1
	case c.ints != nil:
		return len(c.ints)
	case c.floats != nil:
		return len(c.floats)
	}
	return len(c.dict)
}

// str returns the string of code (not 0) of a packed column, sharing the
// column's bytes (never written after packing).
func (c *column) str(code uint32) string {
	a, b := c.off[code], c.off[code+1]
	if a == b {
		return ""
	}
	return unsafe.String(&c.text[a], int(b-a))
}

// value returns the value of code, nil for 0. A packed value is boxed
// anew (a string header or, but for small integers, a number) on each
// call.
func (c *column) value(code uint32) any {
	switch {
	case c.dict != nil:
		return c.dict[code]
	case code == 0:
		return nil
	case c.off != nil:
		return c.str(code)
	case c.ints != nil:
		return c.ints[code]
	}
	return c.floats[code]
}

// DictString returns the value of field f that has code code when it is a
// string, without boxing it (see DictValue).
func (l *Layer) DictString(f int, code uint32) (string, bool) {
	c := &l.cols[f]
	switch {
	case c.off != nil:
		if code == 0 {
			return "", false
		}
		return c.str(code), true
	case c.dict == nil:
		return "", false
	}
	s, ok := c.dict[code].(string)
	return s, ok
}
