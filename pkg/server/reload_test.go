package server_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sonla-gis/plantile/pkg/config"
	"github.com/sonla-gis/plantile/pkg/server"
	"github.com/sonla-gis/plantile/pkg/server/servertest"
)

// gate wraps a real reader and, while closed, holds Tile calls until it
// opens: it lets a test keep a request in flight across a reload.
type gate struct {
	server.TileReader
	entered chan struct{} // receives when a Tile call is waiting
	release chan struct{}
	closed  chan struct{} // closed when the reader is closed
}

func gatedOpen(gates chan<- *gate) server.OpenFunc {
	return func(path string) (server.TileReader, error) {
		r, err := server.OpenMBTiles(path)
		if err != nil {
			return nil, err
		}
		g := &gate{TileReader: r, entered: make(chan struct{}, 16), release: make(chan struct{}), closed: make(chan struct{})}
		gates <- g
		return g, nil
	}
}

func (g *gate) Tile(ctx context.Context, z, x, y int) ([]byte, bool, error) {
	if z >= 10 { // the load probe reads minzoom: let it through
		g.entered <- struct{}{}
		<-g.release
	}
	return g.TileReader.Tile(ctx, z, x, y)
}

func (g *gate) Close() error {
	close(g.closed)
	return g.TileReader.Close()
}

func write(t *testing.T, dir, name string, s servertest.Spec) {
	t.Helper()
	if _, err := servertest.WriteTileset(filepath.Join(dir, name+".mbtiles"), s); err != nil {
		t.Fatal(err)
	}
}

func version(t *testing.T, e *env, path string) (int, string) {
	t.Helper()
	res, body := e.get(t, path, "Accept-Encoding", "gzip")
	if res.StatusCode != 200 {
		return res.StatusCode, ""
	}
	_, v := layersOf(t, body)
	return res.StatusCode, v
}

func TestHotReload(t *testing.T) {
	e := newEnv(t, envOptions{tileset: defaultSpec()})
	path := e.tilePath(t, 11)
	if _, v := version(t, e, path); v != "v1" {
		t.Fatalf("version %q", v)
	}
	steps := []struct {
		name    string
		change  func(t *testing.T)
		wantErr bool
		status  int
		version string
	}{
		{"replaced", func(t *testing.T) {
			write(t, e.dir, "sonla", servertest.Spec{MinZoom: 8, MaxZoom: 12, Version: "v2"})
		}, false, 200, "v2"},
		{"unchanged file is kept", func(t *testing.T) {}, false, 200, "v2"},
		{"broken replacement refused, old version serves", func(t *testing.T) {
			tmp := filepath.Join(e.dir, ".broken")
			if err := os.WriteFile(tmp, []byte("SQLite format 3\x00 but not really"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, filepath.Join(e.dir, "sonla.mbtiles")); err != nil {
				t.Fatal(err)
			}
		}, true, 200, "v2"},
		{"refused version not retried", func(t *testing.T) {}, false, 200, "v2"},
		{"fixed", func(t *testing.T) {
			write(t, e.dir, "sonla", servertest.Spec{MinZoom: 8, MaxZoom: 12, Version: "v3"})
		}, false, 200, "v3"},
		{"temporary files ignored", func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(e.dir, ".sonla.mbtiles.tmp-1"), []byte("junk"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, false, 200, "v3"},
		{"deleted", func(t *testing.T) {
			if err := os.Remove(filepath.Join(e.dir, "sonla.mbtiles")); err != nil {
				t.Fatal(err)
			}
		}, false, 404, ""},
		{"back", func(t *testing.T) {
			write(t, e.dir, "sonla", servertest.Spec{MinZoom: 8, MaxZoom: 12, Version: "v4"})
		}, false, 200, "v4"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.change(t)
			err := e.reg.Reload(context.Background())
			var le *server.LoadError
			if st.wantErr != (err != nil) || (st.wantErr && !errors.As(err, &le)) {
				t.Fatalf("Reload() = %v, want a LoadError: %v", err, st.wantErr)
			}
			status, v := version(t, e, path)
			if status != st.status || v != st.version {
				t.Errorf("tile: %d %q, want %d %q", status, v, st.status, st.version)
			}
		})
	}
	// A new file is a new tileset.
	write(t, e.dir, "moc-chau", servertest.Spec{MinZoom: 8, MaxZoom: 12, Version: "mc"})
	reload(t, e)
	if res, _ := e.get(t, "/tiles/moc-chau.json"); res.StatusCode != 200 {
		t.Errorf("new tileset: %d", res.StatusCode)
	}
	// A broken new file is never served, and the refusal is logged once by
	// ReloadAndLog.
	if err := os.WriteFile(filepath.Join(e.dir, "junk.mbtiles"), []byte("not sqlite"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.reg.ReloadAndLog(context.Background())
	e.reg.ReloadAndLog(context.Background())
	if res, _ := e.get(t, "/tiles/junk.json"); res.StatusCode != 404 {
		t.Errorf("broken new file: %d", res.StatusCode)
	}
	if n := strings.Count(e.logs.String(), "tileset=junk"); n != 1 {
		t.Errorf("refusal logged %d times:\n%s", n, e.logs)
	}
}

// TestReloadInFlight: a request that started on the old version finishes
// on it, and the old reader is closed only after it.
func TestReloadInFlight(t *testing.T) {
	gates := make(chan *gate, 4)
	e := newEnv(t, envOptions{tileset: defaultSpec(), open: gatedOpen(gates)})
	old := <-gates
	path := e.tilePath(t, 12)
	type result struct {
		status int
		body   []byte
	}
	done := make(chan result)
	go func() {
		res, err := http.Get(e.http.URL + path)
		if err != nil {
			done <- result{}
			return
		}
		defer res.Body.Close()
		b := make([]byte, 0, 4096)
		buf := make([]byte, 4096)
		for {
			n, err := res.Body.Read(buf)
			b = append(b, buf[:n]...)
			if err != nil {
				break
			}
		}
		done <- result{res.StatusCode, b}
	}()
	<-old.entered // the request is reading from the old version
	write(t, e.dir, "sonla", servertest.Spec{MinZoom: 8, MaxZoom: 12, Version: "v2", Skip: true})
	reload(t, e)
	next := <-gates
	close(next.release) // new requests go straight through
	if _, v := version(t, e, path); v != "v2" {
		t.Errorf("new request: version %q, want v2", v)
	}
	select {
	case <-old.closed:
		t.Fatal("old reader closed while a request was using it")
	default:
	}
	close(old.release)
	r := <-done
	if r.status != 200 {
		t.Fatalf("in-flight request: %d", r.status)
	}
	if _, v := layersOf(t, r.body); v != "v1" {
		t.Errorf("in-flight request: version %q, want v1", v)
	}
	select {
	case <-old.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("old reader never closed")
	}
}

func TestPollingReload(t *testing.T) {
	e := newEnv(t, envOptions{tileset: defaultSpec()})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.reg.Run(ctx, 50*time.Millisecond)
	path := e.tilePath(t, 11)
	write(t, e.dir, "sonla", servertest.Spec{MinZoom: 8, MaxZoom: 12, Version: "polled"})
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, v := version(t, e, path); v == "polled" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the new version was not picked up by polling")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t, envOptions{tileset: defaultSpec(), noLoad: true})
	if res, _ := e.get(t, "/healthz"); res.StatusCode != 200 {
		t.Errorf("healthz: %d", res.StatusCode)
	}
	if res, _ := e.get(t, "/readyz"); res.StatusCode != 503 || res.Header.Get("Retry-After") == "" {
		t.Errorf("readyz before load: %d", res.StatusCode)
	}
	reload(t, e)
	if res, _ := e.get(t, "/readyz"); res.StatusCode != 200 {
		t.Errorf("readyz after load: %d", res.StatusCode)
	}
	before := scrape(t, e)
	path := e.tilePath(t, 10)
	for range 3 {
		e.get(t, path, "Accept-Encoding", "gzip")
	}
	e.get(t, "/tiles/sonla/a/0/0.pbf")
	e.get(t, "/tiles/nope/1/0/0.pbf")
	// Deep zooms and tiles off the bounds are answered without reading
	// the file (the cache misses below count file reads).
	e.get(t, "/tiles/sonla/22/0/0.pbf")
	e.get(t, "/tiles/sonla/10/0/0.pbf")
	after := scrape(t, e)
	tests := []struct {
		series string
		delta  float64
	}{
		{`plantile_tiles_served_total{result="ok",tileset="sonla"}`, 3},
		{`plantile_http_requests_total{code="200",method="GET",route="/tiles/{tileset}/{z}/{x}/{y}.pbf"}`, 3},
		{`plantile_http_requests_total{code="400",method="GET",route="/tiles/{tileset}/{z}/{x}/{y}.pbf"}`, 1},
		{`plantile_http_errors_total{kind="invalid"}`, 1},
		{`plantile_http_errors_total{kind="not_found"}`, 2},
		{`plantile_tiles_served_total{result="empty",tileset="sonla"}`, 1},
		{`plantile_http_request_duration_seconds_count{route="/tiles/{tileset}/{z}/{x}/{y}.pbf"}`, 7},
		{`plantile_tile_cache_hits_total`, 2},
		{`plantile_tile_cache_misses_total`, 1},
		{`plantile_tilesets`, 0},
	}
	for _, tt := range tests {
		if got := after[tt.series] - before[tt.series]; got != tt.delta {
			t.Errorf("%s moved by %v, want %v", tt.series, got, tt.delta)
		}
	}
	if after[`plantile_http_response_bytes_total{route="/tiles/{tileset}/{z}/{x}/{y}.pbf"}`] <= before[`plantile_http_response_bytes_total{route="/tiles/{tileset}/{z}/{x}/{y}.pbf"}`] {
		t.Error("bytes sent did not move")
	}
	if after["plantile_tilesets"] != 1 {
		t.Errorf("plantile_tilesets = %v", after["plantile_tilesets"])
	}
}

// scrape reads /metrics into series → value.
func scrape(t *testing.T, e *env) map[string]float64 {
	t.Helper()
	res, body := e.get(t, "/metrics")
	if res.StatusCode != 200 {
		t.Fatalf("metrics: %d", res.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

// TestGracefulShutdown: cancelling Serve's context lets a request in
// flight finish, then refuses new connections.
func TestGracefulShutdown(t *testing.T) {
	gates := make(chan *gate, 2)
	e := newEnv(t, envOptions{tileset: defaultSpec(), open: gatedOpen(gates)})
	g := <-gates
	cfg := config.Default()
	srv, err := server.New(server.Options{Config: cfg, Tilesets: e.reg})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String()
	status := make(chan int, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		res, err := http.Get(url + e.tilePath(t, 12))
		if err != nil {
			status <- -1
			return
		}
		res.Body.Close()
		status <- res.StatusCode
	}()
	<-g.entered
	cancel()
	// Serve must not return while the request is in flight.
	select {
	case err := <-served:
		t.Fatalf("Serve returned with a request in flight: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("new connections still accepted during shutdown")
	}
	close(g.release)
	wg.Wait()
	if s := <-status; s != 200 {
		t.Errorf("in-flight request: %d", s)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
}
