package cql2

import (
	"github.com/paulmach/orb"
)

// GeometryIntersects reports whether a and b share at least one point, in
// the plane (longitude, latitude as x, y, like PostGIS's ST_Intersects on
// geometry): boundaries touching count, a polygon's holes are not part
// of it. a and b may be any orb geometry, orb.Bound included; empty ones
// intersect nothing.
//
// Two geometries intersect when a point of one lies in or on the other,
// or a segment of one meets a segment of the other; when no segments
// meet, each line or polygon lies wholly inside or wholly outside each
// polygon of the other, so testing its first vertex decides.
func GeometryIntersects(a, b orb.Geometry) bool {
	if a == nil || b == nil {
		return false
	}
	if !a.Bound().Intersects(b.Bound()) {
		return false
	}
	// A point on either side (the "what is planned here?" query, point
	// layers) is decided without taking the other geometry apart.
	if p, ok := b.(orb.Point); ok {
		return coversPoint(a, p)
	}
	if p, ok := a.(orb.Point); ok {
		return coversPoint(b, p)
	}
	var pa, pb parts
	pa.add(a)
	pb.add(b)
	if pa.empty() || pb.empty() {
		return false
	}
	return pa.touches(&pb) || pb.touches(&pa) || pa.segmentsMeet(&pb)
}

// parts is a geometry taken apart: points, polylines and polygons.
type parts struct {
	pts   []orb.Point
	lines [][]orb.Point
	polys []orb.Polygon
}

func (p *parts) empty() bool { return len(p.pts) == 0 && len(p.lines) == 0 && len(p.polys) == 0 }

func (p *parts) add(g orb.Geometry) {
	switch g := g.(type) {
	case orb.Point:
		p.pts = append(p.pts, g)
	case orb.MultiPoint:
		p.pts = append(p.pts, g...)
	case orb.LineString:
		p.addLine(g)
	case orb.MultiLineString:
		for _, l := range g {
			p.addLine(l)
		}
	case orb.Ring:
		p.addPolygon(orb.Polygon{g})
	case orb.Polygon:
		p.addPolygon(g)
	case orb.MultiPolygon:
		for _, pg := range g {
			p.addPolygon(pg)
		}
	case orb.Bound:
		p.addPolygon(g.ToPolygon())
	case orb.Collection:
		for _, c := range g {
			p.add(c)
		}
	}
}

func (p *parts) addLine(l []orb.Point) {
	switch len(l) {
	case 0:
	case 1:
		p.pts = append(p.pts, l[0])
	default:
		p.lines = append(p.lines, l)
	}
}

func (p *parts) addPolygon(pg orb.Polygon) {
	if len(pg) == 0 || len(pg[0]) == 0 {
		return
	}
	if len(pg[0]) < 3 {
		// Degenerate: a point or a segment.
		p.addLine(pg[0])
		return
	}
	p.polys = append(p.polys, pg)
}

// touches reports whether a point of p lies in or on q, or a line or
// polygon of p has its first vertex in a polygon of q.
func (p *parts) touches(q *parts) bool {
	for _, pt := range p.pts {
		if q.covers(pt) {
			return true
		}
	}
	for _, l := range p.lines {
		for _, pg := range q.polys {
			if polygonCovers(pg, l[0]) {
				return true
			}
		}
	}
	for _, pg := range p.polys {
		for _, qg := range q.polys {
			if polygonCovers(qg, pg[0][0]) {
				return true
			}
		}
	}
	return false
}

// coversPoint reports whether pt lies in or on g; the same answer as
// parts.covers after parts.add, without allocating.
func coversPoint(g orb.Geometry, pt orb.Point) bool {
	switch g := g.(type) {
	case orb.Point:
		return g == pt
	case orb.MultiPoint:
		for _, p := range g {
			if p == pt {
				return true
			}
		}
	case orb.LineString:
		return lineCovers(g, pt)
	case orb.MultiLineString:
		for _, l := range g {
			if lineCovers(l, pt) {
				return true
			}
		}
	case orb.Ring:
		return polygonLikeCovers(orb.Polygon{g}, pt)
	case orb.Polygon:
		return polygonLikeCovers(g, pt)
	case orb.MultiPolygon:
		for _, p := range g {
			if polygonLikeCovers(p, pt) {
				return true
			}
		}
	case orb.Bound:
		return g.Contains(pt)
	case orb.Collection:
		for _, c := range g {
			if coversPoint(c, pt) {
				return true
			}
		}
	}
	return false
}

// lineCovers treats a one-point line as a point, as parts.addLine does.
func lineCovers(l []orb.Point, pt orb.Point) bool {
	if len(l) == 1 {
		return l[0] == pt
	}
	for i := 1; i < len(l); i++ {
		if onSegment(l[i-1], l[i], pt) {
			return true
		}
	}
	return false
}

// polygonLikeCovers treats degenerate polygons as parts.addPolygon does.
func polygonLikeCovers(pg orb.Polygon, pt orb.Point) bool {
	if len(pg) == 0 || len(pg[0]) == 0 {
		return false
	}
	if len(pg[0]) < 3 {
		return lineCovers(pg[0], pt)
	}
	return polygonCovers(pg, pt)
}

// covers reports whether pt lies in or on any part of q.
func (q *parts) covers(pt orb.Point) bool {
	for _, o := range q.pts {
		if o == pt {
			return true
		}
	}
	for _, l := range q.lines {
		for i := 1; i < len(l); i++ {
			if onSegment(l[i-1], l[i], pt) {
				return true
			}
		}
	}
	for _, pg := range q.polys {
		if polygonCovers(pg, pt) {
			return true
		}
	}
	return false
}

// segmentsMeet reports whether a segment of p (lines and rings) meets a
// segment of q.
func (p *parts) segmentsMeet(q *parts) bool {
	qb := q.bound()
	met := false
	p.segments(func(a, b orb.Point) bool {
		sb := orb.Bound{Min: a, Max: a}.Extend(b)
		if !sb.Intersects(qb) {
			return true
		}
		q.segments(func(c, d orb.Point) bool {
			if segmentsIntersect(a, b, c, d) {
				met = true
			}
			return !met
		})
		return !met
	})
	return met
}

func (p *parts) bound() orb.Bound {
	b := orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{-1, -1}}
	first := true
	ext := func(pt orb.Point) {
		if first {
			b = orb.Bound{Min: pt, Max: pt}
			first = false
			return
		}
		b = b.Extend(pt)
	}
	for _, l := range p.lines {
		for _, pt := range l {
			ext(pt)
		}
	}
	for _, pg := range p.polys {
		for _, r := range pg {
			for _, pt := range r {
				ext(pt)
			}
		}
	}
	return b
}

// segments calls fn for every segment of the lines and rings of p until
// fn returns false. Rings are closed here if their data is not.
func (p *parts) segments(fn func(a, b orb.Point) bool) {
	for _, l := range p.lines {
		for i := 1; i < len(l); i++ {
			if !fn(l[i-1], l[i]) {
				return
			}
		}
	}
	for _, pg := range p.polys {
		for _, r := range pg {
			n := len(r)
			for i := 0; i < n; i++ {
				j := (i + 1) % n
				if i == n-1 && r[0] == r[n-1] {
					break
				}
				if !fn(r[i], r[j]) {
					return
				}
			}
		}
	}
}

// polygonCovers reports whether pt is inside pg or on its boundary
// (exterior or hole rings): inside the exterior and not strictly inside
// any hole.
func polygonCovers(pg orb.Polygon, pt orb.Point) bool {
	in, on := ringLocate(pg[0], pt)
	if on {
		return true
	}
	if !in {
		return false
	}
	for _, h := range pg[1:] {
		in, on := ringLocate(h, pt)
		if on {
			return true
		}
		if in {
			return false
		}
	}
	return true
}

// ringLocate tells in one pass over the ring whether pt lies on its
// boundary and, if not, whether it is inside (crossing-number test).
func ringLocate(r orb.Ring, pt orb.Point) (in, on bool) {
	n := len(r)
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		a, b := r[i], r[j]
		if pt[1] >= min(a[1], b[1]) && pt[1] <= max(a[1], b[1]) &&
			pt[0] >= min(a[0], b[0]) && pt[0] <= max(a[0], b[0]) && orient(a, b, pt) == 0 {
			return false, true
		}
		if (a[1] > pt[1]) != (b[1] > pt[1]) &&
			pt[0] < (b[0]-a[0])*(pt[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in, false
}

// orient is the sign of the cross product (b-a) x (c-a).
func orient(a, b, c orb.Point) int {
	v := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// onSegment reports whether p lies on the closed segment ab.
func onSegment(a, b, p orb.Point) bool {
	if orient(a, b, p) != 0 {
		return false
	}
	return p[0] >= min(a[0], b[0]) && p[0] <= max(a[0], b[0]) &&
		p[1] >= min(a[1], b[1]) && p[1] <= max(a[1], b[1])
}

// segmentsIntersect reports whether closed segments ab and cd share a
// point.
func segmentsIntersect(a, b, c, d orb.Point) bool {
	o1, o2 := orient(a, b, c), orient(a, b, d)
	o3, o4 := orient(c, d, a), orient(c, d, b)
	if o1 != o2 && o3 != o4 && o1*o2 <= 0 && o3*o4 <= 0 {
		return true
	}
	return onSegment(a, b, c) || onSegment(a, b, d) || onSegment(c, d, a) || onSegment(c, d, b)
}
