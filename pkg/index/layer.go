package index

import (
	"encoding/json"
	"fmt"
	"math"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

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
// the order they were added; that number is also the stable paging order.
// All methods are safe for concurrent use.
//
// Geometry is stored in three levels of offsets over one flat coordinate
// slab: a feature owns a range of groups (the polygons of a MultiPolygon;
// one group for any other kind), a group owns a range of rings (the rings
// of a polygon, the lines of a MultiLineString, one ring holding all points
// of a MultiPoint), and a ring owns a range of points.
type Layer struct {
	info   feature.LayerInfo
	schema feature.Schema

	idKind IDKind
	ids    []uint64 // the MVT id: the source number (IDNumber) or the row
	strIDs []string // IDString only: the source ids
	byID   []int32  // feature numbers in id order, for Find

	kinds []Kind

	featGroup []uint32 // len Len()+1: feature i owns groups featGroup[i]..featGroup[i+1]
	groupRing []uint32 // len groups+1
	ringPoint []uint32 // len rings+1
	// coords holds the lon/lat coordinates exactly as added (x, y pairs):
	// the feature server returns them at full precision.
	coords []float64
	// merc holds the same points in Web Mercator world units (0..1, y
	// down, tile order): what the tiler needs for every tile, without a
	// logarithm per vertex. It is computed on first use, so a layer loaded
	// only to answer feature queries never holds it.
	mercOnce sync.Once
	merc     []float64

	cols  []column
	tree  packedTree
	bands ringBands // latitude bands of long rings, for At
	full  orb.Bound
}

// column is one property, dictionary-encoded: vals[i] indexes dict, and 0
// means nil (null or absent). Columns of nearly unique values stop being
// deduplicated while building (coded is then false), so equal values may
// have different codes.
type column struct {
	vals   []uint32
	dict   []any     // dict[0] is nil; nil once packed (dict.go)
	ints   []int64   // packed int64 values (dict.go)
	floats []float64 // packed float64 values (dict.go)
	text   []byte    // packed strings (dict.go)
	off    []uint32  // packed strings: code c is text[off[c]:off[c+1]]
	size   int       // bytes of the values (string data, raw JSON)
	coded  bool      // every value has exactly one code
	key    []byte    // the field's name as a JSON object key, colon included
	plain  bool      // packed strings that JSON carries as they are (dict.go)
}

// Info returns the layer description given to the Builder.
func (l *Layer) Info() feature.LayerInfo { return l.info }

// Schema returns the fields of the layer: those of the LayerInfo, followed
// by any property name met in the features that the schema did not list.
func (l *Layer) Schema() feature.Schema { return l.schema }

// Len returns the number of features.
func (l *Layer) Len() int { return len(l.kinds) }

// Bounds returns the lon/lat bounds of all features; the zero Bound when
// the layer has no geometry.
func (l *Layer) Bounds() orb.Bound { return l.full }

// FeatureBound returns the lon/lat bounds of feature i, computed from its
// coordinates (the layer keeps no per-feature bounds besides the R-tree's);
// the zero Bound for a null or empty shape.
func (l *Layer) FeatureBound(i int) orb.Bound {
	g0, g1 := l.featGroup[i], l.featGroup[i+1]
	r0, r1 := l.groupRing[g0], l.groupRing[g1]
	return slabBound(l.coords[2*l.ringPoint[r0] : 2*l.ringPoint[r1]])
}

func slabBound(c []float64) orb.Bound {
	if len(c) < 2 {
		return orb.Bound{}
	}
	b := orb.Bound{Min: orb.Point{c[0], c[1]}, Max: orb.Point{c[0], c[1]}}
	for j := 2; j+1 < len(c); j += 2 {
		x, y := c[j], c[j+1]
		b.Min[0], b.Max[0] = min(b.Min[0], x), max(b.Max[0], x)
		b.Min[1], b.Max[1] = min(b.Min[1], y), max(b.Max[1], y)
	}
	return b
}

// ID returns the integer id of feature i that vector tiles carry (MVT ids
// are unsigned integers): the source id for a layer of IDNumber, else the
// row number. See IDKind.
func (l *Layer) ID(i int) uint64 { return l.ids[i] }

// Kind returns the geometry type of feature i.
func (l *Layer) Kind(i int) Kind { return l.kinds[i] }

// Search calls fn with the index of every feature whose bounds intersect b
// (lon/lat), until fn returns false. The order is that of the R-tree, not
// of the features.
func (l *Layer) Search(b orb.Bound, fn func(i int) bool) {
	l.tree.search(b, fn)
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
// for a null shape: the coordinates exactly as they were added.
func (l *Layer) Geometry(i int) orb.Geometry {
	return l.geometry(i, l.coords)
}

// Mercator returns the geometry of feature i in Web Mercator world units:
// x and y from 0 to 1, y growing southwards like tile rows.
func (l *Layer) Mercator(i int) orb.Geometry {
	return l.geometry(i, l.mercator())
}

// mercator returns the Web Mercator slab, computing it on first use.
func (l *Layer) mercator() []float64 {
	l.mercOnce.Do(func() {
		m := make([]float64, len(l.coords))
		for j := 0; j+1 < len(m); j += 2 {
			m[j], m[j+1] = Mercator(l.coords[j], l.coords[j+1])
		}
		l.merc = m
	})
	return l.merc
}

func (l *Layer) ring(r int, slab []float64) []orb.Point {
	a, b := l.ringPoint[r], l.ringPoint[r+1]
	pts := make([]orb.Point, b-a)
	for k := range pts {
		j := 2 * (int(a) + k)
		pts[k] = orb.Point{slab[j], slab[j+1]}
	}
	return pts
}

func (l *Layer) geometry(i int, slab []float64) orb.Geometry {
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
	merc := l.mercator()
	g0, g1 := int(l.featGroup[i]), int(l.featGroup[i+1])
	for g := g0; g < g1; g++ {
		for r := l.groupRing[g]; r < l.groupRing[g+1]; r++ {
			a, b := l.ringPoint[r], l.ringPoint[r+1]
			fn(g-g0, merc[2*a:2*b])
		}
	}
}

// Properties returns a fresh map of the non-nil properties of feature i.
func (l *Layer) Properties(i int) feature.Properties {
	p := make(feature.Properties, len(l.cols))
	for c := range l.cols {
		if v := l.cols[c].vals[i]; v != 0 {
			p[l.schema.Fields[c].Name] = l.cols[c].value(v)
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
	return code, c.value(code)
}

// Distinct returns the number of value codes of field f, nil included.
func (l *Layer) Distinct(f int) int { return l.cols[f].distinct() }

// MemoryPerFeature returns the bytes the layer holds per feature: the
// capacities of every slab, id and column, the dictionary values (string
// and JSON bytes plus their headers), the R-tree, and the Web Mercator slab
// if the tiler has made it.
func (l *Layer) MemoryPerFeature() float64 {
	if len(l.kinds) == 0 {
		return 0
	}
	n := 0
	n += cap(l.ids)*8 + cap(l.strIDs)*16 + cap(l.byID)*4
	for _, s := range l.strIDs {
		n += len(s)
	}
	n += cap(l.kinds)
	n += (cap(l.featGroup) + cap(l.groupRing) + cap(l.ringPoint)) * 4
	n += cap(l.coords) * 8
	n += cap(l.merc) * 8
	for _, c := range l.cols {
		if c.dict == nil {
			n += cap(c.vals)*4 + cap(c.off)*4 + cap(c.text) + cap(c.ints)*8 + cap(c.floats)*8
			continue
		}
		n += cap(c.vals)*4 + cap(c.dict)*16 + c.size
		// Values in an interface are boxed: a string or JSON header, or
		// an 8-byte number, on the heap behind each dictionary entry.
		for _, v := range c.dict {
			switch v.(type) {
			case string:
				n += 16
			case json.RawMessage:
				n += 24
			case int64, float64:
				n += 8
			}
		}
	}
	n += l.tree.bytes() + l.bands.bytes()
	return float64(n) / float64(len(l.kinds))
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
	return l.mercator()[2*l.ringPoint[r] : 2*l.ringPoint[r+1]]
}

// MercatorBound returns the bounds of feature i in Web Mercator world
// units (y down).
func (l *Layer) MercatorBound(i int) orb.Bound {
	b := l.FeatureBound(i)
	x0, y1 := Mercator(b.Min[0], b.Min[1])
	x1, y0 := Mercator(b.Max[0], b.Max[1])
	return orb.Bound{Min: orb.Point{x0, y0}, Max: orb.Point{x1, y1}}
}

// EarthCircumference is the length of the equator in metres on the WGS 84
// ellipsoid, which Web Mercator takes as its sphere: one world unit at
// the equator.
const EarthCircumference = 2 * math.Pi * 6378137

// MetresPerPixel is the Web Mercator ground resolution: the metres on the
// ground of one pixel at latitude lat (degrees) and zoom z, with tiles of
// size pixels (256 for a map tile, 4096 for an MVT tile unit; size 1 at
// zoom 0 gives the metres of one world unit). It is the one place this
// formula lives: the tiler's zoom choice and zone areas and the server's
// tolerance in pixels use it.
func MetresPerPixel(lat, z, size float64) float64 {
	return EarthCircumference * math.Cos(lat*math.Pi/180) / (size * math.Exp2(z))
}

// LonLat converts Web Mercator world units back to lon/lat.
func LonLat(x, y float64) (lon, lat float64) {
	return x*360 - 180, math.Atan(math.Sinh(math.Pi*(1-2*y))) * 180 / math.Pi
}

// DictValue returns the value of field f that has code code (see Value).
func (l *Layer) DictValue(f int, code uint32) any { return l.cols[f].value(code) }

// Coded reports whether field f is fully dictionary-coded: every distinct
// value has exactly one code, so an equality filter can compare codes.
// Columns of nearly unique values are not.
func (l *Layer) Coded(f int) bool { return l.cols[f].coded }

// Coordinates gives allocation-free access to the lon/lat coordinates of
// feature i, exactly as added: fn is called once per ring with the group
// (polygon) number within the feature and the ring's flat x,y slab, which
// must not be modified.
func (l *Layer) Coordinates(i int, fn func(group int, ring []float64)) {
	g0, g1 := int(l.featGroup[i]), int(l.featGroup[i+1])
	for g := g0; g < g1; g++ {
		for r := l.groupRing[g]; r < l.groupRing[g+1]; r++ {
			a, b := l.ringPoint[r], l.ringPoint[r+1]
			fn(g-g0, l.coords[2*a:2*b])
		}
	}
}
