// Package server is plantile's HTTP front: vector tiles from MBTiles
// tilesets, TileJSON, MapLibre styles, glyphs, the bundled web map, health
// and Prometheus metrics.
//
// It sits at the end of the pipeline: pkg/tiler builds MBTiles files with
// pkg/mbtiles, a Registry here serves each NAME.mbtiles of a directory as
// the tileset NAME and swaps in new versions while requests are in flight.
// Each version is served from a private, checked snapshot of the file
// (SnapshotOpener), so a file that an operator overwrites in place (cp,
// rsync --inplace, VACUUM) keeps serving its old version, never a torn one,
// and can never crash the process.
//
// Layout: one file per route family (route_tiles.go, route_tilejson.go,
// route_styles.go, route_fonts.go, route_web.go, route_health.go); handlers
// return an error and Error (error.go) is the one place that turns errors
// into HTTP statuses and RFC 9457 problem documents. The core of the tile
// route, Server.Tile, knows nothing of HTTP; ServeHTTP wraps it with content
// negotiation and caching headers.
package server
