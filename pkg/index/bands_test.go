package index

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// TestBands checks that the latitude bands of a long ring change nothing:
// ringContains with bands equals the plain scan of every edge at random
// points, exactly at every vertex, at edge midpoints and at points on the
// latitude of a vertex (where a band's rounded range matters), on star
// rings of 64 to 600 vertices.
func TestBands(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 12))
	for range 30 {
		n := 64 + rng.IntN(540)
		cx, cy, r := 103+rng.Float64(), 21+rng.Float64(), 0.001+0.05*rng.Float64()
		c := make([]float64, 0, 2*n)
		// Half the rings on a 2^-16 grid, exact in float32: a vertex's
		// latitude is then exactly a band's bound.
		grid := rng.IntN(2) == 0
		for k := range n {
			a := 2 * math.Pi * float64(k) / float64(n)
			d := r * (0.3 + rng.Float64())
			x, y := cx+d*math.Cos(a), cy+d*math.Sin(a)
			if grid {
				x, y = math.Round(x*65536)/65536, math.Round(y*65536)/65536
			}
			c = append(c, x, y)
		}
		if rng.IntN(2) == 0 { // closed, as shapefiles store rings
			c = append(c, c[0], c[1])
		}
		rb := buildBands([]uint32{0, uint32(len(c) / 2)}, c)
		bands := rb.of(0, len(c)/2)
		if bands == nil {
			t.Fatalf("no bands for a ring of %d points", len(c)/2)
		}
		check := func(p orb.Point) {
			t.Helper()
			in0, e0 := ringContains(c, p, nil)
			in1, e1 := ringContains(c, p, bands)
			if in0 != in1 || e0 != e1 {
				t.Fatalf("ring of %d points at %v: bands give %v %v, the scan %v %v", len(c)/2, p, in1, e1, in0, e0)
			}
		}
		for range 500 {
			check(orb.Point{cx + 3*r*(rng.Float64()-0.5), cy + 3*r*(rng.Float64()-0.5)})
		}
		for k := 0; k+3 < len(c); k += 2 {
			check(orb.Point{c[k], c[k+1]})
			check(orb.Point{(c[k] + c[k+2]) / 2, (c[k+1] + c[k+3]) / 2})
			check(orb.Point{cx + 3*r*(rng.Float64()-0.5), c[k+1]})
		}
	}
}
