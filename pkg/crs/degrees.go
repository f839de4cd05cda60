package crs

import (
	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/feature"
)

// CheckDegrees is for a layer that came with no CRS at all: it is taken as
// WGS 84 only when its bounds b fit in [-180,180] x [-90,90]. Otherwise it
// returns a *feature.Error for file saying the coordinates are not degrees
// and how to name the CRS, so that the layer is not silently placed off
// the coast of Africa.
func CheckDegrees(file string, b orb.Bound) error {
	if b.Min[0] >= -180 && b.Max[0] <= 180 && b.Min[1] >= -90 && b.Max[1] <= 90 {
		return nil
	}
	hint := "EPSG:9206"
	// Eastings of a UTM zone or a TM-3 zone and northings of Vietnam.
	if b.Min[0] > 0 && b.Max[0] < 1000000 && b.Min[1] > 900000 && b.Max[1] < 2700000 {
		hint += " (VN-2000 / TM-3 104-00, Son La)"
	}
	return feature.Errorf(file, 0,
		"no .prj and coordinates are not degrees (bounds %.0f,%.0f .. %.0f,%.0f): name the CRS with --src-crs (an upload's crs), e.g. --src-crs %s",
		b.Min[0], b.Min[1], b.Max[0], b.Max[1], hint)
}
