package tiler

import (
	"math"
	"testing"
)

// fuzzPolygons decodes fuzz input into labelled rings in tile units: per
// ring, a label byte (1..4) and a count byte (3..18), then two bytes per
// vertex (x, y, in units of 1.25 from -20, so reaching past the raster).
// Repeated bytes give duplicate points, collinear edges folding back and
// rings touching or crossing themselves.
func fuzzPolygons(data []byte) (labels []uint16, rings [][][2]float64) {
	for len(data) >= 2 && len(rings) < 8 {
		lab := uint16(data[0]%4 + 1)
		n := int(data[1]%16) + 3
		data = data[2:]
		var r [][2]float64
		for ; n > 0 && len(data) >= 2; n-- {
			r = append(r, [2]float64{float64(data[0])*1.25 - 20, float64(data[1])*1.25 - 20})
			data = data[2:]
		}
		if len(r) >= 3 {
			labels, rings = append(labels, lab), append(rings, r)
		}
	}
	return labels, rings
}

// evenOdd reports whether (x, y) is inside ring r by the even-odd rule.
func evenOdd(r [][2]float64, x, y float64) bool {
	in := false
	for k := range r {
		a, b := r[k], r[(k+1)%len(r)]
		if (a[1] > y) != (b[1] > y) && x < a[0]+(y-a[1])*(b[0]-a[0])/(b[1]-a[1]) {
			in = !in
		}
	}
	return in
}

// FuzzUnion rasterises random labelled rings (the last on top), traces
// and simplifies their zones and checks: no two segments of the zones'
// chains cross, touch other than at shared vertices or overlap (the zones
// are valid and share their boundaries); every label's zone polygons are
// made (exteriors positive, holes negative); and each label's area is
// conserved: within two cells per unit of boundary of a reference sampled
// sixty-four times as densely, straight from the rings.
func FuzzUnion(f *testing.F) {
	ring := func(lab byte, pts ...byte) []byte { return append([]byte{lab, byte(len(pts)/2 - 3)}, pts...) }
	// Overlapping squares of two labels, one sharing an edge collinearly.
	f.Add(append(ring(1, 20, 20, 120, 20, 120, 120, 20, 120), ring(2, 60, 60, 200, 60, 200, 180, 60, 180)...))
	f.Add(append(ring(1, 20, 20, 120, 20, 120, 120, 20, 120), ring(1, 120, 40, 220, 40, 220, 100, 120, 100)...))
	// A ring touching itself at a vertex, with a duplicate point.
	f.Add(ring(3, 10, 10, 150, 10, 80, 80, 80, 80, 150, 150, 10, 150, 80, 80))
	// A bowtie and an edge folding back on itself.
	f.Add(ring(2, 10, 10, 200, 200, 200, 10, 10, 200))
	f.Add(ring(4, 10, 10, 200, 10, 100, 10, 100, 200, 10, 200))
	// Thin slivers and a triangle reaching past the raster.
	f.Add(append(ring(1, 0, 0, 255, 3, 255, 4, 0, 1), ring(2, 30, 0, 255, 250, 0, 255)...))
	// A star, and one polygon per label in a row.
	f.Add(ring(1, 128, 10, 150, 100, 240, 128, 150, 150, 128, 240, 100, 150, 10, 128, 100, 100))
	f.Add(append(append(ring(1, 0, 0, 60, 0, 60, 60, 0, 60), ring(2, 60, 0, 120, 0, 120, 60, 60, 60)...), ring(3, 0, 60, 120, 60, 120, 120)...))
	f.Fuzz(fuzzUnionBody)
}

func fuzzUnionBody(t *testing.T, data []byte) {
	{
		labels, rings := fuzzPolygons(data)
		if len(rings) == 0 {
			return
		}
		const cell = 4
		clip := rect{min: -16, max: 272}
		u := unioner{maxWork: DefaultUnionMaxWork, maxEdges: DefaultUnionMaxEdges}
		u.start(cell, clip)
		for k, r := range rings {
			u.beginPolygon()
			u.addRing(r)
			if !u.fill(labels[k]) {
				t.Fatal("work budget spent on a few rings")
			}
		}
		// Error diffusion onto cells four times as large keeps each
		// label's area over the raster within a few large cells.
		var coarse unioner
		coarse.start(4*cell, clip)
		coarse.downsample(&u, 5)
		fineN, coarseN := make([]int, 5), make([]int, 5)
		for _, l := range u.lab {
			fineN[l]++
		}
		for _, l := range coarse.lab {
			coarseN[l]++
		}
		for lab := range 5 {
			if d := coarseN[lab]*16 - fineN[lab]; d > 5*16 || d < -5*16 {
				t.Errorf("label %d: %d fine cells, downsampled to %d large ones", lab, fineN[lab], coarseN[lab])
			}
		}
		if !u.trace() {
			t.Fatal("edge budget spent on a few rings")
		}
		u.simplify(0.75 * cell)

		// Validity: the segments in use, pairwise.
		type seg struct {
			a, b  pt
			chain int
		}
		var segs []seg
		perim := map[uint16]float64{}
		for k, ch := range u.chains {
			p := u.path(k)
			if len(p) < 2 {
				t.Fatalf("chain %d has %d vertices", k, len(p))
			}
			for i := 0; i+1 < len(p); i++ {
				if p[i] == p[i+1] {
					t.Fatalf("chain %d repeats %v", k, p[i])
				}
				segs = append(segs, seg{p[i], p[i+1], k})
			}
			raw := u.raw[ch.r0:ch.r1]
			var l float64
			for i := 0; i+1 < len(raw); i++ {
				l += math.Hypot(float64(raw[i+1].x-raw[i].x), float64(raw[i+1].y-raw[i].y))
			}
			perim[ch.left] += l
			perim[ch.right] += l
		}
		for i := range segs {
			for j := i + 1; j < len(segs); j++ {
				if segmentsConflict(segs[i].a, segs[i].b, segs[j].a, segs[j].b) {
					t.Fatalf("segments %v-%v (chain %d) and %v-%v (chain %d) cross, touch or overlap",
						segs[i].a, segs[i].b, segs[i].chain, segs[j].a, segs[j].b, segs[j].chain)
				}
			}
		}

		// The zones of each label, and their areas.
		var d dissolver
		got := map[uint16]float64{}
		u.eachLabel(&d, func(a, b uint16) int { return int(a) - int(b) }, func(lab uint16) {
			n := 0
			d.link(2, func(rs [][]pt) {
				n++
				for k, r := range rs {
					a := area2(r)
					if (k == 0) != (a > 0) {
						t.Errorf("label %d: ring %d has area2 %d", lab, k, a)
					}
					got[lab] += float64(a) / 2
				}
			})
			if n == 0 {
				t.Errorf("label %d: no polygons", lab)
			}
		})

		// Reference: the rings sampled every half unit, the last on top.
		want := map[uint16]float64{}
		for y := float64(clip.min) + 0.25; y < float64(clip.max); y += 0.5 {
			for x := float64(clip.min) + 0.25; x < float64(clip.max); x += 0.5 {
				for k := len(rings) - 1; k >= 0; k-- {
					if evenOdd(rings[k], x, y) {
						want[labels[k]] += 1.0 / 4
						break
					}
				}
			}
		}
		for lab := uint16(1); lab <= 4; lab++ {
			bound := 2*cell*perim[lab] + 4*cell*cell
			if diff := math.Abs(got[lab] - want[lab]); diff > bound {
				t.Errorf("label %d: zones cover %.1f units², the rings %.1f (bound %.1f)", lab, got[lab], want[lab], bound)
			}
		}
	}
}

func TestUnionCellSize(t *testing.T) {
	for _, c := range []struct{ extent, cell int }{{4096, 4}, {8192, 8}, {512, 1}, {4100, 4}, {4098, 2}, {4097, 1}, {2048, 2}} {
		if got := unionCellSize(c.extent); int(got) != c.cell {
			t.Errorf("unionCellSize(%d) = %d, want %d", c.extent, got, c.cell)
		}
	}
}
