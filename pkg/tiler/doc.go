// Package tiler cuts the layers of pkg/index into Mapbox Vector Tiles 2.1.
//
// It sits between pkg/index and pkg/mbtiles: for each tile z/x/y it asks
// each layer's R-tree for the features whose bounds touch the tile plus a
// buffer, snaps their (precomputed Web Mercator) coordinates to the tile
// grid, clips them, drops what degenerated, folds sub-pixel polygons into
// pixel squares below the max zoom, drops the least visible features when a
// tile would exceed its caps, and encodes the result with stable integer
// ids and typed attributes. Run first walks the tile pyramid from 0/0/0,
// clipping each feature from parent to child, to list the tiles the
// geometry actually reaches (refusing more than Options.MaxTiles before any
// is built), then builds them in parallel and hands gzipped tiles to a
// callback (the MBTiles writer) through a bounded channel. Polygons with
// self-intersecting rings are left out (Tiler.Skipped); a feature that
// alone exceeds the byte cap is reported (Stats.Oversize).
//
// Output is deterministic: features in index order, attributes in schema
// order, keys and values in first-use order, fixed gzip settings.
package tiler
