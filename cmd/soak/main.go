// Command soak runs `plantile serve` under mixed load on loopback while
// its tilesets are replaced in every way operators do (rename, cp, VACUUM
// in place, a broken file dropped in), and checks that it survives: no
// crash, no 5xx, resident memory flat within 20 % after warm-up. `make
// soak` runs it for SOAK_DURATION (default 10m). It is bounded: a fixed
// number of client goroutines, a fixed duration, loopback only.
package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/mattn/go-sqlite3" // VACUUM in place, as an operator would
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/sonla-gis/plantile/pkg/server/servertest"
)

func main() {
	bin := flag.String("bin", "bin/plantile", "the plantile binary")
	duration := flag.Duration("duration", 10*time.Minute, "how long to run")
	clients := flag.Int("clients", 8, "concurrent clients")
	every := flag.Duration("replace-every", 3*time.Second, "pause between tileset replacements")
	seed := flag.Uint64("seed", uint64(time.Now().UnixNano()), "random seed")
	flag.Parse()
	fmt.Printf("soak: seed %d, duration %s, %d clients, a replacement every %s\n", *seed, *duration, *clients, *every)
	if err := run(*bin, *duration, *clients, *every, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "soak: FAIL:", err)
		os.Exit(1)
	}
	fmt.Println("soak: PASS")
}

// province is roughly Son La province (lon/lat).
var province = orb.Bound{Min: orb.Point{103.0, 20.6}, Max: orb.Point{105.0, 22.0}}

func run(bin string, duration time.Duration, clients int, every time.Duration, seed uint64) error {
	work, err := os.MkdirTemp("", "plantile-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	tiles, src := filepath.Join(work, "tiles"), filepath.Join(work, "src")
	os.MkdirAll(tiles, 0o755)
	os.MkdirAll(src, 0o755)
	var written []maptile.Tile
	for _, v := range []string{"v1", "v2"} {
		w, err := servertest.WriteTileset(filepath.Join(src, v+".mbtiles"), servertest.Spec{MinZoom: 6, MaxZoom: 12, Bounds: province, Version: v})
		if err != nil {
			return err
		}
		written = w.Tiles
	}
	names := []string{"renamed", "copied", "vacuumed", "inplace"}
	for _, n := range names {
		if err := exec.Command("cp", filepath.Join(src, "v1.mbtiles"), filepath.Join(tiles, n+".mbtiles")).Run(); err != nil {
			return err
		}
	}

	var stderr bytes.Buffer
	var errMu sync.Mutex
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--tiles", tiles, "--cache-dir", filepath.Join(work, "cache"),
		"--reload-interval", "500ms", "--access-log=false")
	cmd.Env = append(os.Environ(), "PLANTILE_RELOAD_SETTLE=1s")
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); pw.Close() }()
	addr := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`listen=(127\.0\.0\.1:\d+)`)
		sc := bufio.NewScanner(pr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			errMu.Lock()
			stderr.WriteString(line + "\n")
			errMu.Unlock()
			if m := re.FindStringSubmatch(line); m != nil && !sent {
				addr <- m[1]
				sent = true
			}
		}
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case err := <-exited:
		return fmt.Errorf("serve exited at start: %v", err)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		return fmt.Errorf("serve did not start")
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var (
		mu       sync.Mutex
		statuses = map[string]map[int]int{} // kind -> status -> count
		fails    = map[string]int{}
		total    atomic.Int64
	)
	record := func(kind string, status int, body []byte) {
		mu.Lock()
		defer mu.Unlock()
		if statuses[kind] == nil {
			statuses[kind] = map[int]int{}
		}
		statuses[kind][status]++
		if status >= 500 {
			fails[fmt.Sprintf("%s %d %.200s", kind, status, body)]++
		}
	}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(c)))
			client := &http.Client{Timeout: 30 * time.Second}
			fonts := []string{"Noto%20Sans%20Regular", "Noto%20Sans%20Bold", "Open%20Sans%20Regular,Noto%20Sans%20Bold", fmt.Sprintf("Invented%%20%d", c)}
			for ctx.Err() == nil {
				var kind, path string
				hdr := ""
				switch p := rng.IntN(100); {
				case p < 75:
					kind = "tile"
					tl := written[rng.IntN(len(written))]
					path = fmt.Sprintf("/tiles/%s/%d/%d/%d.pbf", names[rng.IntN(len(names))], tl.Z, tl.X, tl.Y)
					if rng.IntN(3) > 0 {
						hdr = "gzip"
					}
				case p < 85:
					kind = "tilejson"
					path = "/tiles/" + names[rng.IntN(len(names))] + ".json"
				default:
					kind = "glyphs"
					start := []int{0, 256, 768, 7680}[rng.IntN(4)]
					path = fmt.Sprintf("/fonts/%s/%d-%d.pbf", fonts[rng.IntN(len(fonts))], start, start+255)
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
				if hdr != "" {
					req.Header.Set("Accept-Encoding", hdr)
				}
				res, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						mu.Lock()
						fails["transport: "+err.Error()]++
						mu.Unlock()
					}
					continue
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				total.Add(1)
				record(kind, res.StatusCode, body)
			}
		}()
	}

	// The operator: one replacement every `every`, in turn.
	actions := map[string]int{}
	var opErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		tk := time.NewTicker(every)
		defer tk.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
			}
			v := filepath.Join(src, []string{"v1", "v2"}[(i/5)%2]+".mbtiles")
			var err error
			var what string
			switch i % 5 {
			case 0:
				what = "rename"
				tmp := filepath.Join(tiles, ".renamed.mbtiles.tmp")
				if err = exec.Command("cp", v, tmp).Run(); err == nil {
					err = os.Rename(tmp, filepath.Join(tiles, "renamed.mbtiles"))
				}
			case 1:
				what = "cp"
				err = exec.Command("cp", v, filepath.Join(tiles, "copied.mbtiles")).Run()
			case 2:
				what = "vacuum"
				err = vacuum(filepath.Join(tiles, "vacuumed.mbtiles"))
			case 3:
				what = "inplace"
				err = overwrite(v, filepath.Join(tiles, "inplace.mbtiles"))
			case 4:
				what = "broken"
				b := make([]byte, 4096+i)
				for j := range b {
					b[j] = byte(j * 31)
				}
				copy(b, "SQLite format 3\x00") // looks like SQLite, is not
				err = os.WriteFile(filepath.Join(tiles, "broken.mbtiles"), b, 0o644)
			}
			if err != nil {
				opErr = fmt.Errorf("%s: %w", what, err)
				cancel()
				return
			}
			actions[what]++
		}
	}()

	// Memory: the server's resident set every 5 s; the baseline is taken
	// once a tenth of the run (at least 30 s) has warmed the caches.
	type sample struct {
		at  time.Duration
		rss int64
	}
	var samples []sample
	start := time.Now()
	warm := max(duration/10, 30*time.Second)
	if warm > duration/2 {
		warm = duration / 2
	}
	crashed := false
	tk := time.NewTicker(5 * time.Second)
loop:
	for {
		select {
		case err := <-exited:
			crashed = true
			exited <- err
			cancel()
			break loop
		case <-ctx.Done():
			break loop
		case <-tk.C:
			if rss, err := rssKB(cmd.Process.Pid); err == nil {
				samples = append(samples, sample{time.Since(start), rss})
			}
		}
	}
	tk.Stop()
	wg.Wait()
	if !crashed {
		select {
		case err := <-exited:
			crashed = true
			exited <- err
		default:
		}
	}

	var base0, peak, last int64
	for _, s := range samples {
		if s.at >= warm && base0 == 0 {
			base0 = s.rss
		}
		if base0 != 0 {
			peak = max(peak, s.rss)
			last = s.rss
		}
	}
	fmt.Printf("soak: %d requests in %s (%.0f/s)\n", total.Load(), time.Since(start).Round(time.Second), float64(total.Load())/time.Since(start).Seconds())
	kinds := make([]string, 0, len(statuses))
	for k := range statuses {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Printf("soak:   %-9s %v\n", k, statuses[k])
	}
	fmt.Printf("soak: replacements %v\n", actions)
	fmt.Printf("soak: RSS after %s warm-up %d KiB, peak after %d KiB (%+.1f %%), last %d KiB (%+.1f %%)\n",
		warm, base0, peak, pct(peak, base0), last, pct(last, base0))
	errMu.Lock()
	refusedBy := map[string]int{}
	refused, errLines := 0, 0
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "level=ERROR") {
			errLines++
		}
		if strings.Contains(line, "refused") {
			refused++
			if m := regexp.MustCompile(`tileset=(\S+)`).FindStringSubmatch(line); m != nil {
				refusedBy[m[1]]++
			}
		}
	}
	errMu.Unlock()
	fmt.Printf("soak: server log: %d error lines, refusals by tileset %v\n", errLines, refusedBy)

	var problems []string
	if crashed {
		errMu.Lock()
		problems = append(problems, "the server exited:\n"+tailOf(stderr.String(), 4000))
		errMu.Unlock()
	}
	if opErr != nil {
		problems = append(problems, "operator step failed: "+opErr.Error())
	}
	for f, n := range fails {
		problems = append(problems, fmt.Sprintf("%d× %s", n, f))
	}
	if base0 == 0 {
		problems = append(problems, "no RSS sample after warm-up")
	} else if pct(peak, base0) > 20 {
		problems = append(problems, fmt.Sprintf("RSS grew %.1f %% after warm-up", pct(peak, base0)))
	}
	if actions["broken"] > 0 && refusedBy["broken"] == 0 {
		problems = append(problems, "the broken file was not refused in the log")
	}
	if n := refused - refusedBy["broken"]; n > 0 {
		problems = append(problems, fmt.Sprintf("%d refusals of tilesets replaced in a supported way", n))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return nil
}

func pct(v, base int64) float64 {
	if base == 0 {
		return 0
	}
	return float64(v-base) / float64(base) * 100
}

func tailOf(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// rssKB reads VmRSS of a process from /proc.
func rssKB(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS")
}

func vacuum(path string) error {
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(`VACUUM`)
	return err
}

// overwrite writes src over dst in place in chunks, then cuts it to size,
// as rsync --inplace does.
func overwrite(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	for off := 0; off < len(b); off += 64 << 10 {
		if _, err := f.WriteAt(b[off:min(off+64<<10, len(b))], int64(off)); err != nil {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
	return f.Truncate(int64(len(b)))
}
