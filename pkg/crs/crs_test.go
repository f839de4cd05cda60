package crs_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/crs"
	"github.com/sonla-gis/plantile/pkg/feature"
)

func readPrj(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// vnPoints are VN-2000 / TM-3 eastings and northings spread over Son La
// (the first is Son La city, from DOMAIN.md's table).
var vnPoints = []orb.Point{{491380.877, 2358999.978}, {400000, 2300000}, {560000, 2440000}, {300000, 2420000}}

func TestRecognise(t *testing.T) {
	tests := []struct {
		name       string
		text       string // or file
		file       string
		epsg       int
		vn         bool
		geographic bool
		warnings   bool   // expect at least one warning
		transform  string // substring of Transformation
	}{
		{name: "GDAL ESRI prj without TOWGS84", file: "sonla_esri.prj", epsg: 9206, vn: true, transform: "EPSG:6960"},
		{name: "VN_2000_UTM_Zone_48N labelling TM-3 104", file: "misnamed_utm48n.prj", epsg: 9206, vn: true, transform: "EPSG:6960"},
		{name: "VN_2000_KT108-15_3deg", file: "kt108_15.prj", epsg: 9217, vn: true, transform: "EPSG:6960"},
		{name: "HCM-vn2000 on a datum labelled WGS 84", file: "hcm_vn2000.prj", epsg: 9210, vn: true, transform: "EPSG:6960"},
		{name: "TM-3 shape on WGS 84 ellipsoid", file: "wgs84_labelled_tm3.prj", epsg: 9206, vn: true, warnings: true, transform: "EPSG:6960"},
		{name: "OGC WKT1 with TOWGS84", file: "ogc_wkt1_towgs84.prj", epsg: 9206, vn: true, transform: "EPSG:6960"},
		{name: "OGC WKT1 with flipped rotations", file: "ogc_wkt1_flipped.prj", epsg: 9206, vn: true, warnings: true, transform: "EPSG:6960"},
		{name: "OGC WKT1 with another TOWGS84", file: "ogc_wkt1_other_towgs84.prj", epsg: 9206, vn: true, warnings: true, transform: "not EPSG:6960"},
		{name: "WKT2", file: "wkt2_9206.prj", epsg: 9206, vn: true, transform: "EPSG:6960"},
		{name: "VN-2000 geographic", file: "vn2000_geographic.prj", epsg: 4756, vn: true, geographic: true, transform: "EPSG:6960"},
		{name: "EPSG:9206", text: "EPSG:9206", epsg: 9206, vn: true, transform: "EPSG:6960"},
		{name: "bare 9206", text: "9206", epsg: 9206, vn: true, transform: "EPSG:6960"},
		{name: "URN 9206", text: "urn:ogc:def:crs:EPSG::9206", epsg: 9206, vn: true, transform: "EPSG:6960"},
		{name: "URL 3405", text: "http://www.opengis.net/def/crs/EPSG/0/3405", epsg: 3405, vn: true, transform: "EPSG:6960"},
		{name: "PROJ string", text: domainSonLa, epsg: 9206, vn: true, transform: "EPSG:6960"},
		{name: "WGS 84 ESRI", file: "wgs84_esri.prj", epsg: 4326, geographic: true, transform: "none"},
		{name: "CRS84", text: "urn:ogc:def:crs:OGC:1.3:CRS84", epsg: 4326, geographic: true, transform: "none"},
		{name: "EPSG:4326", text: "EPSG:4326", epsg: 4326, geographic: true, transform: "none"},
		{name: "UTM 48N WGS 84 is not VN-2000", file: "utm48n_wgs84_esri.prj", epsg: 32648, transform: "UTM zone 48N"},
		{name: "UTM 48N by code", text: "EPSG:32648", epsg: 32648, transform: "UTM zone 48N"},
		{name: "Web Mercator ESRI", file: "webmercator_esri.prj", epsg: 3857, transform: "Mercator"},
		{name: "Web Mercator by code", text: "EPSG:3857", epsg: 3857, transform: "Mercator"},
		{name: "ESRI authority", text: "ESRI:102100", epsg: 3857, transform: "Mercator"},
		{name: "PROJ string UTM", text: "+proj=utm +zone=48 +datum=WGS84", epsg: 32648, transform: "UTM zone 48N"},
		{name: "Indian 1960 UTM 48N", text: "EPSG:3148", epsg: 3148, transform: "several operations"},
		{name: "unknown datum is a ballpark", text: `GEOGCS["x",DATUM["D_Nowhere",SPHEROID["Krassowsky_1940",6378245.0,298.3]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]`, geographic: true, warnings: true, transform: "ballpark"},
		{name: "the shapefile .prj of the dvhcvn test data", file: "../../../testdata/dvhcvn/son_la_districts_vn2000_tm3_utf8.prj", epsg: 9206, vn: true, transform: "EPSG:6960"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := tt.text
			if tt.file != "" {
				text = readPrj(t, tt.file)
			}
			c, err := crs.Parse(text)
			if err != nil {
				t.Fatal(err)
			}
			if c.EPSG != tt.epsg || c.VN2000 != tt.vn || c.Geographic != tt.geographic {
				t.Errorf("got EPSG %d VN2000 %v geographic %v, want %d %v %v (%+v)", c.EPSG, c.VN2000, c.Geographic, tt.epsg, tt.vn, tt.geographic, c)
			}
			if (len(c.Warnings) > 0) != tt.warnings {
				t.Errorf("warnings %q, want some: %v", c.Warnings, tt.warnings)
			}
			if !strings.Contains(c.Transformation, tt.transform) {
				t.Errorf("transformation %q does not mention %q", c.Transformation, tt.transform)
			}
			if c.VN2000 && !c.Geographic && !strings.Contains(c.Proj, "+proj=tmerc") {
				t.Errorf("VN-2000 definition %q is not a tmerc PROJ string", c.Proj)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, text string }{
		{"empty", "  "},
		{"junk", "hello"},
		{"unknown authority", "ESRI:102100x"},
		{"unknown OGC code", "OGC:CRS27"},
		{"bad urn", "urn:ogc:def:crs:EPSG:9206"},
		{"unknown code", "EPSG:999999"},
		{"bad wkt", `PROJCS["x",GEOGCS[`},
		{"not a crs", `SPHEROID["WGS 84",6378137,298.257223563]`},
		{"bad proj", "+proj=nonesuch +type=crs"},
		{"VN-2000 lambert", `PROJCS["VN-2000 LCC",GEOGCS["VN-2000",DATUM["Vietnam_2000",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic_1SP"],PARAMETER["central_meridian",104],UNIT["metre",1]]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := crs.Parse(tt.text)
			if err == nil {
				t.Fatalf("no error, got %+v", c)
			}
			if !strings.HasPrefix(err.Error(), "crs: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
	if _, err := crs.Parse("hello"); !errors.Is(err, crs.ErrUnknown) {
		t.Errorf("Parse(hello) = %v, want ErrUnknown", err)
	}
}

// TestVN2000AgainstCS2CS transforms VN-2000 points from every form of the
// Son La CRS and compares with cs2cs run on DOMAIN.md's PROJ string and on
// EPSG:9206 (which PROJ resolves with EPSG:6960).
func TestVN2000AgainstCS2CS(t *testing.T) {
	ref := cs2cs(t, domainSonLa, "+proj=longlat +datum=WGS84 +no_defs", vnPoints)
	byCode := cs2cs(t, "EPSG:9206", "OGC:CRS84", vnPoints)
	for i := range ref {
		if d := metresApart(ref[i], byCode[i]); d > 0.01 {
			t.Fatalf("references disagree at %v by %.3f m", vnPoints[i], d)
		}
	}
	// Read as if it were WGS 84: the ~222 m pitfall.
	wrong := cs2cs(t, "+proj=tmerc +lat_0=0 +lon_0=104 +k=0.9999 +x_0=500000 +y_0=0 +datum=WGS84 +units=m", "+proj=longlat +datum=WGS84", vnPoints)

	sources := map[string]string{
		"ESRI prj":        readPrj(t, "sonla_esri.prj"),
		"misnamed prj":    readPrj(t, "misnamed_utm48n.prj"),
		"OGC WKT1":        readPrj(t, "ogc_wkt1_towgs84.prj"),
		"flipped TOWGS84": readPrj(t, "ogc_wkt1_flipped.prj"),
		"WKT2":            readPrj(t, "wkt2_9206.prj"),
		"TM-3 on WGS 84":  readPrj(t, "wgs84_labelled_tm3.prj"),
		"EPSG:9206":       "EPSG:9206",
		"PROJ string":     domainSonLa,
	}
	for name, text := range sources {
		t.Run(name, func(t *testing.T) {
			c, err := crs.Parse(text)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := crs.NewTransformer(c)
			if err != nil {
				t.Fatal(err)
			}
			pts := append([]orb.Point(nil), vnPoints...)
			if err := tr.Points(pts); err != nil {
				t.Fatal(err)
			}
			for i := range pts {
				if d := metresApart(pts[i], ref[i]); d > 0.01 {
					t.Errorf("%v → %v, cs2cs %v: %.3f m apart", vnPoints[i], pts[i], ref[i], d)
				}
				if d := metresApart(pts[i], wrong[i]); d < 200 {
					t.Errorf("%v → %v is only %.1f m from the no-TOWGS84 result: datum shift missing", vnPoints[i], pts[i], d)
				}
			}
		})
	}
}

// TestOtherTOWGS84IsHonoured checks that a VN-2000 WKT with its own
// TOWGS84 is transformed with it, as cs2cs does with the same values.
func TestOtherTOWGS84IsHonoured(t *testing.T) {
	c, err := crs.Parse(readPrj(t, "ogc_wkt1_other_towgs84.prj"))
	if err != nil {
		t.Fatal(err)
	}
	ref := cs2cs(t, "+proj=tmerc +lat_0=0 +lon_0=104 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +towgs84=-192,-39,-111,0,0,0,0 +units=m", "+proj=longlat +datum=WGS84", vnPoints)
	tr, err := crs.NewTransformer(c)
	if err != nil {
		t.Fatal(err)
	}
	pts := append([]orb.Point(nil), vnPoints...)
	if err := tr.Points(pts); err != nil {
		t.Fatal(err)
	}
	for i := range pts {
		if d := metresApart(pts[i], ref[i]); d > 0.01 {
			t.Errorf("%v → %v, cs2cs %v: %.3f m apart", vnPoints[i], pts[i], ref[i], d)
		}
	}
}

// TestSonLaCity checks the known point of DOMAIN.md's table (measured with
// PROJ 9.1.1: 103.9188E 21.3256N is E 491380.877 N 2358999.978 in
// EPSG:9206) both ways, and against cs2cs.
func TestSonLaCity(t *testing.T) {
	wgs := orb.Point{103.9188, 21.3256}
	known := orb.Point{491380.877, 2358999.978}
	c, err := crs.FromEPSG(9206)
	if err != nil {
		t.Fatal(err)
	}
	to, err := crs.NewTransformerTo(c)
	if err != nil {
		t.Fatal(err)
	}
	if d := to.Description(); !strings.HasPrefix(d, "inverse of EPSG:6960") {
		t.Errorf("description %q", d)
	}
	en, err := to.Point(wgs)
	if err != nil {
		t.Fatal(err)
	}
	if d := planarApart(en, known); d > 0.01 {
		t.Errorf("WGS 84 %v → %v, DOMAIN.md says %v: %.3f m apart", wgs, en, known, d)
	}
	ref := cs2cs(t, "OGC:CRS84", "EPSG:9206", []orb.Point{wgs})
	if d := planarApart(en, ref[0]); d > 0.01 {
		t.Errorf("WGS 84 %v → %v, cs2cs %v: %.3f m apart", wgs, en, ref[0], d)
	}
	from, err := crs.NewTransformer(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := from.Point(en)
	if err != nil {
		t.Fatal(err)
	}
	if d := metresApart(back, wgs); d > 0.01 {
		t.Errorf("round trip %v → %v: %.4f m", wgs, back, d)
	}
	lonlat, err := from.Point(known)
	if err != nil {
		t.Fatal(err)
	}
	if d := metresApart(lonlat, wgs); d > 0.01 {
		t.Errorf("%v → %v, DOMAIN.md says %v: %.3f m apart", known, lonlat, wgs, d)
	}
}

// TestNonVN checks CRSs that must not get the VN-2000 shift.
func TestNonVN(t *testing.T) {
	tests := []struct {
		name, text, ref string
		pts             []orb.Point
	}{
		{"UTM 48N ESRI", readPrj(t, "utm48n_wgs84_esri.prj"), "EPSG:32648", []orb.Point{{491380.877, 2358999.978}, {300000, 2000000}}},
		{"Web Mercator ESRI", readPrj(t, "webmercator_esri.prj"), "EPSG:3857", []orb.Point{{11568210, 2431700}, {-8238310, 4970241}}},
		{"Web Mercator code", "EPSG:3857", "EPSG:3857", []orb.Point{{11568210, 2431700}}},
		{"WGS 84 ESRI", readPrj(t, "wgs84_esri.prj"), "OGC:CRS84", []orb.Point{{103.9188, 21.3256}, {-70, -33}}},
		{"EPSG:4326 is lon,lat", "EPSG:4326", "OGC:CRS84", []orb.Point{{103.9188, 21.3256}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := crs.Parse(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if c.VN2000 {
				t.Fatalf("%s recognised as VN-2000", tt.name)
			}
			tr, err := crs.NewTransformer(c)
			if err != nil {
				t.Fatal(err)
			}
			ref := cs2cs(t, tt.ref, "OGC:CRS84", tt.pts)
			pts := append([]orb.Point(nil), tt.pts...)
			if err := tr.Points(pts); err != nil {
				t.Fatal(err)
			}
			for i := range pts {
				if d := metresApart(pts[i], ref[i]); d > 0.01 {
					t.Errorf("%v → %v, cs2cs %v: %.3f m apart", tt.pts[i], pts[i], ref[i], d)
				}
			}
		})
	}
}

// TestZoneTable checks every VN-2000 zone plantile names against PROJ's own
// EPSG definition: the same point must land in the same place.
func TestZoneTable(t *testing.T) {
	for _, code := range []int{5896, 5897, 5898, 5899, 9205, 9206, 9207, 9208, 9209, 9210, 9211, 9212, 9213, 9214, 9215, 9216, 9217, 9218, 3405, 3406} {
		c, err := crs.FromEPSG(code)
		if err != nil {
			t.Fatal(err)
		}
		if c.EPSG != code || !c.VN2000 {
			t.Fatalf("FromEPSG(%d) = %+v", code, c)
		}
		// North and centre of Vietnam: in the Mekong delta PROJ picks
		// EPSG:5194 for the EPSG codes, while plantile always uses EPSG:6960.
		pts := []orb.Point{{480000, 2300000}, {520000, 1800000}}
		ref := cs2cs(t, fmt.Sprintf("EPSG:%d", code), "OGC:CRS84", pts)
		tr, err := crs.NewTransformer(c)
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.Points(pts); err != nil {
			t.Fatal(err)
		}
		for i := range pts {
			if d := metresApart(pts[i], ref[i]); d > 0.01 {
				t.Errorf("EPSG:%d: %v vs cs2cs %v: %.3f m", code, pts[i], ref[i], d)
			}
		}
	}
}

func TestGeometries(t *testing.T) {
	c, err := crs.FromEPSG(9206)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := crs.NewTransformer(c)
	if err != nil {
		t.Fatal(err)
	}
	ref := cs2cs(t, "EPSG:9206", "OGC:CRS84", vnPoints)
	p0, p1, p2, p3 := vnPoints[0], vnPoints[1], vnPoints[2], vnPoints[3]
	gs := []orb.Geometry{
		p0,
		orb.LineString{p1, p2},
		orb.Polygon{{p0, p1, p2, p0}},
		orb.MultiPolygon{{{p3, p1, p2, p3}}},
		orb.Collection{p2, orb.MultiPoint{p3}},
	}
	if err := tr.Geometries(gs); err != nil {
		t.Fatal(err)
	}
	want := []orb.Geometry{
		ref[0],
		orb.LineString{ref[1], ref[2]},
		orb.Polygon{{ref[0], ref[1], ref[2], ref[0]}},
		orb.MultiPolygon{{{ref[3], ref[1], ref[2], ref[3]}}},
		orb.Collection{ref[2], orb.MultiPoint{ref[3]}},
	}
	for i := range gs {
		if gs[i].GeoJSONType() != want[i].GeoJSONType() {
			t.Fatalf("%d: type %s", i, gs[i].GeoJSONType())
		}
		got, exp := flatten(gs[i]), flatten(want[i])
		for j := range got {
			if d := metresApart(got[j], exp[j]); d > 0.01 {
				t.Errorf("%s point %d: %v vs %v", gs[i].GeoJSONType(), j, got[j], exp[j])
			}
		}
	}
	// One geometry at a time gives the same.
	g, err := tr.Geometry(orb.LineString{p1, p2})
	if err != nil {
		t.Fatal(err)
	}
	if d := metresApart(g.(orb.LineString)[1], ref[2]); d > 0.01 {
		t.Errorf("Geometry: %v vs %v", g, ref[2])
	}
}

func flatten(g orb.Geometry) []orb.Point {
	var out []orb.Point
	switch g := g.(type) {
	case orb.Point:
		out = append(out, g)
	case orb.MultiPoint:
		out = append(out, g...)
	case orb.LineString:
		out = append(out, g...)
	case orb.Polygon:
		for _, r := range g {
			out = append(out, r...)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				out = append(out, r...)
			}
		}
	case orb.Collection:
		for _, c := range g {
			out = append(out, flatten(c)...)
		}
	}
	return out
}

func TestTransformErrors(t *testing.T) {
	c, err := crs.FromEPSG(9206)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := crs.NewTransformerTo(c)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pts  []orb.Point
	}{
		{"latitude beyond the pole", []orb.Point{{104, 21}, {104, 95}}},
		{"NaN", []orb.Point{{104, 21}, {104, nanValue()}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pts := append([]orb.Point(nil), tt.pts...)
			err := tr.Points(pts)
			if err == nil {
				t.Fatalf("no error, got %v", pts)
			}
			if !strings.HasPrefix(err.Error(), "crs: ") {
				t.Errorf("error %q lacks the prefix", err)
			}
			if pts[0] != tt.pts[0] {
				t.Errorf("points changed on error: %v", pts)
			}
		})
	}
}

func TestClone(t *testing.T) {
	c, err := crs.FromEPSG(9206)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := crs.NewTransformer(c)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := tr.Clone()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan orb.Point)
	for _, x := range []*crs.Transformer{tr, cl} {
		go func() {
			var p orb.Point
			for i := 0; i < 1000; i++ {
				p, _ = x.Point(vnPoints[0])
			}
			done <- p
		}()
	}
	a, b := <-done, <-done
	if a != b {
		t.Errorf("clones disagree: %v %v", a, b)
	}
}

func TestCheckDegrees(t *testing.T) {
	tests := []struct {
		name string
		b    orb.Bound
		ok   bool
		hint string
	}{
		{"degrees", orb.Bound{Min: orb.Point{103.5, 20.6}, Max: orb.Point{105, 22}}, true, ""},
		{"world", orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}, true, ""},
		{"TM-3 metres", orb.Bound{Min: orb.Point{491000, 2358000}, Max: orb.Point{495000, 2360000}}, false, "VN-2000"},
		{"web mercator", orb.Bound{Min: orb.Point{11568210, 2431700}, Max: orb.Point{11578210, 2441700}}, false, "--src-crs EPSG:9206"},
		{"latitude 91", orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 91}}, false, "--src-crs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := crs.CheckDegrees("x.shp", tt.b)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckDegrees = %v, want ok %v", err, tt.ok)
			}
			if err == nil {
				return
			}
			fe, ok := feature.AsError(err)
			if !ok || fe.File != "x.shp" {
				t.Errorf("error %v is not a *feature.Error for x.shp", err)
			}
			if !strings.HasPrefix(err.Error(), "x.shp: no .prj and coordinates are not degrees") || !strings.Contains(err.Error(), tt.hint) {
				t.Errorf("message %q", err)
			}
		})
	}
}
