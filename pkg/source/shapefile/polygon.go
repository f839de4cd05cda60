package shapefile

import (
	"sort"

	"github.com/paulmach/orb"
)

// assemblePolygons groups the rings of one Polygon record into polygons.
//
// The specification says a clockwise ring is an exterior and a
// counter-clockwise ring a hole, but does not fix the order of the rings,
// and real files get the orientation wrong. So:
//   - a record with one ring is one polygon, whatever its orientation;
//   - if no ring is clockwise (a writer that reversed everything), rings are
//     nested by containment alone: a ring inside an even number of others
//     is an exterior, inside an odd number a hole of the smallest ring
//     around it;
//   - otherwise each counter-clockwise ring becomes a hole of the smallest
//     clockwise ring that contains it, and one that falls in no exterior
//     becomes an exterior itself.
//
// Output rings follow RFC 7946: exteriors counter-clockwise, holes
// clockwise (reversed in place). One exterior gives an orb.Polygon, more an
// orb.MultiPolygon.
func assemblePolygons(parts [][]orb.Point) orb.Geometry {
	if len(parts) == 1 {
		return orb.Polygon{singleRing(parts[0])}
	}
	rings := make([]ringInfo, len(parts))
	anyCW := false
	for i, p := range parts {
		a := area2(p)
		rings[i] = ringInfo{ring: orb.Ring(p), area: a, bound: orb.MultiPoint(p).Bound(), parent: -1}
		if a < 0 {
			anyCW = true
		}
	}
	if anyCW {
		for i := range rings {
			if rings[i].area < 0 {
				continue // exterior
			}
			best := -1
			for j := range rings {
				if rings[j].area >= 0 || !contains(&rings[j], &rings[i]) {
					continue
				}
				if best < 0 || -rings[j].area < -rings[best].area {
					best = j
				}
			}
			rings[i].parent = best
		}
	} else {
		// Containment only: visit rings from the largest so that parents
		// are placed before their children.
		order := make([]int, len(rings))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return rings[order[a]].area > rings[order[b]].area })
		depth := make([]int, len(rings))
		for k, i := range order {
			best := -1
			for _, j := range order[:k] {
				if contains(&rings[j], &rings[i]) && (best < 0 || rings[j].area < rings[best].area) {
					best = j
				}
			}
			if best >= 0 {
				depth[i] = depth[best] + 1
			}
			if depth[i]%2 == 1 {
				rings[i].parent = best
			}
		}
	}
	// Build polygons in file order of their exteriors.
	polyOf := make([]int, len(rings))
	var mp orb.MultiPolygon
	for i := range rings {
		if rings[i].parent >= 0 {
			continue
		}
		if rings[i].area < 0 {
			reverse(rings[i].ring)
		}
		polyOf[i] = len(mp)
		mp = append(mp, orb.Polygon{rings[i].ring})
	}
	for i := range rings {
		p := rings[i].parent
		if p < 0 {
			continue
		}
		if rings[i].area > 0 {
			reverse(rings[i].ring)
		}
		k := polyOf[p]
		mp[k] = append(mp[k], rings[i].ring)
	}
	if len(mp) == 1 {
		return mp[0]
	}
	return mp
}

// singleRing makes the one ring of a record an exterior, whatever its
// orientation in the file: counter-clockwise.
func singleRing(p []orb.Point) orb.Ring {
	if area2(p) < 0 {
		reverse(p)
	}
	return orb.Ring(p)
}

type ringInfo struct {
	ring   orb.Ring
	area   float64 // twice the signed area: > 0 counter-clockwise
	bound  orb.Bound
	parent int // index of the exterior this ring is a hole of, or -1
}

// area2 is twice the signed area of a closed ring (shoelace formula),
// positive when the ring runs counter-clockwise. Coordinates are taken
// relative to the first point to keep precision with large projected
// values such as VN-2000 northings.
func area2(r []orb.Point) float64 {
	if len(r) < 3 {
		return 0
	}
	x0, y0 := r[0][0], r[0][1]
	s := 0.0
	for i := 1; i+1 < len(r); i++ {
		s += (r[i][0]-x0)*(r[i+1][1]-y0) - (r[i+1][0]-x0)*(r[i][1]-y0)
	}
	return s
}

func reverse(r []orb.Point) {
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
}

// contains reports whether ring in lies inside ring out. It tests the
// vertices of in one by one and decides on the first that is not on the
// boundary of out: rings in a valid file do not cross, so one vertex
// strictly inside or outside settles it. A ring whose every vertex is on
// out's boundary counts as inside.
func contains(out, in *ringInfo) bool {
	if !out.bound.Contains(in.bound.Min) || !out.bound.Contains(in.bound.Max) {
		return false
	}
	for _, p := range in.ring {
		switch pointInRing(out.ring, p) {
		case 1:
			return true
		case -1:
			return false
		}
	}
	return true
}

// pointInRing returns 1 when p is strictly inside r, -1 outside, 0 on the
// boundary (crossing-number test).
func pointInRing(r orb.Ring, p orb.Point) int {
	inside := false
	x, y := p[0], p[1]
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[j], r[i]
		// On the segment a-b?
		cross := (b[0]-a[0])*(y-a[1]) - (b[1]-a[1])*(x-a[0])
		if cross == 0 && x >= min(a[0], b[0]) && x <= max(a[0], b[0]) && y >= min(a[1], b[1]) && y <= max(a[1], b[1]) {
			return 0
		}
		if (a[1] > y) != (b[1] > y) {
			xi := a[0] + (y-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if x < xi {
				inside = !inside
			}
		}
	}
	if inside {
		return 1
	}
	return -1
}
