package index

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
)

// IDKind says where a layer's feature ids come from. The choice is made once
// per layer, never per feature, so a source id can never collide with a row
// number.
type IDKind uint8

// The id kinds.
const (
	// IDRow: the 1-based row number of each record in its source (the
	// source gave no ids, not one to every feature, ids that repeat, ids
	// of mixed or unusable types).
	IDRow IDKind = iota
	// IDNumber: the source ids, every one a whole number from 0 to
	// 2^53-1 (exact in JSON and JavaScript), all distinct.
	IDNumber
	// IDString: the source ids, every one a string (such as "QH-001"),
	// all distinct. Vector tiles carry the row number as their integer id.
	IDString
)

// MaxNumberID is the largest numeric source id kept as such: 2^53-1, the
// largest integer a JSON client in JavaScript reads exactly.
const MaxNumberID = 1<<53 - 1

var idKindNames = [...]string{"row", "number", "string"}

// String returns "row", "number" or "string".
func (k IDKind) String() string {
	if int(k) < len(idKindNames) {
		return idKindNames[k]
	}
	return "IDKind(" + strconv.Itoa(int(k)) + ")"
}

// numberID returns v as a numeric id, if it is a whole number in
// 0..MaxNumberID. Text is parsed strictly: "12abc", "012", "+12" and "1e3"
// are not numbers.
func numberID(v any) (uint64, bool) {
	switch v := v.(type) {
	case int64:
		if v >= 0 && v <= MaxNumberID {
			return uint64(v), true
		}
	case int:
		if v >= 0 && v <= MaxNumberID {
			return uint64(v), true
		}
	case uint64:
		if v <= MaxNumberID {
			return v, true
		}
	case float64:
		if v >= 0 && v <= MaxNumberID && v == math.Trunc(v) {
			return uint64(v), true
		}
	case json.Number:
		return canonicalUint(string(v))
	}
	return 0, false
}

// canonicalUint parses s as a decimal whole number written the one way
// strconv writes it (no sign, no leading zero, no exponent).
func canonicalUint(s string) (uint64, bool) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > MaxNumberID || strconv.FormatUint(n, 10) != s {
		return 0, false
	}
	return n, true
}

// idCollector follows the source ids while features are added and decides
// the layer's IDKind at the end.
type idCollector struct {
	n       int
	rows    []uint64
	nums    []uint64 // while every id so far is a number
	strs    []string // while every id so far is a string
	numsOK  bool
	strsOK  bool
	started bool
}

func (c *idCollector) add(row int64, id any) {
	if !c.started {
		c.started = true
		_, c.numsOK = numberID(id)
		_, c.strsOK = id.(string)
	}
	c.rows = append(c.rows, uint64(max(row, 0)))
	if c.numsOK {
		if v, ok := numberID(id); ok {
			c.nums = append(c.nums, v)
		} else {
			c.numsOK, c.nums = false, nil
		}
	}
	if c.strsOK {
		if s, ok := id.(string); ok {
			c.strs = append(c.strs, strings.Clone(s))
		} else {
			c.strsOK, c.strs = false, nil
		}
	}
	c.n++
}

// finish returns the kind, the integer ids, the string ids and the
// feature numbers in id order.
func (c *idCollector) finish() (IDKind, []uint64, []string, []int32) {
	if c.n > 0 && c.numsOK {
		if by, ok := sortedUnique(c.n, func(a, b int32) int { return cmpUint(c.nums[a], c.nums[b]) }); ok {
			return IDNumber, c.nums, nil, by
		}
	}
	if c.n > 0 && c.strsOK {
		if by, ok := sortedUnique(c.n, func(a, b int32) int { return strings.Compare(c.strs[a], c.strs[b]) }); ok {
			return IDString, c.rows, c.strs, by
		}
	}
	by, ok := sortedUnique(c.n, func(a, b int32) int { return cmpUint(c.rows[a], c.rows[b]) })
	if !ok {
		// Rows repeat only when features were added by hand with the same
		// row: number them by position instead.
		for i := range c.rows {
			c.rows[i] = uint64(i + 1)
		}
		by, _ = sortedUnique(c.n, func(a, b int32) int { return cmpUint(c.rows[a], c.rows[b]) })
	}
	return IDRow, c.rows, nil, by
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sortedUnique returns 0..n-1 sorted by cmp, and whether no two compare
// equal.
func sortedUnique(n int, cmp func(a, b int32) int) ([]int32, bool) {
	by := make([]int32, n)
	for i := range by {
		by[i] = int32(i)
	}
	slices.SortFunc(by, cmp)
	for k := 1; k < n; k++ {
		if cmp(by[k-1], by[k]) == 0 {
			return by, false
		}
	}
	return by, true
}

// IDKind returns where the layer's feature ids come from.
func (l *Layer) IDKind() IDKind { return l.idKind }

// FeatureID returns the id of feature i as it appears in GeoJSON: a string
// for IDString layers, else an int64 (the source number or the row).
func (l *Layer) FeatureID(i int) any {
	if l.idKind == IDString {
		return l.strIDs[i]
	}
	return int64(l.ids[i])
}

// FeatureIDText returns the id of feature i as text, the form Find reads
// (and a URL path carries).
func (l *Layer) FeatureIDText(i int) string {
	if l.idKind == IDString {
		return l.strIDs[i]
	}
	return strconv.FormatUint(l.ids[i], 10)
}

// Find returns the feature whose id has the text form id (see
// FeatureIDText), in O(log n). Numeric ids must be written canonically:
// "12" finds 12, "012" and "12abc" find nothing.
func (l *Layer) Find(id string) (int, bool) {
	if l.idKind == IDString {
		k, ok := slices.BinarySearchFunc(l.byID, id, func(i int32, s string) int { return strings.Compare(l.strIDs[i], s) })
		if !ok {
			return 0, false
		}
		return int(l.byID[k]), true
	}
	n, ok := canonicalUint(id)
	if !ok {
		return 0, false
	}
	k, ok := slices.BinarySearchFunc(l.byID, n, func(i int32, v uint64) int { return cmpUint(l.ids[i], v) })
	if !ok {
		return 0, false
	}
	return int(l.byID[k]), true
}
