package tiler_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/tiler"
)

// star returns a star-shaped (often concave) ring around c, counter-
// clockwise when ccw.
func star(rng *rand.Rand, c orb.Point, r float64, n int, ccw bool) orb.Ring {
	ring := make(orb.Ring, 0, n+1)
	for k := range n {
		a := 2 * math.Pi * float64(k) / float64(n)
		if !ccw {
			a = -a
		}
		d := r * (0.4 + 0.6*rng.Float64())
		ring = append(ring, orb.Point{c[0] + d*math.Cos(a), c[1] + d*math.Sin(a)})
	}
	return append(ring, ring[0])
}

// randomFeatures mixes every geometry kind, with sizes from sub-pixel to
// several tiles, around Son La.
func randomFeatures(rng *rand.Rand, n int) []*feature.Feature {
	var fs []*feature.Feature
	for i := range n {
		c := orb.Point{103.8 + 0.4*rng.Float64(), 21.2 + 0.3*rng.Float64()}
		r := math.Pow(10, -4.5+3*rng.Float64()) // 3 m to 3 km
		var g orb.Geometry
		switch rng.IntN(6) {
		case 0:
			g = c
		case 1:
			g = orb.MultiPoint{c, {c[0] + r, c[1]}, {c[0], c[1] + r}}
		case 2:
			ls := orb.LineString{c}
			for range 2 + rng.IntN(20) {
				p := ls[len(ls)-1]
				ls = append(ls, orb.Point{p[0] + r*(rng.Float64()-0.5), p[1] + r*(rng.Float64()-0.5)})
			}
			g = ls
		case 3:
			g = orb.MultiLineString{{c, {c[0] + r, c[1] + r}}, {{c[0], c[1] + r}, {c[0] + r, c[1]}}}
		case 4:
			p := orb.Polygon{star(rng, c, r, 5+rng.IntN(30), rng.IntN(2) == 0)}
			if rng.IntN(3) == 0 {
				p = append(p, star(rng, c, r/5, 6, rng.IntN(2) == 0))
			}
			g = p
		default:
			g = orb.MultiPolygon{{star(rng, c, r, 8, true)}, {star(rng, orb.Point{c[0] + 3*r, c[1]}, r, 12, false)}}
		}
		fs = append(fs, &feature.Feature{Row: int64(i + 1), Geometry: g, Properties: feature.Properties{"ma_dat": codes[i%len(codes)], "so_thua": int64(i)}})
	}
	return fs
}

// TestRandomTilesValid builds tiles of random geometries of every kind and
// checks what any MVT client relies on: every tile decodes, polygon rings
// have 3+ distinct points and MVT winding, lines 2+ points, no coordinate
// leaves the buffered tile, no two consecutive vertices repeat, and the
// caps hold.
func TestRandomTilesValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t, 6), 0))
	fs := randomFeatures(rng, 3000)
	l, err := index.Build(feature.LayerInfo{Name: "random"}, &sliceReader{fs: fs})
	if err != nil {
		t.Fatal(err)
	}
	tl, err := tiler.New([]tiler.Layer{{Name: "random", Data: l, MinZoom: 8, MaxZoom: 14}}, tiler.Options{MaxTileBytes: 60_000, MaxTileFeatures: 1500})
	if err != nil {
		t.Fatal(err)
	}
	tiles, _ := runAll(t, tl)
	if len(tiles) < 50 {
		t.Fatalf("only %d tiles", len(tiles))
	}
	const lo, hi = -80, 4096 + 80
	checkLine := func(k [3]int, pts []orb.Point, closed bool) {
		for i, p := range pts {
			if p[0] < lo || p[0] > hi || p[1] < lo || p[1] > hi {
				t.Fatalf("tile %v: %v outside the buffered tile", k, p)
			}
			if i > 0 && p == pts[i-1] {
				t.Fatalf("tile %v: repeated vertex %v", k, p)
			}
		}
		if !closed && len(pts) < 2 {
			t.Fatalf("tile %v: line of %d points", k, len(pts))
		}
	}
	kinds := map[string]bool{}
	for k, bt := range tiles {
		if len(bt.Data) > 60_000 {
			t.Errorf("tile %v: %d bytes", k, len(bt.Data))
		}
		for _, f := range bt.layers[0].Features {
			switch g := f.Geometry.(type) {
			case orb.Point, orb.MultiPoint:
				for _, p := range pointsOf(g) {
					checkLine(k, []orb.Point{p}, true)
				}
			case orb.LineString:
				checkLine(k, g, false)
			case orb.MultiLineString:
				for _, ls := range g {
					checkLine(k, ls, false)
				}
			case orb.Polygon, orb.MultiPolygon:
				for _, p := range polygonsOf(g) {
					checkPolygon(t, "tile", p)
					for _, r := range p {
						checkLine(k, r[:len(r)-1], true)
						if planar.Area(orb.Polygon{r}) == 0 {
							t.Fatalf("tile %v: zero-area ring", k)
						}
					}
				}
			default:
				t.Fatalf("tile %v: geometry %T", k, g)
			}
			kinds[f.Geometry.GeoJSONType()] = true
		}
	}
	if len(kinds) != 6 {
		t.Errorf("tiles hold only %v", kinds)
	}
}

func pointsOf(g orb.Geometry) []orb.Point {
	switch g := g.(type) {
	case orb.Point:
		return []orb.Point{g}
	case orb.MultiPoint:
		return g
	}
	return nil
}
