// Package index holds one planning layer in memory, immutable, for the
// tiler and the feature server to read from many goroutines at once.
//
// It sits after pkg/crs in the pipeline: features arrive in WGS 84, are
// stored once in compact column stores (exact lon/lat coordinates in one
// flat float64 slab with part offsets, a Web Mercator copy made on first
// use by the tiler; properties as dictionary-encoded columns; ids chosen
// once per layer, see IDKind), and a static R-tree packed in Hilbert order
// over their bounds answers "which features touch this box?" for pkg/tiler
// and "what is planned here?" (At, Intersecting) for the server. A layer is
// built feature by feature (Builder) or loaded in bulk from its columnar
// encoding (Decode, FromColumns), which is how a published MBTiles file
// carries its exact features. A Set maps layer names to the current
// *Layer through atomic pointers, so that a new version of a layer can be
// swapped in while requests still read the old one.
package index
