package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // VACUUM the served file in place

	"github.com/sonla-gis/plantile/pkg/config"
	"github.com/sonla-gis/plantile/pkg/mbtiles"
	"github.com/sonla-gis/plantile/pkg/server"
	"github.com/sonla-gis/plantile/pkg/server/servertest"
)

// TestTrustedProxies: Forwarded and X-Forwarded-* shape the URLs the
// server writes only when the connection comes from trusted_proxies (the
// test client is on loopback). They used to be believed from anyone.
func TestTrustedProxies(t *testing.T) {
	headers := []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil.example"}
	forwarded := []string{"Forwarded", "proto=https;host=evil.example"}
	tests := []struct {
		name    string
		trusted []string
		headers []string
		forward bool // the forwarded host is used
	}{
		{"default loopback", config.Default().TrustedProxies, headers, true},
		{"loopback address", []string{"127.0.0.1"}, forwarded, true},
		{"other network", []string{"10.0.0.0/8", "192.168.1.7"}, headers, false},
		{"other network, Forwarded", []string{"10.0.0.0/8"}, forwarded, false},
		{"nobody", nil, headers, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{tileset: defaultSpec(), config: func(c *config.Config) { c.TrustedProxies = tt.trusted }})
			_, body := e.get(t, "/tiles/sonla.json", tt.headers...)
			var tj struct{ Tiles []string }
			if err := json.Unmarshal(body, &tj); err != nil || len(tj.Tiles) != 1 {
				t.Fatalf("TileJSON %s: %v", body, err)
			}
			want := e.http.URL
			if tt.forward {
				want = "https://evil.example"
			}
			if !strings.HasPrefix(tj.Tiles[0], want+"/tiles/") {
				t.Errorf("tiles %q, want under %s", tj.Tiles[0], want)
			}
		})
	}
}

// TestConfigTrustedProxiesInvalid: a bad entry is refused by name.
func TestConfigTrustedProxiesInvalid(t *testing.T) {
	c := config.Default()
	c.TrustedProxies = []string{"10.0.0.0/33"}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "trusted_proxies") {
		t.Errorf("Validate: %v", err)
	}
}

// writeCustom writes an MBTiles file with one tile (0/0/0, stored gzipped)
// and the given metadata.
func writeCustom(t *testing.T, path string, m mbtiles.Metadata, tile []byte) {
	t.Helper()
	w, err := mbtiles.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.PutTile(0, 0, 0, tile); err != nil {
		t.Fatal(err)
	}
	w.SetMetadata(m)
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestTileJSONNoPaths: metadata written by older builds names files of the
// build machine; TileJSON and /tiles publish base names only, and never
// the server's own paths (the tiles directory, snapshots).
func TestTileJSONNoPaths(t *testing.T) {
	e := newEnv(t, envOptions{noLoad: true})
	writeCustom(t, filepath.Join(e.dir, "paths.mbtiles"), mbtiles.Metadata{
		Name:        "/home/builder/work/plan.mbtiles",
		Description: "built from /home/builder/data/parcels.shp and C:\\Users\\an\\roads.geojson",
		Attribution: `<a href="https://example.org/a/b">example</a>`,
		MaxZoom:     0,
		VectorLayers: []mbtiles.VectorLayer{
			{ID: "parcels", Description: "(/srv/gis/in/parcels.shp)", Fields: map[string]string{"a": "String"}},
		},
	}, []byte("not really an mvt"))
	reload(t, e)
	for _, p := range []string{"/tiles/paths.json", "/tiles"} {
		_, body := e.get(t, p)
		s := string(body)
		for _, leak := range []string{"/home/", "builder", "Users", "/srv/", e.dir, os.TempDir()} {
			if strings.Contains(s, leak) {
				t.Errorf("%s contains %q:\n%s", p, leak, s)
			}
		}
		for _, keep := range []string{"parcels.shp", "roads.geojson", "plan.mbtiles", "https://example.org/a/b"} {
			if p == "/tiles/paths.json" && !strings.Contains(s, keep) {
				t.Errorf("%s lost %q:\n%s", p, keep, s)
			}
		}
	}
}

// TestDecompressedTileLimit: a tile is inflated for a client without gzip
// only up to max_tile_mb; beyond, 406 with a problem that says what to do.
// It used to be inflated whatever its size.
func TestDecompressedTileLimit(t *testing.T) {
	e := newEnv(t, envOptions{noLoad: true, config: func(c *config.Config) { c.MaxTileMB = 1 }})
	writeCustom(t, filepath.Join(e.dir, "bomb.mbtiles"), mbtiles.Metadata{MaxZoom: 0}, make([]byte, 3<<20))
	writeCustom(t, filepath.Join(e.dir, "small.mbtiles"), mbtiles.Metadata{MaxZoom: 0}, make([]byte, 100<<10))
	reload(t, e)
	res, body := e.get(t, "/tiles/bomb/0/0/0.pbf")
	if res.StatusCode != http.StatusNotAcceptable || !strings.Contains(string(body), "Accept-Encoding: gzip") || !strings.Contains(string(body), "max_tile_mb") {
		t.Errorf("identity: %d %s", res.StatusCode, body)
	}
	if !strings.Contains(e.logs.String(), "too large") {
		t.Errorf("not logged:\n%s", e.logs.String())
	}
	res, body = e.get(t, "/tiles/bomb/0/0/0.pbf", "Accept-Encoding", "gzip")
	if res.StatusCode != 200 || len(body) > 1<<20 {
		t.Errorf("gzip: %d, %d bytes", res.StatusCode, len(body))
	}
	if res, body := e.get(t, "/tiles/small/0/0/0.pbf"); res.StatusCode != 200 || len(body) != 100<<10 {
		t.Errorf("small identity: %d, %d bytes", res.StatusCode, len(body))
	}
}

// TestTileCacheCountsDecompressedCopies: the cache's byte count includes
// the decompressed copy kept for clients without gzip (it used to count
// only the gzipped bytes: 64 KiB of zeros gzip to ~100 bytes).
func TestTileCacheCountsDecompressedCopies(t *testing.T) {
	e := newEnv(t, envOptions{noLoad: true})
	writeCustom(t, filepath.Join(e.dir, "zeros.mbtiles"), mbtiles.Metadata{MaxZoom: 0}, make([]byte, 64<<10))
	reload(t, e)
	cacheBytes := func() float64 {
		_, body := e.get(t, "/metrics")
		m := regexp.MustCompile(`(?m)^plantile_tile_cache_bytes (\S+)$`).FindSubmatch(body)
		if m == nil {
			t.Fatalf("no plantile_tile_cache_bytes in\n%s", body)
		}
		v, err := strconv.ParseFloat(string(m[1]), 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	e.get(t, "/tiles/zeros/0/0/0.pbf", "Accept-Encoding", "gzip")
	gz := cacheBytes()
	if gz <= 0 || gz > 4096 {
		t.Fatalf("cache bytes %v after the gzipped tile", gz)
	}
	for range 3 {
		e.get(t, "/tiles/zeros/0/0/0.pbf")
	}
	if got := cacheBytes(); got < gz+64<<10 {
		t.Errorf("cache bytes %v after the decompressed copy was made, want at least %v", got, gz+64<<10)
	}
}

// countingOpen opens tilesets and counts readers open.
type countingOpen struct {
	open   atomic.Int64
	onOpen func()
}

type countedReader struct {
	server.TileReader
	c    *countingOpen
	once sync.Once
}

func (r *countedReader) Close() error {
	r.once.Do(func() { r.c.open.Add(-1) })
	return r.TileReader.Close()
}

func (c *countingOpen) Open(path string) (server.TileReader, error) {
	rd, err := server.OpenMBTiles(path)
	if err != nil {
		return nil, err
	}
	c.open.Add(1)
	if c.onOpen != nil {
		c.onOpen()
	}
	return &countedReader{TileReader: rd, c: c}, nil
}

// TestCancelledReloadClosesReaders: a reload cancelled part way closes
// what it opened (it used to leak every reader opened before the cancel).
func TestCancelledReloadClosesReaders(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a", "b", "c"} {
		if _, err := servertest.WriteTileset(filepath.Join(dir, n+".mbtiles"), servertest.Spec{MaxZoom: 1}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &countingOpen{onOpen: cancel} // cancelled right after the first open
	reg := server.NewRegistry(dir, server.RegistryOptions{Open: c.Open, Logger: slog.New(slog.DiscardHandler)})
	if err := reg.Reload(ctx); err == nil {
		t.Fatal("cancelled reload returned no error")
	}
	if n := c.open.Load(); n != 0 {
		t.Errorf("%d readers left open by the cancelled reload", n)
	}
	if len(reg.List()) != 0 {
		t.Errorf("cancelled reload published %d tilesets", len(reg.List()))
	}
	c.onOpen = nil
	if err := reg.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := c.open.Load(); n != 3 {
		t.Errorf("%d readers open, want 3", n)
	}
	reg.Close()
	if n := c.open.Load(); n != 0 {
		t.Errorf("%d readers open after Close", n)
	}
}

// TestInPlaceRewrite: the served file is truncated, overwritten in place
// and VACUUMed while requests read every tile with the tile cache off,
// polling with the default (snapshot) opener. It used to crash the process
// with SIGBUS. Runs under -race in make test.
func TestInPlaceRewrite(t *testing.T) {
	dir, src := t.TempDir(), t.TempDir()
	spec := func(v string) servertest.Spec { return servertest.Spec{MinZoom: 8, MaxZoom: 13, Version: v} }
	served := filepath.Join(dir, "plan.mbtiles")
	w, err := servertest.WriteTileset(served, spec("v1"))
	if err != nil {
		t.Fatal(err)
	}
	v2 := filepath.Join(src, "v2.mbtiles")
	if _, err := servertest.WriteTileset(v2, spec("v2")); err != nil {
		t.Fatal(err)
	}
	v1 := filepath.Join(src, "v1.mbtiles")
	if err := copyFile(served, v1); err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	reg := server.NewRegistry(dir, server.RegistryOptions{
		Logger:      slog.New(slog.NewTextHandler(logs, nil)),
		SnapshotDir: t.TempDir(),
		Settle:      150 * time.Millisecond,
	})
	defer reg.Close()
	if err := reg.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go reg.Run(ctx, 50*time.Millisecond)
	cfg := config.Default()
	cfg.AccessLog = false
	srv, err := server.New(server.Options{Config: cfg, Tilesets: reg, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hs := newLoopback(t, srv)

	var stop atomic.Bool
	var mu sync.Mutex
	bad := map[string]int{}
	versions := map[string]int{}
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; !stop.Load(); i++ {
				tl := w.Tiles[i%len(w.Tiles)]
				res, err := http.Get(fmt.Sprintf("%s/tiles/plan/%d/%d/%d.pbf", hs.URL, tl.Z, tl.X, tl.Y))
				if err != nil {
					mu.Lock()
					bad[err.Error()]++
					mu.Unlock()
					continue
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				mu.Lock()
				if res.StatusCode != 200 {
					bad[fmt.Sprintf("%d %s", res.StatusCode, b)]++
				} else {
					_, v := layersOf(t, b)
					versions[v]++
				}
				mu.Unlock()
			}
		}()
	}
	waitVersion := func(want string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			ts, ok := reg.Get("plan")
			if ok && ts.Metadata.Description == "servertest "+want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("not reloaded to %s:\n%s", want, logs.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	overwrite := func(from string) { // what cp does: truncate, then write
		t.Helper()
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(served, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond) // empty for a while
		for off := 0; off < len(b); off += 8192 {
			f.Write(b[off:min(off+8192, len(b))])
			time.Sleep(5 * time.Millisecond)
		}
		f.Close()
	}
	overwrite(v2)
	waitVersion("v2")
	overwrite(v1)
	waitVersion("v1")
	loads := strings.Count(logs.String(), "tileset replaced")
	db, err := sql.Open("sqlite3", served)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`VACUUM`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	deadline := time.Now().Add(15 * time.Second)
	for strings.Count(logs.String(), "tileset replaced") == loads {
		if time.Now().After(deadline) {
			t.Fatalf("VACUUMed file not reloaded:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("versions %v", versions)
	for k, n := range bad {
		t.Errorf("%d× %s", n, k)
	}
	if len(versions) != 2 || versions["v1"] == 0 || versions["v2"] == 0 {
		t.Errorf("versions %v, want v1 and v2 only", versions)
	}
	if strings.Contains(logs.String(), "level=ERROR") && !strings.Contains(logs.String(), "refused") {
		t.Errorf("errors logged:\n%s", logs.String())
	}
}
