package geojson_test

import (
	"encoding/json"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/source/geojson"
)

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "Đất ở tại đô thị", "a\"b\\c", "tab\tnl\ncr\r", "\x00\x1f", "bad \xff utf8", "😀 ắ"} {
		b := geojson.AppendString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Errorf("%q: %s is not JSON: %v", s, b, err)
			continue
		}
		want := strings.ToValidUTF8(s, "\ufffd")
		if got != want {
			t.Errorf("%q: read back %q", s, got)
		}
	}
}

// TestEncodeRoundTrip encodes features of every geometry type and value
// type and reads them back with this package's reader.
func TestEncodeRoundTrip(t *testing.T) {
	schema := feature.Schema{Fields: []feature.Field{{Name: "ten", Type: feature.String}, {Name: "n", Type: feature.Int}}}
	ring := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 0}}
	in := []*feature.Feature{
		{ID: int64(7), Geometry: orb.Point{103.9188, 21.3256}, Properties: feature.Properties{"ten": "Thành phố Sơn La", "n": int64(1), "x": math.Pi}},
		{ID: "a-1", Geometry: orb.MultiPoint{{1, 2}, {3, 4}}, Properties: feature.Properties{"ten": nil, "b": true}},
		{Geometry: orb.LineString{{1, 2}, {3, 4}}, Properties: feature.Properties{"j": json.RawMessage(`{"k":[1,2]}`)}},
		{Geometry: orb.MultiLineString{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}}, Properties: feature.Properties{}},
		{Geometry: orb.Polygon{ring}, Properties: feature.Properties{"f": -1e-300}},
		{Geometry: orb.MultiPolygon{{ring}, {ring}}, Properties: feature.Properties{}},
		{Geometry: nil, Properties: feature.Properties{"n": int64(math.MaxInt64)}},
	}
	enc := geojson.NewEncoder(schema)
	var b []byte
	for _, f := range in {
		b = enc.AppendFeature(b, f)
		b = append(b, '\n')
	}
	r := geojson.NewReader("t.geojsonl", strings.NewReader(string(b)))
	defer r.Close()
	for i, want := range in {
		got, err := r.Read()
		if err != nil {
			t.Fatalf("feature %d: %v\n%s", i+1, err, b)
		}
		if !orb.Equal(orbOrNil(got.Geometry), orbOrNil(want.Geometry)) {
			t.Errorf("feature %d: geometry %v, want %v", i+1, got.Geometry, want.Geometry)
		}
		if got.ID != want.ID {
			t.Errorf("feature %d: id %#v, want %#v", i+1, got.ID, want.ID)
		}
		for k, v := range want.Properties {
			gv := got.Properties[k]
			if raw, ok := v.(json.RawMessage); ok {
				if string(gv.(json.RawMessage)) != string(raw) {
					t.Errorf("feature %d: %s = %s, want %s", i+1, k, gv, raw)
				}
				continue
			}
			if gv != v {
				t.Errorf("feature %d: %s = %#v, want %#v", i+1, k, gv, v)
			}
		}
	}
	if _, err := r.Read(); err != io.EOF {
		t.Errorf("after the last feature: %v, want EOF", err)
	}
	// Schema order first, then the rest sorted.
	if first := strings.SplitN(string(b), "\n", 2)[0]; !strings.Contains(first, `"properties":{"ten":"Thành phố Sơn La","n":1,"x":3.141592653589793}`) {
		t.Errorf("property order or text: %s", first)
	}
}

func orbOrNil(g orb.Geometry) orb.Geometry {
	if g == nil {
		return orb.Collection{}
	}
	return g
}
