// Package tiler cuts the layers of pkg/index into Mapbox Vector Tiles 2.1.
//
// It sits between pkg/index and pkg/mbtiles: for each tile z/x/y it asks
// each layer's R-tree for the features whose bounds touch the tile plus a
// buffer, snaps their (precomputed Web Mercator) coordinates to the tile
// grid, clips them, drops what degenerated, folds sub-pixel polygons into
// pixel squares below the max zoom, drops the least visible features when a
// tile would exceed its caps, and encodes the result with stable integer
// ids and typed attributes. Run walks only the tiles the features' bounds
// cover, in parallel, and hands gzipped tiles to a callback (the MBTiles
// writer) through a bounded channel.
//
// Output is deterministic: features in index order, attributes in schema
// order, keys and values in first-use order, fixed gzip settings.
package tiler
