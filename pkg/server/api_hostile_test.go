package server_test

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/config"
)

// hostileMember is one member of a zip a hostile-upload test builds.
type hostileMember struct {
	name string
	data []byte
	mode fs.FileMode // a symbolic link when set
}

func hostileZip(t *testing.T, ms ...hostileMember) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range ms {
		h := &zip.FileHeader{Name: m.name, Method: zip.Deflate}
		if m.mode != 0 {
			h.SetMode(m.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(m.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// districtMembers are the files of the VN-2000 districts shapefile of the
// test data, renamed huyen.*, for the extensions given.
func districtMembers(t *testing.T, exts ...string) []hostileMember {
	t.Helper()
	var ms []hostileMember
	for _, ext := range exts {
		b, err := os.ReadFile("../../testdata/dvhcvn/son_la_districts_vn2000_tm3_utf8" + ext)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, hostileMember{name: "huyen" + ext, data: b})
	}
	return ms
}

// TestAPIHostileUploads uploads hostile and broken files over loopback
// with a token, after a good first version: each is refused up front (a
// 4xx problem) or its job ends failed with a reason naming the file, the
// feature when there is one, and the cause; afterwards the first version
// still answers the same TileJSON, Plantile-Version and /query/point.
func TestAPIHostileUploads(t *testing.T) {
	e := newAPIEnv(t, func(c *config.Config) { c.UploadInvalid = "fail"; c.MaxUploadMB = 1 })
	if j := e.wait(t, e.upload(t, "vung", e.a, "application/geo+json", zone("phase-one"), ""), e.a); j.State != "succeeded" {
		t.Fatalf("v1 %+v", j)
	}
	tileJSON := func() (string, string) {
		res, b := e.do(t, http.MethodGet, "/tiles/vung.json", "", "", nil)
		return res.Header.Get("Plantile-Version"), string(b)
	}
	version, tj := tileJSON()
	query := e.planAt(t)
	if version != "vung@v1" || !strings.Contains(query, "phase-one") {
		t.Fatalf("v1 serves %q, query %.200s", version, query)
	}

	set := districtMembers(t, ".shp", ".shx", ".dbf", ".prj", ".cpg")
	cp1258, err := os.ReadFile("../../testdata/dvhcvn/son_la_districts_vn2000_tm3_cp1258.dbf")
	if err != nil {
		t.Fatal(err)
	}
	square := `{"type":"Feature","properties":{"plan":"x"},"geometry":{"type":"Polygon","coordinates":[[[103.99,21.29],[104.01,21.29],[104.01,21.31],[103.99,21.31],[103.99,21.29]]]}}`
	bowtie := `{"type":"Feature","properties":{"plan":"x"},"geometry":{"type":"Polygon","coordinates":[[[103.99,21.29],[104.01,21.31],[104.01,21.29],[103.99,21.31],[103.99,21.29]]]}}`
	pt := func(x, y string) string {
		return `{"type":"Feature","properties":{"plan":"x"},"geometry":{"type":"Point","coordinates":[` + x + `,` + y + `]}}`
	}
	fc := func(fs ...string) []byte {
		return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(fs, ",") + `]}`)
	}
	for _, tc := range []struct {
		name        string
		layer       string
		contentType string
		filename    string // multipart when set
		body        []byte
		query       string
		status      int // a refusal up front; 0: the job must fail
		file        string
		feature     int64
		cause       string
	}{
		{name: "over the size cap", contentType: "application/geo+json", body: append(fc(), bytes.Repeat([]byte(" "), 1<<20)...), status: 413, cause: "max_upload_mb"},
		{name: "unsafe layer id", layer: "Quy%20Hoach", contentType: "application/geo+json", body: zone("x"), status: 400, cause: "not a safe id"},
		{name: "PNG as a zip", contentType: "application/zip", body: []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"), status: 415, cause: "this is a PNG image"},
		{name: "random bytes named .geojson", filename: "ban-do.geojson", body: []byte("\x8a\x01\xfe\x00\x13\x99\xc4\x07"), status: 415, cause: "this is binary data"},
		{name: "JSON array", contentType: "application/geo+json", body: []byte("[" + square + "]"), status: 415, cause: "a JSON array"},
		{name: "zip bomb", contentType: "application/zip", body: hostileZip(t, append(set, hostileMember{name: "bom.txt", data: make([]byte, 16<<20)})...), file: "vung.zip/bom.txt", cause: "--max-zip-ratio"},
		{name: "entry climbing out", contentType: "application/zip", body: hostileZip(t, append(set, hostileMember{name: `a\..\..\evil.shp`, data: []byte("x")})...), file: "vung.zip", cause: "climbs out of the archive"},
		{name: "symbolic link", filename: "lien-ket.zip", body: hostileZip(t, append(set, hostileMember{name: "x.dbf", data: []byte("/etc/shadow"), mode: fs.ModeSymlink | 0o777})...), file: "lien-ket.zip", cause: "is a symbolic link"},
		{name: "no .dbf", contentType: "application/zip", body: hostileZip(t, districtMembers(t, ".shp", ".shx", ".prj")...), file: "vung.zip/huyen.shp", cause: "has no .dbf"},
		{name: "VN-2000 without .prj", contentType: "application/zip", body: hostileZip(t, districtMembers(t, ".shp", ".shx", ".dbf", ".cpg")...), file: "vung.zip/huyen.shp", cause: "EPSG:9206"},
		{name: "mixed geometry", contentType: "application/geo+json", body: fc(square, pt("104", "21.3")), file: "vung.geojson", feature: 2, cause: "a point in a layer of polygons"},
		{name: "self-intersecting", contentType: "application/geo+json", body: fc(square, bowtie), file: "vung.geojson", feature: 2, cause: "self-intersecting"},
		{name: "outside Vietnam", contentType: "application/geo+json", body: fc(pt("104", "21.3"), pt("2.35", "48.85")), file: "vung.geojson", feature: 2, cause: "outside Vietnam"},
		{name: "empty", contentType: "application/geo+json", body: fc(), file: "vung.geojson", cause: "the layer is empty"},
		{name: "not UTF-8", contentType: "application/zip", query: "?encoding=utf-8", body: hostileZip(t, append(districtMembers(t, ".shp", ".shx", ".prj"), hostileMember{name: "huyen.dbf", data: cp1258})...), file: "vung.zip/huyen.dbf", feature: 1, cause: "is not valid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			layer, ct, body := tc.layer, tc.contentType, tc.body
			if layer == "" {
				layer = "vung"
			}
			if tc.filename != "" {
				var b bytes.Buffer
				mw := multipart.NewWriter(&b)
				fw, _ := mw.CreateFormFile("file", tc.filename)
				fw.Write(tc.body)
				mw.Close()
				ct, body = mw.FormDataContentType(), b.Bytes()
			}
			if tc.status != 0 {
				res, b := e.do(t, http.MethodPost, "/api/layers/"+layer+"/versions"+tc.query, e.a, ct, bytes.NewReader(body))
				if res.StatusCode != tc.status || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") || !strings.Contains(string(b), tc.cause) {
					t.Errorf("%d %s %s, want a %d problem", res.StatusCode, res.Header.Get("Content-Type"), b, tc.status)
				}
				return
			}
			j := e.wait(t, e.upload(t, layer, e.a, ct, body, tc.query), e.a)
			if j.State != "failed" || len(j.Reasons) == 0 || j.Error == "" {
				t.Fatalf("job %+v, want failed with reasons", j)
			}
			r := j.Reasons[0]
			if r.File != tc.file || r.Feature != tc.feature || !strings.Contains(r.Cause, tc.cause) {
				t.Errorf("reason %+v, want file %q, feature %d, cause with %q", r, tc.file, tc.feature, tc.cause)
			}
			if strings.Contains(j.Error+r.File+r.Cause, e.cat.Dir()) {
				t.Errorf("a server path in the job: %+v", j)
			}
		})
	}
	if v, got := tileJSON(); v != version || got != tj {
		t.Errorf("after the hostile uploads: TileJSON %q %s, want %q %s", v, got, version, tj)
	}
	if got := e.planAt(t); got != query {
		t.Errorf("after the hostile uploads: /query/point %s, want %s", got, query)
	}
}
