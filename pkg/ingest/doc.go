// Package ingest turns the layers found at a path into streams of features
// in WGS 84 longitude/latitude: it opens them with pkg/source, decides each
// layer's CRS (the user's choice, else the .prj or GeoJSON "crs" found with
// the data, else WGS 84 after checking that the coordinates are degrees),
// and reprojects with pkg/crs on every core while keeping source order.
//
// `plantile inspect`, `plantile build` and (later) district uploads all read
// through it, so that every path decides the CRS the same way.
package ingest
