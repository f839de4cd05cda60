package index_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/index"
)

// mixedLayer builds n features cycling through every kind and property
// type, with string ids when strIDs is set.
func mixedLayer(t testing.TB, n int, strIDs bool, rng *rand.Rand) *index.Layer {
	t.Helper()
	info := feature.LayerInfo{Name: "mixed", Source: "mixed.geojson", GeometryType: "Geometry", Count: int64(n),
		Schema: feature.Schema{Fields: []feature.Field{{Name: "ma_dat", Type: feature.String}, {Name: "n", Type: feature.Int, Width: 9}}}}
	b := index.NewBuilder(info)
	for i := range n {
		x, y := 103+2*rng.Float64(), 20.5+1.5*rng.Float64()
		var g orb.Geometry
		switch i % 7 {
		case 0:
			g = orb.Point{x, y}
		case 1:
			g = orb.MultiPoint{{x, y}, {x + 0.001, y}}
		case 2:
			g = orb.LineString{{x, y}, {x + 0.01, y + 0.003}, {x + 0.02, y}}
		case 3:
			g = orb.MultiLineString{{{x, y}, {x + 0.01, y}}, {{x, y + 0.01}, {x + 0.01, y + 0.02}}}
		case 4:
			g = orb.Polygon{square(x, y, 0.01)[0], {{x + 0.002, y + 0.002}, {x + 0.004, y + 0.002}, {x + 0.004, y + 0.004}, {x + 0.002, y + 0.002}}}
		case 5:
			g = orb.MultiPolygon{square(x, y, 0.003), square(x+0.01, y, 0.002)}
		}
		f := &feature.Feature{Row: int64(i + 1), Geometry: g, Properties: feature.Properties{
			"ma_dat": []any{"ODT", "LUC", nil, "Đất ở"}[i%4],
			"n":      int64(i * 3),
			"f":      rng.Float64(),
			"b":      i%2 == 0,
			"j":      json.RawMessage(fmt.Sprintf(`{"k":%d}`, i%5)),
			"e":      "",
		}}
		if strIDs {
			f.ID = fmt.Sprintf("QH-%04d", n-i)
		}
		if err := b.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	return b.Layer()
}

// sameLayer checks that b answers every question as a does.
func sameLayer(t *testing.T, a, b *index.Layer) {
	t.Helper()
	if a.Len() != b.Len() || a.IDKind() != b.IDKind() || a.Bounds() != b.Bounds() {
		t.Fatalf("Len/IDKind/Bounds = %d %s %v, want %d %s %v", b.Len(), b.IDKind(), b.Bounds(), a.Len(), a.IDKind(), a.Bounds())
	}
	if !reflect.DeepEqual(a.Info(), b.Info()) {
		t.Errorf("Info = %+v, want %+v", b.Info(), a.Info())
	}
	if !reflect.DeepEqual(a.Schema(), b.Schema()) {
		t.Errorf("Schema = %+v, want %+v", b.Schema(), a.Schema())
	}
	for f := range a.Schema().Fields {
		if a.Coded(f) != b.Coded(f) || a.Distinct(f) != b.Distinct(f) {
			t.Errorf("field %d: coded %v distinct %d, want %v %d", f, b.Coded(f), b.Distinct(f), a.Coded(f), a.Distinct(f))
		}
	}
	for i := range a.Len() {
		if a.FeatureID(i) != b.FeatureID(i) || a.ID(i) != b.ID(i) || a.Kind(i) != b.Kind(i) {
			t.Fatalf("feature %d: id %v/%d kind %d, want %v/%d %d", i, b.FeatureID(i), b.ID(i), b.Kind(i), a.FeatureID(i), a.ID(i), a.Kind(i))
		}
		if ga, gb := a.Geometry(i), b.Geometry(i); !reflect.DeepEqual(ga, gb) {
			t.Fatalf("feature %d: geometry %v, want exactly %v", i, gb, ga)
		}
		if !reflect.DeepEqual(a.Properties(i), b.Properties(i)) {
			t.Fatalf("feature %d: properties %v, want %v", i, b.Properties(i), a.Properties(i))
		}
		if j, ok := b.Find(a.FeatureIDText(i)); !ok || j != i {
			t.Fatalf("Find(%s) = %d, %v", a.FeatureIDText(i), j, ok)
		}
	}
	q := a.Bounds()
	q.Max = orb.Point{(q.Min[0] + q.Max[0]) / 2, (q.Min[1] + q.Max[1]) / 2}
	var ra, rb []int
	a.Search(q, func(i int) bool { ra = append(ra, i); return true })
	b.Search(q, func(i int) bool { rb = append(rb, i); return true })
	slices.Sort(ra)
	slices.Sort(rb)
	if !slices.Equal(ra, rb) {
		t.Errorf("Search: %d features, want %d", len(rb), len(ra))
	}
}

func TestEncodeDecode(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 3))
	for _, n := range []int{0, 1, 2, 17, 300, 5000} {
		for _, str := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d/strings=%v", n, str), func(t *testing.T) {
				l := mixedLayer(t, n, str, rng)
				b, err := l.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				got, err := index.Decode(b)
				if err != nil {
					t.Fatal(err)
				}
				sameLayer(t, l, got)
				// The decoded layer serves the tiler too.
				for i := range got.Len() {
					if !reflect.DeepEqual(got.Mercator(i), l.Mercator(i)) {
						t.Fatalf("feature %d: Mercator differs", i)
					}
				}
			})
		}
	}
}

// TestDecodeDamaged cuts and flips an encoded layer everywhere: every
// result is an error or a valid layer, never a panic.
func TestDecodeDamaged(t *testing.T) {
	rng := rand.New(rand.NewPCG(seed(t), 4))
	b, err := mixedLayer(t, 40, true, rng).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for k := range len(b) {
		if _, err := index.Decode(b[:k]); err == nil {
			t.Fatalf("Decode of %d of %d bytes succeeded", k, len(b))
		} else if !errors.Is(err, index.ErrFormat) && !errors.Is(err, index.ErrColumns) {
			t.Fatalf("Decode of %d bytes: %v, want ErrFormat or ErrColumns", k, err)
		}
	}
	for range 5000 {
		c := slices.Clone(b)
		c[rng.IntN(len(c))] ^= byte(1 + rng.IntN(255))
		if l, err := index.Decode(c); err == nil {
			exercise(l)
		}
	}
	if _, err := index.Decode(append(slices.Clone(b), 0)); err == nil {
		t.Error("trailing byte accepted")
	}
	v := slices.Clone(b)
	v[4] = 2
	if _, err := index.Decode(v); err == nil {
		t.Error("format version 2 accepted")
	}
}

// exercise calls every accessor of every feature.
func exercise(l *index.Layer) {
	for i := range l.Len() {
		l.Geometry(i)
		l.Mercator(i)
		l.Properties(i)
		l.FeatureBound(i)
		l.MercatorBound(i)
		l.Find(l.FeatureIDText(i))
		l.Parts(i, func(int, []float64) {})
		for f := range l.Schema().Fields {
			l.Value(i, f)
		}
	}
	l.Search(l.Bounds(), func(int) bool { return true })
	l.PointIn(l.Bounds().Center(), 0.01, func(int) bool { return true })
	l.MemoryPerFeature()
}

func FuzzDecode(f *testing.F) {
	rng := rand.New(rand.NewPCG(1, 5))
	for _, n := range []int{0, 1, 9} {
		b, err := mixedLayer(f, n, n == 9, rng).MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := index.Decode(b)
		if err != nil {
			return
		}
		exercise(l)
		// What decodes re-encodes to the same bytes.
		again, err := l.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		l2, err := index.Decode(again)
		if err != nil {
			t.Fatalf("re-encoded layer does not decode: %v", err)
		}
		if l2.Len() != l.Len() {
			t.Fatalf("Len %d after re-encoding, want %d", l2.Len(), l.Len())
		}
	})
}

// BenchmarkCodec encodes and decodes 100k mixed features: the columnar
// encoding stored with the tiles, written by build and read by the server
// at every load.
func BenchmarkCodec(b *testing.B) {
	l := mixedLayer(b, 100_000, true, rand.New(rand.NewPCG(1, 2)))
	data, err := l.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		buf := make([]byte, 0, len(data))
		for b.Loop() {
			if buf, err = l.AppendBinary(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := index.Decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
