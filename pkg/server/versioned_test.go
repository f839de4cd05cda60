package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/ogcapi"
	"github.com/sonla-gis/plantile/pkg/server"
)

// TestOGCPagingAcrossSwap pages the land use, swaps the version between
// two pages, and follows the next link of the old version: it is a 409
// naming v, never a page of the new version joined to the old one; paging
// from the first page again gets the new version's links.
func TestOGCPagingAcrossSwap(t *testing.T) {
	e, _ := newDemoEnv(t)
	const first = "/ogc/collections/sonla.landuse/items?limit=100"
	var p ogcPage
	e.ogcGet(t, first, ogcapi.MediaGeoJSON, &p)
	for _, rel := range []string{"self", "next"} {
		if h := p.link(rel, ogcapi.MediaGeoJSON); !strings.Contains(h, "v=v-demo") {
			t.Errorf("%s link %q does not carry v=v-demo", rel, h)
		}
	}
	if h := p.link("next", ogcapi.MediaHTML); !strings.Contains(h, "v=v-demo") {
		t.Errorf("HTML next link %q does not carry v=v-demo", h)
	}
	next := strings.TrimPrefix(p.link("next", ogcapi.MediaGeoJSON), e.http.URL)
	var p2 ogcPage
	e.ogcGet(t, next, ogcapi.MediaGeoJSON, &p2)
	if len(p2.Features) != 100 || normID(p2.Features[0].ID) == normID(p.Features[0].ID) {
		t.Fatalf("second page: %d features", len(p2.Features))
	}
	next2 := strings.TrimPrefix(p2.link("next", ogcapi.MediaGeoJSON), e.http.URL)

	writeDemo(t, e.dir, "v-next")
	if err := e.reg.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{next, next2} {
		res, body := e.get(t, path)
		if res.StatusCode != http.StatusConflict {
			t.Fatalf("GET %s after the swap: %d %s, want 409", path, res.StatusCode, body)
		}
		var ex ogcapi.Exception
		if err := json.Unmarshal(body, &ex); err != nil || ct(res) != ogcapi.MediaJSON {
			t.Fatalf("GET %s: %v, Content-Type %q: %s", path, err, ct(res), body)
		}
		if !strings.HasPrefix(ex.Description, "v: ") || !strings.Contains(ex.Description, `"v-next"`) {
			t.Errorf("409 description %q does not name v and the version now served", ex.Description)
		}
	}
	// The first page again: the new version's links, and they page.
	var n ogcPage
	e.ogcGet(t, first, ogcapi.MediaGeoJSON, &n)
	h := n.link("next", ogcapi.MediaGeoJSON)
	if !strings.Contains(h, "v=v-next") {
		t.Fatalf("next link after the swap %q", h)
	}
	e.ogcGet(t, strings.TrimPrefix(h, e.http.URL), ogcapi.MediaGeoJSON, nil)
	// A v= of the current version is accepted on any items URL; an
	// unknown one is refused even on the first page.
	e.ogcGet(t, first+"&v=v-next", ogcapi.MediaGeoJSON, nil)
	if res, body := e.get(t, first+"&v=nope"); res.StatusCode != http.StatusConflict {
		t.Errorf("v=nope: %d %s", res.StatusCode, body)
	}
}

func ct(res *http.Response) string { return res.Header.Get("Content-Type") }

// TestVersionETag checks the version-tied ETags of the query and OGC
// feature routes: weak, the same for the same request to the same
// version, 304 on If-None-Match with the headers of a 200, different for
// another request or format, and different after a hot swap (then 200
// again).
func TestVersionETag(t *testing.T) {
	e, src := newDemoEnv(t)
	l := src["landuse"]
	p := insidePoint(t, l, 0)
	id := url.PathEscape(l.FeatureIDText(0))
	paths := []string{
		pointURL(p, ""),
		"/query/bbox?bbox=103.91,21.32,103.925,21.335&limit=5",
		"/ogc/collections/sonla.landuse/items?limit=7&f=json",
		"/ogc/collections/sonla.landuse/items?limit=7&f=html",
		"/ogc/collections/sonla.landuse/items/" + id + "?f=json",
	}
	tags := map[string]string{}
	for _, path := range paths {
		res, body := e.get(t, path)
		tag := res.Header.Get("ETag")
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(tag, `W/"`) || len(body) == 0 {
			t.Fatalf("GET %s: %d, ETag %q", path, res.StatusCode, tag)
		}
		for other, ot := range tags {
			if ot == tag {
				t.Errorf("%s and %s share the ETag %s", path, other, tag)
			}
		}
		tags[path] = tag
		if res2, _ := e.get(t, path); res2.Header.Get("ETag") != tag {
			t.Errorf("GET %s twice: ETag %q then %q", path, tag, res2.Header.Get("ETag"))
		}
		for _, inm := range []string{tag, strings.TrimPrefix(tag, "W/"), `"x", ` + tag} {
			res, body := e.get(t, path, "If-None-Match", inm)
			if res.StatusCode != http.StatusNotModified || len(body) != 0 {
				t.Fatalf("GET %s If-None-Match %s: %d, %d bytes", path, inm, res.StatusCode, len(body))
			}
			if res.Header.Get("ETag") != tag || res.Header.Get(server.VersionHeader) != "sonla=v-demo" {
				t.Errorf("304 of %s: ETag %q, version %q", path, res.Header.Get("ETag"), res.Header.Get(server.VersionHeader))
			}
		}
		if res, _ := e.get(t, path, "If-None-Match", `W/"other"`); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s with another tag: %d", path, res.StatusCode)
		}
	}
	writeDemo(t, e.dir, "v-next")
	if err := e.reg.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		res, body := e.get(t, path, "If-None-Match", tags[path])
		if res.StatusCode != http.StatusOK || len(body) == 0 {
			t.Fatalf("GET %s after the swap with the old tag: %d", path, res.StatusCode)
		}
		if tag := res.Header.Get("ETag"); tag == tags[path] || res.Header.Get(server.VersionHeader) != "sonla=v-next" {
			t.Errorf("GET %s after the swap: ETag %q (was %q), version %q", path, tag, tags[path], res.Header.Get(server.VersionHeader))
		}
	}
}
