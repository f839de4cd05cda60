package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/sonla-gis/plantile/pkg/demodata"
	"github.com/sonla-gis/plantile/pkg/server"
)

// The upload tests (crash_test.go, upload_load_test.go) drive the HTTP
// upload API as a client would: a token, POST a file, poll the job. This
// file holds what they share: the API client, the test layers and the
// checks that a response's content is the version its header names.

// apiClient calls the upload API of one server with one token.
type apiClient struct {
	t     *testing.T
	base  string
	token string
	http  *http.Client
}

// job is GET /api/jobs/{id} as the API documents it.
type job struct {
	ID      string          `json:"id"`
	Layer   string          `json:"layer"`
	State   string          `json:"state"`
	Step    string          `json:"step"`
	Done    int             `json:"done"`
	Total   int             `json:"total"`
	Version int             `json:"version"`
	Reasons json.RawMessage `json:"reasons"`
	Error   string          `json:"error"`
}

// do sends a request with the token and returns the status and body.
func (c *apiClient) do(method, path, ctype string, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res, b, err
}

// upload posts a GeoJSON file as a new version of layer (multipart, as a
// browser form or curl -F sends it) and returns the job id from the
// Location header.
func (c *apiClient) upload(layer, title string, data []byte) string {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if title != "" {
		mw.WriteField("title", title)
	}
	fw, err := mw.CreateFormFile("file", layer+".geojson")
	if err != nil {
		c.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	res, b, err := c.do("POST", "/api/layers/"+layer+"/versions", mw.FormDataContentType(), body.Bytes())
	if err != nil {
		c.t.Fatalf("upload %s: %v", layer, err)
	}
	loc := res.Header.Get("Location") // absolute or not
	u, _ := url.Parse(loc)
	id, ok := "", false
	if u != nil {
		id, ok = strings.CutPrefix(u.Path, "/api/jobs/")
	}
	if res.StatusCode != http.StatusAccepted || !ok || id == "" {
		c.t.Fatalf("upload %s: %d, Location %q: %s", layer, res.StatusCode, loc, b)
	}
	return id
}

// job reads a job.
func (c *apiClient) job(id string) (job, error) {
	res, b, err := c.do("GET", "/api/jobs/"+id, "", nil)
	if err != nil {
		return job{}, err
	}
	if res.StatusCode != 200 {
		return job{}, fmt.Errorf("GET /api/jobs/%s: %d: %s", id, res.StatusCode, b)
	}
	var j job
	if err := json.Unmarshal(b, &j); err != nil {
		return job{}, fmt.Errorf("GET /api/jobs/%s: %v: %s", id, err, b)
	}
	return j, nil
}

// wait polls a job until it ends (or timeout) and returns it.
func (c *apiClient) wait(id string, timeout time.Duration) job {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		j, err := c.job(id)
		if err != nil {
			c.t.Fatal(err)
		}
		if j.State == "succeeded" || j.State == "failed" {
			return j
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("job %s still %s (%s %d/%d) after %s", id, j.State, j.Step, j.Done, j.Total, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// publish uploads data and waits for the job to succeed; it returns the
// version number.
func (c *apiClient) publish(layer, title string, data []byte) int {
	c.t.Helper()
	j := c.wait(c.upload(layer, title, data), 2*time.Minute)
	if j.State != "succeeded" || j.Version == 0 {
		c.t.Fatalf("upload of %s: job %+v", layer, j)
	}
	return j.Version
}

// rollback asks for version n of layer and returns the status and body.
func (c *apiClient) rollback(layer string, n int) (int, []byte) {
	c.t.Helper()
	res, b, err := c.do("POST", "/api/layers/"+layer+"/rollback", "application/json", []byte(fmt.Sprintf(`{"version": %d}`, n)))
	if err != nil {
		c.t.Fatal(err)
	}
	return res.StatusCode, b
}

// squares is the small test layer: a 5×5 grid of 0.01° squares near Son
// La city, each with the attribute ver = version and shifted east by
// version × squareShift, so that both the attributes and the geometry of
// any feature tell which version it belongs to.
const (
	squareLon0, squareLat0 = 103.90, 21.30
	squareStep, squareSize = 0.02, 0.01
	squareShift            = 0.0002 // per version; at most 25 versions stay inside the grid cell
)

func squares(version int) []byte {
	fc := geojson.NewFeatureCollection()
	s := float64(version) * squareShift
	for row := range 5 {
		for col := range 5 {
			x, y := squareLon0+float64(col)*squareStep+s, squareLat0+float64(row)*squareStep
			f := geojson.NewFeature(orb.Polygon{{{x, y}, {x + squareSize, y}, {x + squareSize, y + squareSize}, {x, y + squareSize}, {x, y}}})
			f.Properties["ver"] = version
			f.Properties["name"] = fmt.Sprintf("ô %d-%d", row, col)
			fc.Append(f)
		}
	}
	b, err := fc.MarshalJSON()
	if err != nil {
		panic(err)
	}
	return b
}

// squarePoint is inside the south-west square of every version up to 25.
var squarePoint = orb.Point{squareLon0 + 0.007, squareLat0 + 0.005}

// shiftVersion returns the version whose shift puts a square's west edge
// at west, within tol degrees, or -1.
func shiftVersion(west, tol float64) int {
	cell := math.Round((west - squareLon0) / squareStep)
	s := west - squareLon0 - cell*squareStep
	n := math.Round(s / squareShift)
	if math.Abs(s-n*squareShift) > tol {
		return -1
	}
	return int(n)
}

// parcels is the big test layer: count land-use parcels of the benchmark
// generator (VN-2000 / TM-3 metres) as one GeoJSON FeatureCollection
// naming its CRS, as a province department would upload it.
func parcels(t *testing.T, count int) []byte {
	t.Helper()
	var seq bytes.Buffer
	if err := demodata.Parcels(&seq, count, 9); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(seq.Bytes()), []byte("\n"))
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::9206"}},"features":[` + "\n")
	b.Write(bytes.Join(lines, []byte(",\n")))
	b.WriteString("]}\n")
	return b.Bytes()
}

// headerVersion is the catalog version number a Plantile-Version header
// names for layer: "L@vN" (tiles, TileJSON) or "L=L@vN" among others
// (queries, OGC API); -1 when it names none.
func headerVersion(h, layer string) int {
	m := regexp.MustCompile(`(?:^|[ ,=])` + regexp.QuoteMeta(layer) + `@v(\d+)(?:$|,)`).FindStringSubmatch(h)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// number reads a JSON or MVT number property as an int.
func number(v any) (int, bool) {
	switch v := v.(type) {
	case float64:
		return int(v), v == math.Trunc(v)
	case int64:
		return int(v), true
	case uint64:
		return int(v), true
	case json.Number:
		n, err := v.Int64()
		return int(n), err == nil
	}
	return 0, false
}

// tileVersions decodes an MVT tile of the squares layer and returns the
// versions its features name, by attribute and by geometry (only squares
// whole inside the tile: a clipped one has lost its west edge). A feature
// without a readable ver is version -1.
func tileVersions(data []byte, tile maptile.Tile) (byAttr, byGeom []int, err error) {
	ls, err := mvt.Unmarshal(data)
	if err != nil {
		return nil, nil, err
	}
	ls.ProjectToWGS84(tile)
	tb := tile.Bound()
	px := (tb.Max[0] - tb.Min[0]) / 4096
	for _, l := range ls {
		for _, f := range l.Features {
			n, ok := number(f.Properties["ver"])
			if !ok {
				n = -1
			}
			byAttr = append(byAttr, n)
			b := f.Geometry.Bound()
			if b.Min[0] > tb.Min[0]+px && b.Max[0] < tb.Max[0]-px && b.Min[1] > tb.Min[1]+px && b.Max[1] < tb.Max[1]-px {
				byGeom = append(byGeom, shiftVersion(b.Min[0], 2*px))
			}
		}
	}
	return byAttr, byGeom, nil
}

// featureVersions reads a GeoJSON FeatureCollection of squares (a query
// answer or an OGC API items page) and returns, per feature, its ver
// attribute, the version its exact geometry says and the "version"
// foreign member (queries; "" elsewhere).
func featureVersions(body []byte) (attr, geom []int, member []string, err error) {
	var fc struct {
		Features []struct {
			Geometry   json.RawMessage `json:"geometry"`
			Properties map[string]any  `json:"properties"`
			Version    string          `json:"version"`
		} `json:"features"`
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&fc); err != nil {
		return nil, nil, nil, err
	}
	for _, f := range fc.Features {
		n, ok := number(f.Properties["ver"])
		if !ok {
			n = -1
		}
		g, err := geojson.UnmarshalGeometry(f.Geometry)
		if err != nil {
			return nil, nil, nil, err
		}
		attr = append(attr, n)
		geom = append(geom, shiftVersion(g.Geometry().Bound().Min[0], 1e-9))
		member = append(member, f.Version)
	}
	return attr, geom, member, nil
}

// versionOf is the version a TileJSON's tile URLs name (?v=L%40vN), or -1.
func versionOf(tilejson []byte, layer string) int {
	var tj struct{ Tiles []string }
	if json.Unmarshal(tilejson, &tj) != nil || len(tj.Tiles) == 0 {
		return -1
	}
	i := strings.Index(tj.Tiles[0], "?"+server.VersionQuery+"=")
	if i < 0 {
		return -1
	}
	v := strings.ReplaceAll(tj.Tiles[0][i+len(server.VersionQuery)+2:], "%40", "@")
	return headerVersion(v, layer)
}
