package index

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/feature"
)

// giveUp is the dictionary size from which a column whose values are
// mostly distinct stops being deduplicated.
const giveUp = 4096

// Builder collects features into a new Layer. It is not safe for
// concurrent use; the Layer it returns is.
type Builder struct {
	l      *Layer
	dicts  []map[any]uint32
	names  map[string]int
	ids    idCollector
	bounds []orb.Bound // per feature, for packing the R-tree
	done   bool

	withGeometry int // features with a non-null shape
}

// NewBuilder starts a layer described by info. Features must be in WGS 84
// lon/lat.
func NewBuilder(info feature.LayerInfo) *Builder {
	l := &Layer{info: info, groupRing: []uint32{0}, ringPoint: []uint32{0}}
	l.schema.Fields = append([]feature.Field(nil), info.Schema.Fields...)
	b := &Builder{l: l, names: map[string]int{}}
	for i, f := range l.schema.Fields {
		b.names[f.Name] = i
	}
	l.cols = make([]column, len(l.schema.Fields))
	b.dicts = make([]map[any]uint32, len(l.schema.Fields))
	// The declared count sizes the per-feature slices once, instead of
	// growing them (and holding old and new arrays) feature by feature.
	n := 0
	if info.Count > 0 && info.Count < 1<<28 {
		n = int(info.Count)
	}
	l.kinds, b.bounds = make([]Kind, 0, n), make([]orb.Bound, 0, n)
	b.ids.rows = make([]uint64, 0, n)
	l.featGroup = make([]uint32, 1, n+1)
	for i := range l.cols {
		l.cols[i].dict = []any{nil}
		l.cols[i].vals = make([]uint32, 0, n)
		b.dicts[i] = map[any]uint32{}
	}
	return b
}

// ErrGeometry is returned (wrapped) for a geometry the index cannot store:
// a GeometryCollection, or coordinates that are not finite lon/lat.
var ErrGeometry = errors.New("index: unsupported geometry")

// Add stores f (it keeps no reference to it). Its geometry must be a point,
// line or polygon type, or nil.
func (b *Builder) Add(f *feature.Feature) error {
	if b.done {
		return errors.New("index: Add after Layer")
	}
	l := b.l
	n := len(l.kinds)
	kind, err := b.addGeometry(f.Geometry)
	if err != nil {
		// Roll back the partly stored geometry.
		l.featGroup = l.featGroup[:n+1]
		l.groupRing = l.groupRing[:l.featGroup[n]+1]
		l.ringPoint = l.ringPoint[:l.groupRing[len(l.groupRing)-1]+1]
		pts := l.ringPoint[len(l.ringPoint)-1]
		l.coords = l.coords[:2*pts]
		return fmt.Errorf("%w: record %d: %v", ErrGeometry, f.Row, err)
	}
	for name, v := range f.Properties {
		if v == nil {
			continue
		}
		if _, ok := b.names[name]; !ok {
			b.addField(name, v)
		}
	}
	for c := range l.cols {
		v := f.Properties[l.schema.Fields[c].Name]
		code := uint32(0)
		if v != nil {
			k, size, err := dictKey(v)
			if err != nil {
				b.rollback(n)
				return fmt.Errorf("index: record %d: field %s: %w", f.Row, l.schema.Fields[c].Name, err)
			}
			ok := false
			if b.dicts[c] != nil {
				code, ok = b.dicts[c][k]
			}
			if !ok {
				code = uint32(len(l.cols[c].dict))
				if b.dicts[c] != nil {
					b.dicts[c][k] = code
					// A column of nearly unique values (parcel numbers,
					// areas) gains nothing from a dictionary: stop
					// deduplicating it and save the map.
					if n := len(b.dicts[c]); n > giveUp && n > len(l.kinds)/2 {
						b.dicts[c] = nil
					}
				}
				if jk, isJSON := k.(jsonKey); isJSON {
					k = json.RawMessage(jk)
				}
				l.cols[c].dict = append(l.cols[c].dict, k)
				l.cols[c].size += size
			}
		}
		l.cols[c].vals = append(l.cols[c].vals, code)
	}
	bound := orb.Bound{}
	if kind != KindNone {
		bound = f.Geometry.Bound()
		if b.withGeometry == 0 {
			l.full = bound
		} else {
			l.full = l.full.Union(bound)
		}
		b.withGeometry++
	}
	l.featGroup = append(l.featGroup, uint32(len(l.groupRing)-1))
	b.ids.add(f.Row, f.ID)
	l.kinds = append(l.kinds, kind)
	b.bounds = append(b.bounds, bound)
	return nil
}

// rollback forgets the property values stored for feature n by an Add
// that failed half-way, and its geometry.
func (b *Builder) rollback(n int) {
	l := b.l
	for c := range l.cols {
		if len(l.cols[c].vals) > n {
			l.cols[c].vals = l.cols[c].vals[:n]
		}
	}
	l.featGroup = l.featGroup[:n+1]
	l.groupRing = l.groupRing[:l.featGroup[n]+1]
	l.ringPoint = l.ringPoint[:l.groupRing[len(l.groupRing)-1]+1]
	l.coords = l.coords[:2*l.ringPoint[len(l.ringPoint)-1]]
}

func (b *Builder) addField(name string, v any) {
	l := b.l
	t := feature.String
	switch v.(type) {
	case int64, int:
		t = feature.Int
	case float64:
		t = feature.Float
	case bool:
		t = feature.Bool
	case json.RawMessage:
		t = feature.JSON
	}
	b.names[name] = len(l.schema.Fields)
	l.schema.Fields = append(l.schema.Fields, feature.Field{Name: name, Type: t})
	l.cols = append(l.cols, column{vals: make([]uint32, len(l.kinds)), dict: []any{nil}})
	b.dicts = append(b.dicts, map[any]uint32{})
}

func (b *Builder) addGeometry(g orb.Geometry) (Kind, error) {
	switch g := g.(type) {
	case nil:
		b.endGroup()
		return KindNone, nil
	case orb.Point:
		if err := b.addRing([]orb.Point{g}); err != nil {
			return 0, err
		}
		b.endGroup()
		return KindPoint, nil
	case orb.MultiPoint:
		if err := b.addRing(g); err != nil {
			return 0, err
		}
		b.endGroup()
		return KindMultiPoint, nil
	case orb.LineString:
		if err := b.addRing(g); err != nil {
			return 0, err
		}
		b.endGroup()
		return KindLineString, nil
	case orb.MultiLineString:
		for _, ls := range g {
			if err := b.addRing(ls); err != nil {
				return 0, err
			}
		}
		b.endGroup()
		return KindMultiLineString, nil
	case orb.Ring:
		return b.addGeometry(orb.Polygon{g})
	case orb.Polygon:
		if err := b.addPolygon(g); err != nil {
			return 0, err
		}
		return KindPolygon, nil
	case orb.MultiPolygon:
		for _, p := range g {
			if err := b.addPolygon(p); err != nil {
				return 0, err
			}
		}
		return KindMultiPolygon, nil
	}
	return 0, fmt.Errorf("%T", g)
}

func (b *Builder) addPolygon(p orb.Polygon) error {
	for _, r := range p {
		if err := b.addRing(r); err != nil {
			return err
		}
	}
	b.l.groupRing = append(b.l.groupRing, uint32(len(b.l.ringPoint)-1))
	return nil
}

func (b *Builder) endGroup() {
	b.l.groupRing = append(b.l.groupRing, uint32(len(b.l.ringPoint)-1))
}

func (b *Builder) addRing(pts []orb.Point) error {
	l := b.l
	for _, p := range pts {
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.Abs(p[0]) > 180 || math.Abs(p[1]) > 90 {
			return fmt.Errorf("coordinate %v is not lon/lat", p)
		}
		l.coords = append(l.coords, p[0], p[1])
	}
	if len(l.coords)/2 > math.MaxUint32 {
		return errors.New("more than 2^32 points in a layer")
	}
	l.ringPoint = append(l.ringPoint, uint32(len(l.coords)/2))
	return nil
}

// Layer finishes the build and returns the immutable layer. The Builder
// must not be used afterwards.
func (b *Builder) Layer() *Layer {
	if b.done {
		return b.l
	}
	b.done = true
	l := b.l
	l.idKind, l.ids, l.strIDs, l.byID = b.ids.finish()
	b.ids = idCollector{}
	for c := range l.cols {
		l.cols[c].coded = b.dicts[c] != nil
		l.cols[c].pack(l.schema.Fields[c].Name)
	}
	b.dicts = nil
	items := make([]int32, 0, b.withGeometry)
	for i, k := range l.kinds {
		if k != KindNone {
			items = append(items, int32(i))
		}
	}
	l.tree = pack(items, func(i int32) orb.Bound { return b.bounds[i] }, l.full)
	l.bands = buildBands(l.ringPoint, l.coords)
	b.bounds = nil
	return l
}

// Build reads every feature of r into a new Layer. It stops at the first
// error, which names the record.
func Build(info feature.LayerInfo, r feature.Reader) (*Layer, error) {
	b := NewBuilder(info)
	for {
		f, err := r.Read()
		if err == io.EOF {
			return b.Layer(), nil
		}
		if err != nil {
			return nil, fmt.Errorf("index: read %s: %w", info.Name, err)
		}
		if err := b.Add(f); err != nil {
			return nil, fmt.Errorf("index: %s: %w", info.Name, err)
		}
	}
}
