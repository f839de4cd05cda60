package geojson_test

import (
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/source/geojson"
)

// readAll reads every feature of text, stopping at the first error.
func readAll(t *testing.T, text string) ([]*feature.Feature, *geojson.Reader, error) {
	t.Helper()
	r := geojson.NewReader("in.geojson", strings.NewReader(text))
	defer r.Close()
	var out []*feature.Feature
	for {
		f, err := r.Read()
		if err == io.EOF {
			return out, r, nil
		}
		if err != nil {
			return out, r, err
		}
		out = append(out, f)
	}
}

const (
	pointA   = `{"type":"Point","coordinates":[103.9,21.3]}`
	featureA = `{"type":"Feature","id":1,"geometry":` + pointA + `,"properties":{"ma":"ODT"}}`
	featureB = `{"type":"Feature","id":"b","geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]},"properties":{"ma":"ONT"}}`
)

func TestInputKinds(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		ids   []any
		types []string // GeoJSON type of each geometry, "" for null
		crs   string
	}{
		{"FeatureCollection", `{"type":"FeatureCollection","features":[` + featureA + `,` + featureB + `]}`, []any{int64(1), "b"}, []string{"Point", "LineString"}, ""},
		{"type after features, extra members", `{"features":[` + featureA + `],"name":"x","bbox":[0,0,1,1],"type":"FeatureCollection"}`, []any{int64(1)}, []string{"Point"}, ""},
		{"empty collection", `{"type":"FeatureCollection","features":[]}`, nil, nil, ""},
		{"single Feature", featureB, []any{"b"}, []string{"LineString"}, ""},
		{"Feature with null geometry", `{"type":"Feature","geometry":null,"properties":null}`, []any{nil}, []string{""}, ""},
		{"bare geometry", pointA, []any{nil}, []string{"Point"}, ""},
		{"bare GeometryCollection", `{"type":"GeometryCollection","geometries":[` + pointA + `,{"type":"MultiPoint","coordinates":[[1,2]]}]}`, []any{nil}, []string{"GeometryCollection"}, ""},
		{"newline-delimited", featureA + "\n" + featureB + "\n", []any{int64(1), "b"}, []string{"Point", "LineString"}, ""},
		{"RFC 8142 sequence", "\x1e" + featureA + "\n\x1e" + featureB + "\n", []any{int64(1), "b"}, []string{"Point", "LineString"}, ""},
		{"sequence of a collection and a geometry", `{"type":"FeatureCollection","features":[` + featureA + `]}` + "\n" + pointA, []any{int64(1), nil}, []string{"Point", "Point"}, ""},
		{"byte order mark", "\uFEFF" + featureA, []any{int64(1)}, []string{"Point"}, ""},
		{"crs member", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::9206"}},"features":[` + featureA + `]}`, []any{int64(1)}, []string{"Point"}, "urn:ogc:def:crs:EPSG::9206"},
		{"crs member after features", `{"type":"FeatureCollection","features":[` + featureA + `],"crs":{"type":"name","properties":{"name":"EPSG:9206"}}}`, []any{int64(1)}, []string{"Point"}, "EPSG:9206"},
		{"crs on the geometry", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2],"crs":{"type":"name","properties":{"name":"EPSG:3405"}}},"properties":{}}`, []any{nil}, []string{"Point"}, "EPSG:3405"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, r, err := readAll(t, tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != len(tt.ids) {
				t.Fatalf("%d features, want %d", len(fs), len(tt.ids))
			}
			for i, f := range fs {
				if f.Row != int64(i+1) {
					t.Errorf("feature %d has row %d", i+1, f.Row)
				}
				if f.ID != tt.ids[i] {
					t.Errorf("feature %d id %#v, want %#v", i+1, f.ID, tt.ids[i])
				}
				got := ""
				if f.Geometry != nil {
					got = f.Geometry.GeoJSONType()
				}
				if got != tt.types[i] {
					t.Errorf("feature %d geometry %q, want %q", i+1, got, tt.types[i])
				}
			}
			if r.CRS() != tt.crs {
				t.Errorf("CRS %q, want %q", r.CRS(), tt.crs)
			}
		})
	}
}

func TestIDs(t *testing.T) {
	tests := []struct {
		raw  string
		want any
	}{
		{`"abc"`, "abc"},
		{`"ODT-1"`, "ODT-1"},
		{`42`, int64(42)},
		{`-7`, int64(-7)},
		{`2.5`, 2.5},
		{`1e3`, 1000.0},
		{`18446744073709551616`, 18446744073709551616.0},
		{`null`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			fs, _, err := readAll(t, `{"type":"Feature","id":`+tt.raw+`,"geometry":null,"properties":{}}`)
			if err != nil {
				t.Fatal(err)
			}
			if fs[0].ID != tt.want {
				t.Errorf("id %#v (%T), want %#v (%T)", fs[0].ID, fs[0].ID, tt.want, tt.want)
			}
		})
	}
}

func TestProperties(t *testing.T) {
	tests := []struct {
		raw  string
		want any
	}{
		{`"Sơn La"`, "Sơn La"},
		{`"a \"q\" \u0110\u1ea5t\n"`, "a \"q\" Đất\n"},
		{`""`, ""},
		{`12`, int64(12)},
		{`-12`, int64(-12)},
		{`12.0`, 12.0},
		{`1.5e2`, 150.0},
		{`9223372036854775808`, 9223372036854775808.0},
		{`true`, true},
		{`false`, false},
		{`null`, nil},
		{`{"a": [1, {"b": "]"}]}`, json.RawMessage(`{"a": [1, {"b": "]"}]}`)},
		{`[1,2,3]`, json.RawMessage(`[1,2,3]`)},
		{`[]`, json.RawMessage(`[]`)},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			fs, _, err := readAll(t, `{"type":"Feature","geometry":null,"properties":{"before":1, "v" : `+tt.raw+` ,"after":"x"}}`)
			if err != nil {
				t.Fatal(err)
			}
			p := fs[0].Properties
			if !reflect.DeepEqual(p["v"], tt.want) {
				t.Errorf("value %#v (%T), want %#v (%T)", p["v"], p["v"], tt.want, tt.want)
			}
			if p["before"] != int64(1) || p["after"] != "x" {
				t.Errorf("neighbours lost: %#v", p)
			}
		})
	}
}

func TestGeometries(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want orb.Geometry
	}{
		{"Point", `{"type":"Point","coordinates":[1.5,-2]}`, orb.Point{1.5, -2}},
		{"Point with Z", `{"type":"Point","coordinates":[1,2,300]}`, orb.Point{1, 2}},
		{"MultiPoint", `{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}`, orb.MultiPoint{{1, 2}, {3, 4}}},
		{"empty MultiPoint", `{"type":"MultiPoint","coordinates":[]}`, orb.MultiPoint(nil)},
		{"LineString", `{"type":"LineString","coordinates":[[1,2],[3,4],[5,6]]}`, orb.LineString{{1, 2}, {3, 4}, {5, 6}}},
		{"MultiLineString", `{"type":"MultiLineString","coordinates":[[[1,2],[3,4]],[[5,6],[7,8]]]}`, orb.MultiLineString{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}}},
		{"Polygon with hole", `{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[2,2],[3,2],[3,3],[2,2]]]}`,
			orb.Polygon{{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}, {{2, 2}, {3, 2}, {3, 3}, {2, 2}}}},
		{"unclosed ring is closed", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}`, orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}},
		{"MultiPolygon", `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}`,
			orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}, {{{5, 5}, {6, 5}, {6, 6}, {5, 5}}}}},
		{"GeometryCollection", `{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},{"type":"GeometryCollection","geometries":[{"type":"LineString","coordinates":[[0,0],[1,1]]}]}]}`,
			orb.Collection{orb.Point{1, 2}, orb.Collection{orb.LineString{{0, 0}, {1, 1}}}}},
		{"spaces and exponents", `{"type":"Point","coordinates":[ 1e2 , -2.5E-1 ]}`, orb.Point{100, -0.25}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, _, err := readAll(t, `{"type":"Feature","geometry":`+tt.raw+`,"properties":{}}`)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(fs[0].Geometry, tt.want) {
				t.Errorf("geometry %#v, want %#v", fs[0].Geometry, tt.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	feat := func(geom string) string {
		return `{"type":"Feature","geometry":` + geom + `,"properties":{}}`
	}
	coll := func(fs ...string) string {
		return `{"type":"FeatureCollection","features":[` + strings.Join(fs, ",") + `]}`
	}
	tests := []struct {
		name   string
		text   string
		record int64
		reason string
		sticky bool // the stream cannot go on after it
	}{
		{"bad JSON in the third feature", coll(featureA, featureB, `{"type":"Feature",,}`), 3, "invalid JSON at byte", true},
		{"truncated", coll(featureA, featureB)[:len(coll(featureA))+20], 2, "truncated JSON at byte", true},
		{"truncated lone feature", featureA[:30], 1, "truncated JSON at byte", true},
		{"not an object", `[1,2]`, 1, "expected a GeoJSON object", true},
		{"features not an array", `{"type":"FeatureCollection","features":{}}`, 1, `"features" is not an array`, true},
		{"collection without features", `{"type":"FeatureCollection"}`, 0, `no "features"`, false},
		{"unknown geometry type", coll(featureA, feat(`{"type":"Circle","coordinates":[1,2]}`)), 2, `unknown geometry type "Circle"`, false},
		{"geometry without type", coll(feat(`{"coordinates":[1,2]}`)), 1, "geometry has no type", false},
		{"missing coordinates", coll(feat(`{"type":"Point"}`)), 1, "Point has no coordinates", false},
		{"one-number position", coll(feat(`{"type":"Point","coordinates":[1]}`)), 1, "at least two numbers", false},
		{"string in position", coll(feat(`{"type":"Point","coordinates":[1,"2"]}`)), 1, "Point", false},
		{"too deep coordinates", coll(feat(`{"type":"Point","coordinates":[[1,2]]}`)), 1, "nested arrays", false},
		{"non-finite", coll(feat(`{"type":"Point","coordinates":[1e400,2]}`)), 1, "not a finite number", false},
		{"one-position line", coll(feat(`{"type":"LineString","coordinates":[[1,2]]}`)), 1, "at least 2 positions", false},
		{"short ring", coll(featureB, feat(`{"type":"Polygon","coordinates":[[[0,0],[1,1],[0,0]]]}`)), 2, "ring 1 has 3 positions", false},
		{"short ring in multipolygon", coll(feat(`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[0,0],[1,1]]]]}`)), 1, "polygon 2: ring 1", false},
		{"null in collection", coll(feat(`{"type":"GeometryCollection","geometries":[null]}`)), 1, "member 1 is null", false},
		{"deep collections", coll(feat(strings.Repeat(`{"type":"GeometryCollection","geometries":[`, 20) + pointA + strings.Repeat(`]}`, 20))), 1, "nested deeper", false},
		{"id object", coll(`{"type":"Feature","id":{"a":1},"geometry":null,"properties":{}}`), 1, "id must be a string or a number", false},
		{"properties array", coll(`{"type":"Feature","geometry":null,"properties":[1]}`), 1, "properties must be an object", false},
		{"not a Feature", coll(`{"type":"Point","coordinates":[1,2]}`), 1, `not a Feature: type "Point"`, false},
		{"no type", coll(`{"geometry":null}`), 1, `no "type"`, false},
		{"type is a number", coll(`{"type":5,"geometry":null}`), 1, `"type" is a JSON number`, false},
		{"geometries not an array", coll(feat(`{"type":"GeometryCollection","geometries":5}`)), 1, `member "geometry.geometries" is a JSON number`, false},
		{"lone geometry with bad member", `{"type":"GeometryCollection","geometries":{}}`, 1, `member "geometries" is a JSON object`, false},
		{"lone feature with bad geometry", `{"type":"Feature","geometry":{"type":7},"properties":{}}`, 1, `geometry: member "type" is a JSON number`, false},
		{"bad sequence record", featureA + "\n" + featureB + "\n{\"type\":\n", 3, "JSON", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := geojson.NewReader("in.geojson", strings.NewReader(tt.text))
			var err error
			for err == nil {
				_, err = r.Read()
			}
			if err == io.EOF {
				t.Fatal("no error")
			}
			fe, ok := feature.AsError(err)
			if !ok {
				t.Fatalf("%v is not a *feature.Error", err)
			}
			if fe.File != "in.geojson" || fe.Record != tt.record || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q (record %d), want record %d and %q", err, fe.Record, tt.record, tt.reason)
			}
			_, next := r.Read()
			if tt.sticky && (next == nil || next.Error() != err.Error()) {
				t.Errorf("after a JSON error Read gave %v", next)
			}
			if !tt.sticky && next != io.EOF {
				t.Errorf("after a bad feature Read gave %v, want the stream to go on to EOF", next)
			}
		})
	}
}

// TestSkipBadFeature checks that the reader goes on after a bad feature.
func TestSkipBadFeature(t *testing.T) {
	text := `{"type":"FeatureCollection","features":[` + featureA + `,{"type":"Feature","geometry":{"type":"Point","coordinates":[1]},"properties":{}},` + featureB + `]}`
	r := geojson.NewReader("in.geojson", strings.NewReader(text))
	var rows []int64
	var errs int
	for {
		f, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			errs++
			continue
		}
		rows = append(rows, f.Row)
	}
	if errs != 1 || !reflect.DeepEqual(rows, []int64{1, 3}) {
		t.Errorf("rows %v errors %d, want [1 3] and 1", rows, errs)
	}

	// A collection without features is reported without taking a row; a
	// JSON error after the last good feature stops the stream.
	r = geojson.NewReader("in.geojson", strings.NewReader(`{"type":"FeatureCollection"}`+"\n"+featureA+"\n"+`{"type":"Feature"}`+"\n"+`[`))
	rows = nil
	var records []int64
	for i := 0; i < 10; i++ {
		f, err := r.Read()
		if err == io.EOF {
			t.Fatal("EOF after a JSON error")
		}
		if err != nil {
			fe, _ := feature.AsError(err)
			records = append(records, fe.Record)
			if len(records) > 1 && records[len(records)-1] == records[len(records)-2] {
				break
			}
			continue
		}
		rows = append(rows, f.Row)
	}
	if !reflect.DeepEqual(rows, []int64{1, 2}) || !reflect.DeepEqual(records, []int64{0, 3, 3}) {
		t.Errorf("rows %v error records %v, want [1 2] and [0 3 3]", rows, records)
	}
}

// TestSlowReaders feeds the text a byte at a time, as a pipe or network
// may: the byte order mark and RS handling must not depend on read sizes.
func TestSlowReaders(t *testing.T) {
	text := "\uFEFF\x1e" + featureA + "\n\x1e" + featureB + "\n"
	for name, wrap := range map[string]func(io.Reader) io.Reader{
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
	} {
		t.Run(name, func(t *testing.T) {
			r := geojson.NewReader("in.geojsons", wrap(strings.NewReader(text)))
			var ids []any
			for {
				f, err := r.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, f.ID)
			}
			if !reflect.DeepEqual(ids, []any{int64(1), "b"}) {
				t.Errorf("ids %v", ids)
			}
		})
	}
}
