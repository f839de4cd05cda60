package index

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/feature"
)

// TestPackedColumns checks that columns of strings or of numbers of one
// type are packed (no []any), that mixed ones are not, and that the values
// read back are the ones added, after building and after a round trip
// through the codec.
func TestPackedColumns(t *testing.T) {
	props := []feature.Properties{
		{"ma_o": "CD-001", "dien_tich": 12.5, "so": int64(3), "mix": "a", "j": json.RawMessage(`{"a":1}`)},
		{"ma_o": "", "dien_tich": 1e9, "so": int64(1 << 40), "mix": int64(7)},
		{"dien_tich": -0.25, "so": int64(-5), "mix": true},
		{"ma_o": "Xã Chiềng Đen", "so": int64(3)},
	}
	b := NewBuilder(feature.LayerInfo{Name: "p"})
	for i, p := range props {
		if err := b.Add(&feature.Feature{Row: int64(i + 1), Geometry: orb.Point{104, 21}, Properties: p}); err != nil {
			t.Fatal(err)
		}
	}
	built := b.Layer()
	data, err := built.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	packed := map[string]bool{"ma_o": true, "dien_tich": true, "so": true, "mix": false, "j": false}
	for _, l := range []*Layer{built, decoded} {
		for f, fd := range l.Schema().Fields {
			if got := l.cols[f].dict == nil; got != packed[fd.Name] {
				t.Errorf("field %s: packed %v, want %v", fd.Name, got, packed[fd.Name])
			}
		}
		for i, p := range props {
			if got := l.Properties(i); !reflect.DeepEqual(got, p) {
				t.Errorf("feature %d: %v, want %v", i, got, p)
			}
		}
		f := l.Schema().Index("ma_o")
		code, _ := l.Value(3, f)
		if s, ok := l.DictString(f, code); !ok || s != "Xã Chiềng Đen" {
			t.Errorf("DictString = %q, %v", s, ok)
		}
		if _, ok := l.DictString(f, 0); ok {
			t.Error("DictString of nil is a string")
		}
		if got := l.Columns().Props[f].Dict; len(got) != l.Distinct(f) || got[0] != nil {
			t.Errorf("Columns: dictionary %v", got)
		}
	}
}
