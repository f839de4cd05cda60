package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sonla-gis/plantile/pkg/catalog"
	"github.com/sonla-gis/plantile/pkg/config"
	"github.com/sonla-gis/plantile/pkg/server"
)

// apiEnv is a server over a catalog in a temporary data directory, on a
// loopback port, with two organisations and their tokens and an admin
// token.
type apiEnv struct {
	url   string
	cat   *catalog.Catalog
	srv   *server.Server
	reg   *server.Registry
	logs  *logBuffer
	a, b  string // tokens of organisations xa-a and xa-b
	admin string
}

func newAPIEnv(t *testing.T, edit func(*config.Config)) *apiEnv {
	t.Helper()
	ctx := context.Background()
	data := t.TempDir()
	cat, err := catalog.Open(data, catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := &apiEnv{cat: cat, logs: &logBuffer{}}
	by := catalog.System("test")
	for _, o := range []string{"xa-a", "xa-b"} {
		if _, err := cat.AddOrg(ctx, by, o, "Xã "+o, catalog.KindCommune); err != nil {
			t.Fatal(err)
		}
	}
	tok := func(org string, admin bool) string {
		_, s, err := cat.AddToken(ctx, by, org, admin, "")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	e.a, e.b, e.admin = tok("xa-a", false), tok("xa-b", false), tok("", true)
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.reg = server.NewRegistry(cat.Path("layers"), server.RegistryOptions{Files: server.CatalogFiles(cat), Logger: log,
		SnapshotDir: t.TempDir()})
	if err := e.reg.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	if edit != nil {
		edit(&cfg)
	}
	e.srv, err = server.New(server.Options{Config: cfg, Tilesets: e.reg, Catalog: cat, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(e.srv)
	e.url = hs.URL
	t.Cleanup(func() {
		hs.Close()
		e.srv.Close()
		e.reg.Close()
		cat.Close()
	})
	return e
}

// do sends a request with token (none when "") and returns the response
// and its body.
func (e *apiEnv) do(t *testing.T, method, path, token, contentType string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

type apiJob struct {
	ID      string `json:"id"`
	URL     string `json:"url"`
	Layer   string `json:"layer"`
	State   string `json:"state"`
	Step    string `json:"step"`
	Done    int64  `json:"done"`
	Total   int64  `json:"total"`
	Version int    `json:"version"`
	Reasons []struct {
		File    string `json:"file"`
		Feature int64  `json:"feature"`
		Cause   string `json:"cause"`
	} `json:"reasons"`
	Error   string `json:"error"`
	Created string `json:"created"`
	Updated string `json:"updated"`
}

type apiProblem struct {
	Type, Title, Detail, Instance string
	Status                        int
}

// upload posts body to the layer's versions and returns the 202's job.
func (e *apiEnv) upload(t *testing.T, layer, token, contentType string, body []byte, query string) apiJob {
	t.Helper()
	res, b := e.do(t, http.MethodPost, "/api/layers/"+layer+"/versions"+query, token, contentType, bytes.NewReader(body))
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("upload %s: %d %s", layer, res.StatusCode, b)
	}
	var j apiJob
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	if j.State != "queued" || j.ID == "" || res.Header.Get("Location") != j.URL || !strings.HasSuffix(j.URL, "/api/jobs/"+j.ID) {
		t.Fatalf("202 job %+v, Location %q", j, res.Header.Get("Location"))
	}
	return j
}

// wait polls a job until it ends.
func (e *apiEnv) wait(t *testing.T, j apiJob, token string) apiJob {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, b := e.do(t, http.MethodGet, "/api/jobs/"+j.ID, token, "", nil)
		if res.StatusCode != 200 {
			t.Fatalf("job %s: %d %s", j.ID, res.StatusCode, b)
		}
		var got apiJob
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if got.State == "succeeded" || got.State == "failed" {
			return got
		}
		if got.State != "queued" && got.State != "running" {
			t.Fatalf("job state %q", got.State)
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %s", j.ID, got.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// served returns the version header of the layer's TileJSON and its tile URL.
func (e *apiEnv) served(t *testing.T, layer string) (string, string) {
	t.Helper()
	res, b := e.do(t, http.MethodGet, "/tiles/"+layer+".json", "", "", nil)
	if res.StatusCode != 200 {
		return "", fmt.Sprint(res.StatusCode)
	}
	var tj struct{ Tiles []string }
	json.Unmarshal(b, &tj)
	if len(tj.Tiles) != 1 {
		t.Fatalf("TileJSON tiles %v", tj.Tiles)
	}
	return res.Header.Get(server.VersionHeader), tj.Tiles[0]
}

// zone is a GeoJSON square around (104.0, 21.3) with property plan.
func zone(plan string) []byte {
	return []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"plan":"` + plan +
		`"},"geometry":{"type":"Polygon","coordinates":[[[103.99,21.29],[104.01,21.29],[104.01,21.31],[103.99,21.31],[103.99,21.29]]]}}]}`)
}

// planAt answers /query/point at the zone's centre.
func (e *apiEnv) planAt(t *testing.T) string {
	t.Helper()
	res, b := e.do(t, http.MethodGet, "/query/point?lon=104&lat=21.3", "", "", nil)
	if res.StatusCode != 200 {
		t.Fatalf("query: %d %s", res.StatusCode, b)
	}
	return string(b)
}

// TestAPIPublishReplaceRollback: an organisation publishes a GeoJSON layer
// with its token (raw body), replaces it (multipart), rolls it back; each
// time the served TileJSON, version header and /query/point follow.
func TestAPIPublishReplaceRollback(t *testing.T) {
	e := newAPIEnv(t, nil)
	j := e.upload(t, "vung", e.a, "application/geo+json", zone("phase-one"), "?title="+url.QueryEscape("Vùng quy hoạch"))
	j = e.wait(t, j, e.a)
	if j.State != "succeeded" || j.Version != 1 || j.Layer != "vung" || len(j.Reasons) != 0 || j.Error != "" {
		t.Fatalf("job %+v", j)
	}
	v, tiles := e.served(t, "vung")
	if v != "vung@v1" || !strings.HasSuffix(tiles, "?v="+url.QueryEscape("vung@v1")) {
		t.Errorf("served %q, tiles %q", v, tiles)
	}
	if q := e.planAt(t); !strings.Contains(q, "phase-one") {
		t.Errorf("query after v1: %.300s", q)
	}
	res, b := e.do(t, http.MethodGet, "/api/layers/vung", e.b, "", nil)
	var l struct {
		ID, Title, Owner string
		CurrentVersion   int `json:"current_version"`
	}
	json.Unmarshal(b, &l)
	if res.StatusCode != 200 || l.Owner != "xa-a" || l.Title != "Vùng quy hoạch" || l.CurrentVersion != 1 {
		t.Errorf("layer: %d %s", res.StatusCode, b)
	}

	// v2 through multipart, the title in a form field.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("title", "Vùng quy hoạch 2")
	fw, _ := mw.CreateFormFile("file", "vung-2.geojson")
	fw.Write(zone("phase-two"))
	mw.Close()
	j = e.wait(t, e.upload(t, "vung", e.a, mw.FormDataContentType(), body.Bytes(), ""), e.a)
	if j.State != "succeeded" || j.Version != 2 {
		t.Fatalf("v2 job %+v", j)
	}
	if v, _ := e.served(t, "vung"); v != "vung@v2" {
		t.Errorf("served %q after v2", v)
	}
	if q := e.planAt(t); !strings.Contains(q, "phase-two") || strings.Contains(q, "phase-one") {
		t.Errorf("query after v2: %.300s", q)
	}

	// Roll back to v1: another organisation may not, the owner may.
	res, b = e.do(t, http.MethodPost, "/api/layers/vung/rollback", e.b, "application/json", strings.NewReader(`{"version": 1}`))
	if res.StatusCode != 403 {
		t.Errorf("rollback by another organisation: %d %s", res.StatusCode, b)
	}
	res, b = e.do(t, http.MethodPost, "/api/layers/vung/rollback", e.a, "application/json", strings.NewReader(`{"version": 1}`))
	if res.StatusCode != 200 || !strings.Contains(string(b), `"current_version": 1`) {
		t.Fatalf("rollback: %d %s", res.StatusCode, b)
	}
	if v, _ := e.served(t, "vung"); v != "vung@v1" {
		t.Errorf("served %q after rollback", v)
	}
	if q := e.planAt(t); !strings.Contains(q, "phase-one") {
		t.Errorf("query after rollback: %.300s", q)
	}
	res, b = e.do(t, http.MethodGet, "/api/layers/vung/versions", e.a, "", nil)
	var vs struct {
		Current  int `json:"current_version"`
		Versions []struct {
			Number  int
			Status  string
			Current bool
		}
	}
	json.Unmarshal(b, &vs)
	if res.StatusCode != 200 || vs.Current != 1 || len(vs.Versions) != 2 || vs.Versions[0].Number != 2 || !vs.Versions[1].Current ||
		vs.Versions[0].Status != "published" || strings.Contains(string(b), "mbtiles") {
		t.Errorf("versions: %d %s", res.StatusCode, b)
	}
	res, b = e.do(t, http.MethodPost, "/api/layers/vung/rollback", e.a, "application/json", strings.NewReader(`{"version": 9}`))
	if res.StatusCode != 404 || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("rollback to a missing version: %d %s", res.StatusCode, b)
	}

	// Only an admin deletes; the layer then stops being served.
	if res, b := e.do(t, http.MethodDelete, "/api/layers/vung", e.a, "", nil); res.StatusCode != 403 {
		t.Errorf("delete by the owner: %d %s", res.StatusCode, b)
	}
	if res, b := e.do(t, http.MethodDelete, "/api/layers/vung", e.admin, "", nil); res.StatusCode != 204 {
		t.Fatalf("delete by admin: %d %s", res.StatusCode, b)
	}
	if _, code := e.served(t, "vung"); code != "404" {
		t.Errorf("TileJSON after delete: %s", code)
	}
	if res, _ := e.do(t, http.MethodGet, "/api/layers/vung", e.a, "", nil); res.StatusCode != 404 {
		t.Errorf("layer after delete: %d", res.StatusCode)
	}
	if fs, _ := filepath.Glob(filepath.Join(e.cat.Dir(), "layers", "vung", "*")); len(fs) != 0 {
		t.Errorf("files left after delete: %v", fs)
	}
}

// zipShapefile zips the demo's facilities shapefile (VN-2000).
func zipShapefile(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, ext := range []string{".shp", ".shx", ".dbf", ".prj", ".cpg"} {
		b, err := os.ReadFile("../../testdata/sonla/shp/facilities" + ext)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create("facilities" + ext)
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestAPIShapefileZip: a zipped VN-2000 shapefile, raw and as a
// multipart file, is reprojected, published and served; the raw upload is
// kept content-addressed.
func TestAPIShapefileZip(t *testing.T) {
	e := newAPIEnv(t, nil)
	z := zipShapefile(t)
	j := e.wait(t, e.upload(t, "co-so", e.a, "application/zip", z, ""), e.a)
	if j.State != "succeeded" || j.Version != 1 || j.Step != "write" || j.Done != j.Total {
		t.Fatalf("job %+v", j)
	}
	if v, _ := e.served(t, "co-so"); v != "co-so@v1" {
		t.Errorf("served %q", v)
	}
	res, b := e.do(t, http.MethodGet, "/api/layers/co-so/versions", e.a, "", nil)
	var vs struct {
		Versions []struct {
			FeatureCount int64  `json:"feature_count"`
			CRS          string `json:"crs"`
			SourceHash   string `json:"source_hash"`
			Bounds       []float64
		}
	}
	json.Unmarshal(b, &vs)
	if res.StatusCode != 200 || len(vs.Versions) != 1 || vs.Versions[0].FeatureCount == 0 || !strings.Contains(vs.Versions[0].CRS, "VN-2000") ||
		len(vs.Versions[0].Bounds) != 4 || vs.Versions[0].Bounds[0] < 102 || vs.Versions[0].Bounds[2] > 106 {
		t.Fatalf("versions %d %s", res.StatusCode, b)
	}
	if kept, err := os.ReadFile(e.cat.Path(catalog.SourceFile(vs.Versions[0].SourceHash))); err != nil || !bytes.Equal(kept, z) {
		t.Errorf("raw upload not kept: %v", err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "co_so.zip")
	fw.Write(z)
	mw.WriteField("encoding", "utf-8")
	mw.Close()
	if j := e.wait(t, e.upload(t, "co-so", e.a, mw.FormDataContentType(), body.Bytes(), ""), e.a); j.State != "succeeded" || j.Version != 2 {
		t.Fatalf("multipart job %+v", j)
	}
	// No work files are left beside the sources.
	if left, _ := filepath.Glob(filepath.Join(e.cat.Dir(), "sources", ".*")); len(left) != 0 {
		t.Errorf("left in sources: %v", left)
	}
}

// TestAPIRefusedKeepsServing: a file the policy refuses (a self-crossing
// polygon with upload_invalid fail) fails its job with the reasons (file,
// feature number, cause), and the previous version serves unchanged; a
// broken feature is named too.
func TestAPIRefusedKeepsServing(t *testing.T) {
	e := newAPIEnv(t, func(c *config.Config) { c.UploadInvalid = "fail" })
	if j := e.wait(t, e.upload(t, "vung", e.a, "application/geo+json", zone("phase-one"), ""), e.a); j.State != "succeeded" {
		t.Fatalf("v1 %+v", j)
	}
	bowtie := []byte(`{"type":"FeatureCollection","features":[` + string(zone("ok"))[len(`{"type":"FeatureCollection","features":[`):len(zone("ok"))-2] + `,
{"type":"Feature","properties":{"plan":"bad"},"geometry":{"type":"Polygon","coordinates":[[[103.99,21.29],[104.01,21.31],[104.01,21.29],[103.99,21.31],[103.99,21.29]]]}}]}`)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "vung-moi.geojson")
	fw.Write(bowtie)
	mw.Close()
	j := e.wait(t, e.upload(t, "vung", e.a, mw.FormDataContentType(), body.Bytes(), ""), e.a)
	if j.State != "failed" || j.Version != 2 || len(j.Reasons) != 1 || j.Error == "" {
		t.Fatalf("refused job %+v", j)
	}
	if r := j.Reasons[0]; r.File != "vung-moi.geojson" || r.Feature != 2 || !strings.Contains(r.Cause, "self") {
		t.Errorf("reason %+v", r)
	}
	if strings.Contains(j.Error+j.Reasons[0].Cause, e.cat.Dir()) {
		t.Errorf("a server path in the job: %+v", j)
	}
	if v, _ := e.served(t, "vung"); v != "vung@v1" {
		t.Errorf("served %q after a refused upload", v)
	}
	if q := e.planAt(t); !strings.Contains(q, "phase-one") {
		t.Errorf("query after a refused upload: %.300s", q)
	}
	// A feature that is not GeoJSON: the job names it.
	broken := []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":"here"}}]}`)
	j = e.wait(t, e.upload(t, "vung", e.a, "application/json", broken, ""), e.a)
	if j.State != "failed" || len(j.Reasons) == 0 || j.Reasons[0].File != "vung.geojson" || j.Reasons[0].Feature != 1 {
		t.Errorf("broken feature job %+v", j)
	}
	if v, _ := e.served(t, "vung"); v != "vung@v1" {
		t.Errorf("served %q after a broken upload", v)
	}
}

// TestAPIAuth: 401 without or with a bad token, 403 for another
// organisation's layer and jobs and for a non-admin delete, 400 for an
// unsafe layer id, 415 for a body that is not an upload; the failed
// attempts of one client are rate-limited (429, Retry-After); tokens never
// reach the logs.
func TestAPIAuth(t *testing.T) {
	e := newAPIEnv(t, func(c *config.Config) { c.AuthFailuresPerMinute = 3 })
	j := e.wait(t, e.upload(t, "vung", e.a, "application/geo+json", zone("a"), ""), e.a)
	for _, tt := range []struct {
		name, method, path, token, ct, body string
		status                              int
	}{
		{"no token", "POST", "/api/layers/vung/versions", "", "application/geo+json", string(zone("x")), 401},
		{"no token, list", "GET", "/api/layers", "", "", "", 401},
		{"another org uploads", "POST", "/api/layers/vung/versions", e.b, "application/geo+json", string(zone("x")), 403},
		{"another org rolls back", "POST", "/api/layers/vung/rollback", e.b, "application/json", `{"version":1}`, 403},
		{"another org's job", "GET", "/api/jobs/" + j.ID, e.b, "", "", 403},
		{"non-admin delete", "DELETE", "/api/layers/vung", e.b, "", "", 403},
		{"unsafe id", "POST", "/api/layers/Bad.Id/versions", e.a, "application/geo+json", string(zone("x")), 400},
		{"not an upload", "POST", "/api/layers/vung/versions", e.a, "text/csv", "a,b\n", 415},
		{"zip that is not", "POST", "/api/layers/vung/versions", e.a, "application/zip", "not a zip", 415},
		{"unknown job", "GET", "/api/jobs/nope", e.a, "", "", 404},
		{"admin may read", "GET", "/api/jobs/" + j.ID, e.admin, "", "", 200},
	} {
		res, b := e.do(t, tt.method, tt.path, tt.token, tt.ct, strings.NewReader(tt.body))
		if res.StatusCode != tt.status {
			t.Errorf("%s: %d, want %d: %s", tt.name, res.StatusCode, tt.status, b)
			continue
		}
		if tt.status >= 400 {
			var p apiProblem
			if res.Header.Get("Content-Type") != "application/problem+json" || json.Unmarshal(b, &p) != nil || p.Status != tt.status || p.Detail == "" || p.Instance != tt.path {
				t.Errorf("%s: not a problem: %s %s", tt.name, res.Header.Get("Content-Type"), b)
			}
		}
		if tt.status == 401 && res.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate", tt.name)
		}
	}
	if res, _ := e.do(t, "GET", "/api/layers", e.b, "", nil); res.StatusCode != 200 {
		t.Errorf("list layers as another organisation: %d", res.StatusCode)
	}
	// Three bad tokens use up the bucket; the fourth attempt, even with a
	// good token, waits.
	bad := "plt_0123456789abcdef_" + strings.Repeat("x", 43)
	for i := range 3 {
		if res, _ := e.do(t, "GET", "/api/layers", bad, "", nil); res.StatusCode != 401 {
			t.Fatalf("bad token %d: %d", i, res.StatusCode)
		}
	}
	res, b := e.do(t, "GET", "/api/layers", e.a, "", nil)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("after 3 failures: %d Retry-After %q %s", res.StatusCode, res.Header.Get("Retry-After"), b)
	}
	logs := e.logs.String()
	for _, tok := range []string{e.a, e.b, e.admin, bad} {
		_, secret, _ := strings.Cut(strings.TrimPrefix(tok, "plt_"), "_")
		if strings.Contains(logs, secret) {
			t.Errorf("a token secret is in the logs")
		}
	}
	if !strings.Contains(logs, "failed authentication") {
		t.Errorf("failed authentications not logged:\n%s", logs)
	}
}

// TestAPITooLarge: a body over max_upload_mb is a 413 problem, whether
// Content-Length says so up front or a chunked body goes over while it
// streams; nothing is kept.
func TestAPITooLarge(t *testing.T) {
	e := newAPIEnv(t, func(c *config.Config) { c.MaxUploadMB = 1 })
	big := append([]byte(`{"type":"FeatureCollection","features":[],"pad":"`), bytes.Repeat([]byte("x"), 3<<20)...)
	res, b := e.do(t, "POST", "/api/layers/vung/versions", e.a, "application/geo+json", bytes.NewReader(big))
	if res.StatusCode != 413 || !strings.Contains(string(b), "max_upload_mb") {
		t.Errorf("Content-Length over the cap: %d %s", res.StatusCode, b)
	}
	// Chunked: no Content-Length, the cap is found while streaming.
	res, b = e.do(t, "POST", "/api/layers/vung/versions", e.a, "application/geo+json", io.MultiReader(bytes.NewReader(big)))
	if res.StatusCode != 413 {
		t.Errorf("streamed over the cap: %d %s", res.StatusCode, b)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "big.geojson")
	fw.Write(big[:(1<<20)+100])
	mw.Close()
	res, b = e.do(t, "POST", "/api/layers/vung/versions", e.a, mw.FormDataContentType(), &body)
	if res.StatusCode != 413 {
		t.Errorf("multipart over the cap: %d %s", res.StatusCode, b)
	}
	kept, _ := filepath.Glob(filepath.Join(e.cat.Dir(), "sources", "*", "*"))
	if len(kept) != 0 {
		t.Errorf("kept: %v", kept)
	}
}

// TestAPIQueueFull: with one worker and no queue, an upload whose body is
// still arriving holds the only slot: another is a 503 with Retry-After.
// Two uploads with bodies that do not end race for the slot: whichever
// loses is answered 503 at once; the winner is accepted once its body
// ends.
func TestAPIQueueFull(t *testing.T) {
	e := newAPIEnv(t, func(c *config.Config) { c.UploadWorkers, c.UploadQueue = 1, 0 })
	type answer struct {
		i    int
		code int
		body string
		hdr  http.Header
	}
	answers := make(chan answer, 2)
	var pws [2]*io.PipeWriter
	for i := range pws {
		pr, pw := io.Pipe()
		pws[i] = pw
		t.Cleanup(func() { pw.CloseWithError(io.ErrUnexpectedEOF) })
		go func() {
			req, _ := http.NewRequest("POST", e.url+fmt.Sprintf("/api/layers/vung-%d/versions", i), pr)
			req.Header.Set("Authorization", "Bearer "+e.a)
			req.Header.Set("Content-Type", "application/geo+json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				answers <- answer{i: i}
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			answers <- answer{i, res.StatusCode, string(b), res.Header}
		}()
		go pw.Write([]byte(`{"type":"FeatureCollection","features":[`))
	}
	var lost answer
	select {
	case lost = <-answers:
	case <-time.After(30 * time.Second):
		t.Fatal("neither upload was refused")
	}
	if lost.code != 503 || lost.hdr.Get("Retry-After") == "" || !strings.Contains(lost.body, "upload_queue") {
		t.Fatalf("the upload without a slot: %d Retry-After %q %s", lost.code, lost.hdr.Get("Retry-After"), lost.body)
	}
	won := pws[1-lost.i]
	won.Write([]byte(string(zone("won"))[len(`{"type":"FeatureCollection","features":[`):]))
	won.Close()
	if a := <-answers; a.code != 202 {
		t.Errorf("the upload holding the slot: %d %s", a.code, a.body)
	}
}

// TestAPIAbsentOnTilesDirectory: a server over a tiles directory (no
// catalog) has no upload API: /api answers 404 problems.
func TestAPIAbsentOnTilesDirectory(t *testing.T) {
	e := newEnv(t, envOptions{tileset: defaultSpec()})
	for _, m := range []string{"GET", "POST"} {
		req, _ := http.NewRequest(m, e.http.URL+"/api/layers/sonla/versions", strings.NewReader("{}"))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 404 || res.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(b), "--data") {
			t.Errorf("%s /api on a tiles directory: %d %s", m, res.StatusCode, b)
		}
	}
}

// TestAPICloseFailsJobsInFlight: Server.Close (graceful shutdown) cancels
// a publish in flight; its job ends failed with the reason, no version
// file or temporary file is left, the previous version keeps its place,
// and uploads are refused from then on (503).
func TestAPICloseFailsJobsInFlight(t *testing.T) {
	e := newAPIEnv(t, nil)
	if j := e.wait(t, e.upload(t, "vung", e.a, "application/geo+json", zone("phase-one"), ""), e.a); j.State != "succeeded" {
		t.Fatalf("v1 %+v", j)
	}
	// 40,000 small squares: seconds of tiling on one worker.
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range 40000 {
		if i > 0 {
			b.WriteByte(',')
		}
		x, y := 103.9+float64(i%200)*0.001, 21.2+float64(i/200)*0.001
		fmt.Fprintf(&b, `{"type":"Feature","properties":{"n":%d},"geometry":{"type":"Polygon","coordinates":[[[%.4f,%.4f],[%.4f,%.4f],[%.4f,%.4f],[%.4f,%.4f],[%.4f,%.4f]]]}}`,
			i, x, y, x+0.0008, y, x+0.0008, y+0.0008, x, y+0.0008, x, y)
	}
	b.WriteString(`]}`)
	j := e.upload(t, "vung", e.a, "application/geo+json", b.Bytes(), "")
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err := e.cat.Job(context.Background(), j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State == catalog.JobRunning && got.Step == "tile" {
			break
		}
		if got.State.Final() || time.Now().After(deadline) {
			t.Fatalf("the job was never caught tiling: %+v", got)
		}
		time.Sleep(2 * time.Millisecond)
	}
	e.srv.Close()
	got := e.wait(t, j, e.a)
	if got.State != "failed" || !strings.Contains(got.Error, "server stopped") || len(got.Reasons) != 1 || got.Version != 2 {
		t.Errorf("job after Close: %+v", got)
	}
	if l, _ := e.cat.Layer(context.Background(), "vung"); l.CurrentVersion != 1 {
		t.Errorf("current version %d after Close, want 1", l.CurrentVersion)
	}
	if v, _ := e.served(t, "vung"); v != "vung@v1" {
		t.Errorf("served %q", v)
	}
	for _, pat := range []string{"layers/vung/*", "layers/vung/.*", "sources/.*"} {
		fs, _ := filepath.Glob(filepath.Join(e.cat.Dir(), pat))
		for _, f := range fs {
			if filepath.Base(f) != "vung.v1.mbtiles" {
				t.Errorf("left after Close: %s", f)
			}
		}
	}
	res, body := e.do(t, "POST", "/api/layers/vung/versions", e.a, "application/geo+json", bytes.NewReader(zone("late")))
	if res.StatusCode != 503 {
		t.Errorf("upload after Close: %d %s", res.StatusCode, body)
	}
}

// TestAPIAdminNetworks: with api_admin_networks set, an admin token from
// elsewhere is refused (403) while organisation tokens work as before.
func TestAPIAdminNetworks(t *testing.T) {
	e := newAPIEnv(t, func(c *config.Config) { c.APIAdminNetworks = []string{"192.0.2.0/24"} })
	if res, b := e.do(t, "GET", "/api/layers", e.admin, "", nil); res.StatusCode != 403 || !strings.Contains(string(b), "api_admin_networks") {
		t.Errorf("admin token from loopback: %d %s", res.StatusCode, b)
	}
	if res, b := e.do(t, "GET", "/api/layers", e.a, "", nil); res.StatusCode != 200 {
		t.Errorf("organisation token: %d %s", res.StatusCode, b)
	}
	e2 := newAPIEnv(t, func(c *config.Config) { c.APIAdminNetworks = []string{"127.0.0.0/8", "::1"} })
	if res, b := e2.do(t, "GET", "/api/layers", e2.admin, "", nil); res.StatusCode != 200 {
		t.Errorf("admin token from an allowed network: %d %s", res.StatusCode, b)
	}
}

// TestAPIFeatureLimit: a layer over upload_max_features fails its job
// naming the server's limit, not build's flag.
func TestAPIFeatureLimit(t *testing.T) {
	e := newAPIEnv(t, func(c *config.Config) { c.UploadMaxFeatures = 1 })
	two := `{"type":"FeatureCollection","features":[` + string(zone("a"))[len(`{"type":"FeatureCollection","features":[`):len(zone("a"))-2] + "," +
		string(zone("b"))[len(`{"type":"FeatureCollection","features":[`):len(zone("b"))-2] + `]}`
	j := e.wait(t, e.upload(t, "vung", e.a, "application/geo+json", []byte(two), ""), e.a)
	if j.State != "failed" || !strings.Contains(j.Error, "upload_max_features") || strings.Contains(j.Error, "--max-features") {
		t.Errorf("job over the feature limit: %+v", j)
	}
}

// TestAPIUploadsOfALayerKeepTheirOrder: with two workers, a big upload and
// a small one queued after it for the same layer publish in the order they
// came: the small one, though quicker to build, ends current, with the
// higher version number.
func TestAPIUploadsOfALayerKeepTheirOrder(t *testing.T) {
	e := newAPIEnv(t, func(c *config.Config) { c.UploadWorkers = 2 })
	var big bytes.Buffer
	big.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range 4000 {
		if i > 0 {
			big.WriteByte(',')
		}
		x, y := 103.9+float64(i%80)*0.0025, 21.2+float64(i/80)*0.0025
		fmt.Fprintf(&big, `{"type":"Feature","properties":{"plan":"big"},"geometry":{"type":"Polygon","coordinates":[[[%[1]g,%[2]g],[%[3]g,%[2]g],[%[3]g,%[4]g],[%[1]g,%[4]g],[%[1]g,%[2]g]]]}}`,
			x, y, x+0.002, y+0.002)
	}
	big.WriteString(`]}`)
	first := e.upload(t, "vung", e.a, "application/geo+json", big.Bytes(), "")
	second := e.upload(t, "vung", e.a, "application/geo+json", zone("small"), "")
	first, second = e.wait(t, first, e.a), e.wait(t, second, e.a)
	if first.State != "succeeded" || second.State != "succeeded" {
		t.Fatalf("jobs %+v %+v", first, second)
	}
	if second.Version <= first.Version {
		t.Errorf("the second upload is v%d, the first v%d", second.Version, first.Version)
	}
	if v, _ := e.served(t, "vung"); v != fmt.Sprintf("vung@v%d", second.Version) {
		t.Errorf("served %q, want the second upload's v%d", v, second.Version)
	}
}

// TestAPIDeletedWhileQueued: an upload waiting in the queue for a layer
// that an admin deletes meanwhile fails and does not create the layer
// again.
func TestAPIDeletedWhileQueued(t *testing.T) {
	e := newAPIEnv(t, nil) // one worker
	if j := e.wait(t, e.upload(t, "vung", e.a, "application/geo+json", zone("one"), ""), e.a); j.State != "succeeded" {
		t.Fatalf("v1: %+v", j)
	}
	var big bytes.Buffer
	big.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range 3000 {
		if i > 0 {
			big.WriteByte(',')
		}
		x, y := 103.9+float64(i%60)*0.0025, 21.2+float64(i/60)*0.0025
		fmt.Fprintf(&big, `{"type":"Feature","properties":{"plan":"big"},"geometry":{"type":"Polygon","coordinates":[[[%[1]g,%[2]g],[%[3]g,%[2]g],[%[3]g,%[4]g],[%[1]g,%[4]g],[%[1]g,%[2]g]]]}}`,
			x, y, x+0.002, y+0.002)
	}
	big.WriteString(`]}`)
	busy := e.upload(t, "khac", e.a, "application/geo+json", big.Bytes(), "")
	queued := e.upload(t, "vung", e.a, "application/geo+json", zone("two"), "")
	if res, b := e.do(t, http.MethodDelete, "/api/layers/vung", e.admin, "", nil); res.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.StatusCode, b)
	}
	if j := e.wait(t, busy, e.a); j.State != "succeeded" {
		t.Errorf("the other layer's upload: %+v", j)
	}
	j := e.wait(t, queued, e.a)
	if j.State != "failed" || !strings.Contains(j.Error, "deleted") {
		t.Errorf("upload queued for a deleted layer: %+v", j)
	}
	if res, _ := e.do(t, http.MethodGet, "/api/layers/vung", e.a, "", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("deleted layer answers %d, want 404", res.StatusCode)
	}
}
