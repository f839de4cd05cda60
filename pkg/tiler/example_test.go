package tiler_test

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/tiler"
)

// Build one tile of a one-parcel layer and decode it.
func Example() {
	b := index.NewBuilder(feature.LayerInfo{Name: "thua_dat"})
	b.Add(&feature.Feature{Row: 7, Geometry: orb.Polygon{{{103.9, 21.3}, {103.9001, 21.3}, {103.9001, 21.3001}, {103.9, 21.3001}, {103.9, 21.3}}},
		Properties: feature.Properties{"ma_dat": "ODT"}})
	t := tiler.Must(tiler.New([]tiler.Layer{{Name: "thua_dat", Data: b.Layer(), MinZoom: 14, MaxZoom: 16}}, tiler.Options{}))

	tile := maptile.At(orb.Point{103.90005, 21.30005}, 16)
	out := t.Build(16, int(tile.X), int(tile.Y))
	layers, _ := mvt.UnmarshalGzipped(out.Data)
	f := layers[0].Features[0]
	fmt.Println(layers[0].Name, f.ID, f.Properties["ma_dat"], len(f.Geometry.(orb.Polygon)[0]))
	// Output: thua_dat 7 ODT 5
}
