package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/config"
	"github.com/sonla-gis/plantile/pkg/ogcapi"
	"github.com/sonla-gis/plantile/pkg/server"
	"github.com/sonla-gis/plantile/pkg/source/geojson"
	"github.com/sonla-gis/plantile/styles"
)

// ogcPage is a decoded items page.
type ogcPage struct {
	Type           string `json:"type"`
	NumberMatched  *int   `json:"numberMatched"`
	NumberReturned int    `json:"numberReturned"`
	Features       []struct {
		ID         any             `json:"id"`
		Geometry   json.RawMessage `json:"geometry"`
		Properties map[string]any  `json:"properties"`
	} `json:"features"`
	Links []ogcapi.Link `json:"links"`
}

func (p ogcPage) link(rel, typ string) string {
	for _, l := range p.Links {
		if l.Rel == rel && l.Type == typ {
			return l.Href
		}
	}
	return ""
}

// ogcGet requests path and decodes a 200 JSON answer into v, checking the
// content type and the version header.
func (e *env) ogcGet(t *testing.T, path, wantType string, v any, headers ...string) *http.Response {
	t.Helper()
	res, body := e.get(t, path, headers...)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != wantType {
		t.Errorf("GET %s: Content-Type %q, want %q", path, ct, wantType)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v\n%.500s", path, err, body)
		}
	}
	return res
}

// walk follows the GeoJSON next links from path and returns every feature
// of every page and the number of pages.
func (e *env) walk(t *testing.T, path string) (ids []string, feats []ogcPage, pages int) {
	t.Helper()
	seen := map[string]bool{}
	for next := path; next != ""; pages++ {
		if pages > 10000 {
			t.Fatal("more than 10000 pages")
		}
		var p ogcPage
		res := e.ogcGet(t, strings.TrimPrefix(next, e.http.URL), ogcapi.MediaGeoJSON, &p)
		if res.Header.Get(server.VersionHeader) != "sonla=v-demo" {
			t.Fatalf("%s: version header %q", next, res.Header.Get(server.VersionHeader))
		}
		if p.NumberReturned != len(p.Features) {
			t.Fatalf("%s: numberReturned %d, %d features", next, p.NumberReturned, len(p.Features))
		}
		for _, f := range p.Features {
			id := ogcapi.FeatureID(normID(f.ID))
			if seen[id] {
				t.Fatalf("%s: feature %s seen twice (paging not stable)", next, id)
			}
			seen[id] = true
			ids = append(ids, id)
		}
		feats = append(feats, p)
		next = p.link("next", ogcapi.MediaGeoJSON)
	}
	return ids, feats, pages
}

// normID turns a JSON number id into an int64.
func normID(id any) any {
	if f, ok := id.(float64); ok {
		return int64(f)
	}
	return id
}

func TestOGCLandingConformanceAPI(t *testing.T) {
	e, _ := newDemoEnv(t)
	var lp ogcapi.LandingPage
	e.ogcGet(t, "/ogc", ogcapi.MediaJSON, &lp, "Accept", "application/json")
	rels := map[string]ogcapi.Link{}
	for _, l := range lp.Links {
		rels[l.Rel+" "+l.Type] = l
	}
	for _, want := range []string{"service-desc " + ogcapi.MediaOpenAPI, "data " + ogcapi.MediaJSON, "conformance " + ogcapi.MediaJSON} {
		l, ok := rels[want]
		if !ok {
			t.Fatalf("landing page lacks %s: %+v", want, lp.Links)
		}
		if !strings.HasPrefix(l.Href, e.http.URL+"/ogc/") {
			t.Errorf("%s href %q not under %s/ogc", want, l.Href, e.http.URL)
		}
	}
	var conf ogcapi.Conformance
	e.ogcGet(t, "/ogc/conformance", ogcapi.MediaJSON, &conf)
	for _, c := range []string{ogcapi.ConfCore, ogcapi.ConfGeoJSON, ogcapi.ConfCRS, ogcapi.ConfFilter, ogcapi.ConfFeaturesFilter, ogcapi.ConfCQL2Text, ogcapi.ConfBasicCQL2} {
		if !slices.Contains(conf.ConformsTo, c) {
			t.Errorf("conformance lacks %s", c)
		}
	}
	var api struct {
		OpenAPI    string
		Components struct {
			Parameters map[string]struct {
				Schema struct{ Default, Maximum any }
			}
		}
		Paths map[string]any
	}
	e.ogcGet(t, "/ogc/api", ogcapi.MediaOpenAPI, &api)
	if lim := api.Components.Parameters["limit"].Schema; lim.Default != 100.0 || lim.Maximum != 10000.0 {
		t.Errorf("components.parameters.limit %+v, want default 100 maximum 10000", lim)
	}
	if _, ok := api.Paths["/collections/sonla.landuse/items"]; !ok {
		t.Errorf("OpenAPI has no items path for sonla.landuse")
	}
	// HTML for browsers.
	for _, p := range []string{"/ogc", "/ogc/?f=html", "/ogc/conformance?f=html", "/ogc/api?f=html", "/ogc/collections?f=html",
		"/ogc/collections/sonla.landuse?f=html", "/ogc/collections/sonla.landuse/items?f=html&limit=5", "/ogc/collections/sonla.landuse/queryables?f=html"} {
		res, body := e.get(t, p, "Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "<html") {
			t.Errorf("%s: %d %q %.200s", p, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	}
}

func TestOGCCollections(t *testing.T) {
	e, src := newDemoEnv(t)
	var cs ogcapi.Collections
	res := e.ogcGet(t, "/ogc/collections", ogcapi.MediaJSON, &cs)
	if v := res.Header.Get(server.VersionHeader); v != "sonla=v-demo" {
		t.Errorf("version header %q", v)
	}
	var ids []string
	for _, c := range cs.Collections {
		ids = append(ids, c.ID)
		l := src[strings.TrimPrefix(c.ID, "sonla.")]
		if l == nil {
			t.Fatalf("collection %s: no such source layer", c.ID)
		}
		if c.StorageCRS != ogcapi.CRS84URI || !slices.Contains(c.CRS, ogcapi.EPSGURI(9206)) || !slices.Contains(c.CRS, ogcapi.EPSGURI(4326)) {
			t.Errorf("%s: storageCrs %s crs %v", c.ID, c.StorageCRS, c.CRS)
		}
		b := l.Bounds()
		if c.Extent == nil || c.Extent.Spatial.BBox[0] != [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
			t.Errorf("%s: extent %+v, want %v", c.ID, c.Extent, b)
		}
	}
	want := []string{"sonla.facilities", "sonla.landuse", "sonla.roads", "sonla.boundaries", "sonla.zones"}
	if !slices.Equal(ids, want) {
		t.Errorf("collections %v, want %v", ids, want)
	}
	var c ogcapi.Collection
	e.ogcGet(t, "/ogc/collections/sonla.landuse", ogcapi.MediaJSON, &c)
	if c.ID != "sonla.landuse" {
		t.Errorf("collection id %q", c.ID)
	}
	var qs ogcapi.Queryables
	e.ogcGet(t, "/ogc/collections/sonla.landuse/queryables", ogcapi.MediaSchemaJSON, &qs)
	if _, ok := qs.Properties["ma_dat"]; !ok {
		t.Errorf("queryables lack ma_dat: %v", qs.Properties)
	}
	if _, ok := qs.Properties["geometry"]; !ok {
		t.Errorf("queryables lack geometry")
	}
}

// TestOGCItemsPaging walks every page of land use by next links, with a
// small limit: every feature once, in id order, with its attributes and
// exact coordinates.
func TestOGCItemsPaging(t *testing.T) {
	e, src := newDemoEnv(t)
	l := src["landuse"]
	ids, pages, n := e.walk(t, "/ogc/collections/sonla.landuse/items?limit=97")
	if len(ids) != l.Len() {
		t.Fatalf("%d features over %d pages, want %d", len(ids), n, l.Len())
	}
	if want := (l.Len() + 96) / 97; n != want {
		t.Errorf("%d pages, want %d", n, want)
	}
	k := 0
	for _, p := range pages {
		if p.NumberMatched == nil || *p.NumberMatched != l.Len() {
			t.Fatalf("numberMatched %v, want %d", p.NumberMatched, l.Len())
		}
		for _, f := range p.Features {
			if got, want := ids[k], l.FeatureIDText(k); got != want {
				t.Fatalf("feature %d: id %s, want %s", k, got, want)
			}
			for fi, fd := range l.Schema().Fields {
				_, v := l.Value(k, fi)
				if !sameValue(f.Properties[fd.Name], v) {
					t.Fatalf("feature %s: %s = %v, want %v", ids[k], fd.Name, f.Properties[fd.Name], v)
				}
			}
			if err := sameGeometry(t, f.Geometry, l.Geometry(k), geojson.DefaultDecimals); err != nil {
				t.Fatalf("feature %s: %v", ids[k], err)
			}
			k++
		}
	}
	// prev of the second page is the first.
	var p2 ogcPage
	e.ogcGet(t, "/ogc/collections/sonla.landuse/items?limit=10&offset=10", ogcapi.MediaGeoJSON, &p2)
	if prev := p2.link("prev", ogcapi.MediaGeoJSON); !strings.Contains(prev, "limit=10") || strings.Contains(prev, "offset=") {
		t.Errorf("prev link %q", prev)
	}
	// Beyond the end: empty, no next.
	var end ogcPage
	e.ogcGet(t, fmt.Sprintf("/ogc/collections/sonla.landuse/items?offset=%d", l.Len()+5), ogcapi.MediaGeoJSON, &end)
	if end.NumberReturned != 0 || end.link("next", ogcapi.MediaGeoJSON) != "" {
		t.Errorf("past the end: %d returned, next %q", end.NumberReturned, end.link("next", ogcapi.MediaGeoJSON))
	}
}

// sameValue compares a decoded JSON value with an index value.
func sameValue(got, want any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case int64:
		g, ok := got.(float64)
		return ok && g == float64(w)
	case float64:
		g, ok := got.(float64)
		return ok && g == w
	case json.RawMessage:
		b, _ := json.Marshal(got)
		var x any
		json.Unmarshal(w, &x)
		c, _ := json.Marshal(x)
		return string(b) == string(c)
	}
	return got == want
}

// TestOGCItemsQuery checks bbox, property filters, CQL2 filters and sortby
// against the index answering the same question directly.
func TestOGCItemsQuery(t *testing.T) {
	e, src := newDemoEnv(t)
	l := src["landuse"]
	box := orb.Bound{Min: orb.Point{103.91, 21.32}, Max: orb.Point{103.925, 21.335}}
	var inBox []string
	l.Intersecting(box, func(i int) bool { inBox = append(inBox, l.FeatureIDText(i)); return true })
	if len(inBox) < 10 {
		t.Fatalf("only %d parcels in the test box", len(inBox))
	}
	slices.SortFunc(inBox, func(a, b string) int { ia, _ := l.Find(a); ib, _ := l.Find(b); return ia - ib })
	fi := l.Schema().Index("ma_dat")
	odt := func(i int) bool { _, v := l.Value(i, fi); return v == "ODT" }
	var odtIn []string
	for _, id := range inBox {
		if i, _ := l.Find(id); odt(i) {
			odtIn = append(odtIn, id)
		}
	}
	var odtAll []string
	for i := 0; i < l.Len(); i++ {
		if odt(i) {
			odtAll = append(odtAll, l.FeatureIDText(i))
		}
	}
	bb := fmt.Sprintf("%v,%v,%v,%v", box.Min[0], box.Min[1], box.Max[0], box.Max[1])
	bbLatLon := fmt.Sprintf("%v,%v,%v,%v", box.Min[1], box.Min[0], box.Max[1], box.Max[0])
	poly := fmt.Sprintf("POLYGON((%[1]v %[2]v,%[3]v %[2]v,%[3]v %[4]v,%[1]v %[4]v,%[1]v %[2]v))", box.Min[0], box.Min[1], box.Max[0], box.Max[1])
	cqlJSON := fmt.Sprintf(`{"op":"and","args":[{"op":"=","args":[{"property":"ma_dat"},"ODT"]},{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[%v,%v,%v,%v]}]}]}`, box.Min[0], box.Min[1], box.Max[0], box.Max[1])
	tests := []struct {
		name, query string
		want        []string
	}{
		{"bbox", "bbox=" + bb, inBox},
		{"bbox EPSG:4326 lat,lon", "bbox=" + bbLatLon + "&bbox-crs=" + url.QueryEscape(ogcapi.EPSGURI(4326)), inBox},
		{"property filter", "ma_dat=ODT", odtAll},
		{"bbox and property", "bbox=" + bb + "&ma_dat=ODT", odtIn},
		{"cql2-text", "filter=" + url.QueryEscape("ma_dat = 'ODT' AND S_INTERSECTS(geometry, "+poly+")"), odtIn},
		{"cql2-json", "filter-lang=cql2-json&filter=" + url.QueryEscape(cqlJSON), odtIn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, pages, _ := e.walk(t, "/ogc/collections/sonla.landuse/items?limit=50&"+tt.query)
			if !slices.Equal(ids, tt.want) {
				t.Errorf("%d ids, want %d\n got %v\nwant %v", len(ids), len(tt.want), ids, tt.want)
			}
			if m := pages[0].NumberMatched; m == nil || *m != len(tt.want) {
				t.Errorf("numberMatched %v, want %d", m, len(tt.want))
			}
		})
	}
	// sortby and properties.
	var p ogcPage
	e.ogcGet(t, "/ogc/collections/sonla.landuse/items?limit=20&sortby=-dien_tich&properties=ma_dat,dien_tich", ogcapi.MediaGeoJSON, &p)
	prev := math.Inf(1)
	for _, f := range p.Features {
		if len(f.Properties) != 2 {
			t.Fatalf("properties=ma_dat,dien_tich gave %v", f.Properties)
		}
		a := f.Properties["dien_tich"].(float64)
		if a > prev {
			t.Fatalf("sortby=-dien_tich: %v after %v", a, prev)
		}
		prev = a
	}
	maxArea := math.Inf(-1)
	di := l.Schema().Index("dien_tich")
	for i := 0; i < l.Len(); i++ {
		if _, v := l.Value(i, di); v != nil {
			maxArea = math.Max(maxArea, toFloat(v))
		}
	}
	if got := p.Features[0].Properties["dien_tich"].(float64); got != maxArea {
		t.Errorf("first of sortby=-dien_tich is %v, want the largest %v", got, maxArea)
	}
}

func toFloat(v any) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case int64:
		return float64(v)
	}
	return math.NaN()
}

// TestOGCItemAndCRS reads one feature by id, in CRS84, EPSG:4326 (lat,
// lon) and VN-2000 / TM-3 104-00, with Content-Crs.
func TestOGCItemAndCRS(t *testing.T) {
	e, src := newDemoEnv(t)
	l := src["landuse"]
	const k = 17
	id := l.FeatureIDText(k)
	var f struct {
		ID       any
		Geometry json.RawMessage
		Links    []ogcapi.Link
	}
	res := e.ogcGet(t, "/ogc/collections/sonla.landuse/items/"+url.PathEscape(id), ogcapi.MediaGeoJSON, &f)
	if ogcapi.FeatureID(normID(f.ID)) != id || !orb.Equal(geometry(t, f.Geometry), l.Geometry(k)) {
		t.Errorf("feature %s: id %v or geometry differs", id, f.ID)
	}
	if h := res.Header.Get("Content-Crs"); h != "<"+ogcapi.CRS84URI+">" {
		t.Errorf("Content-Crs %q", h)
	}
	if res.Header.Get(server.VersionHeader) != "sonla=v-demo" {
		t.Errorf("version header %q", res.Header.Get(server.VersionHeader))
	}
	res = e.ogcGet(t, "/ogc/collections/sonla.landuse/items/"+url.PathEscape(id)+"?crs=EPSG:4326", ogcapi.MediaGeoJSON, &f)
	ll := geometry(t, f.Geometry).(orb.Polygon)
	want := l.Geometry(k).(orb.Polygon)
	if ll[0][0] != (orb.Point{want[0][0][1], want[0][0][0]}) {
		t.Errorf("EPSG:4326 first point %v, want lat,lon of %v", ll[0][0], want[0][0])
	}
	if h := res.Header.Get("Content-Crs"); h != "<"+ogcapi.EPSGURI(4326)+">" {
		t.Errorf("Content-Crs %q", h)
	}
	e.ogcGet(t, "/ogc/collections/sonla.landuse/items/"+url.PathEscape(id)+"?crs="+url.QueryEscape(ogcapi.EPSGURI(9206)), ogcapi.MediaGeoJSON, &f)
	tm := geometry(t, f.Geometry).(orb.Polygon)
	if p := tm[0][0]; p[0] < 400000 || p[0] > 600000 || p[1] < 2300000 || p[1] > 2450000 {
		t.Errorf("EPSG:9206 point %v is not a TM-3 104-00 coordinate of Son La", p)
	}
}

// TestOGCErrors: bad parameters are 400 with the OGC exception naming the
// parameter; unknown collections and features 404.
func TestOGCErrors(t *testing.T) {
	e, _ := newDemoEnv(t)
	tests := []struct {
		path   string
		status int
		names  string
	}{
		{"/ogc/collections/sonla.landuse/items?limit=ten", 400, "limit"},
		{"/ogc/collections/sonla.landuse/items?limit=0", 400, "limit"},
		{"/ogc/collections/sonla.landuse/items?offset=-1", 400, "offset"},
		{"/ogc/collections/sonla.landuse/items?bbox=1,2,3", 400, "bbox"},
		{"/ogc/collections/sonla.landuse/items?bbox=103,21,104,22&bbox-crs=EPSG:1234", 400, "bbox-crs"},
		{"/ogc/collections/sonla.landuse/items?crs=EPSG:2000", 400, "crs"},
		{"/ogc/collections/sonla.landuse/items?filter=ma_dat%20%3D", 400, "filter"},
		{"/ogc/collections/sonla.landuse/items?filter=nope%3D1", 400, "filter"},
		{"/ogc/collections/sonla.landuse/items?filter-lang=ecql&filter=a", 400, "filter-lang"},
		{"/ogc/collections/sonla.landuse/items?sortby=nope", 400, "sortby"},
		{"/ogc/collections/sonla.landuse/items?properties=nope", 400, "properties"},
		{"/ogc/collections/sonla.landuse/items?nope=1", 400, "nope"},
		{"/ogc/collections/sonla.landuse/items?dien_tich=12abc", 400, "dien_tich"},
		{"/ogc/collections/sonla.landuse/items?f=xml", 400, "f"},
		{"/ogc/collections?nope=1", 400, "nope"},
		{"/ogc/collections/nope", 404, "nope"},
		{"/ogc/collections/nope/items", 404, "nope"},
		{"/ogc/collections/sonla.nope/items", 404, "sonla.nope"},
		{"/ogc/collections/sonla.landuse/items/no-such-id", 404, "no-such-id"},
	}
	for _, tt := range tests {
		res, body := e.get(t, tt.path)
		var ex ogcapi.Exception
		if err := json.Unmarshal(body, &ex); err != nil || ex.Code == "" {
			t.Errorf("%s: not an OGC exception: %s", tt.path, body)
			continue
		}
		if res.StatusCode != tt.status || !strings.Contains(ex.Description, tt.names) || res.Header.Get("Content-Type") != ogcapi.MediaJSON {
			t.Errorf("%s: %d %q %s, want %d naming %q", tt.path, res.StatusCode, res.Header.Get("Content-Type"), body, tt.status, tt.names)
		}
	}
}

// TestOGCConfiguredLimits: ogc_default_limit and ogc_max_limit are the
// page sizes served and declared in the OpenAPI document; a larger limit
// is reduced to the maximum, not refused.
// TestGeoJSONDecimals: geojson_decimals sets the precision of the
// coordinates of OGC items pages and /query answers: -1 writes the index's
// float64 exactly, 3 at most 3 decimals within half a unit (and a
// sixteenth) of the exact values.
func TestGeoJSONDecimals(t *testing.T) {
	for _, decimals := range []int{-1, 3} {
		e := newEnv(t, envOptions{noLoad: true, styles: styles.FS(), config: func(c *config.Config) { c.GeoJSONDecimals = decimals }})
		src := writeDemo(t, e.dir, "v-demo")
		if err := e.reg.Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
		l := src["landuse"]
		var p ogcPage
		e.ogcGet(t, "/ogc/collections/sonla.landuse/items?limit=50", ogcapi.MediaGeoJSON, &p)
		if len(p.Features) != 50 {
			t.Fatalf("decimals %d: %d features, want 50", decimals, len(p.Features))
		}
		for k, f := range p.Features {
			if err := sameGeometry(t, f.Geometry, l.Geometry(k), decimals); err != nil {
				t.Fatalf("decimals %d: items feature %d: %v", decimals, k, err)
			}
		}
		p0 := insidePoint(t, l, 0)
		c, _ := e.query(t, pointURL(p0, "&layers=landuse"))
		if len(c.Features) != 1 {
			t.Fatalf("decimals %d: /query/point: %d features, want 1", decimals, len(c.Features))
		}
		if err := sameGeometry(t, c.Features[0].Geometry, l.Geometry(0), decimals); err != nil {
			t.Errorf("decimals %d: /query/point: %v", decimals, err)
		}
	}
}

func TestOGCConfiguredLimits(t *testing.T) {
	e := newEnv(t, envOptions{noLoad: true, config: func(c *config.Config) { c.OGCDefaultLimit, c.OGCMaxLimit = 7, 20 }})
	writeDemo(t, e.dir, "v-demo")
	if err := e.reg.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	var api struct {
		Components struct {
			Parameters map[string]struct {
				Schema struct{ Default, Maximum any }
			}
		}
	}
	e.ogcGet(t, "/ogc/api", ogcapi.MediaOpenAPI, &api)
	if lim := api.Components.Parameters["limit"].Schema; lim.Default != 7.0 || lim.Maximum != 20.0 {
		t.Errorf("components.parameters.limit %+v, want default 7 maximum 20", lim)
	}
	for _, tt := range []struct {
		query string
		want  int
	}{{"", 7}, {"?limit=500", 20}, {"?limit=3", 3}} {
		var p ogcPage
		e.ogcGet(t, "/ogc/collections/sonla.landuse/items"+tt.query, ogcapi.MediaGeoJSON, &p)
		if p.NumberReturned != tt.want || !strings.Contains(p.link("next", ogcapi.MediaGeoJSON), fmt.Sprintf("limit=%d", tt.want)) {
			t.Errorf("items%s: %d returned, next %q; want %d", tt.query, p.NumberReturned, p.link("next", ogcapi.MediaGeoJSON), tt.want)
		}
	}
}
