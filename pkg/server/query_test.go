package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/sonla-gis/plantile/pkg/crs"
	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/geom"
	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/ingest"
	"github.com/sonla-gis/plantile/pkg/mbtiles"
	"github.com/sonla-gis/plantile/pkg/server"
	"github.com/sonla-gis/plantile/pkg/source/geojson"
	"github.com/sonla-gis/plantile/styles"
)

// demoSources are the layers of the demo tileset (the Makefile's DEMO_SRC)
// and a test layer with a hole.
var demoSources = []string{
	"../../testdata/sonla/shp/facilities.shp",
	"../../testdata/sonla/shp/landuse.shp",
	"../../testdata/sonla/shp/roads.shp",
	"../../testdata/sonla/boundaries/boundaries.geojson",
	"testdata/query/zones.geojson",
}

// readSource reads a source layer through the build's pipeline (ingest,
// reprojection with PROJ) into the index.
func readSource(t *testing.T, path string) *index.Layer {
	t.Helper()
	ls, err := ingest.Open(path, ingest.Options{})
	if err != nil || len(ls) != 1 {
		t.Fatalf("%s: %v", path, err)
	}
	r, err := ls[0].Features(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b := index.NewBuilder(ls[0].Info())
	for {
		f, err := r.Read()
		if f == nil {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if err := b.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	return b.Layer()
}

// writeDemo writes the demo layers' features into dir/sonla.mbtiles with
// one tile, as `plantile build` stores them, and returns the layers.
func writeDemo(t *testing.T, dir, version string) map[string]*index.Layer {
	t.Helper()
	w, err := mbtiles.Create(filepath.Join(dir, "sonla.mbtiles"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if err := w.PutTile(8, 203, 113, []byte{0x1a, 0}); err != nil {
		t.Fatal(err)
	}
	out := map[string]*index.Layer{}
	for _, src := range demoSources {
		l := readSource(t, src)
		if err := w.PutFeatures(l); err != nil {
			t.Fatal(err)
		}
		out[l.Info().Name] = l
	}
	w.SetMetadata(mbtiles.Metadata{Name: "Sơn La", MinZoom: 8, MaxZoom: 8, Extra: map[string]string{mbtiles.VersionKey: version}})
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	return out
}

func newDemoEnv(t *testing.T) (*env, map[string]*index.Layer) {
	t.Helper()
	e := newEnv(t, envOptions{noLoad: true, styles: styles.FS()})
	src := writeDemo(t, e.dir, "v-demo")
	if err := e.reg.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e, src
}

// collection is the decoded answer of a query.
type collection struct {
	Type   string `json:"type"`
	Layers []struct {
		Tileset, Layer, Version string
		Title                   *server.LayerTitle
		Fields                  []feature.Field
		Matched                 int
	} `json:"layers"`
	NumberMatched  int `json:"numberMatched"`
	NumberReturned int `json:"numberReturned"`
	Features       []struct {
		ID         any                `json:"id"`
		Geometry   json.RawMessage    `json:"geometry"`
		Properties map[string]any     `json:"properties"`
		Tileset    string             `json:"tileset"`
		Layer      string             `json:"layer"`
		Version    string             `json:"version"`
		LayerTitle *server.LayerTitle `json:"layer_title"`
		Legend     *server.LegendEntry
	} `json:"features"`
}

func (e *env) query(t *testing.T, path string) (collection, *http.Response) {
	t.Helper()
	res, body := e.get(t, path)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != server.MediaTypeGeoJSON {
		t.Errorf("Content-Type %q", ct)
	}
	var c collection
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
	return c, res
}

// geometry decodes a GeoJSON geometry with exact float64 coordinates.
func geometry(t *testing.T, raw json.RawMessage) orb.Geometry {
	t.Helper()
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	switch g.Type {
	case "Polygon":
		var p orb.Polygon
		json.Unmarshal(g.Coordinates, &p)
		return p
	case "LineString":
		var l orb.LineString
		json.Unmarshal(g.Coordinates, &l)
		return l
	case "Point":
		var p orb.Point
		json.Unmarshal(g.Coordinates, &p)
		return p
	case "MultiPolygon":
		var p orb.MultiPolygon
		json.Unmarshal(g.Coordinates, &p)
		return p
	}
	t.Fatalf("geometry type %q", g.Type)
	return nil
}

// sameGeometry checks a GeoJSON geometry written with decimals digits
// (geojson_decimals; 9 by default) against the index's exact one: the same
// type and shape, each coordinate within 0.5625 units of the last decimal
// (geojson.AppendCoord), and no number written with more decimals. With
// decimals -1 the coordinates must be exactly the index's.
func sameGeometry(t *testing.T, raw json.RawMessage, want orb.Geometry, decimals int) error {
	t.Helper()
	g := geometry(t, raw)
	if decimals < 0 {
		if !orb.Equal(g, want) {
			return fmt.Errorf("geometry %s, want exactly %v", raw, want)
		}
		return nil
	}
	if m := regexp.MustCompile(fmt.Sprintf(`[0-9]\.[0-9]{%d,}`, decimals+1)).Find(raw); m != nil {
		return fmt.Errorf("%s has more than %d decimals", m, decimals)
	}
	got, exact := geom.AppendCoords(nil, g), geom.AppendCoords(nil, want)
	if g.GeoJSONType() != want.GeoJSONType() || len(got) != len(exact) {
		return fmt.Errorf("geometry %s, want %v", raw, want)
	}
	tol := 0.5625 * math.Pow(10, -float64(decimals)) * (1 + 1e-6)
	for k := range got {
		if math.Abs(got[k]-exact[k]) > tol {
			return fmt.Errorf("coordinate %d is %v, want %v within %g", k, got[k], exact[k], tol)
		}
	}
	return nil
}

func pointURL(p orb.Point, extra string) string {
	return "/query/point?lon=" + strconvF(p[0]) + "&lat=" + strconvF(p[1]) + extra
}

func strconvF(v float64) string { return strings.TrimRight(strings.TrimRight(jsonNum(v), "0"), ".") }

func jsonNum(v float64) string { b, _ := json.Marshal(v); return string(b) }

// insidePoint returns a point strictly inside polygon feature i.
func insidePoint(t *testing.T, l *index.Layer, i int) orb.Point {
	t.Helper()
	p := l.Geometry(i).(orb.Polygon)
	c, _ := planar.CentroidArea(p)
	if !planar.PolygonContains(p, c) {
		t.Fatalf("centroid outside parcel %d: pick another", i)
	}
	return c
}

func TestQueryPointParcel(t *testing.T) {
	e, src := newDemoEnv(t)
	landuse := src["landuse"]
	var legend struct {
		Categories []server.LegendEntry `json:"categories"`
	}
	b, err := styles.FS().(interface{ ReadFile(string) ([]byte, error) }).ReadFile("landuse.json")
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(b, &legend)
	byCode := map[string]server.LegendEntry{}
	for _, c := range legend.Categories {
		byCode[c.Code] = c
	}
	for _, i := range []int{0, 7, landuse.Len() / 2, landuse.Len() - 1} {
		p := insidePoint(t, landuse, i)
		c, res := e.query(t, pointURL(p, "&layers=landuse"))
		if len(c.Features) != 1 {
			t.Fatalf("parcel %d: %d features, want exactly 1", i, len(c.Features))
		}
		f := c.Features[0]
		if err := sameGeometry(t, f.Geometry, landuse.Geometry(i), geojson.DefaultDecimals); err != nil {
			t.Errorf("parcel %d: %v", i, err)
		}
		if f.ID != float64(landuse.FeatureID(i).(int64)) {
			t.Errorf("parcel %d: id %v, want %v", i, f.ID, landuse.FeatureID(i))
		}
		for k, v := range landuse.Properties(i) {
			got := f.Properties[k]
			if n, ok := v.(int64); ok {
				v = float64(n)
			}
			if got != v {
				t.Errorf("parcel %d: %s = %v, want %v", i, k, got, v)
			}
		}
		if len(f.Properties) != len(landuse.Schema().Fields) {
			t.Errorf("parcel %d: %d properties, want every field of the schema (%d)", i, len(f.Properties), len(landuse.Schema().Fields))
		}
		code := landuse.Properties(i)["ma_dat"].(string)
		if f.Legend == nil || *f.Legend != byCode[code] {
			t.Errorf("parcel %d (%s): legend %+v, want %+v", i, code, f.Legend, byCode[code])
		}
		if f.Tileset != "sonla" || f.Layer != "landuse" || f.Version != "v-demo" || f.LayerTitle == nil || f.LayerTitle.EN != "Land use" {
			t.Errorf("parcel %d: tileset %q layer %q version %q title %+v", i, f.Tileset, f.Layer, f.Version, f.LayerTitle)
		}
		if h := res.Header.Get(server.VersionHeader); h != "sonla=v-demo" {
			t.Errorf("%s: %q", server.VersionHeader, h)
		}
		if len(c.Layers) != 1 || len(c.Layers[0].Fields) != len(landuse.Schema().Fields) || c.Layers[0].Fields[0].Name != landuse.Schema().Fields[0].Name {
			t.Errorf("layers %+v: want the landuse schema", c.Layers)
		}
	}
	// All layers: the parcel, and the province and district around it.
	p := insidePoint(t, landuse, 7)
	c, _ := e.query(t, pointURL(p, ""))
	got := map[string]int{}
	for _, f := range c.Features {
		got[f.Layer]++
	}
	if got["landuse"] != 1 || got["boundaries"] != 2 || got["zones"] != 0 {
		t.Errorf("features per layer %v, want 1 landuse, 2 boundaries", got)
	}
	// The same point given in VN-2000 / TM-3 104-00.
	c9206, err := crs.FromEPSG(9206)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := crs.NewTransformerTo(c9206)
	if err != nil {
		t.Fatal(err)
	}
	en, err := tr.Point(p)
	if err != nil {
		t.Fatal(err)
	}
	cv, _ := e.query(t, "/query/point?crs=EPSG:9206&layers=landuse&x="+jsonNum(en[0])+"&y="+jsonNum(en[1]))
	if len(cv.Features) != 1 || cv.Features[0].ID != float64(landuse.FeatureID(7).(int64)) {
		t.Errorf("EPSG:9206 point: %d features", len(cv.Features))
	}
}

func TestQueryPointHoleRoadOutside(t *testing.T) {
	e, src := newDemoEnv(t)
	// In the hole of KV-01: not KV-01; in its ring: KV-01.
	c, _ := e.query(t, "/query/point?lon=104.51&lat=21.01&layers=zones")
	if len(c.Features) != 0 {
		t.Errorf("point in the hole: %d features", len(c.Features))
	}
	c, _ = e.query(t, "/query/point?lon=104.502&lat=21.01&layers=zones")
	if len(c.Features) != 1 || c.Features[0].ID != "KV-01" {
		t.Errorf("point in the ring: %+v", c.Features)
	}
	// Near a road: 2 m from the middle of a segment, perpendicular to it.
	roads := src["roads"]
	line := roads.Geometry(5).(orb.LineString)
	a, b := line[0], line[1]
	mid := orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
	mx, my := index.MetresPerDegree(mid[1])
	vx, vy := (b[0]-a[0])*mx, (b[1]-a[1])*my
	n := math.Hypot(vx, vy)
	p := orb.Point{mid[0] - vy/n*2/mx, mid[1] + vx/n*2/my}
	found := func(extra string) bool {
		c, _ := e.query(t, pointURL(p, "&layers=roads"+extra))
		for _, f := range c.Features {
			if f.ID == float64(roads.FeatureID(5).(int64)) {
				return true
			}
		}
		return false
	}
	if !found("&tolerance=3") {
		t.Error("road 2 m away not found with tolerance=3")
	}
	if found("&tolerance=1") {
		t.Error("road 2 m away found with tolerance=1")
	}
	// 10 px at z12 is about 35 m at 21°N; at z20 0.14 m.
	if !found("&tolerance_px=10&zoom=12") || found("&tolerance_px=10&zoom=20") {
		t.Error("tolerance_px not converted at the zoom")
	}
	// Outside everything.
	c, _ = e.query(t, "/query/point?lon=100&lat=15")
	if len(c.Features) != 0 || c.NumberMatched != 0 {
		t.Errorf("outside: %d features", len(c.Features))
	}
}

func TestQueryBBox(t *testing.T) {
	e, src := newDemoEnv(t)
	landuse := src["landuse"]
	p := insidePoint(t, landuse, 7)
	bb := orb.Bound{Min: p, Max: p}.Pad(0.0005)
	q := "/query/bbox?layers=landuse&bbox=" + jsonNum(bb.Min[0]) + "," + jsonNum(bb.Min[1]) + "," + jsonNum(bb.Max[0]) + "," + jsonNum(bb.Max[1])
	c, _ := e.query(t, q)
	var want []any
	landuse.Intersecting(bb, func(i int) bool { want = append(want, float64(landuse.FeatureID(i).(int64))); return true })
	if len(want) < 2 || c.NumberMatched != len(want) || len(c.Features) != len(want) {
		t.Fatalf("bbox: %d of %d matched, want %d", len(c.Features), c.NumberMatched, len(want))
	}
	c1, _ := e.query(t, q+"&limit=1")
	if c1.NumberReturned != 1 || c1.NumberMatched != len(want) || c1.Features[0].ID != c.Features[0].ID {
		t.Errorf("limit=1: returned %d matched %d", c1.NumberReturned, c1.NumberMatched)
	}
}

func TestQueryBadParameters(t *testing.T) {
	e, _ := newDemoEnv(t)
	tests := []struct{ path, param string }{
		{"/query/point?lon=104", "lat"},
		{"/query/point?lat=21", "lon"},
		{"/query/point?lon=abc&lat=21", "lon"},
		{"/query/point?lon=200&lat=21", "lon"},
		{"/query/point?lon=104&lat=NaN", "lat"},
		{"/query/point?lon=104&lat=21&crs=EPSG:999999", "crs"},
		{"/query/point?lon=104&lat=21&crs=%2Bproj%3Dlonglat", "crs"},
		{"/query/point?lon=104&lat=21&tolerance=-1", "tolerance"},
		{"/query/point?lon=104&lat=21&tolerance=5000", "tolerance"},
		{"/query/point?lon=104&lat=21&tolerance_px=5", "zoom"},
		{"/query/point?lon=104&lat=21&tolerance_px=5&zoom=40", "zoom"},
		{"/query/point?lon=104&lat=21&tolerance=1&tolerance_px=5&zoom=3", "tolerance_px"},
		{"/query/point?lon=104&lat=21&layers=nope", "layers"},
		{"/query/point?lon=104&lat=21&tileset=nope", "tileset"},
		{"/query/point?lon=104&lat=21&limit=0", "limit"},
		{"/query/point?lng=104&lat=21", "lng"},
		{"/query/bbox", "bbox"},
		{"/query/bbox?bbox=1,2,3", "bbox"},
		{"/query/bbox?bbox=104,21,103,22", "bbox"},
		{"/query/bbox?bbox=90,10,110,30", "bbox"},
		{"/query/bbox?bbox=104,21,104.1,21.1&limit=5000", "limit"},
	}
	for _, tt := range tests {
		res, body := e.get(t, tt.path)
		if res.StatusCode != http.StatusBadRequest || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s: %d %s, want 400 problem", tt.path, res.StatusCode, res.Header.Get("Content-Type"))
			continue
		}
		var p server.Problem
		json.Unmarshal(body, &p)
		if !strings.HasPrefix(p.Detail, tt.param+":") {
			t.Errorf("GET %s: detail %q does not name %s", tt.path, p.Detail, tt.param)
		}
	}
}

// TestQuerySwapsWithTiles replaces the file: the next answers come from the
// new version, named by the same header as its tiles.
func TestQuerySwapsWithTiles(t *testing.T) {
	e, _ := newDemoEnv(t)
	_, res := e.query(t, "/query/point?lon=100&lat=15")
	if h := res.Header.Get(server.VersionHeader); h != "sonla=v-demo" {
		t.Fatalf("version %q", h)
	}
	writeDemo(t, e.dir, "v-next")
	if err := e.reg.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, res = e.query(t, "/query/point?lon=100&lat=15")
	tile, _ := e.get(t, "/tiles/sonla/8/203/113.pbf")
	tj, body := e.get(t, "/tiles/sonla.json")
	if h := res.Header.Get(server.VersionHeader); h != "sonla=v-next" {
		t.Errorf("query version %q after reload", h)
	}
	if h := tile.Header.Get(server.VersionHeader); h != "v-next" {
		t.Errorf("tile version %q after reload", h)
	}
	if h := tj.Header.Get(server.VersionHeader); h != "v-next" || !strings.Contains(string(body), `"plantile:version": "v-next"`) {
		t.Errorf("TileJSON version %q", h)
	}
}

// TestDamagedFeaturesRefused replaces the file with one whose features are
// damaged: the whole version is refused and the previous one keeps
// answering, tiles and features alike.
func TestDamagedFeaturesRefused(t *testing.T) {
	e, _ := newDemoEnv(t)
	dir := t.TempDir()
	writeDemo(t, dir, "v-bad")
	db, err := sql.Open("sqlite3", filepath.Join(dir, "sonla.mbtiles"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE plantile_features SET data = substr(data, 1, 1000) || x'ff' || substr(data, 1002) WHERE name = 'landuse'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := os.Rename(filepath.Join(dir, "sonla.mbtiles"), filepath.Join(e.dir, "sonla.mbtiles")); err != nil {
		t.Fatal(err)
	}
	var le *server.LoadError
	if err := e.reg.Reload(context.Background()); !errors.As(err, &le) || !errors.Is(err, mbtiles.ErrFeatures) {
		t.Fatalf("Reload = %v, want a LoadError for the damaged features", err)
	}
	_, res := e.query(t, "/query/point?lon=100&lat=15")
	tile, _ := e.get(t, "/tiles/sonla/8/203/113.pbf")
	if res.Header.Get(server.VersionHeader) != "sonla=v-demo" || tile.Header.Get(server.VersionHeader) != "v-demo" {
		t.Errorf("after a refused file: query %q, tile %q; want v-demo", res.Header.Get(server.VersionHeader), tile.Header.Get(server.VersionHeader))
	}
}
