package shapefile_test

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/source/shapefile"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite the seed corpora in testdata/fuzz from the suite files")

// suitePairs returns the .shp and .dbf bytes of every suite set (dbf nil
// when there is none).
func suitePairs(t testing.TB) (names []string, shps, dbfs [][]byte) {
	t.Helper()
	var paths []string
	for _, dir := range []string{
		filepath.Join(testdata, "shapefile-suites", "mbostock-shapefile", "test"),
		filepath.Join(testdata, "shapefile-suites", "go-shp", "test_files"),
	} {
		m, err := filepath.Glob(filepath.Join(dir, "*.shp"))
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	for _, p := range paths {
		shp, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		dbf, _ := os.ReadFile(strings.TrimSuffix(p, ".shp") + ".dbf")
		names = append(names, filepath.Base(filepath.Dir(filepath.Dir(p)))+"-"+strings.TrimSuffix(filepath.Base(p), ".shp"))
		shps = append(shps, shp)
		dbfs = append(dbfs, dbf)
	}
	return names, shps, dbfs
}

// writeCorpus writes one seed in the "go test fuzz v1" format.
func writeCorpus(t *testing.T, target, name string, args ...[]byte) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		fmt.Fprintf(&b, "[]byte(%q)\n", a)
	}
	if err := os.WriteFile(filepath.Join(dir, "seed-"+name), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestUpdateCorpus regenerates the seed corpora with -update-corpus: each
// suite set whole and cut in half.
func TestUpdateCorpus(t *testing.T) {
	if !*updateCorpus {
		t.Skip("run with -update-corpus to rewrite testdata/fuzz seeds")
	}
	names, shps, dbfs := suitePairs(t)
	for i, n := range names {
		writeCorpus(t, "FuzzShapefile", n, shps[i], dbfs[i])
		writeCorpus(t, "FuzzShapefile", n+"-half", shps[i][:len(shps[i])/2], dbfs[i])
		if dbfs[i] != nil {
			writeCorpus(t, "FuzzDBF", n, dbfs[i])
		}
	}
}

// checkGeometry asserts what the reader promises about every geometry it
// returns: finite coordinates, closed rings of four points or more,
// exteriors counter-clockwise and holes clockwise.
func checkGeometry(t *testing.T, g orb.Geometry) {
	t.Helper()
	finite := func(pts []orb.Point) {
		for _, p := range pts {
			if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
				t.Fatalf("non-finite coordinate %v", p)
			}
		}
	}
	polygon := func(p orb.Polygon) {
		for i, r := range p {
			finite(r)
			if len(r) < 4 || r[0] != r[len(r)-1] {
				t.Fatalf("ring %d: %d points, closed %v", i, len(r), len(r) > 0 && r[0] == r[len(r)-1])
			}
			// Orientation is only meaningful when the area is clear of
			// rounding error (degenerate rings may go either way).
			if a, mag := signedArea2(r), areaMagnitude(r); math.Abs(a) > 1e-9*mag && ((i == 0 && a < 0) || (i > 0 && a > 0)) {
				t.Fatalf("ring %d has signed area %g", i, a)
			}
		}
	}
	switch g := g.(type) {
	case nil:
	case orb.Point:
		finite([]orb.Point{g})
	case orb.MultiPoint:
		finite(g)
	case orb.LineString:
		finite(g)
	case orb.MultiLineString:
		for _, l := range g {
			finite(l)
		}
	case orb.Polygon:
		polygon(g)
	case orb.MultiPolygon:
		for _, p := range g {
			polygon(p)
		}
	default:
		t.Fatalf("unexpected geometry %T", g)
	}
}

// areaMagnitude bounds the terms of the shoelace sum, to tell a signed
// area from rounding noise.
func areaMagnitude(r orb.Ring) float64 {
	m := 0.0
	for i := 0; i+1 < len(r); i++ {
		m += math.Abs(r[i][0]*r[i+1][1]) + math.Abs(r[i+1][0]*r[i][1])
	}
	return m
}

// fuzzRead reads everything and checks the error contract.
func fuzzRead(t *testing.T, r *shapefile.Reader, maxRecords int) []*feature.Feature {
	var feats []*feature.Feature
	schema := r.Schema()
	lastRow := int64(0)
	for i := 0; ; i++ {
		if i > maxRecords {
			t.Fatalf("more than %d reads", maxRecords)
		}
		f, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if _, ok := feature.AsError(err); !ok {
				t.Fatalf("error %v is not a *feature.Error", err)
			}
			if f == nil {
				break
			}
		}
		if f.Row <= lastRow {
			t.Fatalf("row %d after %d", f.Row, lastRow)
		}
		lastRow = f.Row
		checkGeometry(t, f.Geometry)
		for k, v := range f.Properties {
			i := schema.Index(k)
			if i < 0 {
				t.Fatalf("property %q not in schema", k)
			}
			if v == nil {
				continue
			}
			var ok bool
			switch schema.Fields[i].Type {
			case feature.String, feature.Date:
				var s string
				s, ok = v.(string)
				ok = ok && utf8.ValidString(s)
			case feature.Int:
				_, ok = v.(int64)
			case feature.Float:
				_, ok = v.(float64)
			case feature.Bool:
				_, ok = v.(bool)
			}
			if !ok {
				t.Fatalf("property %q = %#v does not match type %v", k, v, schema.Fields[i].Type)
			}
		}
		feats = append(feats, f)
	}
	return feats
}

func FuzzShapefile(f *testing.F) {
	_, shps, dbfs := suitePairs(f)
	for i := range shps {
		f.Add(shps[i], dbfs[i])
	}
	f.Add(shpFile(tPolygon, partsContent(tPolygon, square(0, 0, 10, false), square(2, 2, 2, true), square(20, 20, 1, true))), []byte(nil))
	f.Fuzz(func(t *testing.T, shp, dbf []byte) {
		var d io.Reader
		if len(dbf) > 0 {
			d = bytes.NewReader(dbf)
		}
		r, err := shapefile.NewReader("f.shp", bytes.NewReader(shp), d, shapefile.Options{})
		if err != nil {
			if _, ok := feature.AsError(err); !ok {
				t.Fatalf("NewReader error %v is not a *feature.Error", err)
			}
			return
		}
		defer r.Close()
		// Every record takes at least its 8-byte header.
		fuzzRead(t, r, len(shp)/8+2)
	})
}

func FuzzDBF(f *testing.F) {
	_, _, dbfs := suitePairs(f)
	for _, d := range dbfs {
		if d != nil {
			f.Add(d)
		}
	}
	f.Add(dbfFile(0, []dbfField{{"ten", 'C', 16, 0}, {"n", 'N', 6, 0}, {"x", 'N', 12, 3}, {"l", 'L', 1, 0}, {"d", 'D', 8, 0}},
		[]string{"Mường La", "-42", "1.5", "T", "20250701"}, []string{"*", "x", "", "", "?", "00000000"}))
	// Eight null shapes to pair with the records.
	nulls := make([][]byte, 8)
	for i := range nulls {
		nulls[i] = []byte{0, 0, 0, 0}
	}
	shp := shpFile(0, nulls...)
	f.Fuzz(func(t *testing.T, dbf []byte) {
		for _, enc := range []string{"", "UTF-8", "windows-1258", "936"} {
			r, err := shapefile.NewReader("f.shp", bytes.NewReader(shp), bytes.NewReader(dbf), shapefile.Options{Encoding: enc})
			if err != nil {
				if fe, ok := feature.AsError(err); !ok || fe.File != "f.dbf" {
					t.Fatalf("NewReader error %v, want a *feature.Error about f.dbf", err)
				}
				return
			}
			fuzzRead(t, r, len(nulls)+2)
			r.Close()
		}
	})
}
