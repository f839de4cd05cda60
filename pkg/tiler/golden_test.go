package tiler_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"

	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/source/shapefile"
	"github.com/sonla-gis/plantile/pkg/tiler"
)

var update = flag.Bool("update", false, "rewrite the golden tiles in testdata/golden")

// districts reads the Son La districts (WGS 84 shapefile) into the index.
func districts(t *testing.T) *index.Layer {
	t.Helper()
	ls, err := shapefile.Open(filepath.Join("..", "..", "testdata", "dvhcvn", "son_la_districts_wgs84_utf8.shp"), shapefile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ls[0].Features()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	l, err := index.Build(ls[0].Info(), r)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestGolden compares a few tiles, byte for byte and decoded, with the
// files in testdata/golden: real district boundaries at low and mid zooms,
// and synthetic parcels where they are folded into squares (z11) and at
// full detail (z16). go test -run Golden -update rewrites them after a
// deliberate change; review the JSON diff.
func TestGolden(t *testing.T) {
	parcels := buildLayer(t, "thua_dat", parcelGrid{lon: 103.90, lat: 21.31, nx: 16, ny: 12, cell: 0.0004, jitter: 0.2, seed: 11}.features())
	huyen := districts(t)
	tests := []struct {
		name   string
		layers []tiler.Layer
		z      int
		c      [2]int // x, y
	}{
		{"huyen", []tiler.Layer{{Name: "huyen", Data: huyen, MinZoom: 0, MaxZoom: 12}}, 8, [2]int{202, 112}},
		{"huyen", []tiler.Layer{{Name: "huyen", Data: huyen, MinZoom: 0, MaxZoom: 12}}, 11, [2]int{1615, 900}},
		{"thua_dat", []tiler.Layer{{Name: "thua_dat", Data: parcels, MinZoom: 10, MaxZoom: 16}}, 11, [2]int{1615, 899}},
		{"thua_dat", []tiler.Layer{{Name: "thua_dat", Data: parcels, MinZoom: 10, MaxZoom: 16}}, 16, [2]int{51683, 28795}},
		// a tile with parcels, hence both layers
		{"both", []tiler.Layer{{Name: "huyen", Data: huyen, MinZoom: 0, MaxZoom: 16}, {Name: "thua_dat", Data: parcels, MinZoom: 10, MaxZoom: 16}}, 14, [2]int{12920, 7198}},
	}
	for _, tt := range tests {
		tl, err := tiler.New(tt.layers, tiler.Options{})
		if err != nil {
			t.Fatal(err)
		}
		c := tt.c
		name := fmt.Sprintf("%s_%d_%d_%d", tt.name, tt.z, c[0], c[1])
		t.Run(name, func(t *testing.T) {
			// Run builds this tile: it is among those the walk visits.
			if !slices.Contains(tl.Cover(tt.z), c) {
				t.Errorf("Cover(%d) lacks %v", tt.z, c)
			}
			raw := tl.Raw(tt.z, c[0], c[1])
			if raw == nil {
				t.Fatal("empty tile")
			}
			ls, err := mvt.Unmarshal(raw)
			if err != nil {
				t.Fatal(err)
			}
			js := decodedJSON(t, ls)
			base := filepath.Join("testdata", "golden", name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(base+".mvt", raw, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(base+".json", js, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			wantRaw, err := os.ReadFile(base + ".mvt")
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			wantJS, err := os.ReadFile(base + ".json")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(js, wantJS) {
				t.Errorf("decoded tile differs from %s.json", base)
			}
			if !bytes.Equal(raw, wantRaw) {
				t.Errorf("tile bytes differ from %s.mvt", base)
			}
			if len(tt.layers) != len(ls) {
				t.Errorf("%d layers, want %d", len(ls), len(tt.layers))
			}
		})
	}
}

// decodedJSON writes the decoded layers one feature per line, so that a
// golden diff points at the features that changed.
func decodedJSON(t *testing.T, ls mvt.Layers) []byte {
	var b bytes.Buffer
	for _, l := range ls {
		fmt.Fprintf(&b, "layer %s version %d extent %d\n", l.Name, l.Version, l.Extent)
		for _, f := range l.Features {
			line, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(line)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}
