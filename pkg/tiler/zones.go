package tiler

import (
	"cmp"
	"encoding/binary"
	"math"
	"math/bits"
	"slices"

	"github.com/sonla-gis/plantile/pkg/index"
)

// zoneKeys are the attributes a zone feature carries besides the value of
// the dissolve field: how many polygons of the tile it merges, and their
// total area in square metres.
var zoneKeys = [...]string{"zone_parcels", "zone_area_m2"}

// zonePart is one snapped, clipped and oriented ring of a polygon that
// goes into a zone.
type zonePart struct {
	code   uint32 // value code of the dissolve field
	idx    int32  // the feature in the index layer
	p0, p1 int32  // range in encoder.zonePool
}

// zone is one zone feature of the tile being built.
type zone struct {
	field   int   // the dissolve field; -1 for a merged line (see merge.go)
	line    int32 // merged line: index in encoder.lineKeys
	code    uint32
	parcels int64
	areaM2  float64
	inTile  float64 // area inside the tile proper, tile units²
}

// zoneTotals are the polygons of one value that a tile's zone merges.
type zoneTotals struct {
	parcels  int64
	areaM2   float64
	centered int // polygons whose centre is in the tile proper
}

// add counts a polygon of areaM2 square metres, centered when its centre
// is in the tile proper (see zoneParcel).
func (s *zoneTotals) add(areaM2 float64, centered bool) {
	s.parcels++
	s.areaM2 += areaM2
	if centered {
		s.centered++
	}
}

// zoneParcel returns the area of polygon feature i of layer li in square
// metres and whether its centre is in the tile proper: each polygon counts
// as dissolved once per zoom, in the tile holding its centre.
func (e *encoder) zoneParcel(li int32, i int) (areaM2 float64, centered bool) {
	b := e.t.mercBounds[li][i]
	ext := int32(e.t.opts.Extent)
	c := e.snap.snap((b.Min[0]+b.Max[0])/2, (b.Min[1]+b.Max[1])/2)
	return e.t.polygonAreasM2(li)[i], c.x >= 0 && c.y >= 0 && c.x < ext && c.y < ext
}

// polygonAreasM2 returns the area in square metres of every polygon of
// layer li (0 for other geometries), at the scale of the middle of its
// bounding box, computed on the first call: every tile of every zoom
// below the detail zoom needs them.
func (t *Tiler) polygonAreasM2(li int32) []float64 {
	t.areasOnce[li].Do(func() {
		l := t.layers[li].Data
		areas := make([]float64, l.Len())
		for i := range areas {
			if l.Kind(i).Dimension() != 2 {
				continue
			}
			b := t.mercBounds[li][i]
			_, lat := index.LonLat((b.Min[0]+b.Max[0])/2, (b.Min[1]+b.Max[1])/2)
			k := index.MetresPerPixel(lat, 0, 1) // metres of one world unit
			areas[i] = polygonArea(l, i, 1) * k * k
		}
		t.areasM2[li] = areas
	})
	return t.areasM2[li]
}

// zoneLayer encodes the features of a dissolving layer below its detail
// zoom: polygons are merged by the value of the dissolve field into one
// zone feature per value; other geometries are encoded as usual. Where
// polygons of one value overlap, edge cancellation is no union and the
// zones are made on a raster (see union.go).
func (e *encoder) zoneLayer(li int32, l *index.Layer, field int) {
	e.zoneParts, e.zonePool = e.zoneParts[:0], e.zonePool[:0]
	// Zones keep the ground resolution of the zoom below the detail zoom:
	// half as many grid steps per zoom further out, down to a quarter of a pixel.
	e.zoneGrid = 1
	for z := e.z; z < e.t.layers[li].DetailZoom-1 && e.zoneGrid < int32(e.t.opts.Extent/2048); z++ {
		e.zoneGrid *= 2
	}
	// Totals are computed once per polygon: sums of the polygons left
	// after snapping (edge cancellation), all of every polygon (the
	// raster union draws them all).
	sums, all := map[uint32]*zoneTotals{}, map[uint32]*zoneTotals{}
	layerDissolved := e.dissolved
	for _, i := range e.ids {
		if l.Kind(i).Dimension() != 2 {
			e.addFeature(li, l, i, false)
			continue
		}
		code, _ := l.Value(i, field)
		areaM2, centered := e.zoneParcel(li, i)
		t := all[code]
		if t == nil {
			t = &zoneTotals{}
			all[code] = t
		}
		t.add(areaM2, centered)
		before := len(e.zoneParts)
		e.zoneRings(l, i, code)
		if len(e.zoneParts) == before {
			// Smaller than the grid: its area went to its neighbours,
			// which snapped to the same points.
			if centered {
				e.dissolved++
			}
			continue
		}
		s := sums[code]
		if s == nil {
			s = &zoneTotals{}
			sums[code] = s
		}
		s.add(areaM2, centered)
	}
	e.zoneLayers = append(e.zoneLayers, zoneLayerArea{layer: li, exact: map[uint32]float64{}, drawn: map[uint32]float64{}})
	if len(e.zoneParts) == 0 {
		return
	}
	slices.SortStableFunc(e.zoneParts, func(a, b zonePart) int {
		switch {
		case a.code < b.code:
			return -1
		case a.code > b.code:
			return 1
		}
		return 0
	})
	geom0, zones0, feats0, dissolved0 := len(e.geom), len(e.zones), len(e.feats), e.dissolved
	if e.tryCancelZones(li, l, field, sums) {
		e.zoneLayers[len(e.zoneLayers)-1].exact = e.zoneExact(l)
		return
	}
	// Polygons of one value overlap: a union on the raster, or, over its
	// limits, the polygons kept whole.
	e.geom, e.zones, e.feats, e.dissolved = e.geom[:geom0], e.zones[:zones0], e.feats[:feats0], layerDissolved
	if e.rasterZones(li, l, field, all) {
		e.unions++
		return
	}
	e.geom, e.zones, e.feats, e.dissolved = e.geom[:geom0], e.zones[:zones0], e.feats[:feats0], dissolved0
	lz := &e.zoneLayers[len(e.zoneLayers)-1]
	lz.exact = e.zoneExact(l)
	clear(lz.drawn)
	e.unionFallbacks++
	e.cancelZones(li, l, field, sums)
}

// zoneExact returns the exact area per value of the polygons of
// e.zoneParts in the tile proper (see exactArea), summed in the order of
// e.ids within each value as the parts are (stably sorted by value). It
// is computed only where edge cancellation draws the zones: the raster
// union measures against its own finest raster.
func (e *encoder) zoneExact(l *index.Layer) map[uint32]float64 {
	exact := map[uint32]float64{}
	last := int32(-1)
	for _, p := range e.zoneParts {
		if p.idx == last {
			continue
		}
		last = p.idx
		if a := e.exactArea(l, int(p.idx)); a > 0 {
			exact[p.code] += a
		}
	}
	return exact
}

// emitZone appends the zone feature of value code of layer li, from the
// polygons that dissolver d calls back with, and reports whether d made
// them (d reports false where edges cross).
func (e *encoder) emitZone(li int32, field int, code uint32, s *zoneTotals, polygons func(fn func(rings [][]pt)) bool) bool {
	start := len(e.geom)
	e.cursor = pt{}
	var size, inTile float64
	tileRect := rect{min: 0, max: int32(e.t.opts.Extent)}
	ok := polygons(func(rings [][]pt) {
		for _, r := range rings {
			size += float64(area2(r)) / 2
			e.ring(r, true)
			if c := clipRing(r, tileRect, &e.bufs); len(c) >= 3 {
				inTile += float64(area2(c)) / 2
			}
		}
	})
	if !ok {
		e.geom = e.geom[:start]
		return false
	}
	if len(e.geom) == start {
		return true
	}
	e.zones = append(e.zones, zone{field: field, code: code, parcels: s.parcels, areaM2: math.Round(s.areaM2*10) / 10, inTile: inTile})
	e.feats = append(e.feats, feat{layer: li, idx: -1, typ: typePolygon, g0: int32(start), g1: int32(len(e.geom)), size: size, zone: int32(len(e.zones) - 1)})
	return true
}

// tryCancelZones makes the zones of e.zoneParts (sorted by value) by edge
// cancellation, and returns false, having emitted nothing, where the
// polygons of a value overlap. It works in two passes so that a tile
// whose polygons overlap costs no drawing: first the edges of each value
// are cancelled and checked for crossings (stopping at the first value
// that fails, on the zone grid and then on the tile grid), and kept; then
// the zones are linked from the edges kept and emitted.
func (e *encoder) tryCancelZones(li int32, l *index.Layer, field int, sums map[uint32]*zoneTotals) bool {
	d := &e.dissolver
	e.cancelGroups, e.cancelEdges = e.cancelGroups[:0], e.cancelEdges[:0]
	for k := 0; k < len(e.zoneParts); {
		code, k0 := e.zoneParts[k].code, k
		d.reset()
		for ; k < len(e.zoneParts) && e.zoneParts[k].code == code; k++ {
			p := e.zoneParts[k]
			d.addRing(e.zonePool[p.p0:p.p1])
		}
		ok := d.cancel()
		if !ok && e.zoneGrid > 1 {
			d.reset()
			for _, p := range e.retryGroup(l, e.zoneParts[k0:k], code) {
				d.addRing(e.zonePool[p.p0:p.p1])
			}
			ok = d.cancel()
		}
		if !ok {
			return false
		}
		e.cancelGroups = append(e.cancelGroups, cancelGroup{code: code, e0: len(e.cancelEdges)})
		e.cancelEdges = append(e.cancelEdges, d.out...)
	}
	for gi, g := range e.cancelGroups {
		e1 := len(e.cancelEdges)
		if gi+1 < len(e.cancelGroups) {
			e1 = e.cancelGroups[gi+1].e0
		}
		d.out = append(d.out[:0], e.cancelEdges[g.e0:e1]...)
		polygons := func(fn func(rings [][]pt)) bool { d.link(e.t.zoneMinArea2, fn); return true }
		e.emitZone(li, field, g.code, sums[g.code], polygons)
		e.dissolved += sums[g.code].centered
	}
	return true
}

// cancelGroup is the value of the dissolve field of one group of
// tryCancelZones, and the start of its edges in encoder.cancelEdges.
type cancelGroup struct {
	code uint32
	e0   int
}

// retryGroup snaps the polygons of group, parts of value code, again on
// the tile grid, into e.retryParts, and returns them: the coarser grid of
// zones can make edges cross where the tile grid does not.
func (e *encoder) retryGroup(l *index.Layer, group []zonePart, code uint32) []zonePart {
	saved, grid := e.zoneParts, e.zoneGrid
	e.zoneParts, e.zoneGrid = e.retryParts[:0], 1
	last := int32(-1)
	for _, p := range group {
		if p.idx != last {
			e.zoneRings(l, int(p.idx), code)
			last = p.idx
		}
	}
	e.retryParts, e.zoneParts, e.zoneGrid = e.zoneParts, saved, grid
	return e.retryParts
}

// cancelZones makes the zones of e.zoneParts (sorted by value) by edge
// cancellation where the raster union cannot (over its limits). Where the
// polygons of a value overlap, those polygons are drawn whole, as parts
// of their value's zone feature, with their holes, and measured as drawn
// (where they overlap, a translucent fill is drawn twice).
func (e *encoder) cancelZones(li int32, l *index.Layer, field int, sums map[uint32]*zoneTotals) {
	lz := &e.zoneLayers[len(e.zoneLayers)-1]
	tileRect := rect{min: 0, max: int32(e.t.opts.Extent)}
	for k := 0; k < len(e.zoneParts); {
		code, k0 := e.zoneParts[k].code, k
		e.dissolver.reset()
		for ; k < len(e.zoneParts) && e.zoneParts[k].code == code; k++ {
			p := e.zoneParts[k]
			e.dissolver.addRing(e.zonePool[p.p0:p.p1])
		}
		polygons := func(fn func(rings [][]pt)) bool { return e.dissolver.polygons(e.t.zoneMinArea2, fn) }
		ok := e.emitZone(li, field, code, sums[code], polygons)
		group := e.zoneParts[k0:k]
		if !ok && e.zoneGrid > 1 {
			// Again on the tile grid (see retryGroup).
			group = e.retryGroup(l, group, code)
			e.dissolver.reset()
			for _, p := range group {
				e.dissolver.addRing(e.zonePool[p.p0:p.p1])
			}
			ok = e.emitZone(li, field, code, sums[code], polygons)
		}
		if ok {
			e.dissolved += sums[code].centered
			continue
		}
		start := len(e.geom)
		e.cursor = pt{}
		var size float64
		for _, p := range group {
			r := e.zonePool[p.p0:p.p1]
			size += float64(area2(r)) / 2
			e.ring(r, true)
			if c := clipRing(r, tileRect, &e.bufs); len(c) >= 3 {
				lz.drawn[code] += float64(area2(c)) / 2
			}
		}
		if len(e.geom) == start {
			continue
		}
		s := sums[code]
		// inTile 0: the area is counted in lz.drawn.
		e.zones = append(e.zones, zone{field: field, code: code, parcels: s.parcels, areaM2: math.Round(s.areaM2*10) / 10})
		e.feats = append(e.feats, feat{layer: li, idx: -1, typ: typePolygon, g0: int32(start), g1: int32(len(e.geom)), size: size, zone: int32(len(e.zones) - 1)})
	}
}

// rasterZones makes the zones of layer li in the tile on the raster (see
// union.go), from every polygon of e.ids, and reports false, having
// emitted nothing, when the tile is over the raster's limits; totals are
// those of every polygon of the layer in the tile, by value. The exact
// shares the zones are measured against become the count of cells per
// value of a raster of a quarter pixel (the finest), sampled from the
// exact coordinates with the same rule: summed areas would count overlaps
// twice.
func (e *encoder) rasterZones(li int32, l *index.Layer, field int, totals map[uint32]*zoneTotals) bool {
	u := &e.unioner
	ext := int32(e.t.opts.Extent)
	// A quarter of a pixel one zoom below the detail zoom, twice that per
	// zoom further out, up to a pixel: finer would only draw specks
	// nobody can see, one ring each. The chains are simplified under
	// three quarters of the finest cell whatever the cell: simplifying
	// the steps of coarse cells cuts the corners of the specks of
	// scattered values, shifting their shares by points.
	cell := unionCellSize(e.t.opts.Extent)
	for z := e.z; z < e.t.layers[li].DetailZoom-1 && cell < 4*unionCellSize(e.t.opts.Extent); z++ {
		cell *= 2
	}
	ref := u
	fine := unionCellSize(e.t.opts.Extent)
	if cell > fine {
		ref = &e.unionRef
	}
	ref.start(fine, e.clip)
	labelOf := map[uint32]uint16{}
	var codes []uint32
	sc := e.snap.scale
	ox, oy := float64(e.snap.ox), float64(e.snap.oy)
	for _, i := range e.ids {
		if l.Kind(i).Dimension() != 2 {
			continue
		}
		code, _ := l.Value(i, field)
		lab, ok := labelOf[code]
		if !ok {
			if len(codes) >= e.t.opts.UnionMaxValues {
				return false
			}
			lab = uint16(len(codes) + 1)
			labelOf[code] = lab
			codes = append(codes, code)
		}
		ref.beginPolygon()
		g0, g1 := l.Groups(i)
		for g := g0; g < g1; g++ {
			r0, r1 := l.Rings(g)
			for r := r0; r < r1; r++ {
				c := l.RingMercator(r)
				e.fa = e.fa[:0]
				for k := 0; k+1 < len(c); k += 2 {
					e.fa = append(e.fa, [2]float64{c[k]*sc - ox, c[k+1]*sc - oy})
				}
				ref.addRing(e.fa)
			}
		}
		if !ref.fill(lab) {
			return false
		}
	}
	if ref != u {
		// Coarser cells, by error diffusion from the finest raster.
		u.start(cell, e.clip)
		u.downsample(ref, len(codes)+1)
	}
	if !u.trace() {
		return false
	}
	u.simplify(0.75 * float64(fine))
	ok := true
	u.eachLabel(&e.dissolver, func(a, b uint16) int { return cmp.Compare(codes[a-1], codes[b-1]) }, func(lab uint16) {
		polygons := func(fn func(rings [][]pt)) bool { e.dissolver.link(2, fn); return true }
		ok = ok && e.emitZone(li, field, codes[lab-1], totals[codes[lab-1]], polygons)
	})
	if !ok {
		// Unreachable (the chains cross nowhere); the caller drops what
		// was emitted.
		return false
	}
	counts := make([]int, len(codes)+1)
	ref.count(ext, counts)
	lz := &e.zoneLayers[len(e.zoneLayers)-1]
	lz.exact = map[uint32]float64{}
	clear(lz.drawn)
	cell2 := float64(ref.cell) * float64(ref.cell)
	for lab, n := range counts[1:] {
		if n > 0 {
			lz.exact[codes[lab]] += float64(n) * cell2
		}
	}
	for _, code := range codes {
		e.dissolved += totals[code].centered
	}
	return true
}

// zoneRings snaps, clips and cleans the rings of polygon feature i into
// e.zonePool, oriented as MVT wants them (exteriors positive area2). The
// vertices are snapped to a grid of e.zoneGrid units, a pure function of
// the vertex, so that neighbours still share their edges.
func (e *encoder) zoneRings(l *index.Layer, i int, code uint32) {
	g0, g1 := l.Groups(i)
	for g := g0; g < g1; g++ {
		r0, r1 := l.Rings(g)
		for r := r0; r < r1; r++ {
			var ring []pt
			inside := e.snapRing(l, r)
			if e.zoneGrid > 1 {
				e.coarsen(e.zoneGrid)
			}
			if inside {
				ring = e.pts
			} else {
				ring = clipRing(e.pts, e.clip, &e.bufs)
			}
			ring = cleanRing(ring)
			a := int64(0)
			if len(ring) >= 3 {
				a = area2(ring)
			}
			if a == 0 {
				if r == r0 {
					break // no exterior: skip the holes too
				}
				continue
			}
			p0 := len(e.zonePool)
			e.zonePool = append(e.zonePool, ring...)
			if (r == r0) != (a > 0) {
				slices.Reverse(e.zonePool[p0:])
			}
			e.zoneParts = append(e.zoneParts, zonePart{code: code, idx: int32(i), p0: int32(p0), p1: int32(len(e.zonePool))})
		}
	}
}

// coarsen snaps e.pts to a grid of step units (a power of two), dropping
// the repeated points it makes.
func (e *encoder) coarsen(step int32) {
	out := e.pts[:0]
	half := step / 2
	for _, p := range e.pts {
		// Arithmetic shift: floor division for negative coordinates too.
		sh := int32(bits.TrailingZeros32(uint32(step)))
		q := pt{((p.x + half) >> sh) << sh, ((p.y + half) >> sh) << sh}
		if n := len(out); n > 0 && out[n-1] == q {
			continue
		}
		out = append(out, q)
	}
	e.pts = out
}

// zoneFeature appends the MVT feature message of zone feature ft to the
// layer message b. Zones have no id: they are not features of the source.
func (e *encoder) zoneFeature(b []byte, li int, ft feat) []byte {
	z := &e.zones[ft.zone]
	if z.field < 0 {
		return e.mergedFeature(b, li, ft)
	}
	fi := z.field
	if e.keyIdx[fi] < 0 {
		e.keyIdx[fi] = int32(len(e.keys))
		e.keys = append(e.keys, fi)
	}
	e.tags = append(e.tags, uint32(e.keyIdx[fi]), e.valueIndex(li, fi, z.code))
	for k, v := range [...]any{z.parcels, z.areaM2} {
		if e.zoneKeyIdx[k] < 0 {
			e.zoneKeyIdx[k] = int32(len(e.keys))
			e.keys = append(e.keys, -k-1)
		}
		e.values = append(e.values, [2]int{-1, len(e.zoneValues)})
		e.zoneValues = append(e.zoneValues, v)
		e.tags = append(e.tags, uint32(e.zoneKeyIdx[k]), uint32(len(e.values)-1))
	}
	fb := e.featBuf[:0]
	fb = appendPacked(fb, 2, e.tags)
	fb = appendKey(fb, 3, wireVarint)
	fb = binary.AppendUvarint(fb, uint64(ft.typ))
	fb = appendPacked(fb, 4, e.geom[ft.g0:ft.g1])
	e.featBuf = fb
	b = appendKey(b, 2, wireBytes)
	b = binary.AppendUvarint(b, uint64(len(fb)))
	return append(b, fb...)
}

// DefaultDetailZoom returns the lowest zoom at which the median polygon
// of l covers at least 16 square pixels (4 by 4) of a 256-pixel tile: from
// there parcels are big enough to be told apart, below it a Dissolve layer
// draws zones. It returns -1 when l has no polygon. At most a thousand
// polygons, evenly spread, are sampled.
func DefaultDetailZoom(l *index.Layer) int {
	var areas []float64
	step := max(1, l.Len()/1000)
	for i := 0; i < l.Len(); i += step {
		if l.Kind(i).Dimension() == 2 {
			areas = append(areas, polygonArea(l, i, 1))
		}
	}
	if len(areas) == 0 {
		return -1
	}
	slices.Sort(areas)
	median := areas[len(areas)/2]
	for z := 0; z < 24; z++ {
		px := 256 * math.Exp2(float64(z))
		if median*px*px >= 16 {
			return z
		}
	}
	return 24
}

// fidelity measures a tile's zones against the exact data: for each
// dissolving layer, the area share of each value of the dissolve field in
// the tile proper (not its buffer), from the zones kept in the tile and
// from the index's own coordinates clipped exactly in floating point. It
// returns the largest difference in percentage points, or -1 when the tile
// holds no zone. Areas are summed in the order of the values, so that the
// figure does not depend on the order of Go's maps.
func (e *encoder) fidelity() float64 {
	worst := -1.0
	for _, lz := range e.zoneLayers {
		gen := map[uint32]float64{}
		for code, a := range lz.drawn {
			gen[code] = a
		}
		for _, ft := range e.feats {
			if ft.zone < 0 || ft.dropped || ft.layer != lz.layer {
				continue
			}
			z := e.zones[ft.zone]
			gen[z.code] += z.inTile
		}
		codes := e.fidelityCodes[:0]
		for code := range gen {
			codes = append(codes, code)
		}
		for code := range lz.exact {
			if _, ok := gen[code]; !ok {
				codes = append(codes, code)
			}
		}
		slices.Sort(codes)
		e.fidelityCodes = codes
		var genTotal, exactTotal float64
		for _, code := range codes {
			genTotal += gen[code]
			exactTotal += lz.exact[code]
		}
		// Shares in a tile that the data barely reaches mean nothing on
		// screen, and there the half-unit snapping of a long edge weighs
		// as much as a parcel: tiles where the layer covers less than 8
		// by 8 pixels are not scored.
		px := float64(e.t.opts.Extent) / 256
		if exactTotal < 64*px*px {
			continue
		}
		worst = max(worst, 0)
		for _, code := range codes {
			g := 0.0
			if genTotal > 0 {
				g = gen[code] / genTotal
			}
			worst = max(worst, 100*math.Abs(g-lz.exact[code]/exactTotal))
		}
	}
	return worst
}

// zoneLayerArea is the exact area per value of the dissolve field of one
// layer in the tile proper, in tile units².
type zoneLayerArea struct {
	layer int32
	exact map[uint32]float64
	drawn map[uint32]float64 // polygons drawn one by one where they overlap
}

// exactArea returns the area of polygon feature i inside the tile proper
// (0..extent on both axes), in tile units, clipping its Web Mercator
// coordinates in floating point: the reference the zones are checked
// against.
func (e *encoder) exactArea(l *index.Layer, i int) float64 {
	ext := float64(e.t.opts.Extent)
	sc := e.snap.scale
	ox, oy := float64(e.snap.ox), float64(e.snap.oy)
	var total float64
	g0, g1 := l.Groups(i)
	for g := g0; g < g1; g++ {
		r0, r1 := l.Rings(g)
		for r := r0; r < r1; r++ {
			c := l.RingMercator(r)
			e.fa = e.fa[:0]
			for k := 0; k+1 < len(c); k += 2 {
				e.fa = append(e.fa, [2]float64{c[k]*sc - ox, c[k+1]*sc - oy})
			}
			a := math.Abs(clippedAreaF(e.fa, ext, &e.fb))
			if r == r0 {
				total += a
			} else {
				total -= a
			}
		}
	}
	return total
}

// clippedAreaF returns the signed area of ring (floating point, closed or
// not) clipped to the square 0..ext, by Sutherland-Hodgman.
func clippedAreaF(ring [][2]float64, ext float64, buf *[2][][2]float64) float64 {
	in := ring
	for edge := range 4 {
		out := buf[edge&1][:0]
		inside := func(p [2]float64) bool {
			switch edge {
			case 0:
				return p[0] >= 0
			case 1:
				return p[0] <= ext
			case 2:
				return p[1] >= 0
			}
			return p[1] <= ext
		}
		cut := func(a, b [2]float64) [2]float64 {
			var t float64
			switch edge {
			case 0:
				t = (0 - a[0]) / (b[0] - a[0])
			case 1:
				t = (ext - a[0]) / (b[0] - a[0])
			case 2:
				t = (0 - a[1]) / (b[1] - a[1])
			default:
				t = (ext - a[1]) / (b[1] - a[1])
			}
			return [2]float64{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
		}
		if len(in) > 0 {
			prev := in[len(in)-1]
			pin := inside(prev)
			for _, p := range in {
				cin := inside(p)
				if cin != pin {
					out = append(out, cut(prev, p))
				}
				if cin {
					out = append(out, p)
				}
				prev, pin = p, cin
			}
		}
		buf[edge&1] = out
		in = out
	}
	var s float64
	for k := range in {
		a, b := in[k], in[(k+1)%len(in)]
		s += a[0]*b[1] - b[0]*a[1]
	}
	return s / 2
}
