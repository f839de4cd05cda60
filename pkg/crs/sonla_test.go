package crs_test

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/crs"
	"github.com/sonla-gis/plantile/pkg/source/geojson"
)

// TestSonLaBoundaries moves every vertex of the real Son La district
// boundaries (testdata/sonla/boundaries) to VN-2000 / TM-3 104-00 and back
// in batches, comparing the first leg with cs2cs.
func TestSonLaBoundaries(t *testing.T) {
	l, err := geojson.Open(filepath.Join("..", "..", "testdata", "sonla", "boundaries", "boundaries.geojson"), geojson.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := l.Features()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var gs []orb.Geometry
	var orig []orb.Point
	for {
		f, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		gs = append(gs, f.Geometry)
		orig = append(orig, flatten(orb.Clone(f.Geometry))...)
	}
	c, err := crs.Parse("EPSG:9206")
	if err != nil {
		t.Fatal(err)
	}
	to, err := crs.NewTransformerTo(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := to.Geometries(gs); err != nil {
		t.Fatal(err)
	}
	var en []orb.Point
	for _, g := range gs {
		en = append(en, flatten(g)...)
	}
	ref := cs2cs(t, "OGC:CRS84", "EPSG:9206", orig)
	for i := range en {
		if d := planarApart(en[i], ref[i]); d > 0.01 {
			t.Fatalf("vertex %d %v → %v, cs2cs %v: %.3f m", i, orig[i], en[i], ref[i], d)
		}
	}
	from, err := crs.NewTransformer(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := from.Geometries(gs); err != nil {
		t.Fatal(err)
	}
	var back []orb.Point
	for _, g := range gs {
		back = append(back, flatten(g)...)
	}
	for i := range back {
		if d := metresApart(back[i], orig[i]); d > 0.01 {
			t.Fatalf("vertex %d round trip %v → %v: %.4f m", i, orig[i], back[i], d)
		}
	}
	t.Logf("%d vertices", len(orig))
}

// BenchmarkTransform moves VN-2000 / TM-3 points to WGS 84: in batches of
// 1000 through one PROJ call (what readers use), and one call per point as
// the naive baseline.
func BenchmarkTransform(b *testing.B) {
	c, err := crs.FromEPSG(9206)
	if err != nil {
		b.Fatal(err)
	}
	tr, err := crs.NewTransformer(c)
	if err != nil {
		b.Fatal(err)
	}
	pts := make([]orb.Point, 1000)
	reset := func() {
		for i := range pts {
			pts[i] = orb.Point{400000 + float64(i)*100, 2300000 + float64(i)*50}
		}
	}
	b.Run("batch1000", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			reset()
			if err := tr.Points(pts); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pts)), "ns/point")
	})
	b.Run("pointwise1000", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			reset()
			for i := range pts {
				p, err := tr.Point(pts[i])
				if err != nil {
					b.Fatal(err)
				}
				pts[i] = p
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pts)), "ns/point")
	})
}
