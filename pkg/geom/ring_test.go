package geom_test

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/geom"
)

func circle(n int) orb.Ring {
	r := make(orb.Ring, 0, n+1)
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		r = append(r, orb.Point{104 + math.Cos(a), 21 + math.Sin(a)})
	}
	return append(r, r[0])
}

func TestCheckRing(t *testing.T) {
	big := circle(100_000)
	bigBowtie := circle(100_000)
	bigBowtie[50_000], bigBowtie[50_001] = bigBowtie[50_001], bigBowtie[50_000]
	// A comb: many long teeth overlapping in x, so the sweep compares
	// every pair: reported as too complex, quickly.
	var comb orb.Ring
	for i := range 20_000 {
		y := float64(i)
		comb = append(comb, orb.Point{0, y}, orb.Point{1000, y + 0.25}, orb.Point{0, y + 0.5})
	}
	comb = append(comb, orb.Point{-1, 20_000}, orb.Point{-1, 0}, comb[0])
	tests := []struct {
		name string
		ring orb.Ring
		want error
	}{
		{"square", orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}, nil},
		{"repeated vertices", orb.Ring{{0, 0}, {1, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}, {0, 0}}, nil},
		{"bowtie", orb.Ring{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}, geom.ErrSelfIntersection},
		{"figure eight at a vertex", orb.Ring{{0, 0}, {1, 1}, {2, 0}, {2, 2}, {1, 1}, {0, 2}, {0, 0}}, geom.ErrSelfIntersection},
		{"vertex on an edge", orb.Ring{{0, 0}, {2, 0}, {2, 2}, {1, 0}, {0, 2}, {0, 0}}, geom.ErrSelfIntersection},
		{"spike folding back", orb.Ring{{0, 0}, {2, 0}, {2, 1}, {3, 1}, {2, 1}, {0, 1}, {0, 0}}, geom.ErrSelfIntersection},
		{"100k-vertex circle", big, nil},
		{"100k-vertex circle with a bowtie", bigBowtie, geom.ErrSelfIntersection},
		{"comb", comb, geom.ErrTooComplex},
		{"degenerate", orb.Ring{{0, 0}, {1, 1}, {0, 0}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := geom.CheckRing(tt.ring)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("CheckRing = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCheckPolygon(t *testing.T) {
	ok := orb.Ring{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}}
	bow := orb.Ring{{1, 1}, {2, 2}, {2, 1}, {1, 2}, {1, 1}}
	err := geom.CheckPolygon(orb.MultiPolygon{{ok}, {ok, bow}})
	if !errors.Is(err, geom.ErrSelfIntersection) || err.Error()[:17] != "polygon 2 hole 1:" {
		t.Errorf("CheckPolygon = %v", err)
	}
	if err := geom.CheckPolygon(orb.LineString{{0, 0}, {1, 1}, {1, 0}, {0, 1}}); err != nil {
		t.Errorf("a line is not checked: %v", err)
	}
}

func BenchmarkCheckRing(b *testing.B) {
	r := circle(100_000)
	b.ReportAllocs()
	for b.Loop() {
		if err := geom.CheckRing(r); err != nil {
			b.Fatal(err)
		}
	}
}
