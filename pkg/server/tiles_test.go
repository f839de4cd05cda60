package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/config"
	"github.com/sonla-gis/plantile/pkg/server"
)

func TestTileEncoding(t *testing.T) {
	e := newEnv(t, envOptions{tileset: defaultSpec()})
	path := e.tilePath(t, 12)
	tests := []struct {
		acceptEncoding string // "" sends none
		wantGzip       bool
	}{
		{"", false},
		{"gzip", true},
		{"gzip, deflate", true},
		{"gzip;q=0", false},
		{"gzip;q=0, identity", false},
		{"deflate, br", false},
		{"*", true},
		{"*;q=0", false},
		{"identity", false},
		{"x-gzip", true},
		{"br;q=1, gzip;q=0.2", true},
	}
	etags := map[bool]string{}
	for _, tt := range tests {
		t.Run(tt.acceptEncoding, func(t *testing.T) {
			var hdr []string
			if tt.acceptEncoding != "" {
				hdr = []string{"Accept-Encoding", tt.acceptEncoding}
			}
			res, body := e.get(t, path, hdr...)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			h := res.Header
			if got := h.Get("Content-Type"); got != server.MediaTypeMVT {
				t.Errorf("Content-Type %q", got)
			}
			isGzip := len(body) > 2 && body[0] == 0x1f && body[1] == 0x8b
			if isGzip != tt.wantGzip || (h.Get("Content-Encoding") == "gzip") != tt.wantGzip {
				t.Errorf("gzip body %v, Content-Encoding %q; want gzip %v", isGzip, h.Get("Content-Encoding"), tt.wantGzip)
			}
			if got := h.Get("Vary"); !strings.Contains(got, "Accept-Encoding") {
				t.Errorf("Vary %q", got)
			}
			if got := h.Get("Cache-Control"); got != "public, max-age=3600" {
				t.Errorf("Cache-Control %q", got)
			}
			if got := h.Get("Content-Length"); got != fmt.Sprint(len(body)) {
				t.Errorf("Content-Length %q, body %d bytes", got, len(body))
			}
			etag := h.Get("ETag")
			if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 34 {
				t.Errorf("ETag %q is not a strong tag", etag)
			}
			if prev, ok := etags[tt.wantGzip]; ok && prev != etag {
				t.Errorf("ETag %q differs from %q for the same representation", etag, prev)
			}
			etags[tt.wantGzip] = etag
			names, version := layersOf(t, body)
			if !slices.Equal(names, []string{"landuse", "roads"}) && !slices.Equal(names, []string{"roads", "landuse"}) {
				t.Errorf("layers %v", names)
			}
			if version != "v1" {
				t.Errorf("version %q", version)
			}
		})
	}
	if etags[true] == etags[false] {
		t.Errorf("gzip and identity share ETag %q", etags[true])
	}
}

func TestTileStatus(t *testing.T) {
	e := newEnv(t, envOptions{tileset: defaultSpec()})
	ok := e.tilePath(t, 10)
	sk := e.written.Skipped
	missing := fmt.Sprintf("/tiles/sonla/%d/%d/%d.pbf", sk.Z, sk.X, sk.Y)
	tests := []struct {
		name   string
		method string
		path   string
		status int
	}{
		{"tile", "GET", ok, 200},
		{"mvt extension", "GET", strings.Replace(ok, ".pbf", ".mvt", 1), 200},
		{"head", "HEAD", ok, 200},
		{"missing tile inside bounds", "GET", missing, 204},
		{"outside bounds", "GET", "/tiles/sonla/10/0/0.pbf", 204},
		{"unknown tileset", "GET", "/tiles/nope/10/0/0.pbf", 404},
		{"beyond maxzoom", "GET", "/tiles/sonla/13/0/0.pbf", 404},
		{"deep zoom", "GET", "/tiles/sonla/22/0/0.pbf", 404},
		{"below minzoom", "GET", "/tiles/sonla/7/0/0.pbf", 404},
		{"zoom beyond 30", "GET", "/tiles/sonla/31/0/0.pbf", 400},
		{"x too big", "GET", "/tiles/sonla/1/2/0.pbf", 400},
		{"y too big", "GET", "/tiles/sonla/10/0/1024.pbf", 400},
		{"not a number", "GET", "/tiles/sonla/a/0/0.pbf", 400},
		{"negative", "GET", "/tiles/sonla/10/-1/0.pbf", 400},
		{"too few parts", "GET", "/tiles/sonla/10/0.pbf", 400},
		{"huge number", "GET", "/tiles/sonla/10/99999999999999999999/0.pbf", 400},
		{"bad name", "GET", "/tiles/so%20nla/10/0/0.pbf", 400},
		{"bad zoom, unknown tileset", "GET", "/tiles/nope/31/0/0.pbf", 400},
		{"post", "POST", ok, 405},
		{"delete", "DELETE", ok, 405},
		{"other extension", "GET", "/tiles/sonla/10/0/0.png", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := e.do(t, tt.method, tt.path, "Accept-Encoding", "gzip")
			if res.StatusCode != tt.status {
				t.Fatalf("%s %s: status %d, want %d (%s)", tt.method, tt.path, res.StatusCode, tt.status, body)
			}
			switch {
			case tt.status >= 400:
				if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type %q, want application/problem+json", ct)
				}
				if tt.method == "HEAD" {
					return
				}
				var p server.Problem
				if err := json.Unmarshal(body, &p); err != nil {
					t.Fatalf("problem: %v: %s", err, body)
				}
				if p.Status != tt.status || p.Title != http.StatusText(tt.status) || p.Detail == "" || p.Type != "about:blank" {
					t.Errorf("problem %+v", p)
				}
				if tt.status == 405 && res.Header.Get("Allow") == "" {
					t.Error("405 without Allow")
				}
			case tt.status == 204:
				if len(body) != 0 || res.Header.Get("Content-Encoding") != "" {
					t.Errorf("204 with body %d bytes, Content-Encoding %q", len(body), res.Header.Get("Content-Encoding"))
				}
			case tt.method == "HEAD":
				if len(body) != 0 || res.Header.Get("Content-Length") == "" || res.Header.Get("ETag") == "" {
					t.Errorf("HEAD: body %d bytes, headers %v", len(body), res.Header)
				}
			}
		})
	}
}

func TestTileNotModified(t *testing.T) {
	e := newEnv(t, envOptions{tileset: defaultSpec()})
	path := e.tilePath(t, 11)
	res, _ := e.get(t, path, "Accept-Encoding", "gzip")
	etag := res.Header.Get("ETag")
	res2, _ := e.get(t, path)
	raw := res2.Header.Get("ETag")
	tests := []struct {
		name   string
		inm    string
		ae     string
		status int
	}{
		{"same", etag, "gzip", 304},
		{"weak form", "W/" + etag, "gzip", 304},
		{"in a list", `"nope", ` + etag, "gzip", 304},
		{"star", "*", "gzip", 304},
		{"other", `"nope"`, "gzip", 200},
		{"gzip tag for identity", etag, "identity", 200},
		{"identity tag", raw, "identity", 304},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := e.get(t, path, "If-None-Match", tt.inm, "Accept-Encoding", tt.ae)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
			if tt.status == 304 && (len(body) != 0 || res.Header.Get("ETag") == "" || res.Header.Get("Cache-Control") == "") {
				t.Errorf("304: body %d bytes, headers %v", len(body), res.Header)
			}
		})
	}

	// The ETag depends on the stored bytes only: another server over the
	// same file gives the same tag.
	e2 := newEnv(t, envOptions{})
	if err := copyFile(e.dir+"/sonla.mbtiles", e2.dir+"/sonla.mbtiles"); err != nil {
		t.Fatal(err)
	}
	reload(t, e2)
	res3, _ := e2.get(t, path, "Accept-Encoding", "gzip")
	if got := res3.Header.Get("ETag"); got != etag {
		t.Errorf("ETag after restart %q, want %q", got, etag)
	}
}

func TestCORS(t *testing.T) {
	tests := []struct {
		name       string
		origins    []string
		origin     string
		wantAllow  string
		wantVaryOr bool
	}{
		{"any", []string{"*"}, "https://app.example", "*", false},
		{"any without origin", []string{"*"}, "", "*", false},
		{"listed", []string{"https://app.example"}, "https://app.example", "https://app.example", true},
		{"not listed", []string{"https://app.example"}, "https://evil.example", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{tileset: defaultSpec(), config: func(c *config.Config) { c.CORSOrigins = tt.origins }})
			path := e.tilePath(t, 9)
			var hdr []string
			if tt.origin != "" {
				hdr = []string{"Origin", tt.origin}
			}
			res, _ := e.get(t, path, hdr...)
			if got := res.Header.Get("Access-Control-Allow-Origin"); got != tt.wantAllow {
				t.Errorf("Allow-Origin %q, want %q", got, tt.wantAllow)
			}
			if got := strings.Contains(res.Header.Get("Vary"), "Origin"); got != tt.wantVaryOr {
				t.Errorf("Vary %q", res.Header.Get("Vary"))
			}
			if tt.wantAllow != "" {
				// A web app on another origin reads the version that
				// answered and, from OGC responses, the CRS.
				for _, h := range []string{"ETag", "Plantile-Version", "Content-Crs"} {
					if !strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), h) {
						t.Errorf("Expose-Headers %q lacks %s", res.Header.Get("Access-Control-Expose-Headers"), h)
					}
				}
			}
			// Preflight.
			pre, body := e.do(t, "OPTIONS", path, "Origin", tt.origin, "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "if-none-match")
			if pre.StatusCode != 204 || len(body) != 0 {
				t.Fatalf("preflight status %d", pre.StatusCode)
			}
			allowed := pre.Header.Get("Access-Control-Allow-Origin") != ""
			if allowed != (tt.wantAllow != "") {
				t.Errorf("preflight Allow-Origin %q", pre.Header.Get("Access-Control-Allow-Origin"))
			}
			if allowed && (!strings.Contains(pre.Header.Get("Access-Control-Allow-Methods"), "GET") || pre.Header.Get("Access-Control-Allow-Headers") != "if-none-match" || pre.Header.Get("Access-Control-Max-Age") == "") {
				t.Errorf("preflight headers %v", pre.Header)
			}
		})
	}
}
