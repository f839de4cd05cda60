package glyphs

import (
	"fmt"
	"image"
	"math"
	"testing"

	"golang.org/x/image/vector"
)

// TestSDFDisk rasterizes an antialiased disk and checks that the encoded
// field gives back the true distance to its circle within a fraction of a
// pixel wherever the field is not clamped.
func TestSDFDisk(t *testing.T) {
	const size, cx, cy, r = 48, 23.3, 24.6, 9.5
	var z vector.Rasterizer
	z.Reset(size, size)
	const n = 256
	z.MoveTo(cx+r, cy)
	for i := 1; i < n; i++ {
		a := 2 * math.Pi * float64(i) / n
		z.LineTo(float32(cx+r*math.Cos(a)), float32(cy+r*math.Sin(a)))
	}
	z.ClosePath()
	mask := image.NewAlpha(image.Rect(0, 0, size, size))
	z.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})

	field := sdf(mask.Pix, size, size, Radius, Cutoff)
	checked := 0
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			v := float64(field[y*size+x])
			if v <= 0 || v >= 255 {
				continue // clamped: distance beyond the encoded band
			}
			got := (255-v)/255*Radius - Cutoff*Radius // decode: d = radius*((255-v)/255 - cutoff)
			want := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy) - r
			if math.Abs(got-want) > 0.6 {
				t.Errorf("pixel (%d,%d): distance %.2f, want %.2f", x, y, got, want)
			}
			checked++
		}
	}
	if checked < 500 {
		t.Fatalf("only %d pixels inside the encoded band", checked)
	}
}

// TestEDT1D compares the 1D transform with brute force.
func TestEDT1D(t *testing.T) {
	f := []float64{inf, inf, 0, inf, 0.25, inf, inf, inf, 0, inf, inf}
	tr := newTransform(len(f))
	copy(tr.f, f)
	tr.edt1D(len(f))
	for q := range f {
		want := math.Inf(1)
		for p := range f {
			want = math.Min(want, float64((q-p)*(q-p))+f[p])
		}
		if tr.d[q] != want {
			t.Errorf("d[%d] = %v, want %v", q, tr.d[q], want)
		}
	}
}

// TestCacheBoundedByFonts: however many fontstack spellings clients send,
// the cache holds one entry per font and range.
func TestCacheBoundedByFonts(t *testing.T) {
	s := &Set{cache: map[cacheKey][]byte{}}
	s.faces = []*face{{name: "A Regular"}, {name: "B Bold"}}
	// Pre-fill so that no rendering (which needs real fonts) happens.
	for _, f := range s.faces {
		s.cache[cacheKey{f, 0}] = []byte{1}
	}
	for i := range 2000 {
		for _, stack := range []string{
			fmt.Sprintf("Unknown %d,A Regular", i),
			fmt.Sprintf("b bold, Other %d", i),
			fmt.Sprintf("Nothing %d", i),
		} {
			s.Range(stack, 0)
		}
	}
	if len(s.cache) != 2 {
		t.Errorf("cache has %d entries after 6,000 fontstack names, want 2", len(s.cache))
	}
}
