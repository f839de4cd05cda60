package tiler

import (
	"math"
	"math/bits"
	"slices"
)

// Raster union: where the polygons of a dissolving layer overlap (the
// towns of the benchmark sets do, and road corridors crossing), edge
// cancellation is no union (see dissolve.go). There the zones are made on
// a raster of the tile instead:
//
//  1. Each polygon is scan-converted from its exact Web Mercator
//     coordinates onto a grid of cells of a quarter pixel, aligned on the
//     tile grid of the whole zoom (so neighbouring tiles agree in their
//     buffers); a cell takes the dissolve value of the last polygon, in
//     index order, whose area holds its centre. Index order is the order
//     in which the detail tiles draw the parcels, so where parcels of
//     different values overlap the zone shows the one the viewer shows on
//     top there, and zones of different values never overlap. Further
//     from the detail zoom the zones are drawn on cells of up to a pixel,
//     each taking a value by error diffusion from the finest grid (see
//     downsample), so that every value keeps its area.
//  2. The boundaries between cells of different values are traced into
//     chains that run between nodes (grid corners where three or four
//     boundary edges meet); each chain separates the same two values along
//     its length.
//  3. Each chain is simplified once (Douglas-Peucker, under 3/4 of the
//     finest cell, its nodes kept) and used by the zones on both of its sides,
//     so shared boundaries stay shared: no gaps, no overlaps. A simplified
//     chain that would cross, touch or run along another is put back
//     unsimplified (raster boundaries never cross), until none does.
//  4. Each value's chains, walked with the value on their left, are linked
//     into rings and polygons by the dissolver.
//
// The work is bounded: a tile whose raster needs more than
// Options.UnionMaxWork steps, more than Options.UnionMaxEdges boundary
// edges or more than Options.UnionMaxValues values is not unioned; its
// zones keep the overlapping polygons whole, as before, and the build
// summary counts it.

// unionChain is a boundary between two values of the raster: left is the
// label on the left of its vertices walked in order (label 0: nothing).
type unionChain struct {
	left, right uint16
	r0, r1      int32 // raw vertices (the staircase's corners) in unioner.raw
	s0, s1      int32 // simplified vertices in unioner.simp
	simplified  bool  // s0..s1 is in use (it differs from the raw chain)
}

// unioner rasterises the polygons of one tile and traces their zones. Its
// buffers are reused from tile to tile; it is not safe for concurrent use.
type unioner struct {
	cell   int32 // cell size, tile units
	x0, y0 int32 // tile coordinates of the grid's top-left corner
	w, h   int   // cells
	lab    []uint16
	work   int
	// maxWork and maxEdges bound fill's steps since start and trace's unit
	// edges (Options.UnionMaxWork, UnionMaxEdges).
	maxWork, maxEdges int
	xs                []float64
	seg               []float64 // the polygon being filled: x0,y0,x1,y1 per edge
	rows              []unionRows
	active            []unionRows
	visV              []bool // vertical edge at corner column ci, row j: visV[j*(w+1)+ci]
	visH              []bool // horizontal edge at row cj, column i: visH[cj*w+i]
	chains            []unionChain
	raw               []pt
	simp              []pt
	stack             [][2]int32
	keep              []bool
	// crossing check
	bucketStart []int32
	bucketSegs  []int32
	segs        []unionSeg
	bad         []bool
	// eachLabel: the chains' sides by label
	bySide              []unionSide
	sideStart, sideFill []int32
	labels              []uint16
	owed                []int         // downsample: fine cells owed to each label
	corners             []unionCorner // trace: the corners on a boundary
}

// unionRows are the rows r0..r1 of the raster that edge k of
// unioner.seg may cross (see fill).
type unionRows struct{ r0, r1, k int32 }

// unionSeg is a segment of a chain as checked for crossings.
type unionSeg struct {
	a, b  pt
	chain int32
}

// unionCellSize returns the raster cell for a tile extent: a quarter of a
// pixel of a 256-pixel tile, a power of two dividing the extent.
func unionCellSize(extent int) int32 {
	c := int32(1)
	for int(c)*2*1024 <= extent && extent%(int(c)*2) == 0 {
		c *= 2
	}
	return c
}

// start prepares an empty raster covering the clip rectangle clip.
func (u *unioner) start(cell int32, clip rect) {
	u.cell = cell
	u.x0 = floorDiv(clip.min, cell) * cell
	u.y0 = u.x0
	x1 := -floorDiv(-clip.max, cell) * cell
	u.w = int((x1 - u.x0) / cell)
	u.h = u.w
	n := u.w * u.h
	u.lab = slices.Grow(u.lab[:0], n)[:n]
	clear(u.lab)
	u.work = 0
}

func floorDiv(a, b int32) int32 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// beginPolygon starts the edges of a polygon to fill.
func (u *unioner) beginPolygon() { u.seg = u.seg[:0] }

// addRing adds a ring of the polygon (tile coordinates, floating point,
// closed or not) to the edges to fill.
func (u *unioner) addRing(r [][2]float64) {
	n := len(r)
	if n < 3 {
		return
	}
	for k := range n {
		a, b := r[k], r[(k+1)%n]
		if a[1] == b[1] {
			continue // horizontal edges cross no scan line
		}
		u.seg = append(u.seg, a[0], a[1], b[0], b[1])
	}
}

// fill gives label to every cell whose centre lies inside the polygon's
// edges (even-odd rule: holes and multipolygon parts as drawn). It
// reports false when the work budget is spent.
func (u *unioner) fill(label uint16) bool {
	if len(u.seg) == 0 {
		return true
	}
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for k := 0; k < len(u.seg); k += 4 {
		ymin = min(ymin, u.seg[k+1], u.seg[k+3])
		ymax = max(ymax, u.seg[k+1], u.seg[k+3])
	}
	c := float64(u.cell)
	// Rows whose centre y0+(j+0.5)c lies in [ymin, ymax).
	j0 := max(0, int(math.Ceil((ymin-float64(u.y0))/c-0.5)))
	j1 := min(u.h-1, int(math.Ceil((ymax-float64(u.y0))/c-0.5))-1)
	if j0 > j1 {
		return true
	}
	u.work += (j1 - j0 + 1) * len(u.seg) / 4
	if u.work > u.maxWork {
		return false
	}
	// Polygons of many edges crossing many rows test, on each row, only
	// the edges whose rows (with a row of margin) include it: the active
	// edges. The crossings found are the same.
	active := len(u.seg)/4 > 8 && j1 > j0
	if active {
		u.rows = u.rows[:0]
		for k := 0; k < len(u.seg); k += 4 {
			ylo, yhi := min(u.seg[k+1], u.seg[k+3]), max(u.seg[k+1], u.seg[k+3])
			r0 := max(j0, int(math.Floor((ylo-float64(u.y0))/c-0.5)))
			r1 := min(j1, int(math.Ceil((yhi-float64(u.y0))/c-0.5)))
			if r0 <= r1 {
				u.rows = append(u.rows, unionRows{int32(r0), int32(r1), int32(k)})
			}
		}
		slices.SortFunc(u.rows, func(a, b unionRows) int { return int(a.r0 - b.r0) })
		u.active = u.active[:0]
	}
	next := 0
	for j := j0; j <= j1; j++ {
		yc := float64(u.y0) + (float64(j)+0.5)*c
		u.xs = u.xs[:0]
		cross := func(k int) {
			ax, ay, bx, by := u.seg[k], u.seg[k+1], u.seg[k+2], u.seg[k+3]
			if (ay > yc) != (by > yc) {
				u.xs = append(u.xs, ax+(yc-ay)*(bx-ax)/(by-ay))
			}
		}
		if active {
			for ; next < len(u.rows) && int(u.rows[next].r0) <= j; next++ {
				u.active = append(u.active, u.rows[next])
			}
			kept := u.active[:0]
			for _, r := range u.active {
				if int(r.r1) >= j {
					kept = append(kept, r)
					cross(int(r.k))
				}
			}
			u.active = kept
		} else {
			for k := 0; k < len(u.seg); k += 4 {
				cross(k)
			}
		}
		slices.Sort(u.xs)
		row := u.lab[j*u.w : (j+1)*u.w]
		for k := 0; k+1 < len(u.xs); k += 2 {
			// Cells whose centre x0+(i+0.5)c lies in [xs[k], xs[k+1]).
			i0 := max(0, int(math.Ceil((u.xs[k]-float64(u.x0))/c-0.5)))
			i1 := min(u.w-1, int(math.Ceil((u.xs[k+1]-float64(u.x0))/c-0.5))-1)
			if i0 > i1 {
				continue
			}
			u.work += i1 - i0 + 1
			for i := i0; i <= i1; i++ {
				row[i] = label
			}
		}
	}
	return u.work <= u.maxWork
}

// downsample sets the labels of u, whose cells are k by k cells of fine
// (k a power of two, at most 16), from fine's, by error diffusion: each cell takes,
// of the labels of its fine cells, the one with the most fine cells plus
// the fine cells it was owed by the cells before it (in scan order). The
// area of every label, nothing (label 0) included, thus stays within a
// few cells of fine's over the raster, where taking the label at the
// cell's centre would leave each to chance. labels is the number of
// labels, 0 included.
func (u *unioner) downsample(fine *unioner, labels int) {
	k := int(u.cell / fine.cell)
	di := int((u.x0 - fine.x0) / fine.cell)
	dj := int((u.y0 - fine.y0) / fine.cell)
	u.owed = slices.Grow(u.owed[:0], labels)[:labels]
	clear(u.owed)
	var present [256]uint16
	var count [256]int
	for j := range u.h {
		for i := range u.w {
			// A cell over fine cells of one label takes it, owing nothing.
			if l, ok := fine.uniform(i*k+di, j*k+dj, k); ok {
				u.lab[j*u.w+i] = l
				continue
			}
			n := 0
			for fj := j*k + dj; fj < (j+1)*k+dj; fj++ {
				for fi := i*k + di; fi < (i+1)*k+di; fi++ {
					l := fine.at(fi, fj)
					x := 0
					for x < n && present[x] != l {
						x++
					}
					if x == n {
						present[n], count[n] = l, 0
						n++
					}
					count[x]++
				}
			}
			best, bestScore := 0, math.MinInt
			for x := range n {
				if s := count[x] + u.owed[present[x]]; s > bestScore || (s == bestScore && present[x] < present[best]) {
					best, bestScore = x, s
				}
			}
			for x := range n {
				u.owed[present[x]] += count[x]
			}
			u.owed[present[best]] -= k * k
			u.lab[j*u.w+i] = present[best]
		}
	}
}

// uniform returns the label of the k by k cells from (i, j), all inside
// the raster, when they all have it.
func (u *unioner) uniform(i, j, k int) (uint16, bool) {
	if i < 0 || j < 0 || i+k > u.w || j+k > u.h {
		return 0, false
	}
	l := u.lab[j*u.w+i]
	for fj := j; fj < j+k; fj++ {
		for _, m := range u.lab[fj*u.w+i : fj*u.w+i+k] {
			if m != l {
				return 0, false
			}
		}
	}
	return l, true
}

// at returns the label of cell (i, j), 0 outside the raster.
func (u *unioner) at(i, j int) uint16 {
	if i < 0 || j < 0 || i >= u.w || j >= u.h {
		return 0
	}
	return u.lab[j*u.w+i]
}

// count returns the cells of each label whose centre lies in the square
// 0..ext of tile coordinates (the tile proper), in counts[label].
func (u *unioner) count(ext int32, counts []int) {
	i0 := int((0 - u.x0) / u.cell)
	i1 := min(u.w, int((ext-u.x0)/u.cell))
	for j := i0; j < min(u.h, i1); j++ {
		for _, l := range u.lab[j*u.w+i0 : j*u.w+i1] {
			counts[l]++
		}
	}
}

// Directions of a unit edge from a corner.
const (
	dirUp = iota
	dirRight
	dirDown
	dirLeft
)

// edges returns the boundary edges from corner (ci, cj), the unit edges
// that separate two labels: bit 1<<d for direction d.
func (u *unioner) edges(ci, cj int) uint8 {
	var tl, tr, bl, br uint16 // the cells around the corner
	if ci > 0 && cj > 0 && ci < u.w && cj < u.h {
		k := (cj-1)*u.w + ci - 1
		tl, tr, bl, br = u.lab[k], u.lab[k+1], u.lab[k+u.w], u.lab[k+u.w+1]
	} else {
		tl, tr, bl, br = u.at(ci-1, cj-1), u.at(ci, cj-1), u.at(ci-1, cj), u.at(ci, cj)
	}
	var m uint8
	if tl != tr {
		m |= 1 << dirUp
	}
	if bl != br {
		m |= 1 << dirDown
	}
	if tl != bl {
		m |= 1 << dirLeft
	}
	if tr != br {
		m |= 1 << dirRight
	}
	return m
}

// visited returns the visit flag of the unit edge from (ci, cj) in d.
func (u *unioner) visited(ci, cj, d int) *bool {
	switch d {
	case dirUp:
		return &u.visV[(cj-1)*(u.w+1)+ci]
	case dirDown:
		return &u.visV[cj*(u.w+1)+ci]
	case dirLeft:
		return &u.visH[cj*u.w+ci-1]
	default:
		return &u.visH[cj*u.w+ci]
	}
}

var stepOf = [4][2]int{dirUp: {0, -1}, dirRight: {1, 0}, dirDown: {0, 1}, dirLeft: {-1, 0}}

// sides returns the labels on the left and right of the unit edge from
// (ci, cj) in direction d (left as dissolve.go orients rings: exteriors of
// positive area2).
func (u *unioner) sides(ci, cj, d int) (left, right uint16) {
	switch d {
	case dirRight: // top edge of the cell below
		return u.at(ci, cj), u.at(ci, cj-1)
	case dirLeft: // bottom edge of the cell above
		return u.at(ci-1, cj-1), u.at(ci-1, cj)
	case dirDown: // right edge of the cell on the left
		return u.at(ci-1, cj), u.at(ci, cj)
	default: // left edge of the cell on the right
		return u.at(ci, cj-1), u.at(ci-1, cj-1)
	}
}

func (u *unioner) corner(ci, cj int) pt {
	return pt{u.x0 + int32(ci)*u.cell, u.y0 + int32(cj)*u.cell}
}

// trace finds the chains of the raster's boundaries. It reports false
// when they have more than u.maxEdges unit edges.
func (u *unioner) trace() bool {
	nv, nh := (u.w+1)*u.h, u.w*(u.h+1)
	u.visV = slices.Grow(u.visV[:0], nv)[:nv]
	u.visH = slices.Grow(u.visH[:0], nh)[:nh]
	clear(u.visV)
	clear(u.visH)
	u.chains, u.raw = u.chains[:0], u.raw[:0]
	n := 0 // unit edges walked
	walk := func(ci, cj, d int) bool {
		left, right := u.sides(ci, cj, d)
		ch := unionChain{left: left, right: right, r0: int32(len(u.raw))}
		u.raw = append(u.raw, u.corner(ci, cj))
		sci, scj := ci, cj
		for {
			*u.visited(ci, cj, d) = true
			n++
			ci, cj = ci+stepOf[d][0], cj+stepOf[d][1]
			m := u.edges(ci, cj)
			if (ci == sci && cj == scj) || bits.OnesCount8(m) != 2 {
				break
			}
			// Degree 2: go on by the other edge.
			nd := bits.TrailingZeros8(m &^ (1 << ((d + 2) % 4)))
			if nd != d {
				u.raw = append(u.raw, u.corner(ci, cj))
			}
			d = nd
		}
		u.raw = append(u.raw, u.corner(ci, cj))
		ch.r1 = int32(len(u.raw))
		u.chains = append(u.chains, ch)
		return n <= u.maxEdges
	}
	// Chains from the nodes first, then the loops without any, from the
	// corners on a boundary (u.corners, in the same scan order).
	u.corners = u.corners[:0]
	for cj := 0; cj <= u.h; cj++ {
		var above, below []uint16 // the rows of cells around an inner corner row
		if cj > 0 && cj < u.h {
			above, below = u.lab[(cj-1)*u.w:cj*u.w], u.lab[cj*u.w:(cj+1)*u.w]
		}
		for ci := 0; ci <= u.w; ci++ {
			if ci > 0 && ci < len(above) {
				if l := above[ci]; above[ci-1] == l && below[ci-1] == l && below[ci] == l {
					continue // inside one label (most corners), as edges would say
				}
			}
			m := u.edges(ci, cj)
			if m == 0 {
				continue // inside one label: no edge
			}
			u.corners = append(u.corners, unionCorner{int32(ci), int32(cj), m})
			if bits.OnesCount8(m) <= 2 {
				continue
			}
			for d := range 4 {
				if m&(1<<d) != 0 && !*u.visited(ci, cj, d) {
					if !walk(ci, cj, d) {
						return false
					}
				}
			}
		}
	}
	for _, c := range u.corners {
		ci, cj := int(c.ci), int(c.cj)
		for _, d := range [2]int{dirRight, dirDown} {
			if c.edges&(1<<d) != 0 && !*u.visited(ci, cj, d) {
				if !walk(ci, cj, d) {
					return false
				}
			}
		}
	}
	return true
}

// unionCorner is a corner of the raster on a boundary, with its edges
// (see unioner.edges).
type unionCorner struct {
	ci, cj int32
	edges  uint8
}

// simplify simplifies every chain under tol units, then puts back
// unsimplified the chains whose simplified form crosses, touches or runs
// along another chain, until none does.
func (u *unioner) simplify(tol float64) {
	u.simp = u.simp[:0]
	for k := range u.chains {
		ch := &u.chains[k]
		raw := u.raw[ch.r0:ch.r1]
		ch.s0 = int32(len(u.simp))
		u.simp = simplifyChain(u.simp, raw, tol, &u.stack, &u.keep)
		ch.s1 = int32(len(u.simp))
		ch.simplified = int(ch.s1-ch.s0) < len(raw)
		if ch.simplified && raw[0] == raw[len(raw)-1] && ch.s1-ch.s0 < 4 {
			ch.simplified = false // a loop collapsed to a line
		}
	}
	for range 16 {
		if !u.revertBad() {
			return
		}
	}
	for k := range u.chains {
		u.chains[k].simplified = false
	}
}

// eachLabel calls fn with each label but 0, in the order of cmp, after
// loading d.out with the edges of the chains around it, walked with the
// label on their left: d.link then makes its zone. No edge needs
// cancelling: every unit edge of the raster is in one chain, and simplify
// leaves no two segments the same.
func (u *unioner) eachLabel(d *dissolver, cmp func(a, b uint16) int, fn func(label uint16)) {
	// The chains' sides by label (a counting sort, chains in order):
	// u.sideStart[lab] is the first of label lab's in u.bySide.
	n := 0
	for _, ch := range u.chains {
		n = max(n, int(ch.left), int(ch.right))
	}
	u.sideStart = slices.Grow(u.sideStart[:0], n+2)[:n+2]
	clear(u.sideStart)
	for _, ch := range u.chains {
		u.sideStart[ch.left+1]++
		u.sideStart[ch.right+1]++
	}
	u.labels = u.labels[:0]
	for lab := 1; lab <= n; lab++ {
		if u.sideStart[lab+1] > 0 {
			u.labels = append(u.labels, uint16(lab))
		}
	}
	for lab := range n + 1 {
		u.sideStart[lab+1] += u.sideStart[lab]
	}
	u.bySide = slices.Grow(u.bySide[:0], int(u.sideStart[n+1]))[:u.sideStart[n+1]]
	u.sideFill = append(u.sideFill[:0], u.sideStart[:n+1]...)
	for k, ch := range u.chains {
		u.bySide[u.sideFill[ch.left]] = unionSide{int32(k), false}
		u.sideFill[ch.left]++
		u.bySide[u.sideFill[ch.right]] = unionSide{int32(k), true}
		u.sideFill[ch.right]++
	}
	slices.SortFunc(u.labels, cmp)
	for _, lab := range u.labels {
		d.out = d.out[:0]
		for _, s := range u.bySide[u.sideStart[lab]:u.sideStart[lab+1]] {
			d.addOutPath(u.path(int(s.chain)), s.rev)
		}
		fn(lab)
	}
}

// unionSide is a chain seen from the label on one of its sides.
type unionSide struct {
	chain int32
	rev   bool // the label is on the chain's right: walk it backwards
}

// path returns the vertices of chain k in use.
func (u *unioner) path(k int) []pt {
	ch := u.chains[k]
	if ch.simplified {
		return u.simp[ch.s0:ch.s1]
	}
	return u.raw[ch.r0:ch.r1]
}

// revertBad puts back unsimplified every simplified chain with a segment
// that crosses, touches or overlaps another segment, and reports whether
// it found any.
func (u *unioner) revertBad() bool {
	const bucket = 16 // tile units
	u.segs = u.segs[:0]
	anySimplified := false
	for k := range u.chains {
		p := u.path(k)
		anySimplified = anySimplified || u.chains[k].simplified
		for i := 0; i+1 < len(p); i++ {
			u.segs = append(u.segs, unionSeg{a: p[i], b: p[i+1], chain: int32(k)})
		}
	}
	if !anySimplified {
		return false
	}
	span := int(u.w)*int(u.cell)/bucket + 1
	nb := span * span
	u.bucketStart = slices.Grow(u.bucketStart[:0], nb+1)[:nb+1]
	clear(u.bucketStart)
	cells := func(s unionSeg, fn func(b int)) {
		bx0 := int(min(s.a.x, s.b.x)-u.x0) / bucket
		bx1 := int(max(s.a.x, s.b.x)-u.x0) / bucket
		by0 := int(min(s.a.y, s.b.y)-u.y0) / bucket
		by1 := int(max(s.a.y, s.b.y)-u.y0) / bucket
		for by := max(0, by0); by <= min(span-1, by1); by++ {
			for bx := max(0, bx0); bx <= min(span-1, bx1); bx++ {
				fn(by*span + bx)
			}
		}
	}
	for _, s := range u.segs {
		cells(s, func(b int) { u.bucketStart[b+1]++ })
	}
	for b := range nb {
		u.bucketStart[b+1] += u.bucketStart[b]
	}
	u.bucketSegs = slices.Grow(u.bucketSegs[:0], int(u.bucketStart[nb]))[:u.bucketStart[nb]]
	fillAt := slices.Clone(u.bucketStart[:nb])
	for k, s := range u.segs {
		cells(s, func(b int) {
			u.bucketSegs[fillAt[b]] = int32(k)
			fillAt[b]++
		})
	}
	u.bad = slices.Grow(u.bad[:0], len(u.chains))[:len(u.chains)]
	clear(u.bad)
	found := false
	for b := range nb {
		in := u.bucketSegs[u.bucketStart[b]:u.bucketStart[b+1]]
		for x, si := range in {
			s := u.segs[si]
			sSimp := u.chains[s.chain].simplified
			for _, ti := range in[x+1:] {
				t := u.segs[ti]
				if !sSimp && !u.chains[t.chain].simplified {
					continue // raster boundaries never cross
				}
				if segmentsConflict(s.a, s.b, t.a, t.b) {
					for _, c := range [2]int32{s.chain, t.chain} {
						if u.chains[c].simplified {
							u.bad[c] = true
							found = true
						}
					}
				}
			}
		}
	}
	for k, b := range u.bad {
		if b {
			u.chains[k].simplified = false
		}
	}
	return found
}

// segmentsConflict reports whether segments a-b and c-d (of no length
// zero) cross, or touch anywhere but at shared endpoints, or are the same
// segment: what would make the rings built from them invalid.
func segmentsConflict(a, b, c, d pt) bool {
	if (a == c && b == d) || (a == d && b == c) {
		return true
	}
	o1, o2 := cross(a, b, c), cross(a, b, d)
	o3, o4 := cross(c, d, a), cross(c, d, b)
	if sign(o1)*sign(o2) < 0 && sign(o3)*sign(o4) < 0 {
		return true
	}
	return (o1 == 0 && strictlyOn(c, a, b)) || (o2 == 0 && strictlyOn(d, a, b)) ||
		(o3 == 0 && strictlyOn(a, c, d)) || (o4 == 0 && strictlyOn(b, c, d))
}

// strictlyOn reports whether p, collinear with a-b, lies on the segment
// and is neither of its ends.
func strictlyOn(p, a, b pt) bool {
	if p == a || p == b {
		return false
	}
	return min(a.x, b.x) <= p.x && p.x <= max(a.x, b.x) && min(a.y, b.y) <= p.y && p.y <= max(a.y, b.y)
}

// simplifyChain appends to dst the vertices of chain p kept by
// Douglas-Peucker under tol units: its ends always, and for a closed
// chain (a loop) the vertex farthest from its start too.
func simplifyChain(dst, p []pt, tol float64, stack *[][2]int32, keep *[]bool) []pt {
	n := len(p)
	if n <= 2 {
		return append(dst, p...)
	}
	*keep = slices.Grow((*keep)[:0], n)[:n]
	k := *keep
	clear(k)
	k[0], k[n-1] = true, true
	*stack = (*stack)[:0]
	if p[0] == p[n-1] {
		far, fd := 0, -1.0
		for i := 1; i < n-1; i++ {
			if d := math.Hypot(float64(p[i].x-p[0].x), float64(p[i].y-p[0].y)); d > fd {
				far, fd = i, d
			}
		}
		k[far] = true
		*stack = append(*stack, [2]int32{0, int32(far)}, [2]int32{int32(far), int32(n - 1)})
	} else {
		*stack = append(*stack, [2]int32{0, int32(n - 1)})
	}
	tol2 := tol * tol
	for len(*stack) > 0 {
		s := (*stack)[len(*stack)-1]
		*stack = (*stack)[:len(*stack)-1]
		i0, i1 := int(s[0]), int(s[1])
		if i1-i0 < 2 {
			continue
		}
		a, b := p[i0], p[i1]
		dx, dy := float64(b.x-a.x), float64(b.y-a.y)
		l2 := dx*dx + dy*dy
		best, bd := -1, tol2
		for i := i0 + 1; i < i1; i++ {
			// Distance to the segment, not its line: a chain folding back
			// past an end keeps the fold.
			px, py := float64(p[i].x-a.x), float64(p[i].y-a.y)
			t := 0.0
			if l2 > 0 {
				t = min(1, max(0, (px*dx+py*dy)/l2))
			}
			ex, ey := px-t*dx, py-t*dy
			d2 := ex*ex + ey*ey
			if d2 > bd {
				best, bd = i, d2
			}
		}
		if best >= 0 {
			k[best] = true
			*stack = append(*stack, [2]int32{int32(i0), int32(best)}, [2]int32{int32(best), int32(i1)})
		}
	}
	for i, kept := range k {
		if kept {
			dst = append(dst, p[i])
		}
	}
	return dst
}
