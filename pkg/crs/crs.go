package crs

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// CRS is a recognised coordinate reference system, with everything needed
// to hand it to PROJ and to tell a user what was done.
type CRS struct {
	// Name is the CRS name: the registry name when the EPSG code is known,
	// else the name found in the definition.
	Name string
	// EPSG is the EPSG code, found in the definition or matched by
	// parameters; 0 when unknown.
	EPSG int
	// Geographic is true for longitude/latitude CRSs (degrees).
	Geographic bool
	// Proj is the definition handed to PROJ: "EPSG:4326", a "+proj=..."
	// string, or the WKT text itself.
	Proj string
	// Transformation describes the datum transformation to WGS 84, e.g.
	// "EPSG:6960 VN-2000 to WGS 84 (2), 1 m (+towgs84=...)" or
	// "none (WGS 84)". Filled when the transformation is known at parse
	// time (WGS 84, VN-2000); otherwise Transformer.Description tells what
	// PROJ chose.
	Transformation string
	// VN2000 is true when the datum is VN-2000.
	VN2000 bool
	// Warnings are doubts met while recognising the CRS, for the import
	// report (a non-standard TOWGS84, a datum assumed from parameters).
	Warnings []string
}

// String returns "Name (EPSG:n)" or the name alone.
func (c *CRS) String() string {
	if c.EPSG != 0 {
		return fmt.Sprintf("%s (EPSG:%d)", c.Name, c.EPSG)
	}
	return c.Name
}

// IsWGS84 reports whether c is WGS 84 longitude/latitude, so that features
// in it need no transformation.
func (c *CRS) IsWGS84() bool { return c.Geographic && c.EPSG == 4326 }

// ErrUnknown is returned (wrapped) for text that is none of the CRS forms.
var ErrUnknown = errors.New("crs: not a CRS definition")

// WGS84 returns WGS 84 longitude/latitude (EPSG:4326 with x = longitude,
// the axis order of GeoJSON and of plantile's index and tiles).
func WGS84() *CRS {
	return &CRS{Name: "WGS 84", EPSG: 4326, Geographic: true, Proj: "EPSG:4326", Transformation: "none (WGS 84)"}
}

// Parse recognises a CRS given in any of the forms plantile accepts and
// detects which: an EPSG code ("9206", "EPSG:9206"), a URN or URL
// ("urn:ogc:def:crs:EPSG::9206", "urn:ogc:def:crs:OGC:1.3:CRS84",
// "http://www.opengis.net/def/crs/EPSG/0/9206"), a PROJ string
// ("+proj=tmerc ..."), or WKT (ESRI, OGC WKT1, or WKT2).
func Parse(s string) (*CRS, error) {
	s = strings.TrimSpace(strings.TrimPrefix(s, "\uFEFF"))
	switch {
	case s == "":
		return nil, fmt.Errorf("%w: empty text", ErrUnknown)
	case strings.HasPrefix(s, "+") || strings.Contains(s, "+proj="):
		return FromPROJ(s)
	case isDigits(s):
		code, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("crs: bad EPSG code %q", s)
		}
		return FromEPSG(code)
	case strings.ContainsAny(s, "[("):
		return FromWKT(s)
	}
	return FromGeoJSONName(s)
}

// FromGeoJSONName recognises the name of a GeoJSON (2008) "crs" member, or
// any OGC name: "EPSG:9206", "urn:ogc:def:crs:EPSG::9206",
// "urn:ogc:def:crs:EPSG:6.6:9206", "urn:ogc:def:crs:OGC:1.3:CRS84",
// "OGC:CRS84", "http://www.opengis.net/def/crs/EPSG/0/9206". A GeoJSON
// file's coordinates are always x,y (longitude first, easting first), so
// EPSG:4326 here means longitude/latitude too.
func FromGeoJSONName(name string) (*CRS, error) {
	n := strings.TrimSpace(name)
	l := strings.ToLower(n)
	for _, prefix := range []string{"https://www.opengis.net/def/crs/", "http://www.opengis.net/def/crs/"} {
		if strings.HasPrefix(l, prefix) {
			// .../def/crs/{authority}/{version}/{code}
			parts := strings.Split(strings.Trim(n[len(prefix):], "/"), "/")
			if len(parts) != 3 {
				return nil, fmt.Errorf("%w: %q", ErrUnknown, name)
			}
			return fromAuthorityCode(parts[0], parts[2], name)
		}
	}
	if strings.HasPrefix(l, "urn:ogc:def:crs:") {
		// urn:ogc:def:crs:{authority}:{version}:{code}; the version may be empty.
		parts := strings.Split(n[len("urn:ogc:def:crs:"):], ":")
		if len(parts) != 3 {
			return nil, fmt.Errorf("%w: %q", ErrUnknown, name)
		}
		return fromAuthorityCode(parts[0], parts[2], name)
	}
	if auth, code, ok := strings.Cut(n, ":"); ok {
		return fromAuthorityCode(auth, code, name)
	}
	if strings.EqualFold(n, "CRS84") || strings.EqualFold(n, "WGS84") {
		return WGS84(), nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknown, name)
}

func fromAuthorityCode(auth, code, name string) (*CRS, error) {
	switch strings.ToUpper(auth) {
	case "EPSG":
		if !isDigits(code) {
			return nil, fmt.Errorf("crs: bad EPSG code in %q", name)
		}
		n, err := strconv.Atoi(code)
		if err != nil {
			return nil, fmt.Errorf("crs: bad EPSG code in %q", name)
		}
		return FromEPSG(n)
	case "OGC":
		if strings.EqualFold(code, "CRS84") {
			return WGS84(), nil
		}
		return nil, fmt.Errorf("%w: unsupported OGC code in %q", ErrUnknown, name)
	}
	// Other authorities PROJ knows, such as ESRI:102100.
	def := strings.ToUpper(auth) + ":" + code
	d, err := describe(def)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrUnknown, name, err)
	}
	return withOperation(&CRS{Name: d.name, EPSG: d.epsg, Geographic: d.geographic, Proj: def})
}

// FromEPSG returns the CRS with an EPSG code. VN-2000 codes (4756 and the
// projected zones, e.g. 9206) get an explicit +towgs84 with EPSG:6960, so
// that the transformation does not depend on PROJ's choice; other codes are
// looked up in PROJ's database.
func FromEPSG(code int) (*CRS, error) {
	if code == 4326 {
		return WGS84(), nil
	}
	if code == epsgVN2000Geographic {
		return vnGeographic(nil, ""), nil
	}
	if z := vnZoneByCode(code); z != nil {
		c := vnProjected(tmParams{lon0: z.lon0, k: z.k, x0: 500000, toMeter: 1}, nil, "")
		return c, nil
	}
	def := "EPSG:" + strconv.Itoa(code)
	d, err := describe(def)
	if err != nil {
		return nil, err
	}
	return withOperation(&CRS{Name: d.name, EPSG: code, Geographic: d.geographic, Proj: def})
}

// withOperation fills c.Transformation with the operation PROJ picks to
// WGS 84, checking that there is one, and warns when it is a ballpark.
func withOperation(c *CRS) (*CRS, error) {
	t, err := NewTransformer(c)
	if err != nil {
		return nil, err
	}
	if c.Transformation == "" {
		c.Transformation = t.Description()
	}
	if t.ballpark {
		c.Warnings = append(c.Warnings, "no datum transformation to WGS 84 is known for "+c.Name+": PROJ uses a ballpark one, positions may be off by hundreds of metres")
	}
	return c, nil
}

// FromPROJ returns the CRS of a PROJ string. It is used as given; when its
// +towgs84 is EPSG:6960's, it is reported as VN-2000 and its EPSG code is
// matched from its parameters.
func FromPROJ(s string) (*CRS, error) {
	def := strings.TrimSpace(s)
	if !strings.Contains(def, "+type=crs") {
		def += " +type=crs"
	}
	d, err := describe(def)
	if err != nil {
		return nil, err
	}
	c := &CRS{Name: d.name, EPSG: d.epsg, Geographic: d.geographic, Proj: def}
	kv := projKeyValues(def)
	if tw, ok := kv["towgs84"]; ok {
		var p []float64
		for _, f := range strings.Split(tw, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				return nil, fmt.Errorf("crs: bad +towgs84 %q", tw)
			}
			p = append(p, v)
		}
		if classifyTOWGS84(p) == towgs84Official {
			c.VN2000 = true
			c.Transformation = vn6960Description
			if kv["proj"] == "tmerc" || kv["proj"] == "utm" {
				if z := vnZoneFor(projTM(kv)); z != nil {
					c.EPSG, c.Name = z.epsg, z.name
				}
			} else if d.geographic {
				c.EPSG, c.Name = epsgVN2000Geographic, "VN-2000"
			}
		} else {
			c.Transformation = "+towgs84=" + tw + " (from the PROJ string)"
		}
	}
	if c.Name == "" || c.Name == "unknown" {
		c.Name = "custom (PROJ string)"
	}
	return withOperation(c)
}

// projKeyValues splits "+a=b +c" into {"a": "b", "c": ""}.
func projKeyValues(s string) map[string]string {
	kv := map[string]string{}
	for _, f := range strings.Fields(s) {
		f = strings.TrimPrefix(f, "+")
		k, v, _ := strings.Cut(f, "=")
		kv[k] = v
	}
	return kv
}

// projTM reads Transverse Mercator parameters from a PROJ string; +proj=utm
// is turned into its TM equivalent.
func projTM(kv map[string]string) tmParams {
	num := func(k string, def float64) float64 {
		if v, err := strconv.ParseFloat(kv[k], 64); err == nil {
			return v
		}
		return def
	}
	p := tmParams{lat0: num("lat_0", 0), lon0: num("lon_0", 0), k: num("k", num("k_0", 1)),
		x0: num("x_0", 0), y0: num("y_0", 0), toMeter: num("to_meter", 1)}
	if kv["proj"] == "utm" {
		zone := num("zone", 0)
		p = tmParams{lon0: zone*6 - 183, k: 0.9996, x0: 500000, toMeter: 1}
		if _, south := kv["south"]; south {
			p.y0 = 10000000
		}
	}
	return p
}

func isDigits(s string) bool {
	if s == "" || len(s) > 9 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
