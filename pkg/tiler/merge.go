package tiler

import (
	"encoding/binary"
	"math"
	"slices"

	"github.com/sonla-gis/plantile/pkg/index"
)

// Line merging: below a line layer's max zoom, the lines that share the
// values of its merge fields (a road's name and class) are drawn as one
// feature per tile, their pieces chained end to end where they meet, so
// that a map labelling roads along the line places one label per road
// rather than one per surveyed segment.

// linePiece is a snapped, clipped and cleaned piece of a line, stored in
// encoder.zonePool.
type linePiece struct {
	key    int32 // index of its key in encoder.lineKeys
	p0, p1 int32
}

// lineGroup is one merged line feature: the merge fields' value codes.
type lineGroup struct {
	codes []uint32
}

// mergeLayer encodes the features of a merging line layer below its max
// zoom: lines grouped by the value codes of fields, each group one feature;
// other geometries are encoded as usual.
func (e *encoder) mergeLayer(li int32, l *index.Layer, fields []int) {
	e.linePieces, e.zonePool = e.linePieces[:0], e.zonePool[:0]
	e.lineKeys = e.lineKeys[:0]
	keyOf := map[string]int32{}
	kb := make([]byte, 0, 4*len(fields))
	for _, i := range e.ids {
		if l.Kind(i).Dimension() != 1 {
			e.addFeature(li, l, i, false)
			continue
		}
		kb = kb[:0]
		for _, f := range fields {
			code, _ := l.Value(i, f)
			kb = binary.LittleEndian.AppendUint32(kb, code)
		}
		k, ok := keyOf[string(kb)]
		if !ok {
			k = int32(len(e.lineKeys))
			keyOf[string(kb)] = k
			codes := make([]uint32, len(fields))
			for j := range fields {
				codes[j] = binary.LittleEndian.Uint32(kb[4*j:])
			}
			e.lineKeys = append(e.lineKeys, lineGroup{codes: codes})
		}
		g0, g1 := l.Groups(i)
		for g := g0; g < g1; g++ {
			r0, r1 := l.Rings(g)
			for r := r0; r < r1; r++ {
				add := func(piece []pt) {
					piece = cleanLine(piece)
					if len(piece) < 2 {
						return
					}
					p0 := len(e.zonePool)
					e.zonePool = append(e.zonePool, piece...)
					e.linePieces = append(e.linePieces, linePiece{key: k, p0: int32(p0), p1: int32(len(e.zonePool))})
				}
				if e.snapRing(l, r) {
					add(e.pts)
					continue
				}
				e.bufs[1] = clipLine(e.pts, e.clip, e.bufs[1], add)
			}
		}
	}
	slices.SortStableFunc(e.linePieces, func(a, b linePiece) int { return int(a.key) - int(b.key) })
	for k := 0; k < len(e.linePieces); {
		key, k0 := e.linePieces[k].key, k
		for k < len(e.linePieces) && e.linePieces[k].key == key {
			k++
		}
		start := len(e.geom)
		e.cursor = pt{}
		var length float64
		e.chain(e.linePieces[k0:k], func(line []pt) {
			for j := 1; j < len(line); j++ {
				length += math.Hypot(float64(line[j].x-line[j-1].x), float64(line[j].y-line[j-1].y))
			}
			e.ring(line, false)
		})
		if len(e.geom) == start {
			continue
		}
		e.zones = append(e.zones, zone{field: -1, line: key})
		e.feats = append(e.feats, feat{layer: li, idx: -1, typ: typeLine, g0: int32(start), g1: int32(len(e.geom)), size: length, zone: int32(len(e.zones) - 1)})
	}
}

// chain joins pieces that meet end to end into as few lines as it can,
// greedily from the ends of the network, and calls fn with each line.
func (e *encoder) chain(pieces []linePiece, fn func([]pt)) {
	type end struct {
		p     pt
		piece int
		last  bool // the piece's last point (else its first)
	}
	ends := make([]end, 0, 2*len(pieces))
	for j, pc := range pieces {
		pts := e.zonePool[pc.p0:pc.p1]
		ends = append(ends, end{pts[0], j, false}, end{pts[len(pts)-1], j, true})
	}
	slices.SortFunc(ends, func(a, b end) int {
		if c := cmpPt(a.p, b.p); c != 0 {
			return c
		}
		return a.piece - b.piece
	})
	degree := func(p pt) int {
		lo, _ := slices.BinarySearchFunc(ends, p, func(x end, p pt) int { return cmpPt(x.p, p) })
		n := 0
		for ; lo+n < len(ends) && ends[lo+n].p == p; n++ {
		}
		return n
	}
	used := make([]bool, len(pieces))
	// next finds an unused piece with an end at p and returns it oriented
	// to start there.
	next := func(p pt) ([]pt, bool) {
		lo, _ := slices.BinarySearchFunc(ends, p, func(x end, p pt) int { return cmpPt(x.p, p) })
		for ; lo < len(ends) && ends[lo].p == p; lo++ {
			en := ends[lo]
			if used[en.piece] {
				continue
			}
			used[en.piece] = true
			pc := pieces[en.piece]
			pts := e.zonePool[pc.p0:pc.p1]
			if en.last {
				rev := slices.Clone(pts)
				slices.Reverse(rev)
				return rev, true
			}
			return pts, true
		}
		return nil, false
	}
	var line []pt
	walk := func(j int) {
		used[j] = true
		pc := pieces[j]
		line = append(line[:0], e.zonePool[pc.p0:pc.p1]...)
		// Only through vertices where exactly two ends meet: at a fork
		// the lines stay apart, as they are drawn.
		for degree(line[len(line)-1]) == 2 {
			more, ok := next(line[len(line)-1])
			if !ok {
				break
			}
			line = append(line, more[1:]...)
		}
		fn(cleanLine(line))
	}
	// From the ends of the network first, so that a road is walked from
	// one end to the other; then what is left (loops).
	for j, pc := range pieces {
		if !used[j] && degree(e.zonePool[pc.p0]) != 2 {
			walk(j)
		}
	}
	for j, pc := range pieces {
		if !used[j] && degree(e.zonePool[pc.p1-1]) != 2 {
			// Starts at a through vertex and ends at a network end:
			// walk it reversed, from that end.
			used[j] = true
			rev := slices.Clone(e.zonePool[pc.p0:pc.p1])
			slices.Reverse(rev)
			line = append(line[:0], rev...)
			for degree(line[len(line)-1]) == 2 {
				more, ok := next(line[len(line)-1])
				if !ok {
					break
				}
				line = append(line, more[1:]...)
			}
			fn(cleanLine(line))
		}
	}
	for j := range pieces {
		if !used[j] {
			walk(j)
		}
	}
}

// mergedFeature appends the MVT feature of merged line ft: the merge
// fields' values as attributes, no id.
func (e *encoder) mergedFeature(b []byte, li int, ft feat) []byte {
	z := &e.zones[ft.zone]
	fields := e.t.mergeFields[li]
	for j, fi := range fields {
		code := e.lineKeys[z.line].codes[j]
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
	if len(e.tags) > 0 {
		fb = appendPacked(fb, 2, e.tags)
	}
	fb = appendKey(fb, 3, wireVarint)
	fb = binary.AppendUvarint(fb, uint64(ft.typ))
	fb = appendPacked(fb, 4, e.geom[ft.g0:ft.g1])
	e.featBuf = fb
	b = appendKey(b, 2, wireBytes)
	b = binary.AppendUvarint(b, uint64(len(fb)))
	return append(b, fb...)
}
