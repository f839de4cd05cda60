package geom

import (
	"errors"
	"fmt"
	"slices"

	"github.com/paulmach/orb"
)

// ErrSelfIntersection is returned (wrapped) for a ring that crosses or
// touches itself.
var ErrSelfIntersection = errors.New("geom: self-intersecting ring")

// ErrTooComplex is returned (wrapped) for a ring whose check would take
// more than the work budget: so many long edges overlap in x that the
// sweep degenerates. Such rings are not what planning data look like.
var ErrTooComplex = errors.New("geom: ring too complex to check")

// budgetPerEdge bounds the edge pairs compared, per edge of the ring (plus
// a fixed allowance for small rings).
const budgetPerEdge = 256

// CheckRing returns nil if the ring (closed or not) is simple: no two of
// its edges meet except consecutive ones at their shared vertex. Otherwise
// it returns an error wrapping ErrSelfIntersection that says where, or
// ErrTooComplex. Repeated consecutive vertices are ignored.
func CheckRing(ring []orb.Point) error {
	pts := make([]orb.Point, 0, len(ring))
	for _, p := range ring {
		if n := len(pts); n == 0 || pts[n-1] != p {
			pts = append(pts, p)
		}
	}
	for len(pts) > 1 && pts[len(pts)-1] == pts[0] {
		pts = pts[:len(pts)-1]
	}
	n := len(pts)
	if n < 3 {
		return nil
	}
	// Edge i runs from pts[i] to pts[(i+1)%n]; sorted by smallest x.
	order := make([]int32, n)
	lo := make([]float64, n)
	for i := range n {
		order[i] = int32(i)
		lo[i] = min(pts[i][0], pts[(i+1)%n][0])
	}
	slices.SortFunc(order, func(a, b int32) int {
		switch {
		case lo[a] < lo[b]:
			return -1
		case lo[a] > lo[b]:
			return 1
		}
		return int(a - b)
	})
	budget := budgetPerEdge*n + 4096
	var active []int32
	for _, e := range order {
		a, b := pts[e], pts[(int(e)+1)%n]
		x := lo[e]
		// Drop the edges that end before this one starts.
		k := 0
		for _, f := range active {
			if max(pts[f][0], pts[(int(f)+1)%n][0]) >= x {
				active[k] = f
				k++
			}
		}
		active = active[:k]
		ylo, yhi := min(a[1], b[1]), max(a[1], b[1])
		for _, f := range active {
			if budget--; budget < 0 {
				return fmt.Errorf("%w: %d vertices", ErrTooComplex, n)
			}
			c, d := pts[f], pts[(int(f)+1)%n]
			if max(c[1], d[1]) < ylo || min(c[1], d[1]) > yhi {
				continue
			}
			if adjacent(int(e), int(f), n) {
				// Consecutive edges share a vertex; they may not fold back
				// over each other.
				if overlapCollinear(a, b, c, d) {
					return fmt.Errorf("%w: edges %d and %d fold back at (%g, %g)", ErrSelfIntersection, min(e, f)+1, max(e, f)+1, shared(a, b, c, d)[0], shared(a, b, c, d)[1])
				}
				continue
			}
			if p, ok := meet(a, b, c, d); ok {
				return fmt.Errorf("%w: edges %d and %d meet at (%g, %g)", ErrSelfIntersection, min(e, f)+1, max(e, f)+1, p[0], p[1])
			}
		}
		active = append(active, e)
	}
	return nil
}

func adjacent(i, j, n int) bool {
	return (i+1)%n == j || (j+1)%n == i
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func sign(v float64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// onSegment reports whether p, collinear with a-b, lies within it.
func onSegment(a, b, p orb.Point) bool {
	return p[0] >= min(a[0], b[0]) && p[0] <= max(a[0], b[0]) && p[1] >= min(a[1], b[1]) && p[1] <= max(a[1], b[1])
}

// meet reports whether segments a-b and c-d share a point, and one such.
func meet(a, b, c, d orb.Point) (orb.Point, bool) {
	d1, d2 := sign(orient(c, d, a)), sign(orient(c, d, b))
	d3, d4 := sign(orient(a, b, c)), sign(orient(a, b, d))
	if d1*d2 < 0 && d3*d4 < 0 {
		t := orient(c, d, a) / (orient(c, d, a) - orient(c, d, b))
		return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}, true
	}
	switch {
	case d1 == 0 && onSegment(c, d, a):
		return a, true
	case d2 == 0 && onSegment(c, d, b):
		return b, true
	case d3 == 0 && onSegment(a, b, c):
		return c, true
	case d4 == 0 && onSegment(a, b, d):
		return d, true
	}
	return orb.Point{}, false
}

// overlapCollinear reports whether consecutive edges a-b and c-d (sharing
// one vertex) run back over each other.
func overlapCollinear(a, b, c, d orb.Point) bool {
	if orient(a, b, c) != 0 || orient(a, b, d) != 0 {
		return false
	}
	s := shared(a, b, c, d)
	u := a
	if u == s {
		u = b
	}
	v := c
	if v == s {
		v = d
	}
	// Same direction from the shared vertex: they overlap.
	return (u[0]-s[0])*(v[0]-s[0])+(u[1]-s[1])*(v[1]-s[1]) > 0
}

func shared(a, b, c, d orb.Point) orb.Point {
	if a == c || a == d {
		return a
	}
	return b
}

// CheckPolygon checks every ring of a Polygon or MultiPolygon (other
// geometries pass), returning the first error with the ring's position.
func CheckPolygon(g orb.Geometry) error {
	var polys []orb.Polygon
	switch g := g.(type) {
	case orb.Polygon:
		polys = []orb.Polygon{g}
	case orb.MultiPolygon:
		polys = g
	}
	for pi, p := range polys {
		for ri, r := range p {
			if err := CheckRing(r); err != nil {
				where := "exterior ring"
				if ri > 0 {
					where = fmt.Sprintf("hole %d", ri)
				}
				if len(polys) > 1 {
					where = fmt.Sprintf("polygon %d %s", pi+1, where)
				}
				return fmt.Errorf("%s: %w", where, err)
			}
		}
	}
	return nil
}
