package tiler

import (
	"math"
	"slices"
)

// Zone generalisation: at overview zooms the parcels of one land-use code
// are drawn as the zones they form, not one by one. The union is computed
// on the integer tile grid, after snapping and clipping, by edge
// cancellation: neighbouring parcels snapped by the same pure function
// share their edges exactly, walked in opposite directions, so an edge
// met once in each direction is interior to the zone and disappears; the
// edges left are the zones' outlines, linked back into rings. No floating
// point decides what is inside, so shared boundaries between zones of
// different codes stay shared (each is the same snapped edge seen from
// either side) and zones neither overlap nor open gaps.
//
// Parcels meeting at a T-junction (a vertex of one lying on an edge of the
// other) do not cancel exactly after snapping; they leave slivers of a few
// square units, which are dropped by area.

// edge is a directed edge between two grid points.
type edge struct{ a, b pt }

func less(p, q pt) bool { return p.x < q.x || (p.x == q.x && p.y < q.y) }

func cmpPt(p, q pt) int {
	switch {
	case p.x != q.x:
		if p.x < q.x {
			return -1
		}
		return 1
	case p.y != q.y:
		if p.y < q.y {
			return -1
		}
		return 1
	}
	return 0
}

// ptKey returns a key of p that orders as cmpPt does.
func ptKey(p pt) uint64 {
	return uint64(uint32(p.x)^1<<31)<<32 | uint64(uint32(p.y)^1<<31)
}

// keyed is an edge in canonical order with the direction it was walked.
type keyed struct {
	lo, hi pt
	sign   int32
}

// dissolver merges the polygons added to it. Its buffers are reused from
// tile to tile; it is not safe for concurrent use.
type dissolver struct {
	keys []keyed
	out  []edge
	used []bool
	// starts[k] is ptKey(out[k].a) while link runs (out sorted): pick
	// finds a vertex's edges by binary search.
	starts []uint64
	packed []uint64 // sortKeys, sortOut
	start  []int    // start[k]: first out edge of the k-th distinct start vertex
	ring   []pt
	rings  []zoneRing
	pool   []pt
	// crossing's grid
	cellStart, cellFill []int32
	cellEdges           []int32
}

// zoneRing is a ring of the result, stored in dissolver.pool.
type zoneRing struct {
	p0, p1 int   // range in pool
	area2  int64 // twice the signed area
	min    pt    // bounding box
	max    pt
}

func (d *dissolver) reset() {
	d.keys = d.keys[:0]
}

// addOutPath appends the edges of an open path to d.out, each walked with
// the interior on its left (backwards when reversed), for link: edges
// known not to cancel nor cross (the raster union's chains).
func (d *dissolver) addOutPath(p []pt, reversed bool) {
	for i := 0; i+1 < len(p); i++ {
		a, b := p[i], p[i+1]
		if reversed {
			a, b = b, a
		}
		if a != b {
			d.out = append(d.out, edge{a, b})
		}
	}
}

// addRing adds the edges of a ring (not closed) oriented as MVT wants it:
// exteriors with positive area2, holes negative.
func (d *dissolver) addRing(r []pt) {
	n := len(r)
	if n < 3 {
		return
	}
	for i := range n {
		a, b := r[i], r[(i+1)%n]
		if a == b {
			continue
		}
		if less(a, b) {
			d.keys = append(d.keys, keyed{a, b, 1})
		} else {
			d.keys = append(d.keys, keyed{b, a, -1})
		}
	}
}

// polygons computes the union of the rings added since reset and calls fn
// with each resulting polygon: its exterior (positive area2) followed by
// its holes, as slices that fn may use only until it returns. Slivers (see
// sliver) whose area is under minArea2/2 square units are dropped.
//
// Edge cancellation is a union only for polygons that do not overlap
// (parcels of a plan); where they do (road corridors crossing each
// other), the edges left cross. polygons then calls fn with nothing and
// returns false, and the caller draws those polygons one by one.
func (d *dissolver) polygons(minArea2 int64, fn func(rings [][]pt)) bool {
	if !d.cancel() {
		return false
	}
	d.link(minArea2, fn)
	return true
}

// cancel cancels the opposite edges of the rings added since reset,
// leaving the others in d.out, and reports false where two of those cross:
// the first half of polygons.
func (d *dissolver) cancel() bool {
	d.sortKeys()
	d.out = d.out[:0]
	for i := 0; i < len(d.keys); {
		j, s := i, int32(0)
		for ; j < len(d.keys) && d.keys[j].lo == d.keys[i].lo && d.keys[j].hi == d.keys[i].hi; j++ {
			s += d.keys[j].sign
		}
		// Emitting |s| copies keeps every vertex balanced (as many edges
		// in as out), so that the walk below always closes its rings,
		// even where same-code polygons overlap.
		for ; s > 0; s-- {
			d.out = append(d.out, edge{d.keys[i].lo, d.keys[i].hi})
		}
		for ; s < 0; s++ {
			d.out = append(d.out, edge{d.keys[i].hi, d.keys[i].lo})
		}
		i = j
	}
	return len(d.out) == 0 || !d.crossing()
}

// link links the edges of d.out left by cancel into rings and calls fn
// with each polygon they form (see polygons): the second half of polygons.
func (d *dissolver) link(minArea2 int64, fn func(rings [][]pt)) {
	if len(d.out) == 0 {
		return
	}
	d.sortOut()
	d.used = slices.Grow(d.used[:0], len(d.out))[:len(d.out)]
	clear(d.used)
	d.starts = d.starts[:0]
	for _, e := range d.out {
		d.starts = append(d.starts, ptKey(e.a))
	}

	// Link the edges into rings. From any unused edge, following unused
	// edges can only stop where it started (every vertex is balanced). At
	// a vertex with several ways out, the leftmost turn is taken: the
	// interior is on the left of every edge, so that keeps polygons that
	// touch at a point, and holes touching their exterior, as separate
	// simple rings.
	d.rings, d.pool = d.rings[:0], d.pool[:0]
	for e0 := range d.out {
		if d.used[e0] {
			continue
		}
		d.used[e0] = true
		d.ring = append(d.ring[:0], d.out[e0].a)
		prev, cur := d.out[e0].a, d.out[e0].b
		for {
			// Back at the start, the ring closes only if the turn rule
			// would take the first edge again; otherwise it passes
			// through (a vertex where rings touch), so that rings never
			// cross there.
			next := d.pick(prev, cur, e0)
			if next == e0 || next < 0 {
				break // next < 0 is unreachable for balanced input
			}
			d.ring = append(d.ring, cur)
			d.used[next] = true
			prev, cur = cur, d.out[next].b
		}
		r := cleanRing(d.ring)
		if len(r) < 3 {
			continue
		}
		a := area2(r)
		if a == 0 || (a < minArea2 && -a < minArea2 && sliver(r, a)) {
			continue
		}
		zr := zoneRing{p0: len(d.pool), area2: a, min: r[0], max: r[0]}
		for _, p := range r {
			zr.min.x, zr.min.y = min(zr.min.x, p.x), min(zr.min.y, p.y)
			zr.max.x, zr.max.y = max(zr.max.x, p.x), max(zr.max.y, p.y)
		}
		d.pool = append(d.pool, r...)
		zr.p1 = len(d.pool)
		d.rings = append(d.rings, zr)
	}
	d.assemble(fn)
}

// sortKeys sorts d.keys by lo, then hi (the sign in no given order).
// Where the edges span less than 2^15 units, as in a tile, the keys are
// packed in integers and sorted as such: several times faster than
// comparing points.
func (d *dissolver) sortKeys() {
	if len(d.keys) == 0 {
		return
	}
	lo, hi := d.keys[0].lo, d.keys[0].lo
	for _, k := range d.keys {
		lo.x, lo.y = min(lo.x, k.lo.x, k.hi.x), min(lo.y, k.lo.y, k.hi.y)
		hi.x, hi.y = max(hi.x, k.lo.x, k.hi.x), max(hi.y, k.lo.y, k.hi.y)
	}
	if int64(hi.x)-int64(lo.x) >= 1<<15 || int64(hi.y)-int64(lo.y) >= 1<<15 {
		slices.SortFunc(d.keys, func(a, b keyed) int {
			if c := cmpPt(a.lo, b.lo); c != 0 {
				return c
			}
			return cmpPt(a.hi, b.hi)
		})
		return
	}
	d.packed = d.packed[:0]
	for _, k := range d.keys {
		v := uint64(k.lo.x-lo.x)<<46 | uint64(k.lo.y-lo.y)<<31 | uint64(k.hi.x-lo.x)<<16 | uint64(k.hi.y-lo.y)<<1
		if k.sign > 0 {
			v |= 1
		}
		d.packed = append(d.packed, v)
	}
	slices.Sort(d.packed)
	const m = 1<<15 - 1
	for i, v := range d.packed {
		d.keys[i] = keyed{
			lo:   pt{lo.x + int32(v>>46&m), lo.y + int32(v>>31&m)},
			hi:   pt{lo.x + int32(v>>16&m), lo.y + int32(v>>1&m)},
			sign: int32(v&1)*2 - 1,
		}
	}
}

// sortOut sorts d.out by start, then end, as sortKeys does.
func (d *dissolver) sortOut() {
	lo, hi := d.out[0].a, d.out[0].a
	for _, e := range d.out {
		lo.x, lo.y = min(lo.x, e.a.x, e.b.x), min(lo.y, e.a.y, e.b.y)
		hi.x, hi.y = max(hi.x, e.a.x, e.b.x), max(hi.y, e.a.y, e.b.y)
	}
	if int64(hi.x)-int64(lo.x) >= 1<<16 || int64(hi.y)-int64(lo.y) >= 1<<16 {
		slices.SortFunc(d.out, func(a, b edge) int {
			if c := cmpPt(a.a, b.a); c != 0 {
				return c
			}
			return cmpPt(a.b, b.b)
		})
		return
	}
	d.packed = d.packed[:0]
	for _, e := range d.out {
		d.packed = append(d.packed, uint64(e.a.x-lo.x)<<48|uint64(e.a.y-lo.y)<<32|uint64(e.b.x-lo.x)<<16|uint64(e.b.y-lo.y))
	}
	slices.Sort(d.packed)
	const m = 1<<16 - 1
	for i, v := range d.packed {
		d.out[i] = edge{pt{lo.x + int32(v>>48&m), lo.y + int32(v>>32&m)}, pt{lo.x + int32(v>>16&m), lo.y + int32(v&m)}}
	}
}

// crossing reports whether two of the edges left after cancellation cross
// properly (each through the other's interior): the sign of overlapping
// input. Edges are bucketed on a grid (cells of 16 units or more, about
// one per edge, at most 256 by 256) so that only neighbours are compared.
func (d *dissolver) crossing() bool {
	lo, hi := d.out[0].a, d.out[0].a
	for _, e := range d.out {
		lo.x, lo.y = min(lo.x, e.a.x, e.b.x), min(lo.y, e.a.y, e.b.y)
		hi.x, hi.y = max(hi.x, e.a.x, e.b.x), max(hi.y, e.a.y, e.b.y)
	}
	shift := uint(4)
	for int64(hi.x)-int64(lo.x) >= 256<<shift || int64(hi.y)-int64(lo.y) >= 256<<shift ||
		((int64(hi.x)-int64(lo.x))>>shift+1)*((int64(hi.y)-int64(lo.y))>>shift+1) > int64(len(d.out)) {
		shift++
	}
	nx := int((int64(hi.x)-int64(lo.x))>>shift) + 1
	ny := int((int64(hi.y)-int64(lo.y))>>shift) + 1
	span := func(e edge) (x0, x1, y0, y1 int) {
		x0 = int((int64(min(e.a.x, e.b.x)) - int64(lo.x)) >> shift)
		x1 = int((int64(max(e.a.x, e.b.x)) - int64(lo.x)) >> shift)
		y0 = int((int64(min(e.a.y, e.b.y)) - int64(lo.y)) >> shift)
		y1 = int((int64(max(e.a.y, e.b.y)) - int64(lo.y)) >> shift)
		return x0, x1, y0, y1
	}
	// Counting sort of the edges into their cells: d.cellStart[c] is the
	// first of cell c's edges in d.cellEdges.
	nb := nx * ny
	d.cellStart = slices.Grow(d.cellStart[:0], nb+1)[:nb+1]
	clear(d.cellStart)
	for _, e := range d.out {
		x0, x1, y0, y1 := span(e)
		for cy := y0; cy <= y1; cy++ {
			for cx := x0; cx <= x1; cx++ {
				d.cellStart[cy*nx+cx+1]++
			}
		}
	}
	for c := range nb {
		d.cellStart[c+1] += d.cellStart[c]
	}
	d.cellEdges = slices.Grow(d.cellEdges[:0], int(d.cellStart[nb]))[:d.cellStart[nb]]
	d.cellFill = append(d.cellFill[:0], d.cellStart[:nb]...)
	for k, e := range d.out {
		x0, x1, y0, y1 := span(e)
		for cy := y0; cy <= y1; cy++ {
			for cx := x0; cx <= x1; cx++ {
				c := cy*nx + cx
				d.cellEdges[d.cellFill[c]] = int32(k)
				d.cellFill[c]++
			}
		}
	}
	for c := range nb {
		in := d.cellEdges[d.cellStart[c]:d.cellStart[c+1]]
		for x, i := range in {
			e := d.out[i]
			ex0, ex1 := min(e.a.x, e.b.x), max(e.a.x, e.b.x)
			ey0, ey1 := min(e.a.y, e.b.y), max(e.a.y, e.b.y)
			for _, j := range in[:x] {
				f := d.out[j]
				if max(f.a.x, f.b.x) < ex0 || min(f.a.x, f.b.x) > ex1 || max(f.a.y, f.b.y) < ey0 || min(f.a.y, f.b.y) > ey1 {
					continue // apart: no crossing
				}
				if properCross(e, f) {
					return true
				}
			}
		}
	}
	return false
}

func sign(v int64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// properCross reports whether segments e and f cross at a point interior
// to both.
func properCross(e, f edge) bool {
	o1, o2 := sign(cross(e.a, e.b, f.a)), sign(cross(e.a, e.b, f.b))
	o3, o4 := sign(cross(f.a, f.b, e.a)), sign(cross(f.a, f.b, e.b))
	return o1*o2 < 0 && o3*o4 < 0
}

// sliver reports whether a ring of twice the signed area a is thinner
// than half a unit on average (its area over half its perimeter): what a
// T-junction leaves, as opposed to a small but real zone, which is kept.
func sliver(r []pt, a int64) bool {
	var perim float64
	for i := range r {
		p, q := r[i], r[(i+1)%len(r)]
		perim += math.Hypot(float64(q.x-p.x), float64(q.y-p.y))
	}
	return math.Abs(float64(a)) < 0.5*perim
}

// pick returns the unused edge (or first, the ring's first edge, used)
// out of cur that turns leftmost coming from prev, avoiding going straight
// back when there is another way; -1 if none.
func (d *dissolver) pick(prev, cur pt, first int) int {
	lo, _ := slices.BinarySearch(d.starts, ptKey(cur))
	best, back := -1, -1
	bestAngle := math.Inf(-1)
	inX, inY := float64(cur.x-prev.x), float64(cur.y-prev.y)
	hi := lo
	for hi < len(d.out) && d.out[hi].a == cur {
		hi++
	}
	if hi == lo+1 {
		// One way out (most vertices): no angle to compare.
		if d.used[lo] && lo != first {
			return -1
		}
		return lo
	}
	for k := lo; k < hi; k++ {
		if d.used[k] && k != first {
			continue
		}
		w := d.out[k].b
		if w == prev {
			back = k
			continue
		}
		ox, oy := float64(w.x-cur.x), float64(w.y-cur.y)
		// Signed turn angle, left (counter-clockwise in these
		// coordinates, where exteriors have positive area) positive.
		ang := math.Atan2(inX*oy-inY*ox, inX*ox+inY*oy)
		if ang > bestAngle {
			best, bestAngle = k, ang
		}
	}
	if best < 0 {
		return back
	}
	return best
}

// assemble groups the rings into polygons: each hole goes to the smallest
// exterior that contains it. Holes inside no exterior (left by slivers)
// are dropped.
func (d *dissolver) assemble(fn func(rings [][]pt)) {
	var ext, holes []int
	for i, r := range d.rings {
		if r.area2 > 0 {
			ext = append(ext, i)
		} else {
			holes = append(holes, i)
		}
	}
	owner := make([]int, len(holes))
	for h, hi := range holes {
		owner[h] = -1
		hr := d.rings[hi]
		var bestArea int64
		for _, ei := range ext {
			er := d.rings[ei]
			if hr.min.x < er.min.x || hr.min.y < er.min.y || hr.max.x > er.max.x || hr.max.y > er.max.y {
				continue
			}
			if owner[h] >= 0 && er.area2 >= bestArea {
				continue
			}
			if d.ringInside(hr, er) {
				owner[h], bestArea = ei, er.area2
			}
		}
	}
	var out [][]pt
	for _, ei := range ext {
		er := d.rings[ei]
		out = append(out[:0], d.pool[er.p0:er.p1])
		for h, hi := range holes {
			if owner[h] == ei {
				hr := d.rings[hi]
				out = append(out, d.pool[hr.p0:hr.p1])
			}
		}
		fn(out)
	}
}

// ringInside reports whether ring in lies inside ring out, judged by its
// first vertex that is not on out's boundary (rings of one union never
// cross).
func (d *dissolver) ringInside(in, out zoneRing) bool {
	o := d.pool[out.p0:out.p1]
	for _, p := range d.pool[in.p0:in.p1] {
		switch pointInRing(p, o) {
		case 1:
			return true
		case -1:
			return false
		}
	}
	// Every vertex on the boundary: the hole fills a notch of the
	// exterior; call it inside.
	return true
}

// pointInRing returns 1 when p is inside ring r (not closed), -1 outside
// and 0 on its boundary, exactly, in integers.
func pointInRing(p pt, r []pt) int {
	inside := false
	n := len(r)
	for i := range n {
		a, b := r[i], r[(i+1)%n]
		if cross(a, b, p) == 0 && min(a.x, b.x) <= p.x && p.x <= max(a.x, b.x) && min(a.y, b.y) <= p.y && p.y <= max(a.y, b.y) {
			return 0
		}
		if (a.y > p.y) != (b.y > p.y) {
			// x of the edge at p.y, compared without division.
			lhs := int64(p.x-a.x) * int64(b.y-a.y)
			rhs := int64(b.x-a.x) * int64(p.y-a.y)
			if b.y > a.y {
				if lhs < rhs {
					inside = !inside
				}
			} else if lhs > rhs {
				inside = !inside
			}
		}
	}
	if inside {
		return 1
	}
	return -1
}
