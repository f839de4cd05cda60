package main

import (
	"archive/zip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Regression tests of issue 7, reader side: each input below once cost
// gigabytes, was silently mangled or aborted build; through the command
// line they now give one error naming the file, the record and the flag
// that raises the limit, or a bad record with its reason.

// shpRecords assembles a point .shp from raw record contents.
func shpRecords(contents ...[]byte) []byte {
	h := make([]byte, 100)
	binary.BigEndian.PutUint32(h[0:], 9994)
	binary.LittleEndian.PutUint32(h[28:], 1000)
	binary.LittleEndian.PutUint32(h[32:], 1)
	b := h
	for i, c := range contents {
		var rh [8]byte
		binary.BigEndian.PutUint32(rh[0:], uint32(i+1))
		binary.BigEndian.PutUint32(rh[4:], uint32(len(c)/2))
		b = append(append(b, rh[:]...), c...)
	}
	binary.BigEndian.PutUint32(b[24:], uint32(len(b)/2))
	return b
}

func pointRecord(x, y float64) []byte {
	b := make([]byte, 20)
	binary.LittleEndian.PutUint32(b, 1)
	binary.LittleEndian.PutUint64(b[4:], math.Float64bits(x))
	binary.LittleEndian.PutUint64(b[12:], math.Float64bits(y))
	return b
}

func writeZipFile(t *testing.T, path string, entries map[string][]byte) {
	t.Helper()
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	for name, data := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func writeText(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// wantErr runs the command line and checks its error holds every want.
func wantErr(t *testing.T, args []string, wants ...string) {
	t.Helper()
	_, err := run(t, args...)
	if err == nil {
		t.Fatalf("plantile %s: no error, want one with %q", strings.Join(args, " "), wants)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("plantile %s: error %q lacks %q", args[0], err, w)
		}
	}
}

// TestZipBombRecord: a .shp in a zip whose one record declares 2 GiB,
// with 64 MiB of zeros behind it. The compression ratio stops it at open;
// with the ratio raised, the record size stops it before the record is
// read.
func TestZipBombRecord(t *testing.T) {
	body := make([]byte, 100+8+(64<<20))
	copy(body, shpRecords())
	binary.BigEndian.PutUint32(body[24:], uint32(len(body)/2))
	binary.BigEndian.PutUint32(body[100:], 1)
	binary.BigEndian.PutUint32(body[104:], 1<<30)
	dir := t.TempDir()
	zpath := filepath.Join(dir, "bomb.zip")
	writeZipFile(t, zpath, map[string][]byte{"bomb.shp": body})
	out := filepath.Join(dir, "o.mbtiles")
	for _, args := range [][]string{{"inspect", zpath}, {"export", zpath, "-o", filepath.Join(dir, "o.geojsonl")}, {"build", zpath, "-o", out}} {
		wantErr(t, args, zpath+"/bomb.shp", "--max-zip-ratio")
	}
	wantErr(t, []string{"inspect", zpath, "--max-zip-ratio", "100000"},
		zpath+"/bomb.shp: record 1", "2147483648 bytes", "--max-record-bytes")
	wantErr(t, []string{"build", zpath, "--max-zip-ratio", "100000", "-o", out},
		zpath+"/bomb.shp: record 1", "--max-record-bytes")
	if _, err := os.Stat(out); err == nil {
		t.Errorf("build wrote %s from a refused input", out)
	}
}

// TestManyBadRecords: a .shp of empty records (each a bad record) stops at
// the bad-record limit instead of keeping every one.
func TestManyBadRecords(t *testing.T) {
	recs := make([][]byte, 3000)
	for i := range recs {
		recs[i] = []byte{}
	}
	dir := t.TempDir()
	shp := writeText(t, filepath.Join(dir, "empty.shp"), string(shpRecords(recs...)))
	out := filepath.Join(dir, "o.mbtiles")
	wantErr(t, []string{"build", shp, "-o", out, "-q"}, "empty.shp: record 1001", "--max-bad-records")
	wantErr(t, []string{"inspect", shp, "--max-bad-records", "10"}, "empty.shp: record 11", "--max-bad-records")
	wantErr(t, []string{"export", shp, "--skip-invalid", "--max-bad-records", "10"}, "empty.shp: record 11", "--max-bad-records")
	if _, err := run(t, "inspect", shp, "--max-bad-records", "5000"); err != nil {
		t.Errorf("raised limit: %v", err)
	}
}

// TestDBFClaims: a small .dbf that claims 2^28 records of 2,000 fields is
// refused before anything is sized by the claim.
func TestDBFClaims(t *testing.T) {
	const nf = 2000
	hl := 32 + 32*nf + 1
	h := make([]byte, hl)
	h[0] = 3
	binary.LittleEndian.PutUint32(h[4:], 1<<28)
	binary.LittleEndian.PutUint16(h[8:], uint16(hl))
	binary.LittleEndian.PutUint16(h[10:], uint16(1+2*nf))
	for i := range nf {
		d := h[32+32*i:]
		copy(d, fmt.Sprintf("f%d", i))
		d[11], d[16] = 'C', 2
	}
	h[hl-1] = 0x0D
	dir := t.TempDir()
	shp := writeText(t, filepath.Join(dir, "claim.shp"), string(shpRecords(pointRecord(104, 21))))
	writeText(t, filepath.Join(dir, "claim.dbf"), string(h)+strings.Repeat(" ", 1+2*nf))
	for _, args := range [][]string{{"inspect", shp}, {"build", shp, "-q", "-o", filepath.Join(dir, "o.mbtiles")}} {
		wantErr(t, args, "claim.dbf", "declares 268435456 records")
	}
}

// TestZipNamesCLI: backslash names are read; the layer is found.
func TestZipNamesCLI(t *testing.T) {
	dir := t.TempDir()
	zpath := filepath.Join(dir, "win.zip")
	writeZipFile(t, zpath, map[string][]byte{`ranh_gioi\diem.shp`: shpRecords(pointRecord(103.9, 21.3), pointRecord(103.91, 21.31))})
	out, err := run(t, "inspect", "--json", zpath)
	if err != nil {
		t.Fatal(err)
	}
	var reps []layerReport
	if err := json.Unmarshal([]byte(out), &reps); err != nil {
		t.Fatal(err)
	}
	if len(reps) != 1 || reps[0].Name != "diem" || reps[0].Features != 2 || reps[0].Source != zpath+"/ranh_gioi/diem.shp" {
		t.Errorf("reports %+v", reps)
	}
}

// TestGeoJSONText: invalid UTF-8 and a 10 MB property are errors naming
// the feature (build used to exit 0 having written no tile).
func TestGeoJSONText(t *testing.T) {
	dir := t.TempDir()
	feat := func(name string) string {
		return `{"type":"Feature","geometry":{"type":"Point","coordinates":[103.9,21.3]},"properties":{"ten":"` + name + `"}}`
	}
	latin := writeText(t, filepath.Join(dir, "latin.geojson"), `{"type":"FeatureCollection","features":[`+feat("ok")+","+feat("M\xf9\xf2ng La")+`]}`)
	big := writeText(t, filepath.Join(dir, "big.geojson"), `{"type":"FeatureCollection","features":[`+feat(strings.Repeat("x", 10<<20))+`]}`)
	out := filepath.Join(dir, "o.mbtiles")
	wantErr(t, []string{"inspect", latin}, "latin.geojson: record 2", "invalid UTF-8")
	wantErr(t, []string{"build", latin, "-q", "-o", out}, "latin.geojson: record 2", "invalid UTF-8")
	wantErr(t, []string{"build", big, "-q", "-o", out}, "big.geojson: record 1", `property "ten"`, "--max-property-bytes")
	if _, err := run(t, "inspect", big, "--max-property-bytes", "16MiB"); err != nil {
		t.Errorf("raised limit: %v", err)
	}
}

// TestHugeCoordinates: 1e308 is a bad record with a reason in inspect,
// export and build alike, in WGS 84 and in VN-2000 (where it used to pass
// inspect and abort build).
func TestHugeCoordinates(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, srcCRS string
		good         [2]float64
	}{
		{"wgs84", "", [2]float64{103.9, 21.3}},
		{"vn2000", "EPSG:9206", [2]float64{491380, 2358999}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shp := writeText(t, filepath.Join(dir, tc.name+".shp"), string(shpRecords(pointRecord(tc.good[0], tc.good[1]), pointRecord(1e308, 1e308))))
			args := func(a ...string) []string {
				if tc.srcCRS != "" {
					a = append(a, "--src-crs", tc.srcCRS)
				}
				return a
			}
			out, err := run(t, args("inspect", "--json", shp)...)
			if err != nil {
				t.Fatal(err)
			}
			var reps []layerReport
			if err := json.Unmarshal([]byte(out), &reps); err != nil {
				t.Fatal(err)
			}
			r := reps[0]
			if r.Features != 2 || r.Invalid != 1 || len(r.Reasons) != 1 || !strings.Contains(r.Reasons[0], "record 2: coordinates") {
				t.Errorf("inspect: %d features, %d invalid %q; want record 2 invalid", r.Features, r.Invalid, r.Reasons)
			}
			if b := r.WGS84Bounds; b == nil || b[2] > 180 || b[3] > 90 {
				t.Errorf("inspect: WGS 84 bounds %v", b)
			}
			wantErr(t, args("export", shp), "record 2: coordinates")
			if _, err := run(t, args("export", "--skip-invalid", shp)...); err != nil {
				t.Errorf("export --skip-invalid: %v", err)
			}
			if _, err := run(t, args("build", shp, "-q", "-o", filepath.Join(dir, tc.name+".mbtiles"))...); err != nil {
				t.Errorf("build: %v", err)
			}
		})
	}
}

// TestInspectOutliers: 30 points around Son La city, one at (0, 0) and
// one in Hà Nội are listed by inspect, text and JSON, with the CRS hint.
func TestInspectOutliers(t *testing.T) {
	var recs [][]byte
	for i := range 30 {
		recs = append(recs, pointRecord(103.90+0.001*float64(i), 21.31+0.0005*float64(i%7)))
	}
	recs = append(recs[:10], append([][]byte{pointRecord(0, 0)}, recs[10:]...)...)
	recs = append(recs, pointRecord(105.85, 21.03))
	shp := writeText(t, filepath.Join(t.TempDir(), "diem.shp"), string(shpRecords(recs...)))
	out, err := run(t, "inspect", "--json", shp)
	if err != nil {
		t.Fatal(err)
	}
	var reps []layerReport
	if err := json.Unmarshal([]byte(out), &reps); err != nil {
		t.Fatal(err)
	}
	r := reps[0]
	if r.Outliers != 2 || len(r.OutlierRows) != 2 || r.OutlierRows[0].Row != 11 || r.OutlierRows[1].Row != 32 ||
		!strings.Contains(r.OutlierRows[0].Reason, "outside Vietnam") || !strings.Contains(r.OutlierHint, "--src-crs EPSG:9206") {
		t.Errorf("outliers %d %+v hint %q; want records 11 and 32", r.Outliers, r.OutlierRows, r.OutlierHint)
	}
	text, err := run(t, "inspect", shp)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Outliers:           2", "record 11: outside Vietnam", "record 32: far from the rest", "hint:"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
}

// TestLimitFlags: every limit flag is on inspect, export and build, takes
// sizes with units, and refuses nonsense.
func TestLimitFlags(t *testing.T) {
	shp := testdata("dvhcvn", "son_la_districts_wgs84_utf8.shp")
	for _, cmd := range []string{"inspect", "export", "build"} {
		args := []string{cmd, shp, "--max-record-bytes=2MiB", "--max-bad-records=3", "--max-zip-bytes=1GB", "--max-zip-entries=10",
			"--max-zip-ratio=50", "--max-features=100", "--max-vertices=100000", "--max-property-bytes=1000"}
		if cmd == "build" {
			args = append(args, "-q", "--maxzoom", "10", "-o", filepath.Join(t.TempDir(), "o.mbtiles"))
		} else if cmd == "export" {
			args = append(args, "-o", filepath.Join(t.TempDir(), "o.geojsonl"))
		}
		if _, err := run(t, args...); err != nil {
			t.Errorf("plantile %s: %v", strings.Join(args, " "), err)
		}
		wantErr(t, []string{cmd, shp, "--max-features=-1"}, "max-features")
		wantErr(t, []string{cmd, shp, "--max-record-bytes=lots"}, "max-record-bytes")
	}
	wantErr(t, []string{"inspect", shp, "--max-features", "11"}, "son_la_districts_wgs84_utf8.dbf", "declares 12 records", "--max-features")
	wantErr(t, []string{"inspect", shp, "--max-vertices", "10", "--max-bad-records", "3"}, "--max-bad-records")
}
