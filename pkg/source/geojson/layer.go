package geojson

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sonla-gis/plantile/pkg/feature"
)

// Options tune how GeoJSON is read.
type Options struct {
	// StrictRings rejects polygons whose rings are not closed. By default
	// such a ring is closed by repeating its first position, and
	// LayerInfo.Warnings says how many were.
	StrictRings bool
	// Limits bound what one file may cost; zero fields are defaults. The
	// reader applies RecordBytes (one feature's text), Features and
	// PropertyBytes.
	Limits feature.Limits
}

// Extensions are the file name extensions Open reads, lower case.
func Extensions() []string {
	return []string{".geojson", ".json", ".geojsonl", ".geojsons", ".ndjson"}
}

// Supported reports whether path has one of Extensions (any case).
func Supported(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	for _, e := range Extensions() {
		if ext == e {
			return true
		}
	}
	return false
}

// Layer is one GeoJSON file. It satisfies source.Layer.
type Layer struct {
	path string
	opts Options
	info feature.LayerInfo
}

// Open reads the GeoJSON file at path once, to validate every feature and
// learn the layer's schema, geometry type, count and CRS, and returns the
// Layer; Features then streams the features again. The first bad feature
// or malformed JSON is returned as a *feature.Error.
func Open(path string, opts Options) (*Layer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("geojson: %w", err)
	}
	defer f.Close()
	base := filepath.Base(path)
	l := &Layer{path: path, opts: opts, info: feature.LayerInfo{
		Name:     strings.TrimSuffix(base, filepath.Ext(base)),
		Source:   path,
		Encoding: "UTF-8",
	}}
	r := newReader(path, f, nil, opts)
	var (
		types   = map[string]bool{}
		nonNull bool
		count   int64
		schema  feature.Schema
		seen    []bool // a field has had a non-null value
		index   = map[string]int{}
	)
	for {
		ft, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		count++
		if ft.Geometry != nil {
			types[ft.Geometry.GeoJSONType()] = true
			nonNull = true
		}
		// Fields in order of first appearance; Go maps have no order, so
		// walk the feature's members again in file order.
		for _, name := range r.lastOrder {
			v := ft.Properties[name]
			i, ok := index[name]
			if !ok {
				schema.Fields = append(schema.Fields, feature.Field{Name: name, Type: feature.String})
				i = len(schema.Fields) - 1
				index[name] = i
				seen = append(seen, false)
			}
			if t, ok := typeOf(v); ok {
				if !seen[i] {
					schema.Fields[i].Type, seen[i] = t, true
				} else {
					schema.Fields[i].Type = widen(schema.Fields[i].Type, t)
				}
			}
		}
	}
	l.info.Count = count
	l.info.Schema = schema
	l.info.HasZ = r.stats.hasZ
	l.info.GeometryType = geometryType(types, nonNull)
	if c := r.CRS(); c != "" {
		l.info.CRS = c
		l.info.Warnings = append(l.info.Warnings, fmt.Sprintf(`the legacy "crs" member (%s) was honoured; RFC 7946 removed it: GeoJSON should be WGS 84 longitude/latitude`, c))
	}
	if n := r.stats.closedRings; n > 0 {
		l.info.Warnings = append(l.info.Warnings, fmt.Sprintf("%d polygon rings were not closed and have been closed", n))
	}
	if l.info.HasZ {
		l.info.Warnings = append(l.info.Warnings, "Z values dropped")
	}
	return l, nil
}

// typeOf returns the field type of a value as NewReader returns it, and
// false for null.
func typeOf(v any) (feature.FieldType, bool) {
	switch v.(type) {
	case string:
		return feature.String, true
	case int64:
		return feature.Int, true
	case float64:
		return feature.Float, true
	case bool:
		return feature.Bool, true
	case nil:
		return 0, false
	}
	return feature.JSON, true
}

// geometryType names the layer's geometry type from the types of its
// features: one type is that type; single and multi of the same kind give
// the multi type; no geometry at all gives "None"; any other mix, or
// GeometryCollections, "Geometry".
func geometryType(types map[string]bool, nonNull bool) string {
	if !nonNull {
		return "None"
	}
	if len(types) == 1 {
		for t := range types {
			if t != "GeometryCollection" {
				return t
			}
		}
	}
	if len(types) == 2 {
		for _, t := range []string{"Point", "LineString", "Polygon"} {
			if types[t] && types["Multi"+t] {
				return "Multi" + t
			}
		}
	}
	return "Geometry"
}

// Info describes the layer as found by Open.
func (l *Layer) Info() feature.LayerInfo {
	info := l.info
	info.Schema.Fields = append([]feature.Field(nil), l.info.Schema.Fields...)
	info.Warnings = append([]string(nil), l.info.Warnings...)
	return info
}

// Features opens a new stream of the layer's features, with property
// values converted to the schema's types. The caller must close it.
func (l *Layer) Features() (feature.Reader, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, fmt.Errorf("geojson: %w", err)
	}
	schema := l.info.Schema
	r := newReader(l.path, f, &schema, l.opts)
	r.closer = f
	return r, nil
}
