package index_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"regexp"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/sonla-gis/plantile/pkg/geom"
)

// TestAppendFeatureJSON reads every feature written by AppendFeatureJSON
// back with encoding/json and orb/geojson: the id, the geometry (bit for
// bit at full precision; with 9 decimals, each coordinate within 0.5625e-9
// and no more than 9 decimals written) and every property, null included,
// must be those of the layer, for every kind of geometry and value.
func TestAppendFeatureJSON(t *testing.T) {
	for _, tc := range []struct {
		strIDs   bool
		decimals int
	}{{false, -1}, {true, -1}, {false, 9}, {true, 9}} {
		strIDs, decimals := tc.strIDs, tc.decimals
		rng := rand.New(rand.NewPCG(seed(t), 9))
		l := mixedLayer(t, 700, strIDs, rng)
		var b []byte
		for i := range l.Len() {
			b = l.AppendFeatureJSON(b[:0], i, decimals)
			var raw struct {
				Type       string                     `json:"type"`
				ID         any                        `json:"id"`
				Geometry   json.RawMessage            `json:"geometry"`
				Properties map[string]json.RawMessage `json:"properties"`
			}
			if err := json.Unmarshal(b, &raw); err != nil {
				t.Fatalf("feature %d: %v\n%s", i, err, b)
			}
			wantID := l.FeatureID(i)
			if n, ok := wantID.(int64); ok {
				wantID = float64(n) // encoding/json reads numbers as float64
			}
			if raw.Type != "Feature" || raw.ID != wantID {
				t.Fatalf("feature %d: type %q id %v, want Feature %v", i, raw.Type, raw.ID, wantID)
			}
			want := l.Geometry(i)
			if want == nil {
				if string(raw.Geometry) != "null" {
					t.Fatalf("feature %d: geometry %s, want null", i, raw.Geometry)
				}
			} else {
				g, err := geojson.UnmarshalGeometry(raw.Geometry)
				if err != nil {
					t.Fatalf("feature %d: %v\n%s", i, err, raw.Geometry)
				}
				if decimals < 0 && !orb.Equal(g.Geometry(), want) {
					t.Fatalf("feature %d: geometry %s, want %v", i, raw.Geometry, want)
				}
				if decimals >= 0 {
					got, exact := geom.AppendCoords(nil, g.Geometry()), geom.AppendCoords(nil, want)
					if g.Geometry().GeoJSONType() != want.GeoJSONType() || len(got) != len(exact) {
						t.Fatalf("feature %d: geometry %s, want %v", i, raw.Geometry, want)
					}
					for k := range got {
						if math.Abs(got[k]-exact[k]) > 0.5625e-9*(1+1e-6) {
							t.Fatalf("feature %d: coordinate %d is %v, want %v within 0.5625e-9", i, k, got[k], exact[k])
						}
					}
					if m := tooPrecise.Find(raw.Geometry); m != nil {
						t.Fatalf("feature %d: %s has more than 9 decimals", i, m)
					}
				}
			}
			fields := l.Schema().Fields
			if len(raw.Properties) != len(fields) {
				t.Fatalf("feature %d: %d properties, want %d: %s", i, len(raw.Properties), len(fields), b)
			}
			for f, fd := range fields {
				_, v := l.Value(i, f)
				wantJSON, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				var got, want any
				if err := json.Unmarshal(raw.Properties[fd.Name], &got); err != nil {
					t.Fatalf("feature %d %s: %v", i, fd.Name, err)
				}
				if err := json.Unmarshal(wantJSON, &want); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("feature %d %s: %s, want %s", i, fd.Name, raw.Properties[fd.Name], wantJSON)
				}
			}
		}
	}
}

// tooPrecise finds a number with more than 9 digits after its point.
var tooPrecise = regexp.MustCompile(`[0-9]\.[0-9]{10,}`)

// BenchmarkAppendFeatureJSON writes a mixed layer's features as GeoJSON,
// against its peer orb/geojson through encoding/json (what the server did
// before).
func BenchmarkAppendFeatureJSON(b *testing.B) {
	l := mixedLayer(b, 1000, false, rand.New(rand.NewPCG(1, 9)))
	b.Run("AppendFeatureJSON", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for k := 0; b.Loop(); k++ {
			buf = l.AppendFeatureJSON(buf[:0], k%l.Len(), -1)
		}
	})
	b.Run("orb-geojson", func(b *testing.B) {
		b.ReportAllocs()
		for k := 0; b.Loop(); k++ {
			i := k % l.Len()
			f := geojson.NewFeature(l.Geometry(i))
			f.ID = l.FeatureID(i)
			f.Properties = geojson.Properties(l.Properties(i))
			if _, err := json.Marshal(f); err != nil {
				b.Fatal(err)
			}
		}
	})
}
