package tiler

import (
	"math"
	"slices"

	"github.com/sonla-gis/plantile/pkg/index"
)

// Point thinning: below a point layer's max zoom, facilities closer than
// Thin pixels to one already kept are left out, chosen by rank rather than
// by size (all points have none): first the value of the layer's Rank
// field (greater first), then how isolated the point is (a point alone in
// its neighbourhood is kept before one of a cluster), then source order.
// The choice is made once per zoom over the whole layer, not per tile, so
// a point is kept or left out in every tile that shows it.

// thinning holds, per zoom below the max, which features are kept.
type thinning struct {
	keep map[int][]bool // zoom -> feature -> kept
}

func newThinning(l Layer) *thinning {
	d := l.Data
	var pts []int
	for i := range d.Len() {
		if d.Kind(i) == index.KindPoint {
			pts = append(pts, i)
		}
	}
	if len(pts) == 0 {
		return nil
	}
	pos := make(map[int][2]float64, len(pts))
	for _, i := range pts {
		b := d.MercatorBound(i)
		pos[i] = [2]float64{b.Min[0], b.Min[1]}
	}
	// Isolation: how many points share the point's pixel-sized cell at the
	// layer's lowest zoom; fewer is more isolated.
	cell := func(p [2]float64, z int, px float64) [2]int64 {
		s := 256 * math.Exp2(float64(z)) / px
		return [2]int64{int64(math.Floor(p[0] * s)), int64(math.Floor(p[1] * s))}
	}
	crowd := map[[2]int64]int{}
	for _, i := range pts {
		crowd[cell(pos[i], l.MinZoom, l.Thin)]++
	}
	rankField := -1
	if l.Rank != "" {
		rankField = d.Schema().Index(l.Rank)
	}
	rank := func(i int) float64 {
		if rankField < 0 {
			return 0
		}
		switch v := d.Properties(i)[l.Rank].(type) {
		case int64:
			return float64(v)
		case float64:
			return v
		}
		return math.Inf(-1)
	}
	order := slices.Clone(pts)
	slices.SortStableFunc(order, func(a, b int) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			if ra > rb {
				return -1
			}
			return 1
		}
		return crowd[cell(pos[a], l.MinZoom, l.Thin)] - crowd[cell(pos[b], l.MinZoom, l.Thin)]
	})
	th := &thinning{keep: map[int][]bool{}}
	for z := l.MinZoom; z < l.MaxZoom; z++ {
		keep := make([]bool, d.Len())
		for i := range keep {
			keep[i] = d.Kind(i) != index.KindPoint
		}
		// A point is kept when no kept point lies within Thin pixels:
		// cells of Thin pixels, neighbours checked in the 3x3 around.
		s := 256 * math.Exp2(float64(z))
		r := l.Thin / s
		kept := map[[2]int64][]int{}
		for _, i := range order {
			c := cell(pos[i], z, l.Thin)
			near := false
			for dx := int64(-1); dx <= 1 && !near; dx++ {
				for dy := int64(-1); dy <= 1 && !near; dy++ {
					for _, j := range kept[[2]int64{c[0] + dx, c[1] + dy}] {
						if math.Hypot(pos[i][0]-pos[j][0], pos[i][1]-pos[j][1]) < r {
							near = true
							break
						}
					}
				}
			}
			if !near {
				keep[i] = true
				kept[c] = append(kept[c], i)
			}
		}
		th.keep[z] = keep
	}
	return th
}

// kept reports whether feature i is drawn at zoom z.
func (th *thinning) kept(z, i int) bool {
	if th == nil {
		return true
	}
	k, ok := th.keep[z]
	return !ok || k[i]
}
