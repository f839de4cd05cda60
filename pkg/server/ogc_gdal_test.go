package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/ogcapi"
)

// needTool returns the path of a GDAL or PROJ program; without it the
// test is skipped, except in CI (CI=true), where it fails.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (%s) is required in CI: make deps-test installs it", name, pkg)
		}
		t.Skipf("%s not installed (apt-get install %s)", name, pkg)
	}
	return p
}

// TestGDALOAPIFListsCollections: `ogrinfo OAPIF:<base>/ogc` (GDAL's OGC
// API - Features driver) lists every collection.
func TestGDALOAPIFListsCollections(t *testing.T) {
	ogrinfo := needOgrinfo(t)
	e, _ := newDemoEnv(t)
	out, err := exec.Command(ogrinfo, "-ro", "-q", "OAPIF:"+e.http.URL+"/ogc").CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	for _, id := range []string{"sonla.landuse", "sonla.roads", "sonla.facilities", "sonla.boundaries"} {
		if !strings.Contains(string(out), ": "+id) {
			t.Errorf("ogrinfo does not list %s:\n%s", id, out)
		}
	}
}

// gdalFeature is a feature of ogr2ogr's GeoJSON output.
type gdalFeature struct {
	ID         any             `json:"id"`
	Properties map[string]any  `json:"properties"`
	Geometry   json.RawMessage `json:"geometry"`
}

// TestGDALOAPIFDownloadsLandUse: ogr2ogr, through the OAPIF driver with
// pages of 150 (so 19 pages following next links), downloads every
// land-use parcel: the count, the ids and the attributes equal the
// source's, the coordinates are within 1e-7 degrees.
func TestGDALOAPIFDownloadsLandUse(t *testing.T) {
	needOgrinfo(t)
	ogr2ogr := needTool(t, "ogr2ogr", "gdal-bin")
	e, src := newDemoEnv(t)
	l := src["landuse"]
	out := filepath.Join(t.TempDir(), "landuse.geojson")
	cmd := exec.Command(ogr2ogr, "-f", "GeoJSON", "-preserve_fid", "-oo", "PAGE_SIZE=150", out, "OAPIF:"+e.http.URL+"/ogc", "sonla.landuse")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr: %v\n%s", err, b)
	}
	feats := readGeoJSON(t, out)
	if len(feats) != l.Len() {
		t.Fatalf("ogr2ogr downloaded %d features, the source has %d", len(feats), l.Len())
	}
	pages := 0
	for _, line := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(line, "path=/ogc/collections/sonla.landuse/items ") && strings.Contains(line, "status=200") {
			pages++
		}
	}
	if pages < l.Len()/150 {
		t.Errorf("GDAL fetched %d item pages; with pages of 150 it needs %d", pages, (l.Len()+149)/150)
	}
	compareDownload(t, l, feats, 1e-7)
}

// compareDownload checks what a client downloaded against the source
// layer: every feature once, by id, with equal attributes and coordinates
// within tol degrees.
func compareDownload(t *testing.T, l *index.Layer, feats []gdalFeature, tol float64) {
	t.Helper()
	seen := map[int]bool{}
	for _, f := range feats {
		id := ogcapi.FeatureID(normID(f.ID))
		if s, ok := f.Properties["id"].(string); ok && l.IDKind() == index.IDString {
			id = s // GDAL keeps string ids in an "id" field
		}
		i, ok := l.Find(id)
		if !ok {
			t.Fatalf("downloaded feature id %q (%v) is not a source id", id, f.ID)
		}
		if seen[i] {
			t.Fatalf("feature %s downloaded twice", id)
		}
		seen[i] = true
		for fi, fd := range l.Schema().Fields {
			_, want := l.Value(i, fi)
			if got := f.Properties[fd.Name]; !sameAttr(got, want) {
				t.Fatalf("feature %s: %s = %#v, source %#v", id, fd.Name, got, want)
			}
		}
		g := geometry(t, f.Geometry)
		if d := maxCoordDiff(g, l.Geometry(i)); !(d <= tol) {
			t.Fatalf("feature %s: coordinates %g degrees from the source", id, d)
		}
	}
}

// sameAttr compares an attribute as a client wrote it with the source
// value: numbers numerically, everything else as text.
func sameAttr(got, want any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil || got == ""
	case int64:
		g, ok := got.(float64)
		return ok && g == float64(w)
	case float64:
		g, ok := got.(float64)
		return ok && (g == w || math.Abs(g-w) <= 1e-9*math.Abs(w))
	case bool:
		return got == w || got == float64(map[bool]int{false: 0, true: 1}[w])
	}
	return fmt.Sprint(got) == fmt.Sprint(want)
}

// maxCoordDiff returns the largest coordinate difference of two geometries
// of the same shape, +Inf when the shapes differ.
func maxCoordDiff(a, b orb.Geometry) float64 {
	var pa, pb []orb.Point
	collectPoints(a, &pa)
	collectPoints(b, &pb)
	if len(pa) != len(pb) || a.GeoJSONType() != b.GeoJSONType() {
		return math.Inf(1)
	}
	d := 0.0
	for i := range pa {
		d = math.Max(d, math.Max(math.Abs(pa[i][0]-pb[i][0]), math.Abs(pa[i][1]-pb[i][1])))
	}
	return d
}

func collectPoints(g orb.Geometry, out *[]orb.Point) {
	switch g := g.(type) {
	case orb.Point:
		*out = append(*out, g)
	case orb.MultiPoint:
		*out = append(*out, g...)
	case orb.LineString:
		*out = append(*out, g...)
	case orb.Ring:
		*out = append(*out, g...)
	case orb.MultiLineString:
		for _, x := range g {
			collectPoints(x, out)
		}
	case orb.Polygon:
		for _, x := range g {
			collectPoints(x, out)
		}
	case orb.MultiPolygon:
		for _, x := range g {
			collectPoints(x, out)
		}
	}
}

func readGeoJSON(t *testing.T, path string) []gdalFeature {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct{ Features []gdalFeature }
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	return fc.Features
}

// TestOGCVN2000AgainstCS2CS: items in crs=EPSG:9206 (VN-2000 / TM-3
// 104-00, Son La's) agree with cs2cs transforming the CRS84 coordinates
// of the same features within 1 cm.
func TestOGCVN2000AgainstCS2CS(t *testing.T) {
	cs2cs := needTool(t, "cs2cs", "proj-bin")
	e, src := newDemoEnv(t)
	l := src["landuse"]
	var p ogcPage
	res := e.ogcGet(t, "/ogc/collections/sonla.landuse/items?limit=40&offset=500&crs="+url.QueryEscape(ogcapi.EPSGURI(9206)), ogcapi.MediaGeoJSON, &p)
	if h := res.Header.Get("Content-Crs"); h != "<"+ogcapi.EPSGURI(9206)+">" {
		t.Errorf("Content-Crs %q", h)
	}
	var got, lonlat []orb.Point
	for _, f := range p.Features {
		i, ok := l.Find(ogcapi.FeatureID(normID(f.ID)))
		if !ok {
			t.Fatalf("id %v not in the source", f.ID)
		}
		var a, b []orb.Point
		collectPoints(geometry(t, f.Geometry), &a)
		collectPoints(l.Geometry(i), &b)
		if len(a) != len(b) {
			t.Fatalf("feature %v: %d points, source %d", f.ID, len(a), len(b))
		}
		got = append(got, a...)
		lonlat = append(lonlat, b...)
	}
	if len(got) < 100 {
		t.Fatalf("only %d points", len(got))
	}
	var in bytes.Buffer
	for _, q := range lonlat {
		fmt.Fprintf(&in, "%.12f %.12f\n", q[0], q[1])
	}
	cmd := exec.Command(cs2cs, "-f", "%.6f", "OGC:CRS84", "EPSG:9206")
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cs2cs: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(got) {
		t.Fatalf("cs2cs gave %d lines for %d points", len(lines), len(got))
	}
	worst := 0.0
	for k, line := range lines {
		f := strings.Fields(line)
		x, _ := strconv.ParseFloat(f[0], 64)
		y, _ := strconv.ParseFloat(f[1], 64)
		worst = math.Max(worst, math.Hypot(x-got[k][0], y-got[k][1]))
	}
	t.Logf("%d points: at most %.4f m from cs2cs", len(got), worst)
	if worst > 0.01 {
		t.Errorf("VN-2000 coordinates up to %.4f m from cs2cs, want within 1 cm", worst)
	}
}
