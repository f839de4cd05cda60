package mbtiles_test

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkTile reads random existing tiles, the server's hot path.
func BenchmarkTile(b *testing.B) {
	path := filepath.Join(b.TempDir(), "a.mbtiles")
	tiles := randomTiles(42, 5000)
	write(b, path, sampleMeta(), tiles)
	r := open(b, path)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		tl := tiles[i%len(tiles)]
		if _, ok, err := r.Tile(ctx, tl.z, tl.x, tl.y); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkTileParallel reads tiles from many goroutines at once.
func BenchmarkTileParallel(b *testing.B) {
	path := filepath.Join(b.TempDir(), "a.mbtiles")
	tiles := randomTiles(42, 5000)
	write(b, path, sampleMeta(), tiles)
	r := open(b, path)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			tl := tiles[i%len(tiles)]
			i += 7
			if _, ok, err := r.Tile(ctx, tl.z, tl.x, tl.y); err != nil || !ok {
				b.Error(ok, err)
				return
			}
		}
	})
}

// BenchmarkTileMissing reads tiles that are not in the file: QGIS asks for
// many of them.
func BenchmarkTileMissing(b *testing.B) {
	path := filepath.Join(b.TempDir(), "a.mbtiles")
	write(b, path, sampleMeta(), randomTiles(42, 5000))
	r := open(b, path)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, err := r.Tile(ctx, 20, 1000, 1000); err != nil || ok {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkPutTile writes tiles: gzip, hash and insert.
func BenchmarkPutTile(b *testing.B) {
	tiles := randomTiles(42, 5000)
	b.ReportAllocs()
	for b.Loop() {
		write(b, filepath.Join(b.TempDir(), "a.mbtiles"), sampleMeta(), tiles)
	}
}
