package cql2_test

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/ogcapi/cql2"
)

// parcel is a Record: values by schema index and a CRS84 geometry.
type parcel struct {
	vals []any
	geom orb.Geometry
}

func (p parcel) Value(f int) any        { return p.vals[f] }
func (p parcel) Geometry() orb.Geometry { return p.geom }

// Parse a cql2-text filter, bind it to the layer's schema, compile it,
// take the R-tree box, and evaluate it on features.
func Example() {
	s := feature.Schema{Fields: []feature.Field{{Name: "ma_dat", Type: feature.String}, {Name: "dien_tich", Type: feature.Float}}}
	e, err := cql2.ParseText(`ma_dat IN ('ODT', 'ONT') AND dien_tich > 100 AND S_INTERSECTS(geometry, BBOX(103.9, 21.3, 104.0, 21.4))`)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := cql2.Bind(e, cql2.Queryables{Schema: s}); err != nil {
		fmt.Println(err)
		return
	}
	match, err := cql2.Compile(e, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	box, ok := cql2.Bound(e) // search the R-tree with this, then test exactly
	fmt.Println("candidates from", box, ok)

	square := orb.Polygon{{{103.95, 21.35}, {103.96, 21.35}, {103.96, 21.36}, {103.95, 21.36}, {103.95, 21.35}}}
	for _, p := range []parcel{
		{[]any{"ODT", 250.0}, square},
		{[]any{"CLN", 250.0}, square},
		{[]any{"ONT", 80.0}, square},
		{[]any{"ONT", nil}, square}, // a missing area never matches
		{[]any{"ONT", 300.0}, orb.Point{105, 21}},
	} {
		fmt.Println(p.vals, match(p))
	}
	where, _ := cql2.ToSQL(e, "geom")
	fmt.Println(where)
	// Output:
	// candidates from {[103.9 21.3] [104 21.4]} true
	// [ODT 250] true
	// [CLN 250] false
	// [ONT 80] false
	// [ONT <nil>] false
	// [ONT 300] false
	// ("ma_dat" IN ('ODT', 'ONT')) AND ("dien_tich" > 100) AND (ST_Intersects("geom", ST_MakeEnvelope(103.9, 21.3, 104, 21.4, 4326)))
}
