package crs

import (
	"math"
	"strconv"
	"strings"
)

// TOWGS84VN2000 is EPSG:6960 "VN-2000 to WGS 84 (2)" (accuracy 1 m) as the
// seven Helmert parameters of PROJ's +towgs84 and of WKT1's TOWGS84: metres,
// arc-seconds and ppm, in the Position Vector convention. EPSG publishes it
// in the Coordinate Frame convention, whose three rotations have the
// opposite signs.
var TOWGS84VN2000 = [7]float64{-191.90441429, -39.30318279, -111.45032835, 0.00928836, -0.01975479, 0.00427372, 0.252906278}

// vnZone is a VN-2000 projected CRS of the EPSG registry: a Transverse
// Mercator with false easting 500000 and false northing 0.
type vnZone struct {
	epsg int
	name string
	lon0 float64
	k    float64
}

// vnZones lists the VN-2000 projected CRSs plantile can name: the TM-3
// zones (k 0.9999) used by provincial plans and the two UTM zones (k
// 0.9996). From the EPSG registry as shipped in PROJ's proj.db; a test
// checks every row against PROJ.
var vnZones = []vnZone{
	{5896, "VN-2000 / TM-3 zone 481", 102, 0.9999},
	{9205, "VN-2000 / TM-3 103-00", 103, 0.9999},
	{9206, "VN-2000 / TM-3 104-00", 104, 0.9999},
	{9207, "VN-2000 / TM-3 104-30", 104.5, 0.9999},
	{9208, "VN-2000 / TM-3 104-45", 104.75, 0.9999},
	{5897, "VN-2000 / TM-3 zone 482", 105, 0.9999},
	{9209, "VN-2000 / TM-3 105-30", 105.5, 0.9999},
	{9210, "VN-2000 / TM-3 105-45", 105.75, 0.9999},
	{9211, "VN-2000 / TM-3 106-00", 106, 0.9999},
	{9212, "VN-2000 / TM-3 106-15", 106.25, 0.9999},
	{9213, "VN-2000 / TM-3 106-30", 106.5, 0.9999},
	{9214, "VN-2000 / TM-3 107-00", 107, 0.9999},
	{9215, "VN-2000 / TM-3 107-15", 107.25, 0.9999},
	{9216, "VN-2000 / TM-3 107-30", 107.5, 0.9999},
	{5899, "VN-2000 / TM-3 107-45", 107.75, 0.9999},
	{5898, "VN-2000 / TM-3 zone 491", 108, 0.9999},
	{9217, "VN-2000 / TM-3 108-15", 108.25, 0.9999},
	{9218, "VN-2000 / TM-3 108-30", 108.5, 0.9999},
	{3405, "VN-2000 / UTM zone 48N", 105, 0.9996},
	{3406, "VN-2000 / UTM zone 49N", 111, 0.9996},
}

// VN-2000 geographic CRS and datum codes.
const (
	epsgVN2000Geographic = 4756
	epsgVN2000Datum      = 6756
)

// tmParams are the parameters of a Transverse Mercator projection, with
// false easting and northing in metres.
type tmParams struct {
	lat0, lon0, k, x0, y0 float64
	toMeter               float64 // size of the linear unit in metres
}

// isTM3Shape reports whether p has the shape of a Vietnamese TM-3 zone:
// k 0.9999, false easting 500000 m, false northing 0, latitude of origin 0
// and a central meridian between 102°E and 110°E.
func (p tmParams) isTM3Shape() bool {
	return near(p.k, 0.9999, 1e-9) && near(p.x0, 500000, 1e-3) && p.y0 == 0 &&
		p.lat0 == 0 && p.lon0 >= 102 && p.lon0 <= 110
}

// vnZoneFor returns the EPSG zone whose parameters p match, or nil.
func vnZoneFor(p tmParams) *vnZone {
	if !near(p.x0, 500000, 1e-3) || p.y0 != 0 || p.lat0 != 0 || !near(p.toMeter, 1, 1e-12) {
		return nil
	}
	for i := range vnZones {
		z := &vnZones[i]
		if near(z.lon0, p.lon0, 1e-9) && near(z.k, p.k, 1e-9) {
			return z
		}
	}
	return nil
}

// vnZoneByCode returns the zone with the EPSG code, or nil.
func vnZoneByCode(code int) *vnZone {
	for i := range vnZones {
		if vnZones[i].epsg == code {
			return &vnZones[i]
		}
	}
	return nil
}

// mentionsVN2000 reports whether a CRS, datum or ellipsoid name refers to
// VN-2000 in any of the spellings seen in the wild: "VN-2000",
// "GCS_VN_2000", "D_Vietnam_2000", "Vietnam_2000", "VN2000",
// "HCM-vn2000", "VN_2000_KT108-15_3deg".
func mentionsVN2000(name string) bool {
	n := squash(name)
	return strings.Contains(n, "vn2000") || strings.Contains(n, "vietnam2000")
}

// squash lower-cases s and keeps only ASCII letters and digits, so that
// "D_Vietnam_2000", "Vietnam 2000" and "vietnam-2000" compare equal.
func squash(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b = append(b, c)
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b)
}

// isWGS84Ellipsoid reports whether a and rf are those of WGS 84, which
// VN-2000 uses.
func isWGS84Ellipsoid(a, rf float64) bool {
	return near(a, 6378137, 1e-3) && near(rf, 298.257223563, 1e-6)
}

// towgs84Kind classifies a TOWGS84 found in a VN-2000 WKT.
type towgs84Kind int

const (
	towgs84Absent      towgs84Kind = iota
	towgs84Official                // equal to EPSG:6960
	towgs84FlippedSign             // EPSG:6960 with Coordinate Frame rotation signs
	towgs84Zero                    // all zero: "same as WGS 84", the ~222 m pitfall
	towgs84Other                   // some other transformation
)

func classifyTOWGS84(v []float64) towgs84Kind {
	if len(v) == 0 {
		return towgs84Absent
	}
	var p [7]float64
	copy(p[:], v)
	zero, same, flipped := true, true, true
	for i := range p {
		if p[i] != 0 {
			zero = false
		}
		if !near(p[i], TOWGS84VN2000[i], 1e-6) {
			same = false
		}
		want := TOWGS84VN2000[i]
		if i >= 3 && i <= 5 {
			want = -want
		}
		if !near(p[i], want, 1e-6) {
			flipped = false
		}
	}
	switch {
	case zero:
		return towgs84Zero
	case same:
		return towgs84Official
	case flipped:
		return towgs84FlippedSign
	}
	return towgs84Other
}

// towgs84String formats seven Helmert parameters for +towgs84.
func towgs84String(p []float64) string {
	s := make([]string, len(p))
	for i, v := range p {
		s[i] = strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strings.Join(s, ",")
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
