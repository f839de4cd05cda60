package mbtiles_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	_ "github.com/mattn/go-sqlite3"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/sonla-gis/plantile/pkg/mbtiles"
)

type tile struct {
	z, x, y int
	data    []byte
}

// randomTiles returns n distinct tiles with random content from seed.
func randomTiles(seed uint64, n int) []tile {
	rng := rand.New(rand.NewPCG(seed, 0))
	seen := map[[3]int]bool{}
	var out []tile
	for len(out) < n {
		z := rng.IntN(15)
		x, y := rng.IntN(1<<z), rng.IntN(1<<z)
		if seen[[3]int{z, x, y}] {
			continue
		}
		seen[[3]int{z, x, y}] = true
		data := make([]byte, 10+rng.IntN(2000))
		for i := range data {
			data[i] = byte(rng.IntN(8)) // compressible, like real tiles
		}
		out = append(out, tile{z, x, y, data})
	}
	return out
}

func write(t testing.TB, path string, meta mbtiles.Metadata, tiles []tile) mbtiles.Stats {
	t.Helper()
	w, err := mbtiles.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	for _, tl := range tiles {
		if err := w.PutTile(tl.z, tl.x, tl.y, tl.data); err != nil {
			t.Fatal(err)
		}
	}
	w.SetMetadata(meta)
	st := w.Stats()
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	return st
}

func open(t testing.TB, path string) *mbtiles.Reader {
	t.Helper()
	r, err := mbtiles.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func sampleMeta() mbtiles.Metadata {
	return mbtiles.Metadata{
		Name:        "Quy hoạch Sơn La",
		Format:      "pbf",
		Bounds:      orb.Bound{Min: orb.Point{103.75, 21.2}, Max: orb.Point{104.05, 21.45}},
		Center:      mbtiles.Center{Lon: 103.9188, Lat: 21.3256, Zoom: 13},
		MinZoom:     8,
		MaxZoom:     16,
		Attribution: "© Sở Xây dựng Sơn La",
		Description: "Quy hoạch sử dụng đất",
		Type:        "overlay",
		Version:     "2",
		VectorLayers: []mbtiles.VectorLayer{{
			ID: "landuse", Description: "Đất", MinZoom: 8, MaxZoom: 16,
			Fields: map[string]string{"ma_dat": "String", "dien_tich": "Number"},
		}, {
			ID: "roads", MinZoom: 10, MaxZoom: 16, Fields: map[string]string{},
		}},
		Tilestats: json.RawMessage(`{"layerCount":2}`),
		Extra:     map[string]string{"plantile:sample": "true", "generator": "plantile test"},
	}
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.mbtiles")
	tiles := randomTiles(1, 500)
	meta := sampleMeta()
	st := write(t, path, meta, tiles)
	if st.Tiles != int64(len(tiles)) {
		t.Errorf("stats tiles = %d, want %d", st.Tiles, len(tiles))
	}
	r := open(t, path)
	if got := r.Metadata(); !reflect.DeepEqual(got, meta) {
		t.Errorf("metadata\n got %+v\nwant %+v", got, meta)
	}
	ctx := context.Background()
	for _, tl := range tiles {
		gz, ok, err := r.Tile(ctx, tl.z, tl.x, tl.y)
		if err != nil || !ok {
			t.Fatalf("tile %d/%d/%d: ok=%v err=%v", tl.z, tl.x, tl.y, ok, err)
		}
		if !mbtiles.IsGzip(gz) {
			t.Fatalf("tile %d/%d/%d not gzipped", tl.z, tl.x, tl.y)
		}
		raw, err := mbtiles.Gunzip(gz)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(raw, tl.data) {
			t.Fatalf("tile %d/%d/%d content differs", tl.z, tl.x, tl.y)
		}
	}
}

func TestMissingTiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.mbtiles")
	write(t, path, mbtiles.Metadata{}, []tile{{3, 2, 1, []byte("x")}})
	r := open(t, path)
	for _, c := range [][3]int{{3, 2, 6}, {3, 1, 2}, {4, 2, 1}, {-1, 0, 0}, {3, 8, 0}, {3, 0, -1}, {31, 0, 0}} {
		data, ok, err := r.Tile(context.Background(), c[0], c[1], c[2])
		if ok || err != nil || data != nil {
			t.Errorf("tile %v: got ok=%v err=%v data=%q, want not found", c, ok, err, data)
		}
	}
}

func TestDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "quy-hoach.mbtiles")
	write(t, path, mbtiles.Metadata{}, nil)
	m := open(t, path).Metadata()
	if m.Name != "quy-hoach" || m.Format != "pbf" || m.Type != "overlay" {
		t.Errorf("defaults: name %q format %q type %q", m.Name, m.Format, m.Type)
	}
	var j string
	if err := rawDB(t, path).QueryRow(`SELECT value FROM metadata WHERE name = 'json'`).Scan(&j); err != nil {
		t.Fatal(err)
	}
	if j != `{"vector_layers":[]}` {
		t.Errorf("json row = %s", j)
	}
}

func TestMetadataRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.mbtiles")
	write(t, path, sampleMeta(), nil)
	db := rawDB(t, path)
	for _, c := range []struct{ name, want string }{
		{"bounds", "103.75,21.2,104.05,21.45"},
		{"center", "103.9188,21.3256,13"},
		{"minzoom", "8"},
		{"maxzoom", "16"},
		{"format", "pbf"},
		{"plantile:sample", "true"},
	} {
		var v string
		if err := db.QueryRow(`SELECT value FROM metadata WHERE name = ?`, c.name).Scan(&v); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if v != c.want {
			t.Errorf("%s = %q, want %q", c.name, v, c.want)
		}
	}
	var j map[string]json.RawMessage
	var v string
	if err := db.QueryRow(`SELECT value FROM metadata WHERE name = 'json'`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(v), &j); err != nil {
		t.Fatal(err)
	}
	if _, ok := j["vector_layers"]; !ok {
		t.Errorf("json row has no vector_layers: %s", v)
	}
}

func TestDedup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.mbtiles")
	same := []byte("the same ocean tile")
	tiles := []tile{{5, 1, 1, same}, {5, 1, 2, same}, {5, 2, 2, []byte("other")}, {6, 0, 0, same}}
	st := write(t, path, mbtiles.Metadata{}, tiles)
	if st.Tiles != 4 || st.UniqueTiles != 2 || st.TilesByZoom[5] != 3 || st.TilesByZoom[6] != 1 {
		t.Errorf("stats = %+v", st)
	}
	if st.UniqueBytes >= st.Bytes {
		t.Errorf("unique bytes %d not less than bytes %d", st.UniqueBytes, st.Bytes)
	}
	db := rawDB(t, path)
	for _, c := range []struct {
		q    string
		want int
	}{
		{`SELECT count(*) FROM images`, 2},
		{`SELECT count(*) FROM map`, 4},
		{`SELECT count(*) FROM tiles`, 4},
	} {
		var n int
		if err := db.QueryRow(c.q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != c.want {
			t.Errorf("%s = %d, want %d", c.q, n, c.want)
		}
	}
	// Deterministic gzip: identical input, identical bytes, in any file.
	if !bytes.Equal(mbtiles.Gzip(same), mbtiles.Gzip(same)) {
		t.Error("gzip is not deterministic")
	}
}

func TestStatsLargest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.mbtiles")
	tiles := randomTiles(7, 50)
	st := write(t, path, mbtiles.Metadata{}, tiles)
	var bytes int64
	best := mbtiles.TileSize{}
	for _, tl := range tiles {
		n := len(mbtiles.Gzip(tl.data))
		bytes += int64(n)
		if n > best.Size {
			best = mbtiles.TileSize{Z: tl.z, X: tl.x, Y: tl.y, Size: n}
		}
	}
	if st.Bytes != bytes || st.Largest != best {
		t.Errorf("stats bytes %d largest %+v, want %d %+v", st.Bytes, st.Largest, bytes, best)
	}
}

func TestTMSFlip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.mbtiles")
	tiles := []tile{{0, 0, 0, []byte("a")}, {1, 0, 0, []byte("b")}, {3, 5, 1, []byte("c")}, {14, 12983, 7170, []byte("d")}}
	write(t, path, mbtiles.Metadata{}, tiles)
	db := rawDB(t, path)
	for _, tl := range tiles {
		var row int
		err := db.QueryRow(`SELECT tile_row FROM map WHERE zoom_level = ? AND tile_column = ?`, tl.z, tl.x).Scan(&row)
		if err != nil {
			t.Fatal(err)
		}
		if want := (1 << tl.z) - 1 - tl.y; row != want {
			t.Errorf("%d/%d/%d: tile_row = %d, want %d", tl.z, tl.x, tl.y, row, want)
		}
	}
}

func TestPutErrors(t *testing.T) {
	w, err := mbtiles.Create(filepath.Join(t.TempDir(), "a.mbtiles"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if err := w.PutTile(2, 1, 1, []byte("x")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		put     func() error
		wantErr error
	}{
		{"duplicate", func() error { return w.PutTile(2, 1, 1, []byte("y")) }, mbtiles.ErrDuplicateTile},
		{"x out of range", func() error { return w.PutTile(2, 4, 1, []byte("y")) }, mbtiles.ErrTileCoord},
		{"negative zoom", func() error { return w.PutTile(-1, 0, 0, []byte("y")) }, mbtiles.ErrTileCoord},
		{"not gzip", func() error { return w.PutTileGzipped(2, 0, 0, []byte("plain")) }, mbtiles.ErrNotGzip},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.put(); !errors.Is(err, c.wantErr) {
				t.Errorf("err = %v, want %v", err, c.wantErr)
			}
		})
	}
	if err := w.PutTileGzipped(2, 0, 0, mbtiles.Gzip([]byte("ok"))); err != nil {
		t.Errorf("gzipped put after errors: %v", err)
	}
}

func TestAtomicReplace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.mbtiles")
	old := randomTiles(1, 200)
	write(t, path, mbtiles.Metadata{Name: "old"}, old)
	r := open(t, path)

	// A new build at the same path: same coordinates, new content.
	nw := make([]tile, len(old))
	for i, tl := range old {
		nw[i] = tile{tl.z, tl.x, tl.y, append([]byte("new"), tl.data...)}
	}
	w, err := mbtiles.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range nw {
		if err := w.PutTile(tl.z, tl.x, tl.y, tl.data); err != nil {
			t.Fatal(err)
		}
	}
	w.SetMetadata(mbtiles.Metadata{Name: "new"})
	// Before Commit, the path still holds the old file, complete.
	r2 := open(t, path)
	if r2.Metadata().Name != "old" {
		t.Errorf("before commit: name %q", r2.Metadata().Name)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}

	// The old reader reads old tiles, also on connections opened after the
	// rename: many concurrent reads force the pool to grow.
	readAll := func(r *mbtiles.Reader, want []tile) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for g := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := g; i < len(want); i += 32 {
					tl := want[i]
					gz, ok, err := r.Tile(context.Background(), tl.z, tl.x, tl.y)
					if err != nil || !ok {
						errs <- fmt.Errorf("tile %d/%d/%d: ok=%v err=%v", tl.z, tl.x, tl.y, ok, err)
						return
					}
					if raw, _ := mbtiles.Gunzip(gz); !bytes.Equal(raw, tl.data) {
						errs <- fmt.Errorf("tile %d/%d/%d: wrong content", tl.z, tl.x, tl.y)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
	readAll(r, old)
	if r.Metadata().Name != "old" {
		t.Errorf("old reader: name %q", r.Metadata().Name)
	}
	// A reader opened now sees the new file.
	rn := open(t, path)
	if rn.Metadata().Name != "new" {
		t.Errorf("new reader: name %q", rn.Metadata().Name)
	}
	readAll(rn, nw)
	assertOnlyFiles(t, dir, "plan.mbtiles")
}

func assertOnlyFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("files in dir = %v, want %v", got, want)
	}
}

func TestAbort(t *testing.T) {
	t.Run("no file before", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "plan.mbtiles")
		w, err := mbtiles.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.PutTile(0, 0, 0, []byte("x")); err != nil {
			t.Fatal(err)
		}
		if err := w.Abort(); err != nil {
			t.Fatal(err)
		}
		assertOnlyFiles(t, dir)
		if err := w.PutTile(1, 0, 0, []byte("x")); !errors.Is(err, mbtiles.ErrClosed) {
			t.Errorf("put after abort: %v", err)
		}
		if err := w.Commit(); !errors.Is(err, mbtiles.ErrClosed) {
			t.Errorf("commit after abort: %v", err)
		}
	})
	t.Run("old file kept", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "plan.mbtiles")
		write(t, path, mbtiles.Metadata{Name: "old"}, []tile{{0, 0, 0, []byte("old")}})
		w, err := mbtiles.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.PutTile(0, 0, 0, []byte("new")); err != nil {
			t.Fatal(err)
		}
		// A writer that is never committed (a crash) leaves the path alone.
		if got := open(t, path).Metadata().Name; got != "old" {
			t.Errorf("uncommitted writer: name %q", got)
		}
		if err := w.Abort(); err != nil {
			t.Fatal(err)
		}
		assertOnlyFiles(t, dir, "plan.mbtiles")
		if got := open(t, path).Metadata().Name; got != "old" {
			t.Errorf("after abort: name %q", got)
		}
	})
}

func TestConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.mbtiles")
	tiles := randomTiles(3, 2000)
	w, err := mbtiles.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < len(tiles); i += 8 {
				if err := w.PutTile(tiles[i].z, tiles[i].x, tiles[i].y, tiles[i].data); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	r := open(t, path)
	for _, tl := range tiles {
		gz, ok, err := r.Tile(context.Background(), tl.z, tl.x, tl.y)
		if raw, _ := mbtiles.Gunzip(gz); err != nil || !ok || !bytes.Equal(raw, tl.data) {
			t.Fatalf("tile %d/%d/%d: ok=%v err=%v", tl.z, tl.x, tl.y, ok, err)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	mk := func(name string, stmts ...string) string {
		p := filepath.Join(dir, name)
		db, err := sql.Open("sqlite3", p)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	text := filepath.Join(dir, "text.mbtiles")
	if err := os.WriteFile(text, []byte(strings.Repeat("not sqlite ", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	tables := []string{
		`CREATE TABLE metadata (name TEXT, value TEXT)`,
		`CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)`,
	}
	for _, c := range []struct {
		name    string
		path    string
		wantErr error
	}{
		{"missing file", filepath.Join(dir, "nope.mbtiles"), os.ErrNotExist},
		{"not sqlite", text, mbtiles.ErrNotMBTiles},
		{"empty sqlite", mk("empty.mbtiles", `CREATE TABLE x (a)`), mbtiles.ErrNotMBTiles},
		{"no format", mk("nofmt.mbtiles", append(tables, `INSERT INTO metadata VALUES ('name', 'x')`)...), mbtiles.ErrNoFormat},
		{"png", mk("png.mbtiles", append(tables, `INSERT INTO metadata VALUES ('format', 'png')`)...), mbtiles.ErrUnsupportedFormat},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := mbtiles.Open(c.path)
			if !errors.Is(err, c.wantErr) {
				t.Errorf("err = %v, want %v", err, c.wantErr)
			}
			if err == nil {
				r.Close()
			} else if !strings.HasPrefix(err.Error(), "mbtiles: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
	// A plain (non-deduplicated) MBTiles with a tiles table opens and reads.
	p := mk("plain.mbtiles", append(tables, `INSERT INTO metadata VALUES ('format', 'pbf')`,
		`INSERT INTO tiles VALUES (1, 0, 0, x'1f8b00')`)...)
	r := open(t, p)
	if data, ok, err := r.Tile(context.Background(), 1, 0, 1); err != nil || !ok || len(data) != 3 {
		t.Errorf("plain tiles table: %x %v %v", data, ok, err)
	}
}

func TestClosedReader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.mbtiles")
	write(t, path, mbtiles.Metadata{}, []tile{{0, 0, 0, []byte("x")}})
	r, err := mbtiles.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Tile(context.Background(), 0, 0, 0); err == nil {
		t.Error("tile after close: no error")
	}
}

// TestOgrinfo checks that GDAL, an independent MBTiles reader, opens a file
// with a real vector tile and lists its layer.
func TestOgrinfo(t *testing.T) {
	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ogrinfo not found; install gdal-bin (make deps-test)")
		}
		t.Skip("ogrinfo not found; install gdal-bin")
	}
	tl := maptile.At(orb.Point{103.9188, 21.3256}, 14)
	fc := geojson.NewFeatureCollection()
	c := tl.Center()
	poly := orb.Polygon{{{c[0] - 0.002, c[1] - 0.002}, {c[0] + 0.002, c[1] - 0.002}, {c[0] + 0.002, c[1] + 0.002}, {c[0] - 0.002, c[1] + 0.002}, {c[0] - 0.002, c[1] - 0.002}}}
	f := geojson.NewFeature(poly)
	f.Properties["ma_dat"] = "ODT"
	fc.Append(f)
	layers := mvt.NewLayers(map[string]*geojson.FeatureCollection{"landuse": fc})
	layers.ProjectToTile(tl)
	data, err := mvt.Marshal(layers)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "a.mbtiles")
	b := tl.Bound()
	write(t, path, mbtiles.Metadata{
		Bounds: b, Center: mbtiles.Center{Lon: c[0], Lat: c[1], Zoom: 14}, MinZoom: 14, MaxZoom: 14,
		VectorLayers: []mbtiles.VectorLayer{{ID: "landuse", MinZoom: 14, MaxZoom: 14, Fields: map[string]string{"ma_dat": "String"}}},
	}, []tile{{int(tl.Z), int(tl.X), int(tl.Y), data}})
	out, err := exec.Command(ogrinfo, "-ro", "-al", "-q", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	for _, want := range []string{"Layer name: landuse", "ma_dat (String) = ODT", "POLYGON"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ogrinfo output lacks %q:\n%s", want, out)
		}
	}
}

// TestManyTiles crosses several internal batch transactions.
func TestManyTiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.mbtiles")
	w, err := mbtiles.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	contents := [][]byte{mbtiles.Gzip([]byte("forest")), mbtiles.Gzip([]byte("paddy")), mbtiles.Gzip([]byte("river"))}
	const n = 45000
	for i := range n {
		if err := w.PutTileGzipped(8, i%256, i/256, contents[i%3]); err != nil {
			t.Fatal(err)
		}
	}
	st := w.Stats()
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if st.Tiles != n || st.UniqueTiles != 3 || st.TilesByZoom[8] != n {
		t.Errorf("stats = %+v", st)
	}
	r := open(t, path)
	for _, i := range []int{0, 19999, 20000, 20001, 39999, 40000, n - 1} {
		gz, ok, err := r.Tile(context.Background(), 8, i%256, i/256)
		if err != nil || !ok || !bytes.Equal(gz, contents[i%3]) {
			t.Errorf("tile %d: ok=%v err=%v", i, ok, err)
		}
	}
	var count int
	if err := rawDB(t, path).QueryRow(`SELECT count(*) FROM tiles`).Scan(&count); err != nil || count != n {
		t.Errorf("tiles view has %d rows (%v), want %d", count, err, n)
	}
}
