package publish_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/catalog"
	"github.com/sonla-gis/plantile/pkg/config"
	"github.com/sonla-gis/plantile/pkg/publish"
	"github.com/sonla-gis/plantile/pkg/server"
)

// served is a catalog served over loopback.
type served struct {
	cat *catalog.Catalog
	reg *server.Registry
	url string
}

func serveCatalog(t *testing.T) *served {
	t.Helper()
	cat, err := catalog.Open(t.TempDir(), catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	if _, err := cat.EnsureOrg(context.Background(), catalog.System("test"), "so-xd", "Sở Xây dựng", catalog.KindDepartment); err != nil {
		t.Fatal(err)
	}
	reg := server.NewRegistry("", server.RegistryOptions{Files: server.CatalogFiles(cat), SnapshotDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { reg.Close() })
	if err := reg.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Options{Config: config.Default(), Tilesets: reg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &served{cat: cat, reg: reg, url: hs.URL}
}

// version returns the served version of layer, "" when it is not served.
func (s *served) version(t *testing.T, layer string) string {
	t.Helper()
	res, err := http.Get(s.url + "/tiles/" + layer + ".json")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		return ""
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("TileJSON of %s: %s", layer, res.Status)
	}
	return res.Header.Get(server.VersionHeader)
}

func (s *served) publish(t *testing.T, layer, src string, invalid publish.InvalidPolicy) (catalog.Version, error) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	q := publish.Defaults()
	q.Sources, q.MaxZoom, q.Invalid = []string{src}, 12, invalid
	v, _, err := publish.PublishVersion(context.Background(), s.cat, publish.Version{
		Layer: layer, By: catalog.Principal{Org: "so-xd", User: "lan"},
		New:     catalog.NewVersion{Title: "Quy hoạch", SourceHash: hex.EncodeToString(sum[:])},
		Request: q,
	}, s.reg, nil)
	return v, err
}

// tileJSONName returns the name in the layer's TileJSON.
func (s *served) tileJSONName(t *testing.T, layer string) string {
	t.Helper()
	res, err := http.Get(s.url + "/tiles/" + layer + ".json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tj struct{ Name string }
	if err := json.NewDecoder(res.Body).Decode(&tj); err != nil {
		t.Fatal(err)
	}
	return tj.Name
}

// files lists the files under the layer's directory.
func (s *served) files(t *testing.T, layer string) []string {
	t.Helper()
	es, err := os.ReadDir(s.cat.Path("layers/" + layer))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// TestPublishVersion: v1 and v2 are published and served in turn over
// loopback, a rollback serves v1 again, and a refused v3 changes nothing
// served and leaves no file.
func TestPublishVersion(t *testing.T) {
	s := serveCatalog(t)
	good := writeFile(t, "vung.geojson", `{"type":"FeatureCollection","features":[`+square+`]}`)
	bad := writeFile(t, "hong.geojson", `{"type":"FeatureCollection","features":[`+square+","+bowtie+`]}`)
	const layer = "quy-hoach"
	if got := s.version(t, layer); got != "" {
		t.Fatalf("served before publishing: %q", got)
	}
	for n, want := range []string{"quy-hoach@v1", "quy-hoach@v2"} {
		v, err := s.publish(t, layer, good, publish.InvalidFail)
		if err != nil {
			t.Fatal(err)
		}
		if v.Number != n+1 || v.Status != catalog.Published {
			t.Errorf("version %+v", v)
		}
		if got := s.version(t, layer); got != want {
			t.Errorf("served %q after publishing v%d, want %q", got, n+1, want)
		}
	}
	s.checkCaching(t, layer, "quy-hoach@v2")
	if name := s.tileJSONName(t, layer); name != "Quy hoạch" {
		t.Errorf("TileJSON name %q, want the catalog title %q", name, "Quy hoạch")
	}
	if _, err := publish.Rollback(context.Background(), s.cat, catalog.Principal{Org: "so-xd", User: "lan"}, layer, 1, s.reg); err != nil {
		t.Fatal(err)
	}
	if got := s.version(t, layer); got != "quy-hoach@v1" {
		t.Errorf("served %q after rollback, want v1", got)
	}

	_, err := s.publish(t, layer, bad, publish.InvalidFail)
	var re *publish.RefusedError
	if !errors.As(err, &re) || len(re.Reasons) != 1 || re.Reasons[0].Feature != 2 {
		t.Fatalf("v3: err %v, want a refusal of feature 2", err)
	}
	if got := s.version(t, layer); got != "quy-hoach@v1" {
		t.Errorf("served %q after a refused v3, want v1", got)
	}
	if got, want := s.files(t, layer), []string{"quy-hoach.v1.mbtiles", "quy-hoach.v2.mbtiles"}; !slices.Equal(got, want) {
		t.Errorf("files %v, want %v (no v3, no temporary file)", got, want)
	}
	vs, err := s.cat.Versions(context.Background(), layer)
	if err != nil {
		t.Fatal(err)
	}
	if vs[0].Number != 3 || vs[0].Status != catalog.Failed || !strings.Contains(string(vs[0].Messages), `"feature":2`) {
		t.Errorf("v3 in the catalog: %+v %s", vs[0], vs[0].Messages)
	}
	l, _ := s.cat.Layer(context.Background(), layer)
	if l.CurrentVersion != 1 {
		t.Errorf("current version %d, want 1", l.CurrentVersion)
	}

	// Another organisation may not publish over it: nothing changes.
	if _, _, err := publish.PublishVersion(context.Background(), s.cat, publish.Version{
		Layer: layer, By: catalog.Principal{Org: "demo", User: "an"},
		New: catalog.NewVersion{SourceHash: strings.Repeat("a", 64)}, Request: request(t, good),
	}, s.reg, nil); catalog.ErrorKind(err) != catalog.Forbidden {
		t.Errorf("other organisation: err %v, want Forbidden", err)
	}
	if got := s.version(t, layer); got != "quy-hoach@v1" {
		t.Errorf("served %q after a forbidden publish, want v1", got)
	}
}

// TestImportFile: a file built elsewhere (the bundled demo) imported as a
// catalog version names that version, not the build it came from, and the
// file imported is left as it was.
func TestImportFile(t *testing.T) {
	s := serveCatalog(t)
	good := writeFile(t, "vung.geojson", `{"type":"FeatureCollection","features":[`+square+`]}`)
	if _, err := s.publish(t, "nguon", good, publish.InvalidFail); err != nil {
		t.Fatal(err)
	}
	src := s.cat.Path(catalog.VersionFile("nguon", 1))
	by := catalog.Principal{Org: "so-xd", User: "lan"}
	v := publish.Version{Layer: "ban-sao", By: by, New: catalog.NewVersion{SourceHash: strings.Repeat("b", 64)}}
	if _, err := publish.ImportFile(context.Background(), s.cat, v, src, catalog.VersionResult{}); err != nil {
		t.Fatal(err)
	}
	if err := s.reg.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := s.version(t, "ban-sao"); got != "ban-sao@v1" {
		t.Errorf("imported version serves as %q, want ban-sao@v1", got)
	}
	if got := s.version(t, "nguon"); got != "nguon@v1" {
		t.Errorf("the file imported now serves as %q, want nguon@v1", got)
	}
	if got, want := s.files(t, "ban-sao"), []string{"ban-sao.v1.mbtiles"}; !slices.Equal(got, want) {
		t.Errorf("files %v, want %v (no temporary or journal file)", got, want)
	}
}

// TestRecover: a version left building by a killed process is marked
// failed and its partial file and the writers' temporary files are
// removed; so are version files no published version owns (a retired
// version's, a deleted layer's) that a crash left; published files and
// files that are not version files stay.
func TestRecover(t *testing.T) {
	s := serveCatalog(t)
	good := writeFile(t, "vung.geojson", `{"type":"FeatureCollection","features":[`+square+`]}`)
	if _, err := s.publish(t, "quy-hoach", good, publish.InvalidDrop); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	by := catalog.Principal{Org: "so-xd", User: "lan"}
	v, err := s.cat.AddVersion(ctx, by, "quy-hoach", catalog.NewVersion{SourceHash: strings.Repeat("b", 64)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cat.StartVersion(ctx, by, "quy-hoach", v.Number); err != nil {
		t.Fatal(err)
	}
	dir := s.cat.Path("layers/quy-hoach")
	for _, name := range []string{filepath.Base(v.File), ".quy-hoach.v2.mbtiles.tmp-p999999-123", "quy-hoach.v9.mbtiles", "README.txt", "other.v1.mbtiles"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gone := s.cat.Path("layers/gone")
	if err := os.MkdirAll(gone, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(gone, "gone.v3.mbtiles"), []byte("a deleted layer's"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec, err := publish.Recover(ctx, s.cat, catalog.System("startup"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Versions) != 1 || rec.Versions[0].Number != 2 {
		t.Errorf("recovered %+v", rec.Versions)
	}
	if got := s.files(t, "quy-hoach"); !slices.Equal(got, []string{"README.txt", "other.v1.mbtiles", "quy-hoach.v1.mbtiles"}) {
		t.Errorf("files after recovery %v, want v1 and the files that are not this layer's versions", got)
	}
	if _, err := os.Stat(gone); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the deleted layer's directory is still there: %v", err)
	}
	if err := s.reg.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if got := s.version(t, "quy-hoach"); got != "quy-hoach@v1" {
		t.Errorf("served %q after recovery", got)
	}
}

// checkCaching: TileJSON's tile URL names the served version and its
// tiles are immutable; the same URL with another version, and the
// unversioned URL, get the ordinary max-age.
func (s *served) checkCaching(t *testing.T, layer, version string) {
	t.Helper()
	res, err := http.Get(s.url + "/tiles/" + layer + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var tj server.TileJSON
	err = json.NewDecoder(res.Body).Decode(&tj)
	res.Body.Close()
	if err != nil || len(tj.Tiles) != 1 {
		t.Fatalf("TileJSON %v %+v", err, tj)
	}
	want := s.url + "/tiles/" + layer + "/{z}/{x}/{y}.pbf?v=" + url.QueryEscape(version)
	if tj.Tiles[0] != want {
		t.Fatalf("tiles %q, want %q", tj.Tiles[0], want)
	}
	tile := strings.NewReplacer("{z}", "12", "{x}", "3230", "{y}", "1799").Replace(tj.Tiles[0])
	for _, tc := range []struct {
		url       string
		immutable bool
	}{
		{tile, true},
		{strings.Split(tile, "?")[0], false},
		{strings.Split(tile, "?")[0] + "?v=" + url.QueryEscape(layer+"@v1"), false},
	} {
		res, err := http.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		cc := res.Header.Get("Cache-Control")
		if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusNoContent {
			t.Errorf("%s: %s", tc.url, res.Status)
		}
		if strings.Contains(cc, "immutable") != tc.immutable || res.Header.Get(server.VersionHeader) != version {
			t.Errorf("%s: Cache-Control %q, version %q; want immutable %v, version %s", tc.url, cc, res.Header.Get(server.VersionHeader), tc.immutable, version)
		}
	}
}
