package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"

	"github.com/sonla-gis/plantile/pkg/config"
	"github.com/sonla-gis/plantile/pkg/server"
	"github.com/sonla-gis/plantile/pkg/server/servertest"
)

// logBuffer collects log output safely across goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is a server on a loopback port over a temporary tiles directory.
type env struct {
	dir  string
	reg  *server.Registry
	srv  *server.Server
	http *httptest.Server
	logs *logBuffer

	written servertest.Written // the tiles of sonla.mbtiles
}

type envOptions struct {
	config  func(*config.Config)
	open    server.OpenFunc
	styles  fs.FS
	glyphs  server.GlyphSource
	web     fs.FS
	noLoad  bool
	tileset *servertest.Spec // written as sonla.mbtiles unless nil
}

// defaultSpec is the tileset most tests use: sonla, zooms 8..12, with one
// missing tile at 12.
func defaultSpec() *servertest.Spec {
	return &servertest.Spec{Name: "Son La test", MinZoom: 8, MaxZoom: 12, Version: "v1", Skip: true}
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	e := &env{dir: t.TempDir(), logs: &logBuffer{}}
	if o.tileset != nil {
		w, err := servertest.WriteTileset(filepath.Join(e.dir, "sonla.mbtiles"), *o.tileset)
		if err != nil {
			t.Fatal(err)
		}
		e.written = w
	}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.reg = server.NewRegistry(e.dir, server.RegistryOptions{Open: o.open, Logger: log, CacheBytes: 8 << 20})
	t.Cleanup(func() { e.reg.Close() })
	if !o.noLoad {
		if err := e.reg.Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config.Default()
	if o.config != nil {
		o.config(&cfg)
	}
	srv, err := server.New(server.Options{Config: cfg, Tilesets: e.reg, Styles: o.styles, Glyphs: o.glyphs, Web: o.web, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	e.http = httptest.NewServer(srv)
	t.Cleanup(e.http.Close)
	return e
}

// get sends a request with the given headers (name, value pairs) through
// a transport that does not add or undo gzip itself.
func (e *env) do(t *testing.T, method, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.http.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

func (e *env) get(t *testing.T, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	return e.do(t, http.MethodGet, path, headers...)
}

// layersOf decodes MVT bytes (gzipped or not) and returns the layer names
// and the "version" property of the first feature.
func layersOf(t *testing.T, b []byte) (names []string, version string) {
	t.Helper()
	var ls mvt.Layers
	var err error
	if len(b) > 1 && b[0] == 0x1f && b[1] == 0x8b {
		ls, err = mvt.UnmarshalGzipped(b)
	} else {
		ls, err = mvt.Unmarshal(b)
	}
	if err != nil {
		t.Fatalf("not an MVT tile: %v", err)
	}
	for _, l := range ls {
		names = append(names, l.Name)
		if version == "" && len(l.Features) > 0 {
			version, _ = l.Features[0].Properties["version"].(string)
		}
	}
	return names, version
}

// tilePath returns the URL path of a written tile of zoom z (the first).
func (e *env) tilePath(t *testing.T, z int) string {
	t.Helper()
	for _, tl := range e.written.Tiles {
		if int(tl.Z) == z {
			return fmt.Sprintf("/tiles/sonla/%d/%d/%d.pbf", tl.Z, tl.X, tl.Y)
		}
	}
	t.Fatalf("no tile written at zoom %d", z)
	return ""
}

// newLoopback serves h on a loopback port until the test ends.
func newLoopback(tb testing.TB, h http.Handler) *httptest.Server {
	s := httptest.NewServer(h)
	tb.Cleanup(s.Close)
	return s
}
