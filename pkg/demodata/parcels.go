package demodata

import (
	"bufio"
	"fmt"
	"io"
	"math"
)

// Parcels streams count land-use parcels as GeoJSONSeq (one feature per
// line, EPSG:9206 coordinates) for the reader benchmarks: towns laid out
// like Son La city on a jittered grid across the province, each town made
// and written before the next, so memory stays flat at any count.
func Parcels(out io.Writer, count int, seed uint64) error {
	w := bufio.NewWriterSize(out, 1<<20)
	r := newRNG(seed)
	const (
		// Son La province in TM-3 104-00, roughly.
		e0, e1 = 330000.0, 590000.0
		n0, n1 = 2290000.0, 2430000.0
		step   = 9000.0
	)
	cols := int(math.Floor((e1 - e0) / step))
	rows := int(math.Floor((n1 - n0) / step))
	// Towns visit the grid cells in a scattered order (a stride coprime
	// with the number of cells), so that any count spreads over the
	// province instead of filling its southern row first.
	cells := cols * rows
	stride := cells*3/8 + 1
	for gcd(stride, cells) != 1 {
		stride++
	}
	written := 0
	for k := 0; written < count; k++ {
		cell := (k * stride) % cells
		c := pt{e0 + step*(float64(cell%cols)+0.5), n0 + step*(float64(cell/cols)+0.5)}
		// A second pass over the grid shifts the towns, so they never repeat.
		pass := float64(k / cells)
		c = c.add(pt{r.between(-1500, 1500) + pass*step/3, r.between(-1500, 1500) + pass*step/5})
		size := r.between(0.35, 0.9)
		t := layout(townSpec{
			Center:     c.rounded(),
			Bearing:    r.between(0, 180),
			UMin:       -4000 * size,
			UMax:       5000 * size,
			VHalf:      math.Max(900, 1800*size),
			Seed:       r.next(),
			Wards:      sonLaWards,
			Streets:    sonLaStreets,
			River:      "Suối Nậm La",
			National:   "Quốc lộ 6",
			Provincial: "Đường tỉnh 106",
			Prefix:     fmt.Sprintf("T%03d-", k),
		})
		for _, f := range t.out {
			if written == count {
				break
			}
			if err := writeFeature(w, f); err != nil {
				return err
			}
			w.WriteByte('\n')
			written++
		}
	}
	return w.Flush()
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
