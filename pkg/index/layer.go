package index

import (
	"encoding/json"
	"fmt"
	"math"
	"unsafe"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/tidwall/rtree"

	"github.com/sonla-gis/plantile/pkg/feature"
)

// Kind is the geometry type of a stored feature.
type Kind uint8

// The kinds of stored geometry. A feature with a null shape has KindNone.
const (
	KindNone Kind = iota
	KindPoint
	KindMultiPoint
	KindLineString
	KindMultiLineString
	KindPolygon
	KindMultiPolygon
)

// Dimension is 0 for points, 1 for lines, 2 for polygons and -1 for none.
func (k Kind) Dimension() int {
	switch k {
	case KindPoint, KindMultiPoint:
		return 0
	case KindLineString, KindMultiLineString:
		return 1
	case KindPolygon, KindMultiPolygon:
		return 2
	}
	return -1
}

// Layer is an immutable, indexed layer. Features are numbered 0..Len()-1 in
// the order they were added. All methods are safe for concurrent use.
//
// Geometry is stored in three levels of offsets over flat coordinate slabs:
// a feature owns a range of groups (the polygons of a MultiPolygon; one
// group for any other kind), a group owns a range of rings (the rings of a
// polygon, the lines of a MultiLineString, one ring holding all points of a
// MultiPoint), and a ring owns a range of points.
type Layer struct {
	info   feature.LayerInfo
	schema feature.Schema

	ids    []uint64
	kinds  []Kind
	bounds []orb.Bound // lon/lat

	featGroup []uint32 // len Len()+1: feature i owns groups featGroup[i]..featGroup[i+1]
	groupRing []uint32 // len groups+1
	ringPoint []uint32 // len rings+1
	// merc holds the coordinates in Web Mercator world units (0..1, y
	// down, tile order): what the tiler needs for every tile, without a
	// logarithm per vertex. Lon/lat are recovered exactly to about 1e-14
	// degrees (a nanometre); storing them too would double the slab.
	merc []float64

	cols []column
	tree rtree.RTreeG[int32]
	full orb.Bound
}

// column is one property, dictionary-encoded: vals[i] indexes dict, and 0
// means nil (null or absent). Columns of nearly unique values stop being
// deduplicated while building, so equal values may then have different
// codes.
type column struct {
	vals []uint32
	dict []any // dict[0] is nil
	size int   // bytes of the values in dict (string data, raw JSON)
}

// Info returns the layer description given to the Builder.
func (l *Layer) Info() feature.LayerInfo { return l.info }

// Schema returns the fields of the layer: those of the LayerInfo, followed
// by any property name met in the features that the schema did not list.
func (l *Layer) Schema() feature.Schema { return l.schema }

// Len returns the number of features.
func (l *Layer) Len() int { return len(l.ids) }

// Bounds returns the lon/lat bounds of all features; the zero Bound when
// the layer has no geometry.
func (l *Layer) Bounds() orb.Bound { return l.full }

// FeatureBound returns the lon/lat bounds of feature i.
func (l *Layer) FeatureBound(i int) orb.Bound { return l.bounds[i] }

// ID returns the stable integer id of feature i (feature.Feature.IntID).
func (l *Layer) ID(i int) uint64 { return l.ids[i] }

// Kind returns the geometry type of feature i.
func (l *Layer) Kind(i int) Kind { return l.kinds[i] }

// Search calls fn with the index of every feature whose bounds intersect b
// (lon/lat), until fn returns false. The order is that of the R-tree, not
// of the features.
func (l *Layer) Search(b orb.Bound, fn func(i int) bool) {
	l.tree.Search([2]float64(b.Min), [2]float64(b.Max), func(_, _ [2]float64, i int32) bool {
		return fn(int(i))
	})
}

// PointIn calls fn with every feature at p (lon/lat), until fn returns
// false: polygons that contain p, and lines and points within tol degrees
// of it. It answers "what is planned here?".
func (l *Layer) PointIn(p orb.Point, tol float64, fn func(i int) bool) {
	b := orb.Bound{Min: orb.Point{p[0] - tol, p[1] - tol}, Max: orb.Point{p[0] + tol, p[1] + tol}}
	l.Search(b, func(i int) bool {
		g := l.Geometry(i)
		var hit bool
		switch g := g.(type) {
		case orb.Polygon:
			hit = planar.PolygonContains(g, p)
		case orb.MultiPolygon:
			hit = planar.MultiPolygonContains(g, p)
		case nil:
		default:
			hit = planar.DistanceFrom(g, p) <= tol
		}
		if hit {
			return fn(i)
		}
		return true
	})
}

// Geometry returns a fresh copy of the lon/lat geometry of feature i, nil
// for a null shape. Coordinates are recovered from Web Mercator, equal to
// those added to within about 1e-14 degrees; latitudes beyond the Web
// Mercator limit (85.05°) come back clamped.
func (l *Layer) Geometry(i int) orb.Geometry {
	return l.geometry(i, true)
}

// Mercator returns the geometry of feature i in Web Mercator world units:
// x and y from 0 to 1, y growing southwards like tile rows.
func (l *Layer) Mercator(i int) orb.Geometry {
	return l.geometry(i, false)
}

func (l *Layer) ring(r int, lonlat bool) []orb.Point {
	a, b := l.ringPoint[r], l.ringPoint[r+1]
	pts := make([]orb.Point, b-a)
	for k := range pts {
		j := 2 * (int(a) + k)
		if lonlat {
			pts[k][0], pts[k][1] = LonLat(l.merc[j], l.merc[j+1])
		} else {
			pts[k] = orb.Point{l.merc[j], l.merc[j+1]}
		}
	}
	return pts
}

func (l *Layer) geometry(i int, slab bool) orb.Geometry {
	g0 := int(l.featGroup[i])
	poly := func(g int) orb.Polygon {
		r0, r1 := int(l.groupRing[g]), int(l.groupRing[g+1])
		p := make(orb.Polygon, r1-r0)
		for r := r0; r < r1; r++ {
			p[r-r0] = l.ring(r, slab)
		}
		return p
	}
	r0 := int(l.groupRing[g0])
	switch l.kinds[i] {
	case KindPoint:
		return l.ring(r0, slab)[0]
	case KindMultiPoint:
		return orb.MultiPoint(l.ring(r0, slab))
	case KindLineString:
		return orb.LineString(l.ring(r0, slab))
	case KindMultiLineString:
		p := poly(g0)
		ml := make(orb.MultiLineString, len(p))
		for k := range p {
			ml[k] = orb.LineString(p[k])
		}
		return ml
	case KindPolygon:
		return poly(g0)
	case KindMultiPolygon:
		g1 := int(l.featGroup[i+1])
		mp := make(orb.MultiPolygon, g1-g0)
		for g := g0; g < g1; g++ {
			mp[g-g0] = poly(g)
		}
		return mp
	}
	return nil
}

// Parts gives the tiler allocation-free access to the Web Mercator
// coordinates of feature i: fn is called once per ring with the group
// (polygon) number within the feature and the ring's flat x,y slab, which
// must not be modified.
func (l *Layer) Parts(i int, fn func(group int, ring []float64)) {
	g0, g1 := int(l.featGroup[i]), int(l.featGroup[i+1])
	for g := g0; g < g1; g++ {
		for r := l.groupRing[g]; r < l.groupRing[g+1]; r++ {
			a, b := l.ringPoint[r], l.ringPoint[r+1]
			fn(g-g0, l.merc[2*a:2*b])
		}
	}
}

// Properties returns a fresh map of the non-nil properties of feature i.
func (l *Layer) Properties(i int) feature.Properties {
	p := make(feature.Properties, len(l.cols))
	for c := range l.cols {
		if v := l.cols[c].vals[i]; v != 0 {
			p[l.schema.Fields[c].Name] = l.cols[c].dict[v]
		}
	}
	return p
}

// Value returns the value code of field f for feature i and the value:
// equal codes mean equal values within a field (the converse holds for
// fields with few distinct values), and code 0 means nil. The tiler uses
// the code to deduplicate values without hashing them.
func (l *Layer) Value(i, f int) (code uint32, v any) {
	c := &l.cols[f]
	code = c.vals[i]
	return code, c.dict[code]
}

// Distinct returns the number of value codes of field f, nil included.
func (l *Layer) Distinct(f int) int { return len(l.cols[f].dict) }

// MemoryPerFeature returns the bytes the layer holds per feature: the
// capacities of every slab and column, the dictionary values, and an
// estimate of the R-tree (tidwall/rtree keeps its items in nodes of up to
// 64 entries of two [2]float64 and an int32, about 70% full).
func (l *Layer) MemoryPerFeature() float64 {
	if len(l.ids) == 0 {
		return 0
	}
	n := 0
	n += cap(l.ids) * 8
	n += cap(l.kinds)
	n += cap(l.bounds) * int(unsafe.Sizeof(orb.Bound{}))
	n += (cap(l.featGroup) + cap(l.groupRing) + cap(l.ringPoint)) * 4
	n += cap(l.merc) * 8
	for _, c := range l.cols {
		n += cap(c.vals)*4 + cap(c.dict)*16 + c.size
	}
	const itemBytes = 2*16 + 4
	n += int(float64(l.tree.Len()*itemBytes) / 0.7)
	return float64(n) / float64(len(l.ids))
}

// Mercator projects lon/lat to Web Mercator world units (0..1, y down),
// clamping latitudes to the Web Mercator limit.
func Mercator(lon, lat float64) (x, y float64) {
	const maxLat = 85.0511287798066
	lat = math.Max(-maxLat, math.Min(maxLat, lat))
	x = (lon + 180) / 360
	s := math.Sin(lat * math.Pi / 180)
	y = 0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)
	return x, y
}

// jsonKey makes JSON values hashable for the dictionary.
type jsonKey string

func dictKey(v any) (any, int, error) {
	switch v := v.(type) {
	case string:
		return v, len(v), nil
	case int64, float64, bool:
		return v, 0, nil
	case int:
		return int64(v), 0, nil
	case json.RawMessage:
		return jsonKey(v), len(v), nil
	}
	return nil, 0, fmt.Errorf("index: unsupported property value type %T", v)
}

// Groups returns the range of groups of feature i: the polygons of a
// MultiPolygon, or a single group for any other kind.
func (l *Layer) Groups(i int) (g0, g1 int) {
	return int(l.featGroup[i]), int(l.featGroup[i+1])
}

// Rings returns the range of rings of group g; the first ring of a polygon
// is its exterior.
func (l *Layer) Rings(g int) (r0, r1 int) {
	return int(l.groupRing[g]), int(l.groupRing[g+1])
}

// RingMercator returns the flat x,y Web Mercator coordinates of ring r. The
// slice must not be modified.
func (l *Layer) RingMercator(r int) []float64 {
	return l.merc[2*l.ringPoint[r] : 2*l.ringPoint[r+1]]
}

// MercatorBound returns the bounds of feature i in Web Mercator world
// units (y down).
func (l *Layer) MercatorBound(i int) orb.Bound {
	b := l.bounds[i]
	x0, y1 := Mercator(b.Min[0], b.Min[1])
	x1, y0 := Mercator(b.Max[0], b.Max[1])
	return orb.Bound{Min: orb.Point{x0, y0}, Max: orb.Point{x1, y1}}
}

// LonLat converts Web Mercator world units back to lon/lat.
func LonLat(x, y float64) (lon, lat float64) {
	return x*360 - 180, math.Atan(math.Sinh(math.Pi*(1-2*y))) * 180 / math.Pi
}

// DictValue returns the value of field f that has code code (see Value).
func (l *Layer) DictValue(f int, code uint32) any { return l.cols[f].dict[code] }
