package web_test

import (
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/web"
)

func TestFS(t *testing.T) {
	fsys := web.FS()
	for _, name := range []string{"index.html", "app.js", "app.css", "i18n.js", "upload.html", "upload.js", "upload.css", "vendor/README.md"} {
		if _, err := fs.Stat(fsys, name); err != nil {
			t.Errorf("%s not bundled: %v", name, err)
		}
	}
	index, err := fs.ReadFile(fsys, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{`src="app.js"`, `href="app.css"`, `href="vendor/maplibre-gl.css"`, `href="upload.html"`} {
		if !strings.Contains(string(index), ref) {
			t.Errorf("index.html lacks %s", ref)
		}
	}
	upload, err := fs.ReadFile(fsys, "upload.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{`src="upload.js"`, `href="app.css"`, `href="upload.css"`} {
		if !strings.Contains(string(upload), ref) {
			t.Errorf("upload.html lacks %s", ref)
		}
	}
}

// TestNoExternalURL keeps the viewer offline: no script, style or page may
// name another host.
func TestNoExternalURL(t *testing.T) {
	fsys := web.FS()
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	for _, name := range []string{"index.html", "app.js", "app.css", "i18n.js", "upload.html", "upload.js", "upload.css"} {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			t.Fatal(err)
		}
		if m := external.Find(b); m != nil {
			t.Errorf("%s refers to %s", name, m)
		}
	}
}

// TestVendored reports whether MapLibre GL JS was copied in; a fresh clone
// without `make deps-web` still builds, but serves no map.
func TestVendored(t *testing.T) {
	if !web.Vendored() {
		if os.Getenv("CI") != "" {
			t.Fatal("web/static/vendor has no MapLibre GL JS: make deps-web did not run")
		}
		t.Skip("web/static/vendor has no MapLibre GL JS: run make deps-web")
	}
	for _, name := range []string{"vendor/maplibre-gl.mjs", "vendor/maplibre-gl-worker.mjs", "vendor/maplibre-gl.css", "vendor/LICENSE.txt"} {
		if _, err := fs.Stat(web.FS(), name); err != nil {
			t.Errorf("%s missing: %v", name, err)
		}
	}
}
