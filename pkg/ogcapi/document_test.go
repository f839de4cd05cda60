package ogcapi_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/ogcapi"
)

var service = ogcapi.Service{
	BaseURL: "http://localhost:8080/ogc", Title: "plantile Sơn La", Description: "Quy hoạch sử dụng đất",
	DefaultLimit: 100, MaxLimit: 10000,
}

var landuse = ogcapi.CollectionInfo{
	ID: "landuse", Title: "Quy hoạch sử dụng đất", Description: "Land use plan",
	Bounds: bound(103.8, 21.2, 104.0, 21.4), Schema: schema, Count: 1234, SourceEPSG: 5897,
}

func findLink(links []ogcapi.Link, rel, typ string) (ogcapi.Link, bool) {
	for _, l := range links {
		if l.Rel == rel && l.Type == typ {
			return l, true
		}
	}
	return ogcapi.Link{}, false
}

// roundTrip marshals v and decodes it as generic JSON, the way a client
// sees it.
func roundTrip(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestLandingPage(t *testing.T) {
	lp := service.LandingPage()
	for _, want := range []struct{ rel, typ, href string }{
		{"service-desc", "application/vnd.oai.openapi+json;version=3.0", "http://localhost:8080/ogc/api"},
		{"service-doc", "text/html", "http://localhost:8080/ogc/api?f=html"},
		{"conformance", "application/json", "http://localhost:8080/ogc/conformance"},
		{"data", "application/json", "http://localhost:8080/ogc/collections"},
		{"self", "application/json", "http://localhost:8080/ogc/?f=json"},
		{"alternate", "text/html", "http://localhost:8080/ogc/?f=html"},
	} {
		l, ok := findLink(lp.Links, want.rel, want.typ)
		if !ok || l.Href != want.href {
			t.Errorf("rel=%s type=%s: got %+v", want.rel, want.typ, l)
		}
	}
}

func TestConformance(t *testing.T) {
	got := strings.Join(service.Conformance().ConformsTo, " ")
	// What QGIS needs for CQL2, and Part 2.
	for _, c := range []string{ogcapi.ConfCore, ogcapi.ConfGeoJSON, ogcapi.ConfOAS30, ogcapi.ConfHTML, ogcapi.ConfCRS,
		ogcapi.ConfFilter, ogcapi.ConfFeaturesFilter, ogcapi.ConfQueryables, ogcapi.ConfCQL2Text, ogcapi.ConfCQL2JSON, ogcapi.ConfBasicCQL2} {
		if !strings.Contains(got, c) {
			t.Errorf("missing %s", c)
		}
	}
}

func TestCollection(t *testing.T) {
	c := roundTrip(t, service.Collection(landuse))
	if c["id"] != "landuse" || c["itemType"] != "feature" || c["storageCrs"] != ogcapi.CRS84URI {
		t.Errorf("collection %v", c)
	}
	crs := c["crs"].([]any)
	want := []string{ogcapi.CRS84URI, ogcapi.EPSGURI(4326), ogcapi.EPSGURI(3857), ogcapi.EPSGURI(9206), ogcapi.EPSGURI(5897)}
	if len(crs) != len(want) {
		t.Fatalf("crs %v", crs)
	}
	for i := range want {
		if crs[i] != want[i] {
			t.Errorf("crs[%d] = %v, want %s", i, crs[i], want[i])
		}
	}
	bbox := c["extent"].(map[string]any)["spatial"].(map[string]any)["bbox"].([]any)[0].([]any)
	if bbox[0] != 103.8 || bbox[3] != 21.4 {
		t.Errorf("bbox %v", bbox)
	}
	col := service.Collection(landuse)
	for _, want := range []struct{ rel, typ, href string }{
		{"items", "application/geo+json", "http://localhost:8080/ogc/collections/landuse/items?f=json"},
		{"items", "text/html", "http://localhost:8080/ogc/collections/landuse/items?f=html"},
		{ogcapi.RelQueryables, "application/schema+json", "http://localhost:8080/ogc/collections/landuse/queryables"},
		{"self", "application/json", "http://localhost:8080/ogc/collections/landuse?f=json"},
	} {
		if l, ok := findLink(col.Links, want.rel, want.typ); !ok || l.Href != want.href {
			t.Errorf("rel=%s type=%s: %+v", want.rel, want.typ, l)
		}
	}
	// An id with a space or a slash stays one path segment.
	odd := service.Collection(ogcapi.CollectionInfo{ID: "a b/c"})
	if l, _ := findLink(odd.Links, "items", ogcapi.MediaGeoJSON); !strings.Contains(l.Href, "/collections/a%20b%2Fc/items") {
		t.Errorf("escaped id: %s", l.Href)
	}
	if odd.Extent != nil {
		t.Error("empty layer got an extent")
	}
	cs := service.Collections([]ogcapi.CollectionInfo{landuse})
	if len(cs.Collections) != 1 || cs.Collections[0].ID != "landuse" {
		t.Errorf("collections %+v", cs)
	}
}

func TestQueryables(t *testing.T) {
	q := roundTrip(t, service.Queryables(landuse))
	props := q["properties"].(map[string]any)
	for name, typ := range map[string]string{"ma_dat": "string", "dien_tich": "number", "so_to": "integer", "hop_le": "boolean", "ngay": "string"} {
		p, ok := props[name].(map[string]any)
		if !ok || p["type"] != typ {
			t.Errorf("%s: %v", name, props[name])
		}
	}
	if props["ngay"].(map[string]any)["format"] != "date" {
		t.Error("date format missing")
	}
	if _, ok := props["extra"]; ok {
		t.Error("JSON field listed as queryable")
	}
	if _, ok := props["geometry"]; !ok {
		t.Error("geometry not queryable")
	}
	if q["type"] != "object" || q["$id"] != "http://localhost:8080/ogc/collections/landuse/queryables" {
		t.Errorf("queryables %v", q)
	}
}

func TestOpenAPI(t *testing.T) {
	doc := roundTrip(t, service.OpenAPI([]ogcapi.CollectionInfo{landuse}))
	if doc["openapi"] != "3.0.3" {
		t.Errorf("openapi %v", doc["openapi"])
	}
	params := doc["components"].(map[string]any)["parameters"].(map[string]any)
	limit := params["limit"].(map[string]any)
	schema := limit["schema"].(map[string]any)
	// Where QGIS reads the page size: integers, not strings.
	if schema["default"] != 100.0 || schema["maximum"] != 10000.0 || schema["type"] != "integer" {
		t.Errorf("limit schema %v", schema)
	}
	for _, p := range []string{"limit", "offset", "bbox", "bbox-crs", "crs", "filter", "filter-lang", "filter-crs", "properties", "sortby", "featureId", "collectionId"} {
		if _, ok := params[p]; !ok {
			t.Errorf("components.parameters.%s missing", p)
		}
	}
	paths := doc["paths"].(map[string]any)
	for _, p := range []string{"/", "/conformance", "/api", "/collections", "/collections/{collectionId}", "/collections/{collectionId}/items",
		"/collections/{collectionId}/items/{featureId}", "/collections/{collectionId}/queryables"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("path %s missing", p)
		}
	}
	// The collection's own items path lists its properties as parameters,
	// and nothing else of form/explode=false that QGIS would take for one.
	items := paths["/collections/landuse/items"].(map[string]any)["get"].(map[string]any)["parameters"].([]any)
	names := map[string]bool{}
	for _, p := range items {
		pm := p.(map[string]any)
		if ref, ok := pm["$ref"].(string); ok {
			names[strings.TrimPrefix(ref, "#/components/parameters/")] = true
			continue
		}
		names[pm["name"].(string)] = true
		if pm["name"] == "offset" && pm["explode"] != true {
			t.Error("offset would read as a property in QGIS")
		}
	}
	for _, n := range []string{"limit", "bbox", "filter", "ma_dat", "so_to", "dien_tich", "hop_le", "ngay"} {
		if !names[n] {
			t.Errorf("items parameter %s missing from the collection path", n)
		}
	}
	if names["extra"] || names["sortby"] || names["properties"] {
		t.Errorf("unexpected parameters: %v", names)
	}
}

func TestItemsLinks(t *testing.T) {
	q := url.Values{"filter": {"ma_dat = 'ODT'"}, "offset": {"999"}, "f": {"html"}, "limit": {"10"}, "bbox": {"1,2,3,4"}}
	feats := []ogcapi.Feature{ogcapi.NewFeature("QH-001", orb.Point{1, 2}, nil), ogcapi.NewFeature(int64(7), nil, feature.Properties{"a": 1})}
	for _, c := range []struct {
		name          string
		p             ogcapi.Page
		next, prev    string // offsets in the links; "" = no link
		matchedInJSON bool
	}{
		{"first", ogcapi.Page{Offset: 0, Limit: 10, Returned: 10, Matched: 25}, "10", "", true},
		{"middle", ogcapi.Page{Offset: 10, Limit: 10, Returned: 10, Matched: 25}, "20", "0", true},
		{"last", ogcapi.Page{Offset: 20, Limit: 10, Returned: 5, Matched: 25}, "", "10", true},
		{"exact end", ogcapi.Page{Offset: 15, Limit: 10, Returned: 10, Matched: 25}, "", "5", true},
		{"only", ogcapi.Page{Offset: 0, Limit: 10, Returned: 3, Matched: 3}, "", "", true},
		{"empty", ogcapi.Page{Offset: 0, Limit: 10, Returned: 0, Matched: 0}, "", "", true},
		{"beyond", ogcapi.Page{Offset: 50, Limit: 10, Returned: 0, Matched: 25}, "", "40", true},
		{"uncounted full", ogcapi.Page{Offset: 0, Limit: 10, Returned: 10, Matched: -1}, "10", "", false},
		{"uncounted short", ogcapi.Page{Offset: 10, Limit: 10, Returned: 4, Matched: -1}, "", "0", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			fc := service.FeatureCollection("landuse", q, c.p, append([]ogcapi.Feature(nil), feats...), time.Date(2026, 12, 2, 13, 0, 0, 0, time.UTC))
			for _, rel := range []string{"next", "prev"} {
				want := map[string]string{"next": c.next, "prev": c.prev}[rel]
				l, ok := findLink(fc.Links, rel, ogcapi.MediaGeoJSON)
				_, okHTML := findLink(fc.Links, rel, ogcapi.MediaHTML)
				if want == "" {
					if ok || okHTML {
						t.Errorf("unexpected %s link %s", rel, l.Href)
					}
					continue
				}
				if !ok || !okHTML {
					t.Fatalf("no %s link in GeoJSON and HTML: %+v", rel, fc.Links)
				}
				u, err := url.Parse(l.Href)
				if err != nil {
					t.Fatal(err)
				}
				v := u.Query()
				if v.Get("offset") != want && !(want == "0" && v.Get("offset") == "") {
					t.Errorf("%s offset %q, want %s", rel, v.Get("offset"), want)
				}
				if v.Get("limit") != "10" || v.Get("filter") != "ma_dat = 'ODT'" || v.Get("bbox") != "1,2,3,4" || v.Get("f") != "json" {
					t.Errorf("%s link lost the query: %s", rel, l.Href)
				}
				if u.Path != "/ogc/collections/landuse/items" {
					t.Errorf("%s path %s", rel, u.Path)
				}
			}
			m := roundTrip(t, fc)
			if _, has := m["numberMatched"]; has != c.matchedInJSON {
				t.Errorf("numberMatched present %v", has)
			}
			if m["type"] != "FeatureCollection" || m["timeStamp"] != "2026-12-02T13:00:00Z" || m["numberReturned"] != float64(c.p.Returned) {
				t.Errorf("collection %v", m)
			}
			f0 := m["features"].([]any)[0].(map[string]any)
			if f0["id"] != "QH-001" || f0["geometry"].(map[string]any)["type"] != "Point" {
				t.Errorf("feature %v", f0)
			}
			self := f0["links"].([]any)[0].(map[string]any)
			if self["href"] != "http://localhost:8080/ogc/collections/landuse/items/QH-001" {
				t.Errorf("feature link %v", self)
			}
			f1 := m["features"].([]any)[1].(map[string]any)
			if f1["id"] != 7.0 || f1["geometry"] != nil {
				t.Errorf("feature %v", f1)
			}
		})
	}
	fl := service.FeatureLinks("landuse", "QH 1/2")
	if fl[0].Href != "http://localhost:8080/ogc/collections/landuse/items/QH%201%2F2?f=json" {
		t.Errorf("feature links %v", fl)
	}
}

func TestHTML(t *testing.T) {
	h, err := ogcapi.NewHTML()
	if err != nil {
		t.Fatal(err)
	}
	col := service.Collection(landuse)
	feats := []ogcapi.Feature{
		ogcapi.NewFeature("QH-001", orb.Point{1, 2}, feature.Properties{"ma_dat": "ODT", "dien_tich": 1234.5}),
		ogcapi.NewFeature(int64(2), orb.Point{1, 2}, feature.Properties{"ma_dat": "<script>alert(1)</script>", "so_to": int64(3)}),
	}
	fc := service.FeatureCollection("landuse", url.Values{}, ogcapi.Page{Offset: 10, Limit: 2, Returned: 2, Matched: 30}, feats, time.Now())
	pages := map[string]func(*bytes.Buffer) error{
		"landing": func(b *bytes.Buffer) error {
			return h.Landing(b, service, service.LandingPage(), service.Collections([]ogcapi.CollectionInfo{landuse}))
		},
		"collections": func(b *bytes.Buffer) error {
			return h.Collections(b, service, service.Collections([]ogcapi.CollectionInfo{landuse}))
		},
		"collection": func(b *bytes.Buffer) error { return h.Collection(b, service, col) },
		"items": func(b *bytes.Buffer) error {
			return h.Items(b, service, col, fc, []string{"ma_dat", "dien_tich", "so_to"})
		},
		"conformance": func(b *bytes.Buffer) error { return h.Conformance(b, service, service.Conformance()) },
		"api": func(b *bytes.Buffer) error {
			return h.API(b, service, service.OpenAPI([]ogcapi.CollectionInfo{landuse}))
		},
		"feature": func(b *bytes.Buffer) error {
			f := feats[0]
			f.Links = service.FeatureLinks("landuse", f.ID)
			return h.Feature(b, service, col, f, []string{"ma_dat", "dien_tich"})
		},
	}
	wants := map[string][]string{
		"landing":     {"plantile Sơn La", "Quy hoạch sử dụng đất", `href="http://localhost:8080/ogc/collections/landuse?f=html"`, "service-desc"},
		"collections": {"Quy hoạch sử dụng đất", ">1234<", `href="http://localhost:8080/ogc/collections/landuse/items?f=html"`},
		"collection":  {"<code>ma_dat</code>", "http://www.opengis.net/def/crs/EPSG/0/9206", "1234 features"},
		"items": {"<th>ma_dat</th>", ">ODT<", ">1234.5<", "&lt;script&gt;", `items/QH-001?f=html"`, "Trang sau", "Trang trước",
			"offset=12", "trên tổng số 30", "of 30"},
		"conformance": {"<code>http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2</code>"},
		"api":         {"<code>/collections/{collectionId}/items</code>", "<code>bbox-crs</code>", "default 100", "maximum 10000", "Features of a collection"},
		"feature":     {"Quy hoạch sử dụng đất · QH-001", "<th>dien_tich</th><td>1234.5</td>", "Point"},
	}
	for name, render := range pages {
		var b bytes.Buffer
		if err := render(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		s := b.String()
		if !strings.Contains(s, `<meta charset="utf-8">`) || !strings.Contains(s, `lang="vi"`) {
			t.Errorf("%s: no UTF-8 / lang", name)
		}
		if strings.Contains(s, "<script>") {
			t.Errorf("%s: unescaped script", name)
		}
		for _, w := range wants[name] {
			if !strings.Contains(s, w) {
				t.Errorf("%s: missing %q", name, w)
			}
		}
	}
}
