package index

import (
	"strconv"

	"github.com/sonla-gis/plantile/pkg/source/geojson"
)

// The GeoJSON writers below append straight from the layer's slabs and
// columns: no orb geometry, no properties map, no reflection. A page of a
// hundred parcels then costs the bytes it writes and nothing else, where
// orb/geojson through encoding/json spent most of a query's time.

// kindNames are the GeoJSON geometry types of the kinds.
var kindNames = [...]string{KindPoint: "Point", KindMultiPoint: "MultiPoint", KindLineString: "LineString",
	KindMultiLineString: "MultiLineString", KindPolygon: "Polygon", KindMultiPolygon: "MultiPolygon"}

// AppendGeometryJSON appends feature i's geometry as a GeoJSON geometry
// object (null for a null shape), each stored lon/lat float64 written with
// at most decimals digits after the point (geojson.AppendCoord), or, for
// decimals < 0, at full precision: the shortest decimal that reads back to
// the same float64.
func (l *Layer) AppendGeometryJSON(b []byte, i int, decimals int) []byte {
	kind := l.kinds[i]
	g0, g1 := int(l.featGroup[i]), int(l.featGroup[i+1])
	if kind == KindNone || int(kind) >= len(kindNames) || g0 == g1 ||
		kind == KindPoint && len(l.ringCoords(int(l.groupRing[g0]))) < 2 {
		return append(b, "null"...)
	}
	b = append(b, `{"type":"`...)
	b = append(b, kindNames[kind]...)
	b = append(b, `","coordinates":`...)
	switch kind {
	case KindPoint:
		c := l.ringCoords(int(l.groupRing[g0]))
		b = appendPos(b, c[0], c[1], decimals)
	case KindMultiPoint, KindLineString:
		b = appendRing(b, l.ringCoords(int(l.groupRing[g0])), decimals)
	case KindMultiLineString, KindPolygon:
		b = l.appendGroup(b, g0, decimals)
	case KindMultiPolygon:
		b = append(b, '[')
		for g := g0; g < g1; g++ {
			if g > g0 {
				b = append(b, ',')
			}
			b = l.appendGroup(b, g, decimals)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendGroup appends the rings of group g as an array of positions arrays.
func (l *Layer) appendGroup(b []byte, g int, decimals int) []byte {
	b = append(b, '[')
	r0, r1 := int(l.groupRing[g]), int(l.groupRing[g+1])
	for r := r0; r < r1; r++ {
		if r > r0 {
			b = append(b, ',')
		}
		b = appendRing(b, l.ringCoords(r), decimals)
	}
	return append(b, ']')
}

func appendRing(b []byte, c []float64, decimals int) []byte {
	b = append(b, '[')
	for j := 0; j+1 < len(c); j += 2 {
		if j > 0 {
			b = append(b, ',')
		}
		b = appendPos(b, c[j], c[j+1], decimals)
	}
	return append(b, ']')
}

func appendPos(b []byte, x, y float64, decimals int) []byte {
	b = append(b, '[')
	b = geojson.AppendCoord(b, x, decimals)
	b = append(b, ',')
	b = geojson.AppendCoord(b, y, decimals)
	return append(b, ']')
}

// AppendIDJSON appends feature i's id as it appears in GeoJSON (see
// FeatureID) without boxing it.
func (l *Layer) AppendIDJSON(b []byte, i int) []byte {
	if l.idKind == IDString {
		return geojson.AppendString(b, l.strIDs[i])
	}
	return strconv.AppendInt(b, int64(l.ids[i]), 10)
}

// AppendPropertiesJSON appends feature i's properties as a JSON object:
// every field of the schema in order, null where the value is nil.
func (l *Layer) AppendPropertiesJSON(b []byte, i int) []byte {
	b = append(b, '{')
	for f := range l.cols {
		if f > 0 {
			b = append(b, ',')
		}
		b = l.appendProperty(b, i, f)
	}
	return append(b, '}')
}

// AppendSelectedPropertiesJSON is AppendPropertiesJSON for the fields
// (schema indexes) given, in their order; nil means every field.
func (l *Layer) AppendSelectedPropertiesJSON(b []byte, i int, fields []int) []byte {
	if fields == nil {
		return l.AppendPropertiesJSON(b, i)
	}
	b = append(b, '{')
	for k, f := range fields {
		if k > 0 {
			b = append(b, ',')
		}
		b = l.appendProperty(b, i, f)
	}
	return append(b, '}')
}

// appendProperty appends "name":value of field f of feature i.
func (l *Layer) appendProperty(b []byte, i, f int) []byte {
	c := &l.cols[f]
	b = append(b, c.key...)
	if c.off != nil {
		if v := c.vals[i]; v != 0 {
			if c.plain {
				b = append(b, '"')
				b = append(b, c.text[c.off[v]:c.off[v+1]]...)
				return append(b, '"')
			}
			return geojson.AppendString(b, c.str(v))
		}
	}
	return geojson.AppendValue(b, c.value(c.vals[i]))
}

// AppendIDText appends feature i's id as text (FeatureIDText) without
// allocating.
func (l *Layer) AppendIDText(b []byte, i int) []byte {
	if l.idKind == IDString {
		return append(b, l.strIDs[i]...)
	}
	return strconv.AppendUint(b, l.ids[i], 10)
}

// AppendFeatureJSON appends feature i as a GeoJSON Feature object: id,
// geometry (decimals as for AppendGeometryJSON) and properties
// (AppendIDJSON, AppendGeometryJSON, AppendPropertiesJSON). It allocates nothing but the growth of b.
func (l *Layer) AppendFeatureJSON(b []byte, i int, decimals int) []byte {
	b = append(b, `{"type":"Feature","id":`...)
	b = l.AppendIDJSON(b, i)
	b = append(b, `,"geometry":`...)
	b = l.AppendGeometryJSON(b, i, decimals)
	b = append(b, `,"properties":`...)
	b = l.AppendPropertiesJSON(b, i)
	return append(b, '}')
}
