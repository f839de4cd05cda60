package source_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/source"
)

// sniffSeeds are the heads Sniff is tested and fuzzed with.
var sniffSeeds = []struct {
	name string
	head string
	kind source.Kind
	what string
}{
	{"zip", "PK\x03\x04\x14\x00\x00\x00", source.Zip, "zip"},
	{"empty zip", "PK\x05\x06" + strings.Repeat("\x00", 18), source.Zip, "zip"},
	{"shp", "\x00\x00\x27\x0a\x00\x00\x00\x00", source.Shapefile, "shapefile"},
	{"collection", `{"type":"FeatureCollection","features":[]}`, source.GeoJSON, "JSON"},
	{"bom and blanks", "\xef\xbb\xbf \r\n\t{\"type\":\"Point\"}", source.GeoJSON, "JSON"},
	{"sequence", "\x1e{\"type\":\"Feature\"}\n\x1e{", source.GeoJSON, "JSON"},
	{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", source.Unknown, "a PNG image"},
	{"pdf", "%PDF-1.7\n%\xe2\xe3\xcf\xd3", source.Unknown, "a PDF document"},
	{"gpkg", "SQLite format 3\x00\x10\x00", source.Unknown, "GeoPackage"},
	{"rar", "Rar!\x1a\x07\x01\x00", source.Unknown, "RAR"},
	{"kml", `<?xml version="1.0"?><kml>`, source.Unknown, "KML"},
	{"array", `[{"type":"Feature"}]`, source.Unknown, "a JSON array (GeoJSON is an object"},
	{"csv", "ma_dat,ten\nONT,Chiềng Lề\n", source.Unknown, "text that is not JSON"},
	{"random", "\x8a\x01\xfe\x00\x13\x99\xc4\x07\xd2\x00", source.Unknown, "binary data"},
	{"empty", "", source.Unknown, "an empty file"},
	{"blanks", "  \n\n ", source.Unknown, "blank"},
}

func TestSniff(t *testing.T) {
	for _, tc := range sniffSeeds {
		k, what := source.SniffBytes([]byte(tc.head))
		if k != tc.kind || !strings.Contains(what, tc.what) {
			t.Errorf("%s: kind %d %q, want %d containing %q", tc.name, k, what, tc.kind, tc.what)
		}
	}
}

// TestOpenByContent: a file is read by what it holds, whatever its name:
// GeoJSON named .zip or with no extension (an upload stored under its
// hash) is read, and a PNG, a PDF or random bytes named .zip or .geojson
// are refused saying what they are.
func TestOpenByContent(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	gj := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[103.9,21.3]}}]}`
	for _, name := range []string{"4f2a9c", "vung.zip", "vung.geojson"} {
		ls, err := source.Open(write(name, gj), source.Options{})
		if err != nil || len(ls) != 1 || ls[0].Info().Count != 1 {
			t.Errorf("GeoJSON named %s: %v", name, err)
		}
	}
	for _, tc := range []struct{ name, body, want string }{
		{"ban_do.zip", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "this is a PNG image, not a zipped shapefile or GeoJSON"},
		{"quy_hoach.geojson", "%PDF-1.4\n", "this is a PDF document"},
		{"rac.zip", "\x8a\x01\xfe\x00\x13\x99\xc4\x07", "this is binary data"},
		{"mang.geojson", "[1,2,3]", "a JSON array"},
		{"lone", "\x00\x00\x27\x0a" + strings.Repeat("\x00", 96), "the .shp of a shapefile set alone"},
	} {
		p := write(tc.name, tc.body)
		_, err := source.Open(p, source.Options{})
		fe, ok := feature.AsError(err)
		if !ok || fe.File != p || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want one on %s saying %q", tc.name, err, p, tc.want)
		}
	}
}

// FuzzSniff: any bytes get a kind and a description, never a panic; Zip
// and Shapefile only for their signatures, and the description is UTF-8.
func FuzzSniff(f *testing.F) {
	for _, tc := range sniffSeeds {
		f.Add([]byte(tc.head))
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		k, what := source.SniffBytes(head)
		if what == "" || !utf8.ValidString(what) {
			t.Fatalf("description %q", what)
		}
		switch k {
		case source.Zip:
			if !bytes.HasPrefix(head, []byte("PK")) {
				t.Fatalf("zip without PK: %q", head)
			}
		case source.Shapefile:
			if !bytes.HasPrefix(head, []byte{0, 0, 0x27, 0x0a}) {
				t.Fatalf("shapefile without its file code: %q", head)
			}
		case source.GeoJSON:
			if !bytes.Contains(head, []byte("{")) {
				t.Fatalf("GeoJSON without an object: %q", head)
			}
		}
	})
}
