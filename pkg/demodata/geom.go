package demodata

import "math"

// pt is a position in TM-3 metres (X easting, Y northing).
type pt struct{ X, Y float64 }

func (a pt) add(b pt) pt        { return pt{a.X + b.X, a.Y + b.Y} }
func (a pt) sub(b pt) pt        { return pt{a.X - b.X, a.Y - b.Y} }
func (a pt) scale(k float64) pt { return pt{a.X * k, a.Y * k} }
func (a pt) cross(b pt) float64 { return a.X*b.Y - a.Y*b.X }
func (a pt) length() float64    { return math.Hypot(a.X, a.Y) }
func (a pt) rounded() pt        { return pt{round(a.X, 2), round(a.Y, 2)} }
func round(v float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(v*p) / p
}

// signedArea is positive for counter-clockwise rings (open: last point is
// not the first).
func signedArea(ring []pt) float64 {
	var a float64
	for i := range ring {
		j := (i + 1) % len(ring)
		a += ring[i].X*ring[j].Y - ring[j].X*ring[i].Y
	}
	return a / 2
}

// ccw returns ring counter-clockwise, without repeated consecutive points.
func ccw(ring []pt) []pt {
	out := make([]pt, 0, len(ring))
	for _, p := range ring {
		if len(out) > 0 && out[len(out)-1] == p {
			continue
		}
		out = append(out, p)
	}
	for len(out) > 1 && out[0] == out[len(out)-1] {
		out = out[:len(out)-1]
	}
	if signedArea(out) < 0 {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out
}

func centroid(ring []pt) pt {
	var c pt
	for _, p := range ring {
		c = c.add(p)
	}
	return c.scale(1 / float64(len(ring)))
}

// intersect returns the intersection of the line through a with direction
// da and the line through b with direction db.
func intersect(a, da, b, db pt) pt {
	den := da.cross(db)
	if math.Abs(den) < 1e-12 {
		return a
	}
	t := b.sub(a).cross(db) / den
	return a.add(da.scale(t))
}

// offset moves the directed line a→b to its left (inside a ccw ring) by d.
func offset(a, b pt, d float64) (pt, pt) {
	dir := b.sub(a)
	n := pt{-dir.Y, dir.X}.scale(d / dir.length())
	return a.add(n), dir
}

// inRing reports whether p is inside the ring (even-odd rule).
func inRing(p pt, ring []pt) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		a, b := ring[i], ring[j]
		if (a.Y > p.Y) != (b.Y > p.Y) && p.X < (b.X-a.X)*(p.Y-a.Y)/(b.Y-a.Y)+a.X {
			in = !in
		}
	}
	return in
}
