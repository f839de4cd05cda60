package crs

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// vn6960Description is the Transformation text for EPSG:6960.
var vn6960Description = "EPSG:6960 VN-2000 to WGS 84 (2), 1 m (+towgs84=" + towgs84String(TOWGS84VN2000[:]) + ")"

// FromWKT recognises a CRS given as WKT: the ESRI dialect found in .prj
// files, OGC WKT1 (GDAL), or WKT2.
//
// VN-2000 is recognised from the WKT's content, not from its CRS name
// alone; the rule is:
//
//  1. The datum is VN-2000 when the DATUM, the geographic CRS or the
//     projected CRS carries a name mentioning VN-2000 (any spelling that
//     squashes to "vn2000" or "vietnam2000", such as D_Vietnam_2000,
//     GCS_VN_2000, VN_2000_KT108-15_3deg, HCM-vn2000) or an EPSG code of
//     VN-2000 (datum 6756, CRS 4756 or a VN-2000 zone), the ellipsoid,
//     when given, is WGS 84's, and the prime meridian is Greenwich.
//  2. Without any such name, a Transverse Mercator with the shape of a
//     Vietnamese TM-3 zone (k 0.9999, false easting 500000 m, false
//     northing 0, latitude of origin 0, central meridian 102°E..110°E) on
//     the WGS 84 ellipsoid and with no TOWGS84 is taken as VN-2000 too,
//     with a warning: no WGS 84 system has that shape, and Vietnamese
//     software often labels VN-2000 as WGS 84 because both share the
//     ellipsoid. A UTM (k 0.9996) on WGS 84 is never taken as VN-2000.
//
// A VN-2000 CRS is then built from the WKT's parameters (projection,
// central meridian, latitude of origin, scale factor, false easting and
// northing, unit) with EPSG:6960's +towgs84, and named by the EPSG zone
// with the same parameters, whatever name the file gave it. A TOWGS84 in
// the WKT is honoured, with a warning, unless it is EPSG:6960 itself, all
// zeros (the ~222 m pitfall) or EPSG:6960 with Coordinate Frame rotation
// signs (the ~0.8 m pitfall): those three get EPSG:6960.
//
// Any other CRS is handed to PROJ as the WKT text itself.
func FromWKT(s string) (*CRS, error) {
	root, err := ParseWKT(s)
	if err != nil {
		return nil, err
	}
	w, err := readWKT(root)
	if err != nil {
		return nil, err
	}
	if c, err := w.vn2000(); c != nil || err != nil {
		return c, err
	}
	d, err := describe(s)
	if err != nil {
		return nil, err
	}
	if d.geographic && d.epsg == 4326 {
		return WGS84(), nil
	}
	c := &CRS{Name: d.name, EPSG: d.epsg, Geographic: d.geographic, Proj: s}
	if c.Name == "" || c.Name == "unknown" {
		c.Name = w.name
	}
	return withOperation(c)
}

// VN2000 applies FromWKT's VN-2000 rule to a parsed WKT without calling
// PROJ. It returns the CRS when the rule recognises VN-2000, and nil, nil
// when it does not.
func VN2000(root *Node) (*CRS, error) {
	w, err := readWKT(root)
	if err != nil {
		return nil, err
	}
	return w.vn2000()
}

// wktCRS holds what plantile reads from a WKT for itself.
type wktCRS struct {
	name       string
	geogName   string
	datumName  string
	projected  bool
	hasEllps   bool
	a, rf      float64
	primeMer   float64
	towgs84    []float64
	hasTOWGS84 bool
	epsg       int // of the CRS
	geogEPSG   int
	datumEPSG  int
	method     string // squashed projection method name
	params     tmParams
	paramSeen  map[string]bool
}

func readWKT(root *Node) (*wktCRS, error) {
	switch root.Keyword {
	case "COMPD_CS", "COMPOUNDCRS":
		// The horizontal part comes first.
		for _, a := range root.Args {
			if n, ok := a.(*Node); ok && n.Keyword != "AUTHORITY" && n.Keyword != "ID" {
				return readWKT(n)
			}
		}
		return nil, fmt.Errorf("crs: wkt %s has no horizontal CRS", root.Keyword)
	}
	w := &wktCRS{name: root.Name(), epsg: authorityEPSG(root), paramSeen: map[string]bool{}}
	w.params = tmParams{k: 1, toMeter: 1}
	var geog *Node
	switch root.Keyword {
	case "PROJCS", "PROJCRS", "PROJECTEDCRS":
		w.projected = true
		geog = root.Child("GEOGCS", "BASEGEOGCRS", "BASEGEODCRS", "GEOGCRS", "GEODCRS")
	case "GEOGCS", "GEOGCRS", "GEODCRS", "GEOGRAPHICCRS", "GEODETICCRS":
		geog = root
	case "BOUNDCRS":
		return w, nil // PROJ reads it
	default:
		return nil, fmt.Errorf("crs: wkt %s is not a coordinate reference system", root.Keyword)
	}
	if geog != nil {
		w.geogName = geog.Name()
		if geog != root {
			w.geogEPSG = authorityEPSG(geog)
		} else {
			w.geogEPSG = w.epsg
		}
		if pm := geog.Child("PRIMEM", "PRIMEMERIDIAN"); pm != nil {
			w.primeMer, _ = pm.Number(1)
		}
		datum := geog.Child("DATUM", "GEODETICDATUM", "TRF", "ENSEMBLE")
		if datum != nil {
			w.datumName = datum.Name()
			w.datumEPSG = authorityEPSG(datum)
			if e := datum.Child("SPHEROID", "ELLIPSOID"); e != nil {
				a, okA := e.Number(1)
				rf, okRf := e.Number(2)
				if okA && okRf {
					w.hasEllps, w.a, w.rf = true, a, rf
				}
			}
			if t := datum.Child("TOWGS84"); t != nil {
				w.hasTOWGS84 = true
				w.towgs84 = t.Numbers()
			}
		}
	}
	if !w.projected {
		return w, nil
	}
	// Units: WKT1 gives angles in the GEOGCS unit and lengths in the
	// PROJCS unit; WKT2 gives a unit with each parameter.
	angle := 1.0 // degrees per unit
	if u := geog.Child("UNIT", "ANGLEUNIT"); u != nil {
		if f, ok := u.Number(1); ok && f > 0 {
			angle = f * 180 / math.Pi
		}
	}
	if u := root.Child("UNIT", "LENGTHUNIT"); u != nil {
		if f, ok := u.Number(1); ok && f > 0 {
			w.params.toMeter = f
		}
	} else if cs := root.Child("AXIS"); cs != nil {
		if u := cs.Child("LENGTHUNIT", "UNIT"); u != nil {
			if f, ok := u.Number(1); ok && f > 0 {
				w.params.toMeter = f
			}
		}
	}
	params := root
	if conv := root.Child("CONVERSION"); conv != nil {
		params = conv
		w.method = squash(conv.Child("METHOD", "PROJECTION").Name())
	} else {
		w.method = squash(root.Child("PROJECTION").Name())
	}
	for _, p := range params.Children("PARAMETER") {
		v, ok := p.Number(1)
		if !ok {
			continue
		}
		name := squash(p.Name())
		if u := p.Child("ANGLEUNIT", "LENGTHUNIT", "SCALEUNIT", "UNIT"); u != nil {
			if f, ok := u.Number(1); ok && f > 0 {
				if u.Keyword == "ANGLEUNIT" {
					v *= f * 180 / math.Pi
				} else {
					v *= f
				}
			}
		} else {
			switch name {
			case "centralmeridian", "longitudeofnaturalorigin", "longitudeoforigin", "latitudeoforigin", "latitudeofnaturalorigin":
				v *= angle
			case "falseeasting", "falsenorthing":
				v *= w.params.toMeter
			}
		}
		w.paramSeen[name] = true
		switch name {
		case "centralmeridian", "longitudeofnaturalorigin", "longitudeoforigin":
			w.params.lon0 = v
		case "latitudeoforigin", "latitudeofnaturalorigin":
			w.params.lat0 = v
		case "scalefactor", "scalefactoratnaturalorigin":
			w.params.k = v
		case "falseeasting":
			w.params.x0 = v
		case "falsenorthing":
			w.params.y0 = v
		}
	}
	return w, nil
}

// authorityEPSG returns the EPSG code of AUTHORITY["EPSG","n"] (WKT1) or
// ID["EPSG",n] (WKT2) directly inside n, or 0.
func authorityEPSG(n *Node) int {
	a := n.Child("AUTHORITY", "ID")
	if a == nil || !strings.EqualFold(a.Name(), "EPSG") || len(a.Args) < 2 {
		return 0
	}
	switch v := a.Args[1].(type) {
	case string:
		code, _ := strconv.Atoi(strings.TrimSpace(v))
		return code
	case float64:
		if v > 0 && v < 1e9 && v == math.Trunc(v) {
			return int(v)
		}
	}
	return 0
}

// isTM reports whether the projection method is Transverse Mercator.
func (w *wktCRS) isTM() bool {
	switch w.method {
	case "transversemercator", "gausskruger", "transversemercatorgausskruger":
		return true
	}
	return false
}

// vn2000 applies the VN-2000 rule (see FromWKT) and returns the CRS when
// it matches, nil otherwise.
func (w *wktCRS) vn2000() (*CRS, error) {
	named := mentionsVN2000(w.datumName) || mentionsVN2000(w.geogName) || mentionsVN2000(w.name) ||
		w.datumEPSG == epsgVN2000Datum || w.geogEPSG == epsgVN2000Geographic ||
		(w.projected && vnZoneByCode(w.epsg) != nil)
	ellpsOK := !w.hasEllps || isWGS84Ellipsoid(w.a, w.rf)
	if w.primeMer != 0 || !ellpsOK {
		return nil, nil
	}
	var warn string
	if !named {
		if !w.projected || !w.isTM() || w.hasTOWGS84 || !w.hasEllps || !w.params.isTM3Shape() {
			return nil, nil
		}
		warn = fmt.Sprintf("datum %q taken as VN-2000: a Transverse Mercator with k 0.9999 and central meridian %s is a Vietnamese TM-3 zone", w.datumName, formatFloat(w.params.lon0))
	}
	if !w.projected {
		return vnGeographic(w.towgs84, warn), nil
	}
	if !w.isTM() {
		return nil, fmt.Errorf("crs: VN-2000 with projection %q is not supported (only Transverse Mercator)", w.method)
	}
	c := vnProjected(w.params, w.towgs84, warn)
	if c.EPSG == 0 && w.name != "" {
		c.Name = w.name
	}
	return c, nil
}

// vnTransformation returns the +towgs84 parameters and the description to
// use for a VN-2000 CRS whose definition carried towgs84 (maybe none).
func vnTransformation(towgs84 []float64) (params []float64, desc string, warnings []string) {
	switch classifyTOWGS84(towgs84) {
	case towgs84Official, towgs84Absent:
		return TOWGS84VN2000[:], vn6960Description, nil
	case towgs84Zero:
		return TOWGS84VN2000[:], vn6960Description, []string{"TOWGS84 of zeros (VN-2000 read as WGS 84, ~222 m off) replaced by EPSG:6960"}
	case towgs84FlippedSign:
		return TOWGS84VN2000[:], vn6960Description, []string{"TOWGS84 with Coordinate Frame rotation signs (~0.8 m off) replaced by EPSG:6960 in Position Vector form"}
	}
	p := make([]float64, 7)
	copy(p, towgs84)
	s := towgs84String(p)
	return p, "TOWGS84 from the definition (+towgs84=" + s + "), not EPSG:6960",
		[]string{"VN-2000 with a TOWGS84 that is not EPSG:6960 (" + s + "): used as given"}
}

func vnGeographic(towgs84 []float64, warn string) *CRS {
	p, desc, warnings := vnTransformation(towgs84)
	c := &CRS{Name: "VN-2000", EPSG: epsgVN2000Geographic, Geographic: true, VN2000: true,
		Proj:           "+proj=longlat +ellps=WGS84 +towgs84=" + towgs84String(p) + " +no_defs +type=crs",
		Transformation: desc, Warnings: warnings}
	if warn != "" {
		c.Warnings = append([]string{warn}, c.Warnings...)
	}
	return c
}

func vnProjected(p tmParams, towgs84 []float64, warn string) *CRS {
	h, desc, warnings := vnTransformation(towgs84)
	units := "+units=m"
	if !near(p.toMeter, 1, 1e-12) {
		units = "+to_meter=" + formatFloat(p.toMeter)
	}
	c := &CRS{
		Name: fmt.Sprintf("VN-2000 / Transverse Mercator %s", formatFloat(p.lon0)), VN2000: true,
		Proj: fmt.Sprintf("+proj=tmerc +lat_0=%s +lon_0=%s +k=%s +x_0=%s +y_0=%s +ellps=WGS84 +towgs84=%s %s +no_defs +type=crs",
			formatFloat(p.lat0), formatFloat(p.lon0), formatFloat(p.k), formatFloat(p.x0), formatFloat(p.y0),
			towgs84String(h), units),
		Transformation: desc, Warnings: warnings,
	}
	if z := vnZoneFor(p); z != nil {
		c.EPSG, c.Name = z.epsg, z.name
	}
	if warn != "" {
		c.Warnings = append([]string{warn}, c.Warnings...)
	}
	return c
}
