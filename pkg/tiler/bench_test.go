package tiler_test

import (
	"context"
	"testing"

	"github.com/sonla-gis/plantile/pkg/tiler"
)

// BenchmarkRun tiles 100,000 parcels of about 30 m from z10 to z16, the
// benchmark workload of cmd/bench/tile.sh without reading or writing.
func BenchmarkRun(b *testing.B) {
	g := parcelGrid{lon: 103.85, lat: 21.28, nx: 400, ny: 250, cell: 0.0003, jitter: 0.2, seed: 1}
	l := buildLayer(b, "thua_dat", g.features())
	tl, err := tiler.New([]tiler.Layer{{Name: "thua_dat", Data: l, MinZoom: 10, MaxZoom: 16}}, tiler.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var bytes, tiles int64
		if _, err := tl.Run(context.Background(), func(t tiler.Tile) error {
			bytes += int64(len(t.Data))
			tiles++
			return nil
		}, nil); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(tiles), "tiles")
		b.ReportMetric(float64(bytes), "bytes")
	}
}

// BenchmarkTile builds one dense z14 tile of parcels.
func BenchmarkTile(b *testing.B) {
	g := parcelGrid{lon: 103.90, lat: 21.31, nx: 100, ny: 100, cell: 0.0002, jitter: 0.2, seed: 1}
	l := buildLayer(b, "thua_dat", g.features())
	tl, err := tiler.New([]tiler.Layer{{Name: "thua_dat", Data: l, MinZoom: 14, MaxZoom: 16}}, tiler.Options{})
	if err != nil {
		b.Fatal(err)
	}
	cover := tl.Cover(14)
	c := cover[len(cover)/2]
	b.ReportAllocs()
	var t tiler.Tile
	for b.Loop() {
		if t = tl.Build(14, c[0], c[1]); t.Data == nil {
			b.Fatal("empty tile")
		}
	}
	b.ReportMetric(float64(t.Features), "features")
	b.ReportMetric(float64(len(t.Data)), "bytes")
}
