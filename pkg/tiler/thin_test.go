package tiler_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/tiler"
)

// TestThinPoints: below the max zoom no two points drawn in a tile are
// closer than the thinning distance, the higher ranked of a pair is the
// one kept, and at the max zoom every point is drawn.
func TestThinPoints(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t, 9), 0))
	var fs []*feature.Feature
	for n := range 400 {
		p := orb.Point{103.90 + rng.Float64()*0.02, 21.31 + rng.Float64()*0.02}
		fs = append(fs, &feature.Feature{Row: int64(n + 1), Geometry: p, Properties: feature.Properties{"hang": int64(rng.IntN(5))}})
	}
	schema := feature.Schema{Fields: []feature.Field{{Name: "hang", Type: feature.Int}}}
	l, err := index.Build(feature.LayerInfo{Name: "cong_trinh", Schema: schema}, &sliceReader{fs: fs})
	if err != nil {
		t.Fatal(err)
	}
	const thin = 12.0
	tl, err := tiler.New([]tiler.Layer{{Name: "cong_trinh", Data: l, MinZoom: 12, MaxZoom: 16, Thin: thin, Rank: "hang"}}, tiler.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tiles, stats := runAll(t, tl)
	drawn := map[int]int{}
	for k, bt := range tiles {
		var pts []orb.Point
		for _, ly := range bt.layers {
			for _, f := range ly.Features {
				p := f.Geometry.(orb.Point)
				if p[0] < 0 || p[1] < 0 || p[0] >= 4096 || p[1] >= 4096 {
					continue // in the buffer: counted in its own tile
				}
				pts = append(pts, p)
			}
		}
		drawn[k[0]] += len(pts)
		if k[0] == 16 {
			continue
		}
		min := thin * 16 // tile units
		for a := range pts {
			for b := a + 1; b < len(pts); b++ {
				if d := math.Hypot(pts[a][0]-pts[b][0], pts[a][1]-pts[b][1]); d < min-1.5 {
					t.Errorf("%v: two points %.1f units apart, under %v", k, d, min)
				}
			}
		}
	}
	if drawn[16] != 400 {
		t.Errorf("z16 draws %d points, want all 400", drawn[16])
	}
	for z := 12; z < 16; z++ {
		if drawn[z] >= drawn[z+1] && z+1 < 16 {
			t.Errorf("z%d draws %d points, z%d %d: thinning should keep fewer further out", z, drawn[z], z+1, drawn[z+1])
		}
		if stats.Zooms[z].Thinned == 0 {
			t.Errorf("z%d: nothing thinned", z)
		}
	}
	t.Logf("points drawn per zoom: %v", drawn)
}

// TestThinKeepsHigherRank: of two facilities a few metres apart, the
// higher ranked is the one drawn below the max zoom, whatever their order.
func TestThinKeepsHigherRank(t *testing.T) {
	for _, ranks := range [][2]int64{{1, 5}, {5, 1}} {
		fs := []*feature.Feature{
			{Row: 1, ID: int64(10), Geometry: orb.Point{103.9000, 21.3200}, Properties: feature.Properties{"hang": ranks[0]}},
			{Row: 2, ID: int64(20), Geometry: orb.Point{103.9001, 21.3200}, Properties: feature.Properties{"hang": ranks[1]}},
		}
		schema := feature.Schema{Fields: []feature.Field{{Name: "hang", Type: feature.Int}}}
		l, err := index.Build(feature.LayerInfo{Name: "p", Schema: schema}, &sliceReader{fs: fs})
		if err != nil {
			t.Fatal(err)
		}
		tl := tiler.Must(tiler.New([]tiler.Layer{{Name: "p", Data: l, MinZoom: 14, MaxZoom: 18, Thin: 12, Rank: "hang"}}, tiler.Options{}))
		tiles, _ := runAll(t, tl)
		want := 20.0
		if ranks[0] > ranks[1] {
			want = 10
		}
		for k, bt := range tiles {
			if k[0] != 14 {
				continue
			}
			for _, ly := range bt.layers {
				if len(ly.Features) != 1 || ly.Features[0].ID != any(want) {
					t.Errorf("ranks %v, %v: drawn %d features, first id %v %T props %v, want only id %v", ranks, k, len(ly.Features), ly.Features[0].ID, ly.Features[0].ID, ly.Features[0].Properties, want)
				}
			}
		}
	}
}
