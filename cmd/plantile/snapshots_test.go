package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSnapshotRuns: a server starting up sweeps the snapshot directories of
// processes that are gone, never those of a live one (its lock is held),
// nor a recent copy left directly in the directory by an older version.
func TestSnapshotRuns(t *testing.T) {
	base := t.TempDir()
	live, err := newSnapshotRun(base)
	if err != nil {
		t.Fatal(err)
	}
	copying := filepath.Join(live.dir, ".snapshot-1.mbtiles")
	touch(t, copying)
	// A process killed while serving: its run directory and lock file
	// remain, the lock is free.
	dead := filepath.Join(base, "run-dead")
	if err := os.Mkdir(dead, 0o700); err != nil {
		t.Fatal(err)
	}
	touch(t, filepath.Join(dead, "lock"))
	touch(t, filepath.Join(dead, ".snapshot-2.mbtiles"))
	// Copies left directly in base by an older version: one old, one
	// recent (perhaps still being made).
	oldCopy, newCopy := filepath.Join(base, ".snapshot-3.mbtiles"), filepath.Join(base, ".snapshot-4.mbtiles")
	touch(t, oldCopy)
	touch(t, newCopy)
	past := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(oldCopy, past, past); err != nil {
		t.Fatal(err)
	}

	second, err := newSnapshotRun(base)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{copying: true, dead: false, oldCopy: false, newCopy: true, second.dir: true} {
		if _, err := os.Stat(path); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", path, err == nil, want)
		}
	}
	live.Close()
	if _, err := os.Stat(live.dir); !os.IsNotExist(err) {
		t.Errorf("%s left after Close: %v", live.dir, err)
	}
	third, err := newSnapshotRun(base)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if _, err := os.Stat(second.dir); err != nil {
		t.Errorf("a live server's directory swept by a third: %v", err)
	}
	second.Close()
}

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
}
