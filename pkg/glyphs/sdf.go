package glyphs

import "math"

// inf stands for "no seed pixel seen yet" in the distance transform; it is
// large but finite so the parabola intersections stay finite.
const inf = 1e20

// sdf turns an antialiased coverage mask (0 = outside, 255 = inside) of w×h
// pixels into MapLibre's signed-distance encoding:
//
//	value = 255 - 255*(d/radius + cutoff)
//
// where d is the Euclidean distance in pixels to the glyph outline, negative
// inside. The outline therefore lands at 255*(1-cutoff) = 191.25, and a pixel
// radius*(1-cutoff) pixels outside reaches 0.
//
// Partially covered pixels seed the transforms with a sub-pixel distance
// (coverage 0.5 sits on the edge), which keeps the field smooth where a plain
// binary threshold would make it stair-stepped.
func sdf(alpha []byte, w, h int, radius, cutoff float64) []byte {
	n := w * h
	outer := make([]float64, n) // squared distance to the nearest inside pixel
	inner := make([]float64, n) // squared distance to the nearest outside pixel
	for i, a := range alpha {
		switch a {
		case 255:
			outer[i], inner[i] = 0, inf
		case 0:
			outer[i], inner[i] = inf, 0
		default:
			c := float64(a) / 255
			o := math.Max(0, 0.5-c)
			in := math.Max(0, c-0.5)
			outer[i], inner[i] = o*o, in*in
		}
	}
	t := newTransform(max(w, h))
	t.edt2D(outer, w, h)
	t.edt2D(inner, w, h)
	out := make([]byte, n)
	for i := range out {
		d := math.Sqrt(outer[i]) - math.Sqrt(inner[i])
		out[i] = clampByte(255 - 255*(d/radius+cutoff))
	}
	return out
}

// transform holds the scratch space of the Felzenszwalb–Huttenlocher
// squared Euclidean distance transform, reused across rows and columns.
type transform struct {
	f, d []float64 // one line of input and output
	v    []int     // locations of the parabolas in the lower envelope
	z    []float64 // boundaries between the parabolas
}

func newTransform(n int) *transform {
	return &transform{
		f: make([]float64, n),
		d: make([]float64, n),
		v: make([]int, n),
		z: make([]float64, n+1),
	}
}

// edt2D replaces grid (squared seed distances) with squared Euclidean
// distances: one 1D pass over every column, then over every row. The
// separability of the squared distance makes the two passes exact.
func (t *transform) edt2D(grid []float64, w, h int) {
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			t.f[y] = grid[y*w+x]
		}
		t.edt1D(h)
		for y := 0; y < h; y++ {
			grid[y*w+x] = t.d[y]
		}
	}
	for y := 0; y < h; y++ {
		copy(t.f[:w], grid[y*w:(y+1)*w])
		t.edt1D(w)
		copy(grid[y*w:(y+1)*w], t.d[:w])
	}
}

// edt1D computes d[q] = min_p (q-p)² + f[p] for q < n as the lower envelope
// of the parabolas rooted at each p.
func (t *transform) edt1D(n int) {
	f, v, z := t.f, t.v, t.z
	k := 0
	v[0] = 0
	z[0], z[1] = -inf, inf
	for q := 1; q < n; q++ {
		// z[0] is -inf, so the search stops at the first parabola at the latest.
		p := v[k]
		s := ((f[q] + float64(q*q)) - (f[p] + float64(p*p))) / float64(2*(q-p))
		for s <= z[k] {
			k--
			p = v[k]
			s = ((f[q] + float64(q*q)) - (f[p] + float64(p*p))) / float64(2*(q-p))
		}
		k++
		v[k] = q
		z[k], z[k+1] = s, inf
	}
	k = 0
	for q := 0; q < n; q++ {
		for z[k+1] < float64(q) {
			k++
		}
		p := v[k]
		t.d[q] = float64((q-p)*(q-p)) + f[p]
	}
}
