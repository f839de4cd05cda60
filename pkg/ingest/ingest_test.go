package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/ingest"
)

var dvhcvn = filepath.Join("..", "..", "testdata", "dvhcvn")

// readAll opens path and returns the features of its only layer.
func readAll(t *testing.T, path string, opts ingest.Options) (*ingest.Layer, []*feature.Feature) {
	t.Helper()
	layers, err := ingest.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("%s: %d layers, want 1", path, len(layers))
	}
	r, err := layers[0].Features(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var fs []*feature.Feature
	for {
		f, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		fs = append(fs, f)
	}
	return layers[0], fs
}

func points(g orb.Geometry) []orb.Point {
	var pts []orb.Point
	switch g := g.(type) {
	case orb.Polygon:
		for _, r := range g {
			pts = append(pts, r...)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			pts = append(pts, points(p)...)
		}
	default:
		panic(fmt.Sprintf("unexpected %T", g))
	}
	return pts
}

// TestSonLaDistrictsThreeWays reads the 12 Son La districts from the WGS 84
// UTF-8, VN-2000 UTF-8 and VN-2000 CP1258 shapefiles: the names must be
// equal and the coordinates, once reprojected, within 1e-7 degrees.
func TestSonLaDistrictsThreeWays(t *testing.T) {
	_, want := readAll(t, filepath.Join(dvhcvn, "son_la_districts_wgs84_utf8.shp"), ingest.Options{})
	if len(want) != 12 {
		t.Fatalf("%d districts in the WGS 84 file, want 12", len(want))
	}
	for _, name := range []string{"son_la_districts_vn2000_tm3_utf8.shp", "son_la_districts_vn2000_tm3_cp1258.shp"} {
		t.Run(name, func(t *testing.T) {
			layer, got := readAll(t, filepath.Join(dvhcvn, name), ingest.Options{Workers: 3})
			if !layer.CRS.VN2000 || layer.CRS.EPSG != 9206 || layer.CRSFrom != ".prj" {
				t.Errorf("CRS = %v (VN2000 %v) from %q, want VN-2000 EPSG:9206 from .prj", layer.CRS, layer.CRS.VN2000, layer.CRSFrom)
			}
			if !strings.Contains(layer.CRS.Transformation, "6960") {
				t.Errorf("transformation %q does not name EPSG:6960", layer.CRS.Transformation)
			}
			if len(got) != len(want) {
				t.Fatalf("%d features, want %d", len(got), len(want))
			}
			worst := 0.0
			for i := range want {
				if g, w := got[i].Properties["ten"], want[i].Properties["ten"]; g != w {
					t.Errorf("feature %d: ten = %q, want %q", i+1, g, w)
				}
				gp, wp := points(got[i].Geometry), points(want[i].Geometry)
				if len(gp) != len(wp) {
					t.Fatalf("feature %d: %d points, want %d", i+1, len(gp), len(wp))
				}
				for k := range gp {
					worst = math.Max(worst, math.Max(math.Abs(gp[k][0]-wp[k][0]), math.Abs(gp[k][1]-wp[k][1])))
				}
			}
			if worst > 1e-7 {
				t.Errorf("largest coordinate difference %.3g degrees, want <= 1e-7", worst)
			}
			t.Logf("largest coordinate difference %.3g degrees", worst)
		})
	}
}

// TestNoPRJ copies the VN-2000 shapefile without its .prj: reading it must
// fail on the first feature and say the coordinates are not degrees, unless
// the CRS is named.
func TestNoPRJ(t *testing.T) {
	dir := t.TempDir()
	for _, ext := range []string{".shp", ".shx", ".dbf", ".cpg"} {
		b, err := os.ReadFile(filepath.Join(dvhcvn, "son_la_districts_vn2000_tm3_utf8"+ext))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "d"+ext), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "d.shp")
	layers, err := ingest.Open(path, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !layers[0].Assumed {
		t.Errorf("Assumed = false for a layer with no CRS")
	}
	r, err := layers[0].Features(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f, err := r.Read()
	r.Close()
	var fe *feature.Error
	if f != nil || !errors.As(err, &fe) || !strings.Contains(fe.Reason, "not degrees") || !strings.Contains(fe.Reason, "--src-crs") {
		t.Fatalf("Read = %v, %v; want a not-degrees error naming --src-crs", f, err)
	}

	_, got := readAll(t, path, ingest.Options{SrcCRS: "EPSG:9206"})
	_, want := readAll(t, filepath.Join(dvhcvn, "son_la_districts_vn2000_tm3_utf8.shp"), ingest.Options{})
	if len(got) != 12 || !orb.Equal(got[3].Geometry, want[3].Geometry) {
		t.Errorf("with --src-crs EPSG:9206 the features differ from those read with the .prj")
	}
}

// TestOrderAndBadRecords streams a GeoJSON sequence of many features, some
// with coordinates PROJ cannot transform, through several workers: the
// order must be the source's and the bad ones reported by row.
func TestOrderAndBadRecords(t *testing.T) {
	const n = 5000
	var b strings.Builder
	for i := 1; i <= n; i++ {
		x, y := 400000+float64(i), 2300000+float64(i%977)
		if i%1000 == 0 {
			x = 1e30 // outside every projection's domain
		}
		fmt.Fprintf(&b, `{"type":"Feature","properties":{"n":%d},"geometry":{"type":"Point","coordinates":[%g,%g]}}`+"\n", i, x, y)
	}
	path := filepath.Join(t.TempDir(), "pts.geojsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	layers, err := ingest.Open(path, ingest.Options{SrcCRS: "EPSG:9206", Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	r, err := layers[0].Features(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var bad []int64
	for i := int64(1); ; i++ {
		f, err := r.Read()
		if err == io.EOF {
			if i != n+1 {
				t.Fatalf("EOF after %d features, want %d", i-1, n)
			}
			break
		}
		if f == nil {
			t.Fatalf("fatal error at feature %d: %v", i, err)
		}
		if got := f.Properties["n"]; got != i {
			t.Fatalf("feature %d has n = %v: order lost", i, got)
		}
		if err != nil {
			bad = append(bad, f.Row)
			continue
		}
		p := f.Geometry.(orb.Point)
		if p[0] < 102 || p[0] > 106 || p[1] < 19 || p[1] > 23 {
			t.Fatalf("feature %d at %v, not in northern Vietnam", i, p)
		}
	}
	if fmt.Sprint(bad) != "[1000 2000 3000 4000 5000]" {
		t.Errorf("bad rows %v, want every 1000th", bad)
	}
}

// TestCloseEarly closes a reader after one feature: the pipeline must stop
// without leaking or blocking.
func TestCloseEarly(t *testing.T) {
	layers, err := ingest.Open(filepath.Join(dvhcvn, "son_la_districts_vn2000_tm3_utf8.shp"), ingest.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		r, err := layers[0].Features(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Read(); err != nil {
			t.Fatal(err)
		}
		r.Close()
	}
}

// TestCancelWhileReading cancels the context of a reader that still has
// batches to come: Read must end with the context's error instead of
// waiting for workers that stopped sending (an upload cancelled by the
// server's shutdown or its upload_timeout once hung there for good).
func TestCancelWhileReading(t *testing.T) {
	const n = 40 * 512 // more batches than the reader keeps in flight
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `{"type":"Feature","properties":{"n":%d},"geometry":{"type":"Point","coordinates":[%d,2300000]}}`+"\n", i, 400000+i)
	}
	path := filepath.Join(t.TempDir(), "pts.geojsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	layers, err := ingest.Open(path, ingest.Options{SrcCRS: "EPSG:9206", Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 10; round++ {
		ctx, cancel := context.WithCancel(context.Background())
		r, err := layers[0].Features(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Read(); err != nil {
			t.Fatal(err)
		}
		cancel()
		done := make(chan error, 1)
		go func() {
			for {
				f, err := r.Read()
				if f == nil {
					done <- err
					return
				}
			}
		}()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("round %d: Read after cancel ended with %v, want context.Canceled", round, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("round %d: Read still waiting 20 s after its context was cancelled", round)
		}
		r.Close()
	}
}
