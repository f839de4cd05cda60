// Package publish is plantile's publish pipeline as a library: it reads
// sources (shapefiles, folders, zips, GeoJSON) with pkg/ingest, validates
// and reprojects them to WGS 84, indexes them (pkg/index), tiles them
// (pkg/tiler) and writes one version file (pkg/mbtiles) holding the tiles
// and the exact features, replaced atomically.
//
// `plantile build` and the upload API both call Run, so that one policy
// decides what happens to bad records: self-intersecting polygons are
// dropped and listed (InvalidDrop) or refuse the version (InvalidFail);
// features outside Vietnam or far from the rest are reported, refused or
// kept (ingest.OutlierPolicy). A refusal is a *RefusedError carrying every
// Reason (file, feature number, cause) a person needs to fix the file.
//
// Run has no process-wide side effects: GC settings and profiling stay in
// the command that calls it. Progress is reported through a callback of
// Events (step, done, total).
//
// PublishVersion builds a catalog version beside the served ones and
// switches it in: build under a temporary name, sync, rename to the
// version's file, commit the catalog transaction, then swap what is
// served. Any failure leaves the previous version serving.
package publish
