package geojson_test

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/source"
	"github.com/sonla-gis/plantile/pkg/source/geojson"
)

var _ source.Layer = (*geojson.Layer)(nil)

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readLayer(t *testing.T, l *geojson.Layer) []*feature.Feature {
	t.Helper()
	r, err := l.Features()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []*feature.Feature
	for {
		f, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
}

// TestSchema checks field order, type widening and the conversion of every
// value to its field's type.
func TestSchema(t *testing.T) {
	text := `{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":null,"properties":{"ma":"ODT","n":1,"mixed":1,"flag":true,"nested":{"a":1},"empty":null}},
{"type":"Feature","geometry":null,"properties":{"n":2.5,"mixed":"x","extra":3,"nested":7,"flag":false}},
{"type":"Feature","geometry":null,"properties":{"ma":null,"mixed":true,"n":3}}
]}`
	l, err := geojson.Open(writeFile(t, "plan.geojson", text), geojson.Options{})
	if err != nil {
		t.Fatal(err)
	}
	info := l.Info()
	want := []feature.Field{
		{Name: "ma", Type: feature.String},
		{Name: "n", Type: feature.Float},
		{Name: "mixed", Type: feature.String},
		{Name: "flag", Type: feature.Bool},
		{Name: "nested", Type: feature.JSON},
		{Name: "empty", Type: feature.String},
		{Name: "extra", Type: feature.Int},
	}
	if !reflect.DeepEqual(info.Schema.Fields, want) {
		t.Errorf("schema %+v\nwant %+v", info.Schema.Fields, want)
	}
	if info.Name != "plan" || info.Count != 3 || info.GeometryType != "None" || info.Encoding != "UTF-8" {
		t.Errorf("info %+v", info)
	}
	fs := readLayer(t, l)
	checks := []struct {
		row  int
		name string
		want any
	}{
		{0, "n", 1.0},
		{1, "n", 2.5},
		{2, "n", 3.0},
		{0, "mixed", "1"},
		{1, "mixed", "x"},
		{2, "mixed", "true"},
		{0, "nested", json.RawMessage(`{"a":1}`)},
		{1, "nested", json.RawMessage(`7`)},
		{1, "extra", int64(3)},
		{2, "ma", nil},
		{0, "empty", nil},
	}
	for _, c := range checks {
		if got := fs[c.row].Properties[c.name]; !reflect.DeepEqual(got, c.want) {
			t.Errorf("feature %d %s = %#v (%T), want %#v (%T)", c.row+1, c.name, got, got, c.want, c.want)
		}
	}
}

func TestLayerInfo(t *testing.T) {
	poly := `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`
	mpoly := `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}`
	open := `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}`
	feat := func(g string) string { return `{"type":"Feature","geometry":` + g + `,"properties":{}}` }
	tests := []struct {
		name, file, text string
		geomType         string
		count            int64
		crs              string
		hasZ             bool
		warnings         []string // substrings, one per warning
	}{
		{"polygons", "a.geojson", feat(poly) + "\n" + feat(poly), "Polygon", 2, "", false, nil},
		{"polygon and multipolygon", "a.ndjson", feat(poly) + "\n" + feat(mpoly), "MultiPolygon", 2, "", false, nil},
		{"mixed", "a.geojsonl", feat(poly) + "\n" + feat(pointA), "Geometry", 2, "", false, nil},
		{"collection", "a.json", feat(`{"type":"GeometryCollection","geometries":[]}`), "Geometry", 1, "", false, nil},
		{"unclosed ring", "a.geojsons", "\x1e" + feat(open) + "\n\x1e" + feat(open) + "\n", "Polygon", 2, "", false, []string{"2 polygon rings were not closed"}},
		{"Z and crs", "a.geojson", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:9206"}},"features":[` + feat(`{"type":"Point","coordinates":[1,2,3]}`) + `]}`,
			"Point", 1, "EPSG:9206", true, []string{`legacy "crs" member (EPSG:9206)`, "Z values dropped"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := geojson.Open(writeFile(t, tt.file, tt.text), geojson.Options{})
			if err != nil {
				t.Fatal(err)
			}
			info := l.Info()
			if info.GeometryType != tt.geomType || info.Count != tt.count || info.CRS != tt.crs || info.HasZ != tt.hasZ {
				t.Errorf("info %+v", info)
			}
			if len(info.Warnings) != len(tt.warnings) {
				t.Fatalf("warnings %q, want %q", info.Warnings, tt.warnings)
			}
			for i, w := range tt.warnings {
				if !strings.Contains(info.Warnings[i], w) {
					t.Errorf("warning %q lacks %q", info.Warnings[i], w)
				}
			}
			if n := len(readLayer(t, l)); int64(n) != tt.count {
				t.Errorf("Features gave %d, Info says %d", n, tt.count)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	open := `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]},"properties":{}}`
	if _, err := geojson.Open(writeFile(t, "ok.geojson", open), geojson.Options{}); err != nil {
		t.Fatalf("lenient open: %v", err)
	}
	p := writeFile(t, "strict.geojson", featureA+"\n"+open)
	_, err := geojson.Open(p, geojson.Options{StrictRings: true})
	fe, ok := feature.AsError(err)
	if !ok || fe.Record != 2 || fe.File != p || !strings.Contains(err.Error(), "ring 1 is not closed") {
		t.Errorf("strict open: %v", err)
	}
	if _, err := geojson.Open(filepath.Join(t.TempDir(), "missing.geojson"), geojson.Options{}); err == nil || !strings.HasPrefix(err.Error(), "geojson: ") {
		t.Errorf("missing file: %v", err)
	}
}

func TestSupported(t *testing.T) {
	for path, want := range map[string]bool{
		"a.geojson": true, "a.JSON": true, "dir/a.geojsonl": true, "a.geojsons": true, "a.ndjson": true,
		"a.shp": false, "a.geojson.zip": false, "geojson": false,
	} {
		if got := geojson.Supported(path); got != want {
			t.Errorf("Supported(%q) = %v", path, got)
		}
	}
}

// TestSonLaDistricts reads the real Son La province and district
// boundaries (testdata/sonla/boundaries, GPL-3.0, see its SOURCES.txt).
func TestSonLaDistricts(t *testing.T) {
	l, err := geojson.Open(filepath.Join("..", "..", "..", "testdata", "sonla", "boundaries", "boundaries.geojson"), geojson.Options{})
	if err != nil {
		t.Fatal(err)
	}
	info := l.Info()
	if info.Count != 13 || info.GeometryType != "MultiPolygon" || info.CRS != "" || len(info.Warnings) != 0 {
		t.Errorf("info %+v", info)
	}
	var names []string
	for _, f := range info.Schema.Fields {
		names = append(names, f.Name+":"+f.Type.String())
	}
	if got := strings.Join(names, " "); got != "level:integer ma:string ten:string loai:string ma_tinh:string" {
		t.Errorf("schema %s", got)
	}
	fs := readLayer(t, l)
	if fs[0].Properties["ten"] != "Tỉnh Sơn La" || fs[1].Properties["ten"] != "Thành phố Sơn La" || fs[1].Properties["level"] != int64(2) {
		t.Errorf("properties %v %v", fs[0].Properties, fs[1].Properties)
	}
	b := fs[0].Geometry.Bound()
	if b.Min[0] < 103 || b.Max[0] > 105.5 || b.Min[1] < 20.5 || b.Max[1] > 22.1 {
		t.Errorf("province bounds %v are not Son La's", b)
	}
}
