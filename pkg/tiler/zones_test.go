package tiler_test

import (
	"bytes"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/planar"

	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/tiler"
)

// tileXY projects lon/lat to the tile coordinates (0..extent) of z/x/y.
func tileXY(p orb.Point, z, x, y, extent int) orb.Point {
	mx, my := index.Mercator(p[0], p[1])
	s := math.Exp2(float64(z)) * float64(extent)
	return orb.Point{mx*s - float64(x*extent), my*s - float64(y*extent)}
}

// exactShares computes, from the index's own coordinates clipped to the
// tile proper in floating point, the area of each ma_dat code in tile
// units².
func exactShares(l *index.Layer, z, x, y, extent int) (map[string]float64, float64) {
	out := map[string]float64{}
	var total float64
	n := math.Exp2(float64(z))
	lon0, lat1 := index.LonLat(float64(x)/n, float64(y)/n)
	lon1, lat0 := index.LonLat(float64(x+1)/n, float64(y+1)/n)
	tb := orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{float64(extent), float64(extent)}}
	l.Search(orb.Bound{Min: orb.Point{lon0, lat0}, Max: orb.Point{lon1, lat1}}, func(i int) bool {
		p, ok := l.Geometry(i).(orb.Polygon)
		if !ok {
			return true
		}
		var tp orb.Polygon
		for _, r := range p {
			var tr orb.Ring
			for _, q := range r {
				tr = append(tr, tileXY(q, z, x, y, extent))
			}
			tp = append(tp, tr)
		}
		c := clip.Polygon(tb, tp)
		if c == nil {
			return true
		}
		a := planar.Area(c)
		out[l.Properties(i)["ma_dat"].(string)] += a
		total += a
		return true
	})
	return out, total
}

// TestZonesFidelity dissolves a cadastre of many small parcels with
// random codes (the worst case: few neighbours share a code) and checks,
// tile by tile and independently of the tiler's own measure, that each
// code's area share in the zones drawn is within 2 percentage points of
// its share in the exact data.
func TestZonesFidelity(t *testing.T) {
	g := parcelGrid{lon: 103.88, lat: 21.30, nx: 150, ny: 100, cell: 0.0001, jitter: 0.25, seed: seed(t, 3)}
	l := buildLayer(t, "thua_dat", g.features())
	tl, err := tiler.New([]tiler.Layer{{Name: "thua_dat", Data: l, MinZoom: 11, MaxZoom: 17, Dissolve: "ma_dat", DetailZoom: 16}}, tiler.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tiles, stats := runAll(t, tl)
	const extent = 4096
	scored := 0
	for k, bt := range tiles {
		z, x, y := k[0], k[1], k[2]
		if z >= 16 {
			if bt.Dissolved != 0 || bt.Fidelity != -1 {
				t.Errorf("%v: detail zoom tile has dissolved %d, fidelity %v", k, bt.Dissolved, bt.Fidelity)
			}
			continue
		}
		gen := map[string]float64{}
		var genTotal float64
		zones := 0
		for _, ly := range bt.layers {
			for _, f := range ly.Features {
				code, _ := f.Properties["ma_dat"].(string)
				if _, ok := f.Properties["zone_parcels"]; !ok || code == "" {
					t.Fatalf("%v: feature without zone attributes: %v", k, f.Properties)
				}
				if f.ID != nil {
					t.Errorf("%v: zone carries id %v", k, f.ID)
				}
				zones++
				for _, p := range polygonsOf(f.Geometry) {
					checkPolygon(t, "zone", p)
					c := clip.Polygon(orb.Bound{Max: orb.Point{extent, extent}}, p.Clone())
					if c != nil {
						a := planar.Area(c)
						gen[code] += a
						genTotal += a
					}
				}
			}
		}
		exact, exactTotal := exactShares(l, z, x, y, extent)
		if exactTotal < 64*16*16 {
			continue
		}
		scored++
		worst := 0.0
		for code, a := range exact {
			worst = math.Max(worst, 100*math.Abs(a/exactTotal-gen[code]/genTotal))
		}
		for code, a := range gen {
			if _, ok := exact[code]; !ok {
				worst = math.Max(worst, 100*a/genTotal)
			}
		}
		if worst > 2 {
			t.Errorf("%v: a code's share is %.2f percentage points off", k, worst)
		}
		if math.Abs(worst-bt.Fidelity) > 0.5 {
			t.Errorf("%v: the tiler reports %.2f pp, measured %.2f", k, bt.Fidelity, worst)
		}
		if zones >= 15000 {
			t.Errorf("%v: %d zones for 15000 parcels", k, zones)
		}
	}
	if scored == 0 {
		t.Fatal("no tile scored")
	}
	for z := 11; z < 16; z++ {
		if s := stats.Zooms[z]; s.Dissolved != 15000 {
			t.Errorf("z%d: dissolved %d, want every parcel once", z, s.Dissolved)
		}
	}
	t.Logf("%d tiles scored", scored)
}

// TestZonesShrinkTiles checks what zones are for: at overview zooms the
// tiles are much smaller than parcel by parcel, while the detail zoom is
// unchanged byte for byte.
func TestZonesShrinkTiles(t *testing.T) {
	g := parcelGrid{lon: 103.88, lat: 21.30, nx: 120, ny: 80, cell: 0.0002, jitter: 0.2, seed: seed(t, 5)}
	fs := g.features()
	// Blocks of codes, as plans have them.
	for i, f := range fs {
		col, row := i%g.nx, i/g.nx
		f.Properties["ma_dat"] = codes[(col/6+row/4)%len(codes)]
	}
	l := buildLayer(t, "thua_dat", fs)
	build := func(dissolve string, workers int) map[[3]int]builtTile {
		tl, err := tiler.New([]tiler.Layer{{Name: "thua_dat", Data: l, MinZoom: 12, MaxZoom: 16, Dissolve: dissolve, DetailZoom: 15}}, tiler.Options{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		out, _ := runAll(t, tl)
		return out
	}
	plain, zoned, zoned1 := build("", 2), build("ma_dat", 2), build("ma_dat", 1)
	bytesAt := func(m map[[3]int]builtTile, z int) (n int) {
		for k, v := range m {
			if k[0] == z {
				n += len(v.Data)
			}
		}
		return n
	}
	for z := 12; z <= 14; z++ {
		p, d := bytesAt(plain, z), bytesAt(zoned, z)
		t.Logf("z%d: %d bytes parcel by parcel, %d as zones", z, p, d)
		if d*3 > p {
			t.Errorf("z%d: zones take %d bytes, parcels %d: want at least 3 times smaller", z, d, p)
		}
	}
	for k, v := range plain {
		if k[0] >= 15 && !bytes.Equal(v.Data, zoned[k].Data) {
			t.Errorf("%v: detail tile changed by zones", k)
		}
	}
	for k, v := range zoned {
		if !bytes.Equal(v.Data, zoned1[k].Data) {
			t.Errorf("%v: zones differ with 1 and 2 workers", k)
		}
	}
}

func TestZonesOptions(t *testing.T) {
	g := parcelGrid{lon: 103.88, lat: 21.30, nx: 4, ny: 4, cell: 0.001, seed: 1}
	l := buildLayer(t, "thua_dat", g.features())
	if _, err := tiler.New([]tiler.Layer{{Name: "thua_dat", Data: l, MaxZoom: 14, Dissolve: "khong_co"}}, tiler.Options{}); err == nil {
		t.Error("dissolving by a missing field was accepted")
	}
	if z := tiler.DefaultDetailZoom(l); z < 10 || z > 14 {
		// 0.001° parcels (about 100 m) cover 4x4 pixels from z12 or so.
		t.Errorf("DefaultDetailZoom = %d for 100 m parcels", z)
	}
}
