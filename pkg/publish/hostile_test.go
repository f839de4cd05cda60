package publish_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/catalog"
	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/publish"
)

// districts is the VN-2000 (TM-3 104°) shapefile of Son La's former
// districts, as the test data of pkg/source/shapefile holds it.
const districts = "../../testdata/dvhcvn/son_la_districts_vn2000_tm3_utf8"

// entry is one member of a zip built by a test.
type entry struct {
	name string
	data []byte
	mode fs.FileMode // a symbolic link, when set
	// declared, when not zero, is the uncompressed size the central
	// directory claims (the data is deflated as it is): a lying entry.
	declared uint64
}

// writeZipFile writes the entries as a zip named name in a new directory.
func writeZipFile(t *testing.T, name string, entries ...entry) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		if e.declared != 0 {
			var c bytes.Buffer
			fw, _ := flate.NewWriter(&c, flate.BestCompression)
			fw.Write(e.data)
			fw.Close()
			h.CompressedSize64, h.UncompressedSize64 = uint64(c.Len()), e.declared
			h.CRC32 = crc32.ChecksumIEEE(e.data)
			w, err := zw.CreateRaw(h)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(c.Bytes())
			continue
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, name, buf.String())
}

// districtSet returns the members of the districts shapefile set named
// base, with the extensions given.
func districtSet(t *testing.T, base string, exts ...string) []entry {
	t.Helper()
	var es []entry
	for _, ext := range exts {
		b, err := os.ReadFile(districts + ext)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, entry{name: base + ext, data: b})
	}
	return es
}

// utm47 is the .prj of WGS 84 / UTM zone 47N (central meridian 99°E): a
// wrong zone for Son La, whose VN-2000 coordinates it puts in Myanmar.
const utm47 = `PROJCS["WGS_1984_UTM_Zone_47N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",99.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`

func collection(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
}

// hostileCase is one upload that must be refused.
type hostileCase struct {
	name    string
	src     func(t *testing.T) string
	adjust  func(q *publish.Request) // policies, limits, the named CRS or encoding
	file    string                   // in the first reason's file
	feature int64                    // the first reason's feature (0: none)
	cause   []string                 // in the first reason's cause
	limit   string                   // errors.Is(err, feature.ErrLimit) and this flag in the cause
}

func hostileCases() []hostileCase {
	shp := func(t *testing.T) []entry { return districtSet(t, "huyen", ".shp", ".shx", ".dbf", ".prj", ".cpg") }
	withSet := func(name string, extra ...entry) func(t *testing.T) string {
		return func(t *testing.T) string { return writeZipFile(t, name, append(shp(t), extra...)...) }
	}
	gj := func(name, body string) func(t *testing.T) string {
		return func(t *testing.T) string { return writeFile(t, name, body) }
	}
	half := bytes.Repeat([]byte("0"), 600<<10) // under the ratio floor
	return []hostileCase{
		{name: "over the size cap", src: gj("lon.geojson", collection(square, square)),
			adjust: func(q *publish.Request) { q.MaxSourceBytes = 100 }, file: "lon.geojson", cause: []string{"over the upload size limit of 100 bytes"}},
		{name: "zip bomb: total size", src: withSet("tong.zip", entry{name: "a.txt", data: half}, entry{name: "b.txt", data: half}),
			adjust: func(q *publish.Request) { q.Limits.ZipBytes = 1 << 20 }, file: "tong.zip", limit: feature.FlagZipBytes},
		{name: "zip bomb: entry count", src: withSet("nhieu.zip", entry{name: "a.txt"}, entry{name: "b.txt"}, entry{name: "c.txt"}),
			adjust: func(q *publish.Request) { q.Limits.ZipEntries = 6 }, file: "nhieu.zip", limit: feature.FlagZipEntries},
		{name: "zip bomb: ratio", src: withSet("bom.zip", entry{name: "bom.txt", data: make([]byte, 16<<20)}),
			file: "bom.zip/bom.txt", cause: []string{"ratio"}, limit: feature.FlagZipRatio},
		{name: "zip bomb: an entry lying about its size", src: func(t *testing.T) string {
			es := shp(t)
			es[0].declared = 1000 // the .shp inflates to 161 KB
			return writeZipFile(t, "doi.zip", es...)
		}, file: "doi.zip/huyen.shp", cause: []string{"inflates past the 1000 bytes the zip declares for it (a zip bomb"}},
		{name: "nested zip bomb", src: func(t *testing.T) string {
			inner := writeZipFile(t, "bom.zip", entry{name: "bom.shp", data: make([]byte, 16<<20)})
			b, _ := os.ReadFile(inner)
			return writeZipFile(t, "long.zip", entry{name: "bom.zip", data: b})
		}, file: "long.zip", cause: []string{`holds "bom.zip": archives inside a zip are not opened`}},
		{name: "entry with ..", src: withSet("leo.zip", entry{name: "../../etc/cron.d/x.shp", data: []byte("x")}),
			file: "leo.zip", cause: []string{`"../../etc/cron.d/x.shp" is an absolute path or climbs out`}},
		{name: "absolute entry", src: withSet("tuyetdoi.zip", entry{name: "/etc/passwd", data: []byte("x")}),
			file: "tuyetdoi.zip", cause: []string{`"/etc/passwd" is an absolute path`}},
		{name: "backslash entry climbing out", src: withSet("xiet.zip", entry{name: `a\..\..\b.shp`, data: []byte("x")}),
			file: "xiet.zip", cause: []string{`climbs out of the archive`}},
		{name: "symbolic link", src: withSet("lienket.zip", entry{name: "lienket.dbf", data: []byte("/etc/shadow"), mode: fs.ModeSymlink | 0o777}),
			file: "lienket.zip", cause: []string{`"lienket.dbf" is a symbolic link`}},
		{name: "duplicate names", src: func(t *testing.T) string {
			es := shp(t)
			return writeZipFile(t, "trung.zip", append(es, es[2])...)
		}, file: "trung.zip", cause: []string{`"huyen.dbf" appears twice`}},
		{name: "names differing only in case", src: func(t *testing.T) string {
			es := shp(t)
			return writeZipFile(t, "hoathuong.zip", append(es, entry{name: "HUYEN.DBF", data: es[2].data})...)
		}, file: "hoathuong.zip", cause: []string{`"huyen.dbf" and "HUYEN.DBF" differ only in case`}},
		{name: "no .dbf", src: func(t *testing.T) string {
			return writeZipFile(t, "khongdbf.zip", districtSet(t, "huyen", ".shp", ".shx", ".prj")...)
		}, file: "khongdbf.zip/huyen.shp", cause: []string{"no .dbf (huyen.dbf)", "no attributes"}},
		{name: "no layer in the zip", src: func(t *testing.T) string {
			return writeZipFile(t, "tailieu.zip", entry{name: "bao_cao.pdf", data: []byte("%PDF-1.4")}, entry{name: "readme.txt", data: []byte("x")})
		}, file: "tailieu.zip", cause: []string{"no shapefile (.shp) in the zip", "bao_cao.pdf, readme.txt"}},
		{name: "two layers with one name", src: func(t *testing.T) string {
			return writeZipFile(t, "hailop.zip", append(districtSet(t, "a/huyen", ".shp", ".shx", ".dbf", ".prj"), districtSet(t, "b/huyen", ".shp", ".shx", ".dbf", ".prj")...)...)
		}, file: "hailop.zip/b/huyen.shp", cause: []string{`two layers are named "huyen"`}},
		{name: "PNG named .zip", src: gj("anh.zip", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"), file: "anh.zip", cause: []string{"this is a PNG image, not a zipped shapefile or GeoJSON"}},
		{name: "PDF named .geojson", src: gj("baocao.geojson", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), file: "baocao.geojson", cause: []string{"this is a PDF document"}},
		{name: "random bytes named .zip", src: gj("rac.zip", "\x8a\x01\xfe\x00\x13\x99\xc4\x07\xd2\x00\x77"), file: "rac.zip", cause: []string{"this is binary data"}},
		{name: "JSON array", src: gj("mang.geojson", "["+square+"]"), file: "mang.geojson", cause: []string{"a JSON array (GeoJSON is an object: a FeatureCollection)"}},
		{name: "JSON that is not GeoJSON", src: gj("cauhinh.geojson", `{"ten":"Sơn La","dan_so":1300000}`), file: "cauhinh.geojson", feature: 1, cause: []string{"this is JSON but not GeoJSON (want a FeatureCollection)"}},
		{name: "TopoJSON", src: gj("topo.json", `{"type":"Topology","objects":{},"arcs":[]}`), file: "topo.json", feature: 1, cause: []string{"Topology"}},
		{name: "mixed geometry types", src: gj("tron.geojson", collection(square, square, point(103.9, 21.3), square)),
			file: "tron.geojson", feature: 3, cause: []string{"a point in a layer of polygons (3 polygons, 1 point)", "one kind of geometry"}},
		{name: "GeometryCollection", src: gj("tap.geojson", collection(square, `{"type":"Feature","properties":{},"geometry":{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[103.9,21.3]}]}}`)),
			file: "tap.geojson", feature: 2, cause: []string{"a GeometryCollection"}},
		{name: "self-intersecting polygons, policy fail", src: gj("hong.geojson", collection(square, bowtie, square, bowtie)),
			adjust: func(q *publish.Request) { q.Invalid = publish.InvalidFail }, file: "hong.geojson", feature: 2, cause: []string{"self-intersecting", "policy fail"}},
		{name: "VN-2000 shapefile without .prj", src: func(t *testing.T) string {
			return writeZipFile(t, "khongprj.zip", districtSet(t, "huyen", ".shp", ".shx", ".dbf", ".cpg")...)
		}, file: "khongprj.zip/huyen.shp", cause: []string{"no .prj and coordinates are not degrees", "EPSG:9206"}},
		{name: ".prj for the wrong zone", src: func(t *testing.T) string {
			return writeZipFile(t, "saivung.zip", append(districtSet(t, "huyen", ".shp", ".shx", ".dbf", ".cpg"), entry{name: "huyen.prj", data: []byte(utm47)})...)
		}, file: "saivung.zip/huyen.shp", feature: 1, cause: []string{"outside Vietnam", "wrong CRS", "EPSG:9206"}},
		{name: "GeoJSON outside Vietnam", src: gj("ngoai.geojson", collection(point(103.9, 21.3), point(2.35, 48.85))),
			file: "ngoai.geojson", feature: 2, cause: []string{"outside Vietnam", "wrong CRS", "EPSG:9206"}},
		{name: "GeoJSON in VN-2000 metres", src: gj("met.geojson", collection(point(491380.877, 2358999.978))),
			file: "met.geojson", cause: []string{"not degrees", "EPSG:9206"}},
		{name: "empty layer", src: gj("rong.geojson", collection()), file: "rong.geojson", cause: []string{"the layer is empty"}},
		{name: "every feature dropped", src: gj("bo.geojson", collection(bowtie, bowtie)),
			file: "bo.geojson", cause: []string{"every feature with a geometry was left out", "2 polygons dropped as self-intersecting"}},
		{name: "no geometry at all", src: gj("khonghinh.geojson", collection(`{"type":"Feature","properties":{"ten":"a"},"geometry":null}`)),
			file: "khonghinh.geojson", cause: []string{"no feature has a geometry", "1 with none"}},
		{name: "UTF-8 named, windows-1258 bytes", src: func(t *testing.T) string {
			es := districtSet(t, "huyen", ".shp", ".shx", ".prj")
			b, err := os.ReadFile("../../testdata/dvhcvn/son_la_districts_vn2000_tm3_cp1258.dbf")
			if err != nil {
				t.Fatal(err)
			}
			return writeZipFile(t, "cp1258.zip", append(es, entry{name: "huyen.dbf", data: b})...)
		}, adjust: func(q *publish.Request) { q.Encoding = "utf-8" }, file: "cp1258.zip/huyen.dbf", feature: 1, cause: []string{"is not valid UTF-8", "windows-1258"}},
		{name: "unknown encoding", src: withSet("mahoa.zip"), adjust: func(q *publish.Request) { q.Encoding = "klingon" },
			cause: []string{`"klingon", is unknown`, "windows-1258"}},
		{name: "unknown source CRS", src: withSet("crs.zip"), adjust: func(q *publish.Request) { q.SrcCRS = "EPSG:999999" },
			cause: []string{`"EPSG:999999", is not understood`, "EPSG:9206"}},
	}
}

// dataFiles lists the files under the data directory with their sizes and
// hashes, the catalog's database aside.
func dataFiles(t *testing.T, cat *catalog.Catalog) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(cat.Dir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), "catalog.db") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[strings.TrimPrefix(p, cat.Dir())] = hex.EncodeToString(sum[:8])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHostileUploads publishes a good version of a layer, then each
// hostile or broken upload as its next version through PublishVersion:
// each is refused with a reason naming the file, the feature when there is
// one, and the cause; the layer's current version, what is served over
// loopback and the files under the data directory stay as they were.
func TestHostileUploads(t *testing.T) {
	s := serveCatalog(t)
	const layer = "quy-hoach"
	ctx := context.Background()
	by := catalog.Principal{Org: "so-xd", User: "lan"}
	if _, err := s.publish(t, layer, writeFile(t, "vung.geojson", collection(square)), publish.InvalidDrop); err != nil {
		t.Fatal(err)
	}
	before := dataFiles(t, s.cat)
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.src(t)
			q := publish.Defaults()
			q.Sources, q.MaxZoom = []string{src}, 10
			if tc.adjust != nil {
				tc.adjust(&q)
			}
			v, _, err := publish.PublishVersion(ctx, s.cat, publish.Version{
				Layer: layer, By: by, New: catalog.NewVersion{SourceHash: strings.Repeat("c", 64)}, Request: q,
			}, s.reg, nil)
			var re *publish.RefusedError
			if !errors.As(err, &re) || len(re.Reasons) == 0 {
				t.Fatalf("err %v, want a *publish.RefusedError", err)
			}
			r := re.Reasons[0]
			t.Logf("%d reasons; first: %s", len(re.Reasons), r)
			if !strings.Contains(r.File, tc.file) || (tc.file != "" && !strings.Contains(r.File, filepath.Base(filepath.Dir(src)))) {
				t.Errorf("reason file %q, want it to name %s", r.File, tc.file)
			}
			if r.Feature != tc.feature {
				t.Errorf("reason feature %d, want %d (%s)", r.Feature, tc.feature, r.Cause)
			}
			for _, c := range tc.cause {
				if !strings.Contains(r.Cause, c) {
					t.Errorf("reason cause %q lacks %q", r.Cause, c)
				}
			}
			if tc.limit != "" && (!errors.Is(err, feature.ErrLimit) || !strings.Contains(r.Cause, tc.limit)) {
				t.Errorf("err %v: want a limit error naming %s", err, tc.limit)
			}
			if !strings.Contains(err.Error(), r.Cause) {
				t.Errorf("err %q does not carry the first reason %q", err, r.Cause)
			}
			// The version is recorded failed with its reasons; nothing else moved.
			if v.Status != catalog.Failed {
				t.Errorf("version %+v, want failed", v)
			}
			vs, err := s.cat.Versions(ctx, layer)
			if err != nil {
				t.Fatal(err)
			}
			if vs[0].Number != v.Number || vs[0].Status != catalog.Failed || !strings.Contains(string(vs[0].Messages), `"cause"`) {
				t.Errorf("catalog version %+v %s", vs[0], vs[0].Messages)
			}
			if l, _ := s.cat.Layer(ctx, layer); l.CurrentVersion != 1 {
				t.Errorf("current version %d, want 1", l.CurrentVersion)
			}
			if got := s.version(t, layer); got != layer+"@v1" {
				t.Errorf("served %q, want %s@v1", got, layer)
			}
			if after := dataFiles(t, s.cat); !equalMaps(before, after) {
				t.Errorf("data directory changed:\nbefore %v\nafter  %v", before, after)
			}
		})
	}

	// An unsafe layer id is refused by the catalog's rule before anything
	// is read or recorded.
	for _, id := range []string{"../quy-hoach", "Quy Hoach", "quy-hoach/v2", "", strings.Repeat("a", 65)} {
		q := publish.Defaults()
		q.Sources = []string{writeFile(t, "vung.geojson", collection(square))}
		_, _, err := publish.PublishVersion(ctx, s.cat, publish.Version{Layer: id, By: by, New: catalog.NewVersion{SourceHash: strings.Repeat("d", 64)}, Request: q}, s.reg, nil)
		if catalog.ErrorKind(err) != catalog.Invalid || !strings.Contains(err.Error(), "not a safe id") {
			t.Errorf("layer id %q: err %v, want Invalid: not a safe id", id, err)
		} else if id == "../quy-hoach" {
			t.Logf("unsafe id: %v", err)
		}
	}
	if ls, _ := s.cat.Layers(ctx); len(ls) != 1 {
		t.Errorf("layers %+v, want only %s", ls, layer)
	}
	if after := dataFiles(t, s.cat); !equalMaps(before, after) {
		t.Errorf("data directory changed by unsafe ids: %v", after)
	}
}

// TestUploadRules: what is not refused, said plainly. A set without its
// .shx is read without it (a warning); a zip of several sets is one
// version with one vector layer per set; self-intersecting polygons under
// the drop policy are left out and listed in the version's messages.
func TestUploadRules(t *testing.T) {
	s := serveCatalog(t)
	ctx := context.Background()
	by := catalog.Principal{Org: "so-xd", User: "lan"}
	publishZip := func(layer, src string, invalid publish.InvalidPolicy) (*publish.Result, catalog.Version) {
		t.Helper()
		q := publish.Defaults()
		q.Sources, q.MaxZoom, q.Invalid = []string{src}, 8, invalid
		v, res, err := publish.PublishVersion(ctx, s.cat, publish.Version{Layer: layer, By: by, New: catalog.NewVersion{SourceHash: strings.Repeat("e", 64)}, Request: q}, s.reg, nil)
		if err != nil {
			t.Fatalf("%s: %v", layer, err)
		}
		return res, v
	}
	res, _ := publishZip("khong-shx", writeZipFile(t, "khongshx.zip", districtSet(t, "huyen", ".shp", ".dbf", ".prj", ".cpg")...), publish.InvalidDrop)
	if l := res.Layers[0]; l.Features != 12 || !strings.Contains(strings.Join(l.Info.Warnings, "|"), "no .shx") {
		t.Errorf("without .shx: %d features, warnings %q", l.Features, l.Info.Warnings)
	}
	res, _ = publishZip("hai-lop", writeZipFile(t, "hailop.zip", append(districtSet(t, "huyen", ".shp", ".shx", ".dbf", ".prj"), districtSet(t, "ranh_gioi", ".shp", ".shx", ".dbf", ".prj")...)...), publish.InvalidDrop)
	var names []string
	for _, l := range res.Layers {
		names = append(names, l.Name)
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "huyen,ranh_gioi" || s.version(t, "hai-lop") != "hai-lop@v1" {
		t.Errorf("two sets: layers %v", names)
	}
	_, v := publishZip("bo-hong", writeFile(t, "hong.geojson", collection(square, bowtie, square)), publish.InvalidDrop)
	vs, _ := s.cat.Versions(ctx, "bo-hong")
	if v.Status != catalog.Published || !strings.Contains(string(vs[0].Messages), `"feature":2`) {
		t.Errorf("drop: version %+v, messages %s", v, vs[0].Messages)
	}
	// A bad record (a coordinate no CRS can place) is kept without its
	// geometry, as build does, and listed in the version's messages.
	huge := `{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[103.9,21.3],[1e308,21.3],[103.91,21.31],[103.9,21.3]]]}}`
	res, v = publishZip("hong-toado", writeFile(t, "toado.geojson", collection(square, huge)), publish.InvalidDrop)
	vs, _ = s.cat.Versions(ctx, "hong-toado")
	if l := res.Layers[0]; v.Status != catalog.Published || l.Features != 2 || len(l.Bad) != 1 || l.Bad[0].Feature != 2 ||
		!strings.Contains(string(vs[0].Messages), "kept without its geometry: coordinates are not finite numbers") {
		t.Errorf("bad record: version %+v, layer bad %+v, messages %s", v, res.Layers[0].Bad, vs[0].Messages)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
