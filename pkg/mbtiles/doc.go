// Package mbtiles reads and writes MBTiles 1.3 files of vector tiles on
// SQLite (github.com/mattn/go-sqlite3).
//
// It sits at the end of the build pipeline and at the start of serving:
// pkg/tiler hands it MVT bytes through a Writer, the build commits the file
// atomically, and pkg/server reads tiles back through a Reader.
//
// It is the only place in plantile with SQL for tiles and the only place that
// flips rows between XYZ and TMS: callers always speak XYZ z/x/y (row 0 at
// the north), the file stores TMS rows (row 0 at the south) as the MBTiles
// specification requires.
//
// Storage is deduplicated: a `map` table points each z/x/y at a tile_id, an
// `images` table holds each distinct gzipped tile once, and the `tiles` view
// joins them so that any MBTiles reader (GDAL, QGIS, tippecanoe's tile-join)
// sees the standard layout. Empty sea or forest tiles repeat thousands of
// times at high zoom; storing them once keeps files small.
package mbtiles
