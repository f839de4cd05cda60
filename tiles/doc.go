// Package tiles bundles the Son La demo tilesets into the binary, so that
// `plantile serve` with no configuration serves a complete map.
//
// The demo tilesets are NAME.mbtiles files in this directory, built by
// `plantile build` from testdata/sonla (a Makefile step). The server copies
// them into a cache directory at start, because SQLite reads real files,
// and serves each as the tileset NAME.
package tiles
