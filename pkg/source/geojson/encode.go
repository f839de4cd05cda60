package geojson

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/feature"
)

// Encoder writes features as GeoJSON text, appending to byte slices so that
// a stream of many features allocates little. Properties come in schema
// order, then any others sorted by key, so output is deterministic.
type Encoder struct {
	fields []string
	extra  []string
}

// NewEncoder returns an Encoder writing properties in the order of s.
func NewEncoder(s feature.Schema) *Encoder {
	e := &Encoder{fields: make([]string, len(s.Fields))}
	for i, f := range s.Fields {
		e.fields[i] = f.Name
	}
	return e
}

// AppendFeature appends f as a GeoJSON Feature object (no newline).
func (e *Encoder) AppendFeature(b []byte, f *feature.Feature) []byte {
	b = append(b, `{"type":"Feature"`...)
	switch id := f.ID.(type) {
	case nil:
	case string:
		b = append(b, `,"id":`...)
		b = AppendString(b, id)
	case int64:
		b = append(b, `,"id":`...)
		b = strconv.AppendInt(b, id, 10)
	case float64:
		b = append(b, `,"id":`...)
		b = appendFloat(b, id)
	}
	b = append(b, `,"properties":{`...)
	n := 0
	for _, k := range e.fields {
		v, ok := f.Properties[k]
		if !ok {
			continue
		}
		b = e.appendMember(b, n, k, v)
		n++
	}
	if len(f.Properties) > n {
		e.extra = e.extra[:0]
		for k := range f.Properties {
			if !e.inSchema(k) {
				e.extra = append(e.extra, k)
			}
		}
		sort.Strings(e.extra)
		for _, k := range e.extra {
			b = e.appendMember(b, n, k, f.Properties[k])
			n++
		}
	}
	b = append(b, `},"geometry":`...)
	b = AppendGeometry(b, f.Geometry)
	return append(b, '}')
}

func (e *Encoder) inSchema(k string) bool {
	for _, f := range e.fields {
		if f == k {
			return true
		}
	}
	return false
}

func (e *Encoder) appendMember(b []byte, n int, k string, v any) []byte {
	if n > 0 {
		b = append(b, ',')
	}
	b = AppendString(b, k)
	b = append(b, ':')
	return AppendValue(b, v)
}

// AppendValue appends a property value of one of the types documented by
// feature.FieldType.
func AppendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return AppendString(b, v)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		return appendFloat(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case json.RawMessage:
		return append(b, v...)
	}
	j, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, j...)
}

// appendFloat writes the shortest text that reads back as v; JSON has no
// NaN or infinity, so those become null.
func appendFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

// AppendString appends s as a JSON string. Only what JSON requires is
// escaped, so Vietnamese text stays readable; invalid UTF-8 becomes U+FFFD.
func AppendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\ufffd"...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendGeometry appends g as a GeoJSON geometry object, or null, its
// coordinates as the shortest decimals that read back exactly.
func AppendGeometry(b []byte, g orb.Geometry) []byte {
	return AppendGeometryDecimals(b, g, -1)
}

// AppendGeometryDecimals appends g as a GeoJSON geometry object, or null,
// with at most decimals digits after the point in each coordinate (see
// AppendCoord; < 0: the shortest exact decimals).
func AppendGeometryDecimals(b []byte, g orb.Geometry, decimals int) []byte {
	switch g := g.(type) {
	case nil:
		return append(b, "null"...)
	case orb.Point:
		b = append(b, `{"type":"Point","coordinates":`...)
		b = appendPoint(b, g, decimals)
	case orb.MultiPoint:
		b = append(b, `{"type":"MultiPoint","coordinates":`...)
		b = appendPoints(b, g, decimals)
	case orb.LineString:
		b = append(b, `{"type":"LineString","coordinates":`...)
		b = appendPoints(b, g, decimals)
	case orb.MultiLineString:
		b = append(b, `{"type":"MultiLineString","coordinates":[`...)
		for i, l := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPoints(b, l, decimals)
		}
		b = append(b, ']')
	case orb.Ring:
		return AppendGeometryDecimals(b, orb.Polygon{g}, decimals)
	case orb.Polygon:
		b = append(b, `{"type":"Polygon","coordinates":`...)
		b = appendPolygon(b, g, decimals)
	case orb.MultiPolygon:
		b = append(b, `{"type":"MultiPolygon","coordinates":[`...)
		for i, p := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPolygon(b, p, decimals)
		}
		b = append(b, ']')
	case orb.Collection:
		b = append(b, `{"type":"GeometryCollection","geometries":[`...)
		for i, c := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendGeometryDecimals(b, c, decimals)
		}
		b = append(b, ']')
	case orb.Bound:
		return AppendGeometryDecimals(b, g.ToPolygon(), decimals)
	default:
		return append(b, "null"...)
	}
	return append(b, '}')
}

func appendPoint(b []byte, p orb.Point, decimals int) []byte {
	b = append(b, '[')
	b = AppendCoord(b, p[0], decimals)
	b = append(b, ',')
	b = AppendCoord(b, p[1], decimals)
	return append(b, ']')
}

func appendPoints(b []byte, ps []orb.Point, decimals int) []byte {
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPoint(b, p, decimals)
	}
	return append(b, ']')
}

func appendPolygon(b []byte, p orb.Polygon, decimals int) []byte {
	b = append(b, '[')
	for i, r := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPoints(b, r, decimals)
	}
	return append(b, ']')
}
