package geojson_test

import (
	"bytes"
	"io"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/source/geojson"
)

// FuzzGeoJSON checks that the reader never panics nor loops, that every
// error is a *feature.Error, and that what it returns is valid: rows
// increase, coordinates are finite, rings are closed with 4 or more
// positions.
func FuzzGeoJSON(f *testing.F) {
	f.Add([]byte(`{"type":"FeatureCollection","features":[` + featureA + `,` + featureB + `]}`))
	f.Add([]byte("\x1e" + featureA + "\n\x1e" + pointA + "\n"))
	f.Add([]byte(`{"type":"Feature","id":{"a":1},"geometry":{"type":"GeometryCollection","geometries":[{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}]},"properties":{"a":[1,{"b":"]"}],"c":"\u0110"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := geojson.NewReader("fuzz.geojson", bytes.NewReader(data))
		defer r.Close()
		var last int64
		var lastErr string
		for i := 0; ; i++ {
			if i > len(data)+1 {
				t.Fatalf("more results (%d) than input bytes", i)
			}
			ft, err := r.Read()
			if err == io.EOF {
				return
			}
			if err != nil {
				if _, ok := feature.AsError(err); !ok {
					t.Fatalf("error %v is not a *feature.Error", err)
				}
				if err.Error() == lastErr {
					return // malformed JSON: the error is sticky
				}
				lastErr = err.Error()
				continue
			}
			if ft.Row <= last {
				t.Fatalf("row %d after %d", ft.Row, last)
			}
			last = ft.Row
			lastErr = ""
			if ft.Geometry != nil {
				checkGeometry(t, ft.Geometry)
			}
		}
	})
}

func checkGeometry(t *testing.T, g orb.Geometry) {
	t.Helper()
	finite := func(ps []orb.Point) {
		for _, p := range ps {
			if math.IsNaN(p[0]) || math.IsInf(p[0], 0) || math.IsNaN(p[1]) || math.IsInf(p[1], 0) {
				t.Fatalf("non-finite point %v", p)
			}
		}
	}
	ring := func(r orb.Ring) {
		if len(r) < 4 || r[0] != r[len(r)-1] {
			t.Fatalf("bad ring %v", r)
		}
		finite(r)
	}
	switch g := g.(type) {
	case orb.Point:
		finite([]orb.Point{g})
	case orb.MultiPoint:
		finite(g)
	case orb.LineString:
		finite(g)
	case orb.MultiLineString:
		for _, l := range g {
			finite(l)
		}
	case orb.Polygon:
		for _, r := range g {
			ring(r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				ring(r)
			}
		}
	case orb.Collection:
		for _, c := range g {
			checkGeometry(t, c)
		}
	default:
		t.Fatalf("unexpected geometry %T", g)
	}
}
