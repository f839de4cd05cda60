package index

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// nodeSize is the fan-out of the packed R-tree: 16 keeps a node's boxes in
// a few cache lines and the tree shallow (five levels for a million
// features).
const nodeSize = 16

// packedTree is a static R-tree packed bottom-up in Hilbert order (the
// flatbush layout): built once from all bounds, in O(n log n), with no
// per-node allocation. A layer never changes, so nothing is lost by not
// supporting inserts, and loading a million features takes a sort instead
// of a million inserts. Boxes are float64, so candidates are exact.
type packedTree struct {
	// boxes holds 4 float64 (minx, miny, maxx, maxy) per node: the leaves
	// (one per feature with geometry, in Hilbert order), then each upper
	// level, the root last.
	boxes []float64
	// items maps leaf k to its feature number.
	items []int32
	// levels[k] is the node number where level k starts; the last entry
	// is the total number of nodes.
	levels []int
}

// pack builds the tree over bounds[i] for the features listed in items
// (features without geometry are left out). full is the union of those
// bounds. items is reordered and kept.
func pack(items []int32, bound func(i int32) orb.Bound, full orb.Bound) packedTree {
	n := len(items)
	t := packedTree{items: items}
	if n == 0 {
		return t
	}
	// Hilbert keys of the box centres on a 2^16 grid over the full bounds,
	// sorted with the feature number in the low bits.
	w, h := full.Max[0]-full.Min[0], full.Max[1]-full.Min[1]
	sx, sy := 0.0, 0.0
	if w > 0 {
		sx = 65535 / w
	}
	if h > 0 {
		sy = 65535 / h
	}
	keys := make([]uint64, n)
	for k, i := range items {
		b := bound(i)
		x := uint32(((b.Min[0]+b.Max[0])/2 - full.Min[0]) * sx)
		y := uint32(((b.Min[1]+b.Max[1])/2 - full.Min[1]) * sy)
		keys[k] = uint64(hilbert(min(x, 65535), min(y, 65535)))<<32 | uint64(uint32(i))
	}
	slices.Sort(keys)
	total := n
	for c := n; c > 1; {
		c = (c + nodeSize - 1) / nodeSize
		total += c
	}
	t.boxes = make([]float64, 0, 4*total)
	for k, key := range keys {
		i := int32(uint32(key))
		items[k] = i
		b := bound(i)
		t.boxes = append(t.boxes, b.Min[0], b.Min[1], b.Max[0], b.Max[1])
	}
	t.levels = []int{0}
	start, end := 0, n
	for end-start > 1 {
		for a := start; a < end; a += nodeSize {
			b := min(a+nodeSize, end)
			x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
			for c := a; c < b; c++ {
				x0, y0 = min(x0, t.boxes[4*c]), min(y0, t.boxes[4*c+1])
				x1, y1 = max(x1, t.boxes[4*c+2]), max(y1, t.boxes[4*c+3])
			}
			t.boxes = append(t.boxes, x0, y0, x1, y1)
		}
		t.levels = append(t.levels, end)
		start, end = end, len(t.boxes)/4
	}
	t.levels = append(t.levels, end)
	return t
}

// search calls fn with every feature whose box intersects b, until fn
// returns false.
func (t *packedTree) search(b orb.Bound, fn func(i int) bool) {
	t.searchBoxes(b, func(i int, _ []float64) bool { return fn(i) })
}

// searchBoxes is search that also gives fn the feature's box (minx, miny,
// maxx, maxy: its exact bounds), so that a caller need not compute them
// again from the coordinates.
func (t *packedTree) searchBoxes(b orb.Bound, fn func(i int, box []float64) bool) {
	if len(t.items) == 0 {
		return
	}
	// A depth-first walk: at most nodeSize-1 siblings wait per level.
	var stack [128]uint64 // node<<8 | level
	todo := stack[:0]
	top := len(t.levels) - 2 // the root's level
	if top == 0 {
		// A single leaf is the root.
		bx := t.boxes[0:4]
		if !(bx[0] > b.Max[0] || bx[1] > b.Max[1] || bx[2] < b.Min[0] || bx[3] < b.Min[1]) {
			fn(int(t.items[0]), bx)
		}
		return
	}
	todo = append(todo, uint64(t.levels[top])<<8|uint64(top))
	for len(todo) > 0 {
		e := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		node, level := int(e>>8), int(e&0xff)
		// Children of node j of this level are nodes [j*16, j*16+16) of
		// the level below.
		j := node - t.levels[level]
		lo := t.levels[level-1] + j*nodeSize
		hi := min(lo+nodeSize, t.levels[level])
		for c := hi - 1; c >= lo; c-- {
			bx := t.boxes[4*c : 4*c+4 : 4*c+4]
			if bx[0] > b.Max[0] || bx[1] > b.Max[1] || bx[2] < b.Min[0] || bx[3] < b.Min[1] {
				continue
			}
			if level == 1 {
				// Leaves need no stack.
				if !fn(int(t.items[c]), bx) {
					return
				}
				continue
			}
			todo = append(todo, uint64(c)<<8|uint64(level-1))
		}
	}
}

// bytes returns the memory the tree holds.
func (t *packedTree) bytes() int {
	return cap(t.boxes)*8 + cap(t.items)*4 + cap(t.levels)*8
}

// hilbert returns the position of (x, y) on the Hilbert curve filling a
// 2^16 × 2^16 grid.
func hilbert(x, y uint32) uint32 {
	var d uint32
	for s := uint32(1 << 15); s > 0; s >>= 1 {
		var rx, ry uint32
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		d += s * s * ((3 * rx) ^ ry)
		if ry == 0 {
			if rx == 1 {
				x, y = 65535-x, 65535-y
			}
			x, y = y, x
		}
	}
	return d
}
