package mbtiles

import (
	"errors"
	"fmt"
)

// Errors returned by this package; test with errors.Is.
var (
	// ErrNotMBTiles means the file is a SQLite database (or not even that)
	// without the metadata table and tiles table or view of an MBTiles file.
	ErrNotMBTiles = errors.New("mbtiles: not an mbtiles file")
	// ErrNoFormat means the metadata table lacks the required "format" row.
	ErrNoFormat = errors.New("mbtiles: metadata has no format")
	// ErrUnsupportedFormat means the tiles are not vector tiles (format=pbf).
	ErrUnsupportedFormat = errors.New("mbtiles: unsupported tile format")
	// ErrClosed means the Writer was already committed or aborted, or the
	// Reader was closed.
	ErrClosed = errors.New("mbtiles: closed")
	// ErrTileCoord means z/x/y is outside the tile pyramid.
	ErrTileCoord = errors.New("mbtiles: tile coordinate out of range")
	// ErrDuplicateTile means the same z/x/y was written twice.
	ErrDuplicateTile = errors.New("mbtiles: tile written twice")
	// ErrReplaced means a Reader needed a new database connection after
	// its file was replaced at the same path; open the new file instead.
	ErrReplaced = errors.New("mbtiles: file replaced since open")
	// ErrNotGzip means PutTileGzipped was given bytes that are not gzip.
	ErrNotGzip = errors.New("mbtiles: data is not gzip")
)

// MaxZoom is the deepest zoom level accepted: 2^30 tiles per side still fits
// the int columns and is far beyond any planning map.
const MaxZoom = 30

// FormatPBF is the metadata format of Mapbox vector tiles.
const FormatPBF = "pbf"

// checkCoord reports whether z/x/y is inside the XYZ tile pyramid.
func checkCoord(z, x, y int) error {
	if z < 0 || z > MaxZoom {
		return fmt.Errorf("%w: %d/%d/%d", ErrTileCoord, z, x, y)
	}
	n := 1 << z
	if x < 0 || x >= n || y < 0 || y >= n {
		return fmt.Errorf("%w: %d/%d/%d", ErrTileCoord, z, x, y)
	}
	return nil
}

// tmsRow converts an XYZ row (0 at the north) to a TMS row (0 at the south)
// and back: the conversion is its own inverse. This is the only TMS flip in
// plantile.
func tmsRow(z, y int) int { return (1 << z) - 1 - y }
