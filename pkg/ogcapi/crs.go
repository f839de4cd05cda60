package ogcapi

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/crs"
)

// CRS84URI is OGC CRS84: WGS 84 longitude, latitude, the default CRS of
// OGC API - Features and of GeoJSON.
const CRS84URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

// epsgURIPrefix is the OGC URI of an EPSG code without the code.
const epsgURIPrefix = "http://www.opengis.net/def/crs/EPSG/0/"

// CRS is a coordinate reference system a client may name in crs,
// bbox-crs or filter-crs.
type CRS struct {
	// URI is the canonical OGC URI, as listed in a collection's crs list
	// and sent in Content-Crs.
	URI string
	// EPSG is the EPSG code; 0 for CRS84.
	EPSG int
	// Name is the registry name, for HTML pages.
	Name string
	// LatLon is true when the CRS's first axis is latitude (northing):
	// EPSG:4326 is latitude, longitude, so coordinates in it are swapped
	// relative to GeoJSON and CRS84. Every other CRS here is x,y.
	LatLon bool
}

// EPSGURI returns the OGC URI of an EPSG code.
func EPSGURI(code int) string { return epsgURIPrefix + strconv.Itoa(code) }

// IsCRS84 reports whether c is CRS84, the CRS of the index: features in
// it need no transformation.
func (c CRS) IsCRS84() bool { return c.URI == CRS84URI }

// ContentCrs returns the Content-Crs header value for c: the URI in
// angle brackets (OGC API - Features Part 2, 6.2.3).
func (c CRS) ContentCrs() string { return "<" + c.URI + ">" }

// vn2000TM3 are the EPSG codes of the VN-2000 TM-3 zones (provincial
// plans); Son La is 9206.
var vn2000TM3 = [...]struct {
	code int
	name string
}{
	{5896, "VN-2000 / TM-3 zone 481"}, {5897, "VN-2000 / TM-3 zone 482"},
	{5898, "VN-2000 / TM-3 zone 491"}, {5899, "VN-2000 / TM-3 107-45"},
	{9205, "VN-2000 / TM-3 103-00"}, {9206, "VN-2000 / TM-3 104-00"},
	{9207, "VN-2000 / TM-3 104-30"}, {9208, "VN-2000 / TM-3 104-45"},
	{9209, "VN-2000 / TM-3 105-30"}, {9210, "VN-2000 / TM-3 105-45"},
	{9211, "VN-2000 / TM-3 106-00"}, {9212, "VN-2000 / TM-3 106-15"},
	{9213, "VN-2000 / TM-3 106-30"}, {9214, "VN-2000 / TM-3 107-00"},
	{9215, "VN-2000 / TM-3 107-15"}, {9216, "VN-2000 / TM-3 107-30"},
	{9217, "VN-2000 / TM-3 108-15"}, {9218, "VN-2000 / TM-3 108-30"},
}

// CRS84 returns OGC CRS84.
func CRS84() CRS { return CRS{URI: CRS84URI, Name: "WGS 84 (CRS84)"} }

// SupportedCRS returns every CRS the parsers accept: CRS84, EPSG:4326,
// EPSG:3857 and the VN-2000 TM-3 zones, CRS84 first.
func SupportedCRS() []CRS {
	out := []CRS{
		CRS84(),
		{URI: EPSGURI(4326), EPSG: 4326, Name: "WGS 84", LatLon: true},
		{URI: EPSGURI(3857), EPSG: 3857, Name: "WGS 84 / Pseudo-Mercator"},
	}
	for _, z := range vn2000TM3 {
		out = append(out, CRS{URI: EPSGURI(z.code), EPSG: z.code, Name: z.name})
	}
	return out
}

// CRSList returns the URIs for a collection's crs list: CRS84, EPSG:4326,
// EPSG:3857, then the given EPSG codes (the zone a layer came in, Son
// La's 9206) when supported, without duplicates. Listing every TM-3 zone
// would only clutter clients' CRS pickers; all stay accepted.
func CRSList(extra ...int) []string {
	out := []string{CRS84URI, EPSGURI(4326), EPSGURI(3857)}
	seen := map[string]bool{}
	for _, u := range out {
		seen[u] = true
	}
	for _, code := range extra {
		c, err := LookupCRS(EPSGURI(code))
		if err != nil || seen[c.URI] {
			continue
		}
		seen[c.URI] = true
		out = append(out, c.URI)
	}
	return out
}

// LookupCRS recognises a CRS identifier as a client may send it: an OGC
// URI (http or https), a URN (urn:ogc:def:crs:EPSG::9206), "EPSG:9206",
// "OGC:CRS84", or a safe CURIE "[EPSG:9206]". Only supported CRSs are
// accepted.
func LookupCRS(s string) (CRS, error) {
	id := strings.TrimSpace(s)
	id = strings.TrimSuffix(strings.TrimPrefix(id, "["), "]")
	l := strings.ToLower(id)
	l = strings.Replace(l, "https://", "http://", 1)
	var code string
	switch {
	case l == strings.ToLower(CRS84URI) || l == "ogc:crs84" || l == "crs84" ||
		l == "urn:ogc:def:crs:ogc:1.3:crs84" || l == "urn:ogc:def:crs:ogc::crs84":
		return CRS84(), nil
	case strings.HasPrefix(l, strings.ToLower(epsgURIPrefix)):
		code = l[len(epsgURIPrefix):]
	case strings.HasPrefix(l, "urn:ogc:def:crs:epsg:"):
		rest := l[len("urn:ogc:def:crs:epsg:"):]
		if i := strings.LastIndexByte(rest, ':'); i >= 0 {
			code = rest[i+1:]
		}
	case strings.HasPrefix(l, "epsg:"):
		code = l[len("epsg:"):]
	default:
		return CRS{}, fmt.Errorf("ogcapi: unsupported CRS %q", s)
	}
	n, err := strconv.Atoi(code)
	if err != nil || n <= 0 || strconv.Itoa(n) != code {
		return CRS{}, fmt.Errorf("ogcapi: unsupported CRS %q", s)
	}
	for _, c := range SupportedCRS() {
		if c.EPSG == n {
			return c, nil
		}
	}
	return CRS{}, fmt.Errorf("ogcapi: unsupported CRS %q", s)
}

// ParseCRS parses the crs, bbox-crs or filter-crs parameter named param;
// empty means CRS84.
func ParseCRS(param, value string) (CRS, error) {
	if value == "" {
		return CRS84(), nil
	}
	c, err := LookupCRS(value)
	if err != nil {
		return CRS{}, paramErrorf(param, "unsupported CRS %q (supported: CRS84, EPSG:4326, EPSG:3857, VN-2000 TM-3 EPSG:9205-9218, 5896-5899)", value)
	}
	return c, nil
}

// Transformer moves geometries between CRS84 (the index) and a CRS, in
// the CRS's axis order (latitude first for EPSG:4326). It wraps a
// pkg/crs transformer (PROJ, with EPSG:6960 for VN-2000) and, like it, is
// not safe for concurrent use: use one per request or goroutine.
type Transformer struct {
	c        CRS
	to, from *crs.Transformer // nil when no PROJ call is needed
}

// NewTransformer returns a Transformer between CRS84 and c.
func NewTransformer(c CRS) (*Transformer, error) {
	t := &Transformer{c: c}
	if c.IsCRS84() || c.EPSG == 4326 {
		return t, nil
	}
	pc, err := crs.FromEPSG(c.EPSG)
	if err != nil {
		return nil, fmt.Errorf("ogcapi: %s: %w", c.URI, err)
	}
	if t.to, err = crs.NewTransformerTo(pc); err != nil {
		return nil, fmt.Errorf("ogcapi: %s: %w", c.URI, err)
	}
	if t.from, err = crs.NewTransformer(pc); err != nil {
		return nil, fmt.Errorf("ogcapi: %s: %w", c.URI, err)
	}
	return t, nil
}

// CRS returns the CRS t transforms to and from.
func (t *Transformer) CRS() CRS { return t.c }

// Forward transforms g from CRS84 into the CRS, in its axis order. g is
// not modified.
func (t *Transformer) Forward(g orb.Geometry) (orb.Geometry, error) {
	if g == nil {
		return nil, nil
	}
	g = orb.Clone(g)
	if t.to != nil {
		var err error
		if g, err = t.to.Geometry(g); err != nil {
			return nil, fmt.Errorf("ogcapi: to %s: %w", t.c.URI, err)
		}
	}
	if t.c.LatLon {
		g = swapAxes(g)
	}
	return g, nil
}

// Inverse transforms g from the CRS, in its axis order, into CRS84. g is
// not modified.
func (t *Transformer) Inverse(g orb.Geometry) (orb.Geometry, error) {
	if g == nil {
		return nil, nil
	}
	g = orb.Clone(g)
	if t.c.LatLon {
		g = swapAxes(g)
	}
	if t.from != nil {
		var err error
		if g, err = t.from.Geometry(g); err != nil {
			return nil, fmt.Errorf("ogcapi: from %s: %w", t.c.URI, err)
		}
	}
	return g, nil
}

// InverseBound transforms a bounding box given in the CRS into the CRS84
// box that holds it: the edges are densified (see InverseRing) because a
// straight edge in a projected CRS is curved in longitude, latitude.
func (t *Transformer) InverseBound(b orb.Bound) (orb.Bound, error) {
	p, err := t.InverseRing(b)
	if err != nil {
		return orb.Bound{}, err
	}
	return p.Bound(), nil
}

// InverseRing transforms a box given in the CRS into a CRS84 polygon
// following its edges, 16 points an edge for projected CRSs (the edges
// curve by centimetres over a few kilometres in a TM-3 zone).
func (t *Transformer) InverseRing(b orb.Bound) (orb.Polygon, error) {
	steps := 16
	if t.to == nil {
		steps = 1
	}
	ring := make(orb.Ring, 0, 4*steps+1)
	for _, e := range [4][2]orb.Point{
		{{b.Min[0], b.Min[1]}, {b.Max[0], b.Min[1]}},
		{{b.Max[0], b.Min[1]}, {b.Max[0], b.Max[1]}},
		{{b.Max[0], b.Max[1]}, {b.Min[0], b.Max[1]}},
		{{b.Min[0], b.Max[1]}, {b.Min[0], b.Min[1]}},
	} {
		for i := 0; i < steps; i++ {
			f := float64(i) / float64(steps)
			ring = append(ring, orb.Point{e[0][0] + f*(e[1][0]-e[0][0]), e[0][1] + f*(e[1][1]-e[0][1])})
		}
	}
	ring = append(ring, ring[0])
	g, err := t.Inverse(orb.Polygon{ring})
	if err != nil {
		return nil, err
	}
	p := g.(orb.Polygon)
	for _, pt := range p[0] {
		if math.IsNaN(pt[0]) || math.IsInf(pt[0], 0) || math.IsNaN(pt[1]) || math.IsInf(pt[1], 0) {
			return nil, fmt.Errorf("ogcapi: box outside the area of %s", t.c.URI)
		}
	}
	return p, nil
}

// swapAxes swaps x and y of every point of g, in place where g holds
// slices, and returns g (a Point is a value, so the result matters).
func swapAxes(g orb.Geometry) orb.Geometry {
	swap := func(ps []orb.Point) {
		for i := range ps {
			ps[i][0], ps[i][1] = ps[i][1], ps[i][0]
		}
	}
	switch g := g.(type) {
	case orb.Point:
		return orb.Point{g[1], g[0]}
	case orb.MultiPoint:
		swap(g)
	case orb.LineString:
		swap(g)
	case orb.Ring:
		swap(g)
	case orb.MultiLineString:
		for _, l := range g {
			swap(l)
		}
	case orb.Polygon:
		for _, r := range g {
			swap(r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				swap(r)
			}
		}
	case orb.Collection:
		for i := range g {
			g[i] = swapAxes(g[i])
		}
	}
	return g
}
