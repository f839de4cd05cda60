package tiler_test

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/tiler"
)

// overlappingTowns returns two cadastres that overlap over part of their
// area, as the generated towns of the benchmark sets do, with codes in
// blocks (as plans have them) that differ between the towns.
func overlappingTowns(t *testing.T) []*feature.Feature {
	a := parcelGrid{lon: 103.88, lat: 21.30, nx: 60, ny: 40, cell: 0.0002, jitter: 0.2, seed: seed(t, 11)}
	b := parcelGrid{lon: 103.88 + 0.0002*27.3, lat: 21.30 + 0.0002*15.6, nx: 60, ny: 40, cell: 0.00017, jitter: 0.2, seed: 12}
	var fs []*feature.Feature
	for town, g := range []parcelGrid{a, b} {
		for i, f := range g.features() {
			col, row := i%g.nx, i/g.nx
			f.Properties["ma_dat"] = codes[(col/5+row/3+3*town)%len(codes)]
			n := len(fs)
			f.Row, f.ID = int64(n+1), int64(1000+n)
			fs = append(fs, f)
		}
	}
	return fs
}

// TestZonesOverlapping dissolves two overlapping towns. Edge cancellation
// is no union there, so the zones are made on the raster; the test
// checks, by sampling each overview tile independently of the tiler (the
// index's exact polygons, the last in index order on top, as the detail
// tiles draw them), that zones of different codes never overlap, that
// each code's share of the covered area is within 2 percentage points of
// the sampled exact share, that zone polygons are valid MVT, and that the
// overview tiles are much smaller than the polygons drawn whole.
func TestZonesOverlapping(t *testing.T) {
	fs := overlappingTowns(t)
	l := buildLayer(t, "thua_dat", fs)
	tl, err := tiler.New([]tiler.Layer{{Name: "thua_dat", Data: l, MinZoom: 11, MaxZoom: 16, Dissolve: "ma_dat", DetailZoom: 15}}, tiler.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tiles, stats := runAll(t, tl)
	var unions int64
	for z := 11; z < 15; z++ {
		unions += stats.Zooms[z].Unions
		if f := stats.Zooms[z].UnionFallbacks; f != 0 {
			t.Errorf("z%d: %d tiles over the union's limits", z, f)
		}
	}
	if unions == 0 {
		t.Fatal("no tile was zoned on the raster: the towns do not overlap?")
	}
	const extent, n = 4096, 96
	scored := 0
	for k, bt := range tiles {
		z, x, y := k[0], k[1], k[2]
		if z >= 15 {
			continue
		}
		type zonePoly struct {
			code string
			p    orb.Polygon
			b    orb.Bound
		}
		var zs []zonePoly
		for _, ly := range bt.layers {
			for _, f := range ly.Features {
				code, _ := f.Properties["ma_dat"].(string)
				for _, p := range polygonsOf(f.Geometry) {
					checkPolygon(t, "zone", p)
					checkSimple(t, k, p)
					zs = append(zs, zonePoly{code, p, p.Bound()})
				}
			}
		}
		ref, gen := map[string]int{}, map[string]int{}
		refN, genN, overlaps := 0, 0, 0
		s := math.Exp2(float64(z)) * extent
		for j := range n {
			for i := range n {
				tx, ty := (float64(i)+0.31)*extent/n, (float64(j)+0.67)*extent/n
				lon, lat := index.LonLat((float64(x*extent)+tx)/s, (float64(y*extent)+ty)/s)
				q := orb.Point{lon, lat}
				top := -1
				l.Search(orb.Bound{Min: q, Max: q}, func(i int) bool {
					if p, ok := l.Geometry(i).(orb.Polygon); ok && i > top && planar.PolygonContains(p, q) {
						top = i
					}
					return true
				})
				if top >= 0 {
					ref[l.Properties(top)["ma_dat"].(string)]++
					refN++
				}
				hits := 0
				tp := orb.Point{tx, ty}
				for _, zp := range zs {
					if zp.b.Contains(tp) && planar.PolygonContains(zp.p, tp) {
						if hits == 0 {
							gen[zp.code]++
							genN++
						}
						hits++
					}
				}
				if hits > 1 {
					overlaps++
				}
			}
		}
		if overlaps > 0 {
			t.Errorf("%v: zones overlap at %d of %d samples", k, overlaps, n*n)
		}
		if refN < n*n/50 {
			continue
		}
		scored++
		worst := 0.0
		for code := range codes {
			c := codes[code]
			g := 0.0
			if genN > 0 {
				g = float64(gen[c]) / float64(genN)
			}
			worst = math.Max(worst, 100*math.Abs(g-float64(ref[c])/float64(refN)))
		}
		if worst > 2 {
			t.Errorf("%v: a code's share is %.2f percentage points off the exact data (tiler reports %.2f)", k, worst, bt.Fidelity)
		}
		if bt.Fidelity > 2 {
			t.Errorf("%v: the tiler reports %.2f percentage points", k, bt.Fidelity)
		}
		t.Logf("%v: worst share error %.2f pp (tiler: %.2f), %d samples covered by parcels, %d by zones, %d unions", k, worst, bt.Fidelity, refN, genN, bt.Unions)
		if d := math.Abs(float64(genN-refN)) / float64(refN); refN > n*n/10 && d > 0.02 {
			t.Errorf("%v: zones cover %d samples, the parcels %d", k, genN, refN)
		}
	}
	if scored == 0 {
		t.Fatal("no tile scored")
	}
	t.Logf("%d tiles scored, %d unions", scored, unions)
}

// checkSimple fails when two edges of a polygon's rings cross or touch
// other than at shared vertices (exact: the coordinates are integers).
func checkSimple(t *testing.T, k [3]int, p orb.Polygon) {
	t.Helper()
	type seg struct{ a, b orb.Point }
	var segs []seg
	for _, r := range p {
		for i := 0; i+1 < len(r); i++ {
			segs = append(segs, seg{r[i], r[i+1]})
		}
	}
	if len(segs) > 4000 {
		return // quadratic: the fuzz test checks large sets
	}
	cr := func(a, b, c orb.Point) float64 { return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0]) }
	sgn := func(v float64) int {
		switch {
		case v > 0:
			return 1
		case v < 0:
			return -1
		}
		return 0
	}
	for i := range segs {
		for j := i + 1; j < len(segs); j++ {
			a, b, c, d := segs[i].a, segs[i].b, segs[j].a, segs[j].b
			if sgn(cr(a, b, c))*sgn(cr(a, b, d)) < 0 && sgn(cr(c, d, a))*sgn(cr(c, d, b)) < 0 {
				t.Errorf("%v: zone edges %v-%v and %v-%v cross", k, a, b, c, d)
				return
			}
		}
	}
}

// TestZonesUnionLimits: with each of the raster union's limits set below
// what the overlapping towns need, no tile is unioned; the tiles over the
// limit are counted and keep their overlapping polygons whole, so they
// still cover the towns (and weigh more than unioned zones).
func TestZonesUnionLimits(t *testing.T) {
	l := buildLayer(t, "thua_dat", overlappingTowns(t))
	layers := []tiler.Layer{{Name: "thua_dat", Data: l, MinZoom: 11, MaxZoom: 14, Dissolve: "ma_dat", DetailZoom: 15}}
	counts := func(opts tiler.Options) (unions, fallbacks, features, bytes int64) {
		_, stats := runAll(t, tiler.Must(tiler.New(layers, opts)))
		for _, zs := range stats.Zooms {
			unions, fallbacks, features, bytes = unions+zs.Unions, fallbacks+zs.UnionFallbacks, features+zs.Features, bytes+zs.Bytes
		}
		return unions, fallbacks, features, bytes
	}
	unions, fallbacks, _, bytes := counts(tiler.Options{})
	if unions == 0 || fallbacks != 0 {
		t.Fatalf("default limits: %d tiles unioned, %d over the limits; want some unioned, none over", unions, fallbacks)
	}
	for _, tc := range []struct {
		name string
		opts tiler.Options
	}{
		{"work", tiler.Options{UnionMaxWork: 1000}},
		{"edges", tiler.Options{UnionMaxEdges: 10}},
		{"values", tiler.Options{UnionMaxValues: 1}},
	} {
		u, f, n, b := counts(tc.opts)
		if u != 0 || f != unions || n == 0 {
			t.Errorf("%s: %d tiles unioned, %d over the limit, %d features; want 0, %d and some", tc.name, u, f, n, unions)
		}
		if b <= bytes {
			t.Errorf("%s: %d bytes, not more than the %d of the unioned zones", tc.name, b, bytes)
		}
	}
}
