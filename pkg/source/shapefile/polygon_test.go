package shapefile_test

import (
	"bytes"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/source/shapefile"
)

func TestRingAssembly(t *testing.T) {
	const cw, ccw = false, true
	tests := []struct {
		name  string
		rings [][]orb.Point
		// want lists, per output polygon, the side of each square ring:
		// exterior first, then holes in file order.
		want [][]float64
	}{
		{"one clockwise ring", [][]orb.Point{square(0, 0, 10, cw)}, [][]float64{{10}}},
		{"one counter-clockwise ring is still a shell", [][]orb.Point{square(0, 0, 10, ccw)}, [][]float64{{10}}},
		{"shell then hole", [][]orb.Point{square(0, 0, 10, cw), square(2, 2, 2, ccw)}, [][]float64{{10, 2}}},
		{"hole before its shell", [][]orb.Point{square(2, 2, 2, ccw), square(0, 0, 10, cw)}, [][]float64{{10, 2}}},
		{"hole goes to the shell that contains it", [][]orb.Point{
			square(0, 0, 10, cw), square(50, 50, 3, ccw), square(40, 40, 20, cw),
		}, [][]float64{{10}, {20, 3}}},
		{"hole goes to the smallest containing shell", [][]orb.Point{
			square(0, 0, 100, cw), square(10, 10, 50, cw), square(20, 20, 5, ccw),
		}, [][]float64{{100}, {50, 5}}},
		{"island in a lake", [][]orb.Point{
			square(0, 0, 100, cw), square(10, 10, 50, ccw), square(20, 20, 5, cw),
		}, [][]float64{{100, 50}, {5}}},
		{"all rings reversed: nesting by containment", [][]orb.Point{
			square(0, 0, 100, ccw), square(10, 10, 50, ccw), square(20, 20, 5, ccw),
		}, [][]float64{{100, 50}, {5}}},
		{"reversed hole listed first", [][]orb.Point{square(2, 2, 2, ccw), square(0, 0, 10, ccw)}, [][]float64{{10, 2}}},
		{"hole outside every shell becomes a shell", [][]orb.Point{square(0, 0, 10, cw), square(20, 20, 4, ccw)}, [][]float64{{10}, {4}}},
		{"hole touching its shell at a corner", [][]orb.Point{square(0, 0, 10, cw), square(0, 0, 3, ccw)}, [][]float64{{10, 3}}},
		{"two shells side by side", [][]orb.Point{square(0, 0, 1, cw), square(1, 0, 1, cw)}, [][]float64{{1}, {1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			shp := shpFile(tPolygon, partsContent(tPolygon, tc.rings...))
			r, err := shapefile.NewReader("t.shp", bytes.NewReader(shp), nil, shapefile.Options{})
			if err != nil {
				t.Fatal(err)
			}
			f, err := r.Read()
			if err != nil {
				t.Fatal(err)
			}
			var polys orb.MultiPolygon
			switch g := f.Geometry.(type) {
			case orb.Polygon:
				polys = orb.MultiPolygon{g}
				if len(tc.want) != 1 {
					t.Fatalf("got a Polygon, want %d polygons", len(tc.want))
				}
			case orb.MultiPolygon:
				polys = g
				if len(tc.want) < 2 {
					t.Fatal("got a MultiPolygon for one polygon")
				}
			default:
				t.Fatalf("geometry %T", f.Geometry)
			}
			if len(polys) != len(tc.want) {
				t.Fatalf("%d polygons, want %d", len(polys), len(tc.want))
			}
			for i, p := range polys {
				if len(p) != len(tc.want[i]) {
					t.Fatalf("polygon %d has %d rings, want %d", i, len(p), len(tc.want[i]))
				}
				for j, ring := range p {
					a := signedArea2(ring) / 2
					if (j == 0) != (a > 0) {
						t.Errorf("polygon %d ring %d: signed area %g, want exterior CCW and holes CW", i, j, a)
					}
					side := tc.want[i][j]
					if math.Abs(math.Abs(a)-side*side) > 1e-9 {
						t.Errorf("polygon %d ring %d: area %g, want %g", i, j, math.Abs(a), side*side)
					}
				}
			}
		})
	}
}
