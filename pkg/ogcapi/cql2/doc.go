// Package cql2 parses OGC CQL2 filters (OGC API - Features Part 3, basic
// CQL2 plus S_INTERSECTS) in both encodings, cql2-text and cql2-json, into
// one syntax tree; binds the tree to a layer's queryables (unknown
// properties and ill-typed literals are errors naming them); compiles it
// into a predicate over features; extracts the box that any match lies
// in, so the caller can take candidates from the R-tree first; and writes
// the equivalent PostGIS WHERE clause, which tests use as the reference.
//
// The flow in the server is:
//
//	e, err := cql2.ParseText(r.URL.Query().Get("filter"))  // or ParseJSON
//	err = cql2.Bind(e, cql2.Queryables{Schema: schema})
//	pred, err := cql2.Compile(e, dict)                     // dict may be nil
//	box, ok := cql2.Bound(e)                                 // R-tree candidates
//	... for each candidate record r: if pred(r) { keep }
//
// Evaluation follows SQL's three-valued logic, as PostGIS does: a
// comparison with a null (missing) property is unknown, NOT unknown is
// unknown, and only true keeps a feature. Geometries are compared exactly
// in longitude, latitude (planar, as PostGIS's geometry type does in SRID
// 4326): boundaries touching count as intersecting, holes are holes.
//
// Parsing is bounded: inputs longer than MaxLength, nesting deeper than
// MaxDepth or geometries with more than MaxVertices vertices are refused.
package cql2
