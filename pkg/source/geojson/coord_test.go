package geojson_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/source/geojson"
)

// TestAppendCoord checks AppendCoord against strconv on hand-picked values
// and on random coordinates of every magnitude a CRS gives (degrees,
// metres of VN-2000 and Web Mercator, beyond 2^50 after scaling): the
// text is a JSON number with at most the decimals asked, no trailing
// zeros, within 0.5625 units of its last decimal of v (correctly rounded
// but within 1/16 of a tie), and exact with decimals < 0.
func TestAppendCoord(t *testing.T) {
	for _, tt := range []struct {
		v        float64
		decimals int
		want     string
	}{
		{0, 9, "0"},
		{-0.0, 9, "0"},
		{1, 9, "1"},
		{-1.5, 9, "-1.5"},
		{104.0000000004, 9, "104"},
		{104.0000000006, 9, "104.000000001"},
		{103.9999999996, 9, "104"},
		{-0.0000000004, 9, "0"},
		{21.123456789, 9, "21.123456789"},
		{102.44601581026316, 9, "102.44601581"},
		{20.748988811873595, 9, "20.748988812"},
		{2295019.5934, 3, "2295019.593"},
		{0.1, 0, "0"},
		{2.5, 0, "3"},
		{-2.5, 0, "-3"},
		{20037508.342789244, 9, "20037508.342789244"}, // past 2^50 scaled: strconv's path
		{1e300, 9, strconv.FormatFloat(1e300, 'f', 0, 64)},
		{math.NaN(), 9, "null"},
		{math.Inf(-1), 9, "null"},
		{102.44601581026316, -1, "102.44601581026316"},
		{1.25, 20, "1.25"}, // more than MaxDecimals: MaxDecimals
	} {
		if got := string(geojson.AppendCoord(nil, tt.v, tt.decimals)); got != tt.want {
			t.Errorf("AppendCoord(%v, %d) = %s, want %s", tt.v, tt.decimals, got, tt.want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	scales := []float64{1e-9, 1e-3, 1, 180, 1e6, 2.5e6, 2e7, 1e9}
	for n := 0; n < 200000; n++ {
		v := (rng.Float64()*2 - 1) * scales[n%len(scales)]
		d := rng.IntN(geojson.MaxDecimals + 1)
		b := geojson.AppendCoord([]byte("[7,"), v, d)
		if !strings.HasPrefix(string(b), "[7,") {
			t.Fatalf("AppendCoord(%v, %d) changed what came before: %s", v, d, b)
		}
		s := string(b[3:])
		var got float64
		if err := json.Unmarshal([]byte(s), &got); err != nil {
			t.Fatalf("AppendCoord(%v, %d) = %s: not a JSON number: %v", v, d, s, err)
		}
		if dot := strings.IndexByte(s, '.'); dot >= 0 && (len(s)-dot-1 > d || strings.HasSuffix(s, "0")) {
			t.Fatalf("AppendCoord(%v, %d) = %s: more than %d decimals or a trailing zero", v, d, s, d)
		}
		unit := math.Pow(10, -float64(d))
		// The slack: v's own rounding to a float64 at this magnitude.
		slack := 4 * math.Abs(v) * 0x1p-52
		if diff := math.Abs(got - v); diff > 0.5625*unit+slack {
			t.Fatalf("AppendCoord(%v, %d) = %s: %g away, more than 0.5625e-%d", v, d, s, diff, d)
		}
		if exact := string(geojson.AppendCoord(nil, v, -1)); exact != strconv.FormatFloat(v, 'f', -1, 64) {
			t.Fatalf("AppendCoord(%v, -1) = %s, want %s", v, exact, strconv.FormatFloat(v, 'f', -1, 64))
		}
	}
}

// FuzzAppendCoord: for any float64 and precision, AppendCoord writes a
// JSON number (or null for NaN and infinities) within half a unit (and a
// sixteenth) of its last decimal.
func FuzzAppendCoord(f *testing.F) {
	f.Add(102.44601581026316, 9)
	f.Add(-0.0000000005, 9)
	f.Add(9.5, 0)
	f.Add(1e-320, 15)
	f.Add(-1e308, 3)
	f.Fuzz(func(t *testing.T, v float64, d int) {
		d = d % (geojson.MaxDecimals + 1)
		s := string(geojson.AppendCoord(nil, v, d))
		if math.IsNaN(v) || math.IsInf(v, 0) {
			if s != "null" {
				t.Fatalf("AppendCoord(%v, %d) = %s, want null", v, d, s)
			}
			return
		}
		var got float64
		if err := json.Unmarshal([]byte(s), &got); err != nil {
			t.Fatalf("AppendCoord(%v, %d) = %s: not a JSON number: %v", v, d, s, err)
		}
		if d < 0 {
			if got != v {
				t.Fatalf("AppendCoord(%v, %d) = %s: not exact", v, d, s)
			}
			return
		}
		unit := math.Pow(10, -float64(d))
		if diff := math.Abs(got - v); diff > 0.5625*unit+4*math.Abs(v)*0x1p-52 {
			t.Fatalf("AppendCoord(%v, %d) = %s: %g away", v, d, s, diff)
		}
	})
}

// BenchmarkAppendCoord writes reprojected-looking longitudes with 9
// decimals and at full precision, against strconv's shortest decimal.
func BenchmarkAppendCoord(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	vs := make([]float64, 4096)
	for i := range vs {
		vs[i] = 102 + 3*rng.Float64()
	}
	buf := make([]byte, 0, 64)
	for _, bc := range []struct {
		name string
		fn   func(b []byte, v float64) []byte
	}{
		{"decimals=9", func(b []byte, v float64) []byte { return geojson.AppendCoord(b, v, 9) }},
		{"decimals=-1", func(b []byte, v float64) []byte { return geojson.AppendCoord(b, v, -1) }},
		{"strconv-shortest", func(b []byte, v float64) []byte { return strconv.AppendFloat(b, v, 'f', -1, 64) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				buf = bc.fn(buf[:0], vs[i%len(vs)])
			}
		})
	}
}
