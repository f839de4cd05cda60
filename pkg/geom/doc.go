// Package geom checks planar geometry for what Mapbox Vector Tiles 2.1
// and OGC Simple Features forbid: rings that cross or touch themselves
// ("bowtie" polygons).
//
// It sits beside pkg/feature, below the tiler and the build: the build
// checks each polygon as it reads it, and the tiler checks again in Web
// Mercator, where tiles are drawn. The check is a sweep over the ring's
// edges sorted by x, comparing each edge only with the edges whose x
// range overlaps it: about n log n for real boundaries, whatever their
// size, and bounded by a work budget for pathological rings (a comb of
// long teeth), which are reported as too complex rather than checked for
// ever.
package geom
