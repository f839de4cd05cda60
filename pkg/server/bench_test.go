package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/sonla-gis/plantile/pkg/config"
	"github.com/sonla-gis/plantile/pkg/server"
	"github.com/sonla-gis/plantile/pkg/server/servertest"
)

// discardWriter is a reusable ResponseWriter, so the benchmark measures
// the handler's own allocations.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// serveDir loads the tilesets of dir (a tile cache of cacheBytes) and
// returns a server of them, without access log, and its registry.
func serveDir(b *testing.B, dir string, cacheBytes int64) (*server.Server, *server.Registry) {
	b.Helper()
	reg := server.NewRegistry(dir, server.RegistryOptions{CacheBytes: cacheBytes, Logger: slog.New(slog.DiscardHandler)})
	b.Cleanup(func() { reg.Close() })
	if err := reg.Reload(context.Background()); err != nil {
		b.Fatal(err)
	}
	cfg := config.Default()
	cfg.AccessLog = false
	srv, err := server.New(server.Options{Config: cfg, Tilesets: reg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	return srv, reg
}

// serveBenchTiles serves the tilesets of PLANTILE_BENCH_TILES (a
// directory of .mbtiles with stored features, as cmd/bench/query.sh and
// search.sh build), skipping the benchmark without it.
func serveBenchTiles(b *testing.B) (*server.Server, *server.Registry) {
	dir := os.Getenv("PLANTILE_BENCH_TILES")
	if dir == "" {
		b.Skip("PLANTILE_BENCH_TILES is not set")
	}
	return serveDir(b, dir, 0)
}

func benchServer(b *testing.B, cacheMB int) (*server.Server, []string) {
	b.Helper()
	dir := b.TempDir()
	w, err := servertest.WriteTileset(filepath.Join(dir, "sonla.mbtiles"), servertest.Spec{MinZoom: 10, MaxZoom: 14, Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	srv, _ := serveDir(b, dir, int64(cacheMB)<<20)
	var paths []string
	for _, t := range w.Tiles {
		paths = append(paths, "/tiles/sonla/"+itoa(int(t.Z))+"/"+itoa(int(t.X))+"/"+itoa(int(t.Y))+".pbf")
	}
	return srv, paths
}

// BenchmarkTileHandler serves tiles through the router and middleware,
// from the cache (cache) and from SQLite every time (nocache).
func BenchmarkTileHandler(b *testing.B) {
	for _, bc := range []struct {
		name    string
		cacheMB int
	}{{"cache", 64}, {"nocache", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			srv, paths := benchServer(b, bc.cacheMB)
			reqs := make([]*http.Request, len(paths))
			for i, p := range paths {
				reqs[i], _ = http.NewRequest("GET", p, nil)
				reqs[i].Header.Set("Accept-Encoding", "gzip")
			}
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				clear(w.h)
				srv.ServeHTTP(w, reqs[i%len(reqs)])
			}
		})
	}
}

// BenchmarkTileHTTP serves cached tiles over loopback HTTP with keep-alive
// connections from parallel clients.
func BenchmarkTileHTTP(b *testing.B) {
	srv, paths := benchServer(b, 64)
	e := &env{}
	e.http = newLoopback(b, srv)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			req, _ := http.NewRequest("GET", e.http.URL+paths[i%len(paths)], nil)
			req.Header.Set("Accept-Encoding", "gzip")
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			i++
		}
	})
}
