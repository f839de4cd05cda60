package ogcapi_test

import (
	"testing"

	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/ogcapi"
	"github.com/sonla-gis/plantile/pkg/ogcapi/cql2"
)

// pkg/index's layer is an IndexLayer.
var _ ogcapi.IndexLayer = (*index.Layer)(nil)

// fakeLayer is an index layer of squares whose geometry calls are
// counted.
type fakeLayer struct {
	codes     [][]uint32
	dict      []any
	squares   []orb.Bound
	geomCalls int
}

func (l *fakeLayer) Value(i, f int) (uint32, any) {
	c := l.codes[i][f]
	return c, l.dict[c]
}

func (l *fakeLayer) Geometry(i int) orb.Geometry {
	l.geomCalls++
	return l.squares[i].ToPolygon()
}

func (l *fakeLayer) FeatureBound(i int) orb.Bound { return l.squares[i] }

type fakeDict struct{ l *fakeLayer }

func (d fakeDict) Lookup(f int, v any) (uint32, bool, bool) {
	for c, x := range d.l.dict {
		if c > 0 && x == v {
			return uint32(c), true, true
		}
	}
	return 0, false, true
}

func TestIndexRecord(t *testing.T) {
	l := &fakeLayer{
		codes: [][]uint32{{1}, {2}, {0}, {1}},
		dict:  []any{nil, "ODT", "ONT"},
		squares: []orb.Bound{
			{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}},
			{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}},
			{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}},
			{Min: orb.Point{5, 5}, Max: orb.Point{6, 6}},
		},
	}
	e, err := cql2.ParseText(`ma_dat = 'ODT' AND S_INTERSECTS(geometry, POINT(0.5 0.5))`)
	if err != nil {
		t.Fatal(err)
	}
	if err := cql2.Bind(e, cql2.Queryables{Schema: schema}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []cql2.Dictionary{nil, fakeDict{l}} {
		pred, err := cql2.Compile(e, d)
		if err != nil {
			t.Fatal(err)
		}
		l.geomCalls = 0
		r := &ogcapi.IndexRecord{Layer: l}
		var got []int
		for r.I = 0; r.I < len(l.codes); r.I++ {
			if pred(r) {
				got = append(got, r.I)
			}
		}
		if len(got) != 1 || got[0] != 0 {
			t.Errorf("dictionary %v: matched %v, want [0]", d != nil, got)
		}
		// Feature 3's box misses the point: its geometry is never built.
		// Feature 1 fails on ma_dat first; feature 2's null ma_dat is
		// unknown, and unknown AND false is false, so its geometry is
		// tested.
		if l.geomCalls != 2 {
			t.Errorf("dictionary %v: %d geometries built, want 2", d != nil, l.geomCalls)
		}
	}
	// Attribute filters on a reused IndexRecord allocate nothing.
	e2, _ := cql2.ParseText(`ma_dat IN ('ODT', 'X') OR ma_dat = 'ONT'`)
	if err := cql2.Bind(e2, cql2.Queryables{Schema: schema}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []cql2.Dictionary{nil, fakeDict{l}} {
		pred, _ := cql2.Compile(e2, d)
		r := &ogcapi.IndexRecord{Layer: l}
		n := 0
		allocs := testing.AllocsPerRun(100, func() {
			for r.I = 0; r.I < len(l.codes); r.I++ {
				if pred(r) {
					n++
				}
			}
		})
		if allocs != 0 {
			t.Errorf("dictionary %v: %v allocations per scan", d != nil, allocs)
		}
		if n != 101*3 {
			t.Errorf("dictionary %v: %d matches in 101 scans, want 3 each", d != nil, n)
		}
	}
}
