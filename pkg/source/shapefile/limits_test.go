package shapefile_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/source/shapefile"
)

// zipEntry is one member of a test archive.
type zipEntry struct {
	name  string
	data  []byte
	store bool        // stored, not deflated
	mode  fs.FileMode // set when not zero (e.g. a symbolic link)
}

func writeZip(t testing.TB, path string, entries ...zipEntry) {
	t.Helper()
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	for _, e := range entries {
		m := zip.Deflate
		if e.store {
			m = zip.Store
		}
		h := &zip.FileHeader{Name: e.name, Method: m}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
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

// checkLimit asserts err is a *feature.Error over a limit, naming file
// and the flag.
func checkLimit(t *testing.T, err error, file, flag string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one over %s", flag)
	}
	fe, ok := feature.AsError(err)
	if !ok || !errors.Is(err, feature.ErrLimit) {
		t.Fatalf("error %q (%T) is not a *feature.Error over a limit", err, err)
	}
	if !strings.Contains(fe.File, file) || !strings.Contains(err.Error(), flag) {
		t.Errorf("error %q: want file %q and flag %s", err, file, flag)
	}
}

func twoPoints() []byte {
	return shpFile(tPoint, pointContent(104, 21), pointContent(104.1, 21.1))
}

// TestRecordLimit: a record over RecordBytes stops the read at that record
// before its content is read, and a record under it is read.
func TestRecordLimit(t *testing.T) {
	big := make([]byte, 4<<20) // a null shape padded to 4 MiB: valid, large
	shp := shpFile(tPoint, pointContent(104, 21), big)
	read := func(lim feature.Limits) error {
		r, err := shapefile.NewReader("big.shp", bytes.NewReader(shp), nil, shapefile.Options{Limits: lim})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		_, _, fatal := drain(t, r)
		if fatal == feature.EOF {
			return nil
		}
		return fatal
	}
	if err := read(feature.Limits{}); err != nil {
		t.Fatalf("default limits: %v", err)
	}
	err := read(feature.Limits{RecordBytes: 1 << 20})
	checkLimit(t, err, "big.shp", feature.FlagRecordBytes)
	checkError(t, err, "big.shp", 2, "declares 4194304 bytes")
}

// TestRecordLimitLyingLength: a .shp in a zip whose only record declares
// 2 GiB of content (with 64 MiB of zeros really there, as in a zip bomb)
// is refused without allocating the record.
func TestRecordLimitLyingLength(t *testing.T) {
	body := make([]byte, 100+8+(64<<20))
	copy(body, shpFile(tPoint)[:100])
	binary.BigEndian.PutUint32(body[24:], uint32(len(body)/2))
	binary.BigEndian.PutUint32(body[100:], 1)
	binary.BigEndian.PutUint32(body[104:], 1<<30) // 2 GiB in 16-bit words
	zpath := filepath.Join(t.TempDir(), "bomb.zip")
	writeZip(t, zpath, zipEntry{name: "bomb.shp", data: body})
	layers, err := shapefile.Open(zpath, shapefile.Options{Limits: feature.Limits{ZipRatio: 1 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r, err := layers[0].Features()
	if err != nil {
		t.Fatal(err)
	}
	_, _, fatal := drain(t, r.(*shapefile.Reader))
	r.Close()
	runtime.ReadMemStats(&after)
	checkLimit(t, fatal, "bomb.zip/bomb.shp", feature.FlagRecordBytes)
	if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
		t.Errorf("reading allocated %d MiB, want the record refused before it is read", got>>20)
	}
}

// TestFeaturesLimit: a layer with more records than Features stops at the
// first one over, and a declared count over it is refused at Open.
func TestFeaturesLimit(t *testing.T) {
	r, err := shapefile.NewReader("p.shp", bytes.NewReader(twoPoints()), nil, shapefile.Options{Limits: feature.Limits{Features: 1}})
	if err != nil {
		t.Fatal(err)
	}
	feats, _, fatal := drain(t, r)
	if len(feats) != 1 {
		t.Errorf("%d features before the limit, want 1", len(feats))
	}
	checkLimit(t, fatal, "p.shp", feature.FlagFeatures)

	dir := t.TempDir()
	shp := twoPoints()
	dbf := dbfFile(0, []dbfField{{"n", 'N', 5, 0}}, []string{"1"}, []string{"2"})
	os.WriteFile(filepath.Join(dir, "p.shp"), shp, 0o644)
	os.WriteFile(filepath.Join(dir, "p.dbf"), dbf, 0o644)
	_, err = shapefile.Open(filepath.Join(dir, "p.shp"), shapefile.Options{Limits: feature.Limits{Features: 1}})
	checkLimit(t, err, "p.dbf", feature.FlagFeatures)
}

// TestDBFHeaderLies: a small .dbf that claims 2^28 records of 2,000 fields
// is refused at Open, before anything sized by the claim is allocated.
func TestDBFHeaderLies(t *testing.T) {
	fields := make([]dbfField, 2000)
	for i := range fields {
		fields[i] = dbfField{fmt.Sprintf("f%d", i), 'C', 2, 0}
	}
	dbf := dbfFile(0, fields, make([]string, 2000))
	binary.LittleEndian.PutUint32(dbf[4:], 1<<28)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "lie.shp"), twoPoints(), 0o644)
	os.WriteFile(filepath.Join(dir, "lie.dbf"), dbf, 0o644)
	_, err := shapefile.Open(filepath.Join(dir, "lie.shp"), shapefile.Options{})
	checkError(t, err, filepath.Join(dir, "lie.dbf"), 0, "declares 268435456 records")

	// The same in a zip: the size is the member's.
	zpath := filepath.Join(dir, "lie.zip")
	writeZip(t, zpath, zipEntry{name: "lie.shp", data: twoPoints()}, zipEntry{name: "lie.dbf", data: dbf})
	_, err = shapefile.Open(zpath, shapefile.Options{})
	checkError(t, err, zpath+"/lie.dbf", 0, "declares 268435456 records")

	// An .shx that claims more than it holds is ignored, with a warning.
	shx := shxFor(twoPoints())
	binary.BigEndian.PutUint32(shx[24:], 1<<30)
	os.WriteFile(filepath.Join(dir, "lie.shx"), shx, 0o644)
	os.Remove(filepath.Join(dir, "lie.dbf"))
	ls, err := shapefile.Open(filepath.Join(dir, "lie.shp"), shapefile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if info := ls[0].Info(); info.Count != -1 || !strings.Contains(strings.Join(info.Warnings, "|"), ".shx ignored") {
		t.Errorf("count %d, warnings %q: want the lying .shx ignored", info.Count, info.Warnings)
	}
}

// TestZipLimits: entry count, total uncompressed size and compression
// ratio are checked on the central directory, each error naming the zip,
// the entry and the flag.
func TestZipLimits(t *testing.T) {
	dir := t.TempDir()
	set := []zipEntry{{name: "a.shp", data: twoPoints()}, {name: "a.shx", data: shxFor(twoPoints())}}
	plain := filepath.Join(dir, "plain.zip")
	writeZip(t, plain, set...)
	bomb := filepath.Join(dir, "bomb.zip")
	writeZip(t, bomb, append(set, zipEntry{name: "readme.txt", data: make([]byte, 8<<20)})...)
	for _, tc := range []struct {
		name string
		path string
		lim  feature.Limits
		file string
		flag string
	}{
		{"entries", plain, feature.Limits{ZipEntries: 1}, plain, feature.FlagZipEntries},
		{"bytes", plain, feature.Limits{ZipBytes: 200}, plain + "/a.shx", feature.FlagZipBytes},
		{"ratio", bomb, feature.Limits{}, bomb + "/readme.txt", feature.FlagZipRatio},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := shapefile.Open(tc.path, shapefile.Options{Limits: tc.lim})
			checkLimit(t, err, tc.file, tc.flag)
			if fe, _ := feature.AsError(err); fe != nil && fe.File != tc.file {
				t.Errorf("file %q, want %q", fe.File, tc.file)
			}
		})
	}
	if _, err := shapefile.Open(plain, shapefile.Options{}); err != nil {
		t.Errorf("default limits: %v", err)
	}
}

// TestZipNames: backslash names (Windows tools) are read as paths; a zip
// with a name that is absolute or climbs with "..", a symbolic link, or
// two names equal but for case is refused, naming the entry.
func TestZipNames(t *testing.T) {
	dir := t.TempDir()
	shp := shpFile(tPolygon, partsContent(tPolygon, square(104, 21, 0.1, false)))
	dbf := dbfFile(0, []dbfField{{"ten", 'C', 10, 0}}, []string{"Muong La"})
	good := []zipEntry{
		{name: `ranh_gioi\xa.shp`, data: shp},
		{name: `ranh_gioi\xa.dbf`, data: dbf},
		{name: `ranh_gioi\xa.shx`, data: shxFor(shp)},
	}
	zpath := filepath.Join(dir, "win.zip")
	writeZip(t, zpath, good...)
	layers, err := shapefile.Open(zpath, shapefile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("%d layers, want 1", len(layers))
	}
	info := layers[0].Info()
	if info.Name != "xa" || info.Source != zpath+"/ranh_gioi/xa.shp" || info.Count != 1 {
		t.Errorf("layer %q from %q, %d records", info.Name, info.Source, info.Count)
	}
	feats := readLayer(t, layers[0])
	if len(feats) != 1 || feats[0].Properties["ten"] != "Muong La" {
		t.Fatalf("features %+v", feats)
	}
	if _, ok := feats[0].Geometry.(orb.Polygon); !ok {
		t.Errorf("geometry %T", feats[0].Geometry)
	}

	for _, tc := range []struct {
		name  string
		extra zipEntry
		want  string
	}{
		{"dotdot", zipEntry{name: "../evil.shp", data: shp}, `entry "../evil.shp" is an absolute path or climbs out`},
		{"absolute", zipEntry{name: "/abs/evil.shp", data: shp}, `entry "/abs/evil.shp" is an absolute path`},
		{"drive", zipEntry{name: `C:\evil.shp`, data: shp}, `entry "C:\\evil.shp" is an absolute path`},
		{"backslash dotdot", zipEntry{name: `x\..\..\evil.shp`, data: shp}, `climbs out of the archive`},
		{"symlink", zipEntry{name: "link.shp", data: []byte("/etc/passwd"), mode: fs.ModeSymlink | 0o777}, `entry "link.shp" is a symbolic link`},
		{"duplicate", zipEntry{name: `ranh_gioi/xa.dbf`, data: dbf}, `entry "ranh_gioi/xa.dbf" appears twice`},
		{"case", zipEntry{name: `ranh_gioi/XA.DBF`, data: dbf}, `entries "ranh_gioi/xa.dbf" and "ranh_gioi/XA.DBF" differ only in case`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name+".zip")
			writeZip(t, p, append(append([]zipEntry{}, good...), tc.extra)...)
			_, err := shapefile.Open(p, shapefile.Options{})
			fe, ok := feature.AsError(err)
			if !ok || fe.File != p || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want a *feature.Error on %s containing %q", err, p, tc.want)
			}
		})
	}
}

// TestZipManyLayers: a zip of many sets opens, and every layer reads
// from the one index (a changed file on disk is noticed, not misread).
func TestZipManyLayers(t *testing.T) {
	const n = 1500
	shp := twoPoints()
	shx := shxFor(shp)
	var entries []zipEntry
	for i := range n {
		entries = append(entries, zipEntry{name: fmt.Sprintf("d/l%04d.shp", i), data: shp}, zipEntry{name: fmt.Sprintf("d/l%04d.shx", i), data: shx})
	}
	zpath := filepath.Join(t.TempDir(), "many.zip")
	writeZip(t, zpath, entries...)
	layers, err := shapefile.Open(zpath, shapefile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != n {
		t.Fatalf("%d layers, want %d", len(layers), n)
	}
	for _, l := range layers {
		if got := len(readLayer(t, l)); got != 2 {
			t.Fatalf("%s: %d features", l.Info().Source, got)
		}
		if w := l.Info().Warnings; len(w) != 1 { // "no .dbf"
			t.Fatalf("%s: warnings %q", l.Info().Source, w)
		}
	}
	// Replace the archive: the index read by Open no longer describes it.
	writeZip(t, zpath, entries[:2]...)
	if _, err := layers[0].Features(); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Errorf("reading a replaced zip: %v, want an error saying it changed", err)
	}
}

// BenchmarkZipManyLayers opens a zip of 2,000 shapefile sets and reads
// every layer, as inspect and build do.
func BenchmarkZipManyLayers(b *testing.B) {
	shp := twoPoints()
	shx := shxFor(shp)
	var entries []zipEntry
	for i := range 2000 {
		entries = append(entries, zipEntry{name: fmt.Sprintf("l%04d.shp", i), data: shp}, zipEntry{name: fmt.Sprintf("l%04d.shx", i), data: shx})
	}
	zpath := filepath.Join(b.TempDir(), "many.zip")
	writeZip(b, zpath, entries...)
	b.ReportAllocs()
	for b.Loop() {
		layers, err := shapefile.Open(zpath, shapefile.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range layers {
			r, err := l.Features()
			if err != nil {
				b.Fatal(err)
			}
			for {
				if f, _ := r.Read(); f == nil {
					break
				}
			}
			r.Close()
		}
	}
}
