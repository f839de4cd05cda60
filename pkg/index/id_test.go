package index_test

import (
	"encoding/json"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/index"
)

// TestIDPolicy checks the per-layer id policy: source ids are kept only
// when every feature has one, they are distinct and of one usable type;
// otherwise every feature gets its row, so the two never mix.
func TestIDPolicy(t *testing.T) {
	tests := []struct {
		name string
		ids  []any
		kind index.IDKind
		want []any // FeatureID per feature
	}{
		{"strings kept", []any{"QH-001", "QH-002", "QH-010"}, index.IDString, []any{"QH-001", "QH-002", "QH-010"}},
		{"numeric strings stay strings", []any{"12", "7"}, index.IDString, []any{"12", "7"}},
		{"whole numbers kept", []any{int64(10), int64(3), float64(4)}, index.IDNumber, []any{int64(10), int64(3), int64(4)}},
		{"json numbers parsed strictly", []any{json.Number("12"), json.Number("5")}, index.IDNumber, []any{int64(12), int64(5)}},
		{"12abc is not 12", []any{json.Number("12abc"), json.Number("5")}, index.IDRow, []any{int64(1), int64(2)}},
		{"duplicates", []any{"A", "A"}, index.IDRow, []any{int64(1), int64(2)}},
		{"a number equal to another row", []any{int64(2), nil}, index.IDRow, []any{int64(1), int64(2)}},
		{"mixed types", []any{"A", int64(1)}, index.IDRow, []any{int64(1), int64(2)}},
		{"fractions", []any{1.5, 2.0}, index.IDRow, []any{int64(1), int64(2)}},
		{"negative", []any{int64(-1), int64(2)}, index.IDRow, []any{int64(1), int64(2)}},
		{"beyond 2^53", []any{int64(1 << 60), int64(2)}, index.IDRow, []any{int64(1), int64(2)}},
		{"none", []any{nil, nil}, index.IDRow, []any{int64(1), int64(2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := index.NewBuilder(feature.LayerInfo{Name: "x"})
			for i, id := range tt.ids {
				if err := b.Add(&feature.Feature{Row: int64(i + 1), ID: id, Geometry: orb.Point{104, 21}}); err != nil {
					t.Fatal(err)
				}
			}
			l := b.Layer()
			if l.IDKind() != tt.kind {
				t.Fatalf("IDKind = %s, want %s", l.IDKind(), tt.kind)
			}
			for i, w := range tt.want {
				if got := l.FeatureID(i); got != w {
					t.Errorf("FeatureID(%d) = %#v, want %#v", i, got, w)
				}
				j, ok := l.Find(l.FeatureIDText(i))
				if !ok || j != i {
					t.Errorf("Find(%q) = %d, %v; want %d", l.FeatureIDText(i), j, ok, i)
				}
				if tt.kind == index.IDString {
					if l.ID(i) != uint64(i+1) {
						t.Errorf("MVT id of a string-id layer = %d, want the row %d", l.ID(i), i+1)
					}
				}
			}
		})
	}
}

func TestFindRejects(t *testing.T) {
	b := index.NewBuilder(feature.LayerInfo{Name: "x"})
	for i := range 100 {
		if err := b.Add(&feature.Feature{Row: int64(i + 1), ID: int64(1000 + 2*i), Geometry: orb.Point{104, 21}}); err != nil {
			t.Fatal(err)
		}
	}
	l := b.Layer()
	for _, s := range []string{"", "1001", "01000", "+1000", "1000abc", "1e3", "-1000", "99999999999999999999"} {
		if i, ok := l.Find(s); ok {
			t.Errorf("Find(%q) = %d, want not found", s, i)
		}
	}
	if i, ok := l.Find("1198"); !ok || i != 99 {
		t.Errorf("Find(1198) = %d, %v; want 99", i, ok)
	}
}

func TestIntIDStrict(t *testing.T) {
	f := feature.Feature{Row: 9, ID: json.Number("12abc")}
	if got := f.IntID(); got != 9 {
		t.Errorf("IntID of 12abc = %d, want the row 9", got)
	}
}
