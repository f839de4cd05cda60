package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/sonla-gis/plantile/pkg/config"
	"github.com/sonla-gis/plantile/pkg/server"
	"github.com/sonla-gis/plantile/pkg/server/servertest"
)

// Example wires a Registry over a tiles directory into a Server and asks
// for a tile the way QGIS does.
func Example() {
	dir, _ := os.MkdirTemp("", "plantile-example")
	defer os.RemoveAll(dir)
	if _, err := servertest.WriteTileset(filepath.Join(dir, "sonla.mbtiles"), servertest.Spec{MinZoom: 10, MaxZoom: 12}); err != nil {
		fmt.Println(err)
		return
	}

	reg := server.NewRegistry(dir, server.RegistryOptions{CacheBytes: 16 << 20})
	defer reg.Close()
	if err := reg.Reload(context.Background()); err != nil { // then reg.Run(ctx, interval) follows the directory
		fmt.Println(err)
		return
	}
	cfg := config.Default()
	cfg.AccessLog = false
	cfg.PublicURL = "https://gis.example.vn"
	srv, err := server.New(server.Options{Config: cfg, Tilesets: reg})
	if err != nil {
		fmt.Println(err)
		return
	}
	ts := httptest.NewServer(srv) // or srv.Serve(ctx, listener)
	defer ts.Close()

	fmt.Println("QGIS URL:", server.TileURL(srv.BaseURL(nil), "sonla"))
	req, _ := http.NewRequest("GET", ts.URL+"/tiles/sonla/10/807/449.pbf", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	res.Body.Close()
	fmt.Println(res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Encoding"))
	// Output:
	// QGIS URL: https://gis.example.vn/tiles/sonla/{z}/{x}/{y}.pbf
	// 200 application/vnd.mapbox-vector-tile gzip
}
