package shapefile_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/source/shapefile"
	"github.com/sonla-gis/plantile/pkg/vntext"
)

var legacy = filepath.Join(testdata, "legacy-encodings")

// TestLegacyFixtures reads the Son La districts in TCVN3 and VNI with no
// flag (no .cpg, LDID 0) and compares every attribute with the UTF-8 the
// fixtures were made from.
func TestLegacyFixtures(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(legacy, "expected_utf8.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want []map[string]any
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, w := range want {
		names = append(names, w["ten"].(string))
	}
	for _, tc := range []struct {
		enc   string
		first string // the first name as windows-1252 shows it
	}{
		{"TCVN3", "Thµnh phè S¬n La"},
		{"VNI", "Thaønh phoá Sôn La"},
	} {
		t.Run(tc.enc, func(t *testing.T) {
			enc, _ := vntext.ParseLegacy(tc.enc)
			base := "son_la_districts_vn2000_tm3_" + strings.ToLower(tc.enc)
			info, feats := readAll(t, filepath.Join(legacy, base+".shp"), shapefile.Options{})
			if !strings.HasPrefix(info.Encoding, tc.enc+" (detected") {
				t.Errorf("Encoding %q, want %s detected", info.Encoding, tc.enc)
			}
			d := info.EncodingDetection
			if d == nil {
				t.Fatal("no EncodingDetection")
			}
			if d.Encoding != tc.enc || d.Confidence < 0.8 || d.Level != "high" || d.Reason == "" || len(d.Candidates) != 5 {
				t.Errorf("detection %+v", d)
			}
			// The sample is a value as stored (read as windows-1252) and
			// as decoded.
			raw, err := vntext.Encode(enc, d.After)
			if err != nil || d.Field != "ten" || !contains(names, d.After) || d.Before != vntext.Windows1252.Decode(raw) {
				t.Errorf("sample %s: %q -> %q", d.Field, d.Before, d.After)
			}
			if len(info.Warnings) != 0 {
				t.Errorf("warnings %q", info.Warnings)
			}
			if len(feats) != len(want) {
				t.Fatalf("%d features, want %d", len(feats), len(want))
			}
			if raw, _ := vntext.Encode(enc, names[0]); vntext.Windows1252.Decode(raw) != tc.first {
				t.Errorf("the fixture's first name reads %q in windows-1252, want %q", vntext.Windows1252.Decode(raw), tc.first)
			}
			for i, f := range feats {
				for k, v := range want[i] {
					if got := fmt.Sprint(f.Properties[k]); got != fmt.Sprint(v) {
						t.Errorf("row %d %s: %q, want %q", f.Row, k, got, v)
					}
				}
			}
		})
	}
}

// TestLegacyOverride: --encoding names the legacy encodings, and wins
// over detection even when it is wrong (that is what it is for).
func TestLegacyOverride(t *testing.T) {
	for _, tc := range []struct{ file, override, label, first string }{
		{"tcvn3", "tcvn3", "TCVN3 (override)", "Thành phố Sơn La"},
		{"vni", "VNI", "VNI (override)", "Thành phố Sơn La"},
		{"vni", "TCVN3", "TCVN3 (override)", "Thaứnh phoỏ Sụn La"},
		{"tcvn3", "windows-1252", "windows-1252 (override)", "Thµnh phè S¬n La"},
	} {
		info, feats := readAll(t, filepath.Join(legacy, "son_la_districts_vn2000_tm3_"+tc.file+".shp"), shapefile.Options{Encoding: tc.override})
		if info.Encoding != tc.label || info.EncodingDetection != nil {
			t.Errorf("%s with %s: Encoding %q, detection %v", tc.file, tc.override, info.Encoding, info.EncodingDetection)
		}
		if got := feats[0].Properties["ten"]; got != tc.first {
			t.Errorf("%s with %s: ten %q, want %q", tc.file, tc.override, got, tc.first)
		}
	}
}

// loadTexts reads the fixture texts shared with pkg/vntext.
func loadTexts(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, "vntext", "texts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for k, v := range raw {
		var list []string
		if json.Unmarshal(v, &list) == nil {
			out[k] = list
		}
	}
	return out
}

// writeTextLayer writes a point layer x.shp/.shx/.dbf (no .cpg) whose
// character field "name" holds values, with the given LDID.
func writeTextLayer(t *testing.T, ldid byte, values [][]byte) string {
	t.Helper()
	dir := t.TempDir()
	var rows [][]string
	var points [][]byte
	for i, v := range values {
		rows = append(rows, []string{string(v), fmt.Sprint(i + 1)})
		points = append(points, pointContent(float64(i), 1))
	}
	shp := shpFile(tPoint, points...)
	dbf := dbfFile(ldid, []dbfField{{"name", 'C', 254, 0}, {"id", 'N', 6, 0}}, rows...)
	for name, b := range map[string][]byte{"x.shp": shp, "x.shx": shxFor(shp), "x.dbf": dbf} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "x.shp")
}

// TestDetectedFixtures writes the fixture texts (street and land-use
// names, capitals, numbers, long sentences) in TCVN3 and VNI, with no
// code page and with the generic ANSI LDID, and reads them back with no
// flag; Western-European names in windows-1252 and ASCII names stay as
// they are.
func TestDetectedFixtures(t *testing.T) {
	texts := loadTexts(t)
	sets := []string{"streets", "landUse", "capitals", "numbers", "sentences", "districts"}
	for _, set := range sets {
		for _, enc := range []vntext.Encoding{vntext.TCVN3, vntext.VNI} {
			for _, ldid := range []byte{0, 0x57} {
				var values [][]byte
				for _, s := range texts[set] {
					b, err := vntext.Encode(enc, s)
					if err != nil {
						t.Fatal(err)
					}
					values = append(values, b)
				}
				info, feats := readAll(t, writeTextLayer(t, ldid, values), shapefile.Options{})
				if d := info.EncodingDetection; d == nil || d.Encoding != enc.String() || !strings.HasPrefix(info.Encoding, enc.String()+" (detected") {
					t.Errorf("%s in %v, LDID 0x%02X: Encoding %q, detection %+v", set, enc, ldid, info.Encoding, d)
					continue
				}
				for i, f := range feats {
					if got := f.Properties["name"]; got != texts[set][i] {
						t.Errorf("%s in %v row %d: %q, want %q", set, enc, f.Row, got, texts[set][i])
					}
				}
			}
		}
	}

	// windows-1252 names, with no code page and with LDID 0x57.
	var western [][]byte
	for _, s := range texts["western"] {
		b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		western = append(western, b)
	}
	for _, tc := range []struct {
		ldid  byte
		label string
	}{{0, "windows-1252 (detected"}, {0x57, "windows-1252 (LDID 0x57)"}} {
		info, feats := readAll(t, writeTextLayer(t, tc.ldid, western), shapefile.Options{})
		if !strings.HasPrefix(info.Encoding, tc.label) {
			t.Errorf("Western names, LDID 0x%02X: Encoding %q, want %s", tc.ldid, info.Encoding, tc.label)
		}
		if strings.Contains(strings.Join(info.Warnings, " "), "encoding") {
			t.Errorf("Western names, LDID 0x%02X: warnings %q", tc.ldid, info.Warnings)
		}
		for i, f := range feats {
			if got := f.Properties["name"]; got != texts["western"][i] {
				t.Errorf("Western row %d: %q, want %q", f.Row, got, texts["western"][i])
			}
		}
	}

	// ASCII stays ASCII, whatever the LDID.
	var ascii [][]byte
	for _, s := range texts["english"] {
		ascii = append(ascii, []byte(s))
	}
	for ldid, label := range map[byte]string{0: "UTF-8 (default: the text is ASCII)", 0x57: "windows-1252 (LDID 0x57)"} {
		info, feats := readAll(t, writeTextLayer(t, ldid, ascii), shapefile.Options{})
		if info.Encoding != label || info.EncodingDetection != nil {
			t.Errorf("ASCII, LDID 0x%02X: Encoding %q, detection %v", ldid, info.Encoding, info.EncodingDetection)
		}
		if got := feats[0].Properties["name"]; got != texts["english"][0] {
			t.Errorf("ASCII: %q", got)
		}
	}
}

// TestLowConfidenceWarns: a layer with a single legacy word is left as
// windows-1252, with a warning that names --encoding.
func TestLowConfidenceWarns(t *testing.T) {
	b, err := vntext.Encode(vntext.VNI, "Sơn La")
	if err != nil {
		t.Fatal(err)
	}
	info, _ := readAll(t, writeTextLayer(t, 0, [][]byte{b}), shapefile.Options{})
	d := info.EncodingDetection
	if d == nil || d.Level != "low" {
		t.Fatalf("detection %+v", d)
	}
	if w := strings.Join(info.Warnings, "\n"); !strings.Contains(w, "low confidence") || !strings.Contains(w, "--encoding") || d.Encoding != "windows-1252" {
		t.Errorf("warnings %q", info.Warnings)
	}
	var _ feature.EncodingDetection = *d

	// A few words that fit VNI: the warning names it.
	var vals [][]byte
	for _, s := range []string{"Bản Lầm", "Chiềng Đen"} {
		b, _ := vntext.Encode(vntext.VNI, s)
		vals = append(vals, b)
	}
	for _, ldid := range []byte{0, 0x57} {
		info, _ = readAll(t, writeTextLayer(t, ldid, vals), shapefile.Options{})
		if w := strings.Join(info.Warnings, "\n"); !strings.Contains(w, "--encoding vni") {
			t.Errorf("LDID 0x%02X: warnings %q do not suggest --encoding vni", ldid, info.Warnings)
		}
	}
}

// BenchmarkOpenDetect measures what detection adds to Open: the same
// 10,000-record TCVN3 table opened with a .cpg naming it (no sampling) and
// with nothing naming it (the whole table, 2.6 MB, is sampled).
func BenchmarkOpenDetect(b *testing.B) {
	const n = 10_000
	shp, _ := parcels(n)
	names := []string{"Đất ở tại đô thị", "Đất rừng phòng hộ", "Đường Tô Hiệu, phường Quyết Thắng", "Bản Mé, xã Chiềng Đen"}
	rows := make([][]string, n)
	for i := range rows {
		v, err := vntext.Encode(vntext.TCVN3, fmt.Sprintf("%s %d", names[i%len(names)], i))
		if err != nil {
			b.Fatal(err)
		}
		rows[i] = []string{string(v), fmt.Sprint(i)}
	}
	dbf := dbfFile(0, []dbfField{{"ten", 'C', 254, 0}, {"id", 'N', 8, 0}}, rows...)
	for _, tc := range []struct{ name, cpg, want string }{{"cpg", "TCVN3", "TCVN3 (.cpg)"}, {"detect", "", "TCVN3 (detected"}} {
		dir := b.TempDir()
		files := map[string][]byte{"p.shp": shp, "p.shx": shxFor(shp), "p.dbf": dbf}
		if tc.cpg != "" {
			files["p.cpg"] = []byte(tc.cpg)
		}
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(dbf)))
			for b.Loop() {
				layers, err := shapefile.Open(filepath.Join(dir, "p.shp"), shapefile.Options{})
				if err != nil || !strings.HasPrefix(layers[0].Info().Encoding, tc.want) {
					b.Fatalf("%v %v", err, layers)
				}
			}
		})
	}
}
