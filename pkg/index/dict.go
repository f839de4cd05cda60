package index

import (
	"math"
	"unsafe"
)

// A column whose dictionary holds only strings (nil aside) keeps them
// packed: every value in one byte array, text[off[c]:off[c+1]] for code c
// (code 0 is nil), instead of a []any of boxed strings. At a million plot
// codes the boxed form is a million heap objects and two million pointers
// that every garbage collection marks and scans; the packed form is two
// pointer-free arrays (README, "Search").

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

// pack turns a column of strings into its packed form.
func (c *column) pack() {
	if c.off != nil {
		return
	}
	if text, off, ok := packStrings(c.dict); ok {
		c.text, c.off, c.dict = text, off, nil
	}
}

// distinct returns the number of codes, nil included.
func (c *column) distinct() int {
	if c.off != nil {
		return len(c.off) - 1
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

// value returns the value of code, nil for 0. A packed string is boxed
// anew (16 bytes) on each call.
func (c *column) value(code uint32) any {
	if c.off == nil {
		return c.dict[code]
	}
	if code == 0 {
		return nil
	}
	return c.str(code)
}

// DictString returns the value of field f that has code code when it is a
// string, without boxing it (see DictValue).
func (l *Layer) DictString(f int, code uint32) (string, bool) {
	c := &l.cols[f]
	if c.off != nil {
		return c.str(code), code != 0
	}
	s, ok := c.dict[code].(string)
	return s, ok
}
