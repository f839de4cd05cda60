package cql2_test

import (
	"math"
	"math/rand"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/sonla-gis/plantile/pkg/ogcapi/cql2"
)

// parcelPolygon is a 64-vertex polygon with a hole, about the size of a
// large parcel's outline.
func parcelPolygon() orb.Polygon {
	ring := func(r float64) orb.Ring {
		var rg orb.Ring
		for i := 0; i < 64; i++ {
			a := 2 * math.Pi * float64(i) / 64
			rg = append(rg, orb.Point{103.9 + r*math.Cos(a), 21.3 + r*math.Sin(a)})
		}
		return append(rg, rg[0])
	}
	return orb.Polygon{ring(0.001), ring(0.0003)}
}

func randomPoints(n int) []orb.Point {
	r := rand.New(rand.NewSource(1))
	pts := make([]orb.Point, n)
	for i := range pts {
		pts[i] = orb.Point{103.9 + (r.Float64()-0.5)*0.0025, 21.3 + (r.Float64()-0.5)*0.0025}
	}
	return pts
}

// BenchmarkPointInPolygon: GeometryIntersects (boundary inclusive) against
// orb/planar's PolygonContains, the naive baseline.
func BenchmarkPointInPolygon(b *testing.B) {
	pg := parcelPolygon()
	pts := randomPoints(1024)
	b.Run("GeometryIntersects", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			cql2.GeometryIntersects(pg, pts[i&1023])
		}
	})
	b.Run("planar.PolygonContains", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			planar.PolygonContains(pg, pts[i&1023])
		}
	})
}

// BenchmarkBBoxPolygon: a small box against the parcel polygon.
func BenchmarkBBoxPolygon(b *testing.B) {
	pg := parcelPolygon()
	pts := randomPoints(1024)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p := pts[i&1023]
		cql2.GeometryIntersects(pg, orb.Bound{Min: p, Max: orb.Point{p[0] + 0.0002, p[1] + 0.0002}})
	}
}

// BenchmarkPredicate: a compiled attribute and spatial filter on a record.
func BenchmarkPredicate(b *testing.B) {
	e, err := cql2.ParseText(`ma_dat IN ('ODT', 'ONT') AND dien_tich > 100 AND S_INTERSECTS(geometry, POINT(103.9005 21.3))`)
	if err != nil {
		b.Fatal(err)
	}
	if err := cql2.Bind(e, cql2.Queryables{Schema: schema}); err != nil {
		b.Fatal(err)
	}
	r := rec{vals: []any{"ODT", 250.0}, geom: parcelPolygon()}
	d := newRecDict(append([]rec{r}, records...))
	for _, c := range []struct {
		name string
		dict cql2.Dictionary
		rec  cql2.Record
	}{
		{"values", nil, r},
		{"codes", d, codedRec{r, d}},
	} {
		pred, err := cql2.Compile(e, c.dict)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				pred(c.rec)
			}
		})
	}
}
