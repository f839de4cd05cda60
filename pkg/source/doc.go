// Package source opens planning layers of any supported format: it picks the
// reader (pkg/source/shapefile or pkg/source/geojson) from the path and
// returns the layers found there, ready to stream features from.
//
// It sits between the files a district uploads and pkg/crs, which places the
// features on the earth.
package source
