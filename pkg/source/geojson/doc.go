// Package geojson streams features out of GeoJSON: a FeatureCollection, a
// single Feature, a bare geometry, or a sequence of them (newline-delimited
// GeoJSON, RFC 8142 GeoJSON text sequences). It decodes one feature at a
// time, so memory does not grow with the number of features.
//
// It sits beside pkg/source/shapefile at the start of the pipeline: its
// Layer satisfies source.Layer, and the features it returns still carry the
// file's own coordinates; pkg/crs moves them to WGS 84 using LayerInfo.CRS
// (the legacy "crs" member, when a file has one).
//
// Property values: JSON strings become string, true/false bool, null nil;
// numbers written without fraction or exponent that fit int64 become
// int64, other numbers float64; objects and arrays stay as
// json.RawMessage. Open scans the file once to find the schema (fields in
// order of first appearance, each with the widest type seen: integer
// widens to float; any other mix of scalars gives string; an object or
// array among other values gives json) and then converts every value to
// its field's type, so that a field's values share one Go type.
package geojson
