package mbtiles_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sonla-gis/plantile/pkg/mbtiles"
)

// TestCreateRefusesNonRegular: Commit renames over the path, so a path
// that is a device, a FIFO, a directory or a symbolic link is refused
// before anything is written, and left as it was.
func TestCreateRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.mbtiles")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "dir.mbtiles")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(dir, "real.mbtiles")
	write(t, real, mbtiles.Metadata{Name: "real"}, []tile{{0, 0, 0, []byte("x")}})
	link := filepath.Join(dir, "link.mbtiles")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{"/dev/null", "character device"},
		{fifo, "FIFO"},
		{sub, "directory"},
		{link, "symbolic link"},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			before, err := os.Lstat(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			w, err := mbtiles.Create(tc.path)
			if err == nil {
				w.Abort()
			}
			if !errors.Is(err, mbtiles.ErrNotRegular) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Create(%s) = %v, want ErrNotRegular naming a %s", tc.path, err, tc.want)
			}
			after, err := os.Lstat(tc.path)
			if err != nil || after.Mode() != before.Mode() {
				t.Errorf("%s changed: %v then %v (%v)", tc.path, before.Mode(), after.Mode(), err)
			}
		})
	}
	assertOnlyFiles(t, dir, "dir.mbtiles", "fifo.mbtiles", "link.mbtiles", "real.mbtiles")
}

// TestHelperWriter is not a test: TestSweepKilledWriter runs the test
// binary on it as a writer process to kill.
func TestHelperWriter(t *testing.T) {
	path := os.Getenv("PLANTILE_HELPER_WRITER")
	if path == "" {
		t.Skip("helper process only")
	}
	if _, err := mbtiles.Create(path); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("ready\n")
	time.Sleep(time.Minute) // killed before
}

// TestSweepKilledWriter kills a process in the middle of writing and
// checks that its temporary file is left alone while the process lives
// and swept by the next Create once it is gone, with the other files
// beside it untouched: another target's temporary file, one in the old
// name format, and one of a dead pid that someone still holds locked.
func TestSweepKilledWriter(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.mbtiles")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), "PLANTILE_HELPER_WRITER="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	buf := make([]byte, 6)
	if _, err := out.Read(buf); err != nil || string(buf) != "ready\n" {
		t.Fatalf("helper: %q %v", buf, err)
	}
	helperTemp := ".plan.mbtiles.tmp-p" + strconv.Itoa(cmd.Process.Pid) + "-"
	findHelper := func() bool {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), helperTemp) {
				return true
			}
		}
		return false
	}
	if !findHelper() {
		t.Fatalf("no temporary file %s* in %s", helperTemp, dir)
	}

	// A dead pid: a process that has exited and been waited for.
	done := exec.Command("true")
	if err := done.Run(); err != nil {
		t.Fatal(err)
	}
	dead := strconv.Itoa(done.Process.Pid)
	keep := []string{".other.mbtiles.tmp-p" + dead + "-1", ".plan.mbtiles.tmp-12345", ".plan.mbtiles.tmp-p" + dead + "-locked"}
	stale := ".plan.mbtiles.tmp-p" + dead + "-2"
	for _, n := range append(keep, stale) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	lf, err := os.Open(filepath.Join(dir, keep[2]))
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}

	// While the helper lives, its file stays.
	w, err := mbtiles.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w.Abort()
	if !findHelper() {
		t.Fatal("a live writer's temporary file was swept")
	}
	if _, err := os.Stat(filepath.Join(dir, stale)); !os.IsNotExist(err) {
		t.Errorf("stale %s not swept: %v", stale, err)
	}

	cmd.Process.Kill()
	cmd.Wait()
	w, err = mbtiles.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w.Abort()
	if findHelper() {
		t.Error("the killed writer's temporary file was not swept")
	}
	assertOnlyFiles(t, dir, keep...)
}
