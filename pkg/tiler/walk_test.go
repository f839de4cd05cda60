package tiler_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/geom"
	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/tiler"
)

// bboxCover lists the tiles of zoom z that the features' bounds plus the
// buffer touch: what Run visited before it walked the geometry, and so a
// superset of the tiles that can hold anything.
func bboxCover(l *index.Layer, z int, buffer float64) [][2]int {
	n := 1 << z
	bw := buffer * 16 / 4096
	set := map[[2]int]bool{}
	clamp := func(v int) int { return max(0, min(n-1, v)) }
	for i := range l.Len() {
		if l.Kind(i) == index.KindNone {
			continue
		}
		b := l.MercatorBound(i)
		for x := clamp(int(math.Floor(b.Min[0]*float64(n) - bw))); x <= clamp(int(math.Floor(b.Max[0]*float64(n)+bw))); x++ {
			for y := clamp(int(math.Floor(b.Min[1]*float64(n) - bw))); y <= clamp(int(math.Floor(b.Max[1]*float64(n)+bw))); y++ {
				set[[2]int{x, y}] = true
			}
		}
	}
	var out [][2]int
	for k := range set {
		out = append(out, k)
	}
	return out
}

// TestWalkKeepsEveryTile checks that walking the geometry loses no tile:
// every tile of the features' bounding boxes that comes out non-empty
// (built directly) is one that Run builds, with the same bytes. The data
// are chosen to sit on tile borders: points, lines and concave polygons
// scattered at random around a tile corner, parcels, and the districts.
func TestWalkKeepsEveryTile(t *testing.T) {
	s := seed(t, 21)
	rng := rand.New(rand.NewPCG(s, 1))
	// Tile 12/3230/1800's north-west corner, in lon/lat.
	lon0, lat0 := index.LonLat(3230.0/4096, 1800.0/4096)
	near := func() orb.Point {
		return orb.Point{lon0 + (rng.Float64()-0.5)*0.002, lat0 + (rng.Float64()-0.5)*0.002}
	}
	var pts, lines, polys []*feature.Feature
	for i := range 300 {
		pts = append(pts, &feature.Feature{Row: int64(i + 1), Geometry: near()})
		lines = append(lines, &feature.Feature{Row: int64(i + 1), Geometry: orb.LineString{near(), near(), near()}})
		c := near()
		d := 0.0002 * rng.Float64()
		// a U opening east: concave, so that clipping leaves zero-width runs
		u := orb.Ring{{c[0], c[1]}, {c[0] + 3*d, c[1]}, {c[0] + 3*d, c[1] + d}, {c[0] + d, c[1] + d}, {c[0] + d, c[1] + 2*d},
			{c[0] + 3*d, c[1] + 2*d}, {c[0] + 3*d, c[1] + 3*d}, {c[0], c[1] + 3*d}, {c[0], c[1]}}
		polys = append(polys, &feature.Feature{Row: int64(i + 1), Geometry: orb.Polygon{u}})
	}
	parcels := parcelGrid{lon: 103.90, lat: 21.31, nx: 20, ny: 20, cell: 0.0004, jitter: 0.2, seed: s}.features()
	layers := map[string]*index.Layer{
		"points":   buildLayer(t, "points", pts),
		"lines":    buildLayer(t, "lines", lines),
		"polygons": buildLayer(t, "polygons", polys),
		"parcels":  buildLayer(t, "parcels", parcels),
		"huyen":    districts(t),
	}
	for name, l := range layers {
		t.Run(name, func(t *testing.T) {
			minZ, maxZ := 10, 17
			if name == "huyen" {
				minZ, maxZ = 6, 12
			}
			tl := tiler.Must(tiler.New([]tiler.Layer{{Name: name, Data: l, MinZoom: minZ, MaxZoom: maxZ}}, tiler.Options{}))
			got := map[[3]int][]byte{}
			if _, err := tl.Run(context.Background(), func(tile tiler.Tile) error {
				got[[3]int{tile.Z, tile.X, tile.Y}] = tile.Data
				return nil
			}, nil); err != nil {
				t.Fatal(err)
			}
			bboxTiles, nonEmpty := 0, 0
			for z := minZ; z <= maxZ; z++ {
				for _, c := range bboxCover(l, z, tiler.DefaultBuffer) {
					bboxTiles++
					want := tl.Build(z, c[0], c[1])
					if want.Data == nil {
						continue
					}
					nonEmpty++
					if g, ok := got[[3]int{z, c[0], c[1]}]; !ok {
						t.Errorf("tile %d/%d/%d holds %d features but Run did not build it", z, c[0], c[1], want.Features)
					} else if string(g) != string(want.Data) {
						t.Errorf("tile %d/%d/%d differs", z, c[0], c[1])
					}
				}
			}
			if nonEmpty != len(got) {
				t.Errorf("Run wrote %d tiles, the bounding boxes hold %d non-empty", len(got), nonEmpty)
			}
			t.Logf("%d tiles of bounding boxes, %d non-empty", bboxTiles, nonEmpty)
		})
	}
}

// spike is a parcel one of whose vertices was mistyped as (0, 0): a thin
// triangle from Son La to the Gulf of Guinea.
func spike() *feature.Feature {
	return &feature.Feature{Row: 101, ID: int64(101), Geometry: orb.Polygon{{{103.9, 21.3}, {103.9003, 21.3}, {0, 0}, {103.9, 21.3}}}}
}

// TestWalkFollowsGeometry: a parcel with a stray vertex at (0, 0) used to
// make Run visit every tile of its bounding box (25 million from z8 to
// z16); it now visits those its thin spike crosses, and a world-wide
// polygon is refused by Plan before any tile is built, its work bounded by
// the limit.
func TestWalkFollowsGeometry(t *testing.T) {
	fs := parcelGrid{lon: 103.90, lat: 21.31, nx: 10, ny: 10, cell: 0.0004, seed: 1}.features()
	fs = append(fs, spike())
	l := buildLayer(t, "thua_dat", fs)
	tl := tiler.Must(tiler.New([]tiler.Layer{{Name: "thua_dat", Data: l, MinZoom: 8, MaxZoom: 16}}, tiler.Options{MaxTiles: 200_000}))
	counts, err := tl.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	total, bbox := 0, 0.0
	sb := l.MercatorBound(l.Len() - 1)
	for z, n := range counts {
		total += n
		s := math.Exp2(float64(z))
		bbox += math.Ceil((sb.Max[0]-sb.Min[0])*s) * math.Ceil((sb.Max[1]-sb.Min[1])*s)
		// The spike is about 105° long and thin: the tiles it crosses at
		// z are about 2^z * 105/360 * 1.5 (diagonal), plus the parcels'.
		if limit := int(math.Exp2(float64(z))*0.3*1.5) + 50; n > limit {
			t.Errorf("z%d: %d tiles, want at most %d", z, n, limit)
		}
	}
	t.Logf("%d tiles visited; the spike's bounding box alone spans %.0f", total, bbox)

	world := buildLayer(t, "world", []*feature.Feature{{Row: 1, ID: int64(7), Geometry: orb.Polygon{{{-180, -85}, {180, -85}, {180, 85}, {-180, 85}, {-180, -85}}}}})
	tw := tiler.Must(tiler.New([]tiler.Layer{{Name: "world", Data: world, MinZoom: 0, MaxZoom: 16}}, tiler.Options{MaxTiles: 100_000}))
	n := 0
	_, err = tw.Run(context.Background(), func(tiler.Tile) error { n++; return nil }, nil)
	if !errors.Is(err, tiler.ErrTooManyTiles) || !strings.Contains(err.Error(), "100000") || !strings.Contains(err.Error(), "id 7") {
		t.Errorf("world polygon: err = %v, want ErrTooManyTiles naming the limit and feature id 7", err)
	}
	if n != 0 {
		t.Errorf("%d tiles built before the limit was found", n)
	}
}

func TestOptionsRanges(t *testing.T) {
	l := buildLayer(t, "x", parcelGrid{lon: 104, lat: 21, nx: 1, ny: 1, cell: 0.001}.features())
	layers := []tiler.Layer{{Name: "x", Data: l, MinZoom: 10, MaxZoom: 12}}
	for _, tt := range []struct {
		name string
		opts tiler.Options
		want string
	}{
		{"buffer", tiler.Options{Buffer: 1e9}, "buffer"},
		{"buffer NaN", tiler.Options{Buffer: math.NaN()}, "buffer"},
		{"workers", tiler.Options{Workers: 2000}, "workers"},
		{"negative workers", tiler.Options{Workers: -1}, "workers"},
		{"tile bytes", tiler.Options{MaxTileBytes: 10}, "max tile bytes"},
		{"huge tile bytes", tiler.Options{MaxTileBytes: 1 << 40}, "max tile bytes"},
		{"tile features", tiler.Options{MaxTileFeatures: -5}, "max tile features"},
		{"tiny", tiler.Options{TinyPolygon: 1e12}, "tiny polygon"},
		{"max tiles", tiler.Options{MaxTiles: -1}, "max tiles"},
		{"extent", tiler.Options{Extent: 1 << 20}, "extent"},
		{"union work", tiler.Options{UnionMaxWork: -1}, "union max work"},
		{"union edges", tiler.Options{UnionMaxEdges: 1 << 30}, "union max edges"},
		{"union values", tiler.Options{UnionMaxValues: 1 << 16}, "union max values"},
	} {
		_, err := tiler.New(layers, tt.opts)
		if !errors.Is(err, tiler.ErrOptions) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want ErrOptions about %s", tt.name, err, tt.want)
		}
	}
}

// TestSkipsSelfIntersecting: a bowtie polygon, which MVT 2.1 forbids, is
// left out of every tile and listed by Skipped; its valid neighbour is
// tiled.
func TestSkipsSelfIntersecting(t *testing.T) {
	fs := []*feature.Feature{
		{Row: 1, ID: int64(1), Geometry: orb.Polygon{{{103.9, 21.3}, {103.901, 21.3}, {103.901, 21.301}, {103.9, 21.301}, {103.9, 21.3}}}},
		{Row: 2, ID: int64(2), Geometry: orb.Polygon{{{103.902, 21.3}, {103.903, 21.301}, {103.903, 21.3}, {103.902, 21.301}, {103.902, 21.3}}}},
	}
	l := buildLayer(t, "p", fs)
	tl := tiler.Must(tiler.New([]tiler.Layer{{Name: "p", Data: l, MinZoom: 12, MaxZoom: 16}}, tiler.Options{}))
	sk := tl.Skipped()
	if len(sk) != 1 || sk[0].ID != 2 || !errors.Is(sk[0].Err, geom.ErrSelfIntersection) {
		t.Fatalf("Skipped = %+v, want feature 2", sk)
	}
	tiles, _ := runAll(t, tl)
	seen1 := false
	for k, bt := range tiles {
		for _, f := range bt.layers[0].Features {
			switch f.ID.(float64) {
			case 1:
				seen1 = true
			case 2:
				t.Errorf("tile %v carries the bowtie", k)
			}
		}
	}
	if !seen1 {
		t.Error("the valid polygon is missing")
	}
}
