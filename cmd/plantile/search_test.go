package main

import (
	"encoding/json"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/sonla-gis/plantile/pkg/mbtiles"
	"github.com/sonla-gis/plantile/pkg/search"
)

// TestBuildSearchFlag builds the districts twice, with the default search
// fields and with --search huyen=loai, and asks a running `plantile serve`
// for "huyen": the default finds it in the names (ten), the flag makes the
// server search the district type (loai) only.
func TestBuildSearchFlag(t *testing.T) {
	shp := testdata("dvhcvn", "son_la_districts_wgs84_utf8.shp")
	dir := t.TempDir()
	for name, flags := range map[string][]string{
		"default": nil,
		"loai":    {"--search", "huyen=loai"},
	} {
		out := filepath.Join(dir, name+".mbtiles")
		args := append([]string{"build", shp, "--layer", "huyen", "--zoom", "huyen=5-6", "-q", "-o", out}, flags...)
		if _, err := run(t, args...); err != nil {
			t.Fatal(err)
		}
		r, err := mbtiles.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		row, ok := r.Metadata().Extra[search.MetadataKey]
		r.Close()
		if want := `{"huyen":{"names":["loai"],"codes":[]}}`; name == "loai" && row != want || name == "default" && ok {
			t.Errorf("%s: row %s = %q (present %v)", name, search.MetadataKey, row, ok)
		}
	}

	base, _, _, stop := startServe(t, "serve", "--listen", "127.0.0.1:0", "--tiles", dir, "--reload-interval", "0", "--access-log=false", "--cache-dir", t.TempDir())
	for tileset, want := range map[string]string{"default": "ten", "loai": "loai"} {
		res, body := get(t, base+"/search?limit=100&q="+url.QueryEscape("huyen")+"&tileset="+tileset)
		var a struct {
			Features []struct{ Field, Label string }
		}
		if err := json.Unmarshal(body, &a); err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: %d %v\n%s", tileset, res.StatusCode, err, body)
		}
		if len(a.Features) == 0 {
			t.Errorf("%s: no hit for huyen", tileset)
		}
		for _, f := range a.Features {
			if f.Field != want {
				t.Errorf("%s: hit %q in field %s, want %s", tileset, f.Label, f.Field, want)
			}
		}
	}
	if err := stop(); err != nil {
		t.Error(err)
	}
}
