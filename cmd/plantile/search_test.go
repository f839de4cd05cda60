package main

import (
	"context"
	"encoding/json"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

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

	root := newRootCmd()
	var out, errOut syncBuffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs([]string{"serve", "--listen", "127.0.0.1:0", "--tiles", dir, "--reload-interval", "0", "--access-log=false", "--cache-dir", t.TempDir()})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "plantile: serving") {
		if time.Now().After(deadline) {
			t.Fatalf("no serving line; stderr:\n%s", errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	addr := regexp.MustCompile(`listen=(127\.0\.0\.1:\d+)`).FindStringSubmatch(errOut.String())
	if addr == nil {
		t.Fatalf("no listen address logged:\n%s", errOut.String())
	}
	for tileset, want := range map[string]string{"default": "ten", "loai": "loai"} {
		res, body := get(t, "http://"+addr[1]+"/search?limit=100&q="+url.QueryEscape("huyen")+"&tileset="+tileset)
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
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
}
