package source

import (
	"github.com/sonla-gis/plantile/pkg/feature"
)

// Layer is one layer found at a path: a shapefile set, a GeoJSON file.
type Layer interface {
	// Info describes the layer as found, before reprojection.
	Info() feature.LayerInfo
	// Features opens a fresh stream of the layer's features from the first
	// one. It may be called more than once; each reader must be closed.
	Features() (feature.Reader, error)
}

// Options tune how layers are read.
type Options struct {
	// Encoding overrides the attribute text encoding (e.g. "windows-1258",
	// "UTF-8", "tcvn3", "vni"); empty means the .cpg, then the dBASE LDID
	// byte, then detection from the text (see pkg/vntext).
	Encoding string
	// Limits bound what reading one file may cost (see feature.Limits);
	// zero fields are the defaults.
	Limits feature.Limits
	// RequireDBF refuses a shapefile set without its .dbf (see
	// shapefile.Options).
	RequireDBF bool
}

// Z and M values are always dropped: features are 2D (orb geometries), as
// are the tiles and the web map. LayerInfo.HasZ says when a source had Z.
