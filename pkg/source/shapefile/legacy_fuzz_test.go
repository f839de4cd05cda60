package shapefile_test

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/source/shapefile"
	"github.com/sonla-gis/plantile/pkg/vntext"
)

// FuzzOpenDetect opens a set whose .dbf is the input, with no .cpg, so
// that Open samples it and detects the encoding; then reads it with the
// legacy encodings named. Errors must be *feature.Error, a detection must
// be well formed and every text value valid UTF-8.
func FuzzOpenDetect(f *testing.F) {
	for _, p := range []string{
		filepath.Join(legacy, "son_la_districts_vn2000_tm3_tcvn3.dbf"),
		filepath.Join(legacy, "son_la_districts_vn2000_tm3_vni.dbf"),
		filepath.Join(dvhcvn, "son_la_districts_vn2000_tm3_cp1258.dbf"),
	} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	tc, _ := vntext.Encode(vntext.TCVN3, "Đất rừng phòng hộ")
	vn, _ := vntext.Encode(vntext.VNI, "ĐẤT Ở TẠI ĐÔ THỊ")
	f.Add(dbfFile(0x57, []dbfField{{"ten", 'C', 30, 0}}, []string{string(tc)}, []string{string(vn)}, []string{"Hôtel"}))
	nulls := make([][]byte, 12)
	for i := range nulls {
		nulls[i] = []byte{0, 0, 0, 0}
	}
	shp := shpFile(0, nulls...)
	f.Fuzz(func(t *testing.T, dbf []byte) {
		dir := t.TempDir()
		if os.WriteFile(filepath.Join(dir, "f.shp"), shp, 0o644) != nil || os.WriteFile(filepath.Join(dir, "f.dbf"), dbf, 0o644) != nil {
			t.Fatal("cannot write the set")
		}
		for _, enc := range []string{"", "tcvn3", "vni"} {
			layers, err := shapefile.Open(filepath.Join(dir, "f.shp"), shapefile.Options{Encoding: enc})
			if err != nil {
				if _, ok := feature.AsError(err); !ok {
					t.Fatalf("Open error %v is not a *feature.Error", err)
				}
				return
			}
			info := layers[0].Info()
			if d := info.EncodingDetection; d != nil {
				if enc != "" || d.Confidence < 0 || d.Confidence > 1 || d.Reason == "" || !utf8.ValidString(d.Before) || !utf8.ValidString(d.After) {
					t.Fatalf("detection %+v with override %q", d, enc)
				}
			}
			r, err := layers[0].Features()
			if err != nil {
				return
			}
			for range len(nulls) + 2 {
				ft, err := r.Read()
				if ft == nil {
					break
				}
				_ = err
				for k, v := range ft.Properties {
					if s, ok := v.(string); ok && !utf8.ValidString(s) {
						t.Fatalf("%s: %q is not UTF-8", k, s)
					}
				}
			}
			r.Close()
		}
	})
}
