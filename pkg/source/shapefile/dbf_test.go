package shapefile_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/source/shapefile"
)

func TestDBFValues(t *testing.T) {
	fields := []dbfField{
		{"ten", 'C', 16, 0},
		{"ma", 'N', 6, 0},
		{"dien_tich", 'N', 12, 3},
		{"big", 'N', 20, 0},
		{"ty_le", 'F', 8, 2},
		{"hieu_luc", 'L', 1, 0},
		{"ngay", 'D', 8, 0},
		{"ghi_chu", 'M', 10, 0},
	}
	rows := [][]string{
		{"  Mường La  ", "42", "12.500", "12345678901234567890", "0.25", "T", "20250701", "0000000001"},
		{"", "", "", "", "", "?", "", ""},
		{"*", "x", "1", "1", "1", "1", "F", "20250101", ""}, // deleted
		{"a", "   -7", "  -0.5", "1", "1e3", "n", "00000000", ""},
		{"b", "******", "1,5", "", "***", "y", "2025013", ""},
		{"c", "12.0", "abc", "", "", "f", "20251340", ""},
	}
	want := []struct {
		row   int64
		props feature.Properties
	}{
		{1, feature.Properties{"ten": "  Mường La", "ma": int64(42), "dien_tich": 12.5, "big": 1.2345678901234567e19, "ty_le": 0.25, "hieu_luc": true, "ngay": "2025-07-01"}},
		{2, feature.Properties{"ten": nil, "ma": nil, "dien_tich": nil, "big": nil, "ty_le": nil, "hieu_luc": nil, "ngay": nil}},
		{4, feature.Properties{"ten": "a", "ma": int64(-7), "dien_tich": -0.5, "big": 1.0, "ty_le": 1000.0, "hieu_luc": false, "ngay": nil}},
		{5, feature.Properties{"ten": "b", "ma": nil, "dien_tich": 1.5, "big": nil, "ty_le": nil, "hieu_luc": true, "ngay": nil}},
		{6, feature.Properties{"ten": "c", "ma": int64(12), "dien_tich": nil, "big": nil, "ty_le": nil, "hieu_luc": false, "ngay": nil}},
	}
	// Encode the UTF-8 test text as the table stores it.
	dbf := dbfFile(0, fields, rows...)
	var points [][]byte
	for range rows {
		points = append(points, pointContent(1, 2))
	}
	r, err := shapefile.NewReader("v.shp", bytes.NewReader(shpFile(tPoint, points...)), bytes.NewReader(dbf), shapefile.Options{Encoding: "UTF-8"})
	if err != nil {
		t.Fatal(err)
	}
	wantSchema := []feature.Field{
		{Name: "ten", Type: feature.String, Width: 16},
		{Name: "ma", Type: feature.Int, Width: 6},
		{Name: "dien_tich", Type: feature.Float, Width: 12, Decimals: 3},
		{Name: "big", Type: feature.Float, Width: 20},
		{Name: "ty_le", Type: feature.Float, Width: 8, Decimals: 2},
		{Name: "hieu_luc", Type: feature.Bool, Width: 1},
		{Name: "ngay", Type: feature.Date, Width: 8},
	}
	if got := r.Schema().Fields; !reflect.DeepEqual(got, wantSchema) {
		t.Errorf("schema %+v\nwant   %+v", got, wantSchema)
	}
	feats, recErrs, fatal := drain(t, r)
	if fatal != nil || len(recErrs) > 0 {
		t.Fatalf("errors: %v %v", recErrs, fatal)
	}
	if len(feats) != len(want) {
		t.Fatalf("%d features, want %d", len(feats), len(want))
	}
	for i, w := range want {
		if feats[i].Row != w.row {
			t.Errorf("feature %d: Row %d, want %d", i, feats[i].Row, w.row)
		}
		if !reflect.DeepEqual(feats[i].Properties, w.props) {
			t.Errorf("row %d: %#v\nwant   %#v", w.row, feats[i].Properties, w.props)
		}
	}
}

func TestDBFLayerWarnings(t *testing.T) {
	dir := t.TempDir()
	fields := []dbfField{{"ten", 'C', 4, 0}, {"ten", 'C', 4, 0}, {"memo", 'M', 10, 0}}
	files := map[string][]byte{
		"w.shp": shpFile(tPoint, pointContent(1, 2)),
		"w.dbf": dbfFile(0, fields, []string{"a", "b", ""}),
	}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	info, feats := readAll(t, filepath.Join(dir, "w.shp"), shapefile.Options{})
	warn := strings.Join(info.Warnings, "\n")
	for _, w := range []string{"renamed \"ten_2\"", "\"memo\"", "no .shx"} {
		if !strings.Contains(warn, w) {
			t.Errorf("warnings %q lack %q", info.Warnings, w)
		}
	}
	if want := (feature.Properties{"ten": "a", "ten_2": "b"}); !reflect.DeepEqual(feats[0].Properties, want) {
		t.Errorf("properties %v, want %v", feats[0].Properties, want)
	}
	if info.Encoding != "UTF-8 (default: the text is ASCII)" || info.EncodingDetection != nil {
		t.Errorf("Encoding %q", info.Encoding)
	}
}

func TestLDID(t *testing.T) {
	for _, tc := range []struct {
		ldid     byte
		raw      string
		want     string
		encoding string
	}{
		{0x57, "M\xe9xico", "México", "windows-1252 (LDID 0x57)"},
		{0x03, "\x80", "€", "windows-1252 (LDID 0x03)"},
		{0x01, "\x82", "é", "IBM437 (LDID 0x01)"},
		{0x02, "\x9b", "ø", "IBM850 (LDID 0x02)"},
		{0xC9, "\xcc\xee\xf1\xea\xe2\xe0", "Москва", "windows-1251 (LDID 0xC9)"},
		{0x4D, "\xb1\xb1\xbe\xa9", "北京", "GBK (LDID 0x4D)"},
	} {
		t.Run(tc.encoding, func(t *testing.T) {
			dir := t.TempDir()
			dbf := dbfFile(tc.ldid, []dbfField{{"name", 'C', 10, 0}}, []string{tc.raw})
			if err := os.WriteFile(filepath.Join(dir, "l.dbf"), dbf, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "l.shp"), shpFile(tPoint, pointContent(1, 2)), 0o644); err != nil {
				t.Fatal(err)
			}
			info, feats := readAll(t, filepath.Join(dir, "l.shp"), shapefile.Options{})
			if info.Encoding != tc.encoding {
				t.Errorf("Encoding %q, want %q", info.Encoding, tc.encoding)
			}
			if got := feats[0].Properties["name"]; got != tc.want {
				t.Errorf("name %q, want %q", got, tc.want)
			}
		})
	}
}
