package ogcapi_test

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/ogcapi"
	"github.com/sonla-gis/plantile/pkg/ogcapi/cql2"
)

func TestLookupCRS(t *testing.T) {
	for _, c := range []struct {
		in     string
		epsg   int
		latLon bool
		ok     bool
	}{
		{"http://www.opengis.net/def/crs/OGC/1.3/CRS84", 0, false, true},
		{"https://www.opengis.net/def/crs/OGC/1.3/CRS84", 0, false, true},
		{"OGC:CRS84", 0, false, true},
		{"urn:ogc:def:crs:OGC:1.3:CRS84", 0, false, true},
		{"http://www.opengis.net/def/crs/EPSG/0/4326", 4326, true, true},
		{"EPSG:4326", 4326, true, true},
		{"urn:ogc:def:crs:EPSG::4326", 4326, true, true},
		{"[EPSG:3857]", 3857, false, true},
		{"http://www.opengis.net/def/crs/EPSG/0/9206", 9206, false, true},
		{"http://www.opengis.net/def/crs/EPSG/0/9205", 9205, false, true},
		{"http://www.opengis.net/def/crs/EPSG/0/9218", 9218, false, true},
		{"http://www.opengis.net/def/crs/EPSG/0/5896", 5896, false, true},
		{"http://www.opengis.net/def/crs/EPSG/0/5899", 5899, false, true},
		{"http://www.opengis.net/def/crs/EPSG/0/9219", 0, false, false},
		{"http://www.opengis.net/def/crs/EPSG/0/32648", 0, false, false},
		{"http://www.opengis.net/def/crs/EPSG/0/09206", 0, false, false},
		{"http://www.opengis.net/def/crs/EPSG/0/9206abc", 0, false, false},
		{"EPSG:", 0, false, false},
		{"CRS84x", 0, false, false},
		{"", 0, false, false},
	} {
		got, err := ogcapi.LookupCRS(c.in)
		if !c.ok {
			if err == nil {
				t.Errorf("LookupCRS(%q) accepted: %+v", c.in, got)
			}
			continue
		}
		if err != nil || got.EPSG != c.epsg || got.LatLon != c.latLon {
			t.Errorf("LookupCRS(%q) = %+v, %v", c.in, got, err)
		}
	}
	if _, err := ogcapi.ParseCRS("crs", "EPSG:32648"); err == nil {
		t.Error("ParseCRS accepted an unsupported CRS")
	} else {
		wantParamErr(t, err, "crs")
	}
	if c, err := ogcapi.ParseCRS("bbox-crs", ""); err != nil || !c.IsCRS84() {
		t.Errorf("empty CRS: %+v %v", c, err)
	}
	if got := mustCRS(t, "EPSG:9206").ContentCrs(); got != "<http://www.opengis.net/def/crs/EPSG/0/9206>" {
		t.Errorf("Content-Crs %q", got)
	}
}

func TestCRSList(t *testing.T) {
	got := ogcapi.CRSList(9206, 9206, 5897, 32648, 0)
	want := []string{ogcapi.CRS84URI, ogcapi.EPSGURI(4326), ogcapi.EPSGURI(3857), ogcapi.EPSGURI(9206), ogcapi.EPSGURI(5897)}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %v", got)
	}
}

// TestAxisOrder checks LatLon against PROJ's database: the first axis of
// every supported EPSG CRS is north exactly when LatLon is set.
func TestAxisOrder(t *testing.T) {
	if _, err := exec.LookPath("projinfo"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("projinfo not found (install proj-bin)")
		}
		t.Skip("projinfo not found (install proj-bin)")
	}
	for _, c := range ogcapi.SupportedCRS() {
		if c.IsCRS84() {
			continue
		}
		out, err := exec.Command("projinfo", "-o", "WKT2_2019", "--single-line", fmt.Sprintf("EPSG:%d", c.EPSG)).Output()
		if err != nil {
			t.Fatalf("projinfo EPSG:%d: %v", c.EPSG, err)
		}
		s := string(out)
		i := strings.Index(s, "AXIS[")
		if i < 0 {
			t.Fatalf("EPSG:%d: no AXIS in %s", c.EPSG, s)
		}
		first := strings.ToLower(s[i : i+60])
		north := strings.Contains(first, ",north")
		if north != c.LatLon {
			t.Errorf("EPSG:%d: first axis %q, LatLon %v", c.EPSG, first, c.LatLon)
		}
		if !strings.Contains(s, `"`+c.Name+`"`) {
			t.Errorf("EPSG:%d: name %q not PROJ's", c.EPSG, c.Name)
		}
	}
}

// cs2cs runs PROJ's command-line tool (the reference) on pts.
func cs2cs(t *testing.T, from, to string, pts []orb.Point) []orb.Point {
	t.Helper()
	if _, err := exec.LookPath("cs2cs"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("cs2cs not found (install proj-bin): the reference comparison cannot run")
		}
		t.Skip("cs2cs not found (install proj-bin)")
	}
	var in bytes.Buffer
	for _, p := range pts {
		fmt.Fprintf(&in, "%.10f %.10f\n", p[0], p[1])
	}
	cmd := exec.Command("cs2cs", "-d", "10", from, to)
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cs2cs %s %s: %v", from, to, err)
	}
	var res []orb.Point
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		x, err1 := strconv.ParseFloat(f[0], 64)
		y, err2 := strconv.ParseFloat(f[1], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("cs2cs output %q", line)
		}
		res = append(res, orb.Point{x, y})
	}
	if len(res) != len(pts) {
		t.Fatalf("cs2cs gave %d points for %d", len(res), len(pts))
	}
	return res
}

// metresApart is the distance between lon/lat points (haversine).
func metresApart(a, b orb.Point) float64 {
	const r = 6371008.8
	rad := math.Pi / 180
	dlat, dlon := (b[1]-a[1])*rad, (b[0]-a[0])*rad
	h := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(a[1]*rad)*math.Cos(b[1]*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}

// TestTransformerAgainstCS2CS checks Forward (CRS84 to the CRS) and
// Inverse against cs2cs within 1 cm, for Son La's zone, another TM-3
// zone, Web Mercator and EPSG:4326 (axes swapped).
func TestTransformerAgainstCS2CS(t *testing.T) {
	sonLa := []orb.Point{{103.9188, 21.3256}, {103.5, 21.0}, {104.4, 21.7}, {103.0, 20.9}, {104.95, 22.05}}
	for _, c := range []struct {
		uri string
		pts []orb.Point
	}{
		{"http://www.opengis.net/def/crs/EPSG/0/9206", sonLa},
		{"http://www.opengis.net/def/crs/EPSG/0/5897", []orb.Point{{105.1, 21.0}, {105.8, 20.5}}},
		{"http://www.opengis.net/def/crs/EPSG/0/9210", []orb.Point{{105.85, 21.03}}},
		{"http://www.opengis.net/def/crs/EPSG/0/3857", sonLa},
	} {
		t.Run(c.uri, func(t *testing.T) {
			crs := mustCRS(t, c.uri)
			tr, err := ogcapi.NewTransformer(crs)
			if err != nil {
				t.Fatal(err)
			}
			ref := cs2cs(t, "OGC:CRS84", fmt.Sprintf("EPSG:%d", crs.EPSG), c.pts)
			for i, p := range c.pts {
				g, err := tr.Forward(p)
				if err != nil {
					t.Fatal(err)
				}
				got := g.(orb.Point)
				if d := math.Hypot(got[0]-ref[i][0], got[1]-ref[i][1]); d > 0.01 {
					t.Errorf("%v: got %v, cs2cs %v: %.4f m apart", p, got, ref[i], d)
				}
				back, err := tr.Inverse(got)
				if err != nil {
					t.Fatal(err)
				}
				if d := metresApart(back.(orb.Point), p); d > 0.01 {
					t.Errorf("%v: round trip %v, %.4f m off", p, back, d)
				}
			}
			// Geometries keep their shape; the input is not modified.
			ls := orb.LineString(append([]orb.Point(nil), c.pts...))
			g, err := tr.Forward(ls)
			if err != nil {
				t.Fatal(err)
			}
			if ls[0] != c.pts[0] {
				t.Error("Forward modified its input")
			}
			if len(g.(orb.LineString)) != len(ls) {
				t.Error("points lost")
			}
		})
	}
	// EPSG:4326 is CRS84 with the axes swapped; nothing else changes.
	tr, err := ogcapi.NewTransformer(mustCRS(t, "EPSG:4326"))
	if err != nil {
		t.Fatal(err)
	}
	g, _ := tr.Forward(orb.Polygon{{{103, 21}, {104, 21}, {104, 22}, {103, 21}}})
	if g.(orb.Polygon)[0][1] != (orb.Point{21, 104}) {
		t.Errorf("EPSG:4326 not latitude first: %v", g)
	}
	p, _ := tr.Forward(orb.Point{103.9, 21.3})
	if p != (orb.Point{21.3, 103.9}) {
		t.Errorf("EPSG:4326 point %v", p)
	}
	back, _ := tr.Inverse(orb.Point{21.3, 103.9})
	if back != (orb.Point{103.9, 21.3}) {
		t.Errorf("EPSG:4326 inverse %v", back)
	}
}

// TestBBoxCRS: a bbox in VN-2000 / TM-3 covers the CRS84 box cs2cs gives
// for its corners, and the filter polygon follows its edges.
func TestBBoxCRS(t *testing.T) {
	crs := mustCRS(t, "http://www.opengis.net/def/crs/EPSG/0/9206")
	tr, err := ogcapi.NewTransformer(crs)
	if err != nil {
		t.Fatal(err)
	}
	bb, err := ogcapi.ParseBBox("480000,2350000,500000,2370000", crs, tr)
	if err != nil {
		t.Fatal(err)
	}
	corners := cs2cs(t, "EPSG:9206", "OGC:CRS84", []orb.Point{{480000, 2350000}, {500000, 2350000}, {500000, 2370000}, {480000, 2370000}})
	if len(bb.Bounds) != 1 {
		t.Fatalf("bounds %v", bb.Bounds)
	}
	b := bb.Bounds[0]
	for _, c := range corners {
		if !b.Pad(1e-9).Contains(c) {
			t.Errorf("corner %v outside %v", c, b)
		}
	}
	// The box is tight: its edges are the corners' extremes within 1 cm.
	ref := orb.MultiPoint(corners).Bound()
	if d := metresApart(b.Min, ref.Min) + metresApart(b.Max, ref.Max); d > 0.05 {
		t.Errorf("box %v vs corners %v: %.3f m", b, ref, d)
	}
	if _, err := ogcapi.ParseBBox("500000,2350000,480000,2370000", crs, tr); err == nil {
		t.Error("inverted projected box accepted")
	}
	if _, err := ogcapi.ParseBBox("480000,2350000,500000,2370000", crs, nil); err == nil {
		t.Error("projected box without a transformer accepted")
	}
}

// TestFilterCRS: filter-crs moves filter geometries into CRS84: VN-2000
// / TM-3 coordinates (DOMAIN.md's Son La city point, measured with PROJ)
// and EPSG:4326 latitude-first ones.
func TestFilterCRS(t *testing.T) {
	q := cql2.Queryables{Schema: schema}
	want := orb.Point{103.9188, 21.3256}
	for _, c := range []struct{ crs, filter string }{
		{"http://www.opengis.net/def/crs/EPSG/0/9206", `S_INTERSECTS(geometry, POINT(491380.877 2358999.978))`},
		{"EPSG:4326", `S_INTERSECTS(geometry, POINT(21.3256 103.9188))`},
		{"OGC:CRS84", `S_INTERSECTS(geometry, POINT(103.9188 21.3256))`},
	} {
		f, err := ogcapi.ParseFilter(c.filter, "", mustCRS(t, c.crs), nil, q)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := cql2.Bound(f.Expr)
		if d := metresApart(b.Min, want); d > 0.01 {
			t.Errorf("%s: %v is %.3f m from %v", c.crs, b.Min, d, want)
		}
	}
	// A projected BBOX becomes the polygon following its edges, inside the
	// CRS84 box of the same bbox parameter.
	crs := mustCRS(t, "http://www.opengis.net/def/crs/EPSG/0/9206")
	f, err := ogcapi.ParseFilter(`S_INTERSECTS(geometry, BBOX(480000, 2350000, 500000, 2370000))`, "", crs, nil, q)
	if err != nil {
		t.Fatal(err)
	}
	var poly orb.Polygon
	cql2.Walk(f.Expr, func(e cql2.Expr) {
		if s, ok := e.(*cql2.Intersects); ok {
			poly, _ = s.Geometry.(orb.Polygon)
		}
	})
	if len(poly) != 1 || len(poly[0]) != 65 {
		t.Fatalf("projected BBOX not a densified polygon: %v", poly)
	}
	tr, _ := ogcapi.NewTransformer(crs)
	bb, err := ogcapi.ParseBBox("480000,2350000,500000,2370000", crs, tr)
	if err != nil {
		t.Fatal(err)
	}
	if poly.Bound() != bb.Bounds[0] {
		t.Errorf("filter polygon bound %v, bbox %v", poly.Bound(), bb.Bounds[0])
	}
	if _, err := ogcapi.ParseFilter(`S_INTERSECTS(geometry, POINT(1e30 1e30))`, "", crs, nil, q); err == nil {
		t.Error("a point PROJ cannot transform was accepted")
	}
}
