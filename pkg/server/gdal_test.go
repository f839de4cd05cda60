package server_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/glyphs"
	"github.com/sonla-gis/plantile/styles"
)

// needOgrinfo returns the path of ogrinfo; without it the test is skipped,
// except in CI (CI=true), where it fails.
func needOgrinfo(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("ogrinfo")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ogrinfo (gdal-bin) is required in CI: make deps-test installs it")
		}
		t.Skip("ogrinfo not installed (apt-get install gdal-bin)")
	}
	return p
}

// TestGDALReadsTile: GDAL's MVT driver fetches a tile over HTTP from the
// server and finds its layers and features.
func TestGDALReadsTile(t *testing.T) {
	ogrinfo := needOgrinfo(t)
	e := newEnv(t, envOptions{tileset: defaultSpec()})
	url := e.http.URL + e.tilePath(t, 12)
	tests := []struct{ name, dataset string }{
		{"MVT prefix", "MVT:" + url},
		{"vsicurl", "/vsicurl/" + url},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := exec.Command(ogrinfo, "-ro", "-al", "-so", tt.dataset).CombinedOutput()
			if err != nil {
				t.Fatalf("ogrinfo %s: %v\n%s", tt.dataset, err, out)
			}
			s := string(out)
			for _, want := range []string{"Layer name: landuse", "Layer name: roads", "Feature Count: 1", "ma_dat: String"} {
				if !strings.Contains(s, want) {
					t.Errorf("ogrinfo output lacks %q:\n%s", want, s)
				}
			}
		})
	}
}

// TestREADMEQGISHowTo requests exactly what the README's QGIS how-to tells
// users to paste, the way QGIS does, and checks what QGIS needs:
//
//   - Layer > Add Layer > Vector Tile Layer > New Generic Connection, URL
//     http://HOST:PORT/tiles/sonla/{z}/{x}/{y}.pbf, min zoom 0, max zoom as
//     the TileJSON says;
//   - Style URL http://HOST:PORT/styles/sonla.json ("load default style").
//
// QGIS sends Accept-Encoding: gzip, deflate (Qt's default) and needs gzip
// to come with Content-Encoding: gzip (without the header it shows a blank
// map); it reads the style's sources and glyphs by absolute URL.
func TestREADMEQGISHowTo(t *testing.T) {
	fonts, err := styles.Fonts()
	if err != nil {
		t.Fatal(err)
	}
	set, err := glyphs.New(fonts...)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{tileset: defaultSpec(), styles: styles.FS(), glyphs: set})
	template := e.http.URL + "/tiles/sonla/{z}/{x}/{y}.pbf"
	qgis := []string{"Accept-Encoding", "gzip, deflate", "User-Agent", "Mozilla/5.0 QGIS/32200"}

	// The template the README gives is the one TileJSON and /tiles list.
	_, body := e.get(t, "/tiles")
	if !strings.Contains(string(body), `"tiles": "`+template+`"`) {
		t.Errorf("/tiles does not list the README's template %s:\n%s", template, body)
	}
	// Every zoom QGIS may ask for.
	for _, tl := range e.written.Tiles {
		url := strings.NewReplacer("{z}", itoa(int(tl.Z)), "{x}", itoa(int(tl.X)), "{y}", itoa(int(tl.Y))).Replace(template)
		res, body := e.get(t, strings.TrimPrefix(url, e.http.URL), qgis...)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", url, res.StatusCode)
		}
		gz := len(body) > 2 && body[0] == 0x1f && body[1] == 0x8b
		if gz != (res.Header.Get("Content-Encoding") == "gzip") {
			t.Fatalf("%s: gzip body %v with Content-Encoding %q: QGIS would show a blank map", url, gz, res.Header.Get("Content-Encoding"))
		}
		if res.Header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
			t.Errorf("%s: Content-Type %q", url, res.Header.Get("Content-Type"))
		}
		if names, _ := layersOf(t, body); len(names) != 2 {
			t.Errorf("%s: layers %v", url, names)
		}
	}
	// Deeper than maxzoom (QGIS at small scales asks for deep zooms when
	// the connection's max zoom is left too high): a quick 404, not a hang.
	if res, _ := e.get(t, "/tiles/sonla/18/0/0.pbf", qgis...); res.StatusCode != 404 {
		t.Errorf("deep zoom: %d", res.StatusCode)
	}

	// The style URL.
	res, body := e.get(t, "/styles/sonla.json", qgis...)
	if res.StatusCode != 200 {
		t.Fatalf("style: %d", res.StatusCode)
	}
	var st struct {
		Version int
		Sources map[string]struct{ Type, URL string }
		Glyphs  string
		Layers  []struct {
			Source string
			Paint  map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	if st.Version != 8 || len(st.Layers) == 0 || !strings.HasPrefix(st.Glyphs, "http") {
		t.Errorf("style version %d, %d layers, glyphs %q", st.Version, len(st.Layers), st.Glyphs)
	}
	for id, src := range st.Sources {
		if src.Type == "vector" && src.URL != e.http.URL+"/tiles/sonla.json" {
			t.Errorf("source %s url %q, want the TileJSON of the how-to's tileset", id, src.URL)
		}
	}
	// QGIS's converter turns a single-string match label into an empty
	// IN (): every label of a match must be an array.
	for _, l := range st.Layers {
		for prop, v := range l.Paint {
			var expr []any
			if json.Unmarshal(v, &expr) != nil || len(expr) == 0 || expr[0] != "match" {
				continue
			}
			for i := 2; i+1 < len(expr); i += 2 {
				if _, ok := expr[i].([]any); !ok {
					t.Errorf("paint %s: match label %v is not an array", prop, expr[i])
				}
			}
		}
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
