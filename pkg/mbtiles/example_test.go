package mbtiles_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/sonla-gis/plantile/pkg/mbtiles"
)

func Example() {
	dir, err := os.MkdirTemp("", "mbtiles-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "sonla.mbtiles")

	// Build: tiles in XYZ, metadata, then an atomic Commit.
	w, err := mbtiles.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	defer w.Abort() // no-op after Commit
	for _, xy := range [][2]int{{12983, 7170}, {12984, 7170}} {
		if err := w.PutTile(14, xy[0], xy[1], []byte("raw MVT bytes")); err != nil {
			log.Fatal(err)
		}
	}
	w.SetMetadata(mbtiles.Metadata{Name: "Sơn La", MinZoom: 14, MaxZoom: 14,
		VectorLayers: []mbtiles.VectorLayer{{ID: "landuse", MinZoom: 14, MaxZoom: 14}}})
	st := w.Stats()
	if err := w.Commit(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d tiles, %d stored\n", st.Tiles, st.UniqueTiles)

	// Serve: gzipped bytes as stored, ready for Content-Encoding: gzip.
	r, err := mbtiles.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	gz, ok, err := r.Tile(context.Background(), 14, 12983, 7170)
	if err != nil {
		log.Fatal(err)
	}
	raw, _ := mbtiles.Gunzip(gz)
	fmt.Println(r.Metadata().Format, ok, mbtiles.IsGzip(gz), string(raw))
	// Output:
	// 2 tiles, 1 stored
	// pbf true true raw MVT bytes
}
