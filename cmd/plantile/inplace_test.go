package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // VACUUM the served file in place, as an operator's sqlite3 would
	"github.com/paulmach/orb/encoding/mvt"

	"github.com/sonla-gis/plantile/pkg/server/servertest"
)

// buildBinary builds plantile into a temporary directory: the bugs of a
// served file changed in place killed the process, so the process is what
// is tested.
func buildBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("PLANTILE_TEST_BIN"); bin != "" {
		return bin // to check a test against another build
	}
	bin := filepath.Join(t.TempDir(), "plantile")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// binaryServer is `plantile serve` running as a child process.
type binaryServer struct {
	cmd    *exec.Cmd
	base   string
	stderr *syncBuffer
	exited chan struct{}
}

func startBinary(t *testing.T, bin string, args ...string) *binaryServer {
	t.Helper()
	s := &binaryServer{stderr: &syncBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	s.cmd.Stderr = s.stderr
	s.cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "PLANTILE_RELOAD_SETTLE=300ms")
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(20 * time.Second):
			s.cmd.Process.Kill()
		}
	})
	re := regexp.MustCompile(`listen=(127\.0\.0\.1:\d+)`)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := re.FindStringSubmatch(s.stderr.String()); m != nil {
			s.base = "http://" + m[1]
			return s
		}
		select {
		case <-s.exited:
			t.Fatalf("serve exited: %v\n%s", s.cmd.ProcessState, s.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no listen address logged:\n%s", s.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive fails the test if the process has exited.
func (s *binaryServer) alive(t *testing.T) {
	t.Helper()
	select {
	case <-s.exited:
		t.Fatalf("the server died: %v\nstderr:\n%s", s.cmd.ProcessState, tail(s.stderr.String(), 3000))
	default:
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// served returns the "description" of the tileset's TileJSON ("servertest
// VERSION"), or "" when it cannot be fetched.
func (s *binaryServer) served(name string) string {
	res, err := http.Get(s.base + "/tiles/" + name + ".json")
	if err != nil {
		return ""
	}
	defer res.Body.Close()
	var tj struct{ Description string }
	if json.NewDecoder(res.Body).Decode(&tj) != nil {
		return ""
	}
	return tj.Description
}

func (s *binaryServer) waitServed(t *testing.T, name, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for s.served(name) != want {
		s.alive(t)
		if time.Now().After(deadline) {
			t.Fatalf("%s not served as %q (now %q):\n%s", name, want, s.served(name), tail(s.stderr.String(), 3000))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServedFileChangedInPlace: a served .mbtiles overwritten in place by
// cp (which truncates the same inode), truncated, rewritten slowly without
// truncation (rsync --inplace) and VACUUMed in place, all while clients
// read tiles with the tile cache off. It used to kill the server with
// SIGBUS (the file was memory-mapped) and give 503s during VACUUM. Now
// every answer is a whole tile of the old or the new version and the
// process lives.
func TestServedFileChangedInPlace(t *testing.T) {
	for _, tool := range []string{"cp", "truncate"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
	}
	bin := buildBinary(t)
	dir, src := t.TempDir(), t.TempDir()
	spec := func(v string) servertest.Spec {
		return servertest.Spec{MinZoom: 8, MaxZoom: 14, Version: v}
	}
	v1, v2 := filepath.Join(src, "v1.mbtiles"), filepath.Join(src, "v2.mbtiles")
	w, err := servertest.WriteTileset(v1, spec("v1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := servertest.WriteTileset(v2, spec("v2")); err != nil {
		t.Fatal(err)
	}
	served := filepath.Join(dir, "plan.mbtiles")
	runTool(t, "cp", v1, served)
	s := startBinary(t, bin, "--tiles", dir, "--cache-dir", t.TempDir(), "--tile-cache-mb", "0",
		"--reload-interval", "100ms", "--access-log=false")
	s.waitServed(t, "plan", "servertest v1")

	var stop atomic.Bool
	var mu sync.Mutex
	statuses := map[int]int{}
	versions := map[string]int{}
	var failures []string
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second}
			for i := g; !stop.Load(); i++ {
				tl := w.Tiles[i%len(w.Tiles)]
				res, err := client.Get(fmt.Sprintf("%s/tiles/plan/%d/%d/%d.pbf", s.base, tl.Z, tl.X, tl.Y))
				if err != nil {
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
					time.Sleep(50 * time.Millisecond)
					continue
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				v := "-"
				if res.StatusCode == 200 {
					v = tileVersion(b)
				}
				mu.Lock()
				statuses[res.StatusCode]++
				if res.StatusCode == 200 {
					versions[v]++
				} else if res.StatusCode >= 500 {
					failures = append(failures, fmt.Sprintf("%d: %s", res.StatusCode, b))
				}
				mu.Unlock()
			}
		}()
	}

	// cp truncates the inode it writes: hold it empty for a while first,
	// as a slow copy would.
	runTool(t, "truncate", "-s", "0", served)
	time.Sleep(500 * time.Millisecond)
	s.alive(t)
	runTool(t, "cp", v2, served)
	s.waitServed(t, "plan", "servertest v2")
	runTool(t, "cp", v1, served)
	s.waitServed(t, "plan", "servertest v1")
	// rsync --inplace: the new content written over the old in chunks,
	// then the file cut to size.
	slowOverwrite(t, v2, served)
	s.waitServed(t, "plan", "servertest v2")
	// VACUUM in place (rewrites every page of the same file).
	before := strings.Count(s.stderr.String(), "tileset replaced")
	vacuum(t, served)
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(s.stderr.String(), "tileset replaced") == before {
		s.alive(t)
		if time.Now().After(deadline) {
			t.Fatalf("VACUUMed file not reloaded:\n%s", tail(s.stderr.String(), 3000))
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	s.alive(t)

	mu.Lock()
	defer mu.Unlock()
	t.Logf("statuses %v, versions %v", statuses, versions)
	if len(failures) > 0 {
		t.Errorf("%d failed requests, first: %s", len(failures), failures[0])
	}
	for st := range statuses {
		if st != 200 {
			t.Errorf("%d answers with status %d", statuses[st], st)
		}
	}
	for v := range versions {
		if v != "v1" && v != "v2" {
			t.Errorf("%d tiles of version %q", versions[v], v)
		}
	}
	if versions["v1"] == 0 || versions["v2"] == 0 {
		t.Errorf("versions served %v, want both", versions)
	}
	if !strings.Contains(s.stderr.String(), "refused") {
		t.Errorf("the empty file was not reported as refused:\n%s", tail(s.stderr.String(), 3000))
	}
}

func runTool(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// slowOverwrite writes src over dst in place in 4 KiB chunks with pauses,
// then truncates dst to src's size.
func slowOverwrite(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(dst, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const chunk = 4096
	for off := 0; off < len(b); off += chunk {
		if _, err := f.WriteAt(b[off:min(off+chunk, len(b))], int64(off)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := f.Truncate(int64(len(b))); err != nil {
		t.Fatal(err)
	}
}

func vacuum(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`VACUUM`); err != nil {
		t.Fatal(err)
	}
}

// tileVersion decodes a gzipped or plain MVT tile and returns the
// "version" property of its first feature, or "undecodable".
func tileVersion(b []byte) string {
	var ls mvt.Layers
	var err error
	if len(b) > 1 && b[0] == 0x1f && b[1] == 0x8b {
		ls, err = mvt.UnmarshalGzipped(b)
	} else {
		ls, err = mvt.Unmarshal(b)
	}
	if err != nil {
		return "undecodable"
	}
	for _, l := range ls {
		for _, f := range l.Features {
			if v, ok := f.Properties["version"].(string); ok {
				return v
			}
		}
	}
	return "none"
}
