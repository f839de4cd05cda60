package server

import "strings"

// MaxZoom is the deepest zoom the tile route accepts; deeper requests are
// malformed (400) without looking at any tileset.
const MaxZoom = 30

// maxNameLen bounds tileset names.
const maxNameLen = 128

// tileRequest is a parsed tile path.
type tileRequest struct {
	name    string
	z, x, y int
	ext     string // "pbf" or "mvt"
}

// parseTilePath parses "NAME/Z/X/Y.pbf" (or .mvt), the part of a tile URL
// after "/tiles/". It accepts only canonical decimal numbers (no sign, no
// leading zero) so each tile has one URL, and checks 0 ≤ z ≤ MaxZoom and
// 0 ≤ x, y < 2^z. Errors are KindInvalid and say what is wrong.
func parseTilePath(p string) (tileRequest, error) {
	var t tileRequest
	rest, ok := strings.CutSuffix(p, ".pbf")
	t.ext = "pbf"
	if !ok {
		if rest, ok = strings.CutSuffix(p, ".mvt"); !ok {
			return t, errorf(KindInvalid, "a tile URL ends in .pbf or .mvt")
		}
		t.ext = "mvt"
	}
	// rest is NAME/Z/X/Y: cut from the right so the name is what remains.
	i := strings.LastIndexByte(rest, '/')
	if i < 0 {
		return t, errorf(KindInvalid, "want /tiles/{tileset}/{z}/{x}/{y}.%s", t.ext)
	}
	ys := rest[i+1:]
	rest = rest[:i]
	if i = strings.LastIndexByte(rest, '/'); i < 0 {
		return t, errorf(KindInvalid, "want /tiles/{tileset}/{z}/{x}/{y}.%s", t.ext)
	}
	xs := rest[i+1:]
	rest = rest[:i]
	if i = strings.LastIndexByte(rest, '/'); i < 0 {
		return t, errorf(KindInvalid, "want /tiles/{tileset}/{z}/{x}/{y}.%s", t.ext)
	}
	zs := rest[i+1:]
	t.name = rest[:i]
	if !validName(t.name) {
		return t, errorf(KindInvalid, "bad tileset name")
	}
	if t.z, ok = parseUint(zs); !ok {
		return t, errorf(KindInvalid, "zoom %q is not a whole number", clip(zs))
	}
	if t.x, ok = parseUint(xs); !ok {
		return t, errorf(KindInvalid, "column %q is not a whole number", clip(xs))
	}
	if t.y, ok = parseUint(ys); !ok {
		return t, errorf(KindInvalid, "row %q is not a whole number", clip(ys))
	}
	if t.z > MaxZoom {
		return t, errorf(KindInvalid, "zoom %d is beyond %d", t.z, MaxZoom)
	}
	n := 1 << t.z
	if t.x >= n || t.y >= n {
		return t, errorf(KindInvalid, "tile %d/%d/%d is outside the pyramid: x and y must be below %d at zoom %d", t.z, t.x, t.y, n, t.z)
	}
	return t, nil
}

// parseUint parses a canonical non-negative decimal of at most 10 digits.
func parseUint(s string) (int, bool) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// validName reports whether s can name a tileset: 1 to 128 ASCII letters,
// digits, '-', '_' or '.', not starting with '.'.
func validName(s string) bool {
	if s == "" || len(s) > maxNameLen || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
