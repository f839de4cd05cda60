package index

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/feature"
)

// Columns is a layer laid out as flat columns: what Decode reads from a
// stored layer and FromColumns turns back into a Layer without re-adding
// feature by feature. See Layer for the meaning of the offsets.
type Columns struct {
	// Info describes the layer as the Builder was given it.
	Info feature.LayerInfo
	// Schema lists every field, one per entry of Props, in order: those of
	// Info.Schema and any met in the features (Layer.Schema).
	Schema feature.Schema
	// IDKind says which of IDs and StringIDs hold the feature ids.
	IDKind IDKind
	// IDs are the integer ids (source numbers for IDNumber, else rows),
	// one per feature.
	IDs []uint64
	// StringIDs are the source ids of an IDString layer, else nil.
	StringIDs []string
	// Kinds are the geometry types, one per feature.
	Kinds []Kind
	// FeatGroup (len features+1), GroupRing (len groups+1) and RingPoint
	// (len rings+1) are the part offsets.
	FeatGroup, GroupRing, RingPoint []uint32
	// Coords are the lon/lat coordinates, x and y of each point.
	Coords []float64
	// Props are the property columns, one per schema field.
	Props []Column
}

// Column is one dictionary-coded property column.
type Column struct {
	// Codes index Dict, one per feature; 0 means nil.
	Codes []uint32
	// Dict holds the values: Dict[0] is nil, the others are string,
	// int64, float64, bool or json.RawMessage.
	Dict []any
	// Coded reports that every distinct value has exactly one code.
	Coded bool
}

// Columns returns the layer's columns. The slices are the layer's own and
// must not be modified, but for the dictionaries of packed columns
// (strings or numbers of one type), which are boxed anew.
func (l *Layer) Columns() Columns {
	c := Columns{
		Info: l.info, Schema: l.schema, IDKind: l.idKind, IDs: l.ids, StringIDs: l.strIDs, Kinds: l.kinds,
		FeatGroup: l.featGroup, GroupRing: l.groupRing, RingPoint: l.ringPoint, Coords: l.coords,
		Props: make([]Column, len(l.cols)),
	}
	for i, col := range l.cols {
		dict := col.dict
		if dict == nil {
			dict = make([]any, col.distinct())
			for code := 1; code < len(dict); code++ {
				dict[code] = col.value(uint32(code))
			}
		}
		c.Props[i] = Column{Codes: col.vals, Dict: dict, Coded: col.coded}
	}
	return c
}

// ErrColumns is returned (wrapped) by FromColumns for columns that do not
// make a valid layer.
var ErrColumns = errors.New("index: invalid columns")

// FromColumns builds a Layer from columns in one pass, packing the R-tree
// in bulk: the fast path for loading stored features. It checks every
// length, offset, kind, coordinate, code and id (unique) first, so that no
// later method can panic on bad input, and keeps the slices (the caller
// must not modify them afterwards).
func FromColumns(c Columns) (*Layer, error) {
	bad := func(format string, args ...any) (*Layer, error) {
		return nil, fmt.Errorf("%w: %s", ErrColumns, fmt.Sprintf(format, args...))
	}
	n := len(c.Kinds)
	if n > math.MaxInt32 {
		return bad("%d features", n)
	}
	if len(c.IDs) != n {
		return bad("%d ids for %d features", len(c.IDs), n)
	}
	if err := checkOffsets("feature groups", c.FeatGroup, n, len(c.GroupRing)-1); err != nil {
		return bad("%v", err)
	}
	if err := checkOffsets("group rings", c.GroupRing, len(c.GroupRing)-1, len(c.RingPoint)-1); err != nil {
		return bad("%v", err)
	}
	if len(c.Coords)%2 != 0 {
		return bad("odd number of coordinates")
	}
	if err := checkOffsets("ring points", c.RingPoint, len(c.RingPoint)-1, len(c.Coords)/2); err != nil {
		return bad("%v", err)
	}
	for j := 0; j+1 < len(c.Coords); j += 2 {
		x, y := c.Coords[j], c.Coords[j+1]
		if !(math.Abs(x) <= 180 && math.Abs(y) <= 90) {
			return bad("coordinate %d (%g, %g) is not lon/lat", j/2, x, y)
		}
	}
	withGeometry := 0
	for i, k := range c.Kinds {
		g0, g1 := c.FeatGroup[i], c.FeatGroup[i+1]
		if k != KindMultiPolygon && g1-g0 != 1 {
			return bad("feature %d: %d groups for kind %d", i, g1-g0, k)
		}
		ok := true
		if k == KindMultiPolygon {
			if g1 > g0 {
				withGeometry++
			}
			continue
		}
		r0, r1 := c.GroupRing[g0], c.GroupRing[g0+1]
		points := func(r uint32) uint32 { return c.RingPoint[r+1] - c.RingPoint[r] }
		switch k {
		case KindNone:
			ok = r1 == r0
		case KindPoint:
			ok = r1-r0 == 1 && points(r0) == 1
		case KindMultiPoint, KindLineString:
			ok = r1-r0 == 1
		case KindMultiLineString, KindPolygon:
		default:
			return bad("feature %d: unknown kind %d", i, k)
		}
		if !ok {
			return bad("feature %d: parts do not fit kind %d", i, k)
		}
		if k != KindNone {
			withGeometry++
		}
	}
	if len(c.Props) != len(c.Schema.Fields) {
		return bad("%d property columns for %d fields", len(c.Props), len(c.Schema.Fields))
	}
	names := map[string]bool{}
	for _, f := range c.Schema.Fields {
		if names[f.Name] {
			return bad("field %q twice", f.Name)
		}
		names[f.Name] = true
	}
	l := &Layer{
		info: c.Info, schema: c.Schema, idKind: c.IDKind, ids: c.IDs, kinds: c.Kinds,
		featGroup: c.FeatGroup, groupRing: c.GroupRing, ringPoint: c.RingPoint, coords: c.Coords,
		cols: make([]column, len(c.Props)),
	}
	for f, p := range c.Props {
		if len(p.Codes) != n {
			return bad("field %q: %d values for %d features", c.Schema.Fields[f].Name, len(p.Codes), n)
		}
		if len(p.Dict) == 0 || p.Dict[0] != nil {
			return bad("field %q: dictionary must start with nil", c.Schema.Fields[f].Name)
		}
		size := 0
		for _, v := range p.Dict[1:] {
			switch v := v.(type) {
			case string:
				size += len(v)
			case json.RawMessage:
				size += len(v)
			case int64, float64, bool:
			default:
				return bad("field %q: value of type %T", c.Schema.Fields[f].Name, v)
			}
		}
		for _, code := range p.Codes {
			if int(code) >= len(p.Dict) {
				return bad("field %q: code %d beyond %d values", c.Schema.Fields[f].Name, code, len(p.Dict))
			}
		}
		l.cols[f] = column{vals: p.Codes, dict: p.Dict, size: size, coded: p.Coded}
		l.cols[f].pack(c.Schema.Fields[f].Name)
	}
	switch c.IDKind {
	case IDNumber, IDRow:
		if c.StringIDs != nil {
			return bad("string ids for a layer of %s ids", c.IDKind)
		}
		for i, v := range c.IDs {
			if v > MaxNumberID {
				return bad("feature %d: id %d beyond 2^53-1", i, v)
			}
		}
		by, ok := sortedUnique(n, func(a, b int32) int { return cmpUint(c.IDs[a], c.IDs[b]) })
		if !ok {
			return bad("ids repeat")
		}
		l.byID = by
	case IDString:
		if len(c.StringIDs) != n {
			return bad("%d string ids for %d features", len(c.StringIDs), n)
		}
		by, ok := sortedUnique(n, func(a, b int32) int { return strings.Compare(c.StringIDs[a], c.StringIDs[b]) })
		if !ok {
			return bad("ids repeat")
		}
		l.strIDs, l.byID = c.StringIDs, by
	default:
		return bad("unknown id kind %d", c.IDKind)
	}
	// One bound per feature while packing; dropped afterwards (the tree
	// keeps its own copy in leaf order).
	items := make([]int32, 0, withGeometry)
	bounds := make([]orb.Bound, n)
	var full orb.Bound
	for i, k := range c.Kinds {
		if k == KindNone {
			continue
		}
		b := l.FeatureBound(i)
		if len(items) == 0 {
			full = b
		} else {
			full = full.Union(b)
		}
		bounds[i] = b
		items = append(items, int32(i))
	}
	l.full = full
	l.tree = pack(items, func(i int32) orb.Bound { return bounds[i] }, full)
	l.bands = buildBands(l.ringPoint, l.coords)
	return l, nil
}

// checkOffsets checks that off has n+1 entries rising from 0 to last.
func checkOffsets(what string, off []uint32, n, last int) error {
	if n < 0 || len(off) != n+1 {
		return fmt.Errorf("%s: %d offsets for %d parts", what, len(off), n)
	}
	if off[0] != 0 || int(off[n]) != last {
		return fmt.Errorf("%s: offsets run from %d to %d, want 0 to %d", what, off[0], off[n], last)
	}
	for k := 1; k <= n; k++ {
		if off[k] < off[k-1] {
			return fmt.Errorf("%s: offset %d goes back", what, k)
		}
	}
	return nil
}
