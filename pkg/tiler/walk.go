package tiler

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/sonla-gis/plantile/pkg/index"
)

// The walk decides which tiles to build. It descends the tile pyramid from
// 0/0/0, carrying for each tile the features whose geometry reaches it
// (the tile plus its buffer plus reachMargin units), each clipped to that
// rectangle; a child is visited only if the clipped geometry of one of its
// parent's features reaches the child's own rectangle. The work thus
// follows the output: a polygon spanning the world costs one clip per tile
// it covers, and a parcel with a stray vertex at (0, 0) costs the tiles
// along its spike, not every tile of its bounding box.
//
// What a tile holds is still decided by the encoder, from the R-tree: the
// walk only has to visit every tile the encoder would fill, and may visit
// a few it leaves empty. A vertex moves by at most half a unit when
// snapped, so geometry whose snapped form reaches the clip rectangle
// reaches it unsnapped within that rectangle grown by half a unit; the
// margin of two units covers that with room for rounding. Holes are left
// out (an encoder draws a polygon's holes only with its exterior), and a
// polygon's bounding-box centre counts as reached (where a tiny polygon's
// square is drawn).

// reachMargin is how far, in tile units, beyond the tile's buffer the walk
// looks for geometry.
const reachMargin = 2

// cand is a feature reaching the tile being walked.
type cand struct {
	layer, idx int32
	clip       *clipped // nil: the feature lies wholly inside the rectangle
}

// clipped is the part of a feature inside a rectangle: exterior rings
// (polygons), line pieces or points, as flat x,y Web Mercator lists.
type clipped struct {
	bound frect
	parts [][]float64
}

// frect is a rectangle in Web Mercator world units.
type frect struct{ x0, y0, x1, y1 float64 }

func (r frect) containsRect(b frect) bool {
	return b.x0 >= r.x0 && b.x1 <= r.x1 && b.y0 >= r.y0 && b.y1 <= r.y1
}

func (r frect) intersects(b frect) bool {
	return b.x0 <= r.x1 && b.x1 >= r.x0 && b.y0 <= r.y1 && b.y1 >= r.y0
}

func (r frect) containsPt(x, y float64) bool {
	return x >= r.x0 && x <= r.x1 && y >= r.y0 && y <= r.y1
}

// reach returns the rectangle of tile z/x/y in which the walk looks for
// geometry.
func (t *Tiler) reach(z, x, y int) frect {
	ext := float64(t.opts.Extent)
	pad := float64(t.bufferUnits + reachMargin)
	s := ext * math.Exp2(float64(z))
	return frect{
		x0: (float64(x)*ext - pad) / s, y0: (float64(y)*ext - pad) / s,
		x1: (float64(x+1)*ext + pad) / s, y1: (float64(y+1)*ext + pad) / s,
	}
}

// ErrTooManyTiles is returned (wrapped) by Plan and Run when a build would
// write more than Options.MaxTiles tiles.
var ErrTooManyTiles = errors.New("tiler: too many tiles")

// Plan counts the tiles of each zoom that Run would visit, without
// building any: the estimate a caller checks before the work starts. It
// stops, returning an error wrapping ErrTooManyTiles, as soon as the count
// passes Options.MaxTiles, so its own work is bounded by the limit.
func (t *Tiler) Plan(ctx context.Context) (map[int]int, error) {
	counts := map[int]int{}
	_, err := t.plan(ctx, func(z, _, _ int) { counts[z]++ })
	return counts, err
}

// plan walks the tiles to build, calling fn with each, and returns them
// packed (tileKey), up to Options.MaxTiles: 8 bytes a tile, so that Run
// need not walk twice.
func (t *Tiler) plan(ctx context.Context, fn func(z, x, y int)) ([]uint64, error) {
	if err := t.areaBound(); err != nil {
		return nil, err
	}
	var keys []uint64
	err := t.walk(ctx, func(z, x, y int) error {
		if len(keys) == t.opts.MaxTiles {
			return t.tooMany()
		}
		keys = append(keys, tileKey(z, x, y))
		if fn != nil {
			fn(z, x, y)
		}
		return nil
	})
	return keys, err
}

// tileKey packs z/x/y (z at most 24) into a uint64; unpackKey reverses it.
func tileKey(z, x, y int) uint64 { return uint64(z)<<56 | uint64(x)<<28 | uint64(y) }

func unpackKey(k uint64) (z, x, y int) {
	return int(k >> 56), int(k >> 28 & (1<<28 - 1)), int(k & (1<<28 - 1))
}

// areaBound fails at once, before walking, when one polygon alone covers
// more tiles than the limit: a polygon of area A needs at least A / (area
// of a tile) tiles at each zoom. A world-wide polygon is thus refused
// without visiting millions of tiles first.
func (t *Tiler) areaBound() error {
	for li, l := range t.layers {
		var zs float64 // sum of 4^z over the layer's zooms
		for z := l.MinZoom; z <= l.MaxZoom; z++ {
			zs += math.Exp2(2 * float64(z))
		}
		for i := range l.Data.Len() {
			if l.Data.Kind(i).Dimension() != 2 || t.skipped(li, i) {
				continue
			}
			if n := polygonArea(l.Data, i, 1) * zs; n > float64(t.opts.MaxTiles) {
				return t.tooManyFor(li, i, fmt.Sprintf("covers at least %.3g tiles from z%d to z%d", n, l.MinZoom, l.MaxZoom))
			}
		}
	}
	return nil
}

// tooManyFor describes the limit that was passed because of feature i of
// layer li.
func (t *Tiler) tooManyFor(li, i int, why string) error {
	l := t.layers[li]
	b := l.Data.FeatureBound(i)
	return fmt.Errorf("%w: more than %d tiles to build; feature id %d of layer %q, spanning %.4g° by %.4g° (%.4f,%.4f to %.4f,%.4f), %s",
		ErrTooManyTiles, t.opts.MaxTiles, l.Data.ID(i), l.Name, b.Max[0]-b.Min[0], b.Max[1]-b.Min[1], b.Min[0], b.Min[1], b.Max[0], b.Max[1], why)
}

// tooMany describes the limit that was passed and the feature that most
// likely caused it: the one whose bounds span the most tiles at its
// layer's max zoom.
func (t *Tiler) tooMany() error {
	worst, wl, wi := 0.0, -1, -1
	for li, l := range t.layers {
		n := math.Exp2(float64(l.MaxZoom))
		for i, b := range t.mercBounds[li] {
			if t.skipped(li, i) || l.Data.Kind(i) == index.KindNone {
				continue
			}
			span := (math.Floor(b.Max[0]*n) - math.Floor(b.Min[0]*n) + 1) * (math.Floor(b.Max[1]*n) - math.Floor(b.Min[1]*n) + 1)
			if span > worst {
				worst, wl, wi = span, li, i
			}
		}
	}
	if wl < 0 {
		return fmt.Errorf("%w: more than %d tiles to build", ErrTooManyTiles, t.opts.MaxTiles)
	}
	return t.tooManyFor(wl, wi, fmt.Sprintf("the widest: up to %.3g tiles at z%d", worst, t.layers[wl].MaxZoom))
}

// root returns the candidates of tile 0/0/0: every feature with a
// geometry that was not skipped.
func (t *Tiler) root() []cand {
	var root []cand
	for li, l := range t.layers {
		for i := range l.Data.Len() {
			if l.Data.Kind(i) != index.KindNone && !t.skipped(li, i) {
				root = append(root, cand{layer: int32(li), idx: int32(i)})
			}
		}
	}
	return root
}

// walk calls visit with every tile to build, depth first from 0/0/0.
func (t *Tiler) walk(ctx context.Context, visit func(z, x, y int) error) error {
	minZ, maxZ := t.ZoomRange()
	root := t.root()
	if len(root) == 0 {
		return nil
	}
	w := walker{t: t, ctx: ctx, visit: visit, minZ: minZ, maxZ: maxZ}
	return w.node(0, 0, 0, root)
}

type walker struct {
	t          *Tiler
	ctx        context.Context
	visit      func(z, x, y int) error
	minZ, maxZ int
	steps      int
	bufs       [2][]float64
}

func (w *walker) node(z, x, y int, cands []cand) error {
	if w.steps++; w.steps&1023 == 0 {
		if err := w.ctx.Err(); err != nil {
			return err
		}
	}
	if z >= w.minZ {
		for _, c := range cands {
			if w.t.layers[c.layer].MinZoom <= z {
				if err := w.visit(z, x, y); err != nil {
					return err
				}
				break
			}
		}
	}
	if z == w.maxZ {
		return nil
	}
	for _, d := range [4][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
		cx, cy := 2*x+d[0], 2*y+d[1]
		child := w.children(cands, z+1, w.t.reach(z+1, cx, cy))
		if len(child) > 0 {
			if err := w.node(z+1, cx, cy, child); err != nil {
				return err
			}
		}
	}
	return nil
}

// children returns the candidates of a child tile: those of its parent,
// of layers that go deeper, whose geometry reaches r. When nothing changes
// it returns cands itself.
func (w *walker) children(cands []cand, z int, r frect) []cand {
	var out []cand
	same := true
	for k, c := range cands {
		l := &w.t.layers[c.layer]
		nc, keep := c, false
		if l.MaxZoom >= z {
			nc, keep = w.clip(c, r)
		}
		if same && keep && nc == c {
			continue
		}
		if same {
			same = false
			out = append(make([]cand, 0, len(cands)-k), cands[:k]...)
		}
		if keep {
			out = append(out, nc)
		}
	}
	if same {
		return cands
	}
	return out
}

// clip returns the part of c inside r, and whether it reaches r.
func (w *walker) clip(c cand, r frect) (cand, bool) {
	t := w.t
	mb := t.mercBounds[c.layer][c.idx]
	b := frect{mb.Min[0], mb.Min[1], mb.Max[0], mb.Max[1]}
	if c.clip == nil && r.containsRect(b) {
		return c, true // the common case, first
	}
	l := t.layers[c.layer].Data
	dim := l.Kind(int(c.idx)).Dimension()
	centre := dim == 2 && r.containsPt((b.x0+b.x1)/2, (b.y0+b.y1)/2)
	if c.clip != nil {
		if len(c.clip.parts) == 0 { // only the centre reached the parent
			return c, centre
		}
		b = c.clip.bound
		if r.containsRect(b) {
			return c, true
		}
	}
	if !r.intersects(b) {
		if centre {
			return cand{layer: c.layer, idx: c.idx, clip: &clipped{bound: frect{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}}}, true
		}
		return c, false
	}
	// The parts to clip: the parent's clipped parts, or the feature's own.
	var src [][]float64
	if c.clip != nil {
		src = c.clip.parts
	} else {
		g0, g1 := l.Groups(int(c.idx))
		for g := g0; g < g1; g++ {
			r0, r1 := l.Rings(g)
			if dim == 2 {
				r1 = r0 + 1 // exteriors only
			}
			for ri := r0; ri < r1; ri++ {
				src = append(src, l.RingMercator(ri))
			}
		}
	}
	out := &clipped{bound: frect{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}}
	add := func(p []float64) {
		q := append([]float64(nil), p...)
		out.parts = append(out.parts, q)
		for k := 0; k+1 < len(q); k += 2 {
			out.bound.x0, out.bound.x1 = min(out.bound.x0, q[k]), max(out.bound.x1, q[k])
			out.bound.y0, out.bound.y1 = min(out.bound.y0, q[k+1]), max(out.bound.y1, q[k+1])
		}
	}
	for _, p := range src {
		switch dim {
		case 0:
			var in []float64
			for k := 0; k+1 < len(p); k += 2 {
				if r.containsPt(p[k], p[k+1]) {
					in = append(in, p[k], p[k+1])
				}
			}
			if len(in) > 0 {
				add(in)
			}
		case 1:
			w.bufs[0] = clipLineF(p, r, w.bufs[0][:0], add)
		default:
			ring := clipRingF(p, r, &w.bufs)
			if ringReaches(ring, r) {
				add(ring)
			}
		}
	}
	if len(out.parts) == 0 && !centre {
		return c, false
	}
	return cand{layer: c.layer, idx: c.idx, clip: out}, true
}

// clipRingF clips a flat ring to r with Sutherland-Hodgman, in the two
// scratch buffers; the result aliases one of them.
func clipRingF(ring []float64, r frect, bufs *[2][]float64) []float64 {
	in := ring
	for edge := range 4 {
		out := bufs[edge&1][:0]
		var c float64
		switch edge {
		case 0:
			c = r.x0
		case 1:
			c = r.x1
		case 2:
			c = r.y0
		default:
			c = r.y1
		}
		inside := func(x, y float64) bool {
			switch edge {
			case 0:
				return x >= c
			case 1:
				return x <= c
			case 2:
				return y >= c
			}
			return y <= c
		}
		if n := len(in); n >= 2 {
			px, py := in[n-2], in[n-1]
			pin := inside(px, py)
			for k := 0; k+1 < n; k += 2 {
				x, y := in[k], in[k+1]
				cin := inside(x, y)
				if cin != pin {
					if edge < 2 {
						out = append(out, c, py+(c-px)/(x-px)*(y-py))
					} else {
						out = append(out, px+(c-py)/(y-py)*(x-px), c)
					}
				}
				if cin {
					out = append(out, x, y)
				}
				px, py, pin = x, y, cin
			}
		}
		bufs[edge&1] = out
		in = out
	}
	return in
}

// ringReaches reports whether a ring clipped to r by Sutherland-Hodgman
// covers any of r's interior: it has an edge that is not along r's border
// (the ring crosses the interior), or, running along the border only, it
// encloses more than half of r (it covers all of it). The zero-width runs
// Sutherland-Hodgman leaves along the border for concave rings do not
// count.
func ringReaches(ring []float64, r frect) bool {
	n := len(ring)
	if n < 6 {
		return false
	}
	var area float64
	px, py := ring[n-2], ring[n-1]
	for k := 0; k+1 < n; k += 2 {
		x, y := ring[k], ring[k+1]
		border := (x == px && (x == r.x0 || x == r.x1)) || (y == py && (y == r.y0 || y == r.y1))
		if !border && (x != px || y != py) {
			return true
		}
		area += (px-r.x0)*(y-r.y0) - (x-r.x0)*(py-r.y0)
		px, py = x, y
	}
	return math.Abs(area)/2 > (r.x1-r.x0)*(r.y1-r.y0)/2
}

// clipLineF clips a flat line to r and calls fn with each piece left.
func clipLineF(line []float64, r frect, buf []float64, fn func([]float64)) []float64 {
	piece := buf[:0]
	flush := func() {
		if len(piece) >= 4 {
			fn(piece)
		}
		piece = piece[:0]
	}
	for k := 2; k+1 < len(line); k += 2 {
		ax, ay, bx, by, ok := clipSegmentF(line[k-2], line[k-1], line[k], line[k+1], r)
		if !ok {
			flush()
			continue
		}
		if n := len(piece); n == 0 || piece[n-2] != ax || piece[n-1] != ay {
			flush()
			piece = append(piece, ax, ay)
		}
		piece = append(piece, bx, by)
		if bx != line[k] || by != line[k+1] {
			flush()
		}
	}
	if len(line) == 2 && r.containsPt(line[0], line[1]) { // a one-point line
		piece = append(piece[:0], line[0], line[1], line[0], line[1])
	}
	flush()
	return piece
}

// clipSegmentF clips segment a-b to r (Liang-Barsky), reporting whether
// any of it is left.
func clipSegmentF(ax, ay, bx, by float64, r frect) (float64, float64, float64, float64, bool) {
	t0, t1 := 0.0, 1.0
	dx, dy := bx-ax, by-ay
	for _, e := range [4][2]float64{{-dx, ax - r.x0}, {dx, r.x1 - ax}, {-dy, ay - r.y0}, {dy, r.y1 - ay}} {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return 0, 0, 0, 0, false
			}
			continue
		}
		u := q / p
		if p < 0 {
			if u > t1 {
				return 0, 0, 0, 0, false
			}
			t0 = max(t0, u)
		} else {
			if u < t0 {
				return 0, 0, 0, 0, false
			}
			t1 = min(t1, u)
		}
	}
	nax, nay, nbx, nby := ax, ay, bx, by
	if t0 > 0 {
		nax, nay = ax+t0*dx, ay+t0*dy
	}
	if t1 < 1 {
		nbx, nby = ax+t1*dx, ay+t1*dy
	}
	return nax, nay, nbx, nby, true
}
