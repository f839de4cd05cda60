package shapefile_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/source/shapefile"
)

// zipSeeds are the archives FuzzZip starts from: a real set, nested and
// backslash names, unsafe names, a link, duplicate and case-only names, a
// nested zip, a small bomb and many entries.
func zipSeeds(t testing.TB) map[string][]byte {
	t.Helper()
	dir := t.TempDir()
	mb := filepath.Join(testdata, "shapefile-suites", "mbostock-shapefile", "test")
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pts := twoPoints()
	var many []zipEntry
	for i := range 40 {
		many = append(many, zipEntry{name: fmt.Sprintf("l%02d.shp", i), data: pts})
	}
	sets := map[string][]zipEntry{
		"polygons": {
			{name: "polygons.shp", data: read(filepath.Join(mb, "polygons.shp"))},
			{name: "polygons.shx", data: read(filepath.Join(mb, "polygons.shx"))},
			{name: "polygons.dbf", data: read(filepath.Join(mb, "polygons.dbf"))},
		},
		"backslash": {
			{name: `a\b\p.shp`, data: pts},
			{name: `a\b\p.dbf`, data: dbfFile(0, []dbfField{{"ten", 'C', 10, 0}}, []string{"Muong La"}, []string{"Yen Chau"})},
			{name: `a\b\p.shx`, data: shxFor(pts), store: true},
		},
		"unsafe": {
			{name: "../x.shp", data: pts},
			{name: "/abs.shp", data: pts},
			{name: "ok.shp", data: pts},
		},
		"symlink": {{name: "ok.shp", data: pts}, {name: "ok.dbf", data: []byte("/etc/passwd"), mode: fs.ModeSymlink | 0o777}},
		"dup":     {{name: "ok.shp", data: pts}, {name: "ok.shp", data: pts}},
		"case":    {{name: "ok.shp", data: pts}, {name: "OK.SHP", data: pts}},
		"nested":  {{name: "inner.zip", data: []byte("PK\x05\x06" + strings.Repeat("\x00", 18))}},
		"bomb":    {{name: "z.shp", data: append(append([]byte{}, pts...), make([]byte, 2<<20)...)}},
		"many":    many,
		"empty":   {},
	}
	out := map[string][]byte{}
	for name, entries := range sets {
		p := filepath.Join(dir, name+".zip")
		writeZip(t, p, entries...)
		out[name] = read(p)
	}
	return out
}

// TestUpdateZipCorpus rewrites testdata/fuzz/FuzzZip with -update-corpus.
func TestUpdateZipCorpus(t *testing.T) {
	if !*updateCorpus {
		t.Skip("run with -update-corpus to rewrite testdata/fuzz seeds")
	}
	for name, b := range zipSeeds(t) {
		writeCorpus(t, "FuzzZip", name, b)
	}
}

// FuzzZip opens arbitrary bytes as a zip of shapefiles and reads every
// layer: errors must be *feature.Error or name the archive, names must stay
// inside it, and nothing may panic or exceed the limits.
func FuzzZip(f *testing.F) {
	for _, b := range zipSeeds(f) {
		f.Add(b)
	}
	lim := feature.Limits{ZipBytes: 8 << 20, ZipEntries: 100, RecordBytes: 1 << 20, Features: 10000}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "f.zip")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		layers, err := shapefile.Open(p, shapefile.Options{Limits: lim})
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error %q does not name the archive", err)
			}
			return
		}
		for _, l := range layers {
			info := l.Info()
			if rest, ok := strings.CutPrefix(info.Source, p+"/"); !ok || strings.Contains(rest, "..") || strings.Contains(rest, `\`) || strings.HasPrefix(rest, "/") {
				t.Fatalf("layer source %q is not a safe name inside the archive", info.Source)
			}
			fr, err := l.Features()
			if err != nil {
				continue
			}
			fuzzRead(t, fr.(*shapefile.Reader), int(lim.Features)+2)
			fr.Close()
		}
	})
}
