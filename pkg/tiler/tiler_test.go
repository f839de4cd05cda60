package tiler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/planar"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/tiler"
)

type builtTile struct {
	tiler.Tile
	layers mvt.Layers
}

func runAll(t *testing.T, tl *tiler.Tiler) (map[[3]int]builtTile, tiler.Stats) {
	t.Helper()
	out := map[[3]int]builtTile{}
	stats, err := tl.Run(context.Background(), func(tile tiler.Tile) error {
		ls, err := mvt.UnmarshalGzipped(tile.Data)
		if err != nil {
			t.Errorf("tile %d/%d/%d does not decode: %v", tile.Z, tile.X, tile.Y, err)
		}
		k := [3]int{tile.Z, tile.X, tile.Y}
		if _, dup := out[k]; dup {
			t.Errorf("tile %v put twice", k)
		}
		out[k] = builtTile{tile, ls}
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out, stats
}

// checkPolygon fails when a decoded polygon is not valid MVT 2.1: an
// exterior with positive area in tile coordinates (orb calls that CCW,
// its y axis pointing up), holes negative, every ring of 3+ distinct
// points.
func checkPolygon(t *testing.T, where string, p orb.Polygon) {
	t.Helper()
	for k, r := range p {
		if len(r) < 4 {
			t.Errorf("%s: ring %d has %d points", where, k, len(r))
		}
		want := orb.CW
		if k == 0 {
			want = orb.CCW
		}
		if r.Orientation() != want {
			t.Errorf("%s: ring %d has the wrong winding", where, k)
		}
	}
}

func polygonsOf(g orb.Geometry) []orb.Polygon {
	switch g := g.(type) {
	case orb.Polygon:
		return []orb.Polygon{g}
	case orb.MultiPolygon:
		return g
	}
	return nil
}

func TestParcelTiles(t *testing.T) {
	g := parcelGrid{lon: 103.90, lat: 21.31, nx: 60, ny: 40, cell: 0.0004, jitter: 0.2, seed: seed(t, 1)}
	fs := g.features()
	l := buildLayer(t, "thua_dat", fs)
	tl, err := tiler.New([]tiler.Layer{{Name: "thua_dat", Data: l, MinZoom: 10, MaxZoom: 16}}, tiler.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tiles, stats := runAll(t, tl)
	if len(tiles) == 0 {
		t.Fatal("no tiles")
	}
	seen := map[uint64]bool{}
	for k, bt := range tiles {
		if len(bt.Data) > tiler.DefaultMaxTileBytes {
			t.Errorf("tile %v: %d bytes", k, len(bt.Data))
		}
		if len(bt.layers) != 1 || bt.layers[0].Name != "thua_dat" || bt.layers[0].Extent != 4096 || bt.layers[0].Version != 2 {
			t.Fatalf("tile %v: unexpected layers %+v", k, bt.layers)
		}
		for _, f := range bt.layers[0].Features {
			for _, p := range polygonsOf(f.Geometry) {
				checkPolygon(t, "tile", p)
			}
			if len(polygonsOf(f.Geometry)) == 0 {
				t.Errorf("tile %v: feature %v is a %T", k, f.ID, f.Geometry)
			}
			if k[0] == 16 {
				seen[uint64(f.ID.(float64))] = true
				src := fs[int(f.ID.(float64))-1000]
				if f.Properties["ma_dat"] != src.Properties["ma_dat"] || f.Properties["so_thua"] != float64(src.Properties["so_thua"].(int64)) ||
					f.Properties["quy_hoach"] != src.Properties["quy_hoach"] || f.Properties["dien_tich"] != src.Properties["dien_tich"] {
					t.Fatalf("feature %v: properties %v, source %v", f.ID, f.Properties, src.Properties)
				}
				if _, ok := f.Properties["ghi_chu"]; ok != (src.Properties["ghi_chu"] != nil) {
					t.Fatalf("feature %v: nil property mishandled: %v", f.ID, f.Properties)
				}
			}
		}
	}
	if len(seen) != len(fs) {
		t.Errorf("max zoom holds %d distinct features, source %d", len(seen), len(fs))
	}
	for z, zs := range stats.Zooms {
		if zs.Tiles == 0 {
			t.Errorf("zoom %d: no tiles", z)
		}
		if zs.Dropped != 0 {
			t.Errorf("zoom %d: %d features dropped under default caps", z, zs.Dropped)
		}
	}
}

// TestSharedEdges checks that parcels which tile a rectangle still tile it
// after snapping, clipping and cleaning, in every tile of every zoom: the
// areas of the tile's polygons add up exactly to the rectangle's share of
// the tile, and sample points fall in exactly one polygon inside the
// rectangle and in none outside. A gap or an overlap fails one of the two.
func TestSharedEdges(t *testing.T) {
	s := seed(t, 2)
	for _, tc := range []struct {
		name string
		g    parcelGrid
	}{
		{"regular", parcelGrid{lon: 103.90, lat: 21.31, nx: 30, ny: 20, cell: 0.0008, jitter: 0, seed: s}},
		{"jittered", parcelGrid{lon: 103.9013, lat: 21.3107, nx: 30, ny: 20, cell: 0.0008, jitter: 0.25, seed: s}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := buildLayer(t, "p", tc.g.features())
			tl, err := tiler.New([]tiler.Layer{{Name: "p", Data: l, MinZoom: 11, MaxZoom: 18}}, tiler.Options{TinyPolygon: -1})
			if err != nil {
				t.Fatal(err)
			}
			tiles, _ := runAll(t, tl)
			b := tc.g.bound()
			rng := rand.New(rand.NewPCG(s, 3))
			for k, bt := range tiles {
				z, x, y := k[0], k[1], k[2]
				// The rectangle in tile units, snapped like the vertices.
				scale := 4096 * math.Exp2(float64(z))
				x0, y1 := index.Mercator(b.Min[0], b.Min[1])
				x1, y0 := index.Mercator(b.Max[0], b.Max[1])
				sn := func(v float64, o int) float64 { return math.Floor(v*scale+0.5) - float64(o*4096) }
				rx0, rx1, ry0, ry1 := sn(x0, x), sn(x1, x), sn(y0, y), sn(y1, y)
				clip := 80.0
				cx0, cx1 := math.Max(rx0, -clip), math.Min(rx1, 4096+clip)
				cy0, cy1 := math.Max(ry0, -clip), math.Min(ry1, 4096+clip)
				want := math.Max(0, cx1-cx0) * math.Max(0, cy1-cy0)
				var got float64
				var polys []orb.Polygon
				for _, f := range bt.layers[0].Features {
					for _, p := range polygonsOf(f.Geometry) {
						checkPolygon(t, "tile", p)
						got += planar.Area(p)
						polys = append(polys, p)
					}
				}
				if got != want {
					t.Fatalf("tile %v: polygons cover %.0f units², the parcels' rectangle %.0f", k, got, want)
				}
				for range 300 {
					pt := orb.Point{cx0 + (cx1-cx0)*rng.Float64(), cy0 + (cy1-cy0)*rng.Float64()}
					n := 0
					for _, p := range polys {
						if p.Bound().Contains(pt) && planar.PolygonContains(p, pt) {
							n++
						}
					}
					if n != 1 {
						t.Fatalf("tile %v: point %v lies in %d polygons", k, pt, n)
					}
				}
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	g := parcelGrid{lon: 103.90, lat: 21.31, nx: 40, ny: 40, cell: 0.0003, jitter: 0.2, seed: seed(t, 3)}
	l := buildLayer(t, "thua_dat", g.features())
	var runs [2]map[[3]int]builtTile
	for i, w := range []int{1, 2} {
		tl, err := tiler.New([]tiler.Layer{{Name: "thua_dat", Data: l, MinZoom: 8, MaxZoom: 15}}, tiler.Options{Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		runs[i], _ = runAll(t, tl)
	}
	if len(runs[0]) != len(runs[1]) {
		t.Fatalf("%d tiles then %d", len(runs[0]), len(runs[1]))
	}
	for k, a := range runs[0] {
		if !bytes.Equal(a.Data, runs[1][k].Data) {
			t.Errorf("tile %v differs between runs", k)
		}
	}
}

// TestCaps builds dense tiles under small caps: no tile may exceed them,
// and the features dropped must be the smallest.
func TestCaps(t *testing.T) {
	g := parcelGrid{lon: 103.90, lat: 21.31, nx: 100, ny: 100, cell: 0.0002, jitter: 0.3, seed: seed(t, 4)}
	l := buildLayer(t, "thua_dat", g.features())
	tests := []struct {
		name string
		opts tiler.Options
	}{
		{"bytes", tiler.Options{MaxTileBytes: 30_000}},
		{"features", tiler.Options{MaxTileFeatures: 500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl, err := tiler.New([]tiler.Layer{{Name: "thua_dat", Data: l, MinZoom: 12, MaxZoom: 16}}, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			tiles, stats := runAll(t, tl)
			o := tl.Options()
			uncapped := tiler.Must(tiler.New([]tiler.Layer{{Name: "thua_dat", Data: l, MinZoom: 12, MaxZoom: 16}}, tiler.Options{MaxTileBytes: tiler.MaxMaxTileBytes, MaxTileFeatures: tiler.MaxMaxTileFeatures}))
			var dropped int64
			for _, zs := range stats.Zooms {
				dropped += zs.Dropped
			}
			if dropped == 0 {
				t.Fatal("nothing was dropped: the test does not exercise the caps")
			}
			for k, bt := range tiles {
				if len(bt.Data) > o.MaxTileBytes || len(bt.layers[0].Features) > o.MaxTileFeatures {
					t.Errorf("tile %v: %d bytes, %d features", k, len(bt.Data), len(bt.layers[0].Features))
				}
				if bt.Dropped == 0 {
					continue
				}
				// The features dropped are the smallest: rebuild the tile
				// without caps and compare areas.
				all, err := mvt.UnmarshalGzipped(uncapped.Build(k[0], k[1], k[2]).Data)
				if err != nil {
					t.Fatal(err)
				}
				kept := map[any]bool{}
				for _, f := range bt.layers[0].Features {
					kept[f.ID] = true
				}
				minKept, maxDropped := math.Inf(1), 0.0
				for _, f := range all[0].Features {
					if a := planar.Area(f.Geometry); kept[f.ID] {
						minKept = math.Min(minKept, a)
					} else {
						maxDropped = math.Max(maxDropped, a)
					}
				}
				if len(all[0].Features)-len(kept) != bt.Dropped || maxDropped > minKept {
					t.Errorf("tile %v: %d of %d dropped (reported %d); largest dropped %.0f, smallest kept %.0f",
						k, len(all[0].Features)-len(kept), len(all[0].Features), bt.Dropped, maxDropped, minKept)
				}
			}
		})
	}
}

// TestTinyPolygons checks that, below the max zoom, parcels too small to
// draw are not lost: their total area is carried by pixel squares.
func TestTinyPolygons(t *testing.T) {
	g := parcelGrid{lon: 103.90, lat: 21.31, nx: 80, ny: 80, cell: 0.00015, jitter: 0.2, seed: seed(t, 5)}
	l := buildLayer(t, "thua_dat", g.features())
	tl, err := tiler.New([]tiler.Layer{{Name: "thua_dat", Data: l, MinZoom: 9, MaxZoom: 16}}, tiler.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tiles, stats := runAll(t, tl)
	for _, z := range []int{9, 10, 11} {
		var area float64
		n := 0
		for k, bt := range tiles {
			if k[0] != z {
				continue
			}
			for _, f := range bt.layers[0].Features {
				area += planar.Area(f.Geometry)
				n++
			}
		}
		// The parcels' area in tile units at z.
		b := g.bound()
		x0, y1 := index.Mercator(b.Min[0], b.Min[1])
		x1, y0 := index.Mercator(b.Max[0], b.Max[1])
		s := 4096 * math.Exp2(float64(z))
		want := (x1 - x0) * (y1 - y0) * s * s
		if n == 0 || math.Abs(area-want) > 0.1*want+256 {
			t.Errorf("zoom %d: %d features of %.0f units², parcels cover %.0f", z, n, area, want)
		}
		if stats.Zooms[z].Coalesced == 0 {
			t.Errorf("zoom %d: no parcel was coalesced", z)
		}
	}
}

func TestOptionsErrors(t *testing.T) {
	l := buildLayer(t, "x", parcelGrid{lon: 104, lat: 21, nx: 1, ny: 1, cell: 0.001}.features())
	tests := []struct {
		name   string
		layers []tiler.Layer
		opts   tiler.Options
	}{
		{"no layers", nil, tiler.Options{}},
		{"no name", []tiler.Layer{{Data: l, MaxZoom: 10}}, tiler.Options{}},
		{"twice", []tiler.Layer{{Name: "a", Data: l}, {Name: "a", Data: l}}, tiler.Options{}},
		{"zooms", []tiler.Layer{{Name: "a", Data: l, MinZoom: 12, MaxZoom: 10}}, tiler.Options{}},
		{"extent", []tiler.Layer{{Name: "a", Data: l}}, tiler.Options{Extent: 1000}},
	}
	for _, tt := range tests {
		if _, err := tiler.New(tt.layers, tt.opts); err == nil {
			t.Errorf("%s: New succeeded", tt.name)
		}
	}
}

func TestDefaultMaxZoom(t *testing.T) {
	tests := []struct {
		b    orb.Bound
		min  int
		want int
	}{
		{orb.Bound{Min: orb.Point{103.5, 21}, Max: orb.Point{104.5, 21.6}}, 8, 15}, // Son La: 0.28 m at z15
		{orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}, 8, 15},
		{orb.Bound{Min: orb.Point{0, 60}, Max: orb.Point{1, 60}}, 8, 14},
		{orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}, 17, 17},
	}
	for _, tt := range tests {
		if got := tiler.DefaultMaxZoom(tt.b, 0, 0, tt.min); got != tt.want {
			t.Errorf("DefaultMaxZoom(%v) = %d, want %d", tt.b, got, tt.want)
		}
	}
}

// TestRunStops checks that Run returns the put error, and the context's,
// without building the remaining tiles.
func TestRunStops(t *testing.T) {
	l := buildLayer(t, "p", parcelGrid{lon: 103.90, lat: 21.31, nx: 40, ny: 40, cell: 0.0003, seed: 1}.features())
	tl := tiler.Must(tiler.New([]tiler.Layer{{Name: "p", Data: l, MinZoom: 10, MaxZoom: 16}}, tiler.Options{}))
	boom := errors.New("disk full")
	n := 0
	_, err := tl.Run(context.Background(), func(tiler.Tile) error {
		n++
		if n == 3 {
			return boom
		}
		return nil
	}, nil)
	if !errors.Is(err, boom) || n != 3 {
		t.Errorf("Run = %v after %d puts, want %v after 3", err, n, boom)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := 0
	_, err = tl.Run(ctx, func(tiler.Tile) error { return nil }, func(d, total int) {
		if done = d; d == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run after cancel = %v, want context.Canceled", err)
	}
	total := 0
	for z := 10; z <= 16; z++ {
		total += len(tl.Cover(z))
	}
	if done >= total {
		t.Errorf("cancelled Run still built all %d tiles", total)
	}
}

// TestPropertyTypes checks how each property type reaches the tile, as a
// client decodes it.
func TestPropertyTypes(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want any // as orb decodes it; nil: absent
	}{
		{"string", "Đất ở tại đô thị", "Đất ở tại đô thị"},
		{"int", int64(42), float64(42)},
		{"negative int", int64(-7), float64(-7)},
		{"float", 1234.5, 1234.5},
		{"bool", true, true},
		{"date", "2024-03-15", "2024-03-15"},
		{"json", json.RawMessage(`{"tang":5}`), `{"tang":5}`},
		{"nil", nil, nil},
	}
	var fs []*feature.Feature
	for i, tt := range tests {
		fs = append(fs, &feature.Feature{Row: int64(i + 1), Geometry: orb.Point{104 + float64(i)*1e-4, 21.3},
			Properties: feature.Properties{"v": tt.v}})
	}
	l, err := index.Build(feature.LayerInfo{Name: "p"}, &sliceReader{fs: fs})
	if err != nil {
		t.Fatal(err)
	}
	tl := tiler.Must(tiler.New([]tiler.Layer{{Name: "p", Data: l, MinZoom: 10, MaxZoom: 10}}, tiler.Options{}))
	tiles, _ := runAll(t, tl)
	got := map[float64]any{}
	for _, bt := range tiles {
		for _, f := range bt.layers[0].Features {
			if _, dup := got[f.ID.(float64)]; !dup {
				got[f.ID.(float64)] = f.Properties["v"]
			}
		}
	}
	for i, tt := range tests {
		v, ok := got[float64(i+1)]
		if !ok {
			t.Errorf("%s: feature missing", tt.name)
		} else if v != tt.want {
			t.Errorf("%s: decoded %#v, want %#v", tt.name, v, tt.want)
		}
	}
}
