package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sonla-gis/plantile/pkg/config"
	"github.com/sonla-gis/plantile/pkg/server/servertest"
)

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// noDataDir leaves serve no data directory to find (no PLANTILE_DATA, no
// home), so that it falls back to the bundled demo, read-only.
func noDataDir(t *testing.T) {
	t.Setenv("PLANTILE_DATA", "")
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", "")
}

// TestMainServesEmbeddedDemo: with no tiles directory and no data
// directory to be found, Main unpacks the bundled tilesets into the cache
// directory and serves them, with the bundled styles, glyphs and web map.
func TestMainServesEmbeddedDemo(t *testing.T) {
	noDataDir(t)
	bundle := t.TempDir()
	w, err := servertest.WriteTileset(filepath.Join(bundle, "sonla.mbtiles"), servertest.Spec{MinZoom: 0, MaxZoom: 10, Version: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	// A file serve did not put there is never removed (it is not served
	// either: the directory belongs to serve).
	if err := os.MkdirAll(filepath.Join(cache, "tiles"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cache, "tiles", "old.mbtiles"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	var mtime time.Time
	for run := range 2 {
		cfg := config.Default()
		cfg.Listen, cfg.CacheDir = "127.0.0.1:0", cache
		var out bytes.Buffer
		m := &Main{Config: cfg, Out: &out, Embedded: os.DirFS(bundle)}
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^plantile: serving Son La demo at http://127\.0\.0\.1:\d+/\n$`).MatchString(out.String()) {
			t.Errorf("printed %q", out.String())
		}
		if !strings.Contains(out.String(), m.URL()+"/") {
			t.Errorf("printed %q, URL %s", out.String(), m.URL())
		}
		tl := w.Tiles[len(w.Tiles)-1]
		res, body := get(t, m.URL()+"/tiles/sonla/"+itoa(int(tl.Z))+"/"+itoa(int(tl.X))+"/"+itoa(int(tl.Y))+".pbf")
		if res.StatusCode != 200 || len(body) == 0 {
			t.Errorf("tile: %d", res.StatusCode)
		}
		for _, p := range []string{"/readyz", "/styles/sonla.json", "/", "/fonts/Noto%20Sans%20Regular/0-255.pbf", "/tiles/sonla.json"} {
			if res, _ := get(t, m.URL()+p); res.StatusCode != 200 {
				t.Errorf("%s: %d", p, res.StatusCode)
			}
		}
		if res, _ := get(t, m.URL()+"/tiles/old.json"); res.StatusCode != 404 {
			t.Errorf("broken tileset served: %d", res.StatusCode)
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(filepath.Join(cache, "tiles", "sonla.mbtiles"))
		if err != nil {
			t.Fatal(err)
		}
		if run == 1 && !fi.ModTime().Equal(mtime) {
			t.Error("the unchanged bundled tileset was rewritten at the second start")
		}
		mtime = fi.ModTime()
		if _, err := os.Stat(filepath.Join(cache, "tiles", "old.mbtiles")); err != nil {
			t.Errorf("run %d: a file serve did not unpack was removed: %v", run, err)
		}
	}
}

// TestCacheDirRemovesOnlyItsOwn: `serve --cache-dir DIR` without --tiles
// removes a bundled tileset it unpacked earlier once the binary no longer
// bundles it, and nothing else: not another *.mbtiles in DIR/tiles, not
// one it unpacked that someone has since changed. It used to delete every
// *.mbtiles there it did not bundle.
func TestCacheDirRemovesOnlyItsOwn(t *testing.T) {
	noDataDir(t)
	v1, v2 := t.TempDir(), t.TempDir()
	for _, f := range []struct{ dir, name string }{{v1, "sonla"}, {v1, "gone"}, {v1, "edited"}, {v2, "sonla"}} {
		if _, err := servertest.WriteTileset(filepath.Join(f.dir, f.name+".mbtiles"), servertest.Spec{MaxZoom: 1, Version: f.name}); err != nil {
			t.Fatal(err)
		}
	}
	cache := t.TempDir()
	tiles := filepath.Join(cache, "tiles")
	start := func(bundle string) {
		t.Helper()
		cfg := config.Default()
		cfg.Listen, cfg.CacheDir = "127.0.0.1:0", cache
		m := &Main{Config: cfg, Embedded: os.DirFS(bundle)}
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
	}
	start(v1)
	// The operator's own file, and an unpacked one edited since.
	if err := copyFileTo(filepath.Join(v1, "gone.mbtiles"), filepath.Join(tiles, "mine.mbtiles")); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(tiles, "edited.mbtiles"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("operator's change"))
	f.Close()
	start(v2)
	for name, want := range map[string]bool{"sonla": true, "gone": false, "edited": true, "mine": true} {
		_, err := os.Stat(filepath.Join(tiles, name+".mbtiles"))
		if have := err == nil; have != want {
			t.Errorf("%s.mbtiles exists: %v, want %v", name, have, want)
		}
	}
}

func copyFileTo(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

// TestCloseStopsGlyphWarmUp: Close returns only once the background glyph
// rendering has stopped (it used to outlive Close).
func TestCloseStopsGlyphWarmUp(t *testing.T) {
	dir := t.TempDir()
	if _, err := servertest.WriteTileset(filepath.Join(dir, "a.mbtiles"), servertest.Spec{MaxZoom: 1}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		cfg := config.Default()
		cfg.Listen, cfg.TilesDir, cfg.CacheDir = "127.0.0.1:0", dir, t.TempDir()
		m := &Main{Config: cfg}
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		if strings.Contains(stacks, "plantile/pkg/glyphs.") {
			t.Fatalf("a goroutine is still rendering glyphs after Close:\n%s", stacks)
		}
	}
}

// TestMetricsListen: with metrics_listen an address, /metrics answers
// there and not on the main listener; "off" serves it nowhere.
func TestMetricsListen(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		listen           string
		main, separately int
	}{
		{"", 200, 0},
		{"127.0.0.1:0", 404, 200},
		{"off", 404, 0},
	} {
		cfg := config.Default()
		cfg.Listen, cfg.TilesDir, cfg.CacheDir, cfg.FontsDir = "127.0.0.1:0", dir, t.TempDir(), t.TempDir()
		cfg.MetricsListen = tt.listen
		m := &Main{Config: cfg}
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if res, _ := get(t, m.URL()+"/metrics"); res.StatusCode != tt.main {
			t.Errorf("metrics_listen %q: main /metrics %d, want %d", tt.listen, res.StatusCode, tt.main)
		}
		if tt.separately != 0 {
			res, body := get(t, m.MetricsURL()+"/metrics")
			if res.StatusCode != tt.separately || !strings.Contains(string(body), "plantile_tile_cache_bytes") {
				t.Errorf("metrics listener: %d\n%.300s", res.StatusCode, body)
			}
			if res, _ := get(t, m.MetricsURL()+"/tiles"); res.StatusCode != 404 {
				t.Errorf("metrics listener serves /tiles: %d", res.StatusCode)
			}
		} else if m.MetricsURL() != "" {
			t.Errorf("metrics URL %q", m.MetricsURL())
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// syncBuffer is a bytes.Buffer safe to read while the command writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs the command args (a serve listening on 127.0.0.1:0)
// until stop or the end of the test, and returns once it serves: its base
// URL (from the listen address it logs), its output and error output, and
// stop, which cancels it and returns what it returned.
func startServe(t *testing.T, args ...string) (base string, out, errOut *syncBuffer, stop func() error) {
	t.Helper()
	root := newRootCmd()
	out, errOut = &syncBuffer{}, &syncBuffer{}
	root.SetOut(out)
	root.SetErr(errOut)
	root.SetArgs(args)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	stop = sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("serve returned %w", err)
			}
			return nil
		case <-time.After(20 * time.Second):
			return errors.New("serve did not stop")
		}
	})
	t.Cleanup(func() { stop() })
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
	return "http://" + addr[1], out, errOut, stop
}

// TestServeCommand runs `plantile serve` through cobra with flags,
// environment and a config file, serves a tiles directory, picks up a new
// tileset, and stops gracefully when its context is cancelled (what
// SIGINT/SIGTERM do in main).
func TestServeCommand(t *testing.T) {
	dir := t.TempDir()
	if _, err := servertest.WriteTileset(filepath.Join(dir, "a.mbtiles"), servertest.Spec{MaxZoom: 3, Version: "a"}); err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(t.TempDir(), "plantile.yaml")
	if err := os.WriteFile(cfgFile, []byte("listen: 127.0.0.1:1\nreload_interval: 100ms\naccess_log: false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PLANTILE_PUBLIC_URL", "http://tiles.example")
	// The public URL from the environment is what gets printed, so
	// startServe finds the port from the log.
	base, out, errOut, stop := startServe(t, "serve", "--config", cfgFile, "--listen", "127.0.0.1:0", "--tiles", dir)
	deadline := time.Now().Add(10 * time.Second)
	if !strings.Contains(out.String(), "serving 1 tileset from "+dir+" at http://tiles.example/") {
		t.Errorf("printed %q", out.String())
	}
	m := regexp.MustCompile(`qgis_xyz_url=http://tiles.example/tiles/a/`).FindString(errOut.String())
	if m == "" {
		t.Errorf("no QGIS URL logged:\n%s", errOut.String())
	}
	_, body := get(t, base+"/tiles/a.json")
	var tj struct{ Tiles []string }
	if err := json.Unmarshal(body, &tj); err != nil || len(tj.Tiles) != 1 || !strings.HasPrefix(tj.Tiles[0], "http://tiles.example/tiles/a/{z}/{x}/{y}.pbf?v=") {
		t.Errorf("TileJSON tiles %v (%v)", tj.Tiles, err)
	}
	// A new tileset appears through polling.
	if _, err := servertest.WriteTileset(filepath.Join(dir, "b.mbtiles"), servertest.Spec{MaxZoom: 2, Version: "b"}); err != nil {
		t.Fatal(err)
	}
	for {
		if res, _ := get(t, base+"/tiles/b.json"); res.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("new tileset not picked up")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Error(err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still answering after stop")
	}
}

func TestServeCommandErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad listen", []string{"serve", "--listen", "nowhere"}, "listen"},
		{"missing tiles dir", []string{"serve", "--listen", "127.0.0.1:0", "--tiles", "/nonexistent/plantile"}, "tiles directory"},
		{"missing config", []string{"serve", "--config", "/nonexistent/plantile.yaml"}, "config"},
		{"bad log format", []string{"serve", "--log-format", "xml"}, "log_format"},
		{"arguments", []string{"serve", "extra"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newRootCmd()
			root.SetOut(io.Discard)
			root.SetErr(io.Discard)
			root.SetArgs(tt.args)
			err := root.ExecuteContext(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// TestServeReloadsOnSIGHUP: with polling off, SIGHUP makes the server pick
// up a new tileset.
func TestServeReloadsOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	root := newRootCmd()
	var out, errOut syncBuffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs([]string{"serve", "--listen", "127.0.0.1:0", "--tiles", dir, "--reload-interval", "0"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "plantile: serving 0 tilesets") {
		if time.Now().After(deadline) {
			t.Fatalf("no serving line: %q\n%s", out.String(), errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	base := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(out.String())
	if _, err := servertest.WriteTileset(filepath.Join(dir, "hup.mbtiles"), servertest.Spec{MaxZoom: 1, Version: "hup"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if res, _ := get(t, base+"/tiles/hup.json"); res.StatusCode != 404 {
		t.Fatalf("served before SIGHUP with polling off: %d", res.StatusCode)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for {
		if res, _ := get(t, base+"/tiles/hup.json"); res.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("SIGHUP did not reload")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
