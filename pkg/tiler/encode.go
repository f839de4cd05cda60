package tiler

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"

	"github.com/sonla-gis/plantile/pkg/index"
)

// feat is one feature of the tile being built, its geometry already
// encoded as MVT commands in encoder.geom.
type feat struct {
	layer   int32
	idx     int32   // position in the index layer
	typ     uint8   // MVT geometry type
	g0, g1  int32   // range in encoder.geom
	size    float64 // area (polygons) or length (lines) in tile units; what dropping ranks by
	dropped bool
	zone    int32 // index in encoder.zones for a zone feature; -1 for a feature of the index
}

// encoder builds tiles; each worker owns one, so that its scratch buffers
// are reused from tile to tile without locks.
type encoder struct {
	t *Tiler

	// per tile
	z           int
	snap        snapper
	clip        rect
	acc         float64 // area of tiny polygons not yet drawn, current layer
	feats       []feat
	geom        []uint32
	ids         []int
	dropped     int
	coalesced   int
	squares     int
	pts         []pt
	bufs        [2][]pt
	cursor      pt
	ringsOut    int // rings written for the feature being encoded
	featureSize float64

	// per layer assembly
	gen      uint32
	keyIdx   []int32
	stamps   [][][]uint64 // [layer][field][value code] = gen<<32 | value index
	keys     []int
	values   [][2]int // (field, code)
	tags     []uint32
	featBuf  []byte
	layerBuf []byte
	valBuf   []byte
	out      []byte

	gz   *deflater // final compression
	fast *deflater // size estimates

	// zone generalisation, per tile (see zones.go)
	dissolver dissolver
	unioner   unioner
	unionRef  unioner // the finest raster, for the fidelity's reference
	// unions counts the layers of the tile zoned on the raster,
	// unionFallbacks those over its limits, drawn with overlaps.
	unions, unionFallbacks int
	zoneParts              []zonePart
	retryParts             []zonePart
	cancelGroups           []cancelGroup // see tryCancelZones
	cancelEdges            []edge
	linePieces             []linePiece
	lineKeys               []lineGroup
	zonePool               []pt
	zones                  []zone
	dissolved              int
	thinned                int
	zoneLayers             []zoneLayerArea
	zoneGrid               int32 // grid step of zone vertices, tile units
	fidelityCodes          []uint32
	fa                     [][2]float64
	fb                     [2][][2]float64
	// per layer assembly of zone features
	zoneValues []any
	zoneKeyIdx [len(zoneKeys)]int32
}

func newEncoder(t *Tiler) *encoder {
	e := &encoder{t: t, stamps: make([][][]uint64, len(t.layers))}
	for i, l := range t.layers {
		e.stamps[i] = make([][]uint64, len(l.Data.Schema().Fields))
	}
	e.gz, e.fast = newDeflater(GzipLevel), newDeflater(1)
	for _, u := range []*unioner{&e.unioner, &e.unionRef} {
		u.maxWork, u.maxEdges = t.opts.UnionMaxWork, t.opts.UnionMaxEdges
	}
	return e
}

// result is what building one tile produced.
type result struct {
	raw       []byte // MVT bytes; nil when the tile is empty
	gz        []byte // gzipped, aliases the encoder's buffer
	features  int
	dropped   int
	coalesced int
	oversize  *Oversize // a feature that alone exceeds MaxTileBytes here
	dissolved int
	thinned   int
	fidelity  float64 // worst zone share error in percentage points; -1 without zones
	unions    int     // layers zoned on the raster (see union.go)
	fallbacks int     // layers over the raster's limits, drawn with overlaps
}

func (e *encoder) tile(z, x, y int) result {
	t := e.t
	e.z = z
	ext := t.opts.Extent
	e.snap = snapper{scale: float64(ext) * math.Exp2(float64(z)), ox: int64(x) * int64(ext), oy: int64(y) * int64(ext)}
	buf := t.bufferUnits
	e.clip = rect{min: int32(-buf), max: int32(ext + buf)}
	e.feats, e.geom, e.dropped, e.coalesced = e.feats[:0], e.geom[:0], 0, 0
	e.zones, e.dissolved, e.zoneLayers, e.thinned = e.zones[:0], 0, e.zoneLayers[:0], 0
	e.unions, e.unionFallbacks = 0, 0

	n := math.Exp2(float64(z))
	bw := float64(buf) / float64(ext)
	mx0, my0 := (float64(x)-bw)/n, (float64(y)-bw)/n
	mx1, my1 := (float64(x)+1+bw)/n, (float64(y)+1+bw)/n
	lon0, lat0 := index.LonLat(mx0, my1)
	lon1, lat1 := index.LonLat(mx1, my0)
	for li := range t.layers {
		l := &t.layers[li]
		if z < l.MinZoom || z > l.MaxZoom {
			continue
		}
		e.ids = e.ids[:0]
		l.Data.Search(boundOf(lon0, lat0, lon1, lat1), func(i int) bool {
			e.ids = append(e.ids, i)
			return true
		})
		slices.Sort(e.ids)
		e.acc = 0
		tiny := t.tinyArea > 0 && z < l.MaxZoom
		if t.dissolveField[li] >= 0 && z < l.DetailZoom {
			e.zoneLayer(int32(li), l.Data, t.dissolveField[li])
			continue
		}
		if t.mergeFields[li] != nil && z < l.MaxZoom {
			e.mergeLayer(int32(li), l.Data, t.mergeFields[li])
			continue
		}
		th := t.thin[li]
		for _, i := range e.ids {
			if t.skipped(li, i) {
				continue
			}
			if !th.kept(z, i) {
				e.thinned++
				continue
			}
			e.addFeature(int32(li), l.Data, i, tiny)
		}
	}
	return e.finish()
}

func (e *encoder) addFeature(li int32, l *index.Layer, i int, tiny bool) {
	start := len(e.geom)
	e.cursor = pt{}
	e.featureSize = 0
	var typ uint8
	switch l.Kind(i).Dimension() {
	case 0:
		typ = typePoint
		e.points(l, i)
	case 1:
		typ = typeLine
		e.lines(l, i)
	case 2:
		typ = typePolygon
		if tiny {
			if a := polygonArea(l, i, e.snap.scale); a < e.t.tinyArea {
				e.tinyPolygon(l, i, a)
				if len(e.geom) > start {
					e.feats = append(e.feats, feat{layer: li, idx: int32(i), typ: typ, g0: int32(start), g1: int32(len(e.geom)), size: e.t.tinyArea, zone: -1})
				}
				return
			}
		}
		e.polygons(l, i)
	default:
		return
	}
	if len(e.geom) > start {
		e.feats = append(e.feats, feat{layer: li, idx: int32(i), typ: typ, g0: int32(start), g1: int32(len(e.geom)), size: e.featureSize, zone: -1})
	}
}

// polygonArea returns the area of feature i in tile units at the snapper's
// scale, before snapping: exteriors minus holes.
func polygonArea(l *index.Layer, i int, scale float64) float64 {
	var total float64
	g0, g1 := l.Groups(i)
	for g := g0; g < g1; g++ {
		r0, r1 := l.Rings(g)
		for r := r0; r < r1; r++ {
			c := l.RingMercator(r)
			if len(c) < 6 {
				continue
			}
			x0, y0 := c[0], c[1]
			var s float64
			for k := 2; k+3 < len(c); k += 2 {
				s += (c[k]-x0)*(c[k+3]-y0) - (c[k+2]-x0)*(c[k+1]-y0)
			}
			s = math.Abs(s) / 2
			if r == r0 {
				total += s
			} else {
				total -= s
			}
		}
	}
	return total * scale * scale
}

// tinyPolygon handles a polygon smaller than the tiny threshold below the
// layer's max zoom: its area is added to the layer's accumulator, and
// whenever that reaches one threshold's worth a square of that area is
// drawn where the feature is, carrying its id and attributes. The share of
// area of each land-use pattern thus survives at low zooms instead of
// vanishing. Only polygons whose centre lies in the tile proper count, so
// that each is accounted for in exactly one tile.
func (e *encoder) tinyPolygon(l *index.Layer, i int, area float64) {
	b := l.MercatorBound(i)
	c := e.snap.snap((b.Min[0]+b.Max[0])/2, (b.Min[1]+b.Max[1])/2)
	ext := int32(e.t.opts.Extent)
	if c.x < 0 || c.y < 0 || c.x >= ext || c.y >= ext {
		return
	}
	e.acc += area
	if e.acc < e.t.tinyArea {
		e.coalesced++
		return
	}
	e.acc -= e.t.tinyArea
	s := e.t.tinySide
	x0, y0 := c.x-s/2, c.y-s/2
	sq := append(e.bufs[0][:0], pt{x0, y0}, pt{x0 + s, y0}, pt{x0 + s, y0 + s}, pt{x0, y0 + s})
	e.bufs[0] = sq
	e.ring(sq, true)
}

func (e *encoder) points(l *index.Layer, i int) {
	e.pts = e.pts[:0]
	g0, g1 := l.Groups(i)
	for g := g0; g < g1; g++ {
		r0, r1 := l.Rings(g)
		for r := r0; r < r1; r++ {
			c := l.RingMercator(r)
			for k := 0; k+1 < len(c); k += 2 {
				if p := e.snap.snap(c[k], c[k+1]); e.clip.contains(p) {
					e.pts = append(e.pts, p)
				}
			}
		}
	}
	if len(e.pts) == 0 {
		return
	}
	e.geom = append(e.geom, command(cmdMoveTo, len(e.pts)))
	for _, p := range e.pts {
		e.geom = append(e.geom, zigzag(p.x-e.cursor.x), zigzag(p.y-e.cursor.y))
		e.cursor = p
	}
}

// snapRing snaps ring r into e.pts, dropping consecutive duplicates, and
// reports whether it lies wholly inside the clip rectangle.
func (e *encoder) snapRing(l *index.Layer, r int) bool {
	c := l.RingMercator(r)
	e.pts = e.pts[:0]
	inside := true
	for k := 0; k+1 < len(c); k += 2 {
		p := e.snap.snap(c[k], c[k+1])
		if n := len(e.pts); n > 0 && e.pts[n-1] == p {
			continue
		}
		inside = inside && e.clip.contains(p)
		e.pts = append(e.pts, p)
	}
	return inside
}

func (e *encoder) lines(l *index.Layer, i int) {
	g0, g1 := l.Groups(i)
	for g := g0; g < g1; g++ {
		r0, r1 := l.Rings(g)
		for r := r0; r < r1; r++ {
			if e.snapRing(l, r) {
				e.line(cleanLine(e.pts))
				continue
			}
			e.bufs[1] = clipLine(e.pts, e.clip, e.bufs[1], func(piece []pt) {
				e.line(cleanLine(piece))
			})
		}
	}
}

func (e *encoder) line(p []pt) {
	if len(p) < 2 {
		return
	}
	for k := 1; k < len(p); k++ {
		e.featureSize += math.Hypot(float64(p[k].x-p[k-1].x), float64(p[k].y-p[k-1].y))
	}
	e.ring(p, false)
}

func (e *encoder) polygons(l *index.Layer, i int) {
	g0, g1 := l.Groups(i)
	for g := g0; g < g1; g++ {
		r0, r1 := l.Rings(g)
		for r := r0; r < r1; r++ {
			var ring []pt
			if e.snapRing(l, r) {
				ring = e.pts
			} else {
				ring = clipRing(e.pts, e.clip, &e.bufs)
			}
			ring = cleanRing(ring)
			if len(ring) < 3 {
				if r == r0 {
					break // no exterior, so no polygon: skip its holes too
				}
				continue
			}
			a := area2(ring)
			if a == 0 {
				if r == r0 {
					break
				}
				continue
			}
			// MVT 2.1: exteriors have positive area in tile coordinates
			// (clockwise on screen), holes negative.
			if (r == r0) != (a > 0) {
				slices.Reverse(ring)
			}
			if r == r0 {
				e.featureSize += math.Abs(float64(a)) / 2
			} else {
				e.featureSize -= math.Abs(float64(a)) / 2
			}
			e.ring(ring, true)
		}
	}
}

// ring appends the commands of one line or polygon ring.
func (e *encoder) ring(p []pt, closed bool) {
	e.geom = append(e.geom, command(cmdMoveTo, 1), zigzag(p[0].x-e.cursor.x), zigzag(p[0].y-e.cursor.y))
	e.cursor = p[0]
	e.geom = append(e.geom, command(cmdLineTo, len(p)-1))
	for _, q := range p[1:] {
		e.geom = append(e.geom, zigzag(q.x-e.cursor.x), zigzag(q.y-e.cursor.y))
		e.cursor = q
	}
	if closed {
		e.geom = append(e.geom, command(cmdClosePath, 1))
	}
}

// finish applies the caps and encodes the tile. Features over the caps
// are dropped smallest first (area for polygons, length for lines, points
// before either), re-encoding until the tile fits.
func (e *encoder) finish() (res result) {
	res = result{coalesced: e.coalesced, dissolved: e.dissolved, thinned: e.thinned, fidelity: -1, unions: e.unions, fallbacks: e.unionFallbacks}
	if len(e.feats) == 0 {
		return res
	}
	defer func() {
		if len(e.zoneLayers) > 0 {
			res.fidelity = e.fidelity()
		}
	}()
	kept := len(e.feats)
	var order []int
	drop := func(k int) {
		if order == nil {
			order = make([]int, len(e.feats))
			for i := range order {
				order[i] = i
			}
			// Smallest first; among equals, the later feature first, so
			// that the result depends on the input order only.
			slices.SortStableFunc(order, func(a, b int) int {
				if d := e.feats[a].size - e.feats[b].size; d != 0 {
					if d < 0 {
						return -1
					}
					return 1
				}
				return b - a
			})
			order = order[:0:len(order)]
		}
		for ; k > 0 && kept > 0; k-- {
			order = order[:len(order)+1]
			e.feats[order[len(order)-1]].dropped = true
			kept--
			res.dropped++
		}
	}
	if max := e.t.opts.MaxTileFeatures; kept > max {
		drop(kept - max)
	}
	var gz []byte
	limit := e.t.opts.MaxTileBytes
	for {
		e.assemble()
		if len(e.out) > limit && kept > 0 {
			// Likely over the cap: size it with the fast compressor first,
			// so that a tile of megabytes is not compressed at full effort
			// several times over. Level 1 output is a few percent larger
			// than the final level's, so a fast size under the cap settles
			// it and one over 110% of it almost surely is too big.
			if fast := len(e.fast.gzip(e.out)); fast > limit*11/10 {
				drop(e.dropCount(kept, fast*24/25, limit))
				continue
			}
		}
		gz = e.gz.gzip(e.out)
		if len(gz) <= limit || kept == 0 {
			break
		}
		drop(e.dropCount(kept, len(gz), limit))
	}
	if kept == 0 {
		// Everything was dropped. The largest feature alone may still
		// fit (the drop counts are estimates); if it does not, it is
		// reported rather than silently lost.
		big := order[len(order)-1]
		e.feats[big].dropped = false
		e.assemble()
		gz = e.gz.gzip(e.out)
		if len(gz) > limit {
			f := e.feats[big]
			l := &e.t.layers[f.layer]
			res.oversize = &Oversize{Layer: l.Name, Index: int(f.idx), ID: l.Data.ID(int(f.idx)), Bytes: len(gz), Tiles: 1, Limit: limit}
			return res
		}
		kept = 1
		res.dropped--
	}
	res.raw, res.gz, res.features = e.out, gz, kept
	return res
}

// dropCount estimates how many of kept features to drop so that a tile of
// size bytes fits under limit, aiming a little below it.
func (e *encoder) dropCount(kept, size, limit int) int {
	k := int(math.Ceil(float64(kept) * (1 - 0.95*float64(limit)/float64(size))))
	return max(k, 1)
}

// assemble writes the MVT tile of the features not dropped into e.out.
func (e *encoder) assemble() {
	e.out = e.out[:0]
	f := 0
	for li := range e.t.layers {
		start := f
		for f < len(e.feats) && int(e.feats[f].layer) == li {
			f++
		}
		if f > start {
			e.layer(li, e.feats[start:f])
		}
	}
}

func (e *encoder) layer(li int, feats []feat) {
	l := &e.t.layers[li]
	fields := l.Data.Schema().Fields
	e.gen++
	e.keyIdx = e.keyIdx[:0]
	for range fields {
		e.keyIdx = append(e.keyIdx, -1)
	}
	e.keys, e.values = e.keys[:0], e.values[:0]
	e.zoneValues, e.zoneKeyIdx = e.zoneValues[:0], [len(zoneKeys)]int32{-1, -1}
	b := e.layerBuf[:0]
	b = appendString(b, 1, l.Name)
	wrote := false
	for _, ft := range feats {
		if ft.dropped {
			continue
		}
		wrote = true
		e.tags = e.tags[:0]
		if ft.zone >= 0 {
			b = e.zoneFeature(b, li, ft)
			continue
		}
		for fi := range fields {
			code, _ := l.Data.Value(int(ft.idx), fi)
			if code == 0 {
				continue
			}
			if e.keyIdx[fi] < 0 {
				e.keyIdx[fi] = int32(len(e.keys))
				e.keys = append(e.keys, fi)
			}
			e.tags = append(e.tags, uint32(e.keyIdx[fi]), e.valueIndex(li, fi, code))
		}
		fb := e.featBuf[:0]
		fb = appendKey(fb, 1, wireVarint)
		fb = binary.AppendUvarint(fb, l.Data.ID(int(ft.idx)))
		if len(e.tags) > 0 {
			fb = appendPacked(fb, 2, e.tags)
		}
		fb = appendKey(fb, 3, wireVarint)
		fb = binary.AppendUvarint(fb, uint64(ft.typ))
		fb = appendPacked(fb, 4, e.geom[ft.g0:ft.g1])
		e.featBuf = fb
		b = appendKey(b, 2, wireBytes)
		b = binary.AppendUvarint(b, uint64(len(fb)))
		b = append(b, fb...)
	}
	if !wrote {
		e.layerBuf = b
		return
	}
	for _, fi := range e.keys {
		if fi < 0 {
			b = appendString(b, 3, zoneKeys[-fi-1])
			continue
		}
		b = appendString(b, 3, fields[fi].Name)
	}
	for _, v := range e.values {
		var val any
		if v[0] < 0 {
			val = e.zoneValues[v[1]]
		} else {
			val = l.Data.DictValue(v[0], uint32(v[1]))
		}
		vb := appendValue(e.valBuf[:0], val)
		e.valBuf = vb
		b = appendKey(b, 4, wireBytes)
		b = binary.AppendUvarint(b, uint64(len(vb)))
		b = append(b, vb...)
	}
	b = appendKey(b, 5, wireVarint)
	b = binary.AppendUvarint(b, uint64(e.t.opts.Extent))
	b = appendKey(b, 15, wireVarint)
	b = binary.AppendUvarint(b, 2)
	e.layerBuf = b
	e.out = appendKey(e.out, 3, wireBytes)
	e.out = binary.AppendUvarint(e.out, uint64(len(b)))
	e.out = append(e.out, b...)
}

// valueIndex returns the index in the layer's values of the value with
// code code of field fi, adding it on first use.
func (e *encoder) valueIndex(li, fi int, code uint32) uint32 {
	st := e.stamps[li][fi]
	if st == nil {
		st = make([]uint64, e.t.layers[li].Data.Distinct(fi))
		e.stamps[li][fi] = st
	}
	if uint32(st[code]>>32) != e.gen {
		st[code] = uint64(e.gen)<<32 | uint64(len(e.values))
		e.values = append(e.values, [2]int{fi, int(code)})
	}
	return uint32(st[code])
}

// appendValue encodes a property as an MVT Value message: strings (and
// dates, and JSON as its text) as string_value, floats as double_value,
// non-negative integers as uint_value, negative ones as sint_value,
// booleans as bool_value.
func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case string:
		return appendString(b, 1, v)
	case float64:
		return appendDouble(b, 3, v)
	case int64:
		if v >= 0 {
			b = appendKey(b, 5, wireVarint)
			return binary.AppendUvarint(b, uint64(v))
		}
		b = appendKey(b, 6, wireVarint)
		return binary.AppendUvarint(b, uint64((v<<1)^(v>>63)))
	case bool:
		b = appendKey(b, 7, wireVarint)
		if v {
			return append(b, 1)
		}
		return append(b, 0)
	case json.RawMessage:
		return appendString(b, 1, string(v))
	}
	panic("tiler: unexpected property type") // the index admits no other
}
