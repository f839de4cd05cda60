package index

import "math"

// Point-in-polygon on a long ring (a road of a few hundred vertices whose
// bounding box covers a town) would test every edge, and such rings are
// the candidates of most points near them. A ring of bandMin vertices or
// more therefore gets the latitude range of each run of bandSize edges: a
// run wholly above or below the point is skipped in two comparisons. The
// ranges are float32, rounded outwards, so a skipped run never holds an
// edge the exact test would have counted: results are exactly those of
// the plain scan. They cost 8 bytes per bandSize vertices of long rings
// only, and are rebuilt from the coordinates on load (not stored).
const (
	bandSize = 16
	bandMin  = 64
)

// ringBands indexes the bands of the long rings of a layer.
type ringBands struct {
	start map[int32]int32 // ring number -> first band in lohi
	lohi  []float32       // min and max latitude of each band, outwards
}

// buildBands computes the bands of every ring of at least bandMin points.
func buildBands(ringPoint []uint32, coords []float64) ringBands {
	var rb ringBands
	for r := 0; r+1 < len(ringPoint); r++ {
		a, b := int(ringPoint[r]), int(ringPoint[r+1])
		n := b - a
		if n < bandMin {
			continue
		}
		if rb.start == nil {
			rb.start = map[int32]int32{}
		}
		rb.start[int32(r)] = int32(len(rb.lohi) / 2)
		c := coords[2*a : 2*b]
		for k0 := 0; k0 < n; k0 += bandSize {
			// Band of edges k0..k1-1; edge k joins point k-1 (point n-1
			// for k = 0) to point k.
			k1 := min(k0+bandSize, n)
			prev := k0 - 1
			if prev < 0 {
				prev = n - 1
			}
			lo, hi := c[2*prev+1], c[2*prev+1]
			for k := k0; k < k1; k++ {
				y := c[2*k+1]
				lo, hi = min(lo, y), max(hi, y)
			}
			rb.lohi = append(rb.lohi, down32(lo), up32(hi))
		}
	}
	return rb
}

// down32 and up32 round to a float32 at or below (above) v.
func down32(v float64) float32 {
	f := float32(v)
	if float64(f) > v {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func up32(v float64) float32 {
	f := float32(v)
	if float64(f) < v {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// bytes estimates the memory of the bands: the ranges and the map (about
// 24 bytes an entry with its share of buckets).
func (rb *ringBands) bytes() int { return cap(rb.lohi)*4 + len(rb.start)*24 }

// of returns the bands of ring r, nil when it has none.
func (rb *ringBands) of(r int, n int) []float32 {
	if n < bandMin || rb.start == nil {
		return nil
	}
	s, ok := rb.start[int32(r)]
	if !ok {
		return nil
	}
	nb := (n + bandSize - 1) / bandSize
	return rb.lohi[2*int(s) : 2*(int(s)+nb)]
}
