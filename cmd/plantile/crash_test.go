package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb/maptile"

	"github.com/sonla-gis/plantile/pkg/catalog"
	"github.com/sonla-gis/plantile/pkg/server"
)

// crashParcels is the size of the upload the crash test kills: enough
// parcels that reading and tiling last a few seconds, so that polling the
// job catches it in the middle.
const crashParcels = 20000

// servedState is what a client sees of a layer: the version header of its
// TileJSON, one tile's bytes and a point query's answer.
type servedState struct {
	version string
	tile    []byte
	query   []byte
}

// served fetches the served state of layer from base: the TileJSON, the
// tile holding squarePoint at zoom 12 (or the nearest zoom the layer has)
// and /query/point at squarePoint. Every request must succeed.
func served(t *testing.T, base, layer string) servedState {
	t.Helper()
	res, body := get(t, base+"/tiles/"+layer+".json")
	if res.StatusCode != 200 {
		t.Fatalf("TileJSON of %s: %d %s", layer, res.StatusCode, body)
	}
	var tj struct{ MinZoom, MaxZoom int }
	if err := json.Unmarshal(body, &tj); err != nil {
		t.Fatal(err)
	}
	s := servedState{version: res.Header.Get(server.VersionHeader)}
	z := maptile.Zoom(min(max(12, tj.MinZoom), tj.MaxZoom))
	tile := maptile.At(squarePoint, z)
	res, s.tile = get(t, fmt.Sprintf("%s/tiles/%s/%d/%d/%d.pbf", base, layer, tile.Z, tile.X, tile.Y))
	if res.StatusCode != 200 || res.Header.Get(server.VersionHeader) != s.version {
		t.Fatalf("tile %v of %s: %d, version %q (TileJSON %q)", tile, layer, res.StatusCode, res.Header.Get(server.VersionHeader), s.version)
	}
	res, s.query = get(t, fmt.Sprintf("%s/query/point?lon=%v&lat=%v", base, squarePoint[0], squarePoint[1]))
	if res.StatusCode != 200 || !bytes.Contains(s.query, []byte(`"ver":`)) {
		t.Fatalf("query/point: %d %s", res.StatusCode, s.query)
	}
	return s
}

// killWhen polls job id every few milliseconds until ready says the
// moment has come, then kills the server with SIGKILL and waits for it to
// be gone. It returns the job as last seen alive.
func killWhen(t *testing.T, s *binaryServer, api *apiClient, id string, ready func(job) bool) job {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		j, err := api.job(id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == "succeeded" || j.State == "failed" {
			t.Fatalf("job %s ended (%+v) before the kill: make the upload bigger", id, j)
		}
		if ready(j) {
			kill(t, s)
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s never reached the moment to kill; last %+v", id, j)
		}
		time.Sleep(3 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func kill(t *testing.T, s *binaryServer) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the killed server did not exit")
	}
}

// hiddenFiles lists the hidden entries (writers' temporary files) under
// dir, relative to it.
func hiddenFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != dir && strings.HasPrefix(d.Name(), ".") {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// versionStatus reads version n of layer from the catalog, as a second
// process (like plantile admin) may.
func versionStatus(t *testing.T, data, layer string, n int) catalog.Version {
	t.Helper()
	cat, err := catalog.Open(data, catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	vs, err := cat.Versions(context.Background(), layer)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Number == n {
			return v
		}
	}
	t.Fatalf("layer %s has no version %d: %+v", layer, n, vs)
	return catalog.Version{}
}

// interrupted checks that job id reads failed with the interrupted reason.
func interrupted(t *testing.T, api *apiClient, id string) {
	t.Helper()
	j, err := api.job(id)
	if err != nil {
		t.Fatal(err)
	}
	var rs []struct{ Cause string }
	json.Unmarshal(j.Reasons, &rs)
	if j.State != "failed" || len(rs) == 0 || !strings.HasPrefix(rs[0].Cause, "interrupted") {
		t.Errorf("job %s after the restart: %+v, want failed, interrupted", id, j)
	}
}

// TestCrashDuringPublish kills `plantile serve` with SIGKILL in the middle
// of publishing an upload, twice: while it tiles (or writes) the new
// version, and between the version file's rename and the catalog commit
// that would make it current. After each restart on the same data
// directory the previous version serves intact (same Plantile-Version,
// same tile bytes, same /query/point answer, right away: startup loads
// every published layer's index before listening), the job reads failed
// as interrupted, the version is failed, no file of it and no temporary
// file is left anywhere under the data directory, and a new upload
// publishes. A third kill, after the catalog commit and before the job's
// last update, leaves the new version serving and its job succeeded.
func TestCrashDuringPublish(t *testing.T) {
	bin := plantileBin(t)
	data := filepath.Join(t.TempDir(), "data")
	c := &cli{t: t, bin: bin, data: data}
	c.ok("", "admin", "org", "add", "so-xay-dung", "--name", "Sở Xây dựng", "--kind", "department")
	token := strings.TrimSpace(c.ok("", "admin", "token", "add", "--org", "so-xay-dung").stdout)
	const layer = "quy-hoach"
	layerDir := filepath.Join(data, "layers", layer)
	big := parcels(t, crashParcels)
	t.Logf("the killed upload: %d parcels, %d bytes of GeoJSON", crashParcels, len(big))

	s := startBinary(t, bin, "--data", data)
	api := &apiClient{t: t, base: s.base, token: token, http: http.DefaultClient}
	if n := api.publish(layer, "Quy hoạch thử nghiệm", squares(1)); n != 1 {
		t.Fatalf("first upload is version %d", n)
	}
	before := served(t, s.base, layer)
	if headerVersion(before.version, layer) != 1 {
		t.Fatalf("served %q, want %s@v1", before.version, layer)
	}
	same := func(phase string) {
		t.Helper()
		after := served(t, s.base, layer)
		if after.version != before.version || !bytes.Equal(after.tile, before.tile) || !bytes.Equal(after.query, before.query) {
			t.Errorf("%s: the previous version does not serve intact: version %q (was %q), tile same %v, query same %v",
				phase, after.version, before.version, bytes.Equal(after.tile, before.tile), bytes.Equal(after.query, before.query))
		}
	}
	clean := func(phase string, failed int) {
		t.Helper()
		if h := hiddenFiles(t, data); len(h) > 0 {
			t.Errorf("%s: temporary files left under the data directory: %v", phase, h)
		}
		if names := dirNames(t, layerDir); !slices.Equal(names, []string{layer + ".v1.mbtiles"}) {
			t.Errorf("%s: files of %s: %v, want version 1's only", phase, layer, names)
		}
		if v := versionStatus(t, data, layer, failed); v.Status != catalog.Failed {
			t.Errorf("%s: version %d is %s, want failed", phase, failed, v.Status)
		}
	}

	// 1. SIGKILL while the new version is being tiled or written.
	id := api.upload(layer, "", big)
	seen := killWhen(t, s, api, id, func(j job) bool { return j.State == "running" && (j.Step == "tile" || j.Step == "write") })
	left := hiddenFiles(t, data)
	t.Logf("killed during %s %d/%d; left behind: %v", seen.Step, seen.Done, seen.Total, left)
	if len(left) == 0 {
		t.Errorf("the kill left no temporary file: it did not land in the middle of writing the version")
	}
	s = startBinary(t, bin, "--data", data)
	api.base = s.base
	same("after a kill while tiling")
	interrupted(t, api, id)
	clean("after a kill while tiling", 2)

	// 2. SIGKILL between the rename of the version file and the catalog
	// commit: once the job says it writes, the test holds the catalog's
	// write lock (another process may, SQLite makes the server wait), so
	// the server finishes the file, renames it into place and then waits
	// on the commit; the test kills it then.
	id = api.upload(layer, "", big)
	db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: filepath.Join(data, catalog.FileName)}).EscapedPath()+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	file := filepath.Join(layerDir, fmt.Sprintf("%s.v3.mbtiles", layer))
	locked := false
	var waited time.Duration
	seen = killWhen(t, s, api, id, func(j job) bool {
		if !locked && j.State == "running" && j.Step == "write" {
			if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
				t.Fatal(err)
			}
			locked = true
		}
		if !locked {
			return false
		}
		t0 := time.Now()
		for range 2000 { // the file appears within the 10 s the server waits for the lock
			if _, err := os.Stat(file); err == nil {
				waited = time.Since(t0)
				return true
			}
			time.Sleep(2 * time.Millisecond)
		}
		t.Fatalf("%s did not appear while the catalog was locked", file)
		return false
	})
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if v := versionStatus(t, data, layer, 3); v.Status != catalog.Building {
		t.Fatalf("killed with version 3 %s, want building: the kill missed the window between the rename and the commit", v.Status)
	}
	t.Logf("killed during %s %d/%d with %s renamed into place (%s after the catalog was locked) and version 3 building",
		seen.Step, seen.Done, seen.Total, filepath.Base(file), waited.Round(time.Millisecond))
	s = startBinary(t, bin, "--data", data)
	api.base = s.base
	same("after a kill before the catalog commit")
	interrupted(t, api, id)
	clean("after a kill before the catalog commit", 3)

	// The server publishes again after both crashes.
	if n := api.publish(layer, "", squares(4)); n != 4 {
		t.Errorf("the upload after the crashes is version %d, want 4", n)
	}
	if got := served(t, s.base, layer).version; headerVersion(got, layer) != 4 {
		t.Errorf("served %q after a new upload, want version 4", got)
	}

	// 3. SIGKILL after the catalog commit, before the job records it:
	// the test locks the catalog as soon as version 5 reads published
	// (the server is then swapping it in), so the job's last update
	// waits. After the restart version 5 serves and its job reads
	// succeeded.
	id = api.upload(layer, "", big)
	var state string
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(2 * time.Millisecond) {
		var st string
		err := conn.QueryRowContext(context.Background(), `SELECT status FROM versions WHERE layer = ? AND number = 5`, layer).Scan(&st)
		if err != nil && err != sql.ErrNoRows {
			t.Fatal(err)
		}
		if st == string(catalog.Published) {
			if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
				t.Fatal(err)
			}
			if err := conn.QueryRowContext(context.Background(), `SELECT state FROM jobs WHERE id = ?`, id).Scan(&state); err != nil {
				t.Fatal(err)
			}
			kill(t, s)
			break
		}
		if st == string(catalog.Failed) || time.Now().After(deadline) {
			t.Fatalf("version 5 is %q", st)
		}
	}
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if state != "running" {
		// Not a failure of the server: the job was recorded before the
		// lock; the checks below still hold.
		t.Logf("the job was %s already when the catalog was locked: the kill came after the job's last update", state)
	} else {
		t.Logf("killed with version 5 published and its job still running")
	}
	s = startBinary(t, bin, "--data", data)
	api.base = s.base
	if res, _ := get(t, s.base+"/tiles/"+layer+".json"); headerVersion(res.Header.Get(server.VersionHeader), layer) != 5 {
		got := res.Header.Get(server.VersionHeader)
		t.Errorf("served %q after a kill after the commit, want version 5", got)
	}
	if j, err := api.job(id); err != nil || j.State != "succeeded" || j.Version != 5 {
		t.Errorf("job of version 5 after the restart: %+v (%v), want succeeded", j, err)
	}
	if h := hiddenFiles(t, data); len(h) > 0 {
		t.Errorf("temporary files left under the data directory: %v", h)
	}
	want := []string{layer + ".v1.mbtiles", layer + ".v4.mbtiles", layer + ".v5.mbtiles"}
	if names := dirNames(t, layerDir); !slices.Equal(names, want) {
		t.Errorf("files of %s: %v, want %v", layer, names, want)
	}
}
