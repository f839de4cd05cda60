package tiler

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
)

func square(x, y, s int32) []pt {
	// Positive area2 (an MVT exterior): x right, y down, clockwise on
	// screen.
	return []pt{{x, y}, {x + s, y}, {x + s, y + s}, {x, y + s}}
}

func dissolveAll(t *testing.T, d *dissolver, minArea2 int64) (polys [][][]pt) {
	t.Helper()
	d.polygons(minArea2, func(rings [][]pt) {
		var cp [][]pt
		for k, r := range rings {
			a := area2(r)
			if (k == 0) != (a > 0) {
				t.Errorf("ring %d of a polygon has area2 %d", k, a)
			}
			cp = append(cp, append([]pt(nil), r...))
		}
		polys = append(polys, cp)
	})
	return polys
}

func polyArea2(p [][]pt) int64 {
	var s int64
	for _, r := range p {
		s += area2(r)
	}
	return s
}

func TestDissolveGrid(t *testing.T) {
	var d dissolver
	for i := range int32(5) {
		for j := range int32(4) {
			d.addRing(square(i*10, j*10, 10))
		}
	}
	polys := dissolveAll(t, &d, 0)
	if len(polys) != 1 || len(polys[0]) != 1 {
		t.Fatalf("got %d polygons (%v), want one square", len(polys), polys)
	}
	if r := polys[0][0]; len(r) != 4 || area2(r) != 2*50*40 {
		t.Errorf("union = %v, want the 50x40 rectangle", r)
	}
}

func TestDissolveCheckerboardTouchingCorners(t *testing.T) {
	var d dissolver
	for i := range int32(4) {
		for j := range int32(4) {
			if (i+j)%2 == 0 {
				d.addRing(square(i*10, j*10, 10))
			}
		}
	}
	polys := dissolveAll(t, &d, 0)
	if len(polys) != 8 {
		t.Fatalf("got %d polygons, want the 8 squares kept apart at their corners", len(polys))
	}
	for _, p := range polys {
		if len(p) != 1 || len(p[0]) != 4 || area2(p[0]) != 200 {
			t.Errorf("polygon %v is not a 10x10 square", p)
		}
	}
}

func TestDissolveDonut(t *testing.T) {
	var d dissolver
	for i := range int32(3) {
		for j := range int32(3) {
			if i != 1 || j != 1 {
				d.addRing(square(i*10, j*10, 10))
			}
		}
	}
	polys := dissolveAll(t, &d, 0)
	if len(polys) != 1 || len(polys[0]) != 2 {
		t.Fatalf("got %v, want one polygon with one hole", polys)
	}
	if a := polyArea2(polys[0]); a != 2*8*100 {
		t.Errorf("area2 %d, want %d", a, 2*8*100)
	}
}

func TestDissolveHoleTouchingExterior(t *testing.T) {
	// A U of squares closed by one more along the top: the hole touches
	// the exterior at one corner only when the ring is one cell thick.
	var d dissolver
	cells := [][2]int32{{0, 0}, {1, 0}, {2, 0}, {0, 1}, {2, 1}, {0, 2}, {1, 2}}
	for _, c := range cells {
		d.addRing(square(c[0]*10, c[1]*10, 10))
	}
	polys := dissolveAll(t, &d, 0)
	var total int64
	for _, p := range polys {
		total += polyArea2(p)
	}
	if total != 2*7*100 {
		t.Errorf("total area2 %d, want %d (%v)", total, 2*7*100, polys)
	}
}

// TestDissolveJitteredGrid dissolves a grid of quadrilaterals sharing
// jittered vertices, with random codes: the area of each code's union is
// the sum of its parcels' areas, exactly, and the unions of all codes
// together cover the grid.
func TestDissolveJitteredGrid(t *testing.T) {
	seed := uint64(1)
	if s, err := strconv.ParseUint(os.Getenv("SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("SEED=%d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	const nx, ny, cell = 30, 20, 40
	var grid [nx + 1][ny + 1]pt
	for i := range nx + 1 {
		for j := range ny + 1 {
			p := pt{int32(i * cell), int32(j * cell)}
			if i > 0 && i < nx && j > 0 && j < ny {
				p.x += int32(rng.IntN(21) - 10)
				p.y += int32(rng.IntN(21) - 10)
			}
			grid[i][j] = p
		}
	}
	codes := make([][]int, nx)
	for i := range codes {
		codes[i] = make([]int, ny)
		for j := range codes[i] {
			// Blocks of codes, as plans have them, with some noise.
			codes[i][j] = (i/5 + j/4) % 3
			if rng.IntN(10) == 0 {
				codes[i][j] = rng.IntN(3)
			}
		}
	}
	var d dissolver
	var total int64
	for code := range 3 {
		d.reset()
		var want int64
		n := 0
		for i := range nx {
			for j := range ny {
				if codes[i][j] != code {
					continue
				}
				r := []pt{grid[i][j], grid[i+1][j], grid[i+1][j+1], grid[i][j+1]}
				d.addRing(r)
				want += area2(r)
				n++
			}
		}
		polys := dissolveAll(t, &d, 0)
		var got int64
		for _, p := range polys {
			got += polyArea2(p)
		}
		if got != want {
			t.Errorf("code %d: union area2 %d, want %d", code, got, want)
		}
		if len(polys) >= n {
			t.Errorf("code %d: %d parcels gave %d zones", code, n, len(polys))
		}
		total += got
	}
	if total != 2*nx*ny*cell*cell {
		t.Errorf("zones cover %d, want %d", total, 2*nx*ny*cell*cell)
	}
}

func TestPointInRing(t *testing.T) {
	r := square(0, 0, 10)
	for _, c := range []struct {
		p    pt
		want int
	}{
		{pt{5, 5}, 1}, {pt{0, 5}, 0}, {pt{10, 10}, 0}, {pt{11, 5}, -1}, {pt{-1, -1}, -1}, {pt{5, 10}, 0},
	} {
		if got := pointInRing(c.p, r); got != c.want {
			t.Errorf("pointInRing(%v) = %d, want %d", c.p, got, c.want)
		}
	}
}

// TestDissolveOverlapRefused: crossing road corridors overlap, and edge
// cancellation is no union for them: the dissolver says so instead of
// drawing crossed rings.
func TestDissolveOverlapRefused(t *testing.T) {
	var d dissolver
	d.addRing([]pt{{0, 40}, {100, 40}, {100, 60}, {0, 60}})
	d.addRing([]pt{{40, 0}, {60, 0}, {60, 100}, {40, 100}})
	called := false
	if d.polygons(0, func([][]pt) { called = true }) || called {
		t.Error("crossing corridors were dissolved")
	}
	d.reset()
	d.addRing(square(0, 0, 10))
	d.addRing(square(10, 0, 10))
	if !d.polygons(0, func([][]pt) {}) {
		t.Error("neighbours sharing an edge were refused")
	}
}
