package tiler

import "math"

// Geometry work happens on integer tile coordinates: every vertex is first
// snapped to the tile grid (extent units), and only then clipped and
// cleaned. Snapping is a pure function of the vertex and the zoom, so a
// vertex shared by two polygons lands on the same grid point in both, in
// every tile; clipping computes an edge's crossing with the tile border
// from the edge's endpoints taken in a canonical order, so a shared edge is
// cut at the same point for both polygons; and cleaning removes only
// duplicate and exactly collinear vertices (integer cross product zero),
// which cannot move a shared edge. That is the whole simplification: no
// Douglas-Peucker, which decides per ring and opens gaps between
// neighbours.

// pt is a point in tile units.
type pt struct{ x, y int32 }

// rect is the clip rectangle in tile units, inclusive.
type rect struct{ min, max int32 }

func (r rect) contains(p pt) bool {
	return p.x >= r.min && p.x <= r.max && p.y >= r.min && p.y <= r.max
}

// snapper turns Web Mercator world units into tile units at one tile.
type snapper struct {
	scale  float64 // extent * 2^z
	ox, oy int64   // tile origin in global units
}

func (s snapper) snap(mx, my float64) pt {
	gx := int64(math.Floor(mx*s.scale + 0.5))
	gy := int64(math.Floor(my*s.scale + 0.5))
	return pt{clamp32(gx - s.ox), clamp32(gy - s.oy)}
}

func clamp32(v int64) int32 {
	// Only reachable for vertices absurdly far off the tile; clamping keeps
	// the arithmetic below in range.
	const lim = 1 << 30
	if v > lim {
		return lim
	}
	if v < -lim {
		return -lim
	}
	return int32(v)
}

// cross returns the z component of (b-a)x(c-a).
func cross(a, b, c pt) int64 {
	return int64(b.x-a.x)*int64(c.y-a.y) - int64(b.y-a.y)*int64(c.x-a.x)
}

// area2 returns twice the signed area of a ring (not closed); positive for
// an MVT exterior ring (clockwise on screen, y down).
func area2(r []pt) int64 {
	var s int64
	n := len(r)
	for i := range n {
		a, b := r[i], r[(i+1)%n]
		s += int64(a.x)*int64(b.y) - int64(b.x)*int64(a.y)
	}
	return s
}

// intersect returns where edge a-b crosses the line x=c (vertical) or y=c,
// rounded to the grid. The endpoints are put in a canonical order first so
// that the same edge gives the same point whichever way it is walked.
func intersect(a, b pt, c int32, vertical bool) pt {
	if b.x < a.x || (b.x == a.x && b.y < a.y) {
		a, b = b, a
	}
	if vertical {
		t := float64(c-a.x) / float64(b.x-a.x)
		return pt{c, int32(math.Floor(float64(a.y) + t*float64(b.y-a.y) + 0.5))}
	}
	t := float64(c-a.y) / float64(b.y-a.y)
	return pt{int32(math.Floor(float64(a.x) + t*float64(b.x-a.x) + 0.5)), c}
}

// clipRing clips a ring (not closed) to r with Sutherland-Hodgman, one
// border at a time, writing into the two scratch buffers (which must not
// alias ring) and returning the result, which aliases bufs[1]. Concave
// rings may keep zero-width runs along the border, as in every MVT
// encoder; they render as nothing.
func clipRing(ring []pt, r rect, bufs *[2][]pt) []pt {
	in := ring
	for edge := range 4 {
		out := bufs[edge&1][:0]
		var c int32
		switch edge {
		case 0, 2:
			c = r.min
		default:
			c = r.max
		}
		vertical := edge < 2
		inside := func(p pt) bool {
			switch edge {
			case 0:
				return p.x >= c
			case 1:
				return p.x <= c
			case 2:
				return p.y >= c
			}
			return p.y <= c
		}
		if len(in) > 0 {
			prev := in[len(in)-1]
			pin := inside(prev)
			for _, p := range in {
				cin := inside(p)
				if cin != pin {
					out = append(out, intersect(prev, p, c, vertical))
				}
				if cin {
					out = append(out, p)
				}
				prev, pin = p, cin
			}
		}
		bufs[edge&1] = out
		in = out
	}
	return in
}

// cleanRing removes duplicate and collinear vertices of a ring in place,
// including across the seam between its last and first vertex.
func cleanRing(r []pt) []pt {
	out := r[:0]
	for _, p := range r {
		if n := len(out); n > 0 && out[n-1] == p {
			continue
		}
		for len(out) >= 2 && cross(out[len(out)-2], out[len(out)-1], p) == 0 {
			out = out[:len(out)-1]
		}
		out = append(out, p)
	}
	for len(out) >= 2 && out[len(out)-1] == out[0] {
		out = out[:len(out)-1]
	}
	start := 0
	for len(out)-start >= 3 {
		n := len(out)
		if cross(out[n-2], out[n-1], out[start]) == 0 {
			out = out[:n-1]
		} else if cross(out[n-1], out[start], out[start+1]) == 0 {
			start++
		} else {
			break
		}
	}
	return out[start:]
}

// cleanLine removes duplicate and straight-through vertices of a line in
// place; a vertex where the line turns back on itself is kept.
func cleanLine(l []pt) []pt {
	out := l[:0]
	for _, p := range l {
		if n := len(out); n > 0 && out[n-1] == p {
			continue
		}
		for n := len(out); n >= 2; n = len(out) {
			a, b := out[n-2], out[n-1]
			if cross(a, b, p) != 0 || int64(b.x-a.x)*int64(p.x-b.x)+int64(b.y-a.y)*int64(p.y-b.y) < 0 {
				break
			}
			out = out[:n-1]
		}
		out = append(out, p)
	}
	return out
}

// outcode classifies p against r for Cohen-Sutherland.
func outcode(p pt, r rect) int {
	c := 0
	if p.x < r.min {
		c |= 1
	} else if p.x > r.max {
		c |= 2
	}
	if p.y < r.min {
		c |= 4
	} else if p.y > r.max {
		c |= 8
	}
	return c
}

// clipSegment clips segment a-b to r, reporting whether any of it is left.
func clipSegment(a, b pt, r rect) (pt, pt, bool) {
	ca, cb := outcode(a, r), outcode(b, r)
	for range 8 {
		if ca|cb == 0 {
			return a, b, true
		}
		if ca&cb != 0 {
			return a, b, false
		}
		c := ca
		if c == 0 {
			c = cb
		}
		var p pt
		switch {
		case c&1 != 0:
			p = intersect(a, b, r.min, true)
		case c&2 != 0:
			p = intersect(a, b, r.max, true)
		case c&4 != 0:
			p = intersect(a, b, r.min, false)
		default:
			p = intersect(a, b, r.max, false)
		}
		if c == ca {
			a, ca = p, outcode(p, r)
		} else {
			b, cb = p, outcode(p, r)
		}
	}
	return a, b, false
}

// clipLine clips a line to r and calls fn with each piece left (which fn
// may keep only until its next call).
func clipLine(line []pt, r rect, buf []pt, fn func([]pt)) []pt {
	piece := buf[:0]
	flush := func() {
		if len(piece) >= 2 {
			fn(piece)
		}
		piece = piece[:0]
	}
	for i := 1; i < len(line); i++ {
		a, b, ok := clipSegment(line[i-1], line[i], r)
		if !ok {
			flush()
			continue
		}
		if len(piece) == 0 || piece[len(piece)-1] != a {
			flush()
			piece = append(piece, a)
		}
		piece = append(piece, b)
		if b != line[i] {
			flush()
		}
	}
	flush()
	return piece
}
