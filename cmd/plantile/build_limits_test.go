package main

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"

	"github.com/sonla-gis/plantile/pkg/mbtiles"
)

// writeGeoJSON writes features (ids 1, 2, ...) to dir/name.geojson.
func writeGeoJSON(t *testing.T, dir, name string, geoms []orb.Geometry, props []map[string]any) string {
	t.Helper()
	fc := geojson.NewFeatureCollection()
	for i, g := range geoms {
		f := geojson.NewFeature(g)
		f.ID = i + 1
		if props != nil {
			for k, v := range props[i] {
				f.Properties[k] = v
			}
		}
		fc.Append(f)
	}
	b, err := fc.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+".geojson")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func square(x, y, d float64) orb.Polygon {
	return orb.Polygon{{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}}
}

// TestBuildUnboundedInput: one bad feature used to make build run without
// bound. A world-wide polygon is refused before tiling, naming the limit
// and its flag; 100 parcels with a stray vertex at (0, 0) build the tiles
// along the spike only.
func TestBuildUnboundedInput(t *testing.T) {
	dir := t.TempDir()
	world := writeGeoJSON(t, dir, "world", []orb.Geometry{orb.Polygon{{{-180, -85}, {180, -85}, {180, 85}, {-180, 85}, {-180, -85}}}}, nil)
	out := filepath.Join(dir, "world.mbtiles")
	_, err := run(t, "build", world, "-q", "-o", out)
	if err == nil || !strings.Contains(err.Error(), "--max-tiles") || !strings.Contains(err.Error(), "5000000") {
		t.Errorf("world polygon: err = %v, want the limit of 5000000 tiles and --max-tiles", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused build left %s: %v", out, err)
	}

	var gs []orb.Geometry
	for i := range 100 {
		gs = append(gs, square(103.9+float64(i%10)*0.0003, 21.3+float64(i/10)*0.0003, 0.0003))
	}
	gs = append(gs, orb.Polygon{{{103.9, 21.3}, {103.9003, 21.3}, {0, 0}, {103.9, 21.3}}})
	stray := writeGeoJSON(t, dir, "thua_dat", gs, nil)
	out = filepath.Join(dir, "thua_dat.mbtiles")
	if _, err := run(t, "build", stray, "--minzoom", "8", "--maxzoom", "16", "--max-tiles", "100000", "-q", "-o", out); err != nil {
		t.Fatal(err)
	}
	r, err := mbtiles.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n := len(tileDump(t, out)); n > 60_000 {
		t.Errorf("%d tiles for 101 features", n)
	}
}

// TestBuildBowtie: a self-intersecting polygon is dropped and listed with
// its record number (default), or fails the build with --invalid fail.
func TestBuildBowtie(t *testing.T) {
	dir := t.TempDir()
	src := writeGeoJSON(t, dir, "thua_dat", []orb.Geometry{
		square(103.9, 21.3, 0.001),
		orb.Polygon{{{103.902, 21.3}, {103.903, 21.301}, {103.903, 21.3}, {103.902, 21.301}, {103.902, 21.3}}},
	}, nil)
	out := filepath.Join(dir, "a.mbtiles")
	stdout, err := run(t, "build", src, "--minzoom", "14", "--maxzoom", "14", "-o", out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "refused: layer thua_dat record 2") || !strings.Contains(stdout, "self-intersecting") {
		t.Errorf("summary does not list the bowtie:\n%s", stdout)
	}
	for _, gz := range tileDump(t, out) {
		ls, err := mvt.UnmarshalGzipped(gz)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ls[0].Features {
			if f.ID.(float64) == 2 {
				t.Error("the bowtie is in a tile")
			}
		}
	}
	_, err = run(t, "build", src, "--minzoom", "14", "--maxzoom", "14", "--invalid", "fail", "-q", "-o", filepath.Join(dir, "b.mbtiles"))
	if err == nil || !strings.Contains(err.Error(), "record 2") || !strings.Contains(err.Error(), "self-intersecting") {
		t.Errorf("--invalid fail: err = %v", err)
	}
}

// TestBuildOversizeFeature: a feature whose property alone cannot fit
// under the tile cap used to vanish, the build exiting 0 with no tile.
// The build now fails and names the record, the layer and the size.
func TestBuildOversizeFeature(t *testing.T) {
	dir := t.TempDir()
	big := make([]byte, 20_000)
	rand.Read(big)
	src := writeGeoJSON(t, dir, "ke_hoach", []orb.Geometry{square(103.9, 21.3, 0.001)}, []map[string]any{{"ghi_chu": hex.EncodeToString(big)}})
	out := filepath.Join(dir, "a.mbtiles")
	_, err := run(t, "build", src, "--minzoom", "12", "--maxzoom", "13", "--max-tile-bytes", "4096", "-q", "-o", out)
	if err == nil || !strings.Contains(err.Error(), "no tile written") || !strings.Contains(err.Error(), "layer ke_hoach record 1") ||
		!strings.Contains(err.Error(), "--max-tile-bytes 4096") {
		t.Errorf("err = %v, want no tile written, naming layer ke_hoach record 1 and --max-tile-bytes", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed build left %s: %v", out, err)
	}
}

// TestBuildFlagRanges: every numeric flag is checked before any work.
func TestBuildFlagRanges(t *testing.T) {
	shp := testdata("dvhcvn", "son_la_districts_wgs84_utf8.shp")
	out := filepath.Join(t.TempDir(), "a.mbtiles")
	for _, tc := range [][]string{
		{"--buffer", "1e9"}, {"--buffer", "NaN"}, {"--buffer", "-1"},
		{"--workers", "2000"}, {"--workers", "-1"},
		{"--max-tile-bytes", "0"}, {"--max-tile-bytes", "99999999999"},
		{"--max-tile-features", "0"},
		{"--max-tiles", "0"},
		{"--union-max-work", "0"}, {"--union-max-edges", "0"}, {"--union-max-edges", "999999999999"},
		{"--union-max-values", "0"}, {"--union-max-values", "65535"},
		{"--minzoom", "25"}, {"--maxzoom", "30"},
		{"--invalid", "repair"},
	} {
		t.Run(strings.Join(tc, "="), func(t *testing.T) {
			_, err := run(t, append([]string{"build", shp, "-q", "-o", out}, tc...)...)
			if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(tc[0], "--")) {
				t.Errorf("err = %v, want one naming %s", err, tc[0])
			}
		})
	}
}

// TestBuildTarget: -o onto a device, FIFO or symbolic link is refused and
// the target left alone; the temporary file of a killed build is swept by
// the next build of the same target.
func TestBuildTarget(t *testing.T) {
	shp := testdata("dvhcvn", "son_la_districts_wgs84_utf8.shp")
	before, err := os.Lstat("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	_, err = run(t, "build", shp, "--maxzoom", "8", "-q", "-o", "/dev/null")
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("-o /dev/null: err = %v", err)
	}
	if after, err := os.Lstat("/dev/null"); err != nil || after.Mode() != before.Mode() {
		t.Fatalf("/dev/null changed: %v", err)
	}

	dir := t.TempDir()
	done := exec.Command("true")
	if err := done.Run(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, ".huyen.mbtiles.tmp-p"+strconv.Itoa(done.Process.Pid)+"-42")
	if err := os.WriteFile(stale, []byte("killed"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "build", shp, "--maxzoom", "8", "-q", "-o", filepath.Join(dir, "huyen.mbtiles")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the killed build's %s is still there: %v", stale, err)
	}
	m := func() mbtiles.Metadata {
		r, err := mbtiles.Open(filepath.Join(dir, "huyen.mbtiles"))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		return r.Metadata()
	}()
	// TileJSON publishes these: no directory of the build machine.
	if strings.Contains(m.Description, "/") || strings.Contains(m.VectorLayers[0].Description, "/") {
		t.Errorf("metadata names directories: %q, %q", m.Description, m.VectorLayers[0].Description)
	}
}
