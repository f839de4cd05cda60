package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/catalog"
	"github.com/sonla-gis/plantile/pkg/config"
	"github.com/sonla-gis/plantile/pkg/publish"
	"github.com/sonla-gis/plantile/pkg/server"
	"github.com/sonla-gis/plantile/pkg/server/servertest"
)

// TestServeCatalog: serve --data publishes the bundled demo into an empty
// catalog (owned by organisation demo, title in Vietnamese with the
// districts labelled historical) and serves it; a version published
// through the library is served without a restart; after a crash in the
// middle of a publish, the next start marks it failed, removes its files
// and serves the previous version; the demo is not published twice.
func TestServeCatalog(t *testing.T) {
	bundle := t.TempDir()
	if _, err := servertest.WriteTileset(filepath.Join(bundle, "sonla.mbtiles"), servertest.Spec{MinZoom: 0, MaxZoom: 10, Version: "demo"}); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	start := func() *Main {
		cfg := config.Default()
		cfg.Listen, cfg.CacheDir, cfg.DataDir = "127.0.0.1:0", t.TempDir(), data
		var out bytes.Buffer
		m := &Main{Config: cfg, Out: &out, Embedded: os.DirFS(bundle)}
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "serving 1 catalog layers from "+data) {
			t.Errorf("printed %q", out.String())
		}
		return m
	}
	served := func(m *Main) string {
		res, _ := get(t, m.URL()+"/tiles/sonla.json")
		if res.StatusCode != 200 {
			t.Fatalf("TileJSON: %d", res.StatusCode)
		}
		return res.Header.Get(server.VersionHeader)
	}
	ctx := context.Background()

	m := start()
	l, err := m.Catalog().Layer(ctx, "sonla")
	if err != nil {
		t.Fatal(err)
	}
	if l.Owner != "demo" || l.CurrentVersion != 1 || !strings.Contains(l.Title, "Địa giới cấp huyện (trước 01/7/2025)") {
		t.Errorf("demo layer %+v", l)
	}
	// The web map names layers and values from the style: the districts
	// are labelled historical there.
	if res, body := get(t, m.URL()+"/styles/sonla.json"); res.StatusCode != 200 ||
		!strings.Contains(string(body), `"boundaries": {"vi": "Địa giới tỉnh; địa giới cấp huyện (trước 01/7/2025)"`) ||
		!strings.Contains(string(body), `"2": {"vi": "Địa giới cấp huyện (trước 01/7/2025)"`) {
		t.Errorf("style sonla: %d; the district boundaries are not labelled historical", res.StatusCode)
	}
	if got := served(m); got == "" || got == "sonla@v2" {
		t.Errorf("served version %q, want the bundled demo's", got)
	}
	src := filepath.Join(t.TempDir(), "vung.geojson")
	if err := os.WriteFile(src, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[103.9,21.3],[103.91,21.3],[103.91,21.31],[103.9,21.31],[103.9,21.3]]]}}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	q := publish.Defaults()
	q.Sources, q.MaxZoom = []string{src}, 10
	if _, _, err := publish.PublishVersion(ctx, m.Catalog(), publish.Version{Layer: "sonla", By: catalog.System("test"),
		New: catalog.NewVersion{SourceHash: strings.Repeat("c", 64)}, Request: q}, m.Registry(), nil); err != nil {
		t.Fatal(err)
	}
	if got := served(m); got != "sonla@v2" {
		t.Errorf("served %q after publishing v2", got)
	}
	// A publish cut short: the version is building, its file half
	// written, a writer's temporary file left.
	v, err := m.Catalog().AddVersion(ctx, catalog.System("test"), "sonla", catalog.NewVersion{SourceHash: strings.Repeat("d", 64)})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Catalog().StartVersion(ctx, catalog.System("test"), "sonla", v.Number); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	layerDir := filepath.Join(data, "layers", "sonla")
	for _, name := range []string{"sonla.v3.mbtiles", ".sonla.v3.mbtiles.tmp-p1-1"} {
		if err := os.WriteFile(filepath.Join(layerDir, name), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	m = start()
	defer m.Close()
	if got := served(m); got != "sonla@v2" {
		t.Errorf("served %q after restart, want v2", got)
	}
	vs, err := m.Catalog().Versions(ctx, "sonla")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || vs[0].Status != catalog.Failed || vs[1].Status != catalog.Published || vs[2].Status != catalog.Published {
		t.Errorf("versions after restart: %+v", vs)
	}
	es, _ := os.ReadDir(layerDir)
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"sonla.v1.mbtiles", "sonla.v2.mbtiles"}) {
		t.Errorf("files after restart %v, want v1 and v2 only", names)
	}
}

// TestServeDefaultDataDir: a plain serve (neither --tiles nor --data)
// serves the catalog of the default data directory (here
// $XDG_DATA_HOME/plantile), with the bundled demo published into it and
// the upload API answering; never the real home of whoever runs the test.
func TestServeDefaultDataDir(t *testing.T) {
	bundle := t.TempDir()
	if _, err := servertest.WriteTileset(filepath.Join(bundle, "sonla.mbtiles"), servertest.Spec{MinZoom: 0, MaxZoom: 10, Version: "demo"}); err != nil {
		t.Fatal(err)
	}
	xdg := t.TempDir()
	t.Setenv("PLANTILE_DATA", "")
	t.Setenv("XDG_DATA_HOME", xdg)
	cfg := config.Default()
	cfg.Listen, cfg.CacheDir = "127.0.0.1:0", t.TempDir()
	var out bytes.Buffer
	m := &Main{Config: cfg, Out: &out, Embedded: os.DirFS(bundle)}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	data := filepath.Join(xdg, "plantile")
	if !strings.Contains(out.String(), "serving 1 catalog layers from "+data) {
		t.Errorf("printed %q", out.String())
	}
	if res, _ := get(t, m.URL()+"/tiles/sonla.json"); res.StatusCode != 200 || res.Header.Get(server.VersionHeader) == "" {
		t.Errorf("demo TileJSON: %d %q", res.StatusCode, res.Header.Get(server.VersionHeader))
	}
	if res, _ := get(t, m.URL()+"/api/layers"); res.StatusCode != 401 {
		t.Errorf("/api/layers without a token: %d, want 401", res.StatusCode)
	}
	if _, err := os.Stat(filepath.Join(data, catalog.FileName)); err != nil {
		t.Errorf("no catalog in the default data directory: %v", err)
	}
}
