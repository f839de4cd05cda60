package shapefile_test

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"golang.org/x/text/unicode/norm"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/source/shapefile"
)

var dvhcvn = filepath.Join(testdata, "dvhcvn")

func TestSonLaDistricts(t *testing.T) {
	sets := []struct {
		base, encoding string
	}{
		{"son_la_districts_wgs84_utf8", "UTF-8 (.cpg)"},
		{"son_la_districts_vn2000_tm3_utf8", "UTF-8 (.cpg)"},
		{"son_la_districts_vn2000_tm3_cp1258", "windows-1258 (.cpg)"},
	}
	names := map[string][]string{}
	geoms := map[string][]orb.Geometry{}
	for _, s := range sets {
		info, feats := readAll(t, filepath.Join(dvhcvn, s.base+".shp"), shapefile.Options{})
		if info.Encoding != s.encoding {
			t.Errorf("%s: Encoding %q, want %q", s.base, info.Encoding, s.encoding)
		}
		if len(feats) != 12 || info.Count != 12 {
			t.Fatalf("%s: %d features, Count %d, want 12", s.base, len(feats), info.Count)
		}
		if !strings.Contains(info.CRS, "GEOGCS") {
			t.Errorf("%s: CRS %q", s.base, info.CRS)
		}
		if got := info.Schema.Fields[info.Schema.Index("level")].Type; got != feature.Int {
			t.Errorf("%s: level is %v, want integer", s.base, got)
		}
		for _, f := range feats {
			ten, _ := f.Properties["ten"].(string)
			if ten == "" || !norm.NFC.IsNormalString(ten) {
				t.Errorf("%s row %d: ten %q is empty or not NFC", s.base, f.Row, ten)
			}
			names[s.base] = append(names[s.base], ten)
			geoms[s.base] = append(geoms[s.base], f.Geometry)
			switch f.Geometry.(type) {
			case orb.Polygon, orb.MultiPolygon:
			default:
				t.Errorf("%s row %d: geometry %T", s.base, f.Row, f.Geometry)
			}
		}
	}
	want := names[sets[0].base]
	if !contains(want, "Mộc Châu") {
		t.Errorf("names %v do not include Mộc Châu", want)
	}
	for _, s := range sets[1:] {
		if !reflect.DeepEqual(names[s.base], want) {
			t.Errorf("%s names %q, want %q", s.base, names[s.base], want)
		}
	}
	if !reflect.DeepEqual(geoms[sets[1].base], geoms[sets[2].base]) {
		t.Error("VN-2000 UTF-8 and CP1258 sets have different coordinates")
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

// copySet copies the files of a shapefile set into dir under a new base
// name, with the given extensions only.
func copySet(t *testing.T, src, dir, base string, exts ...string) {
	t.Helper()
	for _, ext := range exts {
		b, err := os.ReadFile(src + ext)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, base+ext), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestEncodingChoice(t *testing.T) {
	cp1258 := filepath.Join(dvhcvn, "son_la_districts_vn2000_tm3_cp1258")
	_, utf := readAll(t, filepath.Join(dvhcvn, "son_la_districts_vn2000_tm3_utf8.shp"), shapefile.Options{})
	tests := []struct {
		name     string
		exts     []string // copied from the CP1258 set
		cpg      string   // written as .cpg when not empty
		override string
		encoding string
		warn     string // a warning that must be present
		sameText bool   // names equal the UTF-8 set's
		utf8     bool   // copy from the UTF-8 set instead
	}{
		{name: "UTF-8 without cpg", exts: []string{".shp", ".shx", ".dbf"}, encoding: "UTF-8 (detected, confidence 1.00)", sameText: true, utf8: true},
		{name: "UTF-8 read as 1252 by override", exts: []string{".shp", ".shx", ".dbf", ".cpg"}, override: "windows-1252", encoding: "windows-1252 (override)", utf8: true},
		{name: "cpg", exts: []string{".shp", ".shx", ".dbf", ".cpg"}, encoding: "windows-1258 (.cpg)", sameText: true},
		{name: "override wins over cpg", exts: []string{".shp", ".shx", ".dbf"}, cpg: "UTF-8", override: "1258", encoding: "windows-1258 (override)", sameText: true},
		{name: "cpg number", exts: []string{".shp", ".shx", ".dbf"}, cpg: "1258\r\n", encoding: "windows-1258 (.cpg)", sameText: true},
		{name: "no cpg detects windows-1258", exts: []string{".shp", ".shx", ".dbf"}, encoding: "windows-1258 (detected, confidence 1.00)", sameText: true},
		{name: "bad cpg falls back losslessly", exts: []string{".shp", ".shx", ".dbf"}, cpg: "KLINGON", encoding: "ISO-8859-1 (fallback)", warn: "KLINGON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			src := cp1258
			if tc.utf8 {
				src = filepath.Join(dvhcvn, "son_la_districts_vn2000_tm3_utf8")
			}
			copySet(t, src, dir, "x", tc.exts...)
			if tc.cpg != "" {
				if err := os.WriteFile(filepath.Join(dir, "x.cpg"), []byte(tc.cpg), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			info, feats := readAll(t, filepath.Join(dir, "x.shp"), shapefile.Options{Encoding: tc.override})
			if info.Encoding != tc.encoding {
				t.Errorf("Encoding %q, want %q", info.Encoding, tc.encoding)
			}
			if tc.warn != "" && !strings.Contains(strings.Join(info.Warnings, "\n"), tc.warn) {
				t.Errorf("warnings %q lack %q", info.Warnings, tc.warn)
			}
			for i, f := range feats {
				got, want := f.Properties["ten"], utf[i].Properties["ten"]
				if (got == want) != tc.sameText {
					t.Errorf("row %d: ten %q, UTF-8 set has %q", f.Row, got, want)
				}
			}
		})
	}
}

// TestEncodingNamed: an encoding the user names is an assertion: an
// unknown name refuses the layer, and text that is not valid UTF-8 under
// a named UTF-8 stops the read at the record, naming the field.
func TestEncodingNamed(t *testing.T) {
	cp1258 := filepath.Join(dvhcvn, "son_la_districts_vn2000_tm3_cp1258")
	dir := t.TempDir()
	copySet(t, cp1258, dir, "x", ".shp", ".shx", ".dbf")
	shp := filepath.Join(dir, "x.shp")
	if _, err := shapefile.Open(shp, shapefile.Options{Encoding: "nope"}); err == nil || !strings.Contains(err.Error(), `"nope", is unknown`) {
		t.Errorf("unknown encoding: err %v", err)
	}
	ls, err := shapefile.Open(shp, shapefile.Options{Encoding: "utf-8"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ls[0].Features()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for {
		f, err := r.Read()
		if f != nil {
			continue
		}
		fe, ok := feature.AsError(err)
		if !ok || fe.File != filepath.Join(dir, "x.dbf") || fe.Record < 1 || !strings.Contains(fe.Reason, "field ten is not valid UTF-8") || !strings.Contains(fe.Reason, "windows-1258") {
			t.Errorf("windows-1258 text read as UTF-8: err %v", err)
		}
		break
	}
}

func TestShpAlone(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(testdata, "shapefile-suites", "go-shp", "test_files", "polygon")
	copySet(t, src, dir, "alone", ".shp")
	copySet(t, src, dir, "noshx", ".shp", ".dbf")
	copySet(t, src, dir, "nodbf", ".shp", ".shx")
	layers, err := shapefile.Open(dir, shapefile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 3 || layers[0].Info().Name != "alone" || layers[1].Info().Name != "nodbf" || layers[2].Info().Name != "noshx" {
		t.Fatalf("layers %v", layers)
	}
	alone, nodbf, noshx := layers[0].Info(), layers[1].Info(), layers[2].Info()
	if nodbf.Count != 1 || len(nodbf.Schema.Fields) != 0 {
		t.Errorf("nodbf: Count %d (from the .shx), schema %v", nodbf.Count, nodbf.Schema)
	}
	if alone.Count != -1 || len(alone.Schema.Fields) != 0 {
		t.Errorf("alone: Count %d, schema %v; want -1 and none", alone.Count, alone.Schema)
	}
	if noshx.Count != 1 || len(noshx.Schema.Fields) != 2 {
		t.Errorf("noshx: Count %d, schema %v", noshx.Count, noshx.Schema)
	}
	for _, l := range layers {
		feats := readLayer(t, l)
		if len(feats) != 1 {
			t.Fatalf("%s: %d features", l.Info().Name, len(feats))
		}
		if _, ok := feats[0].Geometry.(orb.Polygon); !ok {
			t.Errorf("%s: geometry %T", l.Info().Name, feats[0].Geometry)
		}
	}
}

func TestSiblingCase(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dvhcvn, "son_la_districts_vn2000_tm3_cp1258")
	for ext, up := range map[string]string{".shp": ".SHP", ".shx": ".Shx", ".dbf": ".DBF", ".prj": ".PRJ", ".cpg": ".CPG"} {
		b, err := os.ReadFile(src + ext)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "Districts"+up), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	info, feats := readAll(t, filepath.Join(dir, "Districts.SHP"), shapefile.Options{})
	if info.Name != "Districts" || info.Encoding != "windows-1258 (.cpg)" || info.CRS == "" || len(feats) != 12 {
		t.Errorf("info %+v, %d features", info, len(feats))
	}
}

func TestZip(t *testing.T) {
	zpath := filepath.Join(t.TempDir(), "upload.zip")
	out, err := os.Create(zpath)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	add := func(src, name string) {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	for _, ext := range []string{".shp", ".shx", ".dbf", ".prj", ".cpg"} {
		add(filepath.Join(dvhcvn, "son_la_districts_vn2000_tm3_cp1258"+ext), "ranh_gioi/huyen"+strings.ToUpper(ext))
	}
	mb := filepath.Join(testdata, "shapefile-suites", "mbostock-shapefile", "test")
	for _, ext := range []string{".shp", ".shx", ".dbf"} {
		add(filepath.Join(mb, "polygons"+ext), "polygons"+ext)
	}
	add(filepath.Join(mb, "polygons.shp"), "__MACOSX/._polygons.shp")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}

	layers, err := shapefile.Open(zpath, shapefile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 2 {
		t.Fatalf("%d layers, want 2", len(layers))
	}
	_, fromDir := readAll(t, filepath.Join(dvhcvn, "son_la_districts_vn2000_tm3_utf8.shp"), shapefile.Options{})
	for _, tc := range []struct {
		layer   *shapefile.Layer
		name    string
		source  string
		count   int
		compare []*feature.Feature
	}{
		{layers[0], "polygons", zpath + "/polygons.shp", 3, nil},
		{layers[1], "huyen", zpath + "/ranh_gioi/huyen.SHP", 12, fromDir},
	} {
		info := tc.layer.Info()
		if info.Name != tc.name || info.Source != tc.source || info.Count != int64(tc.count) {
			t.Errorf("layer %+v, want name %s source %s count %d", info, tc.name, tc.source, tc.count)
		}
		feats := readLayer(t, tc.layer)
		if len(feats) != tc.count {
			t.Errorf("%s: %d features", tc.name, len(feats))
		}
		if tc.compare != nil && !reflect.DeepEqual(feats, tc.compare) {
			t.Errorf("%s: features differ from the same set read from disk", tc.name)
		}
	}
}

func TestReaderAfterEOF(t *testing.T) {
	layers, err := shapefile.Open(filepath.Join(testdata, "shapefile-suites", "mbostock-shapefile", "test", "singleton.shp"), shapefile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := layers[0].Features()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := r.Read(); err != io.EOF {
			t.Fatalf("Read %d after the end: %v, want io.EOF", i, err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}
