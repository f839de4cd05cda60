package index_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/planar"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/index"
)

// TestAtMatchesBruteForce compares At with orb's planar predicates over
// every feature: polygons (with holes) by containment, lines and points by
// distance in metres in the local frame.
func TestAtMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 6))
	l := mixedLayer(t, 3000, false, rng)
	for q := range 300 {
		p := orb.Point{103 + 2*rng.Float64(), 20.5 + 1.5*rng.Float64()}
		if q%3 == 0 { // near a feature, often inside it
			i := rng.IntN(l.Len())
			if b := l.FeatureBound(i); l.Kind(i) != index.KindNone {
				p = orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
			}
		}
		tol := 200 * rng.Float64()
		mx, my := index.MetresPerDegree(p[1])
		var got, want []int
		l.At(p, tol, func(i int) bool { got = append(got, i); return true })
		for i := range l.Len() {
			g := l.Geometry(i)
			hit := false
			switch g := g.(type) {
			case orb.Polygon:
				hit = planar.PolygonContains(g, p)
			case orb.MultiPolygon:
				hit = planar.MultiPolygonContains(g, p)
			case nil:
			default:
				local := orb.Clone(g)
				local = scale(local, p, mx, my)
				hit = planar.DistanceFrom(local, orb.Point{0, 0}) <= tol
			}
			if hit {
				want = append(want, i)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("query %d at %v tol %.1f m: got %v, want %v", q, p, tol, got, want)
		}
	}
}

func scale(g orb.Geometry, p orb.Point, mx, my float64) orb.Geometry {
	f := func(q orb.Point) orb.Point { return orb.Point{(q[0] - p[0]) * mx, (q[1] - p[1]) * my} }
	switch g := g.(type) {
	case orb.Point:
		return f(g)
	case orb.MultiPoint:
		for k := range g {
			g[k] = f(g[k])
		}
	case orb.LineString:
		for k := range g {
			g[k] = f(g[k])
		}
	case orb.MultiLineString:
		for _, ls := range g {
			for k := range ls {
				ls[k] = f(ls[k])
			}
		}
	}
	return g
}

func TestAtHole(t *testing.T) {
	l := mixedLayer(t, 5, false, rand.New(rand.NewPCG(1, 1)))
	// Feature 4 is a square with a triangular hole (see mixedLayer).
	b := l.FeatureBound(4)
	x, y := b.Min[0], b.Min[1]
	found := func(p orb.Point) bool {
		hit := false
		l.At(p, 0, func(i int) bool { hit = hit || i == 4; return true })
		return hit
	}
	if !found(orb.Point{x + 0.001, y + 0.001}) {
		t.Error("a point in the polygon is not found")
	}
	if found(orb.Point{x + 0.0035, y + 0.0025}) {
		t.Error("a point in the hole is found")
	}
	if !found(orb.Point{x + 0.003, y + 0.002}) {
		t.Error("a point on the hole's edge (touching the polygon) is not found")
	}
}

func TestIntersectingMatchesClip(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 7))
	l := mixedLayer(t, 3000, false, rng)
	for q := range 300 {
		x, y := 103+2*rng.Float64(), 20.5+1.5*rng.Float64()
		d := 0.03 * rng.Float64()
		b := orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + d, y + d*rng.Float64()}}
		var got, want []int
		l.Intersecting(b, func(i int) bool { got = append(got, i); return true })
		for i := range l.Len() {
			g := l.Geometry(i)
			if g == nil || !g.Bound().Intersects(b) {
				continue
			}
			if c := clip.Geometry(b, orb.Clone(g)); c != nil && !orb.Equal(c, emptyOf(c)) {
				want = append(want, i)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("query %d %v: got %v, want %v", q, b, got, want)
		}
	}
}

func emptyOf(g orb.Geometry) orb.Geometry {
	switch g.(type) {
	case orb.MultiPoint:
		return orb.MultiPoint{}
	case orb.LineString:
		return orb.LineString{}
	case orb.MultiLineString:
		return orb.MultiLineString{}
	case orb.Polygon:
		return orb.Polygon{}
	case orb.MultiPolygon:
		return orb.MultiPolygon{}
	}
	return nil
}

// BenchmarkAt answers point queries in process at random places over a
// layer of square parcels: the index side of "what is planned here?"
// (candidates from the R-tree, then the exact test), no HTTP. Its peer is
// PointIn, the older query that builds an orb geometry per candidate.
func BenchmarkAt(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 0))
	l, _ := randomLayer(b, 100_000, rng)
	pts := make([]orb.Point, 4096)
	for k := range pts {
		pts[k] = orb.Point{103 + 2*rng.Float64(), 20.5 + 1.5*rng.Float64()}
	}
	for _, bm := range []struct {
		name string
		q    func(p orb.Point, fn func(int) bool)
	}{
		{"At", func(p orb.Point, fn func(int) bool) { l.At(p, 3, fn) }},
		{"PointIn", func(p orb.Point, fn func(int) bool) { l.PointIn(p, 3e-5, fn) }},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			found := 0
			for i := 0; b.Loop(); i++ {
				bm.q(pts[i%len(pts)], func(int) bool { found++; return true })
			}
			if found == 0 {
				b.Fatal("nothing found")
			}
		})
	}
}

// TestAtLongRings checks At on long rings (those with latitude bands): on
// overlapping star polygons of 64 to 400 vertices (a hole in some) it
// equals orb's planar containment at random points near them. The bands'
// exactness at vertices and on edges is TestBands's.
func TestAtLongRings(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 11))
	star := func(cx, cy, r float64, n int) orb.Ring {
		ring := make(orb.Ring, n+1)
		for k := range n {
			a := 2 * math.Pi * float64(k) / float64(n)
			d := r * (0.5 + rng.Float64())
			ring[k] = orb.Point{cx + d*math.Cos(a), cy + d*math.Sin(a)}
		}
		ring[n] = ring[0]
		return ring
	}
	b := index.NewBuilder(feature.LayerInfo{Name: "stars"})
	var polys []orb.Polygon
	for i := range 40 {
		cx, cy := 103+0.2*rng.Float64(), 21+0.2*rng.Float64()
		p := orb.Polygon{star(cx, cy, 0.03, 64+rng.IntN(340))}
		if i%3 == 0 {
			h := star(cx, cy, 0.005, 70)
			slices.Reverse(h)
			p = append(p, h)
		}
		polys = append(polys, p)
		if err := b.Add(&feature.Feature{Row: int64(i + 1), Geometry: p}); err != nil {
			t.Fatal(err)
		}
	}
	l := b.Layer()
	check := func(p orb.Point) {
		t.Helper()
		var got, want []int
		l.At(p, 0, func(i int) bool { got = append(got, i); return true })
		for i, poly := range polys {
			if planar.PolygonContains(poly, p) || onBoundary(poly, p) {
				want = append(want, i)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("At(%v) = %v, want %v", p, got, want)
		}
	}
	for range 3000 {
		check(orb.Point{102.95 + 0.3*rng.Float64(), 20.95 + 0.3*rng.Float64()})
	}
}

// onBoundary reports whether p is exactly on an edge of poly, by the same
// collinearity test as At (planar.PolygonContains leaves edges undefined).
func onBoundary(poly orb.Polygon, p orb.Point) bool {
	for _, r := range poly {
		for k := 0; k+1 < len(r); k++ {
			a, c := r[k], r[k+1]
			if (p[0]-a[0])*(c[1]-a[1]) == (c[0]-a[0])*(p[1]-a[1]) &&
				min(a[0], c[0]) <= p[0] && p[0] <= max(a[0], c[0]) && min(a[1], c[1]) <= p[1] && p[1] <= max(a[1], c[1]) {
				return true
			}
		}
	}
	return false
}
