package index_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/ingest"
)

// This file holds what the PostGIS comparison and the query benchmarks
// share: loading a source file the way `plantile build` does, and the
// exact geometry/box predicate that the index does not have (Search
// compares bounding boxes only).

// loadLayer reads the only layer at path through pkg/ingest (CRS from the
// .prj or GeoJSON, reprojected to WGS 84 with PROJ) into a new index
// layer, as `plantile build` does. Bad records are kept without geometry.
func loadLayer(tb testing.TB, path string) *index.Layer {
	tb.Helper()
	layers, err := ingest.Open(path, ingest.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	if len(layers) != 1 {
		tb.Fatalf("%s: %d layers, want 1", path, len(layers))
	}
	r, err := layers[0].Features(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	b := index.NewBuilder(layers[0].Info())
	for {
		f, err := r.Read()
		if f == nil {
			if errors.Is(err, io.EOF) {
				break
			}
			tb.Fatalf("%s: %v", path, err)
		}
		if err := b.Add(f); err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
	}
	return b.Layer()
}

// intersectsBox reports whether g and the closed box b share a point, as
// PostGIS's ST_Intersects(g, ST_MakeEnvelope(b)) does: a point inside or
// on the box, a segment crossing or touching it, or a polygon (holes
// excluded) containing it.
func intersectsBox(g orb.Geometry, b orb.Bound) bool {
	switch g := g.(type) {
	case orb.Point:
		return b.Contains(g)
	case orb.MultiPoint:
		for _, p := range g {
			if b.Contains(p) {
				return true
			}
		}
	case orb.LineString:
		return lineHitsBox(g, b)
	case orb.MultiLineString:
		for _, ls := range g {
			if lineHitsBox(ls, b) {
				return true
			}
		}
	case orb.Polygon:
		return polygonHitsBox(g, b)
	case orb.MultiPolygon:
		for _, p := range g {
			if polygonHitsBox(p, b) {
				return true
			}
		}
	}
	return false
}

func lineHitsBox(ls []orb.Point, b orb.Bound) bool {
	if len(ls) == 1 {
		return b.Contains(ls[0])
	}
	for k := 1; k < len(ls); k++ {
		if segmentHitsBox(ls[k-1], ls[k], b) {
			return true
		}
	}
	return false
}

// polygonHitsBox: either a ring's boundary meets the box (which covers a
// polygon inside the box), or it does not and the box lies wholly in the
// polygon's interior or wholly outside it, which any one corner tells.
func polygonHitsBox(p orb.Polygon, b orb.Bound) bool {
	for _, r := range p {
		if lineHitsBox(r, b) {
			return true
		}
	}
	return len(p) > 0 && planar.PolygonContains(p, b.Min)
}

// segmentHitsBox clips segment a-c to the closed box b (Liang-Barsky).
func segmentHitsBox(a, c orb.Point, b orb.Bound) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := c[0]-a[0], c[1]-a[1]
	clip := func(p, q float64) bool { // keep t with p*t <= q
		if p == 0 {
			return q >= 0
		}
		r := q / p
		if p < 0 {
			if r > t1 {
				return false
			}
			t0 = max(t0, r)
		} else {
			if r < t0 {
				return false
			}
			t1 = min(t1, r)
		}
		return true
	}
	return clip(-dx, a[0]-b.Min[0]) && clip(dx, b.Max[0]-a[0]) &&
		clip(-dy, a[1]-b.Min[1]) && clip(dy, b.Max[1]-a[1])
}

// TestIntersectsBox checks the exact predicate on hand-made cases,
// boundaries and holes included.
func TestIntersectsBox(t *testing.T) {
	donut := orb.Polygon{
		{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}},
		{{3, 3}, {3, 7}, {7, 7}, {7, 3}, {3, 3}},
	}
	box := func(x0, y0, x1, y1 float64) orb.Bound {
		return orb.Bound{Min: orb.Point{x0, y0}, Max: orb.Point{x1, y1}}
	}
	tests := []struct {
		name string
		g    orb.Geometry
		b    orb.Bound
		want bool
	}{
		{"box in the hole", donut, box(4, 4, 6, 6), false},
		{"box in the ring", donut, box(1, 1, 2, 2), true},
		{"box around the polygon", donut, box(-1, -1, 11, 11), true},
		{"box touching the hole's edge", donut, box(4, 4, 7, 6), true},
		{"box outside, bounds overlap", orb.Polygon{{{0, 0}, {10, 0}, {0, 10}, {0, 0}}}, box(6, 6, 9, 9), false},
		{"box touching the outer corner", donut, box(10, 10, 12, 12), true},
		{"line crossing without a vertex inside", orb.LineString{{-1, 5}, {11, 5}}, box(4, 4, 6, 6), true},
		{"line passing by a corner", orb.LineString{{0, 3}, {3, 0}}, box(2, 2, 4, 4), false},
		{"diagonal line through the corner", orb.LineString{{0, 4}, {4, 0}}, box(2, 2, 4, 4), true},
		{"point on the edge", orb.Point{2, 3}, box(2, 2, 4, 4), true},
		{"multipoint outside", orb.MultiPoint{{1, 1}, {5, 5}}, box(2, 2, 4, 4), false},
		{"multipolygon second part", orb.MultiPolygon{{{{20, 20}, {21, 20}, {21, 21}, {20, 20}}}, donut}, box(8, 8, 9, 9), true},
	}
	for _, tt := range tests {
		if got := intersectsBox(tt.g, tt.b); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
