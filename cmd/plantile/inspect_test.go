package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run executes the plantile command line with args and returns stdout and
// the error RunE returned.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestInspectJSON(t *testing.T) {
	out, err := run(t, "inspect", "--json", filepath.Join("..", "..", "testdata", "dvhcvn"))
	if err != nil {
		t.Fatal(err)
	}
	var reps []layerReport
	if err := json.Unmarshal([]byte(out), &reps); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(reps) != 3 {
		t.Fatalf("%d layers, want 3 (the three district shapefiles)", len(reps))
	}
	wgs := reps[2] // sorted by name: cp1258, utf8, wgs84
	for _, r := range reps {
		if r.Features != 12 || r.GeometryType != "MultiPolygon" || len(r.Fields) != 5 || r.Empty != 0 || r.Invalid != 0 {
			t.Errorf("%s: %d %s features, %d fields, %d empty, %d invalid; want 12 MultiPolygon, 5 fields, none bad",
				r.Name, r.Features, r.GeometryType, len(r.Fields), r.Empty, r.Invalid)
		}
		for i := range 4 {
			if d := r.WGS84Bounds[i] - wgs.WGS84Bounds[i]; d > 1e-7 || d < -1e-7 {
				t.Errorf("%s: WGS 84 bounds %v, want %v", r.Name, *r.WGS84Bounds, *wgs.WGS84Bounds)
				break
			}
		}
	}
	vn := reps[0]
	if vn.EPSG != 9206 || !strings.Contains(vn.Transformation, "EPSG:6960") || vn.CRSFrom != ".prj" {
		t.Errorf("cp1258 layer: EPSG %d, transformation %q from %q; want 9206 with EPSG:6960 from .prj", vn.EPSG, vn.Transformation, vn.CRSFrom)
	}
	if !strings.Contains(vn.Encoding, "1258") {
		t.Errorf("cp1258 layer: encoding %q", vn.Encoding)
	}
	// Source bounds are TM-3 metres, around the 500 km false easting.
	if b := vn.SourceBounds; b == nil || b[0] < 300000 || b[2] > 700000 || b[1] < 2000000 || b[3] > 2600000 {
		t.Errorf("cp1258 layer: source bounds %v, want TM-3 metres", b)
	}
}

func TestInspectText(t *testing.T) {
	out, err := run(t, "inspect", filepath.Join("..", "..", "testdata", "dvhcvn", "son_la_districts_vn2000_tm3_cp1258.shp"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Features:       12", "VN-2000 / TM-3 104-00 (EPSG:9206)", "EPSG:6960", "windows-1258", "ten          string"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestInspectRefuses checks that unreadable input gives an error of one
// line naming the file.
func TestInspectRefuses(t *testing.T) {
	dir := t.TempDir()
	truncated := filepath.Join(dir, "cut.shp")
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "dvhcvn", "son_la_districts_wgs84_utf8.shp"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(truncated, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	multipatch := filepath.Join("..", "..", "testdata", "shapefile-suites", "go-shp", "test_files", "multipatch.shp")
	for _, c := range []struct{ path, want string }{
		{truncated, "cut.shp"},
		{multipatch, "MultiPatch"},
		{filepath.Join(dir, "missing.shp"), "missing.shp"},
		{filepath.Join("..", "..", "testdata", "dvhcvn", "README.md"), "not a zipped shapefile or GeoJSON"},
	} {
		_, err := run(t, "inspect", c.path)
		if err == nil {
			t.Errorf("%s: no error", c.path)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, c.want) {
			t.Errorf("%s: error %q, want one line containing %q", c.path, msg, c.want)
		}
	}
}
