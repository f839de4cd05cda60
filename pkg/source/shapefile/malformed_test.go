package shapefile_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/source/shapefile"
)

// drain reads r to the end and returns the features and the errors seen.
// It stops at the first error that comes without a feature (the stream is
// over) and guards against a reader that never ends.
func drain(t *testing.T, r *shapefile.Reader) (feats []*feature.Feature, recErrs []error, fatal error) {
	t.Helper()
	for i := 0; i < 1_000_000; i++ {
		f, err := r.Read()
		switch {
		case err == io.EOF:
			return feats, recErrs, nil
		case err != nil && f == nil:
			// The error must stick.
			if _, again := r.Read(); again != err {
				t.Errorf("Read after %v returned %v", err, again)
			}
			return feats, recErrs, err
		case err != nil:
			recErrs = append(recErrs, err)
		default:
			feats = append(feats, f)
		}
	}
	t.Fatal("reader never ended")
	return
}

// checkError asserts err is a *feature.Error naming file and, when
// record > 0, that record.
func checkError(t *testing.T, err error, file string, record int64, reason string) {
	t.Helper()
	fe, ok := feature.AsError(err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *feature.Error", err, err)
	}
	if fe.File != file || fe.Reason == "" {
		t.Errorf("error %q: file %q, want %q", err, fe.File, file)
	}
	if record >= 0 && fe.Record != record {
		t.Errorf("error %q: record %d, want %d", err, fe.Record, record)
	}
	if reason != "" && !strings.Contains(fe.Reason, reason) {
		t.Errorf("error %q: reason lacks %q", err, reason)
	}
}

func le32(v int32) []byte {
	b := make([]byte, 4)
	binary.LittleEndian.PutUint32(b, uint32(v))
	return b
}

// patch returns a copy of b with p written at off.
func patch(b []byte, off int, p []byte) []byte {
	c := append([]byte(nil), b...)
	copy(c[off:], p)
	return c
}

func TestMalformedRecords(t *testing.T) {
	good := partsContent(tPolygon, square(0, 0, 10, false))
	line := partsContent(tPolyLine, []orb.Point{{0, 0}, {1, 1}})
	nan := partsContent(tPolygon, square(0, 0, 10, false))
	putF(nan[44+4+16*2:], math.NaN())
	inf := pointContent(math.Inf(1), 0)
	tests := []struct {
		name   string
		typ    int32
		bad    []byte
		reason string
	}{
		{"3-point ring", tPolygon, partsContent(tPolygon, []orb.Point{{0, 0}, {1, 1}, {0, 0}}), "at least 4"},
		{"1-point line", tPolyLine, partsContent(tPolyLine, []orb.Point{{0, 0}}), "at least 2"},
		{"NaN coordinate", tPolygon, nan, "NaN"},
		{"infinite point", tPoint, inf, "NaN or infinite"},
		{"2^31-1 points", tPolygon, patch(good, 40, le32(math.MaxInt32)), "holds only"},
		{"2^31-1 parts", tPolygon, patch(good, 36, le32(math.MaxInt32)), "holds only"},
		{"negative point count", tPolygon, patch(good, 40, le32(-5)), "-5 points"},
		{"zero parts", tPolyLine, patch(line, 36, le32(0)), "0 parts"},
		{"part index past the points", tPolygon, patch(partsContent(tPolygon, square(0, 0, 1, false), square(5, 5, 1, false)), 48, le32(99)), "invalid point range"},
		{"first part not at 0", tPolygon, patch(good, 44, le32(1)), "invalid point range"},
		{"multipoint count too large", 8, append(append(make([]byte, 0, 40), le32(8)...), patch(make([]byte, 36), 32, le32(1<<30))...), "holds only"},
		{"point too short", tPoint, pointContent(1, 2)[:12], "want at least 20"},
		{"unknown shape type", tPoint, patch(pointContent(1, 2), 0, le32(77)), "unknown shape type"},
		{"multipatch record", tPolygon, patch(good, 0, le32(31)), "MultiPatch"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The bad record sits between two good ones: the reader must
			// report it with its number and go on.
			okRec := pointContent(1, 2)
			if tc.typ != tPoint {
				okRec = good
			}
			shp := shpFile(tc.typ, okRec, tc.bad, okRec)
			dbf := dbfFile(0x57, []dbfField{{"name", 'C', 10, 0}}, []string{"a"}, []string{"b"}, []string{"c"})
			r, err := shapefile.NewReader("bad.shp", bytes.NewReader(shp), bytes.NewReader(dbf), shapefile.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var all []*feature.Feature
			var errs []error
			for {
				f, err := r.Read()
				if err == io.EOF {
					break
				}
				if f == nil {
					t.Fatalf("fatal error %v, want a record error", err)
				}
				all = append(all, f)
				if err != nil {
					errs = append(errs, err)
				}
			}
			if len(all) != 3 || len(errs) != 1 {
				t.Fatalf("%d features, %d errors (%v); want 3 and 1", len(all), len(errs), errs)
			}
			checkError(t, errs[0], "bad.shp", 2, tc.reason)
			if all[1].Geometry != nil || all[1].Row != 2 || all[1].Properties["name"] != "b" {
				t.Errorf("bad record came back as %+v, want Row 2, no geometry, name b", all[1])
			}
			if all[2].Geometry == nil || all[2].Row != 3 {
				t.Errorf("record after the bad one: %+v", all[2])
			}
		})
	}
}

func TestMalformedFiles(t *testing.T) {
	two := shpFile(tPoint, pointContent(1, 2), pointContent(3, 4))
	dbf2 := dbfFile(0, []dbfField{{"n", 'N', 5, 0}}, []string{"1"}, []string{"2"})
	lengthAt := 100 + 28 + 4 // content length of record 2
	tests := []struct {
		name      string
		shp, dbf  []byte
		file      string
		record    int64 // -1: any
		reason    string
		atNewRead bool // the error comes from NewReader
	}{
		{name: "empty .shp", shp: nil, file: "x.shp", record: 0, reason: "header", atNewRead: true},
		{name: "wrong file code", shp: patch(two, 0, []byte{0, 0, 0, 1}), file: "x.shp", reason: "not a shapefile", atNewRead: true},
		{name: "wrong version", shp: patch(two, 28, le32(7)), file: "x.shp", reason: "version", atNewRead: true},
		{name: "multipatch layer", shp: patch(two, 32, le32(31)), file: "x.shp", reason: "MultiPatch", atNewRead: true},
		{name: "content length runs past the end", shp: patch(two, lengthAt, []byte{0, 0, 0x10, 0}), file: "x.shp", record: 2, reason: "truncated"},
		{name: "content length 2^31 words", shp: patch(two, lengthAt, []byte{0x7f, 0xff, 0xff, 0xff}), file: "x.shp", record: 2, reason: "declares 4294967294 bytes"},
		{name: "negative content length", shp: patch(two, lengthAt, []byte{0xff, 0xff, 0xff, 0xff}), file: "x.shp", record: 2, reason: "negative"},
		{name: "header length longer than the file", shp: patch(two, 24, []byte{0, 0, 1, 0}), file: "x.shp", record: 3, reason: "truncated"},
		{name: ".dbf shorter than its count", shp: two, dbf: dbf2[:len(dbf2)-7], file: "x.dbf", record: 2, reason: "truncated"},
		{name: ".dbf with fewer records", shp: two, dbf: dbfFile(0, []dbfField{{"n", 'N', 5, 0}}, []string{"1"}), file: "x.dbf", record: 2, reason: "more"},
		{name: ".dbf with more records", shp: two, dbf: dbfFile(0, []dbfField{{"n", 'N', 5, 0}}, []string{"1"}, []string{"2"}, []string{"3"}), file: "x.dbf", record: 3, reason: "only 2"},
		{name: ".dbf record length too short for its fields", shp: two, dbf: patch(dbf2, 10, []byte{3, 0}), file: "x.dbf", record: 0, reason: "bytes per record", atNewRead: true},
		{name: ".dbf header length below minimum", shp: two, dbf: patch(dbf2, 8, []byte{10, 0}), file: "x.dbf", record: 0, reason: "header length", atNewRead: true},
		{name: ".dbf header cut", shp: two, dbf: dbf2[:40], file: "x.dbf", record: 0, reason: "header", atNewRead: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var dbf io.Reader
			if tc.dbf != nil {
				dbf = bytes.NewReader(tc.dbf)
			}
			r, err := shapefile.NewReader("x.shp", bytes.NewReader(tc.shp), dbf, shapefile.Options{})
			if tc.atNewRead {
				if err == nil {
					t.Fatal("NewReader succeeded")
				}
				checkError(t, err, tc.file, tc.record, tc.reason)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, _, fatal := drain(t, r)
			if fatal == nil {
				t.Fatal("read to the end without an error")
			}
			checkError(t, fatal, tc.file, tc.record, tc.reason)
		})
	}
}

// TestTruncations cuts real files at many offsets: every cut must end in a
// *feature.Error naming the file, never a panic and never a clean end.
func TestTruncations(t *testing.T) {
	base := filepath.Join(dvhcvn, "son_la_districts_vn2000_tm3_utf8")
	shp, err := os.ReadFile(base + ".shp")
	if err != nil {
		t.Fatal(err)
	}
	dbf, err := os.ReadFile(base + ".dbf")
	if err != nil {
		t.Fatal(err)
	}
	cuts := []int{0, 1, 50, 99, 100, 101, 104, 107, 108, 112, 143, 144}
	for c := 200; c < len(shp); c += len(shp) / 97 {
		cuts = append(cuts, c)
	}
	cuts = append(cuts, len(shp)-1)
	for _, c := range cuts {
		r, err := shapefile.NewReader("d.shp", bytes.NewReader(shp[:c]), bytes.NewReader(dbf), shapefile.Options{})
		if err == nil {
			feats, recErrs, fatal := drain(t, r)
			if fatal == nil || len(recErrs) > 0 {
				t.Errorf("cut at %d: %d features, record errors %v, end %v; want a fatal error", c, len(feats), recErrs, fatal)
				continue
			}
			err = fatal
			if fe, ok := feature.AsError(err); ok && fe.Record != int64(len(feats)+1) {
				t.Errorf("cut at %d: error at record %d after %d features", c, fe.Record, len(feats))
			}
		}
		checkError(t, err, "d.shp", -1, "")
	}
	// Cut the table instead.
	for c := 0; c < len(dbf)-1; c += 97 {
		r, err := shapefile.NewReader("d.shp", bytes.NewReader(shp), bytes.NewReader(dbf[:c]), shapefile.Options{})
		if err == nil {
			_, _, err = drain(t, r)
			if err == nil {
				t.Errorf("dbf cut at %d: no error", c)
				continue
			}
		}
		checkError(t, err, "d.dbf", -1, "")
	}
}

// TestHugeCountsDoNotAllocate: a record claiming 2^31 points, or a content
// length of 4 GiB, fails without allocating for the claim.
func TestHugeCountsDoNotAllocate(t *testing.T) {
	good := partsContent(tPolygon, square(0, 0, 10, false))
	for _, tc := range []struct {
		name string
		shp  []byte
	}{
		{"2^31 points", shpFile(tPolygon, patch(good, 40, le32(math.MinInt32+0)))},
		{"2^31-1 points", shpFile(tPolygon, patch(good, 40, le32(math.MaxInt32)))},
		{"4 GiB content length", patch(shpFile(tPolygon, good), 104, []byte{0x7f, 0xff, 0xff, 0xff})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for i := 0; i < 10; i++ {
				r, err := shapefile.NewReader("h.shp", bytes.NewReader(tc.shp), nil, shapefile.Options{})
				if err != nil {
					t.Fatal(err)
				}
				f, err := r.Read()
				if err == nil || (f != nil && f.Geometry != nil) {
					t.Fatalf("Read = %v, %v; want an error", f, err)
				}
			}
			runtime.ReadMemStats(&after)
			// Ten readers with their 1 MiB buffers; nothing near 32 GiB.
			if got := after.TotalAlloc - before.TotalAlloc; got > 20<<20 {
				t.Errorf("allocated %d bytes for 10 reads", got)
			}
		})
	}
}
