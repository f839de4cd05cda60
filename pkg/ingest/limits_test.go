package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/ingest"
)

// writeSeq writes a GeoJSON sequence of the given geometries (JSON text).
func writeSeq(t *testing.T, geoms ...string) string {
	t.Helper()
	var b strings.Builder
	for i, g := range geoms {
		fmt.Fprintf(&b, `{"type":"Feature","properties":{"n":%d},"geometry":%s}`+"\n", i+1, g)
	}
	path := filepath.Join(t.TempDir(), "f.geojsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func point(x, y float64) string {
	return fmt.Sprintf(`{"type":"Point","coordinates":[%v,%v]}`, x, y)
}

// drain reads every feature and returns the bad records' errors and the
// error that ended the stream (io.EOF when it ended well).
func drain(t *testing.T, path string, opts ingest.Options) (good []*feature.Feature, bad []error, end error) {
	t.Helper()
	layers, err := ingest.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	r, err := layers[0].Features(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for {
		f, err := r.Read()
		if f == nil {
			return good, bad, err
		}
		if err != nil {
			bad = append(bad, err)
			continue
		}
		good = append(good, f)
	}
}

// TestNotLonLat: 1e308 coordinates (and coordinates a CRS sends off the
// earth) make a bad record naming the feature, whatever the CRS, instead of
// passing through to the tiler.
func TestNotLonLat(t *testing.T) {
	for _, tc := range []struct {
		name   string
		srcCRS string
		geoms  []string
	}{
		{"WGS 84", "", []string{point(104, 21), point(1e308, 21), point(104, -1e308)}},
		{"VN-2000", "EPSG:9206", []string{point(491380, 2358999), point(1e308, 2358999), `{"type":"LineString","coordinates":[[491380,2358999],[491380,1e300]]}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			good, bad, end := drain(t, writeSeq(t, tc.geoms...), ingest.Options{SrcCRS: tc.srcCRS})
			if end != io.EOF {
				t.Fatalf("stream ended with %v, want bad records and the end", end)
			}
			if len(good) != 1 || len(bad) != 2 {
				t.Fatalf("%d good, %d bad; want 1 and 2", len(good), len(bad))
			}
			for i, err := range bad {
				fe, ok := feature.AsError(err)
				if !ok || fe.Record != int64(i+2) || !strings.Contains(fe.Reason, "coordinates") {
					t.Errorf("bad record error %v, want record %d and a reason about coordinates", err, i+2)
				}
			}
		})
	}
}

// TestBadRecordLimit: after Limits.BadRecords bad records the stream stops
// with an error naming the file, the record and the flag.
func TestBadRecordLimit(t *testing.T) {
	var geoms []string
	for i := range 50 {
		if i%2 == 0 {
			geoms = append(geoms, point(1e308, 0))
		} else {
			geoms = append(geoms, point(104, 21))
		}
	}
	path := writeSeq(t, geoms...)
	_, bad, end := drain(t, path, ingest.Options{Limits: feature.Limits{BadRecords: 10}})
	if len(bad) != 10 {
		t.Errorf("%d bad records handed out, want 10", len(bad))
	}
	fe, ok := feature.AsError(end)
	if !ok || !errors.Is(end, feature.ErrLimit) || fe.Record != 21 || fe.File != path || !strings.Contains(end.Error(), feature.FlagBadRecords) {
		t.Fatalf("end %v, want record 21 over %s", end, feature.FlagBadRecords)
	}
	if _, bad, end := drain(t, path, ingest.Options{}); end != io.EOF || len(bad) != 25 {
		t.Errorf("default limits: %d bad, end %v", len(bad), end)
	}
}

// TestVertexLimit: a feature with more vertices than Limits.Vertices is a
// bad record naming the limit; the others are read.
func TestVertexLimit(t *testing.T) {
	line := `{"type":"LineString","coordinates":[` + strings.Repeat("[104,21],", 99) + `[104.1,21.1]]}`
	path := writeSeq(t, point(104, 21), line, point(104, 21))
	good, bad, end := drain(t, path, ingest.Options{Limits: feature.Limits{Vertices: 50}})
	if end != io.EOF || len(good) != 2 || len(bad) != 1 {
		t.Fatalf("%d good, %v bad, end %v", len(good), bad, end)
	}
	if fe, _ := feature.AsError(bad[0]); fe == nil || fe.Record != 2 || !errors.Is(bad[0], feature.ErrLimit) || !strings.Contains(bad[0].Error(), feature.FlagVertices) {
		t.Errorf("error %v, want record 2 over %s", bad[0], feature.FlagVertices)
	}
	if _, bad, _ := drain(t, path, ingest.Options{}); len(bad) != 0 {
		t.Errorf("default limits: %v", bad)
	}
}

// parcels returns n small squares around Son La city, in WGS 84, from a
// seeded generator.
func parcels(seed int64, n int) []string {
	rng := rand.New(rand.NewSource(seed))
	var out []string
	for range n {
		x, y := 103.90+0.02*rng.Float64(), 21.31+0.02*rng.Float64()
		out = append(out, square(x, y, 0.0003))
	}
	return out
}

func square(x, y, s float64) string {
	return fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%v,%v],[%v,%v],[%v,%v],[%v,%v],[%v,%v]]]}`, x, y, x+s, y, x+s, y+s, x, y+s, x, y)
}

// outliers reads path and returns its outlier report.
func outliers(t *testing.T, path string, opts ingest.Options) ingest.OutlierReport {
	t.Helper()
	good, _, end := drain(t, path, opts)
	if end != io.EOF {
		t.Fatal(end)
	}
	d := ingest.NewOutlierDetector(path)
	for _, f := range good {
		d.Add(f)
	}
	return d.Result(-1)
}

func TestOutliers(t *testing.T) {
	const seed = 7
	t.Logf("seed %d", seed)
	base := parcels(seed, 100)
	stray := `{"type":"Polygon","coordinates":[[[103.91,21.32],[103.911,21.32],[0,0],[103.91,21.32]]]}`
	for _, tc := range []struct {
		name   string
		geoms  []string
		srcCRS string
		rows   []int64
		whole  bool
		reason string
	}{
		{"none", base, "", nil, false, ""},
		{"stray vertex at (0, 0)", append(append([]string{}, base...), stray), "", []int64{101}, false, "outside Vietnam"},
		{"parcel in Hà Nội", append(append([]string{}, base[:50]...), append([]string{square(105.85, 21.03, 0.0003)}, base[50:]...)...), "", []int64{51}, false, "far from the rest"},
		{"parcel in the Spratlys is not outside", append(append([]string{}, base[:5]...), square(114.3, 10.4, 0.001)), "", []int64{6}, false, "far from the rest"},
		{"degrees read as VN-2000 metres", []string{point(103.9, 21.3), point(103.91, 21.31), point(103.92, 21.29)}, "EPSG:9206", []int64{1, 2, 3}, true, "outside Vietnam"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := outliers(t, writeSeq(t, tc.geoms...), ingest.Options{SrcCRS: tc.srcCRS})
			var rows []int64
			for _, o := range rep.Rows {
				rows = append(rows, o.Row)
				if !strings.Contains(o.Reason, tc.reason) {
					t.Errorf("record %d: reason %q, want %q", o.Row, o.Reason, tc.reason)
				}
			}
			if fmt.Sprint(rows) != fmt.Sprint(tc.rows) || rep.Total != len(tc.rows) || rep.Whole != tc.whole {
				t.Fatalf("outliers %v (total %d, whole %v), want %v (whole %v)\n%s", rows, rep.Total, rep.Whole, tc.rows, tc.whole, rep)
			}
			err := rep.Err()
			if (err == nil) != (len(tc.rows) == 0) {
				t.Fatalf("Err() = %v", err)
			}
			if err != nil && (!strings.Contains(err.Error(), "--src-crs EPSG:9206") || !strings.Contains(err.Error(), fmt.Sprintf("record %d", tc.rows[0]))) {
				t.Errorf("Err() = %v, want the first record and the CRS hint", err)
			}
		})
	}
}

// TestOutliersSonLaDistricts: the 12 real districts of Son La, from the
// VN-2000 shapefile, have no outlier.
func TestOutliersSonLaDistricts(t *testing.T) {
	rep := outliers(t, filepath.Join(dvhcvn, "son_la_districts_vn2000_tm3_cp1258.shp"), ingest.Options{})
	if rep.Total != 0 {
		t.Errorf("outliers in the real districts:\n%s", rep)
	}
	// The WGS 84 file read as if it were VN-2000 metres lands near the
	// equator west of Sumatra: the whole layer is reported, with the hint.
	rep = outliers(t, filepath.Join(dvhcvn, "son_la_districts_wgs84_utf8.shp"), ingest.Options{SrcCRS: "EPSG:9206"})
	if !rep.Whole || rep.Total != 12 || !strings.Contains(rep.Hint, "EPSG:9206") {
		t.Errorf("WGS 84 data read as EPSG:9206:\n%s", rep)
	}
}
