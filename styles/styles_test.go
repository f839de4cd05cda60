package styles_test

import (
	"encoding/json"
	"io/fs"
	"reflect"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/styles"
)

type category struct {
	Code  string `json:"code"`
	VI    string `json:"vi"`
	EN    string `json:"en"`
	Color string `json:"color"`
}

type palette struct {
	Field      string     `json:"field"`
	Fallback   category   `json:"fallback"`
	Categories []category `json:"categories"`
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := fs.ReadFile(styles.FS(), name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestLanduseAgrees checks that sonla.json's land-use fill colours and
// legend are those of landuse.json, the palette's single source. (The
// node test web/test/styles.test.mjs checks the same and validates the
// style; this one runs with `go test` alone.)
func TestLanduseAgrees(t *testing.T) {
	var p palette
	readJSON(t, "landuse.json", &p)
	if len(p.Categories) != 22 || p.Field != "ma_dat" {
		t.Fatalf("landuse.json: %d categories on %q, want 22 on ma_dat", len(p.Categories), p.Field)
	}
	var style struct {
		Metadata map[string]json.RawMessage `json:"metadata"`
		Layers   []struct {
			ID    string                     `json:"id"`
			Type  string                     `json:"type"`
			Paint map[string]json.RawMessage `json:"paint"`
		} `json:"layers"`
	}
	readJSON(t, "sonla.json", &style)

	var legend []category
	if err := json.Unmarshal(style.Metadata["plantile:legend"], &legend); err != nil {
		t.Fatalf("plantile:legend: %v", err)
	}
	if !reflect.DeepEqual(legend, p.Categories) {
		t.Errorf("legend differs from landuse.json:\n got %v\nwant %v", legend, p.Categories)
	}

	fills := 0
	for _, l := range style.Layers {
		raw, ok := l.Paint["fill-color"]
		if l.Type != "fill" || !ok || !strings.Contains(string(raw), `"ma_dat"`) {
			continue
		}
		fills++
		var m []json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil || len(m) < 4 {
			t.Fatalf("%s: fill-color is not a match expression: %s", l.ID, raw)
		}
		var got []category
		for i := 2; i+1 < len(m); i += 2 {
			var labels []string
			if err := json.Unmarshal(m[i], &labels); err != nil {
				t.Errorf("%s: match label %s is not an array of strings (QGIS needs arrays)", l.ID, m[i])
				continue
			}
			var color string
			json.Unmarshal(m[i+1], &color)
			for _, code := range labels {
				got = append(got, category{Code: code, Color: strings.ToUpper(color)})
			}
		}
		var want []category
		for _, c := range p.Categories {
			want = append(want, category{Code: c.Code, Color: c.Color})
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: match differs from landuse.json:\n got %v\nwant %v", l.ID, got, want)
		}
		var fallback string
		json.Unmarshal(m[len(m)-1], &fallback)
		if !strings.EqualFold(fallback, p.Fallback.Color) {
			t.Errorf("%s: fallback %s, want %s", l.ID, fallback, p.Fallback.Color)
		}
	}
	if fills == 0 {
		t.Error("sonla.json has no fill layer coloured by ma_dat")
	}
}

func TestFonts(t *testing.T) {
	fonts, err := styles.Fonts()
	if err != nil {
		t.Fatal(err)
	}
	if len(fonts) != 2 {
		t.Fatalf("%d fonts, want 2", len(fonts))
	}
	for i, f := range fonts {
		// TrueType files start with the sfnt version 0x00010000.
		if len(f) < 100_000 || string(f[:4]) != "\x00\x01\x00\x00" {
			t.Errorf("font %d: %d bytes, header % x: not a TrueType font", i, len(f), f[:4])
		}
	}
	if _, err := fs.Stat(styles.FS(), "fonts/OFL.txt"); err != nil {
		t.Errorf("the fonts' licence is not bundled: %v", err)
	}
}
