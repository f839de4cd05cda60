// Package index holds one planning layer in memory, immutable, for the
// tiler and the feature server to read from many goroutines at once.
//
// It sits after pkg/crs in the pipeline: features arrive in WGS 84, are
// stored once in compact column stores (coordinates in flat float64 slabs
// with part offsets, in lon/lat and in Web Mercator; properties as
// dictionary-encoded columns), and an R-tree (tidwall/rtree) over their
// bounds answers "which features touch this box?" for pkg/tiler and "what
// is planned here?" for the OGC API. A Set maps layer names to the current
// *Layer through atomic pointers, so that a new version of a layer can be
// swapped in while requests still read the old one.
package index
