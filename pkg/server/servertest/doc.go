// Package servertest writes small but real MBTiles tilesets (MVT bytes from
// orb's encoding/mvt, stored with pkg/mbtiles) for the tests and benchmarks
// of pkg/server and cmd/plantile. It is test support beside the server:
// nothing in the server imports it.
package servertest
