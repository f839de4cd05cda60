// Package pgtest starts a throwaway PostgreSQL cluster with PostGIS for
// tests that use PostGIS as the reference for spatial queries.
//
// It sits beside the pipeline, not in it: only tests import it. Start runs
// initdb into a fresh temporary directory, starts the server on a unix
// socket in that directory with TCP disabled (as the postgres user when
// the test runs as root, since PostgreSQL refuses to run as root), creates
// the postgis extension and registers a cleanup that stops the server and
// removes the directory, whether the test passed or failed. The server is
// started with a parent-death signal and watches its own lock file, so a
// test binary killed mid-run does not leave it running either.
//
// Layers are loaded the way an operator would load them, with GDAL's
// ogr2ogr through the PostgreSQL driver (Cluster.Load), and queried with
// pgx (Cluster.Conn).
//
// Missing tools (the PostgreSQL 15 server binaries, the postgis extension,
// ogr2ogr) skip the test, except under CI=true, where they fail it:
// `make deps-test` installs postgresql-15-postgis-3 and gdal-bin.
package pgtest
