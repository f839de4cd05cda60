package index_test

import (
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/index"
)

// sliceReader streams a fixed list of features.
type sliceReader struct {
	fs []*feature.Feature
	i  int
}

func (r *sliceReader) Read() (*feature.Feature, error) {
	if r.i == len(r.fs) {
		return nil, io.EOF
	}
	r.i++
	return r.fs[r.i-1], nil
}
func (r *sliceReader) Close() error { return nil }

func seed(t testing.TB) uint64 {
	s := uint64(1)
	if v := os.Getenv("SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("SEED=%q: %v", v, err)
		}
		s = n
	}
	t.Logf("SEED=%d", s)
	return s
}

// round rounds coordinates to 1e-9 degrees (0.1 mm).
func round(g orb.Geometry) orb.Geometry {
	if g == nil {
		return nil
	}
	return orb.Round(orb.Clone(g), 1e9)
}

func square(x, y, d float64) orb.Polygon {
	return orb.Polygon{{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}}
}

func TestRoundTrip(t *testing.T) {
	info := feature.LayerInfo{Name: "plan", Schema: feature.Schema{Fields: []feature.Field{
		{Name: "ma_dat", Type: feature.String}, {Name: "dien_tich", Type: feature.Float}, {Name: "so_thua", Type: feature.Int},
	}}}
	tests := []struct {
		name string
		f    feature.Feature
	}{
		{"point", feature.Feature{Row: 1, Geometry: orb.Point{104, 21}, Properties: feature.Properties{"ma_dat": "ODT"}}},
		{"multipoint", feature.Feature{Row: 2, Geometry: orb.MultiPoint{{104, 21}, {104.1, 21.1}}}},
		{"linestring", feature.Feature{Row: 3, ID: int64(77), Geometry: orb.LineString{{104, 21}, {104.1, 21.1}, {104.2, 21}}}},
		{"multilinestring", feature.Feature{Row: 4, Geometry: orb.MultiLineString{{{104, 21}, {104.1, 21.1}}, {{103, 20}, {103.5, 20.5}}}}},
		{"polygon with hole", feature.Feature{Row: 5, Geometry: orb.Polygon{
			{{104, 21}, {105, 21}, {105, 22}, {104, 22}, {104, 21}},
			{{104.2, 21.2}, {104.2, 21.4}, {104.4, 21.4}, {104.2, 21.2}}},
			Properties: feature.Properties{"ma_dat": "LUC", "dien_tich": 12.5, "so_thua": int64(3)}}},
		{"multipolygon", feature.Feature{Row: 6, Geometry: orb.MultiPolygon{square(104, 21, 0.1), square(104.5, 21.5, 0.2)},
			Properties: feature.Properties{"ma_dat": "ODT", "extra": true, "nested": json.RawMessage(`{"a":1}`)}}},
		{"null shape", feature.Feature{Row: 7, Properties: feature.Properties{"ma_dat": nil}}},
	}
	b := index.NewBuilder(info)
	for _, tt := range tests {
		f := tt.f
		if err := b.Add(&f); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
	}
	l := b.Layer()
	if l.Len() != len(tests) {
		t.Fatalf("Len = %d, want %d", l.Len(), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Coordinates come back from Web Mercator: equal to 1e-9 degrees.
			if g := l.Geometry(i); !reflect.DeepEqual(round(g), round(tt.f.Geometry)) {
				t.Errorf("Geometry = %v, want %v", g, tt.f.Geometry)
			}
			want := feature.Properties{}
			for k, v := range tt.f.Properties {
				if v != nil {
					want[k] = v
				}
			}
			if p := l.Properties(i); !reflect.DeepEqual(p, want) {
				t.Errorf("Properties = %v, want %v", p, want)
			}
			// Only one feature has a source id: the layer uses rows.
			if id := l.ID(i); id != uint64(tt.f.Row) {
				t.Errorf("ID = %d, want the row %d", id, tt.f.Row)
			}
			if g, w := l.Geometry(i), tt.f.Geometry; g != nil && !orb.Equal(g, w) {
				t.Errorf("Geometry = %v, want exactly %v", g, w)
			}
		})
	}
	if got := l.Schema().Index("nested"); got < 0 || l.Schema().Fields[got].Type != feature.JSON {
		t.Errorf("schema lacks the extra JSON field: %+v", l.Schema())
	}
	if b := l.Bounds(); b != (orb.Bound{Min: orb.Point{103, 20}, Max: orb.Point{105, 22}}) {
		t.Errorf("Bounds = %v", b)
	}
	if m := l.MemoryPerFeature(); m < 50 || m > 2000 {
		t.Errorf("MemoryPerFeature = %.0f, out of any plausible range", m)
	}
}

func TestBadGeometry(t *testing.T) {
	b := index.NewBuilder(feature.LayerInfo{Name: "x"})
	if err := b.Add(&feature.Feature{Row: 1, Geometry: square(104, 21, 1)}); err != nil {
		t.Fatal(err)
	}
	for _, g := range []orb.Geometry{orb.Collection{orb.Point{1, 2}}, orb.Polygon{{{500000, 2300000}, {1, 1}, {2, 2}}}} {
		if err := b.Add(&feature.Feature{Row: 2, Geometry: g}); err == nil {
			t.Errorf("Add(%T) succeeded", g)
		}
	}
	if err := b.Add(&feature.Feature{Row: 3, Geometry: square(105, 22, 1)}); err != nil {
		t.Fatal(err)
	}
	l := b.Layer()
	if l.Len() != 2 || !reflect.DeepEqual(round(l.Geometry(1)), round(square(105, 22, 1))) {
		t.Errorf("a rejected feature left traces: len %d, %v", l.Len(), l.Geometry(1))
	}
}

func randomLayer(t testing.TB, n int, rng *rand.Rand) (*index.Layer, []orb.Bound) {
	var fs []*feature.Feature
	var bounds []orb.Bound
	for i := range n {
		x, y := 103+2*rng.Float64(), 20.5+1.5*rng.Float64()
		p := square(x, y, 0.0005+0.002*rng.Float64())
		fs = append(fs, &feature.Feature{Row: int64(i + 1), Geometry: p, Properties: feature.Properties{"code": []string{"ODT", "LUC", "RSX"}[i%3]}})
		bounds = append(bounds, p.Bound())
	}
	l, err := index.Build(feature.LayerInfo{Name: "random"}, &sliceReader{fs: fs})
	if err != nil {
		t.Fatal(err)
	}
	return l, bounds
}

func TestSearchMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 0))
	l, bounds := randomLayer(t, 5000, rng)
	for q := range 200 {
		x, y := 103+2*rng.Float64(), 20.5+1.5*rng.Float64()
		d := 0.05 * rng.Float64()
		b := orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + d, y + d}}
		var got, want []int
		l.Search(b, func(i int) bool { got = append(got, i); return true })
		for i, fb := range bounds {
			if fb.Intersects(b) {
				want = append(want, i)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("query %d %v: got %d features, want %d", q, b, len(got), len(want))
		}
	}
}

func TestPointIn(t *testing.T) {
	b := index.NewBuilder(feature.LayerInfo{Name: "x"})
	fs := []orb.Geometry{
		orb.Polygon{{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}, {{4, 4}, {6, 4}, {6, 6}, {4, 6}, {4, 4}}},
		square(5, 5, 10),
		orb.LineString{{0, 20}, {20, 20}},
		orb.Point{3, 3},
	}
	for i, g := range fs {
		if err := b.Add(&feature.Feature{Row: int64(i + 1), Geometry: g}); err != nil {
			t.Fatal(err)
		}
	}
	l := b.Layer()
	tests := []struct {
		p    orb.Point
		want []int
	}{
		{orb.Point{1, 1}, []int{0}},
		{orb.Point{5.5, 5.5}, []int{1}}, // in the hole of 0
		{orb.Point{7, 7}, []int{0, 1}},
		{orb.Point{10, 20.0005}, []int{2}},
		{orb.Point{3.0005, 3}, []int{0, 3}},
		{orb.Point{50, 50}, nil},
	}
	for _, tt := range tests {
		var got []int
		l.PointIn(tt.p, 0.001, func(i int) bool { got = append(got, i); return true })
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("PointIn(%v) = %v, want %v", tt.p, got, tt.want)
		}
	}
}

// TestSetSwapWhileReading runs readers against a Set while a writer swaps
// versions: run with -race. Every reader must see a whole layer: one whose
// features all carry its version number.
func TestSetSwapWhileReading(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 1))
	versions := make([]*index.Layer, 4)
	for v := range versions {
		b := index.NewBuilder(feature.LayerInfo{Name: "plan"})
		for i := range 200 + v*50 {
			x, y := 103+2*rng.Float64(), 21+rng.Float64()
			if err := b.Add(&feature.Feature{Row: int64(i + 1), Geometry: square(x, y, 0.01), Properties: feature.Properties{"v": int64(v)}}); err != nil {
				t.Fatal(err)
			}
		}
		versions[v] = b.Layer()
	}
	s := index.NewSet()
	s.Swap("plan", versions[0])
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				l := s.Get("plan")
				v := l.Properties(0)["v"]
				n := 0
				l.Search(orb.Bound{Min: orb.Point{103, 21}, Max: orb.Point{105, 22}}, func(i int) bool {
					if l.Properties(i)["v"] != v {
						errs <- "mixed versions"
					}
					n++
					return true
				})
				if n != l.Len() {
					select {
					case errs <- "search missed features":
					default:
					}
				}
			}
		})
	}
	for i := range 200 {
		s.Swap("plan", versions[i%len(versions)])
	}
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	if got := s.Names(); !slices.Equal(got, []string{"plan"}) {
		t.Errorf("Names = %v", got)
	}
	if old := s.Swap("plan", nil); old == nil || s.Get("plan") != nil || len(s.Names()) != 0 {
		t.Error("removing a layer failed")
	}
}

func BenchmarkSearch(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		rng := rand.New(rand.NewPCG(1, 0))
		l, _ := randomLayer(b, n, rng)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			found := 0
			for i := 0; b.Loop(); i++ {
				x := 103 + float64(i%100)*0.02
				l.Search(orb.Bound{Min: orb.Point{x, 21}, Max: orb.Point{x + 0.02, 21.02}}, func(int) bool { found++; return true })
			}
			if found == 0 {
				b.Fatal("no feature found")
			}
			b.ReportMetric(l.MemoryPerFeature(), "B/feature")
		})
	}
}

// TestLonLatPrecision checks the Mercator round trip over Vietnam and
// beyond.
func TestLonLatPrecision(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 2))
	worst := 0.0
	for range 100_000 {
		lon, lat := -180+360*rng.Float64(), -85+170*rng.Float64()
		x, y := index.Mercator(lon, lat)
		lo, la := index.LonLat(x, y)
		worst = max(worst, math.Abs(lo-lon), math.Abs(la-lat))
	}
	if worst > 1e-12 {
		t.Errorf("round trip off by %g degrees", worst)
	}
	t.Logf("worst round trip error %g degrees", worst)
}

// TestColumns checks properties through both column strategies: a
// dictionary for few distinct values, plain entries once a column turns
// out to be nearly unique.
func TestColumns(t *testing.T) {
	const n = 20_000
	info := feature.LayerInfo{Name: "thua_dat", Count: n, Schema: feature.Schema{Fields: []feature.Field{
		{Name: "ma_dat", Type: feature.String}, {Name: "so_thua", Type: feature.Int}}}}
	b := index.NewBuilder(info)
	for i := range n {
		f := &feature.Feature{Row: int64(i + 1), Geometry: orb.Point{104, 21}, Properties: feature.Properties{
			"ma_dat": []string{"ODT", "LUC", "RSX"}[i%3], "so_thua": int64(i / 2)}}
		if err := b.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	l := b.Layer()
	for i := range n {
		p := l.Properties(i)
		if p["ma_dat"] != []string{"ODT", "LUC", "RSX"}[i%3] || p["so_thua"] != int64(i/2) {
			t.Fatalf("feature %d: %v", i, p)
		}
	}
	if d := l.Distinct(0); d != 4 {
		t.Errorf("ma_dat: %d codes, want 4 (nil and 3 values)", d)
	}
	if d := l.Distinct(1); d <= n/2 {
		t.Errorf("so_thua: %d codes; a near-unique column should keep plain entries", d)
	}
	t.Logf("%.0f bytes per feature", l.MemoryPerFeature())
}

// TestMetresPerPixel checks the Web Mercator ground resolution against
// the published figures (156,543.03 m per pixel of a 256-pixel tile at
// zoom 0 on the equator, halving per zoom and with cos latitude).
func TestMetresPerPixel(t *testing.T) {
	for _, tc := range []struct {
		lat, z, size, want float64
	}{
		{0, 0, 256, 156543.03392804097},
		{0, 1, 256, 78271.51696402048},
		{60, 0, 256, 78271.51696402048},
		{0, 0, 1, 40075016.68557849},
		{21.3, 15, 4096, 0.27818636},
	} {
		if got := index.MetresPerPixel(tc.lat, tc.z, tc.size); math.Abs(got-tc.want) > 1e-4*tc.want {
			t.Errorf("MetresPerPixel(%g, %g, %g) = %g, want %g", tc.lat, tc.z, tc.size, got, tc.want)
		}
	}
}
