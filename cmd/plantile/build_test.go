package main

import (
	"bytes"
	"context"
	"database/sql"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/mbtiles"
	"github.com/sonla-gis/plantile/pkg/publish"
)

// needGDAL skips a test when GDAL's tools are missing, except under CI
// (CI=true), where `make test` installs gdal-bin and a skip would hide a
// broken setup.
func needGDAL(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ogrinfo", "ogr2ogr"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing (apt-get install gdal-bin)", tool)
			}
			t.Skipf("%s is missing (apt-get install gdal-bin)", tool)
		}
	}
}

func testdata(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", "testdata"}, parts...)...)
}

// sourceLayer reads a test source the way build does, for comparisons.
func sourceLayer(t *testing.T, path, srcCRS string) *index.Layer {
	t.Helper()
	q := publish.Defaults()
	q.Sources, q.SrcCRS, q.Out = []string{path}, srcCRS, filepath.Join(t.TempDir(), "layer.mbtiles")
	res, err := publish.Run(context.Background(), q, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Layers[0].Data
}

// mercatorMeters converts lon/lat to EPSG:3857 metres, GDAL's output CRS
// for MBTiles layers.
func mercatorMeters(p orb.Point) orb.Point {
	x, y := index.Mercator(p[0], p[1])
	const half = math.Pi * 6378137
	return orb.Point{(x - 0.5) * 2 * half, (0.5 - y) * 2 * half}
}

func projectGeom(g orb.Geometry) orb.Geometry {
	c := orb.Clone(g)
	switch c := c.(type) {
	case orb.Polygon:
		for _, r := range c {
			for i := range r {
				r[i] = mercatorMeters(r[i])
			}
		}
	case orb.MultiPolygon:
		for _, p := range c {
			for _, r := range p {
				for i := range r {
					r[i] = mercatorMeters(r[i])
				}
			}
		}
	}
	return c
}

// TestBuildReadByGDAL builds the Son La districts (a VN-2000 shapefile and
// the GeoJSON of the same districts) into one MBTiles file and reads it
// back with GDAL: both layers with their fields, and at the max zoom every
// district, whose pieces (GDAL clips them to tiles) together span the
// source geometry to within one tile unit and cover its area.
func TestBuildReadByGDAL(t *testing.T) {
	needGDAL(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "sonla.mbtiles")
	shp := testdata("dvhcvn", "son_la_districts_vn2000_tm3_utf8.shp")
	gj := testdata("sonla", "boundaries", "boundaries.geojson")
	const maxZoom = 10
	if _, err := run(t, "build", shp, gj, "--layer", "huyen", "--layer", "huyen_geojson",
		"--minzoom", "6", "--maxzoom", "10", "-q", "-o", out); err != nil {
		t.Fatal(err)
	}
	info, err := exec.Command("ogrinfo", "-ro", "-so", "-oo", "ZOOM_LEVEL=10", out, "huyen").CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, info)
	}
	src := sourceLayer(t, shp, "")
	for _, f := range src.Schema().Fields {
		if !strings.Contains(string(info), "\n"+f.Name+":") {
			t.Errorf("ogrinfo does not list field %s:\n%s", f.Name, info)
		}
	}
	all, err := exec.Command("ogrinfo", "-ro", "-q", out).CombinedOutput()
	if err != nil || !strings.Contains(string(all), "1: huyen\n") || !strings.Contains(string(all), "2: huyen_geojson") {
		t.Errorf("ogrinfo does not list both layers (%v):\n%s", err, all)
	}

	js := filepath.Join(dir, "huyen.json")
	if msg, err := exec.Command("ogr2ogr", "-f", "GeoJSON", "-oo", "ZOOM_LEVEL=10", js, out, "huyen").CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		t.Fatal(err)
	}
	type merged struct {
		bound orb.Bound
		area  float64
		n     int
	}
	byID := map[uint64]*merged{}
	for _, f := range fc.Features {
		id, ok := f.Properties["mvt_id"].(float64)
		if !ok {
			t.Fatalf("feature without mvt_id: %v", f.Properties)
		}
		m := byID[uint64(id)]
		if m == nil {
			m = &merged{bound: f.Geometry.Bound()}
			byID[uint64(id)] = m
		}
		m.bound = m.bound.Union(f.Geometry.Bound())
		m.area += planar.Area(f.Geometry)
		m.n++
	}
	if len(byID) != src.Len() {
		t.Fatalf("GDAL reads %d distinct features at z%d, the source has %d", len(byID), maxZoom, src.Len())
	}
	unit := 2 * math.Pi * 6378137 / (math.Exp2(maxZoom) * 4096)
	for i := range src.Len() {
		m := byID[src.ID(i)]
		if m == nil {
			t.Errorf("feature %d missing", src.ID(i))
			continue
		}
		g := projectGeom(src.Geometry(i))
		b := g.Bound()
		for k, d := range []float64{m.bound.Min[0] - b.Min[0], m.bound.Min[1] - b.Min[1], m.bound.Max[0] - b.Max[0], m.bound.Max[1] - b.Max[1]} {
			if math.Abs(d) > unit {
				t.Errorf("feature %d: bound side %d off by %.1f m, one tile unit is %.1f m", src.ID(i), k, d, unit)
			}
		}
		// Area: the pieces may differ from the source by at most a band of
		// one unit along the boundary.
		var perim float64
		for _, p := range polygonsOf(g) {
			for _, r := range p {
				perim += planar.Length(r)
			}
		}
		if a := planar.Area(g); math.Abs(m.area-a) > perim*unit {
			t.Errorf("feature %d: area %.0f m² read back, %.0f m² in the source (tolerance %.0f)", src.ID(i), m.area, a, perim*unit)
		}
	}
}

func polygonsOf(g orb.Geometry) []orb.Polygon {
	switch g := g.(type) {
	case orb.Polygon:
		return []orb.Polygon{g}
	case orb.MultiPolygon:
		return g
	}
	return nil
}

// TestBuildCRS checks where build takes the CRS from: a VN-2000 .prj with
// no TOWGS84 and --src-crs EPSG:9206 on the same file without its .prj
// give identical tiles; without either the build fails and says how to fix
// it.
func TestBuildCRS(t *testing.T) {
	dir := t.TempDir()
	base := "son_la_districts_vn2000_tm3_utf8"
	for _, ext := range []string{".shp", ".shx", ".dbf", ".cpg"} {
		b, err := os.ReadFile(testdata("dvhcvn", base+ext))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "noprj"+ext), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	withPrj := filepath.Join(dir, "prj.mbtiles")
	withFlag := filepath.Join(dir, "flag.mbtiles")
	if _, err := run(t, "build", testdata("dvhcvn", base+".shp"), "--layer", "huyen", "--minzoom", "7", "--maxzoom", "9", "-q", "-o", withPrj); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "build", filepath.Join(dir, "noprj.shp"), "--layer", "huyen", "--src-crs", "EPSG:9206", "--minzoom", "7", "--maxzoom", "9", "-q", "-o", withFlag); err != nil {
		t.Fatal(err)
	}
	a, b := tileDump(t, withPrj), tileDump(t, withFlag)
	if len(a) == 0 || !slices.EqualFunc(a, b, bytes.Equal) {
		t.Errorf("tiles differ: %d tiles with the .prj, %d with --src-crs", len(a), len(b))
	}
	_, err := run(t, "build", filepath.Join(dir, "noprj.shp"), "-q", "-o", filepath.Join(dir, "none.mbtiles"))
	if err == nil || !strings.Contains(err.Error(), "--src-crs") {
		t.Errorf("build without a CRS: err = %v, want a hint at --src-crs", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.mbtiles")); !os.IsNotExist(err) {
		t.Errorf("a failed build left its output: %v", err)
	}
}

// tileDump returns every tile of an MBTiles file in z/x/y order.
func tileDump(t *testing.T, path string) [][]byte {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT tile_data FROM tiles ORDER BY zoom_level, tile_column, tile_row")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestBuildMetadata checks the metadata a map client reads.
func TestBuildMetadata(t *testing.T) {
	out := filepath.Join(t.TempDir(), "huyen.mbtiles")
	stdout, err := run(t, "build", testdata("dvhcvn", "son_la_districts_wgs84_utf8.shp"), "--layer", "huyen",
		"--zoom", "huyen=5-8", "--attribution", "dvhcvn (GPL-3.0)", "-q", "-o", out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "largest") || !strings.Contains(stdout, "huyen") {
		t.Errorf("summary lacks the per-zoom table:\n%s", stdout)
	}
	r, err := mbtiles.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m := r.Metadata()
	if m.Format != "pbf" || m.MinZoom != 5 || m.MaxZoom != 8 || m.Attribution != "dvhcvn (GPL-3.0)" || m.Name != "huyen" {
		t.Errorf("metadata %+v", m)
	}
	if len(m.VectorLayers) != 1 || m.VectorLayers[0].ID != "huyen" || m.VectorLayers[0].MinZoom != 5 || m.VectorLayers[0].Fields["ten"] != "String" && len(m.VectorLayers[0].Fields) == 0 {
		t.Errorf("vector_layers %+v", m.VectorLayers)
	}
	if b := m.Bounds; b.Min[0] < 103 || b.Max[0] > 105.1 || b.Min[1] < 20.5 || b.Max[1] > 22.1 {
		t.Errorf("bounds %v are not Son La's", b)
	}
}

func TestBuildErrors(t *testing.T) {
	shp := testdata("dvhcvn", "son_la_districts_wgs84_utf8.shp")
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no output", []string{"build", shp}, "--output"},
		{"names", []string{"build", shp, "--layer", "a", "--layer", "b", "-o", filepath.Join(dir, "a.mbtiles")}, "--layer"},
		{"zooms", []string{"build", shp, "--minzoom", "12", "--maxzoom", "10", "-o", filepath.Join(dir, "b.mbtiles")}, "zoom"},
		{"zoom spec", []string{"build", shp, "--zoom", "x=1", "-o", filepath.Join(dir, "c.mbtiles")}, "NAME=MIN-MAX"},
		{"zoom layer", []string{"build", shp, "--zoom", "nope=1-2", "-o", filepath.Join(dir, "d.mbtiles")}, "unknown layer"},
		{"missing", []string{"build", filepath.Join(dir, "nope.shp"), "-o", filepath.Join(dir, "e.mbtiles")}, "nope.shp"},
		{"bad crs", []string{"build", shp, "--src-crs", "EPSG:nonsense", "-o", filepath.Join(dir, "f.mbtiles")}, "src-crs"},
		{"search spec", []string{"build", shp, "--search", "huyen", "-o", filepath.Join(dir, "g.mbtiles")}, "NAME=FIELD"},
		{"search layer", []string{"build", shp, "--search", "nope=ten", "-o", filepath.Join(dir, "h.mbtiles")}, "--search names unknown layer"},
		{"search field", []string{"build", shp, "--search", "son_la_districts_wgs84_utf8=nope", "-o", filepath.Join(dir, "i.mbtiles")}, `no field "nope"`},
		{"encoding", []string{"build", shp, "--encoding", "tcvn4", "-o", filepath.Join(dir, "j.mbtiles")}, `"tcvn4", is unknown`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := run(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// TestBuildParcelsReadByGDAL builds a GeoJSON of adjacent parcels and
// checks, through GDAL at the max zoom, that every parcel comes back once
// with its bounds within one tile unit.
func TestBuildParcelsReadByGDAL(t *testing.T) {
	needGDAL(t)
	dir := t.TempDir()
	fc := geojson.NewFeatureCollection()
	const nx, ny, cell = 30, 20, 0.0003
	for j := range ny {
		for i := range nx {
			x, y := 103.91+float64(i)*cell, 21.32+float64(j)*cell
			f := geojson.NewFeature(orb.Polygon{{{x, y}, {x + cell, y}, {x + cell, y + cell}, {x, y + cell}, {x, y}}})
			f.ID = j*nx + i + 1
			f.Properties["ma_dat"] = []string{"ODT", "LUC", "CLN"}[(i+j)%3]
			fc.Append(f)
		}
	}
	data, err := fc.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "thua_dat.geojson")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "thua_dat.mbtiles")
	if _, err := run(t, "build", src, "--minzoom", "12", "--maxzoom", "16", "-q", "-o", out); err != nil {
		t.Fatal(err)
	}
	js := filepath.Join(dir, "back.json")
	if msg, err := exec.Command("ogr2ogr", "-f", "GeoJSON", "-oo", "ZOOM_LEVEL=16", js, out, "thua_dat").CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr: %v\n%s", err, msg)
	}
	back, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	got, err := geojson.UnmarshalFeatureCollection(back)
	if err != nil {
		t.Fatal(err)
	}
	bounds := map[int]orb.Bound{}
	for _, f := range got.Features {
		id := int(f.Properties["mvt_id"].(float64))
		if b, ok := bounds[id]; ok {
			bounds[id] = b.Union(f.Geometry.Bound())
		} else {
			bounds[id] = f.Geometry.Bound()
		}
	}
	if len(bounds) != nx*ny {
		t.Fatalf("GDAL reads %d parcels at z16, the source has %d", len(bounds), nx*ny)
	}
	unit := 2 * math.Pi * 6378137 / (math.Exp2(16) * 4096)
	for _, f := range fc.Features {
		want := projectGeom(f.Geometry).Bound()
		b := bounds[f.ID.(int)]
		if math.Abs(b.Min[0]-want.Min[0]) > unit || math.Abs(b.Max[1]-want.Max[1]) > unit ||
			math.Abs(b.Max[0]-want.Max[0]) > unit || math.Abs(b.Min[1]-want.Min[1]) > unit {
			t.Errorf("parcel %v: bounds %v, source %v (one unit is %.2f m)", f.ID, b, want, unit)
		}
	}
}
