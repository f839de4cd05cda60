// Package crs recognises the coordinate reference system a layer was drawn
// in and moves its coordinates to WGS 84 longitude/latitude (and back) with
// PROJ, through github.com/twpayne/go-proj.
//
// It sits after the source readers (pkg/source/...), which only report the
// CRS text they found (a .prj WKT, a GeoJSON "crs" name), and before
// pkg/index, which stores WGS 84 geometries.
//
// The one rule that matters most in Son La: a layer in VN-2000 must be moved
// to WGS 84 with the official EPSG:6960 transformation even when its .prj
// carries no TOWGS84 and uses non-standard names, or every feature lands
// about 222 m off. See FromWKT for the exact rule applied to WKT.
//
// Parse, FromWKT, FromEPSG, FromPROJ and FromGeoJSONName may be called from
// any goroutine. A Transformer may not: PROJ contexts are single-threaded,
// so give each goroutine its own (NewTransformer or Transformer.Clone).
package crs
