package index

import (
	"math"

	"github.com/paulmach/orb"
)

// MetresPerDegree returns the length in metres of one degree of longitude
// and of latitude at latitude lat on the WGS 84 ellipsoid (the usual series
// expansion, good to a centimetre per degree).
func MetresPerDegree(lat float64) (lon, latm float64) {
	r := lat * math.Pi / 180
	lon = 111412.84*math.Cos(r) - 93.5*math.Cos(3*r) + 0.118*math.Cos(5*r)
	latm = 111132.92 - 559.82*math.Cos(2*r) + 1.175*math.Cos(4*r) - 0.0023*math.Cos(6*r)
	return lon, latm
}

// At calls fn with every feature at p (lon/lat), in R-tree order, until fn
// returns false: polygons that contain p or have it on their boundary
// (exact point-in-polygon, holes excluded), and lines and points within
// tol metres of it. Distances are measured in a local metric frame at p's
// latitude (metres per degree of longitude and latitude on WGS 84), exact
// enough for tolerances up to a few kilometres. It answers "what is
// planned here?" without allocating per candidate.
func (l *Layer) At(p orb.Point, tol float64, fn func(i int) bool) {
	tol = max(tol, 0)
	mx, my := MetresPerDegree(p[1])
	dx, dy := tol/mx, tol/my
	b := orb.Bound{Min: orb.Point{p[0] - dx, p[1] - dy}, Max: orb.Point{p[0] + dx, p[1] + dy}}
	l.Search(b, func(i int) bool {
		if l.hitAt(i, p, tol, mx, my) {
			return fn(i)
		}
		return true
	})
}

func (l *Layer) hitAt(i int, p orb.Point, tol, mx, my float64) bool {
	switch l.kinds[i].Dimension() {
	case 2:
		g0, g1 := int(l.featGroup[i]), int(l.featGroup[i+1])
		for g := g0; g < g1; g++ {
			r0, r1 := int(l.groupRing[g]), int(l.groupRing[g+1])
			if r0 == r1 {
				continue
			}
			in, edge := ringContains(l.ringCoords(r0), p, l.bandsOf(r0))
			if !in {
				continue
			}
			if edge {
				return true
			}
			hole := false
			for r := r0 + 1; r < r1 && !hole; r++ {
				hin, hedge := ringContains(l.ringCoords(r), p, l.bandsOf(r))
				hole = hin && !hedge
			}
			if !hole {
				return true
			}
		}
	case 1:
		tol2 := tol * tol
		hit := false
		l.Coordinates(i, func(_ int, c []float64) {
			for j := 0; j+3 < len(c) && !hit; j += 2 {
				hit = segDist2(p, c[j], c[j+1], c[j+2], c[j+3], mx, my) <= tol2
			}
			if len(c) == 2 && !hit {
				hit = segDist2(p, c[0], c[1], c[0], c[1], mx, my) <= tol2
			}
		})
		return hit
	case 0:
		tol2 := tol * tol
		hit := false
		l.Coordinates(i, func(_ int, c []float64) {
			for j := 0; j+1 < len(c) && !hit; j += 2 {
				x, y := (c[j]-p[0])*mx, (c[j+1]-p[1])*my
				hit = x*x+y*y <= tol2
			}
		})
		return hit
	}
	return false
}

// bandsOf returns the latitude bands of ring r (see ringBands), nil when
// it is short.
func (l *Layer) bandsOf(r int) []float32 {
	return l.bands.of(r, int(l.ringPoint[r+1]-l.ringPoint[r]))
}

func (l *Layer) ringCoords(r int) []float64 {
	return l.coords[2*l.ringPoint[r] : 2*l.ringPoint[r+1]]
}

// segDist2 returns the squared distance in metres from p to the segment
// (x0, y0)-(x1, y1), in the local frame of mx, my metres per degree.
func segDist2(p orb.Point, x0, y0, x1, y1, mx, my float64) float64 {
	ax, ay := (x0-p[0])*mx, (y0-p[1])*my
	bx, by := (x1-p[0])*mx, (y1-p[1])*my
	vx, vy := bx-ax, by-ay
	t := 0.0
	if d := vx*vx + vy*vy; d > 0 {
		t = min(1, max(0, -(ax*vx+ay*vy)/d))
	}
	x, y := ax+t*vx, ay+t*vy
	return x*x + y*y
}

// ringContains reports whether p is inside the ring c (flat x,y; closed or
// not) by the crossing rule, and whether it lies exactly on an edge (then
// in is true too).
func ringContains(c []float64, p orb.Point, bands []float32) (in, edge bool) {
	n := len(c) / 2
	if n < 3 {
		return false, false
	}
	x, y := p[0], p[1]
	c = c[:2*n]
	if len(bands) != 2*((n+bandSize-1)/bandSize) {
		bands = nil
	}
	xj, yj := c[2*n-2], c[2*n-1]
	for k0 := 0; k0 < n; k0 += bandSize {
		k1 := n
		if bands != nil {
			k1 = min(k0+bandSize, n)
			b := k0 / bandSize
			if y < float64(bands[2*b]) || y > float64(bands[2*b+1]) {
				// Every edge of the band is above or below p.
				xj, yj = c[2*k1-2], c[2*k1-1]
				continue
			}
		}
		for k := 2 * k0; k < 2*k1; k += 2 {
			xi, yi := c[k], c[k+1]
			// Most edges of a large ring lie wholly above or below p:
			// two comparisons rule out both a crossing and p on the edge.
			if yi < y && yj < y || yi > y && yj > y {
				xj, yj = xi, yi
				continue
			}
			// On the edge: collinear and within its box (y is within it).
			if (x-xi)*(yj-yi) == (xj-xi)*(y-yi) && min(xi, xj) <= x && x <= max(xi, xj) {
				return true, true
			}
			if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
				in = !in
			}
			xj, yj = xi, yi
		}
		if bands == nil {
			break
		}
	}
	return in, false
}

// Intersecting calls fn with every feature whose geometry intersects the
// box b (lon/lat, edges included), in R-tree order, until fn returns false:
// a point inside, a line crossing, a polygon overlapping or containing b.
func (l *Layer) Intersecting(b orb.Bound, fn func(i int) bool) {
	l.tree.searchBoxes(b, func(i int, box []float64) bool {
		// A feature whose box lies inside b intersects it: no exact test.
		if box[0] >= b.Min[0] && box[2] <= b.Max[0] && box[1] >= b.Min[1] && box[3] <= b.Max[1] ||
			l.intersects(i, b) {
			return fn(i)
		}
		return true
	})
}

// intersects is the exact test of Intersecting for a feature whose box
// meets b.
func (l *Layer) intersects(i int, b orb.Bound) bool {
	if l.kinds[i] == KindNone {
		return false
	}
	hit := false
	dim := l.kinds[i].Dimension()
	l.Coordinates(i, func(_ int, c []float64) {
		if hit {
			return
		}
		// A vertex inside decides at once; then only the edges that
		// are not wholly on one outer side of b need clipping.
		for j := 0; j+1 < len(c); j += 2 {
			if b.Contains(orb.Point{c[j], c[j+1]}) {
				hit = true
				return
			}
		}
		if dim == 0 || len(c) < 4 {
			return
		}
		n := len(c)
		for j := 0; j+3 < n+2 && !hit; j += 2 {
			x0, y0 := c[j], c[j+1]
			var x1, y1 float64
			switch {
			case j+3 < n:
				x1, y1 = c[j+2], c[j+3]
			case dim == 2:
				// The closing edge, if the ring is not closed.
				x1, y1 = c[0], c[1]
			default:
				return
			}
			if x0 < b.Min[0] && x1 < b.Min[0] || x0 > b.Max[0] && x1 > b.Max[0] ||
				y0 < b.Min[1] && y1 < b.Min[1] || y0 > b.Max[1] && y1 > b.Max[1] {
				continue
			}
			hit = segmentHitsBox(x0, y0, x1, y1, b)
		}
	})
	if hit || dim != 2 {
		return hit
	}
	// No vertex inside and no edge across: the box is inside the polygon
	// or apart from it. Its centre decides.
	var in bool
	l.hitPolygonAt(i, b.Center(), &in)
	return in
}

func (l *Layer) hitPolygonAt(i int, p orb.Point, in *bool) {
	*in = l.hitAt(i, p, 0, 1, 1)
}

// segmentHitsBox reports whether the segment crosses the box (Liang-Barsky
// clipping).
func segmentHitsBox(x0, y0, x1, y1 float64, b orb.Bound) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := x1-x0, y1-y0
	for _, e := range [4][2]float64{{-dx, x0 - b.Min[0]}, {dx, b.Max[0] - x0}, {-dy, y0 - b.Min[1]}, {dy, b.Max[1] - y0}} {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		r := q / p
		if p < 0 {
			t0 = max(t0, r)
		} else {
			t1 = min(t1, r)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}
