// Package ingest turns the layers found at a path into streams of features
// in WGS 84 longitude/latitude: it opens them with pkg/source, decides each
// layer's CRS (the user's choice, else the .prj or GeoJSON "crs" found with
// the data, else WGS 84 after checking that the coordinates are degrees),
// and reprojects with pkg/crs on every core while keeping source order.
//
// `plantile inspect`, `plantile build` and (later) district uploads all read
// through it, so that every path decides the CRS the same way, and treats
// bad input the same way: Options.Limits (feature.Limits) bound what a read
// may cost; a feature with too many vertices, or whose coordinates are not
// finite longitude/latitude once reprojected, is a bad record; more bad
// records than the limit stop the read.
//
// OutlierDetector finds, in one pass over the reprojected features, those
// outside Vietnam or far from the rest of their layer; inspect lists them
// and build reports or refuses them according to an OutlierPolicy.
package ingest
