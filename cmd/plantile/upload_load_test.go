package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/sonla-gis/plantile/pkg/catalog"
	"github.com/sonla-gis/plantile/pkg/config"
	"github.com/sonla-gis/plantile/pkg/server"
)

// loadReaders is how many clients read tiles and features during the
// uploads; loadCap bounds the requests of each.
const (
	loadReaders = 4
	loadCap     = 20000
	loadUploads = 20
)

// loadCounts are the load test's tallies.
type loadCounts struct {
	requests, tiles, tilejson, points, boxes, items, notModified atomic.Int64
	failed, mixed                                                atomic.Int64
	checkedByGeometry                                            atomic.Int64 // features whose geometry was checked too
	mu                                                           sync.Mutex
	examples                                                     []string // the first failures, for the log
}

func (c *loadCounts) bad(counter *atomic.Int64, format string, args ...any) {
	counter.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.examples) < 10 {
		c.examples = append(c.examples, fmt.Sprintf(format, args...))
	}
}

// reader is one client of the load test: it asks in turn for a tile (half
// of them conditional, with the ETag it got last time for that URL), the
// TileJSON, a point query, a box query and an OGC API items page, and
// checks that each answer is whole and of the one version its
// Plantile-Version header names.
type reader struct {
	base, layer, collection string
	tiles                   []maptile.Tile
	client                  *http.Client
	counts                  *loadCounts
	etags                   map[string][2]string // url -> ETag, version header
}

func (r *reader) get(url string, h map[string]string) (int, http.Header, []byte, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	res, err := r.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b, err
}

func (r *reader) one(i int) {
	c := r.counts
	c.requests.Add(1)
	var url string
	switch i % 5 {
	case 0:
		tile := r.tiles[(i/5)%len(r.tiles)]
		url = fmt.Sprintf("%s/tiles/%s/%d/%d/%d.pbf", r.base, r.layer, tile.Z, tile.X, tile.Y)
		h := map[string]string{}
		prev, conditional := r.etags[url]
		conditional = conditional && i%10 == 0
		if conditional {
			h["If-None-Match"] = prev[0]
		}
		st, hdr, body, err := r.get(url, h)
		c.tiles.Add(1)
		v := headerVersion(hdr.Get(server.VersionHeader), r.layer)
		switch {
		case err != nil:
			c.bad(&c.failed, "%s: %v", url, err)
		case st == http.StatusNotModified && conditional:
			c.notModified.Add(1)
			// The ETag matched: the tile is the one of the version it
			// was fetched with, so that must be the version answering.
			if pv := headerVersion(prev[1], r.layer); v != -1 && v != pv {
				c.bad(&c.mixed, "%s: 304 for the ETag of version %d, header says %d", url, pv, v)
			}
		case st != 200:
			c.bad(&c.failed, "%s: %d %.200s", url, st, body)
		default:
			attr, geom, err := tileVersions(body, tile)
			if err != nil || len(attr) == 0 {
				c.bad(&c.failed, "%s: undecodable or empty tile (%v)", url, err)
				return
			}
			if !allEqual(v, attr) || !allEqual(v, geom) {
				c.bad(&c.mixed, "%s: header version %d, features say %v, geometry %v", url, v, attr, geom)
			}
			c.checkedByGeometry.Add(int64(len(geom)))
			r.etags[url] = [2]string{hdr.Get("ETag"), hdr.Get(server.VersionHeader)}
		}
	case 1:
		url = r.base + "/tiles/" + r.layer + ".json"
		st, hdr, body, err := r.get(url, nil)
		c.tilejson.Add(1)
		if err != nil || st != 200 {
			c.bad(&c.failed, "%s: %d %v", url, st, err)
			return
		}
		if v := headerVersion(hdr.Get(server.VersionHeader), r.layer); v < 1 || versionOf(body, r.layer) != v {
			c.bad(&c.mixed, "%s: header %q, tile URLs name version %d", url, hdr.Get(server.VersionHeader), versionOf(body, r.layer))
		}
	default:
		counter := &c.points
		url = fmt.Sprintf("%s/query/point?lon=%v&lat=%v", r.base, squarePoint[0], squarePoint[1])
		want := 1
		if i%5 == 3 {
			counter, want = &c.boxes, 25
			url = fmt.Sprintf("%s/query/bbox?bbox=103.85,21.25,104.05,21.45&limit=100", r.base)
		} else if i%5 == 4 {
			counter, want = &c.items, 25
			url = fmt.Sprintf("%s/ogc/collections/%s/items?limit=100", r.base, r.collection)
		}
		counter.Add(1)
		st, hdr, body, err := r.get(url, nil)
		if err != nil || st != 200 {
			c.bad(&c.failed, "%s: %d %v %.200s", url, st, err, body)
			return
		}
		v := headerVersion(hdr.Get(server.VersionHeader), r.layer)
		attr, geom, member, err := featureVersions(body)
		if err != nil || len(attr) != want {
			c.bad(&c.failed, "%s: %d features (want %d), %v", url, len(attr), want, err)
			return
		}
		if !allEqual(v, attr) || !allEqual(v, geom) {
			c.bad(&c.mixed, "%s: header version %d, features say %v, geometry %v", url, v, attr, geom)
		}
		c.checkedByGeometry.Add(int64(len(geom)))
		for _, m := range member {
			if m != "" && headerVersion(m, r.layer) != v {
				c.bad(&c.mixed, "%s: header version %d, a feature's version member %q", url, v, m)
				break
			}
		}
	}
}

func allEqual(v int, got []int) bool {
	for _, g := range got {
		if g != v {
			return false
		}
	}
	return v >= 1
}

// fileState identifies a version file's bytes and inode, to tell that it
// was never rewritten.
type fileState struct {
	sum     string
	size    int64
	mtime   int64 // ns
	inode   uint64
	present bool
}

func stateOf(t *testing.T, path string) fileState {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		return fileState{}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	st := fileState{sum: hex.EncodeToString(sum[:]), size: fi.Size(), mtime: fi.ModTime().UnixNano(), present: true}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.inode = sys.Ino
	}
	return st
}

// TestUploadsUnderLoad publishes a layer 20 times and rolls it back 10
// times over HTTP while clients keep reading its tiles and features, and
// counts zero failed and zero mixed-version answers: every tile, query
// and items page is of the one version its Plantile-Version header names
// (the ver attribute and the geometry's shift of every feature say which
// version it is). Then it checks item 5 of the upload workflow: each
// version is its own file, never rewritten; the newest KeepVersions stay
// available for rollback and older ones are retired with their files;
// a rollback is a catalog change (no file appears, it answers in
// milliseconds, far quicker than a publish); the raw uploads are kept
// under sources/ by their SHA-256. make test runs it under -race.
func TestUploadsUnderLoad(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	cfg := config.Default()
	cfg.Listen, cfg.CacheDir, cfg.DataDir = "127.0.0.1:0", t.TempDir(), data
	cfg.KeepVersions = 3                                     // not the default (5): the setting is what the catalog keeps
	m := &Main{Config: cfg, Embedded: os.DirFS(t.TempDir())} // no bundled demo
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	admin := catalog.System("test")
	if _, err := m.Catalog().AddOrg(ctx, admin, "phuong-to-hieu", "Phường Tô Hiệu", catalog.KindWard); err != nil {
		t.Fatal(err)
	}
	_, token, err := m.Catalog().AddToken(ctx, admin, "phuong-to-hieu", false, "load test")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loadReaders + 2}, Timeout: time.Minute}
	api := &apiClient{t: t, base: m.URL(), token: token, http: client}
	const layer = "quy-hoach-to-hieu"
	layerDir := filepath.Join(data, "layers", layer)

	uploads := map[int][]byte{} // version -> the bytes uploaded
	files := map[int]fileState{}
	publish := func(n int) time.Duration {
		t.Helper()
		uploads[n] = squares(n)
		t0 := time.Now()
		if got := api.publish(layer, "Quy hoạch phường Tô Hiệu", uploads[n]); got != n {
			t.Fatalf("upload %d became version %d", n, got)
		}
		took := time.Since(t0)
		files[n] = stateOf(t, filepath.Join(layerDir, fmt.Sprintf("%s.v%d.mbtiles", layer, n)))
		return took
	}
	publish(1)

	// What the readers ask for: the tiles holding each square's centre at
	// two zooms, and the OGC API collection of the layer.
	res, body := get(t, m.URL()+"/tiles/"+layer+".json")
	var tj struct{ MinZoom, MaxZoom int }
	if res.StatusCode != 200 || json.Unmarshal(body, &tj) != nil {
		t.Fatalf("TileJSON: %d %s", res.StatusCode, body)
	}
	var tiles []maptile.Tile
	for _, z := range []int{min(max(12, tj.MinZoom), tj.MaxZoom), tj.MaxZoom} {
		for row := range 5 {
			for col := range 5 {
				p := orb.Point{squareLon0 + float64(col)*squareStep + squareSize/2, squareLat0 + float64(row)*squareStep + squareSize/2}
				if tile := maptile.At(p, maptile.Zoom(z)); !slices.Contains(tiles, tile) {
					tiles = append(tiles, tile)
				}
			}
		}
	}
	res, body = get(t, m.URL()+"/ogc/collections?f=json")
	var cols struct{ Collections []struct{ ID string } }
	if res.StatusCode != 200 || json.Unmarshal(body, &cols) != nil || len(cols.Collections) != 1 {
		t.Fatalf("OGC collections: %d %s", res.StatusCode, body)
	}

	counts := &loadCounts{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for k := range loadReaders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &reader{base: m.URL(), layer: layer, collection: cols.Collections[0].ID, tiles: tiles, client: client, counts: counts, etags: map[string][2]string{}}
			for i := k; i < k+loadCap; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r.one(i)
			}
		}()
	}

	// 20 uploads; after every other one, a rollback to the version
	// before it. Each swap happens under the readers.
	var publishes, rollbacks []time.Duration
	t0 := time.Now()
	for n := 2; n <= loadUploads+1; n++ {
		publishes = append(publishes, publish(n))
		if n%2 == 0 {
			t1 := time.Now()
			if st, b := api.rollback(layer, n-1); st != 200 {
				t.Fatalf("rollback to %d: %d %s", n-1, st, b)
			}
			rollbacks = append(rollbacks, time.Since(t1))
		}
	}
	close(stop)
	wg.Wait()
	took := time.Since(t0)
	t.Logf("load: %d uploads and %d rollbacks in %s under %d readers: %d requests (%d tiles, %d of them 304; %d TileJSON; %d point queries; %d box queries; %d OGC items pages; %d features checked by geometry too): %d failed, %d mixed-version",
		loadUploads, len(rollbacks), took.Round(time.Millisecond), loadReaders, counts.requests.Load(), counts.tiles.Load(), counts.notModified.Load(),
		counts.tilejson.Load(), counts.points.Load(), counts.boxes.Load(), counts.items.Load(), counts.checkedByGeometry.Load(), counts.failed.Load(), counts.mixed.Load())
	for _, e := range counts.examples {
		t.Error(e)
	}
	if counts.checkedByGeometry.Load() == 0 {
		t.Error("no feature's geometry was checked")
	}
	if counts.requests.Load() < 10*int64(loadUploads) {
		t.Errorf("only %d requests during the uploads: the readers did not keep up", counts.requests.Load())
	}

	// Item 5. The catalog keeps KeepVersions published versions, each its
	// own file, never rewritten since it was published; the others are
	// retired and their files are gone.
	vs, err := m.Catalog().Versions(ctx, layer)
	if err != nil {
		t.Fatal(err)
	}
	l, err := m.Catalog().Layer(ctx, layer)
	if err != nil {
		t.Fatal(err)
	}
	var kept []int
	for _, v := range vs {
		path := m.Catalog().Path(v.File)
		now := stateOf(t, path)
		switch v.Status {
		case catalog.Published:
			kept = append(kept, v.Number)
			if now != files[v.Number] {
				t.Errorf("version %d's file changed after it was published: %+v, was %+v", v.Number, now, files[v.Number])
			}
		case catalog.Retired:
			if now.present {
				t.Errorf("retired version %d still has its file", v.Number)
			}
		default:
			t.Errorf("version %d is %s", v.Number, v.Status)
		}
		// The raw upload, content-addressed.
		sum := sha256.Sum256(uploads[v.Number])
		hash := hex.EncodeToString(sum[:])
		src, err := os.ReadFile(m.Catalog().Path(catalog.SourceFile(hash)))
		if v.SourceHash != hash || err != nil || !bytes.Equal(src, uploads[v.Number]) {
			t.Errorf("version %d: source hash %s, the upload's %s; kept under sources/: %v", v.Number, v.SourceHash, hash, err)
		}
	}
	if len(kept) != cfg.KeepVersions || !slices.Contains(kept, l.CurrentVersion) {
		t.Errorf("published versions %v (current %d), want keep_versions (%d) with the current one", kept, l.CurrentVersion, cfg.KeepVersions)
	}
	var names []string
	for _, n := range kept {
		names = append(names, fmt.Sprintf("%s.v%d.mbtiles", layer, n))
	}
	slices.Sort(names)
	if got := dirNames(t, layerDir); !slices.Equal(got, names) {
		t.Errorf("files of %s: %v, want %v", layer, got, names)
	}

	// Rollback to each kept version: a catalog change. No file appears
	// or changes anywhere in the data directory, the catalog records a
	// rollback and no new version, and it is served at once.
	before := treeState(t, data)
	var quiet []time.Duration
	for _, n := range kept {
		if n == l.CurrentVersion {
			continue
		}
		t1 := time.Now()
		if st, b := api.rollback(layer, n); st != 200 {
			t.Errorf("rollback to kept version %d: %d %s", n, st, b)
			continue
		}
		quiet = append(quiet, time.Since(t1))
		if res, _ := get(t, m.URL()+"/tiles/"+layer+".json"); headerVersion(res.Header.Get(server.VersionHeader), layer) != n {
			t.Errorf("after rollback to %d, served %q", n, res.Header.Get(server.VersionHeader))
		}
	}
	retired := slices.Min(kept) - 1
	if st, b := api.rollback(layer, retired); st != http.StatusConflict {
		t.Errorf("rollback to retired version %d: %d %s, want 409", retired, st, b)
	}
	if after := treeState(t, data); !maps.Equal(before, after) {
		t.Errorf("rollbacks changed the files of the data directory:\nbefore %v\nafter  %v", before, after)
	}
	audit, err := m.Catalog().Audit(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, e := range audit {
		if strings.HasPrefix(e.Target, "layer:"+layer) {
			actions[e.Action]++
		}
	}
	if actions["version.add"] != loadUploads+1 || actions["layer.rollback"] != len(rollbacks)+len(quiet) {
		t.Errorf("audit: %d versions added, %d rollbacks; want %d and %d", actions["version.add"], actions["layer.rollback"], loadUploads+1, len(rollbacks)+len(quiet))
	}
	// Timing is reported, and bounded loosely for the rollbacks without
	// readers: a rollback swaps in a file that exists (the registry
	// copies and loads it), so it takes milliseconds; a loaded machine
	// under -race stretches that, not to seconds. What shows that nothing
	// is rebuilt is above: no file written, no version added.
	slices.Sort(publishes)
	slices.Sort(rollbacks)
	slices.Sort(quiet)
	t.Logf("publish of 25 features (upload to job succeeded): median %s; rollback under load: median %s, slowest %s; rollback without readers: median %s, slowest %s",
		publishes[len(publishes)/2].Round(time.Millisecond), rollbacks[len(rollbacks)/2].Round(time.Millisecond), rollbacks[len(rollbacks)-1].Round(time.Millisecond),
		quiet[len(quiet)/2].Round(time.Millisecond), quiet[len(quiet)-1].Round(time.Millisecond))
	if slow := quiet[len(quiet)-1]; slow > 2*time.Second {
		t.Errorf("a rollback took %s: a catalog change and a swap should take milliseconds", slow)
	}
}

// treeState maps every file under dir except the catalog database (which
// a rollback writes) to its identity.
func treeState(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if rel == catalog.FileName || rel == catalog.FileName+"-wal" || rel == catalog.FileName+"-shm" {
			return nil
		}
		out[rel] = stateOf(t, path)
		return nil
	})
	return out
}
