package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/sonla-gis/plantile/pkg/config"
	"github.com/sonla-gis/plantile/pkg/glyphs"
	"github.com/sonla-gis/plantile/pkg/server"
	"github.com/sonla-gis/plantile/styles"
	"github.com/sonla-gis/plantile/web"
)

func TestTileJSON(t *testing.T) {
	tests := []struct {
		name      string
		publicURL string
		headers   []string
		wantBase  string // "" means the test server's own URL
	}{
		{"request host", "", nil, ""},
		{"x-forwarded", "", []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "gis.example.vn"}, "https://gis.example.vn"},
		{"x-forwarded list", "", []string{"X-Forwarded-Proto", "https, http", "X-Forwarded-Host", "a.example, b.example"}, "https://a.example"},
		{"forwarded", "", []string{"Forwarded", `for=1.2.3.4;proto=https;host="tiles.example:8443", for=5.6.7.8`}, "https://tiles.example:8443"},
		{"forwarded beats x-forwarded", "", []string{"Forwarded", "proto=https;host=f.example", "X-Forwarded-Host", "x.example"}, "https://f.example"},
		{"bad forwarded host ignored", "", []string{"X-Forwarded-Host", "evil.example/path?"}, ""},
		{"bad scheme ignored", "", []string{"X-Forwarded-Proto", "javascript", "X-Forwarded-Host", "gis.example"}, "http://gis.example"},
		{"public url", "https://gis.sonla.example/plantile/", []string{"X-Forwarded-Host", "ignored.example"}, "https://gis.sonla.example/plantile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{tileset: defaultSpec(), config: func(c *config.Config) { c.PublicURL = tt.publicURL }})
			want := tt.wantBase
			if want == "" {
				want = e.http.URL
			}
			res, body := e.get(t, "/tiles/sonla.json", tt.headers...)
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d, %q", res.StatusCode, res.Header.Get("Content-Type"))
			}
			var tj server.TileJSON
			if err := json.Unmarshal(body, &tj); err != nil {
				t.Fatal(err)
			}
			if tj.TileJSON != "3.0.0" || tj.Scheme != "xyz" || tj.Name != "Son La test" || tj.MinZoom != 8 || tj.MaxZoom != 12 || tj.Attribution != "test data" {
				t.Errorf("TileJSON %+v", tj)
			}
			if len(tj.Tiles) != 1 || tj.Tiles[0] != want+"/tiles/sonla/{z}/{x}/{y}.pbf?v="+url.QueryEscape(res.Header.Get(server.VersionHeader)) || tj.PlantileVersion == "" {
				t.Errorf("tiles %v, want base %s", tj.Tiles, want)
			}
			if len(tj.VectorLayers) != 2 || tj.VectorLayers[0].ID != "landuse" || tj.VectorLayers[0].Fields["ma_dat"] != "String" {
				t.Errorf("vector_layers %+v", tj.VectorLayers)
			}
			if len(tj.Bounds) != 4 || tj.Bounds[0] != 103.88 || tj.Bounds[3] != 21.35 || len(tj.Center) != 3 {
				t.Errorf("bounds %v center %v", tj.Bounds, tj.Center)
			}
			if tt.publicURL == "" && !strings.Contains(res.Header.Get("Vary"), "X-Forwarded-Host") {
				t.Errorf("Vary %q", res.Header.Get("Vary"))
			}
			// The list names the unversioned template, for QGIS.
			_, body = e.get(t, "/tiles", tt.headers...)
			var list struct{ Tilesets []server.TilesetSummary }
			if err := json.Unmarshal(body, &list); err != nil {
				t.Fatal(err)
			}
			if len(list.Tilesets) != 1 || list.Tilesets[0].TileJSON != want+"/tiles/sonla.json" || list.Tilesets[0].Tiles != want+"/tiles/sonla/{z}/{x}/{y}.pbf" || len(list.Tilesets[0].Layers) != 2 {
				t.Errorf("list %+v", list)
			}
		})
	}
	e := newEnv(t, envOptions{tileset: defaultSpec()})
	if res, _ := e.get(t, "/tiles/nope.json"); res.StatusCode != 404 {
		t.Errorf("unknown tileset: %d", res.StatusCode)
	}
	res, _ := e.get(t, "/tiles/sonla.json")
	if res2, body := e.get(t, "/tiles/sonla.json", "If-None-Match", res.Header.Get("ETag")); res2.StatusCode != 304 || len(body) != 0 {
		t.Errorf("revalidation: %d", res2.StatusCode)
	}
}

func TestStyles(t *testing.T) {
	fsys := fstest.MapFS{
		"demo.json": {Data: []byte(`{"version": 8, "name": "Demo & test",
			"sources": {"a": {"type": "vector", "url": "/tiles/sonla.json"},
			            "b": {"type": "vector", "tiles": ["/tiles/sonla/{z}/{x}/{y}.pbf", "https://other.example/{z}/{x}/{y}.pbf"]},
			            "c": {"type": "raster", "url": "//cdn.example/x.json"}},
			"sprite": [{"id": "default", "url": "/sprites/demo"}],
			"glyphs": "/fonts/{fontstack}/{range}.pbf",
			"layers": [{"id": "bg", "type": "background"}]}`)},
		"one.json":     {Data: []byte(`{"version": 8, "sprite": "/sprites/one", "sources": {}, "layers": []}`)},
		"palette.json": {Data: []byte(`{"categories": [{"code": "/ODT"}]}`)},
		"broken.json":  {Data: []byte(`{"version": 8, "sources": 3, "layers": []}`)},
	}
	e := newEnv(t, envOptions{tileset: defaultSpec(), styles: fsys})
	base := e.http.URL
	res, body := e.get(t, "/styles/demo.json")
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	var st struct {
		Name    string
		Sources map[string]struct {
			URL   string
			Tiles []string
		}
		Sprite []struct{ ID, URL string }
		Glyphs string
		Layers []json.RawMessage
	}
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ got, want string }{
		{st.Name, "Demo & test"},
		{st.Sources["a"].URL, base + "/tiles/sonla.json"},
		{st.Sources["b"].Tiles[0], base + "/tiles/sonla/{z}/{x}/{y}.pbf"},
		{st.Sources["b"].Tiles[1], "https://other.example/{z}/{x}/{y}.pbf"},
		{st.Sources["c"].URL, "//cdn.example/x.json"},
		{st.Sprite[0].URL, base + "/sprites/demo"},
		{st.Glyphs, base + "/fonts/{fontstack}/{range}.pbf"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if len(st.Layers) != 1 || !strings.Contains(string(body), "{fontstack}") {
		t.Errorf("layers or braces lost: %s", body)
	}
	_, body = e.get(t, "/styles/one.json", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "gis.example")
	if !strings.Contains(string(body), `"https://gis.example/sprites/one"`) {
		t.Errorf("sprite string not absolute: %s", body)
	}
	// Not a style: served unchanged.
	if _, body = e.get(t, "/styles/palette.json"); string(body) != string(fsys["palette.json"].Data) {
		t.Errorf("palette changed: %s", body)
	}
	for path, status := range map[string]int{"/styles/nope.json": 404, "/styles/broken.json": 500, "/styles/..%2fdemo.json": 404} {
		res, body := e.get(t, path)
		if res.StatusCode != status {
			t.Errorf("%s: %d, want %d", path, res.StatusCode, status)
		}
		if status == 500 && strings.Contains(string(body), "sources") {
			t.Errorf("internal detail leaked: %s", body)
		}
	}
	_, body = e.get(t, "/styles")
	var list struct{ Styles []server.StyleSummary }
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	// broken.json has version and layers, so it is listed; palette is not.
	if len(list.Styles) != 3 || list.Styles[1].ID != "demo" || list.Styles[1].URL != base+"/styles/demo.json" || list.Styles[1].Title != "Demo & test" {
		t.Errorf("styles %+v", list.Styles)
	}
}

// TestBundledStyle serves the real styles/sonla.json: every URL it names
// on this server must come out absolute and must answer.
func TestBundledStyle(t *testing.T) {
	fonts, err := styles.Fonts()
	if err != nil {
		t.Fatal(err)
	}
	set, err := glyphs.New(fonts...)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{tileset: defaultSpec(), styles: styles.FS(), glyphs: set})
	res, body := e.get(t, "/styles/sonla.json")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	var st struct {
		Sources map[string]struct{ URL string }
		Glyphs  string
	}
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(st.Glyphs, e.http.URL+"/fonts/") {
		t.Errorf("glyphs %q", st.Glyphs)
	}
	for id, src := range st.Sources {
		if !strings.HasPrefix(src.URL, e.http.URL+"/") {
			t.Errorf("source %s url %q", id, src.URL)
			continue
		}
		if res, _ := e.get(t, strings.TrimPrefix(src.URL, e.http.URL)); res.StatusCode != 200 {
			t.Errorf("source %s: %s answers %d", id, src.URL, res.StatusCode)
		}
	}
	glyphURL := strings.NewReplacer("{fontstack}", "Noto%20Sans%20Regular", "{range}", "0-255").Replace(strings.TrimPrefix(st.Glyphs, e.http.URL))
	if res, body := e.get(t, glyphURL); res.StatusCode != 200 || len(body) == 0 || res.Header.Get("Content-Type") != "application/x-protobuf" {
		t.Errorf("%s: %d, %d bytes", glyphURL, res.StatusCode, len(body))
	}
}

func TestFonts(t *testing.T) {
	fonts, err := styles.Fonts()
	if err != nil {
		t.Fatal(err)
	}
	set, err := glyphs.New(fonts...)
	if err != nil {
		t.Fatal(err)
	}
	pre := fstest.MapFS{"Open Sans Regular/0-255.pbf": {Data: []byte("pbf bytes")}}
	tests := []struct {
		name   string
		src    server.GlyphSource
		path   string
		status int
	}{
		{"rendered", set, "/fonts/Noto%20Sans%20Regular/0-255.pbf", 200},
		{"vietnamese range", set, "/fonts/Noto%20Sans%20Bold/7680-7935.pbf", 200},
		{"fallback stack", set, "/fonts/Open%20Sans%20Regular,Noto%20Sans%20Regular/256-511.pbf", 200},
		{"unknown font", set, "/fonts/Open%20Sans%20Regular/0-255.pbf", 404},
		{"unknown stack", set, "/fonts/Open%20Sans%20Regular,Arial/0-255.pbf", 404},
		{"bad range", set, "/fonts/Noto%20Sans%20Regular/1-256.pbf", 400},
		{"not a range", set, "/fonts/Noto%20Sans%20Regular/abc.pbf", 400},
		{"files", server.GlyphsFS{FS: pre}, "/fonts/Open%20Sans%20Regular/0-255.pbf", 200},
		{"files, second of stack", server.GlyphsFS{FS: pre}, "/fonts/Nope,Open%20Sans%20Regular/0-255.pbf", 200},
		{"files, unknown font", server.GlyphsFS{FS: pre}, "/fonts/Nope/0-255.pbf", 404},
		{"files, missing range", server.GlyphsFS{FS: pre}, "/fonts/Open%20Sans%20Regular/256-511.pbf", 404},
		{"no fonts", nil, "/fonts/Noto%20Sans%20Regular/0-255.pbf", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{glyphs: tt.src})
			res, body := e.get(t, tt.path)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, body)
			}
			if tt.status == 200 && (len(body) == 0 || res.Header.Get("Cache-Control") == "") {
				t.Errorf("body %d bytes, headers %v", len(body), res.Header)
			}
		})
	}
}

// TestFontsInventedNames: invented fontstack names cost nothing. Each used
// to render the default font and stay cached under its own name (2,000
// names: RSS 37 -> 370 MB); now each is a 404 and nothing is rendered.
func TestFontsInventedNames(t *testing.T) {
	fonts, err := styles.Fonts()
	if err != nil {
		t.Fatal(err)
	}
	set, err := glyphs.New(fonts...)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{glyphs: set})
	for i := range 2000 {
		res, body := e.get(t, fmt.Sprintf("/fonts/Invented%%20%d/0-255.pbf", i))
		if res.StatusCode != 404 {
			t.Fatalf("invented name %d: status %d, want 404: %s", i, res.StatusCode, body)
		}
	}
	if res, _ := e.get(t, "/fonts/Invented,Noto%20Sans%20Bold/0-255.pbf"); res.StatusCode != 200 {
		t.Errorf("known font after an invented one: status %d, want 200", res.StatusCode)
	}
}

func TestWeb(t *testing.T) {
	e := newEnv(t, envOptions{tileset: defaultSpec(), web: web.FS(), config: func(c *config.Config) { c.BasemapURL = "https://tile.example/{z}/{x}/{y}.png" }})
	tests := []struct {
		path   string
		status int
		ctype  string
	}{
		{"/", 200, "text/html"},
		{"/app.js", 200, "javascript"},
		{"/app.css", 200, "text/css"},
		{"/nope.js", 404, "application/problem+json"},
		{"/config.json", 200, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, _ := e.get(t, tt.path)
			if res.StatusCode != tt.status || !strings.Contains(res.Header.Get("Content-Type"), tt.ctype) {
				t.Errorf("status %d %q, want %d %q", res.StatusCode, res.Header.Get("Content-Type"), tt.status, tt.ctype)
			}
		})
	}
	_, body := e.get(t, "/config.json")
	var vc server.ViewerConfig
	if err := json.Unmarshal(body, &vc); err != nil {
		t.Fatal(err)
	}
	if vc.Basemap != "https://tile.example/{z}/{x}/{y}.png" || len(vc.Tilesets) != 1 || vc.Tilesets[0].TileJSON != e.http.URL+"/tiles/sonla.json" {
		t.Errorf("config %+v", vc)
	}
	// Without a bundled web map, / is a 404 problem.
	e2 := newEnv(t, envOptions{})
	if res, _ := e2.get(t, "/"); res.StatusCode != http.StatusNotFound {
		t.Errorf("no web map: %d", res.StatusCode)
	}
}
