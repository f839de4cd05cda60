package index_test

import (
	"fmt"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/index"
)

// A layer is built once, then read from any number of goroutines; a Set
// hands out the current version of each layer.
func Example() {
	b := index.NewBuilder(feature.LayerInfo{Name: "quy_hoach"})
	b.Add(&feature.Feature{Row: 1, Geometry: square(103.90, 21.32, 0.01), Properties: feature.Properties{"ma_dat": "ODT"}})
	b.Add(&feature.Feature{Row: 2, Geometry: square(103.91, 21.32, 0.01), Properties: feature.Properties{"ma_dat": "LUC"}})
	set := index.NewSet()
	set.Swap("quy_hoach", b.Layer())

	l := set.Get("quy_hoach")
	// What is planned here?
	l.PointIn(orb.Point{103.915, 21.325}, 0, func(i int) bool {
		fmt.Println(l.ID(i), l.Properties(i)["ma_dat"])
		return true
	})
	// Output: 2 LUC
}
